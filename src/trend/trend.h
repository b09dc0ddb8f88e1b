/* SPDX-License-Identifier: GPL-2.0 */
/* The trend of one time series (a stack's outstanding bytes, descriptors, sockets to a
 * peer, a total): a least-squares rate over the series' latest segment, after the last
 * change of slope, and a verdict. Thresholds and their reasons: docs/trends.md. */
#ifndef LT_TREND_H
#define LT_TREND_H

#include <stddef.h>

enum lt_verdict {
	LT_VERDICT_UNKNOWN = 0,
	LT_VERDICT_STABLE,
	LT_VERDICT_GROWING,
	LT_VERDICT_SHRINKING,
};

struct lt_trend {
	enum lt_verdict verdict;
	double per_s;  /* fitted rate over the segment, in the series' unit per second */
	double r2;     /* of that fit; 0 when the points do not vary */
	double span_s; /* time the segment covers */
};

/* A series needs this many points over this many seconds in its latest segment... */
#define LT_TREND_MIN_POINTS 5
#define LT_TREND_MIN_SPAN_S 4.0
/* ...a fit explaining this much of the variance to grow or shrink, */
#define LT_TREND_MIN_R2 0.8
/* a rise over the segment of at least this fraction of the segment's mean level and at
 * least the series' own floor (struct lt_trend_opts.min_rise), */
#define LT_TREND_MIN_FRACTION 0.05
/* a change point where two lines leave at most this fraction of one line's residual, */
#define LT_TREND_SPLIT_GAIN 0.5
/* and, to grow, an oldest outstanding element at least this fraction of the segment old
 * (younger: what was there when the growth began is gone: it turns over). */
#define LT_TREND_TURNOVER_FRACTION 0.5

struct lt_trend_opts {
	double min_rise;     /* smallest rise that counts, in the series' unit */
	double oldest_age_s; /* age of the oldest outstanding element; < 0 unknown */
};

/* Trend of the n points (t[i] seconds, increasing; y[i]) into out. Returns 0, or -EINVAL
 * for NULL arguments. Fewer points than the minimum give LT_VERDICT_UNKNOWN. */
int lt_trend__fit(const double *t, const double *y, size_t n, const struct lt_trend_opts *o,
		  struct lt_trend *out);

/* "growing", "stable", "shrinking", "unknown". */
const char *lt_verdict__name(enum lt_verdict v);

#endif

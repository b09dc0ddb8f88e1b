// SPDX-License-Identifier: GPL-2.0
/* A series' trend: find the last change of slope (a cache that filled and went flat, a
 * leak that began late), fit a line from there to the end, and judge it (docs/trends.md). */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "trend.h"
#include "gc_trend.h"

/* Running sums of a series, shifted to its first time and mean value so that squares
 * of byte counts keep their digits. They are not lt_gc_trend__fit's sums on purpose: the
 * change-point search weighs every split of the series, and prefix sums give each
 * segment's residual in O(1), O(n) per series (a point a second, for every stack, at every
 * report), where calling the fit per split would cost O(n^2). The segment found is then
 * fitted by lt_gc_trend__fit, whose two centred passes keep more digits, so the reported
 * slope and R^2 come from the one fit routine. */
struct lt_sums {
	double n, t, y, tt, ty, yy;
};

static void lt_sums_add(struct lt_sums *s, double t, double y)
{
	s->n += 1;
	s->t += t;
	s->y += y;
	s->tt += t * t;
	s->ty += t * y;
	s->yy += y * y;
}

/* Residual sum of squares of the best line through the points summed in b minus a. */
static double lt_sums_sse(const struct lt_sums *a, const struct lt_sums *b)
{
	double n = b->n - a->n, st = b->t - a->t, sy = b->y - a->y;
	double stt, sty, syy, sse;

	if (n < 2)
		return 0;
	stt = (b->tt - a->tt) - st * st / n;
	sty = (b->ty - a->ty) - st * sy / n;
	syy = (b->yy - a->yy) - sy * sy / n;
	sse = stt > 0 ? syy - sty * sty / stt : syy;
	return sse > 0 ? sse : 0;
}

/* Where the latest segment begins: the split into two lines that leaves the least
 * residual, when it leaves at most LT_TREND_SPLIT_GAIN of one line's; else 0. */
static size_t lt_trend_segment(const double *t, const double *y, size_t n)
{
	struct lt_sums *pre = calloc(n + 1, sizeof(*pre));
	double mean = 0, whole, best = INFINITY;
	size_t start = 0;

	if (!pre)
		return 0; /* no memory: the whole series, a fit that is still honest */
	for (size_t i = 0; i < n; i++)
		mean += y[i] / n;
	for (size_t i = 0; i < n; i++) {
		pre[i + 1] = pre[i];
		lt_sums_add(&pre[i + 1], t[i] - t[0], y[i] - mean);
	}
	whole = lt_sums_sse(&pre[0], &pre[n]);
	for (size_t k = 2; k + LT_TREND_MIN_POINTS <= n; k++) {
		double sse;

		if (t[n - 1] - t[k] < LT_TREND_MIN_SPAN_S)
			break;
		sse = lt_sums_sse(&pre[0], &pre[k]) + lt_sums_sse(&pre[k], &pre[n]);
		if (sse < best) {
			best = sse;
			start = k;
		}
	}
	if (!(best <= whole * LT_TREND_SPLIT_GAIN))
		start = 0;
	free(pre);
	return start;
}

static enum lt_verdict lt_trend_judge(const struct lt_gc_fit *fit, const double *y, size_t n,
				      double span, const struct lt_trend_opts *o)
{
	double mean = 0, rise = fit->slope * span, floor;

	for (size_t i = 0; i < n; i++)
		mean += y[i] / n;
	floor = fabs(mean) * LT_TREND_MIN_FRACTION;
	if (floor < o->min_rise)
		floor = o->min_rise;
	if (fabs(rise) < floor)
		return LT_VERDICT_STABLE;
	if (fit->r2 < LT_TREND_MIN_R2)
		return LT_VERDICT_UNKNOWN;
	if (rise < 0)
		return LT_VERDICT_SHRINKING;
	/* a leak keeps what it took when it began to grow */
	if (o->oldest_age_s >= 0 && o->oldest_age_s < span * LT_TREND_TURNOVER_FRACTION)
		return LT_VERDICT_STABLE;
	return LT_VERDICT_GROWING;
}

int lt_trend__fit(const double *t, const double *y, size_t n, const struct lt_trend_opts *o,
		  struct lt_trend *out)
{
	struct lt_gc_fit fit;
	size_t k;
	int err;

	if (!t || !y || !o || !out)
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	if (n < LT_TREND_MIN_POINTS || t[n - 1] - t[0] < LT_TREND_MIN_SPAN_S)
		return 0;
	k = lt_trend_segment(t, y, n);
	err = lt_gc_trend__fit(t + k, y + k, n - k, &fit);
	if (err)
		return err;
	out->per_s = fit.slope;
	out->r2 = fit.r2;
	out->span_s = t[n - 1] - t[k];
	out->verdict = lt_trend_judge(&fit, y + k, n - k, out->span_s, o);
	return 0;
}

const char *lt_verdict__name(enum lt_verdict v)
{
	switch (v) {
	case LT_VERDICT_STABLE:
		return "stable";
	case LT_VERDICT_GROWING:
		return "growing";
	case LT_VERDICT_SHRINKING:
		return "shrinking";
	default:
		return "unknown";
	}
}

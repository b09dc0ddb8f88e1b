// SPDX-License-Identifier: GPL-2.0
/* A report's trends: each stack's series fitted with the stack's oldest block as evidence,
 * each peer's, and RSS growth split by where it goes. */
#include <errno.h>
#include <stdlib.h>

#include "trend_report.h"
#include "trend.h"
#include "gc_trend.h"

struct lt_fill {
	const struct lt_series_set *set;
	const double *t;
	size_t n;
	double *y;
};

static int lt_fill_one(const struct lt_fill *f, enum lt_series_kind kind, __u64 key,
		       double min_rise, double oldest_age_s, struct lt_trend *out)
{
	struct lt_trend_opts o = { min_rise, oldest_age_s };

	if (!lt_series_set__values(f->set, kind, key, f->y)) {
		*out = (struct lt_trend){ LT_VERDICT_UNKNOWN };
		return 0;
	}
	return lt_trend__fit(f->t, f->y, f->n, &o, out);
}

static int lt_fill_section(const struct lt_fill *f, struct lt_report_section *sec,
			   enum lt_series_kind kind, double min_rise)
{
	for (size_t i = 0; i < sec->n; i++) {
		struct lt_report_stack *s = &sec->stacks[i];
		int err = lt_fill_one(f, kind, s->stack_id, min_rise, s->oldest_age_s, &s->trend);

		if (err)
			return err;
	}
	return 0;
}

/* Least-squares rate of one total over every sample (0 without its series). */
static double lt_total_rate(const struct lt_fill *f, enum lt_series_total which)
{
	struct lt_gc_fit fit;

	if (!lt_series_set__values(f->set, LT_SERIES_TOTAL, which, f->y) ||
	    lt_gc_trend__fit(f->t, f->y, f->n, &fit))
		return 0;
	return fit.slope;
}

/* Of part, what the RSS growth left can hold: a byte allocated or mapped is not always
 * resident (V8 maps its heap's pages ahead, malloc'ed memory may be untouched). */
static double lt_take(double *left, double part)
{
	if (*left > 0 && part > *left)
		part = *left;
	if (part > 0)
		*left -= part;
	return part;
}

/* Every part over the same samples, so that they add up; the JS heap's is V8's own fit of
 * the live heap after GC, the closest to what the JS heap holds. Parts are taken in that
 * order, JS heap, native heap, mmap, each at most the growth the ones before left. */
static void lt_fill_rss(const struct lt_fill *f, struct lt_report *r)
{
	struct lt_report_rss *x = &r->rss;
	double left;

	/* without the heap or mmap traced there is nothing to split RSS into */
	if (!r->memory_traced || f->n < LT_TREND_MIN_POINTS ||
	    f->t[f->n - 1] - f->t[0] < LT_TREND_MIN_SPAN_S)
		return;
	x->valid = true;
	x->span_s = f->t[f->n - 1] - f->t[0];
	x->rss_per_s = left = lt_total_rate(f, LT_TOTAL_RSS);
	x->js = r->gc && r->gc->traced;
	x->js_heap_per_s = lt_take(&left, x->js && r->gc->live.valid ? r->gc->live.slope : 0);
	x->native_heap_per_s = lt_take(&left, lt_total_rate(f, LT_TOTAL_HEAP));
	x->mmap_per_s = lt_take(&left, lt_total_rate(f, LT_TOTAL_MMAP));
	x->other_per_s = x->rss_per_s - x->native_heap_per_s - x->mmap_per_s - x->js_heap_per_s;
}

int lt_trend_report__fill(const struct lt_series_set *set, struct lt_report *r)
{
	struct lt_fill f = { set };
	int err;

	f.t = lt_series_set__times(set, &f.n);
	r->looked_s = f.n ? f.t[f.n - 1] - f.t[0] : 0;
	f.y = calloc(LT_SERIES_POINTS, sizeof(*f.y));
	if (!f.y)
		return -ENOMEM;
	err = lt_fill_section(&f, &r->heap, LT_SERIES_HEAP, LT_TREND_MIN_RISE_BYTES);
	if (!err)
		err = lt_fill_section(&f, &r->mmap, LT_SERIES_MMAP, LT_TREND_MIN_RISE_MMAP);
	if (!err)
		err = lt_fill_section(&f, &r->fds.sec, LT_SERIES_FD, LT_TREND_MIN_RISE_DESCRIPTORS);
	for (size_t i = 0; i < r->socks.n && !err; i++)
		err = lt_fill_one(&f, LT_SERIES_SOCK, lt_series__peer_key(r->socks.by_peer[i].peer),
				  LT_TREND_MIN_RISE_DESCRIPTORS, -1, &r->socks.by_peer[i].trend);
	if (!err)
		lt_fill_rss(&f, r);
	free(f.y);
	return err;
}

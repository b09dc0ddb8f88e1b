// SPDX-License-Identifier: GPL-2.0
/* The JS-heap verdict: collections are logged as they come; a summary counts them, sums
 * their pauses and fits a line to the live heap after each mark-compact over time. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "gc_trend.h"

/* What the fit needs of a mark-compact, kept for every one of them. */
struct lt_gc_point {
	double t_s;
	double live;
	double rss;
	__u32 tid;
};

struct lt_gc_log {
	struct lt_gc_collection *ring; /* the newest `keep` collections */
	size_t keep, head, total;
	struct lt_gc_point *points;
	size_t npoints, cap;
	__u64 counts[LT_GC_KIND__MAX + 1];
	double total_pause_ms, max_pause_ms;
};

int lt_gc_trend__fit(const double *t, const double *y, size_t n, struct lt_gc_fit *out)
{
	double mt = 0, my = 0, stt = 0, sty = 0, syy = 0, res = 0;

	if (!t || !y || !out)
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	out->n = n;
	if (n < 2)
		return 0;
	for (size_t i = 0; i < n; i++) {
		mt += t[i];
		my += y[i];
	}
	mt /= n;
	my /= n;
	/* centred sums: times since boot and sizes in bytes would lose digits otherwise */
	for (size_t i = 0; i < n; i++) {
		stt += (t[i] - mt) * (t[i] - mt);
		sty += (t[i] - mt) * (y[i] - my);
		syy += (y[i] - my) * (y[i] - my);
	}
	if (!(stt > 0))
		return 0;
	out->slope = sty / stt;
	out->intercept = my - out->slope * mt;
	for (size_t i = 0; i < n; i++) {
		double e = y[i] - (out->intercept + out->slope * t[i]);

		res += e * e;
	}
	out->r2 = syy > 0 ? 1 - res / syy : 0;
	if (out->r2 < 0)
		out->r2 = 0;
	out->valid = true;
	return 0;
}

enum lt_gc_verdict lt_gc_trend__verdict(const struct lt_gc_fit *fit, double span_s, double mean)
{
	double rise, floor;

	if (!fit || !fit->valid || fit->n < LT_GC_MIN_MARK_COMPACTS)
		return LT_GC_VERDICT_UNKNOWN;
	rise = fit->slope * span_s;
	floor = mean * LT_GC_GROWING_MIN_FRACTION;
	if (floor < LT_GC_GROWING_MIN_BYTES)
		floor = LT_GC_GROWING_MIN_BYTES;
	if (fit->slope > 0 && fit->r2 >= LT_GC_GROWING_MIN_R2 && rise >= floor)
		return LT_GC_VERDICT_GROWING;
	return LT_GC_VERDICT_STABLE;
}

const char *lt_gc_trend__verdict_name(enum lt_gc_verdict v)
{
	switch (v) {
	case LT_GC_VERDICT_STABLE:
		return "stable";
	case LT_GC_VERDICT_GROWING:
		return "growing";
	default:
		return "unknown";
	}
}

const char *lt_gc_trend__kind_name(__u32 kind)
{
	static const char *const names[LT_GC_KIND__MAX] = {
		[LT_GC_SCAVENGE] = "scavenge",
		[LT_GC_MARK_COMPACT] = "mark-compact",
		[LT_GC_MINOR_MARK_COMPACT] = "minor-mark-compact",
	};

	return kind < LT_GC_KIND__MAX ? names[kind] : "unknown";
}

const char *lt_gc_trend__reason_name(__u32 reason)
{
	/* V8's GarbageCollectionReason, whose values are only ever appended to (its header
	 * says so, for Chromium's histograms); the words are those of --trace-gc. */
	static const char *const names[] = {
		"unknown",
		"allocation failure",
		"allocation limit",
		"context disposal",
		"counters extension",
		"debugger",
		"deserialize",
		"external memory pressure",
		"finalize incremental marking via stack guard",
		"finalize incremental marking via task",
		"full hash-table",
		"heap profiler",
		"task",
		"last resort",
		"low memory notification",
		"make heap iterable",
		"memory pressure",
		"memory reducer",
		"runtime",
		"sampling profiler",
		"snapshot creator",
		"testing",
		"external finalize",
		"global allocation limit",
		"measure memory",
		"background allocation failure",
	};

	return reason < sizeof(names) / sizeof(names[0]) ? names[reason] : NULL;
}

struct lt_gc_log *lt_gc_log__new(size_t keep)
{
	struct lt_gc_log *l = calloc(1, sizeof(*l));

	if (!l)
		return NULL;
	l->keep = keep ? keep : 1;
	l->ring = calloc(l->keep, sizeof(*l->ring));
	if (!l->ring) {
		free(l);
		return NULL;
	}
	return l;
}

int lt_gc_log__add(struct lt_gc_log *l, const struct lt_gc_collection *c)
{
	if (!l || !c)
		return -EINVAL;
	if (c->kind == LT_GC_MARK_COMPACT && c->has_after) {
		if (LT_ENSURE(&l->points, &l->cap, l->npoints + 1))
			return -ENOMEM;
		l->points[l->npoints++] = (struct lt_gc_point){ c->t_s, (double)c->live_after,
								(double)c->rss, c->tid };
	}
	l->ring[l->head] = *c;
	l->head = (l->head + 1) % l->keep;
	l->total++;
	l->counts[c->kind < LT_GC_KIND__MAX ? c->kind : LT_GC_KIND__MAX]++;
	l->total_pause_ms += c->pause_ms;
	if (c->pause_ms > l->max_pause_ms)
		l->max_pause_ms = c->pause_ms;
	return 0;
}

static void lt_gc_sentence(struct lt_gc_report *r)
{
	size_t n = r->live.n;
	const char *s = n == 1 ? "" : "s";
	double per_min = r->live.slope * 60 / (1 << 20);

	if (r->verdict == LT_GC_VERDICT_UNKNOWN) {
		snprintf(r->sentence, sizeof(r->sentence),
			 "JS heap trend unknown: %zu mark-compact%s with a live size so far, "
			 "%d needed",
			 n, s, LT_GC_MIN_MARK_COMPACTS);
		return;
	}
	snprintf(r->sentence, sizeof(r->sentence),
		 "JS heap %s: %+.1f MiB/min over %zu mark-compacts (R^2 %.2f)",
		 lt_gc_trend__verdict_name(r->verdict), fabs(per_min) < 0.05 ? 0.0 : per_min, n,
		 r->live.r2);
}

static int cmp_u32(const void *a, const void *b)
{
	__u32 x = *(const __u32 *)a, y = *(const __u32 *)b;

	return (x > y) - (x < y);
}

/* main_tid if it has mark-compacts, else the thread with the most (the lowest on a tie). */
static int lt_gc_trend_thread(const struct lt_gc_log *l, __u32 main_tid, __u32 *tid)
{
	size_t best = 0, run = 0;
	__u32 *v;

	*tid = main_tid;
	for (size_t i = 0; i < l->npoints; i++)
		if (l->points[i].tid == main_tid)
			return 0;
	if (!l->npoints)
		return 0;
	v = malloc(l->npoints * sizeof(*v));
	if (!v)
		return -ENOMEM;
	for (size_t i = 0; i < l->npoints; i++)
		v[i] = l->points[i].tid;
	qsort(v, l->npoints, sizeof(*v), cmp_u32);
	for (size_t i = 0; i < l->npoints; i++) {
		run = i && v[i] == v[i - 1] ? run + 1 : 1;
		if (run > best) {
			best = run;
			*tid = v[i];
		}
	}
	free(v);
	return 0;
}

static int lt_gc_fits(const struct lt_gc_log *l, __u32 main_tid, struct lt_gc_report *r)
{
	size_t n = 0, nrss = 0;
	double *t = calloc(l->npoints + 1, sizeof(double));
	double *y = calloc(l->npoints + 1, sizeof(double));
	double *trss = calloc(l->npoints + 1, sizeof(double));
	double *rss = calloc(l->npoints + 1, sizeof(double));
	double mean = 0;
	int err = -ENOMEM;

	if (!t || !y || !trss || !rss)
		goto cleanup;
	err = lt_gc_trend_thread(l, main_tid, &r->trend_tid);
	if (err)
		goto cleanup;
	for (size_t i = 0; i < l->npoints; i++) {
		const struct lt_gc_point *p = &l->points[i];

		if (p->tid != r->trend_tid) {
			r->other_mark_compacts++;
			continue;
		}
		t[n] = p->t_s;
		y[n++] = p->live;
		/* an unknown RSS (the process was gone) stays out of its fit */
		if (p->rss > 0) {
			trss[nrss] = p->t_s;
			rss[nrss++] = p->rss;
		}
	}
	for (size_t i = 0; i < n; i++)
		mean += y[i] / n;
	lt_gc_trend__fit(t, y, n, &r->live);
	lt_gc_trend__fit(trss, rss, nrss, &r->rss);
	if (n) {
		r->first_t_s = t[0];
		r->last_t_s = t[n - 1];
		r->first_live = (__u64)y[0];
		r->last_live = (__u64)y[n - 1];
	}
	if (nrss) {
		r->first_rss = (__u64)rss[0];
		r->last_rss = (__u64)rss[nrss - 1];
	}
	r->verdict = lt_gc_trend__verdict(&r->live, r->last_t_s - r->first_t_s, mean);
	err = 0;
cleanup:
	free(t);
	free(y);
	free(trss);
	free(rss);
	return err;
}

int lt_gc_log__summarize(const struct lt_gc_log *l, __u32 main_tid, struct lt_gc_report *out)
{
	size_t n, first;
	int err;

	if (!l || !out)
		return -EINVAL;
	/* what the caller filled in stays; the rest is this summary's */
	*out = (struct lt_gc_report){ .traced = out->traced,
				      .off_reason = out->off_reason,
				      .module = out->module,
				      .v8_version = out->v8_version };
	n = l->total < l->keep ? l->total : l->keep;
	out->collections = n ? calloc(n, sizeof(*out->collections)) : NULL;
	if (n && !out->collections)
		return -ENOMEM;
	/* oldest kept first: when the ring has wrapped, that is the slot written next */
	first = l->total < l->keep ? 0 : l->head;
	for (size_t i = 0; i < n; i++)
		out->collections[i] = l->ring[(first + i) % l->keep];
	out->n = n;
	out->omitted = l->total - n;
	memcpy(out->counts, l->counts, sizeof(out->counts));
	out->total = l->total;
	out->total_pause_ms = l->total_pause_ms;
	out->max_pause_ms = l->max_pause_ms;
	err = lt_gc_fits(l, main_tid, out);
	if (err) {
		lt_gc_report__free(out);
		return err;
	}
	lt_gc_sentence(out);
	return 0;
}

void lt_gc_log__free(struct lt_gc_log *l)
{
	if (!l)
		return;
	free(l->ring);
	free(l->points);
	free(l);
}

void lt_gc_report__free(struct lt_gc_report *r)
{
	if (!r)
		return;
	free(r->collections);
	r->collections = NULL;
	r->n = 0;
}

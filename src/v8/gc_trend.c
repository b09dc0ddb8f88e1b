// SPDX-License-Identifier: GPL-2.0
/* The JS-heap verdict: collections are logged as they come; a summary counts them, sums
 * their pauses and fits a line over time to the lower envelope of the sizes after them
 * (the lowest of each stretch between two mark-compacts). */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "gc_trend.h"

/* What the RSS fit and the report need of a mark-compact, kept for every one of them. */
struct lt_gc_point {
	double t_s;
	double live;
	double rss;
	__u32 tid;
};

/* A point of the lower envelope: the lowest size after a GC in one closed stretch of a
 * thread's collections. */
struct lt_gc_low {
	double t_s;
	double size;
	__u32 tid;
	bool after_mc; /* the stretch began with a mark-compact (not the one before the first) */
};

/* One thread's collections with a live size: its open stretch (since its last mark-compact,
 * or since tracing began) and its counts. */
struct lt_gc_thread {
	__u32 tid;
	bool after_mc;
	size_t n; /* collections in the open stretch */
	double t_low, low, high, t_first, t_last;
	size_t mark_compacts, others;
};

struct lt_gc_log {
	struct lt_gc_collection *ring; /* the newest `keep` collections */
	size_t keep, head, total;
	struct lt_gc_point *points;
	size_t npoints, cap;
	struct lt_gc_low *lows;
	size_t nlows, lows_cap;
	struct lt_gc_thread *threads;
	size_t nthreads, threads_cap;
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

/* The least rise that is growth for a heap of this mean size. */
static double lt_gc_floor(double mean)
{
	double floor = mean * LT_GC_GROWING_MIN_FRACTION;

	return floor < LT_GC_GROWING_MIN_BYTES ? LT_GC_GROWING_MIN_BYTES : floor;
}

enum lt_gc_verdict lt_gc_trend__verdict(const struct lt_gc_fit *fit, double span_s, double mean)
{
	double rise;

	if (!fit || !fit->valid || fit->n < LT_GC_MIN_POINTS)
		return LT_GC_VERDICT_UNKNOWN;
	rise = fit->slope * span_s;
	if (fit->slope > 0 && fit->r2 >= LT_GC_GROWING_MIN_R2 && rise >= lt_gc_floor(mean))
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

static struct lt_gc_thread *lt_gc_thread_of(struct lt_gc_log *l, __u32 tid)
{
	for (size_t i = 0; i < l->nthreads; i++)
		if (l->threads[i].tid == tid)
			return &l->threads[i];
	if (LT_ENSURE(&l->threads, &l->threads_cap, l->nthreads + 1))
		return NULL;
	l->threads[l->nthreads] = (struct lt_gc_thread){ .tid = tid };
	return &l->threads[l->nthreads++];
}

static const struct lt_gc_thread *lt_gc_thread_find(const struct lt_gc_log *l, __u32 tid)
{
	for (size_t i = 0; i < l->nthreads; i++)
		if (l->threads[i].tid == tid)
			return &l->threads[i];
	return NULL;
}

/* A collection's size after it, into its thread's stretch: a mark-compact closes the
 * stretch (its lowest size becomes a point of the envelope) and opens the next one. */
static int lt_gc_log_size(struct lt_gc_log *l, const struct lt_gc_collection *c)
{
	struct lt_gc_thread *th = lt_gc_thread_of(l, c->tid);
	double size = (double)c->live_after;
	bool mc = c->kind == LT_GC_MARK_COMPACT;

	if (!th)
		return -ENOMEM;
	if (mc) {
		if (LT_ENSURE(&l->points, &l->cap, l->npoints + 1))
			return -ENOMEM;
		if (th->n && LT_ENSURE(&l->lows, &l->lows_cap, l->nlows + 1))
			return -ENOMEM;
		l->points[l->npoints++] =
			(struct lt_gc_point){ c->t_s, size, (double)c->rss, c->tid };
		if (th->n)
			l->lows[l->nlows++] =
				(struct lt_gc_low){ th->t_low, th->low, c->tid, th->after_mc };
		th->n = 0;
		th->after_mc = true;
		th->mark_compacts++;
	} else {
		th->others++;
	}
	if (!th->n || size < th->low) {
		th->low = size;
		th->t_low = c->t_s;
	}
	if (!th->n || size > th->high)
		th->high = size;
	if (!th->n)
		th->t_first = c->t_s;
	th->t_last = c->t_s;
	th->n++;
	return 0;
}

int lt_gc_log__add(struct lt_gc_log *l, const struct lt_gc_collection *c)
{
	if (!l || !c)
		return -EINVAL;
	/* a collector this build does not know may not free what the others do */
	if (c->has_after && c->kind < LT_GC_KIND__MAX && lt_gc_log_size(l, c))
		return -ENOMEM;
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
	double per_min = r->live.slope * 60 / (1 << 20);
	size_t m = r->mark_compacts, o = r->other_gcs;
	const char *ms = m == 1 ? "" : "s", *os = o == 1 ? "" : "s";

	if (!m && !o)
		snprintf(r->sentence, sizeof(r->sentence),
			 "JS heap trend unknown: no collection with a live size yet");
	else if (r->verdict == LT_GC_VERDICT_UNKNOWN && !m)
		snprintf(r->sentence, sizeof(r->sentence),
			 "JS heap trend unknown: no mark-compact yet; %zu other GC%s in %.1f s, "
			 "the heap after them %.1f to %.1f MiB",
			 o, os, r->span_s, r->low_size / (double)(1 << 20),
			 r->high_size / (double)(1 << 20));
	else if (r->verdict == LT_GC_VERDICT_UNKNOWN)
		snprintf(r->sentence, sizeof(r->sentence),
			 "JS heap trend unknown: %zu mark-compact%s and %zu other GC%s so far, "
			 "a second mark-compact is needed",
			 m, ms, o, os);
	else if (!m)
		snprintf(r->sentence, sizeof(r->sentence),
			 "JS heap %s: the heap after %zu GC%s stayed within %.1f MiB over %.1f s "
			 "(no mark-compact)",
			 lt_gc_trend__verdict_name(r->verdict), o, os,
			 (r->high_size - r->low_size) / (double)(1 << 20), r->span_s);
	else
		snprintf(r->sentence, sizeof(r->sentence),
			 "JS heap %s: %+.1f MiB/min over %.1f s, %zu mark-compact%s and %zu "
			 "other GC%s (R^2 %.2f)",
			 lt_gc_trend__verdict_name(r->verdict),
			 fabs(per_min) < 0.05 ? 0.0 : per_min, r->span_s, m, ms, o, os, r->live.r2);
}

/* main_tid if it has collections with a live size, else the thread with the most
 * mark-compacts (the lowest tid on a tie). */
static __u32 lt_gc_trend_thread(const struct lt_gc_log *l, __u32 main_tid)
{
	const struct lt_gc_thread *best = NULL;

	if (lt_gc_thread_find(l, main_tid))
		return main_tid;
	for (size_t i = 0; i < l->nthreads; i++) {
		const struct lt_gc_thread *th = &l->threads[i];

		if (!best || th->mark_compacts > best->mark_compacts ||
		    (th->mark_compacts == best->mark_compacts && th->tid < best->tid))
			best = th;
	}
	return best ? best->tid : main_tid;
}

/* The RSS at the trend thread's mark-compacts, and their first and last live sizes. */
static int lt_gc_rss_fit(const struct lt_gc_log *l, struct lt_gc_report *r)
{
	double *t = calloc(l->npoints + 1, sizeof(double));
	double *rss = calloc(l->npoints + 1, sizeof(double));
	size_t n = 0, nrss = 0;
	int err = -ENOMEM;

	if (!t || !rss)
		goto cleanup;
	for (size_t i = 0; i < l->npoints; i++) {
		const struct lt_gc_point *p = &l->points[i];

		if (p->tid != r->trend_tid) {
			r->other_mark_compacts++;
			continue;
		}
		if (!n++) {
			r->first_t_s = p->t_s;
			r->first_live = (__u64)p->live;
		}
		r->last_t_s = p->t_s;
		r->last_live = (__u64)p->live;
		/* an unknown RSS (the process was gone) stays out of its fit */
		if (p->rss > 0) {
			t[nrss] = p->t_s;
			rss[nrss++] = p->rss;
		}
	}
	lt_gc_trend__fit(t, rss, nrss, &r->rss);
	if (nrss) {
		r->first_rss = (__u64)rss[0];
		r->last_rss = (__u64)rss[nrss - 1];
	}
	err = 0;
cleanup:
	free(t);
	free(rss);
	return err;
}

/* No mark-compact yet: the sizes after the GCs bound the live heap from above and only
 * the young generation's share of them falls between mark-compacts, so sizes that stayed
 * within the floor over a long enough span are a stable heap; a rise is garbage promoted
 * to the old generation as much as a leak, and says nothing. */
static enum lt_gc_verdict lt_gc_flat_verdict(const struct lt_gc_thread *th)
{
	if (th->n < LT_GC_FLAT_MIN_GCS || th->t_last - th->t_first < LT_GC_FLAT_MIN_SPAN_S)
		return LT_GC_VERDICT_UNKNOWN;
	if (th->high - th->low < lt_gc_floor((th->high + th->low) / 2))
		return LT_GC_VERDICT_STABLE;
	return LT_GC_VERDICT_UNKNOWN;
}

/* The lower envelope of the trend thread: the lowest size of each closed stretch, then of
 * the open one. The stretch before the first mark-compact is a bound only (its old
 * generation may hold garbage): above the next point it bounds nothing and stays out. */
static int lt_gc_envelope_fit(const struct lt_gc_log *l, const struct lt_gc_thread *th,
			      struct lt_gc_report *r)
{
	double *t = calloc(l->nlows + 1, sizeof(double));
	double *y = calloc(l->nlows + 1, sizeof(double));
	size_t n = 0, skip = 0;
	bool first_bound = false;
	double mean = 0;
	int err = -ENOMEM;

	if (!t || !y)
		goto cleanup;
	for (size_t i = 0; i < l->nlows; i++) {
		const struct lt_gc_low *p = &l->lows[i];

		if (p->tid != th->tid)
			continue;
		if (!n)
			first_bound = !p->after_mc;
		t[n] = p->t_s;
		y[n++] = p->size;
	}
	if (th->n) {
		if (!n)
			first_bound = !th->after_mc;
		t[n] = th->t_low;
		y[n++] = th->low;
	}
	if (first_bound && n >= 2 && y[0] > y[1])
		skip = 1;
	for (size_t i = skip; i < n; i++)
		mean += y[i] / (n - skip);
	lt_gc_trend__fit(t + skip, y + skip, n - skip, &r->live);
	if (n > skip) {
		r->span_s = t[n - 1] - t[skip];
		r->env_first_t_s = t[skip];
		r->env_first = (__u64)y[skip];
		r->env_last = (__u64)y[n - 1];
	}
	if (th->mark_compacts) {
		r->verdict = lt_gc_trend__verdict(&r->live, r->span_s, mean);
	} else {
		r->span_s = th->n ? th->t_last - th->t_first : 0;
		r->low_size = (__u64)th->low;
		r->high_size = (__u64)th->high;
		r->verdict = lt_gc_flat_verdict(th);
	}
	err = 0;
cleanup:
	free(t);
	free(y);
	return err;
}

static int lt_gc_fits(const struct lt_gc_log *l, __u32 main_tid, struct lt_gc_report *r)
{
	const struct lt_gc_thread *th;
	int err;

	r->trend_tid = lt_gc_trend_thread(l, main_tid);
	err = lt_gc_rss_fit(l, r);
	if (err)
		return err;
	th = lt_gc_thread_find(l, r->trend_tid);
	if (!th)
		return 0; /* no collection with a live size: unknown */
	r->mark_compacts = th->mark_compacts;
	r->other_gcs = th->others;
	return lt_gc_envelope_fit(l, th, r);
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
	free(l->lows);
	free(l->threads);
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

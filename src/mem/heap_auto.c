// SPDX-License-Identifier: GPL-2.0
/* When the native heap of a V8 target switches itself on: RSS less the JS heap (V8's size
 * after each isolate's latest GC) is fitted by the trend machinery of trend.c once a
 * second; a verdict of growth, long and fast enough, turns the heap on, sampled. */
#include <stdio.h>
#include <string.h>

#include "heap_auto.h"
#include "trend.h"
#include "gc_trend.h"
#include "v8_detect.h"

/* Why the heap is off on a V8 process attached without -t. */
#define LT_HEAP_DEFAULT_OFF                                                                        \
	"off by default in a process with V8 (a trap per malloc and free costs most of a "         \
	"busy server's throughput)"
#define LT_HEAP_EXACT "-t heap,mmap,fd,sock,gc traces it exactly from the start"

#define LT_MIB (1024.0 * 1024.0)

/* "512 KiB", "1 MiB", "100000 B": a sampling rate as the user would write it. */
static const char *lt_rate_words(__u64 bytes, char *buf, size_t size)
{
	if (bytes >= (1ull << 20) && !(bytes & ((1ull << 20) - 1)))
		snprintf(buf, size, "%llu MiB", (unsigned long long)(bytes >> 20));
	else if (bytes >= 1024 && !(bytes & 1023))
		snprintf(buf, size, "%llu KiB", (unsigned long long)(bytes >> 10));
	else
		snprintf(buf, size, "%llu B", (unsigned long long)bytes);
	return buf;
}

bool lt_heap_auto__narrow(struct lt_heap_auto *a, const struct lt_config *cfg, int pid,
			  struct lt_config *asked)
{
	memset(a, 0, sizeof(*a));
	if (!cfg->trace_default || cfg->argv || !cfg->trace_heap || !lt_v8__in_process(pid))
		return false;
	*asked = *cfg;
	asked->trace_heap = false;
	lt_heap_auto__arm(a, cfg);
	return true;
}

void lt_heap_auto__arm(struct lt_heap_auto *a, const struct lt_config *cfg)
{
	char rate[32];

	memset(a, 0, sizeof(*a));
	a->default_off = true;
	if (cfg->no_auto_heap) {
		snprintf(a->reason, sizeof(a->reason), "%s; %s", LT_HEAP_DEFAULT_OFF,
			 LT_HEAP_EXACT);
		return;
	}
	a->state = LT_HEAP_AUTO_ARMED;
	a->sample_bytes = cfg->sample_bytes ? cfg->sample_bytes : LT_HEAP_AUTO_SAMPLE_BYTES;
	snprintf(a->reason, sizeof(a->reason),
		 "%s; switched on, sampled 1 per %s, if RSS grows outside the JS heap for %.0f s "
		 "by over %.0f MiB/min (--no-auto-heap: never); %s",
		 LT_HEAP_DEFAULT_OFF, lt_rate_words(a->sample_bytes, rate, sizeof(rate)),
		 LT_HEAP_AUTO_MIN_SPAN_S, LT_HEAP_AUTO_MIN_BYTES_PER_MIN / LT_MIB, LT_HEAP_EXACT);
}

void lt_heap_auto__load_config(const struct lt_heap_auto *a, struct lt_config *load)
{
	if (a->state != LT_HEAP_AUTO_ARMED)
		return;
	load->sample_bytes = a->sample_bytes;
}

/* The first of the n times within span_s of the last. */
static size_t lt_since(const double *t, size_t n, double span_s)
{
	size_t k = 0;

	while (k + 1 < n && t[k] < t[n - 1] - span_s - 1e-6)
		k++;
	return k;
}

bool lt_heap_auto__due(struct lt_heap_auto *a, const struct lt_series_set *set)
{
	struct lt_trend_opts o = {
		/* the least rise the rate asks for over the shortest span */
		.min_rise = LT_HEAP_AUTO_MIN_BYTES_PER_MIN / 60 * LT_HEAP_AUTO_MIN_SPAN_S,
		.oldest_age_s = -1,
	};
	double rss[LT_SERIES_POINTS], js[LT_SERIES_POINTS] = { 0 }, out[LT_SERIES_POINTS];
	const double *t;
	struct lt_trend tr;
	struct lt_gc_fit jsfit = {};
	char rate[32];
	size_t n, k;

	if (a->state != LT_HEAP_AUTO_ARMED)
		return false;
	t = lt_series_set__times(set, &n);
	if (n < LT_TREND_MIN_POINTS || n > LT_SERIES_POINTS ||
	    !lt_series_set__values(set, LT_SERIES_TOTAL, LT_TOTAL_RSS, rss))
		return false;
	/* no JS heap series: V8's GCs are not traced, all of RSS counts */
	lt_series_set__values(set, LT_SERIES_TOTAL, LT_TOTAL_JS_HEAP, js);
	for (size_t i = 0; i < n; i++)
		out[i] = rss[i] - js[i];
	if (lt_trend__fit(t, out, n, &o, &tr) || tr.verdict != LT_VERDICT_GROWING ||
	    tr.span_s < LT_HEAP_AUTO_MIN_SPAN_S)
		return false;
	k = lt_since(t, n, tr.span_s);
	if (lt_gc_trend__fit(t + k, js + k, n - k, &jsfit) || !jsfit.valid)
		jsfit.slope = 0;
	if ((tr.per_s - LT_HEAP_AUTO_V8_SHARE * (jsfit.slope > 0 ? jsfit.slope : 0)) * 60 <
	    LT_HEAP_AUTO_MIN_BYTES_PER_MIN)
		return false;
	a->state = LT_HEAP_AUTO_ON;
	a->on_s = t[n - 1];
	a->outside_per_s = tr.per_s;
	a->js_per_s = jsfit.slope;
	a->span_s = tr.span_s;
	snprintf(a->reason, sizeof(a->reason),
		 "native heap sampled 1 per %s since t=%.1f s, switched on because RSS outside "
		 "the JS heap grew %+.1f MiB/min over %.0f s (JS heap %+.1f MiB/min); its figures "
		 "count only allocations since then; %s",
		 lt_rate_words(a->sample_bytes, rate, sizeof(rate)), a->on_s,
		 a->outside_per_s * 60 / LT_MIB, a->span_s, a->js_per_s * 60 / LT_MIB,
		 LT_HEAP_EXACT);
	return true;
}

void lt_heap_auto__failed(struct lt_heap_auto *a, const char *why)
{
	if (a->state != LT_HEAP_AUTO_ARMED)
		return;
	a->state = LT_HEAP_AUTO_FAILED;
	snprintf(a->reason, sizeof(a->reason), "%s; switching it on failed: %s; %s",
		 LT_HEAP_DEFAULT_OFF, why, LT_HEAP_EXACT);
}

void lt_heap_auto__report(const struct lt_heap_auto *a, struct lt_report *r)
{
	static const char *const states[] = {
		[LT_HEAP_AUTO_NONE] = "never",
		[LT_HEAP_AUTO_ARMED] = "armed",
		[LT_HEAP_AUTO_ON] = "on",
		[LT_HEAP_AUTO_FAILED] = "failed",
	};

	if (!a->default_off)
		return;
	lt_report__not_loaded(r, a->state == LT_HEAP_AUTO_ON ? "heap exact" : "heap", a->reason);
	r->heap_auto.state = states[a->state];
	r->heap_auto.sample_bytes = a->state == LT_HEAP_AUTO_NONE ? 0 : a->sample_bytes;
	r->heap_auto.on_s = a->on_s;
	r->heap_auto.outside_per_s = a->outside_per_s;
	r->heap_auto.js_per_s = a->js_per_s;
	r->heap_auto.span_s = a->span_s;
}

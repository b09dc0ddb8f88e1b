/* SPDX-License-Identifier: GPL-2.0 */
/* The native heap of a V8 target, off by default: when RSS grows outside the JS heap, the
 * switch that turns it on, sampled, mid-trace; and the words that say so (docs/node.md). */
#ifndef LT_HEAP_AUTO_H
#define LT_HEAP_AUTO_H

#include <stdbool.h>
#include <linux/types.h>
#include "config.h"
#include "report.h"
#include "series.h"

/* The rate it samples at without --sample: the cost of --sample 512K (docs/overhead.md). */
#define LT_HEAP_AUTO_SAMPLE_BYTES (512ull << 10)
/* RSS less the JS heap must be growing by the trend's verdict (trend.h) over at least this
 * long, */
#define LT_HEAP_AUTO_MIN_SPAN_S 20.0
/* by at least this many bytes a minute beyond what the JS heap's own growth explains: */
#define LT_HEAP_AUTO_MIN_BYTES_PER_MIN (2.0 * (1 << 20))
/* V8 keeps memory beside its heap that grows with it (pages committed ahead, remembered
 * sets): measured +12% of the JS heap's growth on tests/targets/js_rss_heap.js; twice that
 * is set aside before the rest counts as growth outside the JS heap. */
#define LT_HEAP_AUTO_V8_SHARE 0.25

enum lt_heap_auto_state {
	LT_HEAP_AUTO_NONE = 0, /* the heap is traced from the start, or --no-auto-heap */
	LT_HEAP_AUTO_ARMED,    /* off by default, watching RSS */
	LT_HEAP_AUTO_ON,       /* switched on, sampled */
	LT_HEAP_AUTO_FAILED,   /* due, but switching on failed: off for good */
};

struct lt_heap_auto {
	bool default_off; /* the default left the heap off: the report says so (reason) */
	enum lt_heap_auto_state state;
	__u64 sample_bytes; /* the rate it traces at once on */
	/* the growth that switched it on: when (seconds since tracing began), how fast, over
	 * how long, and the JS heap's own rate over the same time */
	double on_s, outside_per_s, js_per_s, span_s;
	char reason[384]; /* the report's not_loaded entry and stderr's line */
};

/* No -t, attached to a process that carries V8 (a Node.js service, busy most likely): the
 * default leaves the heap off (docs/overhead.md): true, with *asked the user's cfg less the
 * heap, and a armed unless --no-auto-heap. False elsewhere: a C/C++ process, a program
 * leaktrace starts, -t. */
bool lt_heap_auto__narrow(struct lt_heap_auto *a, const struct lt_config *cfg, int pid,
			  struct lt_config *asked);
/* What narrow does to a once the heap is off by default: armed (at cfg's --sample rate or
 * LT_HEAP_AUTO_SAMPLE_BYTES), or not with --no-auto-heap. */
void lt_heap_auto__arm(struct lt_heap_auto *a, const struct lt_config *cfg);
/* The config the BPF object loads with while armed: its frozen globals sample at the
 * switch's rate, for the heap's programs that load late on its maps (heap.h). */
void lt_heap_auto__load_config(const struct lt_heap_auto *a, struct lt_config *load);
/* Whether the switch turns the heap on now, from RSS and the JS heap's series in set:
 * true once (then a is LT_HEAP_AUTO_ON and a->reason says when, why, at which rate). */
bool lt_heap_auto__due(struct lt_heap_auto *a, const struct lt_series_set *set);
/* Armed, but it cannot switch on (why: a few words): the heap stays off, a->reason says
 * why. No effect when not armed or on. */
void lt_heap_auto__failed(struct lt_heap_auto *a, const char *why);
/* While default_off, r's not_loaded entry (family "heap" while the heap is off, "heap
 * exact" once it is on, sampled; a->reason) and r->heap_auto; nothing otherwise. */
void lt_heap_auto__report(const struct lt_heap_auto *a, struct lt_report *r);

#endif

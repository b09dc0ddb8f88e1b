/* SPDX-License-Identifier: GPL-2.0 */
/* V8 garbage-collection tracing: finds V8 in the target, attaches the GC probes, turns
 * their events into a log of collections, and summarizes it for reports. */
#ifndef LT_V8GC_H
#define LT_V8GC_H

#include <stdbool.h>
#include <linux/types.h>
#include "gc_trend.h"
#include "loader.h"
#include "procmaps.h"
#include "v8_detect.h"

struct lt_v8gc;
struct ring_buffer;

/* Collections listed in a report (the newest ones); older ones still count in the totals. */
#define LT_V8GC_LIST_MAX 4096
/* Isolates (Node's main thread and its workers) whose heap sizes are summed. */
#define LT_V8GC_ISOLATES 64

/* Events arrive through rb (the session's ring buffer manager, polled by the run loop).
 * Collection times are given relative to *origin_ns (CLOCK_MONOTONIC), read when each
 * event arrives. */
struct lt_v8gc *lt_v8gc__new(struct lt_bpf *b, struct ring_buffer *rb, int pid,
			     const __u64 *origin_ns);
/* Look for V8 in fresh (modules not examined before) and attach the GC probes when found.
 * 0 also when V8 is absent or unusable (see lt_v8gc__off_reason); a negative errno when
 * attaching failed. */
int lt_v8gc__refresh(struct lt_v8gc *g, const struct lt_modules *fresh);
bool lt_v8gc__tracing(const struct lt_v8gc *g);
/* The V8 module found so far (GC entry points missing or not), NULL if none yet. */
const struct lt_v8_module *lt_v8gc__module(const struct lt_v8gc *g);
/* Why GC tracing is off ("no V8 symbols in this process", ...), NULL when it is on. */
const char *lt_v8gc__off_reason(const struct lt_v8gc *g);
/* The JS heap now: the sum over isolates of the size after each one's latest GC (an
 * upper bound of the live heap, garbage of the old generation included, as RSS includes
 * it); 0 before any GC. */
__u64 lt_v8gc__heap_size(const struct lt_v8gc *g);
/* The summary for a report; valid until the next call or free. Free with
 * lt_gc_report__free. */
int lt_v8gc__report(struct lt_v8gc *g, struct lt_gc_report *out);
/* Detach the probes (also done by free). */
void lt_v8gc__detach(struct lt_v8gc *g);
/* Detach the probes and free. */
void lt_v8gc__free(struct lt_v8gc *g);

#endif

/* SPDX-License-Identifier: GPL-2.0 */
/* The report model: what a snapshot aggregates into and every output format writes. */
#ifndef LT_REPORT_H
#define LT_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>
#include "leaktrace.h"
#include "symbolize.h"

struct lt_gc_report;

struct lt_report_stack {
	__u64 stack_id;
	__s64 bytes;
	__s64 count;
	double oldest_age_s;       /* age of the oldest outstanding allocation; < 0 if unknown */
	__u32 flags;               /* LT_STACK_* */
	__u32 nframes;
	__u64 ips[LT_MAX_FRAMES];  /* leaf first: ips[0] is the allocator's caller */
	struct lt_sym *frames;     /* nframes entries once symbolized, else NULL; malloc'ed and
				    * freed by lt_report_section__free (not the strings in it) */
};

struct lt_report_section {
	__s64 bytes;               /* totals over all stacks of the section */
	__s64 count;
	struct lt_report_stack *stacks;  /* sorted by bytes, largest first */
	size_t n;
};

struct lt_report {
	int pid;
	const char *comm;          /* target command name, may be NULL */
	double duration_s;         /* since attach */
	bool final;                /* last report of the run */
	bool target_exited;
	double min_age_s;
	struct lt_report_section heap;
	struct lt_report_section mmap;
	__u64 lost[LT_LOSS__MAX];
	const struct lt_gc_report *gc;  /* V8 garbage collections (gc_trend.h); NULL: no section */
};

/* Stable names of loss reasons, used as JSON keys and in text. */
const char *lt_loss__name(enum lt_loss loss);

/* Accumulates (stack, bytes, count, allocation time) records into a section. */
struct lt_agg;
struct lt_agg *lt_agg__new(void);
int lt_agg__add(struct lt_agg *a, __u64 stack_id, __s64 bytes, __s64 count, __u64 ts_ns);
/* Merge by stack, drop stacks with nothing outstanding, sort by bytes (largest first,
 * ties by count then stack id), and move the result into out. ages are now_ns - ts.
 * A record with ts_ns == 0 has an unknown time: a stack whose records all have it gets
 * oldest_age_s = -1. out is overwritten (free it first); the aggregator is emptied for reuse.
 * Only stack_id, bytes, count and oldest_age_s of each stack are filled in. */
int lt_agg__finish(struct lt_agg *a, __u64 now_ns, struct lt_report_section *out);
void lt_agg__free(struct lt_agg *a);

/* Frees the stacks and their frames arrays, and zeroes s. */
void lt_report_section__free(struct lt_report_section *s);

/* Growth in bytes per second of what is still outstanding (0 under a second traced). */
double lt_report__rate(const struct lt_report *r, __s64 bytes);

#endif

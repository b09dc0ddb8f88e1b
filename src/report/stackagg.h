/* SPDX-License-Identifier: GPL-2.0 */
/* Aggregation by stack: (stack, bytes, count, allocation time) records into a report section. */
#ifndef LT_STACKAGG_H
#define LT_STACKAGG_H

#include <linux/types.h>

struct lt_report_section;

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

#endif

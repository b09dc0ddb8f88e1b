/* SPDX-License-Identifier: GPL-2.0 */
/* The userspace side of the outstanding-block table (bpf/alloc_table.bpf.h): its size
 * for a number of blocks, and reading the blocks out of a copy of its buckets. */
#ifndef LT_ALLOC_TABLE_H
#define LT_ALLOC_TABLE_H

#include "leaktrace.h"

/* Buckets (a power of two) for max_allocs blocks at a load of at most 2/3, or 0 when
 * the table would not fit in one array map. */
__u32 lt_alloc_table__buckets(__u64 max_allocs);
/* The largest max_allocs lt_alloc_table__buckets() accepts. */
__u64 lt_alloc_table__max_allocs(void);

typedef int (*lt_alloc_visit_fn)(__u64 addr, const struct lt_alloc *a, void *ctx);

/* Call fn for every block of a bucket; slots being written are skipped. Stops at and
 * returns fn's first non-zero result. */
int lt_alloc_table__visit(const struct lt_alloc_bucket *b, lt_alloc_visit_fn fn, void *ctx);

#endif

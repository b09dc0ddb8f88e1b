/* SPDX-License-Identifier: GPL-2.0 */
/* A coarse index over a module's unwind rows, so that the BPF walker's binary search for a
 * pc covers the few rows of one small slice of text instead of the whole table. */
#ifndef LT_CFI_INDEX_H
#define LT_CFI_INDEX_H

#include <stddef.h>
#include "leaktrace.h"

/* Finest slice of text (1 << LT_CFI_INDEX_MIN_SHIFT bytes): rows are a few bytes to a few
 * hundred bytes apart, so finer slices would mostly grow the index. */
#define LT_CFI_INDEX_MIN_SHIFT 6

/* Slice size (log2) for a module whose rows are rows[0..n): the finest one from
 * LT_CFI_INDEX_MIN_SHIFT up whose index has at most max_slices slices. */
__u32 lt_cfi_index__shift(const struct lt_cfi_row *rows, size_t n, size_t max_slices);

/* Fill idx[k] for every slice k of 1 << shift bytes from rows[0].pc to the last row, with
 * row numbers counted from first_row (where rows[0] sits in `cfi_rows`). Returns the slices
 * written, 0 when they would be more than max (or n is 0). */
size_t lt_cfi_index__build(const struct lt_cfi_row *rows, size_t n, __u32 shift, __u32 first_row,
			   struct lt_cfi_slice *idx, size_t max);

/* Row in effect at ELF vaddr pc found through the index, as the BPF walker finds it: the
 * slice of pc, then a binary search of its rows. NULL below the first row. */
const struct lt_cfi_row *lt_cfi_index__lookup(const struct lt_cfi_row *rows, size_t n,
					      const struct lt_cfi_slice *idx, size_t nidx,
					      __u32 shift, __u32 first_row, __u64 pc);

#endif

/* SPDX-License-Identifier: GPL-2.0 */
/* The one search over sorted, non-overlapping [start, end) intervals: modules, mappings,
 * symbols, perf map entries. */
#ifndef LT_RANGES_H
#define LT_RANGES_H

#include <stddef.h>
#include <linux/types.h>

/* Index of the element of base[0..n) (each elem bytes, sorted by start, not overlapping)
 * whose [start, end) holds addr, or -1. The start and end fields are __u64 at the given
 * offsets. */
long lt_ranges__find(const void *base, size_t n, size_t elem, size_t start_off, size_t end_off,
		     __u64 addr);

/* Index of the last element whose start is at or below addr (ignoring ends), or -1. */
long lt_ranges__floor(const void *base, size_t n, size_t elem, size_t start_off, __u64 addr);

/* For an array of struct type T with __u64 members start and end. */
#define LT_RANGE_FIND(arr, n, start, end, addr)                                                    \
	lt_ranges__find((arr), (n), sizeof(*(arr)), offsetof(__typeof__(*(arr)), start),           \
			offsetof(__typeof__(*(arr)), end), (addr))
#define LT_RANGE_FLOOR(arr, n, start, addr)                                                        \
	lt_ranges__floor((arr), (n), sizeof(*(arr)), offsetof(__typeof__(*(arr)), start), (addr))

#endif

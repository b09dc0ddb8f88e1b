// SPDX-License-Identifier: GPL-2.0
/* Binary search over sorted intervals. */
#include <string.h>

#include "ranges.h"

static __u64 lt_field(const void *base, size_t i, size_t elem, size_t off)
{
	__u64 v;

	memcpy(&v, (const char *)base + i * elem + off, sizeof(v));
	return v;
}

long lt_ranges__floor(const void *base, size_t n, size_t elem, size_t start_off, __u64 addr)
{
	size_t lo = 0, hi = n;

	/* the first element whose start is above addr; the one before it is the floor */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (lt_field(base, mid, elem, start_off) <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return (long)lo - 1;
}

long lt_ranges__find(const void *base, size_t n, size_t elem, size_t start_off, size_t end_off,
		     __u64 addr)
{
	long i = lt_ranges__floor(base, n, elem, start_off, addr);

	if (i < 0 || addr >= lt_field(base, i, elem, end_off))
		return -1;
	return i;
}

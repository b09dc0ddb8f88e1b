// SPDX-License-Identifier: GPL-2.0
/* Sizing of the outstanding-block table and reading blocks out of its buckets. */
#include "alloc_table.h"

/* The kernel refuses an array map of 4 GiB or more. */
#define LT_ALLOC_TABLE_MAX_BUCKETS (1u << 23)

__u32 lt_alloc_table__buckets(__u64 max_allocs)
{
	/* At most 2/3 of the slots used when the table holds max_allocs blocks: a full
	 * run of LT_ALLOC_PROBE buckets then stays rare, and counted when it happens. */
	__u64 need = (max_allocs * 3 + 2 * LT_ALLOC_SLOTS - 1) / (2 * LT_ALLOC_SLOTS);
	__u32 n = 1;

	while (n < need) {
		if (n >= LT_ALLOC_TABLE_MAX_BUCKETS)
			return 0;
		n <<= 1;
	}
	return n;
}

__u64 lt_alloc_table__max_allocs(void)
{
	return (__u64)LT_ALLOC_TABLE_MAX_BUCKETS * LT_ALLOC_SLOTS * 2 / 3;
}

int lt_alloc_table__visit(const struct lt_alloc_bucket *b, lt_alloc_visit_fn fn, void *ctx)
{
	for (int s = 0; s < LT_ALLOC_SLOTS; s++) {
		__u64 addr = b->addr[s];
		int err;

		if (!addr || (addr & LT_ALLOC_BUSY))
			continue;
		err = fn(addr, &b->blocks[s], ctx);
		if (err)
			return err;
	}
	return 0;
}

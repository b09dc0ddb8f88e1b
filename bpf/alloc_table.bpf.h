/* SPDX-License-Identifier: GPL-2.0 */
/* The table of outstanding blocks (`allocs`, layout in leaktrace.h): found, claimed and
 * released with plain loads, stores and one compare-and-swap, where a BPF hash map
 * takes a bucket lock and a free-list element for every insert and delete.
 *
 * No two programs ever work on the same address at once: a block's insert runs at its
 * allocator's return, before the caller has the pointer, and its removal at free's
 * entry, before the allocator can hand the address out again. Threads only race for
 * free slots, which the compare-and-swap settles. */
#ifndef LT_ALLOC_TABLE_BPF_H
#define LT_ALLOC_TABLE_BPF_H

#include "maps.bpf.h"

static __always_inline __u32 lt_alloc_home(__u64 addr)
{
	/* Blocks are 16-byte aligned: the low bits carry nothing. */
	return (__u32)(((addr >> 4) * 0x9e3779b97f4a7c15ULL) >> 32) & alloc_bucket_mask;
}

/* The bucket holding addr, with its slot in *slot, or NULL. */
static __always_inline struct lt_alloc_bucket *lt_alloc_find(__u64 addr, __u32 *slot)
{
	__u32 home = lt_alloc_home(addr);

	for (__u32 j = 0; j < LT_ALLOC_PROBE; j++) {
		__u32 k = (home + j) & alloc_bucket_mask;
		struct lt_alloc_bucket *b = bpf_map_lookup_elem(&allocs, &k);

		if (!b)
			return NULL;
		for (__u32 s = 0; s < LT_ALLOC_SLOTS; s++) {
			if (b->addr[s] == addr) {
				*slot = s;
				return b;
			}
		}
		if (!b->spilled)
			return NULL; /* nothing that belongs here went further */
	}
	return NULL;
}

/* Record a block at addr (not in the table). Returns false when every bucket it may
 * live in is full. */
static __always_inline bool lt_alloc_insert(__u64 addr, const struct lt_alloc *a)
{
	__u32 home = lt_alloc_home(addr);

	for (__u32 j = 0; j < LT_ALLOC_PROBE; j++) {
		__u32 k = (home + j) & alloc_bucket_mask;
		struct lt_alloc_bucket *b = bpf_map_lookup_elem(&allocs, &k);

		if (!b)
			return false;
		for (__u32 s = 0; s < LT_ALLOC_SLOTS; s++) {
			if (b->addr[s])
				continue;
			/* Marked busy while the block is written: a snapshot skips it. */
			if (__sync_val_compare_and_swap(&b->addr[s], 0, addr | LT_ALLOC_BUSY))
				continue;
			b->blocks[s] = *a;
			/* x86 keeps stores in order: the block is written before the address
			 * that makes it visible. */
			*(volatile __u64 *)&b->addr[s] = addr;
			return true;
		}
		/* Set before the block lands further on, so a search for it goes on. */
		if (!b->spilled)
			__sync_fetch_and_or(&b->spilled, 1);
	}
	return false;
}

/* Forget the block in slot s of b; its fields are read before the slot is freed. */
static __always_inline void lt_alloc_release(struct lt_alloc_bucket *b, __u32 s)
{
	*(volatile __u64 *)&b->addr[s] = 0;
}

#endif

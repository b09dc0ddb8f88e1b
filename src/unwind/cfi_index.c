// SPDX-License-Identifier: GPL-2.0
/* The coarse index over a module's unwind rows: slice k of the module's text names the rows
 * that can be in effect inside it, from the one in effect at its start to the one at the
 * start of the next slice. */

#include "cfi.h"
#include "cfi_index.h"

__u32 lt_cfi_index__shift(const struct lt_cfi_row *rows, size_t n, size_t max_slices)
{
	__u64 span = n ? (__u64)rows[n - 1].pc - rows[0].pc : 0;
	__u32 shift = LT_CFI_INDEX_MIN_SHIFT;

	/* Row pcs are 32-bit: at shift 32 the whole module is one slice. */
	while (shift < 32 && (span >> shift) + 1 > max_slices)
		shift++;
	return shift;
}

size_t lt_cfi_index__build(const struct lt_cfi_row *rows, size_t n, __u32 shift, __u32 first_row,
			   struct lt_cfi_slice *idx, size_t max)
{
	__u64 base, count;
	size_t r = 0;

	if (!n || shift > 32)
		return 0;
	base = rows[0].pc;
	count = (((__u64)rows[n - 1].pc - base) >> shift) + 1;
	if (count > max)
		return 0;
	for (__u64 k = 0; k < count; k++) {
		__u64 at = base + (k << shift);

		while (r + 1 < n && rows[r + 1].pc <= at)
			r++;
		idx[k].lo = first_row + r;
		if (k)
			idx[k - 1].hi = first_row + r;
	}
	/* Past the last slice's start only the last rows remain. */
	idx[count - 1].hi = first_row + n - 1;
	return count;
}

const struct lt_cfi_row *lt_cfi_index__lookup(const struct lt_cfi_row *rows, size_t n,
					      const struct lt_cfi_slice *idx, size_t nidx,
					      __u32 shift, __u32 first_row, __u64 pc)
{
	const struct lt_cfi_slice *s;
	__u64 k;

	if (!n || !nidx || pc < rows[0].pc)
		return NULL;
	k = shift < 64 ? (pc - rows[0].pc) >> shift : 0;
	s = &idx[k < nidx ? k : nidx - 1];
	return lt_cfi__lookup(rows + (s->lo - first_row), s->hi - s->lo + 1, pc);
}

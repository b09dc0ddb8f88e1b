// SPDX-License-Identifier: GPL-2.0
/* Outstanding anonymous mappings as a sorted set of disjoint intervals, kept from
 * mmap/munmap/mremap events; partial unmaps trim or split, mremap moves pieces. */

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "mmap_track.h"
#include "ranges.h"

/* The kernel maps and unmaps whole pages; an unmap of 100 bytes in the middle of a
 * mapping removes a page, so lengths are rounded the same way. */
#define LT_PAGE_SIZE 4096ULL

struct region {
	__u64 start, end; /* [start, end) */
	__u64 stack_id;
	__u64 ts_ns;
};

struct lt_mmap_track {
	struct region *v; /* sorted by start, disjoint */
	size_t n, cap;
	__u64 bytes;
};

struct lt_mmap_track *lt_mmap_track__new(void)
{
	struct lt_mmap_track *t = calloc(1, sizeof(*t));

	if (!t)
		errno = ENOMEM;
	return t;
}

void lt_mmap_track__free(struct lt_mmap_track *t)
{
	if (!t)
		return;
	free(t->v);
	free(t);
}

__u64 lt_mmap_track__bytes(const struct lt_mmap_track *t)
{
	return t ? t->bytes : 0;
}

/* [addr, addr + len rounded up to pages) as *end; -EINVAL for an empty or wrapping range. */
static int range_end(__u64 addr, __u64 len, __u64 *end)
{
	__u64 plen = (len + LT_PAGE_SIZE - 1) & ~(LT_PAGE_SIZE - 1);

	if (!len || plen < len || addr + plen < addr)
		return -EINVAL;
	*end = addr + plen;
	return 0;
}

/* Make room for extra more regions up front, so an update never fails halfway. */
static int reserve(struct lt_mmap_track *t, size_t extra)
{
	return LT_ENSURE(&t->v, &t->cap, t->n + extra);
}

/* Index of the first region that ends after addr (may be t->n). */
static size_t first_ending_after(const struct lt_mmap_track *t, __u64 addr)
{
	/* Regions are sorted, non-empty and do not overlap: the last one starting at or below
	 * addr, unless it ends at or below addr too; then the next. */
	long i = LT_RANGE_FLOOR(t->v, t->n, start, addr);

	return i >= 0 && t->v[i].end > addr ? (size_t)i : (size_t)(i + 1);
}

static void insert_at(struct lt_mmap_track *t, size_t i, const struct region *r)
{
	memmove(&t->v[i + 1], &t->v[i], (t->n - i) * sizeof(*r));
	t->v[i] = *r;
	t->n++;
	t->bytes += r->end - r->start;
}

static void delete_at(struct lt_mmap_track *t, size_t i)
{
	t->bytes -= t->v[i].end - t->v[i].start;
	memmove(&t->v[i], &t->v[i + 1], (t->n - i - 1) * sizeof(t->v[0]));
	t->n--;
}

/* Remove [lo, hi) from every region. Needs room for one more region (a split). */
static void cut(struct lt_mmap_track *t, __u64 lo, __u64 hi)
{
	size_t i = first_ending_after(t, lo);

	while (i < t->n && t->v[i].start < hi) {
		struct region *r = &t->v[i];

		if (r->start < lo && r->end > hi) {
			struct region tail = *r;

			tail.start = hi;
			t->bytes -= r->end - lo;
			r->end = lo;
			insert_at(t, i + 1, &tail);
			return;
		}
		if (r->start < lo) {
			t->bytes -= r->end - lo;
			r->end = lo;
			i++;
		} else if (r->end > hi) {
			t->bytes -= hi - r->start;
			r->start = hi;
			return;
		} else {
			delete_at(t, i);
		}
	}
}

/* Insert into a range known to be free (cut first). */
static void add(struct lt_mmap_track *t, const struct region *r)
{
	insert_at(t, first_ending_after(t, r->start), r);
}

int lt_mmap_track__map(struct lt_mmap_track *t, __u64 addr, __u64 len, __u64 stack_id, __u64 ts_ns)
{
	struct region r = { .start = addr, .stack_id = stack_id, .ts_ns = ts_ns };
	int err;

	if (!t)
		return -EINVAL;
	err = range_end(addr, len, &r.end);
	if (err)
		return err;
	err = reserve(t, 2);
	if (err)
		return err;
	cut(t, r.start, r.end);
	add(t, &r);
	return 0;
}

int lt_mmap_track__unmap(struct lt_mmap_track *t, __u64 addr, __u64 len)
{
	__u64 end;
	int err;

	if (!t)
		return -EINVAL;
	err = range_end(addr, len, &end);
	if (err)
		return err;
	err = reserve(t, 1);
	if (err)
		return err;
	cut(t, addr, end);
	return 0;
}

/* The tracked pieces of [lo, hi), clipped to it, copied out: *out is malloc'ed. */
static int pieces_of(const struct lt_mmap_track *t, __u64 lo, __u64 hi, struct region **out,
		     size_t *n)
{
	size_t i = first_ending_after(t, lo), j, k = 0;

	for (j = i; j < t->n && t->v[j].start < hi; j++)
		k++;
	*out = NULL;
	*n = k;
	if (!k)
		return 0;
	*out = malloc(k * sizeof(**out));
	if (!*out)
		return -ENOMEM;
	for (k = 0; k < *n; k++, i++) {
		(*out)[k] = t->v[i];
		if ((*out)[k].start < lo)
			(*out)[k].start = lo;
		if ((*out)[k].end > hi)
			(*out)[k].end = hi;
	}
	return 0;
}

/* mremap moves the pages as they are: each tracked piece keeps its offset in the range,
 * its stack and time; a shrink drops what falls past the new end. Growth extends the
 * mapping holding the old range's last page, so it joins that piece if it is tracked. */
int lt_mmap_track__remap(struct lt_mmap_track *t, __u64 old, __u64 old_len, __u64 addr, __u64 len)
{
	struct region *p = NULL;
	__u64 old_end, new_end;
	size_t n, i;
	int err;

	if (!t)
		return -EINVAL;
	err = range_end(old, old_len, &old_end);
	if (!err)
		err = range_end(addr, len, &new_end);
	if (err)
		return err;
	err = pieces_of(t, old, old_end, &p, &n);
	if (err)
		return err;
	/* Cut the destination even when no piece moves: a MREMAP_FIXED destination
	 * replaced whatever was mapped there. */
	err = reserve(t, n + 2);
	if (err)
		goto cleanup;
	cut(t, old, old_end);
	cut(t, addr, new_end);
	for (i = 0; i < n; i++) {
		struct region r = p[i];

		r.start = addr + (p[i].start - old);
		r.end = addr + (p[i].end - old);
		if (p[i].end == old_end && new_end - addr > old_end - old)
			r.end = new_end;
		if (r.end > new_end)
			r.end = new_end;
		if (r.start < r.end)
			add(t, &r);
	}
cleanup:
	free(p);
	return err;
}

int lt_mmap_track__for_each(const struct lt_mmap_track *t,
			    int (*fn)(__u64 stack_id, __u64 bytes, void *ctx), void *ctx)
{
	for (size_t i = 0; i < t->n; i++) {
		int err = fn(t->v[i].stack_id, t->v[i].end - t->v[i].start, ctx);

		if (err)
			return err;
	}
	return 0;
}

int lt_mmap_track__aggregate(const struct lt_mmap_track *t, struct lt_agg *agg, __u64 now_ns,
			     __u64 min_age_ns)
{
	size_t i;
	int err;

	if (!t || !agg)
		return -EINVAL;
	for (i = 0; i < t->n; i++) {
		const struct region *r = &t->v[i];

		/* A region stamped after now (clock skew between events) is not old yet. */
		if (r->ts_ns > now_ns || now_ns - r->ts_ns < min_age_ns)
			continue;
		err = lt_agg__add(agg, r->stack_id, (__s64)(r->end - r->start), 1, r->ts_ns);
		if (err)
			return err;
	}
	return 0;
}

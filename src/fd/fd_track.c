// SPDX-License-Identifier: GPL-2.0
/* The table of the target's outstanding descriptors, indexed by number (descriptor numbers
 * are small and dense), and the per-stack births and deaths of the current interval. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "array.h"
#include "fd_track.h"
#include "leaktrace.h"

#define LT_CLOSE_RANGE_CLOEXEC (1u << 2)
/* Numbers beyond this are refused: RLIMIT_NOFILE is far lower in practice. */
#define LT_FD_MAX (1 << 24)

struct lt_fd_track {
	struct lt_fd_entry *v; /* v[fd]; used when used[fd] */
	bool *used;
	size_t cap, count;
	__u64 seq;
	struct lt_fd_flow *flow;
	size_t nflow, flow_cap;
	void (*release)(void *ctx, const struct lt_fd_entry *e);
	void *ctx;
};

struct lt_fd_track *lt_fd_track__new(void (*release)(void *ctx, const struct lt_fd_entry *e),
				     void *ctx)
{
	struct lt_fd_track *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	t->release = release;
	t->ctx = ctx;
	return t;
}

void lt_fd_track__free(struct lt_fd_track *t)
{
	if (!t)
		return;
	free(t->v);
	free(t->used);
	free(t->flow);
	free(t);
}

static int lt_fd_grow(struct lt_fd_track *t, int fd)
{
	size_t vcap = t->cap, ucap = t->cap;

	if (fd < 0 || fd >= LT_FD_MAX)
		return -EINVAL;
	/* Two arrays indexed by fd: both grow from the same capacity to the same one. */
	if (LT_ENSURE(&t->v, &vcap, (size_t)fd + 1) || LT_ENSURE(&t->used, &ucap, (size_t)fd + 1))
		return -ENOMEM;
	t->cap = ucap;
	return 0;
}

static struct lt_fd_flow *lt_fd_flow_of(struct lt_fd_track *t, __u64 stack_id)
{
	struct lt_fd_flow *v;

	for (size_t i = 0; i < t->nflow; i++)
		if (t->flow[i].stack_id == stack_id)
			return &t->flow[i];
	if (LT_ENSURE(&t->flow, &t->flow_cap, t->nflow + 1))
		return NULL;
	v = &t->flow[t->nflow++];
	*v = (struct lt_fd_flow){ .stack_id = stack_id };
	return v;
}

static void lt_fd_remove(struct lt_fd_track *t, int fd)
{
	struct lt_fd_entry *e = &t->v[fd];
	struct lt_fd_flow *f;

	if (!e->preexisting && (f = lt_fd_flow_of(t, e->stack_id)))
		f->closed++;
	t->used[fd] = false;
	t->count--;
	if (t->release)
		t->release(t->ctx, e);
}

bool lt_fd_track__close(struct lt_fd_track *t, int fd)
{
	if (fd < 0 || (size_t)fd >= t->cap || !t->used[fd])
		return false;
	lt_fd_remove(t, fd);
	return true;
}

int lt_fd_track__open(struct lt_fd_track *t, int fd, __u32 call, __u64 stack_id, __u64 ts_ns,
		      __u64 ino, __u64 sk)
{
	struct lt_fd_flow *f;
	int err, missed = 0;

	err = lt_fd_grow(t, fd);
	if (err)
		return err;
	if (t->used[fd]) {
		/* dup2/dup3 close what the number held; anything else means its close
		 * was never seen */
		missed = call != LT_FDC_DUP2 && call != LT_FDC_DUP3;
		/* born between the tracepoints' attach and the listing of /proc: the same
		 * file, seen twice */
		if (t->v[fd].preexisting && t->v[fd].ino == ino)
			missed = 0;
		lt_fd_remove(t, fd);
	}
	t->v[fd] = (struct lt_fd_entry){ .fd = fd,
					 .call = call,
					 .seq = ++t->seq,
					 .stack_id = stack_id,
					 .ts_ns = ts_ns,
					 .ino = ino,
					 .sk = sk };
	t->used[fd] = true;
	t->count++;
	f = lt_fd_flow_of(t, stack_id);
	if (f)
		f->opened++;
	return missed;
}

int lt_fd_track__preexisting(struct lt_fd_track *t, int fd, const struct lt_fd_desc *desc)
{
	int err = lt_fd_grow(t, fd);

	if (err)
		return err;
	if (t->used[fd])
		return 0;
	t->v[fd] = (struct lt_fd_entry){ .fd = fd,
					 .preexisting = true,
					 .described = true,
					 .seq = ++t->seq,
					 .ino = desc->ino,
					 .desc = *desc };
	t->used[fd] = true;
	t->count++;
	return 0;
}

void lt_fd_track__close_range(struct lt_fd_track *t, __u32 first, __u32 last, __u32 flags)
{
	if (flags & LT_CLOSE_RANGE_CLOEXEC)
		return;
	for (size_t fd = first; fd < t->cap && fd <= last; fd++)
		if (t->used[fd])
			lt_fd_remove(t, (int)fd);
}

void lt_fd_track__exec(struct lt_fd_track *t, const __u64 *open, __u32 nbits)
{
	for (size_t fd = 0; fd < t->cap && fd < nbits; fd++)
		if (t->used[fd] && !(open[fd / 64] & (1ull << (fd % 64))))
			lt_fd_remove(t, (int)fd);
}

static int cmp_int(const void *a, const void *b)
{
	return (*(const int *)a > *(const int *)b) - (*(const int *)a < *(const int *)b);
}

size_t lt_fd_track__reconcile(struct lt_fd_track *t, const int *fds, size_t n, __u64 seq)
{
	int *sorted = malloc((n ? n : 1) * sizeof(*sorted));
	size_t dropped = 0;

	if (!sorted)
		return 0;
	memcpy(sorted, fds, n * sizeof(*fds));
	qsort(sorted, n, sizeof(*sorted), cmp_int);
	for (size_t fd = 0; fd < t->cap; fd++) {
		int key = (int)fd;

		if (!t->used[fd] || t->v[fd].seq > seq)
			continue;
		if (bsearch(&key, sorted, n, sizeof(*sorted), cmp_int))
			continue;
		lt_fd_remove(t, key);
		dropped++;
	}
	free(sorted);
	return dropped;
}

__u64 lt_fd_track__seq(const struct lt_fd_track *t)
{
	return t->seq;
}

struct lt_fd_entry *lt_fd_track__get(struct lt_fd_track *t, int fd)
{
	if (fd < 0 || (size_t)fd >= t->cap || !t->used[fd])
		return NULL;
	return &t->v[fd];
}

bool lt_fd_track__sk_held(const struct lt_fd_track *t, __u64 sk, int except_fd)
{
	for (size_t fd = 0; fd < t->cap; fd++)
		if (t->used[fd] && (int)fd != except_fd && t->v[fd].sk == sk)
			return true;
	return false;
}

int lt_fd_track__for_each(struct lt_fd_track *t, int (*fn)(struct lt_fd_entry *e, void *ctx),
			  void *ctx)
{
	int err;

	for (size_t fd = 0; fd < t->cap; fd++) {
		if (!t->used[fd])
			continue;
		err = fn(&t->v[fd], ctx);
		if (err)
			return err;
	}
	return 0;
}

size_t lt_fd_track__count(const struct lt_fd_track *t)
{
	return t->count;
}

static int cmp_flow(const void *pa, const void *pb)
{
	const struct lt_fd_flow *a = pa, *b = pb;

	return (a->stack_id > b->stack_id) - (a->stack_id < b->stack_id);
}

int lt_fd_track__take_flow(struct lt_fd_track *t, struct lt_fd_flow **out, size_t *n)
{
	if (t->nflow) /* qsort(NULL, 0) is undefined */
		qsort(t->flow, t->nflow, sizeof(*t->flow), cmp_flow);
	*out = t->flow;
	*n = t->nflow;
	t->flow = NULL;
	t->nflow = t->flow_cap = 0;
	return 0;
}

/* SPDX-License-Identifier: GPL-2.0 */
/* The target's outstanding descriptors, kept in userspace from ring-buffer events (births
 * and deaths are rare next to malloc; close_range, dup2 over an open descriptor and exec
 * are simple here), with per-stack opened/closed counts for interval reports. */
#ifndef LT_FD_TRACK_H
#define LT_FD_TRACK_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>
#include "report.h"

struct lt_fd_entry {
	int fd;
	bool preexisting; /* open at attach: no stack, never growth */
	bool described;	  /* desc below was read from /proc for this very descriptor */
	__u32 call;	  /* enum lt_fd_call */
	__u64 seq;	  /* order of birth, to tell a reused number apart */
	__u64 stack_id;
	__u64 ts_ns;
	__u64 ino; /* inode number at birth (0 unknown) */
	__u64 sk;  /* key in fd_socks, 0 when not a followed TCP socket */
	struct lt_fd_desc desc;
};

struct lt_fd_track;

/* release(ctx, e) is called for each entry as it leaves the table (to forget its socket). */
struct lt_fd_track *lt_fd_track__new(void (*release)(void *ctx, const struct lt_fd_entry *e),
				     void *ctx);
void lt_fd_track__free(struct lt_fd_track *t);

/* A descriptor born: returns 0, or 1 when a descriptor still in the table had that number
 * and the call does not replace one (dup2, dup3): its close was missed (the caller counts). */
int lt_fd_track__open(struct lt_fd_track *t, int fd, __u32 call, __u64 stack_id, __u64 ts_ns,
		      __u64 ino, __u64 sk);
/* Open at attach: listed, never growth. */
int lt_fd_track__preexisting(struct lt_fd_track *t, int fd, const struct lt_fd_desc *desc);
/* Returns true when fd was in the table. */
bool lt_fd_track__close(struct lt_fd_track *t, int fd);
/* close_range(first, last, flags); with CLOSE_RANGE_CLOEXEC nothing is closed. */
void lt_fd_track__close_range(struct lt_fd_track *t, __u32 first, __u32 last, __u32 flags);
/* After an exec: bit i of open[] set = descriptor i survived. Descriptors at or above
 * nbits are left alone (reconciliation checks them). */
void lt_fd_track__exec(struct lt_fd_track *t, const __u64 *open, __u32 nbits);
/* Drop every entry born at or before seq whose number is not in fds[0..n) (sorted or
 * not): their closes were missed. Returns how many were dropped. */
size_t lt_fd_track__reconcile(struct lt_fd_track *t, const int *fds, size_t n, __u64 seq);
/* The last sequence number given out. */
__u64 lt_fd_track__seq(const struct lt_fd_track *t);
/* The entry of fd, or NULL. */
struct lt_fd_entry *lt_fd_track__get(struct lt_fd_track *t, int fd);
/* Whether another descriptor than fd holds socket sk. */
bool lt_fd_track__sk_held(const struct lt_fd_track *t, __u64 sk, int except_fd);
/* Visit every entry in descriptor order; a non-zero return stops the walk. */
int lt_fd_track__for_each(struct lt_fd_track *t, int (*fn)(struct lt_fd_entry *e, void *ctx),
			  void *ctx);
size_t lt_fd_track__count(const struct lt_fd_track *t);

/* Births and deaths per stack since the last call: fills out[0..*n) (malloc'ed, sorted by
 * stack id) and starts a new interval. Preexisting descriptors are not counted. */
struct lt_fd_flow {
	__u64 stack_id;
	__s64 opened;
	__s64 closed;
};
int lt_fd_track__take_flow(struct lt_fd_track *t, struct lt_fd_flow **out, size_t *n);

#endif

/* SPDX-License-Identifier: GPL-2.0 */
/* The one tracepoint attacher: a family's table of rows (event, program, cookie). */
#ifndef LT_TRACEPOINTS_H
#define LT_TRACEPOINTS_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>
#include "loader.h"

struct lt_tracepoints;

struct lt_tracepoint {
	const char *category; /* "syscalls" */
	const char *name;     /* "sys_exit_openat" */
	const char *prog;     /* the BPF program */
	__u64 cookie;	      /* what the program reads with bpf_get_attach_cookie() */
	bool optional;	      /* skipped when this kernel lacks the event */
};

/* NULL with errno set. */
struct lt_tracepoints *lt_tracepoints__new(struct lt_bpf *b);
/* Attach n rows; an event this kernel lacks is skipped for optional rows, any other
 * failure is an error (said on stderr). */
int lt_tracepoints__attach(struct lt_tracepoints *t, const struct lt_tracepoint *rows, size_t n);
size_t lt_tracepoints__count(const struct lt_tracepoints *t);
/* Detach all, side by side (also done by free). */
void lt_tracepoints__detach(struct lt_tracepoints *t);
void lt_tracepoints__free(struct lt_tracepoints *t);

#endif

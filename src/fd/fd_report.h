/* SPDX-License-Identifier: GPL-2.0 */
/* Aggregation of the outstanding descriptors into the report: by opening stack (count,
 * kind, examples, age, interval flow), sockets by peer and state, CLOSE_WAIT groups. */
#ifndef LT_FD_REPORT_H
#define LT_FD_REPORT_H

#include <stdbool.h>
#include "fd_track.h"
#include "leaktrace.h"
#include "report.h"

/* What the previous report saw, for growth per peer. */
struct lt_fd_report_state {
	struct lt_report_peer *prev;
	size_t nprev;
};

struct lt_fd_report_opts {
	__u64 now_ns;
	bool all_kinds; /* -t fd: every descriptor; else (-t sock alone) sockets only */
	bool sockets;	/* -t sock: the sockets part */
	/* The followed state of TCP socket sk; false when it has none. */
	bool (*sock)(void *ctx, __u64 sk, struct lt_sock *out);
	void *ctx;
};

/* Fill r->fds and r->socks (frames are not read here: only stack ids). flow is what
 * lt_fd_track__take_flow returned. */
int lt_fd_report__build(struct lt_fd_track *t, const struct lt_fd_flow *flow, size_t nflow,
			const struct lt_fd_report_opts *o, struct lt_fd_report_state *st,
			struct lt_report *r);
void lt_fd_report__state_free(struct lt_fd_report_state *st);

#endif

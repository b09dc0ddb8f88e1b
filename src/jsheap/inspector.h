/* SPDX-License-Identifier: GPL-2.0 */
/* Node's inspector in a running target, opened and closed by the protocol of
 * shared/JS-HEAP.md §7.2: SIGUSR1 after the checks (eligible.h) under a lock per network
 * namespace, the port found as the target's new listening socket, a dead-man close armed
 * in the target, and a close that leaves the target as it was found. */
#ifndef LT_INSPECTOR_H
#define LT_INSPECTOR_H

#include <stdbool.h>
#include <linux/types.h>
#include "cdp.h"

struct bpf_program;

/* The dead-man timer closes the inspector this long after leaktrace last re-armed it. */
#define LT_INSPECTOR_DEADMAN_MS 30000
#define LT_INSPECTOR_REARM_S 10

struct lt_inspector {
	int pid;
	int lock_fd;
	struct lt_cdp cdp;
	bool connected;
	bool opened_by_us; /* SIGUSR1 opened it: ours to close */
	bool closed;	   /* closed by us and its port gone */
	__u64 listen_ino;
	char address[64];
	double opened_at, closed_at; /* CLOCK_MONOTONIC seconds */
	char warning[256];
};

/* Lock, signal (unless an inspector already listens), find the port, connect, arm the
 * dead-man close. why says what failed. */
int lt_inspector__open(struct lt_inspector *in, struct bpf_program *iter, int pid, char *why,
		       size_t size);
/* Re-arm the dead-man timer. */
int lt_inspector__rearm(struct lt_inspector *in);
/* Close what we opened (unless another client is connected: then warn and leave it),
 * disconnect, and release the lock. Safe to call twice. */
void lt_inspector__close(struct lt_inspector *in);
double lt_inspector__now(void);

#endif

/* SPDX-License-Identifier: GPL-2.0 */
/* The guard of a launched command: a small process of its own that resumes the command if
 * leaktrace dies (kill -9, a crash, a second Ctrl-C) while the command is paused. */
#ifndef LT_GUARD_H
#define LT_GUARD_H

#include <sys/types.h>

struct lt_guard {
	pid_t pid;   /* the guard process; 0 when none */
	int life_fd; /* write end of the pipe whose end-of-file tells the guard we are gone */
};

/* Fork the guard of target, before any BPF object is loaded (the guard must hold none:
 * it would keep probes alive). */
int lt_guard__start(struct lt_guard *g, pid_t target);
/* Let the guard go: it makes a last check that target is not left stopped, then exits. */
void lt_guard__stop(struct lt_guard *g);
/* Resume target if it is stopped (state T in /proc/PID/stat); true when it was. */
int lt_guard__resume_stopped(int pidfd, pid_t target);

#endif

/* SPDX-License-Identifier: GPL-2.0 */
/* The traced process: an existing pid (-p) or a command started by us (launch mode). */
#ifndef LT_TARGET_H
#define LT_TARGET_H

#include <stdbool.h>
#include <sys/types.h>

#include "guard.h"

struct lt_target {
	pid_t pid;
	bool launched; /* we started it and are its parent */
	int pidfd;     /* readable once the process has exited */
	int go_fd;     /* launch mode: write end of the pipe the child waits on */
	int err_fd;    /* launch mode: read end of the exec-error pipe */
	bool exited;
	int status; /* wait status, when launched and reaped */
	char comm[32];
	struct lt_guard guard; /* launch mode: resumes the command if we die */
};

/* Validate an existing pid: it exists, is a user process, is not us. */
int lt_target__open_pid(struct lt_target *t, pid_t pid);
/* Fork the command; the child waits until lt_target__release() before exec. */
int lt_target__spawn(struct lt_target *t, char *const argv[]);
/* Let a spawned child exec. Returns a negative errno if exec failed. */
int lt_target__release(struct lt_target *t);
/* Non-blocking: has the process exited? Reaps a launched child. */
bool lt_target__exited(struct lt_target *t);
/* The file execvp() would run for cmd (searching PATH), malloc'd; NULL if none. */
char *lt_target__resolve_command(const char *cmd);
/* The state letter of /proc/PID/stat (R, S, T, Z...), 0 when the process is gone. */
char lt_target__proc_state(pid_t pid);
/* When pid has exited (or is exiting), say so, once, and return true: an attach step that
 * failed then reports that instead of its own error. */
bool lt_target__say_if_gone(pid_t pid);
/* How many live child processes the target has (they are not traced); -1 unknown. */
int lt_target__children(const struct lt_target *t);
/* Re-read the command name (after exec). */
void lt_target__refresh_comm(struct lt_target *t);
/* Launch mode, once no probe can pause it any more: resume the command if it is stopped. */
void lt_target__resume(struct lt_target *t);
void lt_target__close(struct lt_target *t);
/* The resident set of pid in bytes, from /proc/PID/statm: exact (the kernel folds in its
 * per-CPU counts), unlike mm->rss_stat read from BPF. 0 when the process is gone. */
unsigned long long lt_target__rss(pid_t pid);

#endif

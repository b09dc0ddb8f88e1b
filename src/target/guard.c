// SPDX-License-Identifier: GPL-2.0
/* The guard of a launched command. leaktrace pauses the command (SIGSTOP from BPF) each
 * time it maps new code, until the unwind tables for that code are in place; leaktrace
 * itself sends the SIGCONT. If leaktrace dies first, nothing would: the guard, forked
 * before any BPF object exists, in its own session and deaf to the terminal's signals,
 * waits for leaktrace's end (end of file on a pipe only leaktrace writes to, then its
 * pidfd: the probes are released by then) and resumes the command if it is stopped.
 * docs/design.md ("Launch mode never leaves the command stopped") says why this design. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "guard.h"
#include "target.h"

/* After leaktrace is gone, a program already running in the kernel may still send one
 * last stop: the guard looks this many times, this far apart. */
#define LT_GUARD_CHECKS 10
#define LT_GUARD_CHECK_MS 100

static int lt_guard_pidfd_open(pid_t pid)
{
	return syscall(SYS_pidfd_open, pid, 0);
}

int lt_guard__resume_stopped(int pidfd, pid_t target)
{
	if (lt_target__proc_state(target) != 'T')
		return 0;
	/* through the pidfd: a reused pid is never signalled */
	if (pidfd >= 0 ? syscall(SYS_pidfd_send_signal, pidfd, SIGCONT, NULL, 0)
		       : kill(target, SIGCONT))
		return -errno;
	return 1;
}

static void lt_guard_sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

static void __attribute__((noreturn)) lt_guard_run(int life_fd, pid_t parent, pid_t target)
{
	static const int deaf[] = { SIGINT,  SIGTERM, SIGHUP,  SIGQUIT, SIGTSTP,
				    SIGTTIN, SIGTTOU, SIGPIPE, SIGUSR1, SIGUSR2 };
	int target_fd, parent_fd;
	char c;

	setsid();
	for (size_t i = 0; i < sizeof(deaf) / sizeof(deaf[0]); i++)
		signal(deaf[i], SIG_IGN);
	target_fd = lt_guard_pidfd_open(target);
	parent_fd = lt_guard_pidfd_open(parent);
	/* nothing of leaktrace's but the pipe: no terminal, no probes, no pipes of its own */
	if (life_fd != 3 && dup2(life_fd, 3) == 3)
		life_fd = 3;
	if (target_fd >= 0 && target_fd != 4 && dup2(target_fd, 4) == 4)
		target_fd = 4;
	if (parent_fd >= 0 && parent_fd != 5 && dup2(parent_fd, 5) == 5)
		parent_fd = 5;
	for (int fd = 0; fd < 3; fd++)
		close(fd);
	syscall(SYS_close_range, 6, ~0u, 0);
	while (read(life_fd, &c, 1) != 0 && (errno == EINTR || errno == EAGAIN))
		;
	if (parent_fd >= 0 && getppid() == parent) {
		struct pollfd p = { .fd = parent_fd, .events = POLLIN };

		/* readable once leaktrace has exited, its files (the probes) released */
		while (poll(&p, 1, -1) < 0 && errno == EINTR)
			;
	}
	for (int i = 0; i < LT_GUARD_CHECKS; i++) {
		lt_guard__resume_stopped(target_fd, target);
		lt_guard_sleep_ms(LT_GUARD_CHECK_MS);
	}
	lt_guard__resume_stopped(target_fd, target);
	_exit(0);
}

int lt_guard__start(struct lt_guard *g, pid_t target)
{
	int life[2];
	pid_t parent = getpid(), pid;

	g->pid = 0;
	g->life_fd = -1;
	if (pipe2(life, O_CLOEXEC))
		return -errno;
	pid = fork();
	if (pid < 0) {
		int err = -errno;

		close(life[0]);
		close(life[1]);
		return err;
	}
	if (pid == 0) {
		close(life[1]);
		lt_guard_run(life[0], parent, target);
	}
	close(life[0]);
	g->pid = pid;
	g->life_fd = life[1];
	return 0;
}

void lt_guard__stop(struct lt_guard *g)
{
	if (g->life_fd >= 0)
		close(g->life_fd);
	g->life_fd = -1;
	/* Not waited for: it outlives us by a second at most, then init reaps it. */
	g->pid = 0;
}

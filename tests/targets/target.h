/* SPDX-License-Identifier: GPL-2.0 */
/* The protocol every leaking test target follows with the integration suite: announce
 * readiness, wait for "tracer attached", leak, then tell the test exactly what was leaked. */
#ifndef LT_TARGET_H
#define LT_TARGET_H

/*
 * Protocol (stdout, one line each, flushed):
 *   "ready PID"      pre-attach allocations are done; the target now waits for SIGUSR1
 *   <truth JSON>     {"target": ..., "leaks": [...], "absent": "f,g", "unknown_free_min": N, ...}
 *   "done"           all post-attach work is done
 * argv[1] selects what happens next:
 *   wait    (default) stay alive; each further SIGUSR1 runs target_again() and prints "alive"
 *   exit    exit(0) right after "done"
 *   launch  do not wait for SIGUSR1 (the tracer started us), exit after "done"
 * Nothing after "ready" may allocate except the work itself: stdout's buffer is allocated
 * by the "ready" line, and sigwait/printf of numbers do not allocate.
 *
 * Truth JSON fields of a leak: fn (function that must be frames[0], or frames[1] when via
 * names an allocator wrapper), section ("heap" or "mmap"), bytes, count (-1 = not exact),
 * via ("" | "strdup" | "new" | "vector" | "cxxlib": C++ library frames first), line (source line of the allocation call, 0 = none),
 * chain (callers that must follow fn, leaf first, comma separated, "" = none).
 */

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#if defined(__GNUC__) && !defined(__clang__)
#define LT_NOINLINE __attribute__((noipa))
#else
#define LT_NOINLINE __attribute__((noinline))
#endif

/* Keeps p alive as far as the compiler knows, so that malloc/free pairs are not elided
 * and calls are not turned into tail calls (which would drop the leaking frame). */
#define LT_KEEP(p) __asm__ volatile("" : : "r"(p) : "memory")

/* Sent by the test when the tracer is attached; the targets never exit on their own
 * before this much time has passed without it (a stray target must not live forever). */
#define LT_TARGET_GO_TIMEOUT_S 120
#define LT_TARGET_LINGER_S 600

enum lt_target_mode {
	LT_MODE_WAIT = 0,
	LT_MODE_EXIT,
	LT_MODE_LAUNCH,
};

static enum lt_target_mode lt_target_mode;
static int lt_target_nleaks;

/* Call first, before any thread exists, so that every thread inherits SIGUSR1 blocked
 * and sigtimedwait() in the main thread is the only consumer. */
static void lt_target__init(int argc, char **argv)
{
	sigset_t set;

	if (argc > 1 && !strcmp(argv[1], "exit"))
		lt_target_mode = LT_MODE_EXIT;
	else if (argc > 1 && !strcmp(argv[1], "launch"))
		lt_target_mode = LT_MODE_LAUNCH;
	else if (argc > 1 && strcmp(argv[1], "wait")) {
		fprintf(stderr, "usage: %s [wait|exit|launch]\n", argv[0]);
		exit(2);
	}
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigprocmask(SIG_BLOCK, &set, NULL);
}

static int lt_target__wait_usr1(int timeout_s)
{
	struct timespec ts = { .tv_sec = timeout_s, .tv_nsec = 0 };
	sigset_t set;
	int sig;

	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	do {
		sig = sigtimedwait(&set, NULL, &ts);
	} while (sig < 0 && errno == EINTR);
	return sig == SIGUSR1 ? 0 : -ETIMEDOUT;
}

/* Prints "ready PID" and blocks until the tracer is attached (SIGUSR1). */
static void lt_target__ready(void)
{
	printf("ready %d\n", (int)getpid());
	fflush(stdout);
	if (lt_target_mode == LT_MODE_LAUNCH)
		return;
	if (lt_target__wait_usr1(LT_TARGET_GO_TIMEOUT_S)) {
		fprintf(stderr, "target: no SIGUSR1 within %d s, giving up\n",
			LT_TARGET_GO_TIMEOUT_S);
		exit(3);
	}
}

static void lt_target__truth_begin(const char *name)
{
	printf("{\"target\": \"%s\", \"leaks\": [", name);
	lt_target_nleaks = 0;
}

static void lt_target__leak(const char *fn, const char *section, long bytes, long count,
			    const char *via, int line, const char *chain)
{
	printf("%s{\"fn\": \"%s\", \"section\": \"%s\", \"bytes\": %ld, \"count\": %ld, "
	       "\"via\": \"%s\", \"line\": %d, \"chain\": \"%s\"}",
	       lt_target_nleaks++ ? ", " : "", fn, section, bytes, count, via, line, chain);
}

/* absent: comma separated functions that must appear in no stack of the report.
 * unknown_free_min/max: bounds on frees of untracked addresses (max -1 = no bound). */
static void lt_target__truth_end(const char *absent, long unknown_free_min, long unknown_free_max)
{
	printf("], \"absent\": \"%s\", \"unknown_free_min\": %ld, \"unknown_free_max\": %ld}\n",
	       absent, unknown_free_min, unknown_free_max);
}

/* Prints "done", then exits or lingers as argv[1] asked. again() runs on every later
 * SIGUSR1 to show the target still works after the tracer has detached. */
static void lt_target__done(void (*again)(void))
{
	time_t end = time(NULL) + LT_TARGET_LINGER_S;

	printf("done\n");
	fflush(stdout);
	if (lt_target_mode != LT_MODE_WAIT)
		exit(0);
	while (time(NULL) < end) {
		if (lt_target__wait_usr1(5))
			continue;
		if (again)
			again();
		printf("alive\n");
		fflush(stdout);
	}
	exit(0);
}

#endif

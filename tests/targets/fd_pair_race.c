// SPDX-License-Identifier: GPL-2.0
/* pipe() results the tracer cannot read back: one thread makes pipes into a page that
 * another thread keeps protecting and unprotecting. A pipe whose result the kernel wrote
 * while the page was accessible, but that became PROT_NONE before the syscall's exit
 * tracepoint read it, is counted as fd_pair_unread (it used to be counted as ringbuf_full). Nothing leaks: every pipe that
 * succeeded is closed (its two numbers are the lowest free ones, known beforehand, since
 * no other thread opens descriptors). */
#define _GNU_SOURCE
#include <pthread.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include "target.h"

#define RUN_NS 1500000000L
#define BATCH 64

static volatile int stop, active;
static char *page;

static void *toggle(void *arg)
{
	while (!stop) {
		if (!active) {
			usleep(100);
			continue;
		}
		mprotect(page, 4096, PROT_NONE);
		mprotect(page, 4096, PROT_READ | PROT_WRITE);
	}
	return NULL;
}

static long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000L + ts.tv_nsec;
}

/* The raw syscall, not libc's pipe(): no wrapper probe lends its stack, so the exit
 * program walks the stack before it reads the result, which widens the race. */
LT_NOINLINE static int pipe_into_page(void)
{
	return syscall(SYS_pipe2, (int *)page, 0);
}

static void again(void)
{
}

int main(int argc, char **argv)
{
	long made = 0, faulted = 0, end;
	pthread_t th;
	int p[2];

	lt_target__init(argc, argv);
	page = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (page == MAP_FAILED || pipe(p))
		abort();
	close(p[0]);
	close(p[1]);
	lt_target__ready();

	if (pthread_create(&th, NULL, toggle, NULL))
		abort();
	end = now_ns() + RUN_NS;
	while (now_ns() < end) {
		/* batches with a pause between: the open and close events must not fill the
		 * ring buffer, so that ringbuf_full stays 0 */
		active = 1;
		for (int i = 0; i < BATCH; i++) {
			if (pipe_into_page() == 0) {
				made++;
				close(p[0]);
				close(p[1]);
			} else if (errno == EFAULT) {
				faulted++;
			} else {
				abort();
			}
		}
		active = 0;
		usleep(1000);
	}
	stop = 1;
	pthread_join(th, NULL);

	printf("{\"target\": \"fd_pair_race\", \"pairs\": %ld, \"faulted\": %ld, \"fds\": [%d, %d], "
	       "\"leaks\": []}\n",
	       made, faulted, p[0], p[1]);
	lt_target__done(again);
	return 0;
}

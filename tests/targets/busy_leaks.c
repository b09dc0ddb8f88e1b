// SPDX-License-Identifier: GPL-2.0
/* A target that is busy allocating and freeing while the tracer attaches (as a live
 * service is), and leaks a known amount only once told the tracer is in place. */
#include <stdlib.h>
#include <time.h>
#include "target.h"

#define CHURN_PER_TICK 20
#define LEAK_N 150
#define LEAK_SIZE 88

static void *sink[LEAK_N];

LT_NOINLINE static void churn(void)
{
	void *p[CHURN_PER_TICK];

	for (int i = 0; i < CHURN_PER_TICK; i++) {
		p[i] = malloc(32 + 16 * i);
		LT_KEEP(p[i]);
	}
	for (int i = 0; i < CHURN_PER_TICK; i++)
		free(p[i]);
}

LT_NOINLINE static void leak_busy(int i)
{
	sink[i] = malloc(LEAK_SIZE);
	LT_KEEP(sink[i]);
}

static int go_received(void)
{
	struct timespec zero = { 0 };
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	return sigtimedwait(&set, NULL, &zero) == SIGUSR1;
}

int main(int argc, char **argv)
{
	struct timespec tick = { .tv_nsec = 200000 };
	time_t give_up;

	lt_target__init(argc, argv);
	/* Churn from before "ready" until SIGUSR1: the tracer attaches in the middle of it. */
	churn();
	printf("ready %d\n", (int)getpid());
	fflush(stdout);
	give_up = time(NULL) + LT_TARGET_GO_TIMEOUT_S;
	while (lt_target_mode != LT_MODE_LAUNCH && !go_received()) {
		if (time(NULL) > give_up)
			exit(3);
		churn();
		nanosleep(&tick, NULL);
	}

	for (int i = 0; i < LEAK_N; i++) {
		churn();
		leak_busy(i);
	}

	lt_target__truth_begin("busy_leaks");
	lt_target__leak("leak_busy", "heap", LEAK_N * LEAK_SIZE, LEAK_N, "", 0, "main");
	/* churn() blocks live across attach may be freed untracked: unknown_free is not bounded */
	lt_target__truth_end("churn", 0, -1);
	lt_target__done(churn);
	return 0;
}

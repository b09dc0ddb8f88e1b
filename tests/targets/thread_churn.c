// SPDX-License-Identifier: GPL-2.0
/* 6,000 short-lived threads, a few at a time, each filling its malloc thread cache with
 * freed blocks and leaking one: glibc frees the cache when the thread exits, which must
 * not be counted as frees of blocks allocated before attach. */
#include <pthread.h>
#include <stdlib.h>
#include "target.h"

#define THREADS 6000
#define AT_ONCE 4
#define LEAK_SIZE 48

static void *volatile kept[THREADS];

LT_NOINLINE void *churn_thread(void *arg)
{
	long i = (long)arg;
	void *p[16];

	for (int k = 0; k < 16; k++)
		p[k] = malloc(16 + 16 * k);
	for (int k = 0; k < 16; k++)
		free(p[k]);
	kept[i] = malloc(LEAK_SIZE);
	return NULL;
}

int main(int argc, char **argv)
{
	pthread_t t[AT_ONCE];

	lt_target__init(argc, argv);
	lt_target__ready();

	for (long i = 0; i < THREADS; i += AT_ONCE) {
		for (int k = 0; k < AT_ONCE; k++)
			pthread_create(&t[k], NULL, churn_thread, (void *)(i + k));
		for (int k = 0; k < AT_ONCE; k++)
			pthread_join(t[k], NULL);
	}

	lt_target__truth_begin("thread_churn");
	lt_target__leak("churn_thread", "heap", THREADS * (long)LEAK_SIZE, THREADS, "", 0,
			"start_thread");
	lt_target__truth_end("", 0, 0);
	lt_target__done(NULL);
	return 0;
}

// SPDX-License-Identifier: GPL-2.0
/* A malloc storm in 8 threads whose work has a checksum (suite_faults.py): each thread
 * repeats one deterministic pass of allocations, writes, read-backs and frees, and checks
 * that every pass gives the checksum of its first. A tracer that changed the target's
 * memory or code, or lost a block, shows as a different checksum or a mismatch.
 *   "ready PID"   the threads are storming (from before the tracer attaches)
 *   SIGUSR1       finish the current pass, then print per thread
 *                 "checksum T SUM passes P mismatches M", then "done" and exit */
#include <pthread.h>
#include <stdint.h>
#include "target.h"

#define THREADS 8
#define BLOCKS 256
#define ROUNDS 8 /* rounds of BLOCKS allocations per pass */

struct storm {
	pthread_t thread;
	int index;
	uint64_t first, passes, mismatches;
};

static volatile int stop;

static uint64_t next(uint64_t *s)
{
	*s = *s * 6364136223846793005ull + 1442695040888963407ull;
	return *s >> 33;
}

LT_NOINLINE static uint64_t pass(int index)
{
	unsigned char *blocks[BLOCKS];
	size_t sizes[BLOCKS];
	uint64_t seed = 0x9e3779b97f4a7c15ull * (index + 1), sum = 0;

	for (int r = 0; r < ROUNDS; r++) {
		for (int i = 0; i < BLOCKS; i++) {
			sizes[i] = 16 + next(&seed) % 4080;
			blocks[i] = malloc(sizes[i]);
			if (!blocks[i])
				exit(4);
			for (size_t j = 0; j < sizes[i]; j += 61)
				blocks[i][j] = (unsigned char)(next(&seed) + j);
		}
		/* read back, freeing odd blocks first, then even ones in reverse */
		for (int k = 0; k < BLOCKS; k++) {
			int i = k < BLOCKS / 2 ? 2 * k + 1 : BLOCKS - 2 * (k - BLOCKS / 2) - 2;

			for (size_t j = 0; j < sizes[i]; j += 61)
				sum = sum * 31 + blocks[i][j];
			sum ^= sizes[i];
			free(blocks[i]);
		}
	}
	return sum;
}

static void *storm_main(void *arg)
{
	struct timespec pause_between = { .tv_nsec = 5000000 };
	struct storm *st = arg;

	do {
		uint64_t sum = pass(st->index);

		if (!st->passes)
			st->first = sum;
		else if (sum != st->first)
			st->mismatches++;
		st->passes++;
		nanosleep(&pause_between, NULL); /* a storm, not a CPU hog: 8 threads, 2 CPUs */
	} while (!stop);
	return NULL;
}

int main(int argc, char **argv)
{
	static struct storm storms[THREADS];

	lt_target__init(argc, argv);
	for (int i = 0; i < THREADS; i++) {
		storms[i].index = i;
		if (pthread_create(&storms[i].thread, NULL, storm_main, &storms[i]))
			return 5;
	}
	printf("ready %d\n", (int)getpid());
	fflush(stdout);
	if (lt_target__wait_usr1(LT_TARGET_LINGER_S) != 0)
		exit(3);
	stop = 1;
	for (int i = 0; i < THREADS; i++) {
		pthread_join(storms[i].thread, NULL);
		printf("checksum %d %llu passes %llu mismatches %llu\n", i,
		       (unsigned long long)storms[i].first, (unsigned long long)storms[i].passes,
		       (unsigned long long)storms[i].mismatches);
	}
	printf("done\n");
	fflush(stdout);
	return 0;
}

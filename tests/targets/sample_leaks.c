// SPDX-License-Identifier: GPL-2.0
/* Target for --sample: many small leaks (only a fraction is recorded, the estimate must
 * land near the truth), large leaks (always recorded: exact), and many small blocks
 * that are freed (estimated near zero). */
#include "target.h"

#define SMALL_N 6000
#define SMALL_SIZE 256
#define LARGE_N 8
#define LARGE_SIZE (96 * 1024)
#define CHURN_N 20000

static void *small[SMALL_N];
static void *large[LARGE_N];

LT_NOINLINE static void leak_small_many(void)
{
	for (int i = 0; i < SMALL_N; i++) {
		small[i] = malloc(SMALL_SIZE);
		LT_KEEP(small[i]);
	}
}

LT_NOINLINE static void leak_large_few(void)
{
	for (int i = 0; i < LARGE_N; i++) {
		large[i] = malloc(LARGE_SIZE);
		LT_KEEP(large[i]);
	}
}

LT_NOINLINE static void churn_freed(void)
{
	for (int i = 0; i < CHURN_N; i++) {
		void *p = malloc(SMALL_SIZE);

		LT_KEEP(p);
		free(p);
	}
}

int main(int argc, char **argv)
{
	lt_target__init(argc, argv);
	lt_target__ready();
	leak_small_many();
	leak_large_few();
	churn_freed();
	lt_target__truth_begin("sample_leaks");
	lt_target__leak("leak_small_many", "heap", (long)SMALL_N * SMALL_SIZE, SMALL_N, "", 0,
			"main");
	lt_target__leak("leak_large_few", "heap", (long)LARGE_N * LARGE_SIZE, LARGE_N, "", 0,
			"main");
	lt_target__truth_end("churn_freed", 0, -1);
	lt_target__done(churn_freed);
	return 0;
}

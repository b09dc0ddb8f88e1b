// SPDX-License-Identifier: GPL-2.0
/* Four heap stacks whose outstanding bytes have four shapes over RUN_S seconds, one tick
 * every TICK_MS: a bounded cache (CACHE_N entries of 256 B, one insert a tick: full after
 * 4 s, then each insert evicts the oldest: flat), a small steady leak (96 B every 20 ms), a
 * leak that starts LATE_S in (128 B every 20 ms), and a stack that fills for 4 s and then
 * frees one block every 10 ms (shrinking). The truth lists the two leaks; the test knows the cache
 * stays stable and the filler shrinks. */
#include "target.h"

#define TICK_MS 2
#define RUN_S 15
#define CACHE_N 2000
#define LATE_S 7
#define SHRINK_N 2000 /* 2 KiB blocks, one a tick; SHRINK_KEEP of them never freed */
#define SHRINK_KEEP 200

static void *volatile cache[CACHE_N];
static void *volatile steady[RUN_S * 50 + 1];
static void *volatile late[RUN_S * 50 + 1];
static void *volatile shrink[SHRINK_N];
static long nsteady, nlate;

LT_NOINLINE static void cache_insert(long i)
{
	void *p = malloc(256);

	LT_KEEP(p);
	free(cache[i % CACHE_N]); /* the oldest, once full */
	cache[i % CACHE_N] = p;
}

LT_NOINLINE static void leak_steady(void)
{
	void *p = malloc(96);

	LT_KEEP(p);
	steady[nsteady++] = p;
}

LT_NOINLINE static void leak_late(void)
{
	void *p = malloc(128);

	LT_KEEP(p);
	late[nlate++] = p;
}

LT_NOINLINE static void shrink_fill(long i)
{
	void *p = malloc(2048);

	LT_KEEP(p);
	shrink[i] = p;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void nap_ms(long ms)
{
	struct timespec ts = { 0, ms * 1000000L };

	nanosleep(&ts, NULL);
}

int main(int argc, char **argv)
{
	long filled = 0, freed = 0;
	double start;

	lt_target__init(argc, argv);
	lt_target__ready();
	start = now_s();
	/* the leaks' arrays hold a tick every 20 ms, so no more ticks than RUN_S allows */
	for (long i = 0; i < RUN_S * 1000L / TICK_MS && now_s() - start < RUN_S; i++) {
		cache_insert(i);
		if (i % (20 / TICK_MS) == 0) {
			leak_steady();
			if (now_s() - start >= LATE_S)
				leak_late();
		}
		if (filled < SHRINK_N)
			shrink_fill(filled++);
		else if (i % (10 / TICK_MS) == 0 && freed < SHRINK_N - SHRINK_KEEP)
			free(shrink[freed++]);
		nap_ms(TICK_MS);
	}
	lt_target__truth_begin("trend_shapes");
	lt_target__leak("leak_steady", "heap", nsteady * 96, nsteady, "", 0, "");
	lt_target__leak("leak_late", "heap", nlate * 128, nlate, "", 0, "");
	lt_target__truth_end("", 0, -1);
	lt_target__done(NULL);
	return 0;
}

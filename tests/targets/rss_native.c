// SPDX-License-Identifier: GPL-2.0
/* Resident memory that grows through the native heap alone: BLOCK-byte blocks (under
 * glibc's mmap threshold: from the heap), written so that they are resident, PER_S a
 * second for RUN_S seconds, all kept. */
#include "target.h"

#define BLOCK (64 * 1024)
#define PER_S 16 /* 1 MiB/s */
#define RUN_S 10

static void *volatile kept[PER_S * RUN_S];

LT_NOINLINE static void grow_native(int i)
{
	char *p = malloc(BLOCK);

	LT_KEEP(p);
	memset(p, i, BLOCK);
	kept[i] = p;
}

int main(int argc, char **argv)
{
	struct timespec nap = { 0, 1000000000L / PER_S };
	int n = 0;

	lt_target__init(argc, argv);
	lt_target__ready();
	for (; n < PER_S * RUN_S; n++) {
		grow_native(n);
		nanosleep(&nap, NULL);
	}
	lt_target__truth_begin("rss_native");
	lt_target__leak("grow_native", "heap", (long)n * BLOCK, n, "", 0, "");
	lt_target__truth_end("", 0, -1);
	lt_target__done(NULL);
	return 0;
}

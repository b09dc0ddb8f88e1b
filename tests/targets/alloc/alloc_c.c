// SPDX-License-Identifier: GPL-2.0
/* The C family on any C library: built with glibc statically and with musl (dynamic and
 * static) by the Makefile, where malloc lives in the program itself or in musl's libc. */
#include <stdlib.h>
#include "../target.h"

#define N 100

static void *volatile kept[N];
static void *volatile grown[N];

LT_NOINLINE void leak_c_malloc(void)
{
	for (int i = 0; i < N; i++)
		kept[i] = malloc(1000);
}

LT_NOINLINE void leak_c_realloc(void)
{
	for (int i = 0; i < N; i++) {
		void *p = calloc(10, 10);

		p = realloc(p, 300);
		grown[i] = realloc(p, 3000);
	}
}

LT_NOINLINE void free_c_pairs(void)
{
	for (int i = 0; i < 500; i++) {
		void *p = malloc(64 + i);

		LT_KEEP(p);
		free(p);
	}
}

int main(int argc, char **argv)
{
	lt_target__init(argc, argv);
	lt_target__ready();

	free_c_pairs();
	leak_c_malloc();
	leak_c_realloc();

	lt_target__truth_begin("alloc_c");
	lt_target__leak("leak_c_malloc", "heap", N * 1000L, N, "", 0, "main");
	lt_target__leak("leak_c_realloc", "heap", N * 3000L, N, "", 0, "main");
	lt_target__truth_end("free_c_pairs", 0, 0);
	lt_target__done(NULL);
	return 0;
}

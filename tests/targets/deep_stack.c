// SPDX-License-Identifier: GPL-2.0
/* A leak at the bottom of a 120-frame stack (deep_leaf, DEEP_LEVELS frames of deep_rec,
 * main and the C library's start frames): the walker keeps up to 127 frames, so the whole
 * stack is recorded, not truncated. */
#include <stdlib.h>
#include <string.h>
#include "target.h"

#ifndef DEEP_NAME
#define DEEP_NAME "deep_stack"
#endif
#define DEEP_LEVELS 115 /* + deep_leaf, main, __libc_start_call_main, __libc_start_main, _start */
#define DEEP_N 6
#define DEEP_SIZE 919

static void *sink[DEEP_N];
static int nsink;

/* Each level does work after its call so the call is not a tail call (no frame lost). */
LT_NOINLINE static void *deep_leaf(size_t size)
{
	void *p = malloc(size);

	LT_KEEP(p);
	return p;
}

LT_NOINLINE static void *deep_rec(int level, size_t size)
{
	void *p = level > 1 ? deep_rec(level - 1, size) : deep_leaf(size);

	LT_KEEP(p);
	return p;
}

LT_NOINLINE static void freed_deep(void)
{
	for (int i = 0; i < 20; i++) {
		void *p = malloc(300 + i);

		LT_KEEP(p);
		free(p);
	}
}

int main(int argc, char **argv)
{
	static char chain[DEEP_LEVELS * sizeof("deep_rec,") + sizeof("main")];

	lt_target__init(argc, argv);
	freed_deep();
	lt_target__ready();

	freed_deep();
	for (nsink = 0; nsink < DEEP_N;) {
		sink[nsink] = deep_rec(DEEP_LEVELS, DEEP_SIZE);
		LT_KEEP(sink[nsink]);
		nsink++;
	}
	for (int i = 0; i < DEEP_LEVELS; i++)
		strcat(chain, "deep_rec,");
	strcat(chain, "main");

	lt_target__truth_begin(DEEP_NAME);
	lt_target__leak("deep_leaf", "heap", DEEP_N * DEEP_SIZE, DEEP_N, "", 0, chain);
	lt_target__truth_end("freed_deep", 0, 0);
	lt_target__done(freed_deep);
	return 0;
}

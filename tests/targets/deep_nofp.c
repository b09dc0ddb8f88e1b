// SPDX-License-Identifier: GPL-2.0
/* A leak three calls deep in code built without frame pointers: naming deep_a, deep_b and
 * deep_c needs CFI unwinding of the main executable. */
#include <stdlib.h>
#include "target.h"

#define DEEP_N 9
#define DEEP_SIZE 777

static void *sink[DEEP_N];
static int nsink;

/* Each level does work after its call so the call is not a tail call (no frame lost). */
LT_NOINLINE static void *deep_c(size_t size)
{
	void *p = malloc(size);

	LT_KEEP(p);
	return p;
}

LT_NOINLINE static void *deep_b(size_t size)
{
	void *p = deep_c(size + nsink);

	LT_KEEP(p);
	return p;
}

LT_NOINLINE static void *deep_a(size_t size)
{
	void *p = deep_b(size - nsink);

	LT_KEEP(p);
	return p;
}

LT_NOINLINE static void freed_nofp(void)
{
	for (int i = 0; i < 50; i++) {
		void *p = malloc(100 + i);

		LT_KEEP(p);
		free(p);
	}
}

int main(int argc, char **argv)
{
	lt_target__init(argc, argv);
	freed_nofp();
	lt_target__ready();

	freed_nofp();
	for (nsink = 0; nsink < DEEP_N;) {
		sink[nsink] = deep_a(DEEP_SIZE);
		LT_KEEP(sink[nsink]);
		nsink++;
	}

	lt_target__truth_begin("deep_nofp");
	lt_target__leak("deep_c", "heap", DEEP_N * DEEP_SIZE, DEEP_N, "", 0, "deep_b,deep_a,main");
	lt_target__truth_end("freed_nofp", 0, 0);
	lt_target__done(freed_nofp);
	return 0;
}

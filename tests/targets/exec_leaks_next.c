// SPDX-License-Identifier: GPL-2.0
/* The second image of exec_leaks: leaks its own blocks and tells the truth of both
 * (the first image's leak must be absent from the report). */
#include "target.h"

#define NEXT_COUNT 3
#define NEXT_SIZE 7777

static void *volatile next_keep[NEXT_COUNT];

LT_NOINLINE static void next_image_leak(void)
{
	for (int i = 0; i < NEXT_COUNT; i++) {
		next_keep[i] = malloc(NEXT_SIZE);
		LT_KEEP(next_keep[i]);
	}
}

int main(int argc, char **argv)
{
	lt_target__init(argc, argv);
	next_image_leak();
	lt_target__truth_begin("exec_leaks_next");
	lt_target__leak("next_image_leak", "heap", (long)NEXT_COUNT * NEXT_SIZE, NEXT_COUNT, "", 0,
			"main");
	lt_target__truth_end("first_image_leak", 0, -1);
	lt_target__done(NULL);
	return 0;
}

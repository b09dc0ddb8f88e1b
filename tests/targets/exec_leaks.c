// SPDX-License-Identifier: GPL-2.0
/* A program that leaks, then execs another that leaks differently (exec_leaks_next, built
 * beside it): after the exec, the first image's blocks must be forgotten, the second's
 * reported with whole stacks under its own name. The truth is the second image's. */
#include <limits.h>
#include <libgen.h>

#include "target.h"

#define FIRST_COUNT 5
#define FIRST_SIZE 1000

static void *volatile first_keep[FIRST_COUNT];

LT_NOINLINE static void first_image_leak(void)
{
	for (int i = 0; i < FIRST_COUNT; i++) {
		first_keep[i] = malloc(FIRST_SIZE);
		LT_KEEP(first_keep[i]);
	}
}

int main(int argc, char **argv)
{
	char self[PATH_MAX], next[PATH_MAX + 32];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	char *mode = argc > 1 ? argv[1] : "wait";

	if (n <= 0)
		return 1;
	self[n] = 0;
	snprintf(next, sizeof(next), "%s/exec_leaks_next", dirname(self));
	lt_target__init(argc, argv);
	lt_target__ready();
	first_image_leak();
	execl(next, "exec_leaks_next", mode, (char *)NULL);
	fprintf(stderr, "exec_leaks: cannot exec %s: %s\n", next, strerror(errno));
	return 1;
}

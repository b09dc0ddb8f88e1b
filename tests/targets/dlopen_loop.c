// SPDX-License-Identifier: GPL-2.0
/* Maps new code all the time, as a plugin host or a Python program importing modules
 * does: dlopen and dlclose a library every 5 ms (each dlopen maps its code again), so
 * that a tracer that pauses the process on new code is pausing it when it ends.
 * Prints "ready PID", then "cycles N" every 20 cycles; exits after LT_TARGET_LINGER_S. */
#include <dlfcn.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include "target.h"

static const char *const lt_libs[] = { "libz.so.1", "libm.so.6" };

int main(void)
{
	struct timespec tick = { 0, 5 * 1000 * 1000 };
	time_t end = time(NULL) + LT_TARGET_LINGER_S;
	const char *lib = NULL;
	unsigned long n = 0;

	for (size_t i = 0; i < sizeof(lt_libs) / sizeof(lt_libs[0]) && !lib; i++) {
		void *h = dlopen(lt_libs[i], RTLD_NOW | RTLD_LOCAL);

		if (h) {
			lib = lt_libs[i];
			dlclose(h);
		}
	}
	if (!lib) {
		fprintf(stderr, "dlopen_loop: no library to load: %s\n", dlerror());
		return 1;
	}
	printf("ready %d\n", getpid());
	fflush(stdout);
	while (time(NULL) < end) {
		void *h = dlopen(lib, RTLD_NOW | RTLD_LOCAL);

		if (h)
			dlclose(h);
		if (++n % 20 == 0) {
			printf("cycles %lu\n", n);
			fflush(stdout);
		}
		nanosleep(&tick, NULL);
	}
	return 0;
}

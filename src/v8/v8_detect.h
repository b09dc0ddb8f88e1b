/* SPDX-License-Identifier: GPL-2.0 */
/* Finds the module of a process that carries V8 (the node executable, a libnode.so) and
 * the V8 functions leaktrace probes in it, from the file's own symbols. */
#ifndef LT_V8_DETECT_H
#define LT_V8_DETECT_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>
#include "procmaps.h"

#define LT_V8_MAX_CLONES 4 /* a function and the compiler's clones of it */

/* One V8 function as the file defines it, possibly in several copies (".constprop.N" and
 * ".isra.N" clones; Node 18 calls a clone of Heap::PerformGarbageCollection). */
struct lt_v8_func {
	const char *what;		/* "Heap::PerformGarbageCollection" */
	char *names[LT_V8_MAX_CLONES];	/* mangled names, ".cold" fragments left out */
	__u64 vaddrs[LT_V8_MAX_CLONES]; /* ELF virtual addresses */
	size_t n;
};

struct lt_v8_module {
	char *path;	 /* as the target sees it */
	char *host_path; /* openable from here (see struct lt_module) */
	__u64 start, end, bias, dev, ino;
	char version[32]; /* V8's "major.minor.build.patch" from the file, "" if unknown */
	struct lt_v8_func perform_gc;	   /* Heap::PerformGarbageCollection(collector, reason) */
	struct lt_v8_func size_of_objects; /* Heap::SizeOfObjects(): the live heap in bytes */
	char why[256]; /* why GC tracing is off, when lt_v8__detect does not return 0 */
};

/* Look through mods for V8. Returns 0 when a module carries V8 with every function above
 * (out describes it); -ENOENT when no module carries V8; -EOPNOTSUPP when one does but
 * lacks a function (out has the module, out->why names what is missing and the version).
 * On error out->why is set too. Free out with lt_v8__free in every case. */
int lt_v8__detect(const struct lt_modules *mods, struct lt_v8_module *out);
void lt_v8__free(struct lt_v8_module *m);
/* Whether process pid maps a module that carries V8 now; false when it cannot be told. */
bool lt_v8__in_process(int pid);

#endif

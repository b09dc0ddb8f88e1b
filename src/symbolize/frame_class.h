/* SPDX-License-Identifier: GPL-2.0 */
/* Which frames of a symbolized stack a user can act on, and which belong to the runtime
 * (V8, Node's C++, libuv) or the system (libc, libstdc++): text reports collapse runs of
 * the runtime's frames into one line. */
#ifndef LT_FRAME_CLASS_H
#define LT_FRAME_CLASS_H

#include <linux/types.h>
#include "symbolize.h"

enum lt_frame_class {
	LT_FRAME_USER = 0, /* JS (the user's and Node's own library), any other native code */
	LT_FRAME_RUNTIME,  /* V8, its builtins, Node's C++, libuv: the node binary's own code */
	LT_FRAME_SYSTEM,   /* libc, libstdc++, the loader; an address outside any module */
};

/* Runs shorter than this stay as they are: a line for a line says nothing. */
#define LT_FRAME_COLLAPSE_MIN 2

enum lt_frame_class lt_frame_class__of(const struct lt_sym *s);
/* The number of frames from frames[i] on that text collapses into one line: a run of
 * runtime and system frames with at least one runtime frame (so C programs keep their
 * libc frames) and at least LT_FRAME_COLLAPSE_MIN long, that does not start at the leaf
 * (frames[0], what allocated, is always shown). 0 when frames[i] is shown. frames[i] must
 * begin such a run or follow a shown frame: callers walk the stack leaf first and skip
 * the runs they collapse. */
__u32 lt_frame_class__run(const struct lt_sym *frames, __u32 i, __u32 n);

#endif

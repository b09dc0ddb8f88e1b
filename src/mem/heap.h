/* SPDX-License-Identifier: GPL-2.0 */
/* The heap family (-t heap): allocator uprobes on every module that defines malloc. */
#ifndef LT_HEAP_H
#define LT_HEAP_H

#include "family.h"

extern const struct lt_family lt_heap_family;

/* The family's start for a session already tracing without it (heap_auto.h): its programs
 * load then, in an object of their own on the session's maps (loader.h). */
int lt_heap__start_late(const struct lt_family_env *env, void **state);

#endif

/* SPDX-License-Identifier: GPL-2.0 */
/* The allocator entry points the heap family probes: the C family, C++ operator new and
 * delete in all their forms, jemalloc's *allocx API, tcmalloc's tc_* and mimalloc's mi_*
 * (docs/allocators.md). */
#ifndef LT_ALLOCATORS_H
#define LT_ALLOCATORS_H

#include <stdbool.h>
#include "uprobes.h"

/* The rows to attach, keys first: a module is probed when it defines one of them. */
struct lt_allocator_rows {
	struct lt_uprobe v[LT_UPROBES_MAX_ROWS];
	size_t n;
	size_t nkeys;
};

/* Fill out with every known entry point, or with the C family alone (c_only: malloc,
 * calloc, ..., free, as before the C++ and allocator-specific rows existed). */
void lt_allocators__rows(bool c_only, struct lt_allocator_rows *out);

#endif

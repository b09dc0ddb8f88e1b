/* SPDX-License-Identifier: GPL-2.0 */
/* The heap family (-t heap): allocator uprobes on every module that defines malloc. */
#ifndef LT_HEAP_H
#define LT_HEAP_H

#include "family.h"

extern const struct lt_family lt_heap_family;

#endif

/* SPDX-License-Identifier: GPL-2.0 */
/* The mmap family (-t mmap): anonymous mappings by the stack that made them. */
#ifndef LT_MMAP_FAMILY_H
#define LT_MMAP_FAMILY_H

#include "family.h"

extern const struct lt_family lt_mmap_family;

#endif

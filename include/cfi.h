/* SPDX-License-Identifier: GPL-2.0 */
/* Unwind tables for the BPF stack walker, built from a module's .eh_frame / .debug_frame. */
#ifndef LT_CFI_H
#define LT_CFI_H

#include <stddef.h>
#include "leaktrace.h"

/* Rows for every executable address of the ELF file at path, sorted by pc (ELF vaddr),
 * contiguous: a row holds until the next one; gaps without CFI get LT_CFA_NONE rows.
 * Returns 0 or a negative errno; *rows is malloc'd. */
int lt_cfi__build(const char *path, struct lt_cfi_row **rows, size_t *nrows);

/* Row in effect at ELF vaddr pc, or NULL (same search the BPF walker does). */
const struct lt_cfi_row *lt_cfi__lookup(const struct lt_cfi_row *rows, size_t nrows, __u64 pc);

#endif

/* SPDX-License-Identifier: GPL-2.0 */
/* Unwind tables for the BPF stack walker, built from a module's .eh_frame / .debug_frame. */
#ifndef LT_CFI_H
#define LT_CFI_H

#include <stddef.h>
#include "leaktrace.h"

/* Most rows lt_cfi__lookup (and the BPF walker) can search in LT_CFI_SEARCH_STEPS steps. */
#define LT_CFI_MAX_ROWS ((1u << LT_CFI_SEARCH_STEPS) - 1)

/* Rows for every executable address of the ELF file at path, sorted by pc (ELF vaddr),
 * contiguous: a row holds until the next one; gaps without CFI get LT_CFA_NONE rows.
 * Returns 0 or a negative errno; *rows is malloc'd. Errors besides open()'s: -ENOEXEC not
 * an ELF file with executable segments, -EOPNOTSUPP not x86-64, -ENODATA no usable CFI,
 * -E2BIG addresses beyond 32 bits or more than LT_CFI_MAX_ROWS rows (skip the module). */
int lt_cfi__build(const char *path, struct lt_cfi_row **rows, size_t *nrows);

/* The rows of at most about max_fdes of the module's FDEs, spread evenly over it, one FDE
 * after the other with a NONE row after each: a sample of its rules, far cheaper than
 * lt_cfi__build on a big module, not a table to search. *nfdes: how many FDEs it has.
 * Errors as lt_cfi__build's. */
int lt_cfi__sample(const char *path, size_t max_fdes, struct lt_cfi_row **rows, size_t *nrows,
		   size_t *nfdes);

/* Row in effect at ELF vaddr pc, or NULL (same search the BPF walker does). */
const struct lt_cfi_row *lt_cfi__lookup(const struct lt_cfi_row *rows, size_t nrows, __u64 pc);

#endif

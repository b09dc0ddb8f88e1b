/* SPDX-License-Identifier: GPL-2.0 */
/* The functions inlined at a pc, from DWARF (libdw's scopes): what one machine frame holds. */
#ifndef LT_INLINE_H
#define LT_INLINE_H

#include <elfutils/libdwfl.h>
#include <linux/types.h>
#include "symbolize.h"

/* Sets out->inl and out->ninl to the chain at pc (a runtime address of mod) when pc is in
 * inlined code: innermost first, the real function (out->symbol) last, each with the file
 * and line reached in it (the innermost: out's file and line; the others: the call site of
 * the one before). Sets out->start_line, the real function's declaration line (0 unknown),
 * in any case. Returns the chain (malloc'ed, strings libdw's), NULL when there is none (no
 * inlined code, no DWARF, no memory). */
struct lt_sym_inline *lt_inline__add(Dwfl_Module *mod, Dwarf_Addr pc, struct lt_sym *out);

#endif

/* SPDX-License-Identifier: GPL-2.0 */
/* The functions inlined at a pc, from DWARF (libdw's scopes): what one machine frame holds. */
#ifndef LT_INLINE_H
#define LT_INLINE_H

#include <elfutils/libdwfl.h>
#include <linux/types.h>
#include "symbolize.h"

/* The chain at pc (a runtime address of mod) when pc is in inlined code: innermost first,
 * the real function (outer, as the symbol table names it) last, each with the file and line
 * reached in it (the innermost: file and line of pc; the others: the call site of the one
 * before). *chain is malloc'ed, its strings are libdw's. *n 0 and *chain NULL when pc is in
 * no inlined code or there is no DWARF. 0 or -ENOMEM. */
int lt_inline__chain(Dwfl_Module *mod, Dwarf_Addr pc, const char *outer, const char *file, int line,
		     struct lt_sym_inline **chain, __u32 *n);

#endif

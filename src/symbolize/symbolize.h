/* SPDX-License-Identifier: GPL-2.0 */
/* Addresses of the target to function, source file and line (elfutils libdwfl), cached. */
#ifndef LT_SYMBOLIZE_H
#define LT_SYMBOLIZE_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

/* Not thread-safe: one thread per symbolizer. */
struct lt_symbolizer;

/* One function of an inline chain (inline.h): name, and the file and line reached in it. */
struct lt_sym_inline {
	const char *symbol;
	const char *file;
	int line;
	int start_line; /* where the function is declared; 0 unknown */
};

/* Strings are owned by the symbolizer and live until lt_symbolizer__free(). */
struct lt_sym {
	__u64 addr;	    /* the runtime address as given */
	const char *symbol; /* demangled function name; NULL when it cannot be named */
	__u64 sym_off;	    /* addr - symbol start */
	const char *module; /* module path as the target sees it; NULL outside any module */
	__u64 module_off;   /* addr as an ELF virtual address of the module (addr - bias) */
	const char *file;   /* source file from DWARF; NULL without line info */
	int line;	    /* 0 without line info */
	bool js;	    /* a JavaScript function: named from V8's frames or a perf map */

	/* the symbol as the ELF file has it (C++: mangled); may be NULL */
	const char *mangled;
	/* in inlined code: the functions at this pc, innermost first, the one named by symbol
	 * last (with the call site's file and line); NULL and 0 otherwise */
	const struct lt_sym_inline *inl;
	__u32 ninl;
	int start_line; /* the declaration line of symbol's function (DWARF); 0 unknown */
};

struct lt_modules;
struct lt_report;

/* Opens the modules of pid (mods, as the session has just read them from its maps) while
 * it is alive, so that addresses still resolve after the process has exited. mods NULL:
 * the symbolizer reads pid's maps itself (a caller that has no modules at hand). */
struct lt_symbolizer *lt_symbolizer__new(int pid, const struct lt_modules *mods);
/* Adds the modules of mods mapped since (dlopen); NULL re-reads pid's maps, harmless if
 * the process is gone: the modules already known stay usable, and 0 is returned. Modules
 * unmapped since stay known, so that stacks taken before a dlclose() still resolve. */
int lt_symbolizer__refresh(struct lt_symbolizer *s, const struct lt_modules *mods);
/* Stack addresses are return addresses: the call site is addr - 1, which is what
 * symbol and line lookups use when is_return is true. Never fails for a valid s:
 * an unknown address gives symbol == NULL and, if known, module + module_off. */
int lt_symbolizer__resolve(struct lt_symbolizer *s, __u64 addr, bool is_return, struct lt_sym *out);
void lt_symbolizer__free(struct lt_symbolizer *s);

/* Resolve the frames of the first limit stacks of each section of r (0 = all); a stack
 * already symbolized is left alone (symbolize_report.c). */
int lt_symbolizer__report(struct lt_symbolizer *s, struct lt_report *r, size_t limit);

/* Frames the BPF walker tagged as JS (LT_JS_FRAME_TAG) are named from t, which the
 * symbolizer does not own. Without it they resolve to their value alone. */
struct lt_js_names;
void lt_symbolizer__set_js_names(struct lt_symbolizer *s, struct lt_js_names *t);

#endif

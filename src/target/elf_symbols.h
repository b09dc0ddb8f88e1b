/* SPDX-License-Identifier: GPL-2.0 */
/* Symbols of an ELF file on disk: functions by exact or mangled-prefix name, data
 * symbols' values (V8's v8dbg_* constants), and virtual address to file offset. */
#ifndef LT_ELF_SYMBOLS_H
#define LT_ELF_SYMBOLS_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

struct lt_elf;

struct lt_elf_sym {
	const char *name; /* valid while the lt_elf is open */
	__u64 vaddr;
	__u64 size;
	int type;   /* STT_FUNC, STT_OBJECT, ... */
	bool local; /* STB_LOCAL */
};

/* Open path as an ELF file. NULL with errno set (ENOEXEC: not ELF). */
struct lt_elf *lt_elf__open(const char *path);
void lt_elf__close(struct lt_elf *e);

/* A defined function named name (from .dynsym, then .symtab). Versioned names match
 * their base name ("free@@GLIBC_2.2.5"), the default version and exported symbols
 * preferred; ".cold" fragments skipped. Returns 0, -EOPNOTSUPP when only an
 * STT_GNU_IFUNC matched (its address is the resolver), or -ENOENT. */
int lt_elf__find_func(struct lt_elf *e, const char *name, struct lt_elf_sym *out);

/* A defined function whose name starts with prefix, for C++ mangled names whose
 * argument part varies between versions; compiler clones (".constprop.0", ".isra.0")
 * are accepted, ".cold" fragments skipped. Searches .symtab and .dynsym. Among several
 * matches the shortest name wins (the unsuffixed one before its clones). 0 or -ENOENT. */
int lt_elf__find_func_prefix(struct lt_elf *e, const char *prefix, struct lt_elf_sym *out);

/* Call fn for each defined symbol (either table, duplicates possible) whose name starts
 * with prefix; a non-zero return from fn stops the walk and is returned. */
int lt_elf__for_each(struct lt_elf *e, const char *prefix,
		     int (*fn)(const struct lt_elf_sym *sym, void *ctx), void *ctx);

/* Copy size bytes of the file's initialised data at vaddr (a data symbol's value).
 * -ENOENT if vaddr is in no section with file contents (.bss), -ERANGE if it runs off. */
int lt_elf__read(struct lt_elf *e, __u64 vaddr, void *buf, size_t size);

/* The file offset of vaddr in an executable PT_LOAD (what uprobe attach takes), and how
 * many file bytes the segment has from there. -ENOEXEC if in no executable segment. */
int lt_elf__exec_offset(struct lt_elf *e, __u64 vaddr, __u64 *off, __u64 *avail);

/* The lowest address in (lo, hi) where any symbol starts, or hi. */
__u64 lt_elf__next_symbol(struct lt_elf *e, __u64 lo, __u64 hi);

/* The underlying libelf handle and file descriptor, for readers that need more. */
void *lt_elf__handle(struct lt_elf *e);
int lt_elf__fd(struct lt_elf *e);

#endif

/* SPDX-License-Identifier: GPL-2.0 */
/* Where to put a uprobe in a function, decided from the target's own machine code
 * (capstone): on an instruction the kernel emulates rather than single-steps. */
#ifndef LT_PROBE_PLACE_H
#define LT_PROBE_PLACE_H

#include <stdbool.h>
#include <linux/types.h>

struct lt_probe_site {
	__u64 sym_vaddr;     /* the function's ELF virtual address */
	__u64 vaddr;         /* the chosen instruction's ELF virtual address */
	__u64 file_offset;   /* the same as a file offset: what uprobe attach takes */
	__u32 sp_adjust;     /* bytes the function pushed before the probe: entry rsp = rsp + sp_adjust */
	bool emulated;       /* the kernel emulates the probed instruction (cheap) */
	char insn[64];       /* "push %rbp", for -v */
};

enum lt_place_mode {
	/* Must be the function's first instruction (uretprobes hijack the return address there). */
	LT_PLACE_ENTRY = 0,
	/* Entry-only probe reading the first argument (%rdi): may move past instructions
	 * that leave %rdi intact, and past an early exit taken only when %rdi == 0. */
	LT_PLACE_ARG0_NONNULL,
};

/* Resolve symbol (from .dynsym, then .symtab; versioned names match their base name)
 * in the ELF file at path and choose the probe site. Returns 0 or a negative errno
 * (-ENOENT: no such symbol). */
int lt_probe_place__find(const char *path, const char *symbol, enum lt_place_mode mode,
			 struct lt_probe_site *out);

/* Whether this kernel emulates the instruction (x86-64 bytes) instead of single-stepping. */
bool lt_probe_place__is_emulated(const __u8 *code, size_t len);

#endif

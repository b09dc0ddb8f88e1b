/* SPDX-License-Identifier: GPL-2.0 */
/* Where to put a uprobe in a function, decided from the target's own machine code
 * (capstone): on an instruction the kernel emulates rather than single-steps. */
#ifndef LT_PROBE_PLACE_H
#define LT_PROBE_PLACE_H

#include <stdbool.h>
#include <linux/types.h>

struct lt_probe_site {
	__u64 sym_vaddr;   /* the function's ELF virtual address */
	__u64 vaddr;	   /* the chosen instruction's ELF virtual address */
	__u64 file_offset; /* the same as a file offset: what uprobe attach takes */
	__u32 sp_adjust; /* bytes the function pushed before the probe: entry rsp = rsp + sp_adjust */
	bool emulated;	 /* the kernel emulates the probed instruction (cheap) */
	char insn[64];	 /* "push %rbp", for -v */
};

enum lt_place_mode {
	/* Must be the function's first instruction (uretprobes hijack the return address there). */
	LT_PLACE_ENTRY = 0,
	/* Entry-only probe reading the first argument (%rdi): may move past instructions
	 * that leave %rdi intact, and past an early exit taken only when %rdi == 0.
	 * At most 16 instructions; never past a branch (but that exit), a write to %rdi,
	 * a store or load through %rsp (push aside), a %rsp change other than push or
	 * "sub $imm,%rsp", nor past any address that some branch or rip-relative operand
	 * of the function names or another symbol starts at (it could be entered there).
	 * endbr64 is stepped over like any instruction that writes nothing. The first
	 * emulated instruction found wins; the NULL exit's own je only if nothing later
	 * is (a site past it spares free(NULL) the trap); else the entry. Functions
	 * without an ELF size, over 256 KiB, or that capstone cannot decode in full
	 * keep the entry. */
	LT_PLACE_ARG0_NONNULL,
	/* Entry and return probe reading the first three arguments (%rdi, %rsi, %rdx): may
	 * move past instructions that write none of them nor %rsp, touch no stack memory
	 * and do not branch, so that the return address is still at [%rsp] for the return
	 * probe; it may stop on a branch (reached on every path). Same limits as
	 * ARG0_NONNULL otherwise (16 instructions, no address entered from elsewhere); the
	 * first emulated instruction wins, else the entry. */
	LT_PLACE_ENTRY_ARGS,
};

/* Resolve symbol (from .dynsym, then .symtab; versioned names match their base name,
 * the default version preferred; defined STT_FUNC only, ".cold" fragments skipped) in
 * the ELF file at path and choose the probe site. Returns 0 or a negative errno:
 * -ENOENT no such symbol (or file), -EOPNOTSUPP the name is only an STT_GNU_IFUNC
 * (its address is the resolver, not the implementation), -ENOEXEC the address is in no
 * executable PT_LOAD, -EINVAL bad arguments. */
int lt_probe_place__find(const char *path, const char *symbol, enum lt_place_mode mode,
			 struct lt_probe_site *out);

/* Whether this kernel emulates the instruction (x86-64 bytes) instead of single-stepping:
 * push %reg (50-57, 41 50-57), call/jmp rel, jcc rel8/rel32 (no 66 prefix), and the
 * kernel's own NOP forms. Conservative: anything unknown is reported as single-stepped. */
bool lt_probe_place__is_emulated(const __u8 *code, size_t len);

#endif

/* SPDX-License-Identifier: GPL-2.0 */
/* The call-frame sections of a module (cfi_fde.c), for cfi.c's row building. */
#ifndef LT_CFI_FDE_H
#define LT_CFI_FDE_H

#include <stdbool.h>
#include <stddef.h>
#include <elfutils/libdw.h>
#include <gelf.h>
#include <linux/types.h>

struct lt_pc_range {
	__u64 lo, hi;
};

struct lt_cfi_src {
	Elf_Data *data;
	__u64 sh_addr;
	bool eh_frame;
	unsigned char e_ident[EI_NIDENT];
};

/* The [lo, hi) of every executable PT_LOAD, sorted; -ENOEXEC without any. */
int lt_cfi_fde__exec_segments(Elf *elf, struct lt_pc_range **out, size_t *nout);
/* The CFI to read rows from: .eh_frame, else .debug_frame (then *dw owns *cfi; else the
 * caller ends *cfi with dwarf_cfi_end). src describes the section for lt_cfi_fde__collect.
 * -ENODATA without usable CFI. */
int lt_cfi_fde__open(Elf *elf, struct lt_cfi_src *src, Dwarf **dw, Dwarf_CFI **cfi);
/* The [lo, hi) ranges of every FDE of src that lands in one of segs, sorted by lo. */
int lt_cfi_fde__collect(const struct lt_cfi_src *src, const struct lt_pc_range *segs, size_t nsegs,
			struct lt_pc_range **out, size_t *nout);

#endif

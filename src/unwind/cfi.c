// SPDX-License-Identifier: GPL-2.0
/* Unwind tables for the BPF stack walker: flattens a module's .eh_frame (or .debug_frame)
 * into the sorted struct lt_cfi_row array that the walker binary-searches. cfi_fde.c finds
 * the section and the FDE ranges; this file turns each FDE's CFI into rows. */

/*
 * What a row means to the walker
 * ------------------------------
 * A row says how to find the caller's frame while the pc is in [row.pc, next row.pc), pc being
 * an ELF virtual address of the module (runtime pc - bias). The walker keeps three registers,
 * pc, rsp and rbp, and for a frame whose row is:
 *
 *   LT_CFA_RSP  CFA = rsp + cfa_off
 *   LT_CFA_RBP  CFA = rbp + cfa_off
 *   LT_CFA_PLT  CFA = rsp + 8, plus 8 when (pc & 15) >= 11 (after the push of a lazy PLT entry;
 *               the bias is page-aligned, so runtime and ELF pc agree in their low bits)
 *
 * then steps to the caller with:
 *
 *   return address = *(u64 *)(CFA - 8)     (always there: rows that say otherwise are NONE)
 *   caller rsp     = CFA
 *   caller rbp     = rbp_off8 ? *(u64 *)(CFA + 8 * rbp_off8) : rbp
 *   caller pc      = return address
 *
 * LT_CFA_END marks the outermost frame (_start, clone's child): the stack is complete there.
 * LT_CFA_NONE means the CFI has no rule the walker can follow (no FDE covers the pc, a CFA
 * expression such as a signal trampoline's, a callee-saved rbp kept in another register, an
 * offset too large for the row): the walker stops or falls back to frame pointers.
 *
 * The table covers every executable segment: it starts at the lowest executable address, gaps
 * between FDEs have NONE rows, and a NONE row ends the table after the last FDE, so a lookup
 * never extends a function's rule past its end. Adjacent rows with the same rule are merged.
 */

#include <dwarf.h>
#include <elfutils/libdw.h>
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "array.h"
#include "cfi.h"
#include "cfi_fde.h"

#define X86_64_RBP 6
#define X86_64_RSP 7
#define X86_64_RA 16

struct cfi_rule {
	__u8 cfa_reg;
	__s16 cfa_off;
	__s8 rbp_off8;
	__u8 plt_cut; /* LT_CFA_PLT: (pc & 15) from which CFA = rsp + 16 */
};

struct row_vec {
	struct lt_cfi_row *v;
	size_t n, cap;
};

static int row_vec__push(struct row_vec *rv, __u64 pc, const struct cfi_rule *r)
{
	struct lt_cfi_row *last = rv->n ? &rv->v[rv->n - 1] : NULL;

	if (pc > UINT32_MAX)
		return -E2BIG;
	if (last && last->pc == pc) {
		/* An empty row (zero-length advance, or an FDE starting where a gap row went). */
		rv->n--;
		last = rv->n ? &rv->v[rv->n - 1] : NULL;
	}
	if (last && last->cfa_reg == r->cfa_reg && last->cfa_off == r->cfa_off &&
	    last->rbp_off8 == r->rbp_off8)
		return 0;
	if (LT_ENSURE(&rv->v, &rv->cap, rv->n + 1))
		return -ENOMEM;
	rv->v[rv->n++] = (struct lt_cfi_row){
		.pc = pc,
		.cfa_off = r->cfa_off,
		.cfa_reg = r->cfa_reg,
		.rbp_off8 = r->rbp_off8,
	};
	return 0;
}

static const struct cfi_rule rule_none = { .cfa_reg = LT_CFA_NONE };

/* The PLT rule for a cut other than the walker's fixed 11 becomes plain rsp rows, one pair per
 * 16-byte entry; PLT sections are small so this costs little. */
static int push_plt_rows(struct row_vec *rv, __u64 pc, __u64 end, __u8 cut)
{
	struct cfi_rule low = { .cfa_reg = LT_CFA_RSP, .cfa_off = 8 };
	struct cfi_rule high = { .cfa_reg = LT_CFA_RSP, .cfa_off = 16 };
	struct cfi_rule plt = { .cfa_reg = LT_CFA_PLT, .cfa_off = 8 };
	int err;

	if (cut == 11)
		return row_vec__push(rv, pc, &plt);
	while (pc < end) {
		__u64 entry = pc & ~15ull;

		err = row_vec__push(rv, pc, (pc & 15) < cut ? &low : &high);
		if (err)
			return err;
		pc = (pc & 15) < cut ? entry + cut : entry + 16;
	}
	return 0;
}

/* libdw gives a register-plus-offset CFA as DW_OP_bregx; expressions use DW_OP_bregN. */
static bool op_breg(const Dwarf_Op *op, unsigned *reg, __s64 *off)
{
	if (op->atom == DW_OP_bregx) {
		*reg = op->number;
		*off = (__s64)op->number2;
		return true;
	}
	if (op->atom >= DW_OP_breg0 && op->atom <= DW_OP_breg31) {
		*reg = op->atom - DW_OP_breg0;
		*off = (__s64)op->number;
		return true;
	}
	return false;
}

static bool op_is_breg(const Dwarf_Op *op, unsigned reg, __s64 off)
{
	unsigned r;
	__s64 o;

	return op_breg(op, &r, &o) && r == reg && o == off;
}

/* CFA = rsp + 8 + (((rip & 15) >= cut) << 3): what binutils emits for lazy PLT entries. */
static int plt_cut(const Dwarf_Op *ops, size_t nops)
{
	if (nops != 9 || !op_is_breg(&ops[0], X86_64_RSP, 8) ||
	    !op_is_breg(&ops[1], X86_64_RA, 0) || ops[2].atom != DW_OP_lit15 ||
	    ops[3].atom != DW_OP_and || ops[4].atom < DW_OP_lit1 || ops[4].atom > DW_OP_lit15 ||
	    ops[5].atom != DW_OP_ge || ops[6].atom != DW_OP_lit3 || ops[7].atom != DW_OP_shl ||
	    ops[8].atom != DW_OP_plus)
		return -1;
	return ops[4].atom - DW_OP_lit0;
}

/* Location "saved at CFA + off" as libdw spells it; false for anything else. */
static bool reg_at_cfa_off(const Dwarf_Op *ops, size_t nops, __s64 *off)
{
	if (nops == 1 && ops[0].atom == DW_OP_call_frame_cfa) {
		*off = 0;
		return true;
	}
	if (nops == 2 && ops[0].atom == DW_OP_call_frame_cfa && ops[1].atom == DW_OP_plus_uconst) {
		*off = (__s64)ops[1].number;
		return true;
	}
	return false;
}

static void frame_rule(Dwarf_Frame *fr, int ra_reg, struct cfi_rule *r)
{
	Dwarf_Op mem[3], *ops;
	size_t nops;
	unsigned reg;
	__s64 off;
	int cut;

	*r = rule_none;
	if (ra_reg != X86_64_RA)
		return;

	if (dwarf_frame_register(fr, X86_64_RA, mem, &ops, &nops) != 0)
		return;
	if (nops == 0 && ops == mem) {
		r->cfa_reg = LT_CFA_END;
		return;
	}
	if (!reg_at_cfa_off(ops, nops, &off) || off != -8)
		return;

	if (dwarf_frame_register(fr, X86_64_RBP, mem, &ops, &nops) != 0)
		return;
	if (ops || nops) { /* not "same value" */
		/* Saved at CFA + 0 would read as "unchanged" in a row: refuse it too. */
		if (!reg_at_cfa_off(ops, nops, &off) || off == 0 || off % 8 || off / 8 < INT8_MIN ||
		    off / 8 > INT8_MAX)
			return;
		r->rbp_off8 = off / 8;
	}

	if (dwarf_frame_cfa(fr, &ops, &nops) != 0)
		goto none;
	if (nops == 1 && op_breg(&ops[0], &reg, &off)) {
		if ((reg != X86_64_RSP && reg != X86_64_RBP) || off < INT16_MIN || off > INT16_MAX)
			goto none;
		r->cfa_reg = reg == X86_64_RSP ? LT_CFA_RSP : LT_CFA_RBP;
		r->cfa_off = off;
		return;
	}
	cut = plt_cut(ops, nops);
	if (cut < 0)
		goto none;
	r->cfa_reg = LT_CFA_PLT;
	r->cfa_off = 8;
	r->plt_cut = cut;
	return;
none:
	*r = rule_none;
}

/* Rows of one FDE's range, one per CFI row, each read back from libdw. */
static int push_fde_rows(struct row_vec *rv, Dwarf_CFI *cfi, __u64 lo, __u64 hi)
{
	__u64 pc = lo;
	int err = 0;

	while (pc < hi) {
		Dwarf_Frame *fr = NULL;
		Dwarf_Addr start, end;
		struct cfi_rule r;
		int ra_reg;

		if (dwarf_cfi_addrframe(cfi, pc, &fr) != 0)
			return row_vec__push(rv, pc, &rule_none);
		ra_reg = dwarf_frame_info(fr, &start, &end, NULL);
		frame_rule(fr, ra_reg, &r);
		if (ra_reg < 0 || end <= pc)
			end = pc + 1;
		free(fr);
		if (end > hi)
			end = hi;
		if (r.cfa_reg == LT_CFA_PLT)
			err = push_plt_rows(rv, pc, end, r.plt_cut);
		else
			err = row_vec__push(rv, pc, &r);
		if (err)
			return err;
		pc = end;
	}
	return 0;
}

/* Rows from start on: each FDE's rows, NONE rows over the gaps and after the last FDE. */
static int cover_text(struct row_vec *rv, Dwarf_CFI *cfi, __u64 start,
		      const struct lt_pc_range *fdes, size_t nfdes)
{
	__u64 covered = start;
	int err;

	for (size_t i = 0; i < nfdes; i++) {
		__u64 lo = fdes[i].lo > covered ? fdes[i].lo : covered;

		if (lo >= fdes[i].hi)
			continue; /* overlaps an earlier FDE: the first one wins */
		if (lo > covered || rv->n == 0) {
			err = row_vec__push(rv, covered, &rule_none);
			if (err)
				return err;
		}
		err = push_fde_rows(rv, cfi, lo, fdes[i].hi);
		if (err)
			return err;
		covered = fdes[i].hi;
	}
	return row_vec__push(rv, covered, &rule_none);
}

/* Rows of every stride-th FDE only, one after the other: not a table to search, a sample
 * of the module's rules to judge it by (lt_cfi__sample). */
static int sample_fdes(struct row_vec *rv, Dwarf_CFI *cfi, const struct lt_pc_range *fdes,
		       size_t nfdes, size_t stride)
{
	int err;

	for (size_t i = stride / 2; i < nfdes; i += stride) {
		err = push_fde_rows(rv, cfi, fdes[i].lo, fdes[i].hi);
		/* NONE between two samples: no rule runs on into the next sampled FDE */
		err = err ?: row_vec__push(rv, fdes[i].hi, &rule_none);
		if (err)
			return err;
	}
	return 0;
}

/* max_fdes 0: the whole table; else the rows of at most about max_fdes FDEs spread
 * evenly over the module (all of them when it has no more). */
static int build(const char *path, size_t max_fdes, struct lt_cfi_row **rows, size_t *nrows,
		 size_t *nfdes_out)
{
	struct lt_pc_range *segs = NULL, *fdes = NULL;
	size_t nsegs = 0, nfdes = 0;
	struct row_vec rv = { 0 };
	struct lt_cfi_src src = { 0 };
	Dwarf_CFI *cfi = NULL;
	Dwarf *dw = NULL;
	Elf *elf = NULL;
	GElf_Ehdr eh;
	int fd, err;

	*rows = NULL;
	*nrows = 0;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	elf_version(EV_CURRENT);
	elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	if (!elf || elf_kind(elf) != ELF_K_ELF || !gelf_getehdr(elf, &eh)) {
		err = -ENOEXEC;
		goto cleanup;
	}
	if (eh.e_ident[EI_CLASS] != ELFCLASS64 || eh.e_machine != EM_X86_64) {
		err = -EOPNOTSUPP;
		goto cleanup;
	}
	err = lt_cfi_fde__exec_segments(elf, &segs, &nsegs);
	if (err)
		goto cleanup;

	err = lt_cfi_fde__open(elf, &src, &dw, &cfi);
	if (err)
		goto cleanup;

	err = lt_cfi_fde__collect(&src, segs, nsegs, &fdes, &nfdes);
	if (err)
		goto cleanup;
	if (!nfdes) {
		err = -ENODATA;
		goto cleanup;
	}
	if (nfdes_out)
		*nfdes_out = nfdes;

	if (max_fdes)
		err = sample_fdes(&rv, cfi, fdes, nfdes,
				  nfdes > max_fdes ? (nfdes + max_fdes - 1) / max_fdes : 1);
	else
		err = cover_text(&rv, cfi, segs[0].lo, fdes, nfdes);
	if (err)
		goto cleanup;
	if (rv.n > LT_CFI_MAX_ROWS) {
		err = -E2BIG;
		goto cleanup;
	}

	*rows = rv.v;
	*nrows = rv.n;
	rv.v = NULL;
cleanup:
	free(rv.v);
	free(fdes);
	free(segs);
	if (dw)
		dwarf_end(dw); /* owns a .debug_frame cfi */
	else if (cfi)
		dwarf_cfi_end(cfi);
	if (elf)
		elf_end(elf);
	close(fd);
	return err;
}

int lt_cfi__build(const char *path, struct lt_cfi_row **rows, size_t *nrows)
{
	return build(path, 0, rows, nrows, NULL);
}

int lt_cfi__sample(const char *path, size_t max_fdes, struct lt_cfi_row **rows, size_t *nrows,
		   size_t *nfdes)
{
	*nfdes = 0;
	return build(path, max_fdes ? max_fdes : 1, rows, nrows, nfdes);
}

const struct lt_cfi_row *lt_cfi__lookup(const struct lt_cfi_row *rows, size_t nrows, __u64 pc)
{
	size_t lo = 0, hi = nrows;

	/* First row with row.pc > pc, found in at most LT_CFI_SEARCH_STEPS halvings like the
	 * BPF walker's bounded loop; the answer is the row before it. */
	for (int i = 0; i < LT_CFI_SEARCH_STEPS && lo < hi; i++) {
		size_t mid = lo + (hi - lo) / 2;

		if (rows[mid].pc <= pc)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo ? &rows[lo - 1] : NULL;
}

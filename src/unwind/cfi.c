// SPDX-License-Identifier: GPL-2.0
/* Unwind tables for the BPF stack walker: flattens a module's .eh_frame (or .debug_frame)
 * into the sorted struct lt_cfi_row array that the walker binary-searches. */

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

#include "cfi.h"

#define X86_64_RBP 6
#define X86_64_RSP 7
#define X86_64_RA 16

struct cfi_rule {
	__u8 cfa_reg;
	__s16 cfa_off;
	__s8 rbp_off8;
	__u8 plt_cut; /* LT_CFA_PLT: (pc & 15) from which CFA = rsp + 16 */
};

struct pc_range {
	__u64 lo, hi;
};

struct row_vec {
	struct lt_cfi_row *v;
	size_t n, cap;
};

struct cfi_src {
	Elf_Data *data;
	__u64 sh_addr;
	bool eh_frame;
	unsigned char e_ident[EI_NIDENT];
};

/* FDE address encoding of the CIE last looked up: nearly every FDE of a module shares one. */
struct cie_cache {
	Dwarf_Off off;
	int enc; /* DW_EH_PE_* or -1 when the CIE cannot be understood */
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
	if (rv->n == rv->cap) {
		size_t cap = rv->cap ? rv->cap * 2 : 4096;
		struct lt_cfi_row *v = realloc(rv->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		rv->v = v;
		rv->cap = cap;
	}
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
	    !op_is_breg(&ops[1], X86_64_RA, 0) ||
	    ops[2].atom != DW_OP_lit15 || ops[3].atom != DW_OP_and || ops[4].atom < DW_OP_lit1 ||
	    ops[4].atom > DW_OP_lit15 || ops[5].atom != DW_OP_ge || ops[6].atom != DW_OP_lit3 ||
	    ops[7].atom != DW_OP_shl || ops[8].atom != DW_OP_plus)
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

/* Bytes of an encoded pointer; 0 for the formats never seen in x86-64 CFI (leb128, aligned). */
static size_t encoded_size(int enc)
{
	switch (enc & 0x0f) {
	case DW_EH_PE_absptr:
	case DW_EH_PE_udata8:
	case DW_EH_PE_sdata8:
		return 8;
	case DW_EH_PE_udata4:
	case DW_EH_PE_sdata4:
		return 4;
	case DW_EH_PE_udata2:
	case DW_EH_PE_sdata2:
		return 2;
	default:
		return 0;
	}
}

static int read_encoded(const struct cfi_src *src, const uint8_t **pp, const uint8_t *limit,
			int enc, bool apply, __u64 *out)
{
	const uint8_t *p = *pp;
	__u64 field = src->sh_addr + (p - (const uint8_t *)src->data->d_buf);
	size_t len = encoded_size(enc);
	__u64 v = 0;

	if (!len || (size_t)(limit - p) < len)
		return -EINVAL;
	memcpy(&v, p, len); /* x86-64 only: little-endian like the host */
	v = le64toh(v);
	if ((enc & 0x0f) == DW_EH_PE_sdata4)
		v = (__s64)(__s32)v;
	else if ((enc & 0x0f) == DW_EH_PE_sdata2)
		v = (__s64)(__s16)v;
	*pp = p + len;

	if (apply) {
		switch (enc & 0x70) {
		case DW_EH_PE_absptr:
			break;
		case DW_EH_PE_pcrel:
			v += field;
			break;
		default:
			return -EINVAL;
		}
	}
	*out = v;
	return 0;
}

/* The FDE pointer encoding named by the CIE's 'R' augmentation, or -1. */
static int cie_fde_encoding(const struct cfi_src *src, Dwarf_Off off)
{
	Dwarf_CFI_Entry e;
	Dwarf_Off next;
	const uint8_t *p, *limit;
	const char *aug;

	if (dwarf_next_cfi(src->e_ident, src->data, src->eh_frame, off, &next, &e) != 0 ||
	    !dwarf_cfi_cie_p(&e))
		return -1;
	aug = e.cie.augmentation;
	if (aug[0] == '\0')
		return DW_EH_PE_absptr;
	if (aug[0] != 'z')
		return -1;
	p = e.cie.augmentation_data;
	limit = p + e.cie.augmentation_data_size;
	for (aug++; *aug; aug++) {
		switch (*aug) {
		case 'R':
			return p < limit ? *p : -1;
		case 'L':
			p++;
			break;
		case 'P':
			/* Personality: encoding byte, then a pointer in that encoding. */
			if (p >= limit || !encoded_size(*p))
				return -1;
			p += 1 + encoded_size(*p);
			break;
		case 'S':
		case 'B':
		case 'G':
			break;
		default:
			return -1;
		}
	}
	return DW_EH_PE_absptr;
}

static int cmp_range(const void *a, const void *b)
{
	const struct pc_range *x = a, *y = b;

	if (x->lo != y->lo)
		return x->lo < y->lo ? -1 : 1;
	return x->hi < y->hi ? -1 : x->hi > y->hi;
}

static bool in_segments(const struct pc_range *segs, size_t nsegs, __u64 pc)
{
	for (size_t i = 0; i < nsegs; i++)
		if (pc >= segs[i].lo && pc < segs[i].hi)
			return true;
	return false;
}

/* The [lo, hi) ranges of every FDE that lands in an executable segment, sorted by lo. Dead
 * FDEs (garbage-collected code left at address 0 in .debug_frame) fall outside and drop out. */
static int collect_fdes(const struct cfi_src *src, const struct pc_range *segs, size_t nsegs,
			struct pc_range **out, size_t *nout)
{
	struct cie_cache cie = { .off = (Dwarf_Off)-1 };
	struct pc_range *v = NULL;
	size_t n = 0, cap = 0;
	Dwarf_Off off = 0, next;
	Dwarf_CFI_Entry e;
	int err = 0, ret;

	for (;;) {
		const uint8_t *p;
		__u64 lo, len;

		ret = dwarf_next_cfi(src->e_ident, src->data, src->eh_frame, off, &next, &e);
		if (ret)
			break;
		off = next;
		p = e.fde.start;
		if (dwarf_cfi_cie_p(&e))
			continue;
		if (e.fde.CIE_pointer != cie.off) {
			cie.off = e.fde.CIE_pointer;
			cie.enc = cie_fde_encoding(src, cie.off);
		}
		if (cie.enc < 0 || cie.enc == DW_EH_PE_omit)
			continue;
		if (read_encoded(src, &p, e.fde.end, cie.enc, true, &lo) ||
		    read_encoded(src, &p, e.fde.end, cie.enc & 0x0f, false, &len))
			continue;
		if (!len || lo + len < lo || !in_segments(segs, nsegs, lo))
			continue;
		if (n == cap) {
			struct pc_range *nv;

			cap = cap ? cap * 2 : 1024;
			nv = realloc(v, cap * sizeof(*nv));
			if (!nv) {
				err = -ENOMEM;
				goto cleanup;
			}
			v = nv;
		}
		v[n++] = (struct pc_range){ lo, lo + len };
	}
	if (ret < 0) {
		err = -EINVAL;
		goto cleanup;
	}
	qsort(v, n, sizeof(*v), cmp_range);
	*out = v;
	*nout = n;
	v = NULL;
cleanup:
	free(v);
	return err;
}

static int exec_segments(Elf *elf, struct pc_range **out, size_t *nout)
{
	struct pc_range *v = NULL;
	size_t nphdr, n = 0;

	if (elf_getphdrnum(elf, &nphdr) != 0 || nphdr == 0)
		return -ENOEXEC;
	v = calloc(nphdr, sizeof(*v));
	if (!v)
		return -ENOMEM;
	for (size_t i = 0; i < nphdr; i++) {
		GElf_Phdr ph;

		if (!gelf_getphdr(elf, i, &ph) || ph.p_type != PT_LOAD || !(ph.p_flags & PF_X))
			continue;
		v[n++] = (struct pc_range){ ph.p_vaddr, ph.p_vaddr + ph.p_memsz };
	}
	if (!n) {
		free(v);
		return -ENOEXEC;
	}
	qsort(v, n, sizeof(*v), cmp_range);
	*out = v;
	*nout = n;
	return 0;
}

static Elf_Scn *find_section(Elf *elf, const char *name)
{
	size_t shstrndx;
	Elf_Scn *scn = NULL;

	if (elf_getshdrstrndx(elf, &shstrndx) != 0)
		return NULL;
	while ((scn = elf_nextscn(elf, scn))) {
		GElf_Shdr sh;
		const char *s;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_PROGBITS)
			continue;
		s = elf_strptr(elf, shstrndx, sh.sh_name);
		if (s && !strcmp(s, name))
			return scn;
	}
	return NULL;
}

static int load_section(Elf *elf, Elf_Scn *scn, bool eh_frame, struct cfi_src *src)
{
	GElf_Shdr sh;
	const char *ident = elf_getident(elf, NULL);

	if (!gelf_getshdr(scn, &sh) || !ident)
		return -EINVAL;
	if ((sh.sh_flags & SHF_COMPRESSED) && elf_compress(scn, 0, 0) < 0)
		return -EINVAL;
	src->data = elf_getdata(scn, NULL);
	if (!src->data || !src->data->d_buf || !src->data->d_size)
		return -ENODATA;
	src->sh_addr = sh.sh_addr;
	src->eh_frame = eh_frame;
	memcpy(src->e_ident, ident, EI_NIDENT);
	return 0;
}

int lt_cfi__build(const char *path, struct lt_cfi_row **rows, size_t *nrows)
{
	struct pc_range *segs = NULL, *fdes = NULL;
	size_t nsegs = 0, nfdes = 0;
	struct row_vec rv = { 0 };
	struct cfi_src src = { 0 };
	Dwarf_CFI *cfi = NULL;
	Dwarf *dw = NULL;
	Elf *elf = NULL;
	Elf_Scn *scn;
	GElf_Ehdr eh;
	__u64 covered;
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
	err = exec_segments(elf, &segs, &nsegs);
	if (err)
		goto cleanup;

	/* .eh_frame is what the loader maps and what gcc emits by default; .debug_frame only
	 * matters for code built with -fno-asynchronous-unwind-tables. */
	scn = find_section(elf, ".eh_frame");
	if (scn && load_section(elf, scn, true, &src) == 0) {
		cfi = dwarf_getcfi_elf(elf);
	} else {
		scn = find_section(elf, ".debug_frame");
		if (!scn || load_section(elf, scn, false, &src) != 0) {
			err = -ENODATA;
			goto cleanup;
		}
		dw = dwarf_begin_elf(elf, DWARF_C_READ, NULL);
		cfi = dw ? dwarf_getcfi(dw) : NULL;
	}
	if (!cfi) {
		err = -ENODATA;
		goto cleanup;
	}

	err = collect_fdes(&src, segs, nsegs, &fdes, &nfdes);
	if (err)
		goto cleanup;
	if (!nfdes) {
		err = -ENODATA;
		goto cleanup;
	}

	covered = segs[0].lo;
	for (size_t i = 0; i < nfdes; i++) {
		__u64 lo = fdes[i].lo > covered ? fdes[i].lo : covered;

		if (lo >= fdes[i].hi)
			continue; /* overlaps an earlier FDE: the first one wins */
		if (lo > covered || rv.n == 0) {
			err = row_vec__push(&rv, covered, &rule_none);
			if (err)
				goto cleanup;
		}
		err = push_fde_rows(&rv, cfi, lo, fdes[i].hi);
		if (err)
			goto cleanup;
		covered = fdes[i].hi;
	}
	err = row_vec__push(&rv, covered, &rule_none);
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

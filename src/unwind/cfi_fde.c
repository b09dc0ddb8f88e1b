// SPDX-License-Identifier: GPL-2.0
/* The call-frame sections of a module for cfi.c: which of .eh_frame and .debug_frame to read,
 * the executable segments, and the address ranges of the FDEs in them. */
#include <dwarf.h>
#include <elfutils/libdw.h>
#include <endian.h>
#include <errno.h>
#include <gelf.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "cfi_fde.h"

/* FDE address encoding of the CIE last looked up: nearly every FDE of a module shares one. */
struct cie_cache {
	Dwarf_Off off;
	int enc; /* DW_EH_PE_* or -1 when the CIE cannot be understood */
};

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

static int read_encoded(const struct lt_cfi_src *src, const uint8_t **pp, const uint8_t *limit,
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
static int cie_fde_encoding(const struct lt_cfi_src *src, Dwarf_Off off)
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
	const struct lt_pc_range *x = a, *y = b;

	if (x->lo != y->lo)
		return x->lo < y->lo ? -1 : 1;
	return x->hi < y->hi ? -1 : x->hi > y->hi;
}

static bool in_segments(const struct lt_pc_range *segs, size_t nsegs, __u64 pc)
{
	for (size_t i = 0; i < nsegs; i++)
		if (pc >= segs[i].lo && pc < segs[i].hi)
			return true;
	return false;
}

/* The [lo, hi) ranges of every FDE that lands in an executable segment, sorted by lo. Dead
 * FDEs (garbage-collected code left at address 0 in .debug_frame) fall outside and drop out. */
int lt_cfi_fde__collect(const struct lt_cfi_src *src, const struct lt_pc_range *segs, size_t nsegs,
			struct lt_pc_range **out, size_t *nout)
{
	struct cie_cache cie = { .off = (Dwarf_Off)-1 };
	struct lt_pc_range *v = NULL;
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
		err = LT_ENSURE(&v, &cap, n + 1);
		if (err)
			goto cleanup;
		v[n++] = (struct lt_pc_range){ lo, lo + len };
	}
	if (ret < 0) {
		err = -EINVAL;
		goto cleanup;
	}
	if (n) /* qsort(NULL, 0) is undefined */
		qsort(v, n, sizeof(*v), cmp_range);
	*out = v;
	*nout = n;
	v = NULL;
cleanup:
	free(v);
	return err;
}

int lt_cfi_fde__exec_segments(Elf *elf, struct lt_pc_range **out, size_t *nout)
{
	struct lt_pc_range *v = NULL;
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
		v[n++] = (struct lt_pc_range){ ph.p_vaddr, ph.p_vaddr + ph.p_memsz };
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

static int load_section(Elf *elf, Elf_Scn *scn, bool eh_frame, struct lt_cfi_src *src)
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

int lt_cfi_fde__open(Elf *elf, struct lt_cfi_src *src, Dwarf **dw, Dwarf_CFI **cfi)
{
	Elf_Scn *scn;

	*dw = NULL;
	*cfi = NULL;
	/* .eh_frame is what the loader maps and what gcc emits by default; .debug_frame only
	 * matters for code built with -fno-asynchronous-unwind-tables. */
	scn = find_section(elf, ".eh_frame");
	if (scn && load_section(elf, scn, true, src) == 0) {
		*cfi = dwarf_getcfi_elf(elf);
	} else {
		scn = find_section(elf, ".debug_frame");
		if (!scn || load_section(elf, scn, false, src) != 0)
			return -ENODATA;
		*dw = dwarf_begin_elf(elf, DWARF_C_READ, NULL);
		*cfi = *dw ? dwarf_getcfi(*dw) : NULL;
	}
	return *cfi ? 0 : -ENODATA;
}

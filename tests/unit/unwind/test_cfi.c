// SPDX-License-Identifier: GPL-2.0
/* Unit tests for the unwind tables: libc's table against libdw's own answers, known rules at
 * malloc and at a frame-pointer function of this binary, lookup edge cases, errors. */

#include <dwarf.h>
#include <elfutils/libdw.h>
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <link.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "fixtures/libc.h"

#include "cfi.h"
#include "cfi_index.h"

struct libc_table {
	char path[4096];
	struct lt_cfi_row *rows;
	size_t nrows;
};

static int setup_libc(void **state)
{
	struct libc_table *t = calloc(1, sizeof(*t));

	if (!t)
		return -1;
	snprintf(t->path, sizeof(t->path), "%s", fixture_libc());
	if (lt_cfi__build(t->path, &t->rows, &t->nrows) != 0) {
		free(t);
		return -1;
	}
	*state = t;
	return 0;
}

static int teardown_libc(void **state)
{
	struct libc_table *t = *state;

	free(t->rows);
	free(t);
	return 0;
}

/* ELF symbol value and size of name in the file's symbol table of type sh_type. */
static int elf_symbol(const char *path, Elf64_Word sh_type, const char *name, GElf_Sym *out)
{
	int fd = open(path, O_RDONLY), found = -1;
	Elf_Scn *scn = NULL;
	Elf *elf;

	if (fd < 0)
		return -1;
	elf_version(EV_CURRENT);
	elf = elf_begin(fd, ELF_C_READ, NULL);
	while (elf && found && (scn = elf_nextscn(elf, scn))) {
		Elf_Data *data = elf_getdata(scn, NULL);
		GElf_Shdr sh;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type != sh_type || !data)
			continue;
		for (size_t i = 0; i < sh.sh_size / sh.sh_entsize; i++) {
			GElf_Sym sym;
			const char *s;

			if (!gelf_getsym(data, i, &sym) || sym.st_shndx == SHN_UNDEF ||
			    GELF_ST_TYPE(sym.st_info) != STT_FUNC)
				continue;
			s = elf_strptr(elf, sh.sh_link, sym.st_name);
			if (s && !strcmp(s, name)) {
				*out = sym;
				found = 0;
				break;
			}
		}
	}
	if (elf)
		elf_end(elf);
	close(fd);
	return found;
}

static int exec_range(const char *path, __u64 *lo, __u64 *hi)
{
	int fd = open(path, O_RDONLY), err = -1;
	size_t n;
	Elf *elf;

	if (fd < 0)
		return -1;
	elf_version(EV_CURRENT);
	elf = elf_begin(fd, ELF_C_READ, NULL);
	*lo = UINT64_MAX;
	*hi = 0;
	for (size_t i = 0; elf && elf_getphdrnum(elf, &n) == 0 && i < n; i++) {
		GElf_Phdr ph;

		if (!gelf_getphdr(elf, i, &ph) || ph.p_type != PT_LOAD || !(ph.p_flags & PF_X))
			continue;
		if (ph.p_vaddr < *lo)
			*lo = ph.p_vaddr;
		if (ph.p_vaddr + ph.p_memsz > *hi)
			*hi = ph.p_vaddr + ph.p_memsz;
		err = 0;
	}
	if (elf)
		elf_end(elf);
	close(fd);
	return err;
}

/* Every FDE's start address from .eh_frame_hdr's search table: a list made without
 * src/cfi.c's own .eh_frame walk. The linker writes it as datarel sdata4 pairs. */
static size_t eh_frame_hdr_starts(Elf *elf, size_t shstrndx, __u64 **out)
{
	Elf_Scn *scn = NULL;

	while ((scn = elf_nextscn(elf, scn))) {
		const unsigned char *p;
		Elf_Data *data;
		GElf_Shdr sh;
		int32_t count;
		__u64 *v;

		if (!gelf_getshdr(scn, &sh) ||
		    strcmp(elf_strptr(elf, shstrndx, sh.sh_name), ".eh_frame_hdr"))
			continue;
		data = elf_getdata(scn, NULL);
		if (!data || data->d_size < 12)
			return 0;
		p = data->d_buf;
		/* version 1, eh_frame_ptr pcrel sdata4, fde_count udata4, table datarel sdata4 */
		if (p[0] != 1 || p[1] != (DW_EH_PE_pcrel | DW_EH_PE_sdata4) ||
		    p[2] != DW_EH_PE_udata4 || p[3] != (DW_EH_PE_datarel | DW_EH_PE_sdata4))
			return 0;
		memcpy(&count, p + 8, 4);
		if (count <= 0 || 12 + (size_t)count * 8 > data->d_size)
			return 0;
		v = calloc(count, sizeof(*v));
		if (!v)
			return 0;
		for (int32_t i = 0; i < count; i++) {
			int32_t rel;

			memcpy(&rel, p + 12 + i * 8, 4);
			v[i] = sh.sh_addr + rel;
		}
		*out = v;
		return count;
	}
	return 0;
}

struct want {
	int reg, off, rbp8;
	bool cfa_expr; /* a CFA expression other than the PLT one */
};

/* The rule spelled out from libdw's frame at pc, written independently of src/cfi.c. */
static struct want libdw_want(Dwarf_CFI *cfi, __u64 pc)
{
	struct want none = { .reg = LT_CFA_NONE }, w = none;
	Dwarf_Op mem[3], *ops;
	Dwarf_Frame *fr;
	size_t nops;

	if (dwarf_cfi_addrframe(cfi, pc, &fr) != 0)
		return none;
	if (dwarf_frame_info(fr, NULL, NULL, NULL) != 16 ||
	    dwarf_frame_register(fr, 16, mem, &ops, &nops) != 0)
		goto out_none;
	if (ops == mem && nops == 0) {
		w.reg = LT_CFA_END;
		goto out;
	}
	if (nops != 2 || ops[0].atom != DW_OP_call_frame_cfa || ops[1].atom != DW_OP_plus_uconst ||
	    (int64_t)ops[1].number != -8)
		goto out_none;

	if (dwarf_frame_register(fr, 6, mem, &ops, &nops) != 0)
		goto out_none;
	if (ops) {
		int64_t n;

		if (nops != 2 || ops[0].atom != DW_OP_call_frame_cfa ||
		    ops[1].atom != DW_OP_plus_uconst)
			goto out_none;
		n = (int64_t)ops[1].number;
		if (n % 8 || n == 0 || n / 8 < -128 || n / 8 > 127)
			goto out_none;
		w.rbp8 = n / 8;
	}

	if (dwarf_frame_cfa(fr, &ops, &nops) != 0)
		goto out_none;
	if (nops == 1 && ops[0].atom == DW_OP_bregx && (ops[0].number == 7 || ops[0].number == 6)) {
		int64_t off = (int64_t)ops[0].number2;

		if (off < INT16_MIN || off > INT16_MAX)
			goto out_none;
		w.reg = ops[0].number == 7 ? LT_CFA_RSP : LT_CFA_RBP;
		w.off = off;
		goto out;
	}
	if (nops == 9 && ops[0].atom == DW_OP_breg7 && ops[1].atom == DW_OP_breg16 &&
	    ops[4].atom == DW_OP_lit11 && ops[8].atom == DW_OP_plus) {
		w.reg = LT_CFA_PLT;
		w.off = 8;
		goto out;
	}
out_none:
	w = none;
out:
	if (dwarf_frame_cfa(fr, &ops, &nops) == 0 && nops > 1 && w.reg != LT_CFA_PLT)
		w.cfa_expr = true;
	free(fr);
	return w;
}

static void check_sorted_merged(const struct lt_cfi_row *rows, size_t n)
{
	for (size_t i = 1; i < n; i++) {
		assert_true(rows[i - 1].pc < rows[i].pc);
		assert_false(rows[i - 1].cfa_reg == rows[i].cfa_reg &&
			     rows[i - 1].cfa_off == rows[i].cfa_off &&
			     rows[i - 1].rbp_off8 == rows[i].rbp_off8);
	}
	assert_int_equal(rows[n - 1].cfa_reg, LT_CFA_NONE);
}

static void test_libc_matches_libdw(void **state)
{
	struct libc_table *t = *state;
	unsigned seen[LT_CFA_END + 1] = { 0 }, rbp_saved = 0, big_rsp = 0, exprs = 0, checked = 0;
	__u64 lo = 0, hi = 0, plt_lo = 0, plt_hi = 0, x = 0x9e3779b97f4a7c15ull, *fdes = NULL;
	size_t nfdes;
	Dwarf_CFI *cfi;
	Elf_Scn *scn = NULL;
	size_t shstrndx;
	Elf *elf;
	int fd;

	assert_int_equal(exec_range(t->path, &lo, &hi), 0);
	assert_true(t->nrows > 1000);
	assert_true(t->nrows <= LT_CFI_MAX_ROWS);
	assert_int_equal(t->rows[0].pc, lo);
	check_sorted_merged(t->rows, t->nrows);

	fd = open(t->path, O_RDONLY);
	assert_true(fd >= 0);
	elf_version(EV_CURRENT);
	elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	assert_non_null(elf);
	cfi = dwarf_getcfi_elf(elf);
	assert_non_null(cfi);
	assert_int_equal(elf_getshdrstrndx(elf, &shstrndx), 0);
	while ((scn = elf_nextscn(elf, scn))) {
		GElf_Shdr sh;

		if (gelf_getshdr(scn, &sh) &&
		    !strcmp(elf_strptr(elf, shstrndx, sh.sh_name), ".plt")) {
			plt_lo = sh.sh_addr;
			plt_hi = sh.sh_addr + sh.sh_size;
		}
	}

	nfdes = eh_frame_hdr_starts(elf, shstrndx, &fdes);
	assert_true(nfdes > 1000);

	/* Evenly spread, pseudo-random, every byte of the lazy PLT stubs, the first and last byte
	 * of every row, then every FDE's first two bytes so that rare rules (signal trampoline,
	 * clone's child) are seen too. */
	for (size_t i = 0; i < 6000 + 2 * t->nrows + 2 * nfdes; i++) {
		__u64 pc;
		const struct lt_cfi_row *row;
		struct want w;

		if (i >= 6000 + 2 * t->nrows) {
			pc = fdes[(i - 6000 - 2 * t->nrows) / 2] + i % 2;
		} else if (i >= 6000) {
			size_t r = (i - 6000) / 2;

			if ((i - 6000) % 2 == 0)
				pc = t->rows[r].pc;
			else if (r + 1 < t->nrows)
				pc = t->rows[r + 1].pc - 1;
			else
				continue;
		} else if (i < 2000) {
			pc = lo + (hi - lo) * i / 2000;
		} else if (i < 5000) {
			x ^= x << 13, x ^= x >> 7, x ^= x << 17;
			pc = lo + x % (hi - lo);
		} else {
			if (plt_lo + (i - 5000) >= plt_hi)
				continue;
			pc = plt_lo + (i - 5000);
		}
		row = lt_cfi__lookup(t->rows, t->nrows, pc);
		assert_non_null(row);
		w = libdw_want(cfi, pc);
		if (row->cfa_reg != w.reg || row->cfa_off != w.off || row->rbp_off8 != w.rbp8)
			fail_msg("pc %#llx: row {%u, %d, %d} libdw {%d, %d, %d}",
				 (unsigned long long)pc, row->cfa_reg, row->cfa_off, row->rbp_off8,
				 w.reg, w.off, w.rbp8);
		seen[w.reg]++;
		rbp_saved += w.rbp8 != 0;
		big_rsp += w.reg == LT_CFA_RSP && w.off > 64;
		exprs += w.cfa_expr;
		checked++;
	}
	print_message("libc: %zu rows, %u addresses checked (none %u rsp %u rbp %u plt %u end %u, "
		      "cfa expressions %u)\n",
		      t->nrows, checked, seen[LT_CFA_NONE], seen[LT_CFA_RSP], seen[LT_CFA_RBP],
		      seen[LT_CFA_PLT], seen[LT_CFA_END], exprs);
	/* The sample must exercise every kind of row, or the comparison proves little. */
	assert_true(seen[LT_CFA_RSP] > 1000);
	assert_true(seen[LT_CFA_NONE] > 0);
	assert_true(seen[LT_CFA_RBP] > 0);
	assert_true(seen[LT_CFA_PLT] > 0);
	assert_true(seen[LT_CFA_END] > 0);
	assert_true(exprs > 0);
	assert_true(rbp_saved > 0);
	assert_true(big_rsp > 0);

	free(fdes);
	dwarf_cfi_end(cfi);
	elf_end(elf);
	close(fd);
}

static void test_libc_lookup_matches_linear_scan(void **state)
{
	struct libc_table *t = *state;
	__u64 x = 12345;

	assert_null(lt_cfi__lookup(t->rows, t->nrows, t->rows[0].pc - 1));
	for (int i = 0; i < 20000; i++) {
		__u64 pc;
		size_t j = t->nrows;

		x = x * 6364136223846793005ull + 1442695040888963407ull;
		pc = t->rows[0].pc + (x >> 33) % (t->rows[t->nrows - 1].pc - t->rows[0].pc + 64);
		while (j > 0 && t->rows[j - 1].pc > pc)
			j--;
		assert_ptr_equal(lt_cfi__lookup(t->rows, t->nrows, pc), &t->rows[j - 1]);
	}
}

/* The slice index finds the same row as the whole-table search, at every row edge and
 * between, with rows placed at an offset in the shared table as the loader places them. */
static void check_index_matches(const struct lt_cfi_row *rows, size_t n, size_t max_entries,
				__u32 first_row)
{
	__u32 shift = lt_cfi_index__shift(rows, n, max_entries);
	struct lt_cfi_slice *idx = calloc(max_entries, sizeof(*idx));
	size_t nidx, widest = 0;
	__u64 x = 99;

	assert_non_null(idx);
	nidx = lt_cfi_index__build(rows, n, shift, first_row, idx, max_entries);
	assert_true(nidx > 0 && nidx <= max_entries);
	/* the finest slices that fit: one step finer would not */
	assert_true(shift == LT_CFI_INDEX_MIN_SHIFT ||
		    ((rows[n - 1].pc - rows[0].pc) >> (shift - 1)) + 1 > max_entries);
	assert_int_equal(lt_cfi_index__build(rows, n, shift, first_row, idx, nidx - 1), 0);
	for (size_t k = 0; k < nidx; k++) {
		assert_true(idx[k].lo >= first_row && idx[k].lo <= idx[k].hi);
		assert_true(idx[k].hi < first_row + n);
		if (k + 1 < nidx)
			assert_int_equal(idx[k].hi, idx[k + 1].lo);
		if (idx[k].hi - idx[k].lo + 1 > widest)
			widest = idx[k].hi - idx[k].lo + 1;
	}
	assert_int_equal(idx[nidx - 1].hi, first_row + n - 1);
	print_message("%zu rows, %zu index entries of %u bytes, at most %zu rows a slice\n", n,
		      nidx, 1u << shift, widest);

	assert_null(lt_cfi_index__lookup(rows, n, idx, nidx, shift, first_row, rows[0].pc - 1));
	for (size_t i = 0; i < 3 * n + 20000; i++) {
		__u64 pc;

		if (i < 3 * n) {
			pc = rows[i / 3].pc + (__u64)(i % 3) - 1;
		} else {
			x = x * 6364136223846793005ull + 1442695040888963407ull;
			pc = rows[0].pc + (x >> 33) % (rows[n - 1].pc - rows[0].pc + 4096);
		}
		if (pc < rows[0].pc)
			continue;
		assert_ptr_equal(lt_cfi_index__lookup(rows, n, idx, nidx, shift, first_row, pc),
				 lt_cfi__lookup(rows, n, pc));
	}
	free(idx);
}

static void test_libc_index_matches_search(void **state)
{
	struct libc_table *t = *state;

	check_index_matches(t->rows, t->nrows, 16384, 0);
	/* a coarse index (many rows a slice), and one slice for the whole module */
	check_index_matches(t->rows, t->nrows, 64, 123456);
	check_index_matches(t->rows, t->nrows, 1, 7);
}

static void test_index_edges(void **state)
{
	const struct lt_cfi_row rows[] = {
		{ .pc = 0x1000, .cfa_reg = LT_CFA_NONE },
		{ .pc = 0x1010, .cfa_reg = LT_CFA_RSP, .cfa_off = 8 },
		{ .pc = 0x1011, .cfa_reg = LT_CFA_RSP, .cfa_off = 16 },
		{ .pc = 0x10c0, .cfa_reg = LT_CFA_RSP, .cfa_off = 8 },
		{ .pc = 0x1100, .cfa_reg = LT_CFA_NONE },
	};
	struct lt_cfi_slice idx[8];

	assert_int_equal(lt_cfi_index__shift(rows, 5, 1000), LT_CFI_INDEX_MIN_SHIFT);
	assert_int_equal(lt_cfi_index__shift(rows, 5, 2), 8);
	assert_int_equal(lt_cfi_index__shift(rows, 1, 1), LT_CFI_INDEX_MIN_SHIFT);
	assert_int_equal(lt_cfi_index__build(rows, 0, 6, 0, idx, 8), 0);
	/* no room left: no index (the walker then searches all rows) */
	assert_int_equal(lt_cfi_index__build(rows, 5, lt_cfi_index__shift(rows, 5, 0), 0, idx, 0),
			 0);
	/* slices of 64 bytes from 0x1000: 0x1000, 0x1040, 0x1080, 0x10c0, 0x1100 */
	assert_int_equal(lt_cfi_index__build(rows, 5, 6, 10, idx, 8), 5);
	assert_int_equal(idx[0].lo, 10);
	assert_int_equal(idx[0].hi, 12);
	assert_int_equal(idx[1].lo, 12);
	assert_int_equal(idx[2].lo, 12);
	assert_int_equal(idx[2].hi, 13);
	assert_int_equal(idx[3].lo, 13);
	assert_int_equal(idx[4].lo, 14);
	assert_int_equal(idx[4].hi, 14);
	assert_ptr_equal(lt_cfi_index__lookup(rows, 5, idx, 5, 6, 10, 0x1050), &rows[2]);
	assert_ptr_equal(lt_cfi_index__lookup(rows, 5, idx, 5, 6, 10, 0x10bf), &rows[2]);
	assert_ptr_equal(lt_cfi_index__lookup(rows, 5, idx, 5, 6, 10, 0x10c0), &rows[3]);
	assert_ptr_equal(lt_cfi_index__lookup(rows, 5, idx, 5, 6, 10, 0x7fffffff), &rows[4]);
	assert_null(lt_cfi_index__lookup(rows, 5, idx, 5, 6, 10, 0xfff));
	assert_null(lt_cfi_index__lookup(rows, 5, idx, 0, 6, 10, 0x1050));
}

static void test_malloc_entry(void **state)
{
	struct libc_table *t = *state;
	const struct lt_cfi_row *row;
	GElf_Sym sym;

	assert_int_equal(elf_symbol(t->path, SHT_DYNSYM, "malloc", &sym), 0);
	row = lt_cfi__lookup(t->rows, t->nrows, sym.st_value);
	assert_non_null(row);
	assert_int_equal(row->cfa_reg, LT_CFA_RSP);
	assert_int_equal(row->cfa_off, 8);
	assert_int_equal(row->rbp_off8, 0);
}

static volatile int fp_sink;

__attribute__((noinline)) static void fp_callee(int n)
{
	fp_sink += n;
}

__attribute__((noinline, optimize("no-omit-frame-pointer"))) int lt_test_cfi_fp_target(int n)
{
	int local[8];

	for (int i = 0; i < 8; i++)
		local[i] = n + i + fp_sink;
	fp_callee(local[n & 7]);
	return local[(n + 1) & 7];
}

static int main_bias(struct dl_phdr_info *info, size_t size, void *arg)
{
	*(__u64 *)arg = info->dlpi_addr;
	return 1; /* the first entry is the main program */
}

static void test_frame_pointer_function(void **state)
{
	struct lt_cfi_row *rows = NULL;
	const struct lt_cfi_row *row;
	size_t nrows = 0;
	__u64 bias = 0;
	GElf_Sym sym;
	bool found = false;

	assert_int_equal(elf_symbol("/proc/self/exe", SHT_SYMTAB, "lt_test_cfi_fp_target", &sym),
			 0);
	dl_iterate_phdr(main_bias, &bias);
	assert_int_equal(sym.st_value + bias, (__u64)(uintptr_t)lt_test_cfi_fp_target);
	assert_true(sym.st_size > 4);

	assert_int_equal(lt_cfi__build("/proc/self/exe", &rows, &nrows), 0);
	check_sorted_merged(rows, nrows);

	row = lt_cfi__lookup(rows, nrows, sym.st_value);
	assert_non_null(row);
	assert_int_equal(row->cfa_reg, LT_CFA_RSP);
	assert_int_equal(row->cfa_off, 8);
	assert_int_equal(row->rbp_off8, 0);

	for (__u64 pc = sym.st_value + 1; pc < sym.st_value + sym.st_size; pc++) {
		row = lt_cfi__lookup(rows, nrows, pc);
		assert_non_null(row);
		if (row->cfa_reg == LT_CFA_RBP && row->cfa_off == 16 && row->rbp_off8 == -2)
			found = true;
	}
	assert_true(found);
	fp_sink += lt_test_cfi_fp_target(3);
	free(rows);
}

static void test_lookup_edges(void **state)
{
	const struct lt_cfi_row rows[] = {
		{ .pc = 0x1000, .cfa_reg = LT_CFA_NONE },
		{ .pc = 0x1010, .cfa_reg = LT_CFA_RSP, .cfa_off = 8 },
		{ .pc = 0x1011, .cfa_reg = LT_CFA_RSP, .cfa_off = 16, .rbp_off8 = -2 },
		{ .pc = 0x1020, .cfa_reg = LT_CFA_NONE },
	};

	assert_null(lt_cfi__lookup(rows, 0, 0x1000));
	assert_null(lt_cfi__lookup(rows, 4, 0xfff));
	assert_ptr_equal(lt_cfi__lookup(rows, 4, 0x1000), &rows[0]);
	assert_ptr_equal(lt_cfi__lookup(rows, 4, 0x100f), &rows[0]);
	assert_ptr_equal(lt_cfi__lookup(rows, 4, 0x1010), &rows[1]);
	assert_ptr_equal(lt_cfi__lookup(rows, 4, 0x1011), &rows[2]);
	assert_ptr_equal(lt_cfi__lookup(rows, 4, 0x101f), &rows[2]);
	assert_ptr_equal(lt_cfi__lookup(rows, 4, 0x1020), &rows[3]);
	assert_ptr_equal(lt_cfi__lookup(rows, 4, 0x7fffffff), &rows[3]);
	assert_ptr_equal(lt_cfi__lookup(rows, 1, 0x2000), &rows[0]);
}

static void test_errors(void **state)
{
	char path[] = "/tmp/lt_test_cfi_XXXXXX";
	struct lt_cfi_row *rows = (void *)1;
	size_t nrows = 1;
	int fd;

	assert_int_equal(lt_cfi__build("/nonexistent/libnothing.so", &rows, &nrows), -ENOENT);
	assert_null(rows);
	assert_int_equal(nrows, 0);

	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "not an ELF file\n", 16), 16);
	close(fd);
	assert_int_equal(lt_cfi__build(path, &rows, &nrows), -ENOEXEC);
	assert_null(rows);
	unlink(path);

	assert_int_equal(lt_cfi__build("/tmp", &rows, &nrows), -ENOEXEC);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_libc_matches_libdw),
		cmocka_unit_test(test_libc_lookup_matches_linear_scan),
		cmocka_unit_test(test_libc_index_matches_search),
		cmocka_unit_test(test_index_edges),
		cmocka_unit_test(test_malloc_entry),
		cmocka_unit_test(test_frame_pointer_function),
		cmocka_unit_test(test_lookup_edges),
		cmocka_unit_test(test_errors),
	};

	return cmocka_run_group_tests(tests, setup_libc, teardown_libc);
}

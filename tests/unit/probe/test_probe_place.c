// SPDX-License-Identifier: GPL-2.0
/* Unit tests for probe placement: the machine's real libc, hand-written prologues in this
 * test binary (.symtab), and the kernel's emulated-instruction rules on raw bytes. */
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <capstone/capstone.h>
#include <cmocka.h>

#include "fixtures/libc.h"

#include "probe_place.h"

#define SELF "/proc/self/exe"

/* Prologues with known shapes. .size matters: without it only the entry is eligible. */
__asm__(".text\n"
	/* endbr64; NULL test; push: the push, past the landing pad and the NULL exit */
	".globl lt_pp_endbr\n.type lt_pp_endbr,@function\nlt_pp_endbr:\n"
	"endbr64\n test %rdi,%rdi\n je 1f\n push %rbp\n pop %rbp\n1: ret\n"
	".size lt_pp_endbr, .-lt_pp_endbr\n"
	/* the stack frame grows before the first emulated instruction */
	".globl lt_pp_subrsp\n.type lt_pp_subrsp,@function\nlt_pp_subrsp:\n"
	"endbr64\n sub $0x18,%rsp\n push %rbx\n pop %rbx\n add $0x18,%rsp\n ret\n"
	".size lt_pp_subrsp, .-lt_pp_subrsp\n"
	/* %rdi is overwritten before the push: stay at the entry */
	".globl lt_pp_clobber\n.type lt_pp_clobber,@function\nlt_pp_clobber:\n"
	"mov %rsi,%rdi\n push %rbx\n pop %rbx\n ret\n"
	".size lt_pp_clobber, .-lt_pp_clobber\n"
	/* a loop comes back to the push: the push can be reached without the entry */
	".globl lt_pp_reentry\n.type lt_pp_reentry,@function\nlt_pp_reentry:\n"
	"test %rdi,%rdi\n je 2f\n1: push %rbp\n pop %rbp\n dec %rsi\n jnz 1b\n2: ret\n"
	".size lt_pp_reentry, .-lt_pp_reentry\n"
	/* a second entry point at the push */
	".globl lt_pp_alias\n.type lt_pp_alias,@function\nlt_pp_alias:\n"
	"test %rdi,%rdi\n je 2f\n"
	".globl lt_pp_alias_inner\n.type lt_pp_alias_inner,@function\nlt_pp_alias_inner:\n"
	"push %rbp\n pop %rbp\n2: ret\n"
	".size lt_pp_alias_inner, .-lt_pp_alias_inner\n"
	".size lt_pp_alias, .-lt_pp_alias\n"
	/* cmp $0 as the NULL test, then push %r12 */
	".globl lt_pp_cmp0\n.type lt_pp_cmp0,@function\nlt_pp_cmp0:\n"
	"cmp $0,%rdi\n je 1f\n push %r12\n pop %r12\n1: ret\n"
	".size lt_pp_cmp0, .-lt_pp_cmp0\n"
	/* a store through %rsp (over the return address's neighbourhood) stops the walk */
	".globl lt_pp_stackmem\n.type lt_pp_stackmem,@function\nlt_pp_stackmem:\n"
	"test %rdi,%rdi\n je 1f\n mov %rax,-8(%rsp)\n push %rbp\n pop %rbp\n1: ret\n"
	".size lt_pp_stackmem, .-lt_pp_stackmem\n"
	/* the exit is taken for non-NULL: cannot be stepped over, but it is emulated */
	".globl lt_pp_jne\n.type lt_pp_jne,@function\nlt_pp_jne:\n"
	"test %rdi,%rdi\n jne 1f\n ret\n1: push %rbp\n pop %rbp\n ret\n"
	".size lt_pp_jne, .-lt_pp_jne\n"
	/* a push the kernel single-steps (immediate) is stepped over and counted */
	".globl lt_pp_pushimm\n.type lt_pp_pushimm,@function\nlt_pp_pushimm:\n"
	"pushq $0\n push %rbx\n pop %rbx\n pop %rax\n ret\n"
	".size lt_pp_pushimm, .-lt_pp_pushimm\n"
	/* nothing emulated before a call: the entry */
	".globl lt_pp_call_first\n.type lt_pp_call_first,@function\nlt_pp_call_first:\n"
	"mov %rdi,%rax\n call *%rax\n push %rbp\n pop %rbp\n ret\n"
	".size lt_pp_call_first, .-lt_pp_call_first\n"
	/* ENTRY_ARGS: jemalloc's malloc shape, the size compared, then a jcc (emulated) */
	".globl lt_pp_args\n.type lt_pp_args,@function\nlt_pp_args:\n"
	"endbr64\n cmp $0x1000,%rdi\n ja 1f\n push %rbx\n pop %rbx\n1: ret\n"
	".size lt_pp_args, .-lt_pp_args\n"
	/* ENTRY_ARGS: the third argument is overwritten first: the entry */
	".globl lt_pp_args_rdx\n.type lt_pp_args_rdx,@function\nlt_pp_args_rdx:\n"
	"mov $1,%edx\n push %rbx\n pop %rbx\n ret\n"
	".size lt_pp_args_rdx, .-lt_pp_args_rdx\n"
	/* ENTRY_ARGS: a scratch register written, then a push: the push */
	".globl lt_pp_args_rax\n.type lt_pp_args_rax,@function\nlt_pp_args_rax:\n"
	"mov $1,%eax\n push %rbx\n pop %rbx\n ret\n"
	".size lt_pp_args_rax, .-lt_pp_args_rax\n");

static void lt_pp_impl(void)
{
}

static void (*lt_pp_resolve(void))(void)
{
	return lt_pp_impl;
}

void lt_pp_ifunc(void) __attribute__((ifunc("lt_pp_resolve")));

struct decoded {
	csh cs;
	cs_insn *insn;
	size_t n;
};

/* The file bytes at off, independent of the module under test. */
static void read_at(const char *path, __u64 off, __u8 *buf, size_t len)
{
	int fd = open(path, O_RDONLY);

	assert_true(fd >= 0);
	assert_int_equal(pread(fd, buf, len, off), (ssize_t)len);
	close(fd);
}

/* What readelf -l implies: the offset of vaddr through the PT_LOAD that holds it. */
static __u64 phdr_offset(const char *path, __u64 vaddr)
{
	GElf_Phdr ph;
	size_t i, n;
	__u64 off = UINT64_MAX;
	Elf *elf;
	int fd;

	assert_int_not_equal(elf_version(EV_CURRENT), EV_NONE);
	fd = open(path, O_RDONLY);
	assert_true(fd >= 0);
	elf = elf_begin(fd, ELF_C_READ, NULL);
	assert_non_null(elf);
	assert_int_equal(elf_getphdrnum(elf, &n), 0);
	for (i = 0; i < n; i++) {
		assert_non_null(gelf_getphdr(elf, i, &ph));
		if (ph.p_type == PT_LOAD && vaddr >= ph.p_vaddr && vaddr < ph.p_vaddr + ph.p_filesz)
			off = vaddr - ph.p_vaddr + ph.p_offset;
	}
	elf_end(elf);
	close(fd);
	assert_true(off != UINT64_MAX);
	return off;
}

/* Decode [sym, site] from the file: the instructions the probe was moved past, then the
 * probed one. */
static void decode_prefix(const char *path, const struct lt_probe_site *s, struct decoded *d)
{
	__u8 buf[256];
	size_t len = s->vaddr - s->sym_vaddr + 16;

	assert_true(len <= sizeof(buf));
	read_at(path, s->file_offset - (s->vaddr - s->sym_vaddr), buf, len);
	assert_int_equal(cs_open(CS_ARCH_X86, CS_MODE_64, &d->cs), CS_ERR_OK);
	cs_option(d->cs, CS_OPT_DETAIL, CS_OPT_ON);
	d->n = cs_disasm(d->cs, buf, len, s->sym_vaddr, 0, &d->insn);
	assert_true(d->n > 0);
}

static void decoded_free(struct decoded *d)
{
	cs_free(d->insn, d->n);
	cs_close(&d->cs);
}

static void find_ok(const char *path, const char *sym, enum lt_place_mode mode,
		    struct lt_probe_site *s)
{
	int err = lt_probe_place__find(path, sym, mode, s);

	if (err)
		fail_msg("%s in %s: %d", sym, path, err);
	assert_int_equal(s->file_offset, phdr_offset(path, s->vaddr));
}

static void test_libc_free_arg0(void **state)
{
	struct lt_probe_site s;
	struct decoded d;
	size_t i;

	find_ok(fixture_libc(), "free", LT_PLACE_ARG0_NONNULL, &s);
	assert_true(s.vaddr > s.sym_vaddr);
	assert_true(s.emulated);
	assert_int_equal(s.sp_adjust, 0);
	assert_string_equal(s.insn, "pushq %rbp");

	decode_prefix(fixture_libc(), &s, &d);
	for (i = 0; i < d.n && d.insn[i].address < s.vaddr; i++) {
		unsigned id = d.insn[i].id;

		assert_true(id == X86_INS_TEST || id == X86_INS_JE);
		if (id == X86_INS_TEST) /* test %rdi,%rdi */
			assert_int_equal(d.insn[i].detail->x86.operands[0].reg, X86_REG_RDI);
	}
	assert_true(i < d.n);
	assert_int_equal(d.insn[i].address, s.vaddr);
	assert_int_equal(d.insn[i].id, X86_INS_PUSH);
	assert_true(lt_probe_place__is_emulated(d.insn[i].bytes, d.insn[i].size));
	decoded_free(&d);

	/* the entry itself is the single-stepped test */
	find_ok(fixture_libc(), "free", LT_PLACE_ENTRY, &s);
	assert_int_equal(s.vaddr, s.sym_vaddr);
	assert_false(s.emulated);
}

static void test_libc_malloc_entry(void **state)
{
	struct lt_probe_site s;
	__u8 b[2];

	find_ok(fixture_libc(), "malloc", LT_PLACE_ENTRY, &s);
	assert_int_equal(s.vaddr, s.sym_vaddr);
	assert_int_equal(s.sp_adjust, 0);
	assert_true(s.emulated);
	read_at(fixture_libc(), s.file_offset, b, sizeof(b));
	assert_int_equal(b[0], 0x41); /* push %r12 */
	assert_int_equal(b[1], 0x54);
	assert_string_equal(s.insn, "pushq %r12");
}

static void test_libc_posix_memalign_entry(void **state)
{
	struct lt_probe_site s;
	__u8 b[2];

	find_ok(fixture_libc(), "posix_memalign", LT_PLACE_ENTRY, &s);
	assert_int_equal(s.vaddr, s.sym_vaddr);
	assert_false(s.emulated);
	read_at(fixture_libc(), s.file_offset, b, sizeof(b));
	assert_int_equal(b[0], 0x80); /* cmpb $0,disp(%rip) */
	assert_int_equal(b[1], 0x3d);
}

static void test_missing(void **state)
{
	struct lt_probe_site s;

	assert_int_equal(
		lt_probe_place__find(fixture_libc(), "lt_no_such_function", LT_PLACE_ENTRY, &s),
		-ENOENT);
	/* a prefix is not a base name */
	assert_int_equal(lt_probe_place__find(fixture_libc(), "mallo", LT_PLACE_ENTRY, &s),
			 -ENOENT);
	assert_int_equal(lt_probe_place__find("/nonexistent/lib.so", "free", LT_PLACE_ENTRY, &s),
			 -ENOENT);
	assert_int_equal(lt_probe_place__find(fixture_libc(), "free", (enum lt_place_mode)7, &s),
			 -EINVAL);
	/* an IFUNC's address is its resolver: refused rather than probed */
	assert_int_equal(lt_probe_place__find(SELF, "lt_pp_ifunc", LT_PLACE_ENTRY, &s),
			 -EOPNOTSUPP);
}

/* A PT_LOAD whose offset differs from its address (node is linked at 0x400000). */
static void test_offset_differs_from_vaddr(void **state)
{
	struct lt_probe_site s;

	if (access("/usr/bin/node", R_OK))
		skip();
	find_ok("/usr/bin/node", "uv_run", LT_PLACE_ENTRY, &s);
	assert_true(s.file_offset != s.vaddr);
}

static void expect_site_mode(const char *sym, enum lt_place_mode mode, __u64 delta, __u32 sp_adjust,
			     bool emulated)
{
	struct lt_probe_site s;

	find_ok(SELF, sym, mode, &s);
	if (s.vaddr - s.sym_vaddr != delta || s.sp_adjust != sp_adjust || s.emulated != emulated)
		fail_msg("%s: site +%llu sp %u emulated %d (%s); want +%llu sp %u emulated %d", sym,
			 s.vaddr - s.sym_vaddr, s.sp_adjust, s.emulated, s.insn,
			 (unsigned long long)delta, sp_adjust, emulated);
}

static void expect_site(const char *sym, __u64 delta, __u32 sp_adjust, bool emulated)
{
	expect_site_mode(sym, LT_PLACE_ARG0_NONNULL, delta, sp_adjust, emulated);
}

/* Entry + return probes: never past a push or an %rsp change (the return address must
 * stay at [%rsp]) nor a write to %rdi, %rsi, %rdx; the NULL exit's je is a site too. */
static void test_handwritten_entry_args(void **state)
{
	struct lt_probe_site s;

	expect_site_mode("lt_pp_args", LT_PLACE_ENTRY_ARGS, 4 + 7, 0, true);
	expect_site_mode("lt_pp_args_rdx", LT_PLACE_ENTRY_ARGS, 0, 0, false);
	expect_site_mode("lt_pp_args_rax", LT_PLACE_ENTRY_ARGS, 5, 0, true);
	expect_site_mode("lt_pp_endbr", LT_PLACE_ENTRY_ARGS, 4 + 3, 0, true);
	expect_site_mode("lt_pp_subrsp", LT_PLACE_ENTRY_ARGS, 0, 0, false);
	expect_site_mode("lt_pp_pushimm", LT_PLACE_ENTRY_ARGS, 0, 0, false);
	expect_site_mode("lt_pp_clobber", LT_PLACE_ENTRY_ARGS, 0, 0, false);
	/* glibc's malloc starts with push %r12: the entry */
	find_ok(fixture_libc(), "malloc", LT_PLACE_ENTRY_ARGS, &s);
	assert_int_equal(s.vaddr, s.sym_vaddr);
	assert_true(s.emulated);
}

static void test_handwritten_prologues(void **state)
{
	expect_site("lt_pp_endbr", 4 + 3 + 2, 0, true);
	expect_site("lt_pp_subrsp", 4 + 4, 0x18, true);
	expect_site("lt_pp_clobber", 0, 0, false);
	/* past the push is unsafe: the NULL exit itself is the best emulated site */
	expect_site("lt_pp_reentry", 3, 0, true);
	expect_site("lt_pp_alias", 3, 0, true);
	expect_site("lt_pp_cmp0", 4 + 2, 0, true);
	expect_site("lt_pp_stackmem", 3, 0, true);
	expect_site("lt_pp_jne", 3, 0, true);
	expect_site("lt_pp_pushimm", 2, 8, true);
	expect_site("lt_pp_call_first", 0, 0, false);
}

static void test_is_emulated_bytes(void **state)
{
	static const struct {
		__u8 b[8];
		size_t len;
		bool want;
	} cases[] = {
		{ { 0x55 }, 1, true },				/* push %rbp */
		{ { 0x41, 0x54 }, 2, true },			/* push %r12 */
		{ { 0x53 }, 1, true },				/* push %rbx */
		{ { 0xe8, 0x10, 0x20, 0x30, 0x40 }, 5, true },	/* call rel32 */
		{ { 0xe9, 0x10, 0x20, 0x30, 0x40 }, 5, true },	/* jmp rel32 */
		{ { 0xeb, 0x10 }, 2, true },			/* jmp rel8 */
		{ { 0x74, 0x10 }, 2, true },			/* je rel8 */
		{ { 0x0f, 0x84, 1, 2, 3, 4 }, 6, true },	/* je rel32 */
		{ { 0x90 }, 1, true },				/* nop */
		{ { 0x0f, 0x1f, 0x44, 0x00, 0x00 }, 5, true },	/* nopl 0(%rax,%rax) */
		{ { 0x48, 0x85, 0xff }, 3, false },		/* test %rdi,%rdi */
		{ { 0x80, 0x3d, 1, 2, 3, 4, 0x00 }, 7, false }, /* cmpb $0,x(%rip) */
		{ { 0x48, 0x89, 0xe5 }, 3, false },		/* mov %rsp,%rbp */
		{ { 0xf3, 0x0f, 0x1e, 0xfa }, 4, false },	/* endbr64 */
		{ { 0x48, 0x55 }, 2, false },			/* rex.W push: only 41 */
		{ { 0x66, 0xe9, 1, 2 }, 4, false },		/* jmpw: kernel refuses */
		{ { 0xf3, 0x90 }, 2, false },			/* pause */
		{ { 0x41, 0x90 }, 2, false },			/* xchg %r8,%rax */
		{ { 0xff, 0xd0 }, 2, false },			/* call *%rax */
		{ { 0xc3 }, 1, false },				/* ret */
		{ { 0xe8, 0x10, 0x20 }, 3, false },		/* truncated call */
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (lt_probe_place__is_emulated(cases[i].b, cases[i].len) != cases[i].want)
			fail_msg("case %zu (first byte %02x): want %d", i, cases[i].b[0],
				 cases[i].want);
	}
	assert_false(lt_probe_place__is_emulated(NULL, 0));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_libc_free_arg0),
		cmocka_unit_test(test_libc_malloc_entry),
		cmocka_unit_test(test_libc_posix_memalign_entry),
		cmocka_unit_test(test_missing),
		cmocka_unit_test(test_offset_differs_from_vaddr),
		cmocka_unit_test(test_handwritten_prologues),
		cmocka_unit_test(test_handwritten_entry_args),
		cmocka_unit_test(test_is_emulated_bytes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

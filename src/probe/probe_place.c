// SPDX-License-Identifier: GPL-2.0
/* Probe placement: resolve a function in an ELF file and choose the instruction to probe,
 * preferring one the x86-64 kernel emulates (cheap) over one it single-steps (costly). */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <capstone/capstone.h>

#include "elf_symbols.h"
#include "probe_place.h"

/* How far past the entry the ARG0 walk may look. Prologues are short; a long walk only
 * adds ways to be wrong. */
#define WALK_MAX_INSNS 16
/* Functions larger than this are not scanned for branch targets, so they keep their
 * entry probe: capstone's iterator is cheap, but a huge scan at startup is not. */
#define SCAN_MAX_BYTES (256 * 1024)
/* Functions without an ELF size: read this much to decode the entry instruction. */
#define ENTRY_READ_BYTES 16
/* A "sub $imm,%rsp" larger than this is not a prologue we understand. */
#define SP_ADJUST_MAX (1u << 20)

static bool is_reg_family(x86_reg r, x86_reg r64, x86_reg r32, x86_reg r16, x86_reg r8)
{
	return r == r64 || r == r32 || r == r16 || r == r8;
}

static bool is_rdi(x86_reg r)
{
	return is_reg_family(r, X86_REG_RDI, X86_REG_EDI, X86_REG_DI, X86_REG_DIL);
}

static bool is_rsp(x86_reg r)
{
	return is_reg_family(r, X86_REG_RSP, X86_REG_ESP, X86_REG_SP, X86_REG_SPL);
}

/* The first three arguments, or the stack pointer: what an entry + return probe needs. */
static bool is_arg3_or_rsp(x86_reg r)
{
	return is_rdi(r) || is_rsp(r) ||
	       is_reg_family(r, X86_REG_RSI, X86_REG_ESI, X86_REG_SI, X86_REG_SIL) ||
	       is_reg_family(r, X86_REG_RDX, X86_REG_EDX, X86_REG_DX, X86_REG_DL);
}

static bool writes_reg(csh cs, const cs_insn *insn, bool (*match)(x86_reg))
{
	cs_regs rd, wr;
	uint8_t nrd, nwr, i;

	/* If capstone cannot tell, assume the worst. */
	if (cs_regs_access(cs, insn, rd, &nrd, wr, &nwr) != CS_ERR_OK)
		return true;
	for (i = 0; i < nwr; i++) {
		if (match(wr[i]))
			return true;
	}
	return false;
}

static bool in_group(const cs_insn *insn, uint8_t group)
{
	uint8_t i;

	for (i = 0; i < insn->detail->groups_count; i++) {
		if (insn->detail->groups[i] == group)
			return true;
	}
	return false;
}

static bool changes_flow(const cs_insn *insn)
{
	switch (insn->id) {
	case X86_INS_SYSCALL:
	case X86_INS_SYSENTER:
	case X86_INS_UD2:
	case X86_INS_HLT:
	case X86_INS_INT3:
		return true;
	}
	return in_group(insn, X86_GRP_JUMP) || in_group(insn, X86_GRP_CALL) ||
	       in_group(insn, X86_GRP_RET) || in_group(insn, X86_GRP_INT) ||
	       in_group(insn, X86_GRP_IRET) || in_group(insn, X86_GRP_PRIVILEGE);
}

/* A code address the instruction names: a direct branch or call target, or a
 * rip-relative operand (a jump table or an address-taken label). 0 if none. */
static __u64 named_code_addr(const cs_insn *insn)
{
	const cs_x86 *x = &insn->detail->x86;
	uint8_t i;

	for (i = 0; i < x->op_count; i++) {
		const cs_x86_op *op = &x->operands[i];

		if (op->type == X86_OP_IMM && changes_flow(insn))
			return op->imm;
		if (op->type == X86_OP_MEM && op->mem.base == X86_REG_RIP)
			return insn->address + insn->size + op->mem.disp;
	}
	return 0;
}

/* Returns the lowest address past the entry that some instruction of the function can
 * reach without coming through the entry (a branch target, or the function's end), or
 * 0 when the function cannot be decoded in full (then nothing past the entry is safe). */
static __u64 reentry_limit(csh cs, const __u8 *code, size_t size, __u64 entry)
{
	const __u8 *p = code;
	size_t left = size;
	uint64_t addr = entry;
	__u64 limit = entry + size;
	cs_insn *insn = cs_malloc(cs);

	if (!insn)
		return 0;
	while (left && cs_disasm_iter(cs, &p, &left, &addr, insn)) {
		__u64 t = named_code_addr(insn);

		if (t > entry && t < limit)
			limit = t;
	}
	cs_free(insn, 1);
	/* Linear decoding stopped early: data in text or an encoding capstone lacks. */
	if (left)
		return 0;
	return limit;
}

static bool is_null_test(const cs_insn *insn)
{
	const cs_x86 *x = &insn->detail->x86;

	if (x->op_count != 2 || x->operands[0].type != X86_OP_REG ||
	    x->operands[0].reg != X86_REG_RDI)
		return false;
	if (insn->id == X86_INS_TEST)
		return x->operands[1].type == X86_OP_REG && x->operands[1].reg == X86_REG_RDI;
	if (insn->id == X86_INS_CMP)
		return x->operands[1].type == X86_OP_IMM && x->operands[1].imm == 0;
	return false;
}

static bool touches_stack_memory(const cs_insn *insn)
{
	const cs_x86 *x = &insn->detail->x86;
	uint8_t i;

	if (insn->id == X86_INS_LEA)
		return false;
	for (i = 0; i < x->op_count; i++) {
		const cs_x86_op *op = &x->operands[i];

		if (op->type == X86_OP_MEM && (is_rsp(op->mem.base) || is_rsp(op->mem.index)))
			return true;
	}
	return false;
}

/* How much an instruction we may step over moves %rsp down: push and "sub $imm,%rsp".
 * Returns -1 when it writes %rsp any other way (then the return address is lost). */
static long sp_delta(csh cs, const cs_insn *insn)
{
	const cs_x86 *x = &insn->detail->x86;

	if (insn->id == X86_INS_PUSH)
		return x->prefix[2] ? -1 : 8; /* a 16-bit push (66 prefix) is not a prologue */
	if (insn->id == X86_INS_SUB && x->op_count == 2 && x->operands[0].type == X86_OP_REG &&
	    x->operands[0].reg == X86_REG_RSP && x->operands[1].type == X86_OP_IMM) {
		if (x->operands[1].imm < 0 || x->operands[1].imm > SP_ADJUST_MAX)
			return -1;
		return x->operands[1].imm;
	}
	return writes_reg(cs, insn, is_rsp) ? -1 : 0;
}

struct walk {
	__u64 site; /* chosen instruction, 0 while none */
	__u32 sp_adjust;
	__u64 null_exit; /* the emulated je of the NULL test, if passed */
	__u32 null_exit_sp;
};

/* Whether the ARG0 walk may step over insn; updates the stack depth. */
static bool may_step_over(csh cs, const cs_insn *insn, const cs_insn *prev, __u32 *sp)
{
	long d;

	if (insn->id == X86_INS_ENDBR64)
		return true;
	if (insn->id == X86_INS_JE)
		/* Only the exit taken for NULL, which needs no probe; the fall-through
		 * path is every non-NULL call. */
		return prev && is_null_test(prev) && named_code_addr(insn) > insn->address;
	if (changes_flow(insn) || insn->detail->x86.prefix[0])
		return false; /* rep/repne string ops write %rdi implicitly; lock is odd */
	if (writes_reg(cs, insn, is_rdi))
		return false;
	if (insn->id != X86_INS_PUSH && touches_stack_memory(insn))
		return false;
	d = sp_delta(cs, insn);
	if (d < 0 || *sp + d > SP_ADJUST_MAX)
		return false;
	*sp += d;
	return true;
}

/* Whether the ENTRY_ARGS walk may step over insn: the arguments, %rsp and the return
 * address at [%rsp] stay as they were at the entry, and the next instruction follows. */
static bool keeps_entry_state(csh cs, const cs_insn *insn)
{
	if (insn->id == X86_INS_ENDBR64)
		return true;
	if (changes_flow(insn) || insn->detail->x86.prefix[0] || insn->id == X86_INS_PUSH)
		return false;
	return !writes_reg(cs, insn, is_arg3_or_rsp) && !touches_stack_memory(insn);
}

/* Walk from the entry over instructions that keep %rdi and reach the next one on every
 * non-NULL path (ENTRY_ARGS: that keep the entry's state, on every path); stop at the
 * first the kernel emulates. Sites at or past limit could be entered without the entry,
 * so they are not considered. */
static void walk_arg0(csh cs, const __u8 *code, size_t size, __u64 entry, __u64 limit,
		      enum lt_place_mode mode, struct walk *w)
{
	const __u8 *p = code;
	size_t left = size;
	uint64_t addr = entry;
	cs_insn *insn = cs_malloc(cs), *prev = cs_malloc(cs), *tmp;
	__u32 sp = 0;
	int i;

	if (!insn || !prev)
		goto cleanup;
	for (i = 0; i < WALK_MAX_INSNS && left; i++) {
		__u64 at = addr;

		if (at >= limit || !cs_disasm_iter(cs, &p, &left, &addr, insn))
			break;
		if (lt_probe_place__is_emulated(insn->bytes, insn->size)) {
			if (mode == LT_PLACE_ENTRY_ARGS || insn->id != X86_INS_JE || !i ||
			    !is_null_test(prev)) {
				w->site = at;
				w->sp_adjust = sp;
				break;
			}
			/* Keep the NULL exit itself only as a fallback: a site past it
			 * also spares free(NULL) the trap. */
			w->null_exit = at;
			w->null_exit_sp = sp;
		}
		if (mode == LT_PLACE_ENTRY_ARGS ? !keeps_entry_state(cs, insn)
						: !may_step_over(cs, insn, i ? prev : NULL, &sp))
			break;
		tmp = prev;
		prev = insn;
		insn = tmp;
	}
cleanup:
	if (insn)
		cs_free(insn, 1);
	if (prev)
		cs_free(prev, 1);
}

static void describe(csh cs, const __u8 *code, size_t size, __u64 vaddr, char *buf, size_t len)
{
	cs_insn *insn = NULL;

	cs_option(cs, CS_OPT_SYNTAX, CS_OPT_SYNTAX_ATT);
	if (cs_disasm(cs, code, size, vaddr, 1, &insn) != 1) {
		snprintf(buf, len, "(bad)");
		return;
	}
	/* A long AVX operand list may not fit: a truncated description is fine for -v. */
	if (snprintf(buf, len, "%s%s%s", insn->mnemonic, insn->op_str[0] ? " " : "",
		     insn->op_str) >= (int)len)
		buf[len - 1] = '\0';
	cs_free(insn, 1);
}

static int place(csh cs, struct lt_elf *elf, const __u8 *code, size_t size, bool sized,
		 const struct lt_elf_sym *fn, enum lt_place_mode mode, struct lt_probe_site *out)
{
	struct walk w = {};
	__u64 limit;

	out->vaddr = fn->vaddr;
	out->sp_adjust = 0;
	if ((mode == LT_PLACE_ARG0_NONNULL || mode == LT_PLACE_ENTRY_ARGS) && sized) {
		limit = reentry_limit(cs, code, size, fn->vaddr);
		if (limit)
			limit = lt_elf__next_symbol(elf, fn->vaddr, limit);
		if (limit)
			walk_arg0(cs, code, size, fn->vaddr, limit, mode, &w);
		if (!w.site && w.null_exit) {
			w.site = w.null_exit;
			w.sp_adjust = w.null_exit_sp;
		}
		if (w.site) {
			out->vaddr = w.site;
			out->sp_adjust = w.sp_adjust;
		}
	} else if (mode != LT_PLACE_ENTRY && mode != LT_PLACE_ARG0_NONNULL &&
		   mode != LT_PLACE_ENTRY_ARGS) {
		return -EINVAL;
	}
	code += out->vaddr - fn->vaddr;
	size -= out->vaddr - fn->vaddr;
	out->emulated = lt_probe_place__is_emulated(code, size);
	describe(cs, code, size, out->vaddr, out->insn, sizeof(out->insn));
	return 0;
}

int lt_probe_place__find(const char *path, const char *symbol, enum lt_place_mode mode,
			 struct lt_probe_site *out)
{
	struct lt_elf_sym fn = {};
	__u64 off, avail, size;
	struct lt_elf *elf;
	__u8 *code = NULL;
	csh cs = 0;
	bool sized;
	int err;

	if (!path || !symbol || !*symbol || !out)
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	elf = lt_elf__open(path);
	if (!elf)
		return -errno;
	err = lt_elf__find_func(elf, symbol, &fn);
	if (err)
		goto cleanup;
	err = lt_elf__exec_offset(elf, fn.vaddr, &off, &avail);
	if (err)
		goto cleanup;

	sized = fn.size && fn.size <= SCAN_MAX_BYTES && fn.size <= avail;
	size = sized ? fn.size : (avail < ENTRY_READ_BYTES ? avail : ENTRY_READ_BYTES);
	code = malloc(size);
	if (!code) {
		err = -ENOMEM;
		goto cleanup;
	}
	if (pread(lt_elf__fd(elf), code, size, off) != (ssize_t)size) {
		err = -EIO;
		goto cleanup;
	}
	if (cs_open(CS_ARCH_X86, CS_MODE_64, &cs) != CS_ERR_OK) {
		err = -ENOMEM;
		cs = 0;
		goto cleanup;
	}
	/* Analysis reads operands in Intel order (destination first); only the text for
	 * the user switches to AT&T, in describe(). */
	cs_option(cs, CS_OPT_DETAIL, CS_OPT_ON);

	err = place(cs, elf, code, size, sized, &fn, mode, out);
	if (err)
		goto cleanup;
	out->sym_vaddr = fn.vaddr;
	out->file_offset = off + (out->vaddr - fn.vaddr);
cleanup:
	if (cs)
		cs_close(&cs);
	free(code);
	lt_elf__close(elf);
	return err;
}

/* The NOPs the 6.18 kernel compares against (x86_nops[len] for 64-bit, the P6 forms)
 * before treating an instruction as a jump with offset 0. */
static const __u8 kernel_nops[][8] = {
	[1] = { 0x90 },
	[2] = { 0x66, 0x90 },
	[3] = { 0x0f, 0x1f, 0x00 },
	[4] = { 0x0f, 0x1f, 0x40, 0x00 },
	[5] = { 0x0f, 0x1f, 0x44, 0x00, 0x00 },
	[6] = { 0x66, 0x0f, 0x1f, 0x44, 0x00, 0x00 },
	[7] = { 0x0f, 0x1f, 0x80, 0x00, 0x00, 0x00, 0x00 },
	[8] = { 0x0f, 0x1f, 0x84, 0x00, 0x00, 0x00, 0x00, 0x00 },
};

static bool is_kernel_nop(const __u8 *code, size_t len)
{
	size_t n;

	for (n = 1; n < sizeof(kernel_nops) / sizeof(kernel_nops[0]); n++) {
		if (len >= n && !memcmp(code, kernel_nops[n], n))
			return true;
	}
	return false;
}

/* Mirrors branch_setup_xol_ops() and push_setup_xol_ops() in arch/x86/kernel/uprobes.c,
 * narrowed where the kernel accepts odd encodings (prefixed pushes, "pause" and
 * "xchg %r8,%rax" taken for NOPs by the 0x90 case): anything else is single-stepped. */
bool lt_probe_place__is_emulated(const __u8 *code, size_t len)
{
	size_t i = 0;

	if (!code || !len)
		return false;
	if (is_kernel_nop(code, len))
		return true;
	/* push %reg: one byte, or two with exactly REX.B (41) for %r8..%r15. */
	if (code[0] >= 0x50 && code[0] <= 0x57)
		return true;
	if (len >= 2 && code[0] == 0x41 && code[1] >= 0x50 && code[1] <= 0x57)
		return true;

	/* Relative branches: the kernel refuses a 66 prefix; allow only bnd (f2), which
	 * compilers emit with -mmpx-era flags and which the kernel ignores. */
	if (code[0] == 0xf2)
		i++;
	if (i >= len)
		return false;
	switch (code[i]) {
	case 0xe8: /* call rel32 */
	case 0xe9: /* jmp rel32 */
		return len >= i + 5;
	case 0xeb: /* jmp rel8 */
		return len >= i + 2;
	case 0x0f: /* jcc rel32 */
		return len >= i + 6 && code[i + 1] >= 0x80 && code[i + 1] <= 0x8f;
	default:
		/* jcc rel8 */
		return code[i] >= 0x70 && code[i] <= 0x7f && len >= i + 2;
	}
}

/* SPDX-License-Identifier: GPL-2.0 */
/* User stack capture: a walker that follows CFI rows where a module has them (glibc,
 * libstdc++ and other code built without frame pointers) and the frame-pointer chain
 * elsewhere (JIT code, binaries built with frame pointers). Stacks are stored in
 * `stacks` under a hash of their frames. */
#ifndef LT_UNWIND_BPF_H
#define LT_UNWIND_BPF_H

#include "maps.bpf.h"
#include "events.bpf.h"
#include "v8frames.bpf.h"

/* Which part of the user stack the per-CPU window holds for this walk. */
struct lt_window_pos {
	__u64 base; /* user address of the window's first byte */
	__u32 len;  /* bytes that hold a copy (0: none) */
	__u32 tid;  /* the walking thread: the window's owner while it holds our copy */
};

struct lt_unwind_state {
	__u64 pc, sp, bp;
	__u64 hash;
	struct lt_stack *out;
	/* Apart from the rest: a global function that is given it may write all of it,
	 * which the verifier would hold against the pointer in out. */
	struct lt_window_pos win;
	__u32 mod; /* cfi_modules slot of the last pc found in a table: tried first */
	__u32 nr;
	bool done;
	bool error;
	bool v8;   /* the target has V8 frames to name: looked up once per stack */
	__u32 why; /* enum lt_loss: the kind of frame the walk could not step out of */
};

/* The module with a table whose range holds pc, or NULL. Consecutive frames are mostly in
 * one module (libc calling libc, a program calling itself), so *hint is tried first. */
static __always_inline struct lt_cfi_module *lt_cfi_module_of(__u64 pc, __u32 *hint)
{
	struct lt_cfi_module *c;
	struct lt_cfi_span *span;
	__u32 i, k = 0;

	span = bpf_map_lookup_elem(&cfi_span, &k);
	if (!span || pc < span->start || pc >= span->end)
		return NULL;
	k = *hint;
	c = bpf_map_lookup_elem(&cfi_modules, &k);
	if (c && pc >= c->start && pc < c->end)
		return c;
	for (i = 0; i < LT_MAX_CFI_MODULES; i++) {
		k = i;
		c = bpf_map_lookup_elem(&cfi_modules, &k);
		if (!c || !c->end)
			return NULL;
		if (pc >= c->start && pc < c->end) {
			*hint = i;
			return c;
		}
	}
	return NULL;
}

/* Index in `cfi_rows` of the row in effect for pc, plus one; 0 when pc is in no module
 * with a table. A global function, so that the verifier checks its searches once rather
 * than in every state of the walker's loop; defined in leaktrace.bpf.c. */
extern __u32 lt_cfi_row_of(__u64 pc, __u32 *hint);

/* Row in effect for pc, or NULL when pc is in no module with a table. */
static __always_inline struct lt_cfi_row *lt_cfi_find(__u64 pc, __u32 *hint)
{
	__u32 k = lt_cfi_row_of(pc, hint);

	if (!k)
		return NULL;
	k--;
	return bpf_map_lookup_elem(&cfi_rows, &k);
}

static __always_inline bool lt_read(__u64 *dst, __u64 addr)
{
	return bpf_probe_read_user(dst, sizeof(*dst), (const void *)addr) == 0;
}

/* The word at off in the window, if the window still holds this walk's copy. The owner is
 * checked after the load: a walk that preempted ours and refilled the window in between
 * has changed it by then. */
static __always_inline bool lt_window_word(const struct lt_stack_window *w, __u32 tid, __u64 off,
					   __u64 *dst)
{
	__u64 v;

	if (off > LT_STACK_WINDOW - 8)
		return false;
	/* volatile: the compiler keeps the two loads in this order */
	v = *(volatile const __u64 *)(w->bytes + off);
	if (*(volatile const __u64 *)&w->owner != tid)
		return false;
	*dst = v;
	return true;
}

/* *dst = the user word at addr, from the window when it holds it; returns 0 or -EFAULT.
 * The walk goes toward higher addresses, so a load past the window moves the window there
 * (one bulk read serves the next frames too): LT_STACK_WINDOW bytes, or up to the end of
 * addr's page when the whole would run past the end of the stack's mapping. A load below
 * the window, or one no window can hold, reads on its own. A global function (in
 * leaktrace.bpf.c): the verifier checks its paths once, not in every state of the
 * walker's loop. */
extern int lt_stack_load(struct lt_window_pos *pos, __u64 addr, __u64 *dst);

/* The user word at addr: a load the window holds is served here, without the call. */
static __always_inline bool lt_load(struct lt_unwind_state *st, __u64 *dst, __u64 addr)
{
	struct lt_stack_window *w;
	__u64 off = addr - st->win.base;
	__u32 zero = 0;

	if (addr >= st->win.base && off < st->win.len && st->win.len - off >= 8) {
		w = bpf_map_lookup_elem(&stack_window, &zero);
		if (w && lt_window_word(w, st->win.tid, off, dst))
			return true;
	}
	return lt_stack_load(&st->win, addr, dst) == 0;
}

/* What stands for a frame in V8 code (see lt_v8_name_frame), or 0 for its pc. */
static __always_inline __u64 lt_js_frame(struct lt_unwind_state *st, const struct lt_v8_config *c)
{
	__u64 fn, context;

	if (!st->bp)
		return 0;
	/* [fp-16] function, [fp-8] context: below the saved bp and return address that the
	 * walk loads next, so loaded first, and the window they bring holds those too. */
	if (!lt_load(st, &fn, st->bp + c->off_fp_function) ||
	    !lt_load(st, &context, st->bp + c->off_fp_function + 8))
		return 0;
	return lt_v8_name_frame(fn, context);
}

/* The walk stopped at a frame it could not step out of: counted by the frame's kind. */
static __always_inline int lt_unwind_fail(struct lt_unwind_state *st, enum lt_loss why)
{
	st->error = true;
	st->why = why;
	st->done = true;
	return 1;
}

/* One frame: record pc, then compute the caller's pc, sp and bp. */
static int lt_unwind_step(__u32 idx, struct lt_unwind_state *st)
{
	struct lt_cfi_row *row = NULL;
	struct lt_v8_config *c = NULL;
	__u64 cfa, ra, bp, ip;
	__u32 zero = 0;
	bool in_v8 = false;

	if (st->pc == 0 || st->done)
		return 1;
	if (st->nr >= LT_MAX_FRAMES)
		return 1;
	if (st->v8) {
		c = bpf_map_lookup_elem(&v8_config, &zero);
		in_v8 = c && lt_v8_in_code(c, st->pc);
	}
	/* A JS frame is stored as its function's name: interpreted frames all share one pc
	 * (the interpreter's), and JIT code moves. The walk itself goes on from the pc. */
	ip = st->pc;
	if (in_v8 && c)
		ip = lt_js_frame(st, c) ?: st->pc;
	st->out->ips[st->nr & (LT_MAX_FRAMES - 1)] = ip;
	st->nr++;
	st->hash = (st->hash ^ ip) * 0x100000001b3ULL;
	st->hash ^= st->hash >> 29;

	/* V8 code (JIT code, the embedded builtins) has no CFI rows and always keeps a frame
	 * pointer: no table search for it. */
	if (!in_v8)
		row = lt_cfi_find(st->pc, &st->mod);
	if (row && row->cfa_reg == LT_CFA_END) {
		st->done = true;
		return 1;
	}
	if (row && row->cfa_reg != LT_CFA_NONE) {
		if (row->cfa_reg == LT_CFA_RSP)
			cfa = st->sp + row->cfa_off;
		else if (row->cfa_reg == LT_CFA_RBP)
			cfa = st->bp + row->cfa_off;
		else
			cfa = st->sp + 8 + ((st->pc & 15) >= 11 ? 8 : 0);
		/* The saved rbp normally lies below the return address: load it first, so
		 * that a window moved by the first load holds the second. */
		bp = st->bp;
		if (row->rbp_off8 < 0 && !lt_load(st, &bp, cfa + 8 * (__s64)row->rbp_off8))
			return lt_unwind_fail(st, LT_LOSS_STACK_UNWIND_CFI_READ);
		if (!lt_load(st, &ra, cfa - 8))
			return lt_unwind_fail(st, LT_LOSS_STACK_UNWIND_CFI_READ);
		if (row->rbp_off8 > 0 && !lt_load(st, &bp, cfa + 8 * (__s64)row->rbp_off8))
			return lt_unwind_fail(st, LT_LOSS_STACK_UNWIND_CFI_READ);
		st->bp = bp;
		st->sp = cfa;
		st->pc = ra;
		return 0;
	}

	/* Frame pointers: bp points at the saved caller bp, the return address above it. */
	if (st->bp == 0) {
		st->done = true;
		return 1;
	}
	/* The saved bp may be anything when the caller keeps no frame pointer (libc calling
	 * main): only a frame-pointer step from it checks it, through bp >= sp here. */
	if ((st->bp & 7) || st->bp < st->sp || !lt_load(st, &bp, st->bp) ||
	    !lt_load(st, &ra, st->bp + 8))
		return lt_unwind_fail(st, in_v8 ? LT_LOSS_STACK_UNWIND_V8_FP
						: LT_LOSS_STACK_UNWIND_NATIVE_FP);
	st->sp = st->bp + 16;
	st->bp = bp;
	st->pc = ra;
	return 0;
}

/* A syscall made through a libc wrapper stops in a frameless leaf (CFA = rsp + 8 all
 * along): start from its caller, as the allocator probes do. Code that makes the
 * syscall itself keeps its frame. */
static __always_inline void lt_skip_syscall_wrapper(struct lt_unwind_state *st)
{
	struct lt_cfi_row *row = lt_cfi_find(st->pc, &st->mod);
	__u64 ra;

	if (!row || row->cfa_reg != LT_CFA_RSP || row->cfa_off != 8)
		return;
	if (!lt_read(&ra, st->sp))
		return;
	st->pc = ra;
	st->sp += 8;
}

/* Capture the user stack starting at (pc, sp, bp) and return its id in `stacks`, or 0
 * when it could not be stored (counted). */
static __always_inline __u64 lt_capture_stack(__u64 pc, __u64 sp, __u64 bp, bool in_syscall)
{
	struct lt_unwind_state st = {};
	struct lt_stack_known *known;
	struct lt_v8_config *v8;
	__u32 zero = 0;
	__u64 id;
	long err;

	st.out = bpf_map_lookup_elem(&stack_scratch, &zero);
	if (!st.out)
		return 0;
	st.pc = pc;
	st.sp = sp;
	st.bp = bp;
	st.win.tid = (__u32)bpf_get_current_pid_tgid();
	if (in_syscall)
		lt_skip_syscall_wrapper(&st);
	st.hash = 0xcbf29ce484222325ULL;
	v8 = bpf_map_lookup_elem(&v8_config, &zero);
	st.v8 = v8 && v8->enabled;
	bpf_loop(LT_MAX_FRAMES, lt_unwind_step, &st, 0);

	st.out->nr = st.nr;
	st.out->flags = 0;
	if (!st.done && st.pc) {
		st.out->flags |= LT_STACK_TRUNCATED;
		lt_count_loss(LT_LOSS_STACK_TRUNCATED);
	}
	if (st.error) {
		st.out->flags |= LT_STACK_UNWIND_ERR;
		lt_count_loss(st.why);
	}
	id = st.hash ^ st.out->flags;
	if (!id)
		id = 1;
	/* Stacks are never removed: an id this CPU stored or found before is there. */
	known = bpf_map_lookup_elem(&stack_known, &zero);
	if (known && known->ids[id & (LT_STACK_KNOWN - 1)] == id)
		return id;
	if (!bpf_map_lookup_elem(&stacks, &id)) {
		err = bpf_map_update_elem(&stacks, &id, st.out, BPF_NOEXIST);
		if (err && err != -LT_EEXIST) {
			lt_count_loss(LT_LOSS_STACK_MAP_FULL);
			return 0;
		}
	}
	if (known)
		known->ids[id & (LT_STACK_KNOWN - 1)] = id;
	return id;
}

#endif

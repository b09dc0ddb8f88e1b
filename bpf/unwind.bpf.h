/* SPDX-License-Identifier: GPL-2.0 */
/* User stack capture: a walker that follows CFI rows where a module has them (glibc,
 * libstdc++ and other code built without frame pointers) and the frame-pointer chain
 * elsewhere (JIT code, binaries built with frame pointers). Stacks are stored in
 * `stacks` under a hash of their frames. */
#ifndef LT_UNWIND_BPF_H
#define LT_UNWIND_BPF_H

#include "maps.bpf.h"
#include "v8frames.bpf.h"

struct lt_unwind_state {
	__u64 pc, sp, bp;
	__u64 hash;
	struct lt_stack *out;
	__u32 nr;
	bool done;
	bool error;
	bool v8;  /* the target has V8 frames to name: looked up once per stack */
};

/* Row in effect for pc, or NULL when pc is in no module with a table. */
static __always_inline struct lt_cfi_row *lt_cfi_find(__u64 pc)
{
	struct lt_cfi_module *m = NULL;
	__u32 i, lo, hi, n;

	for (i = 0; i < LT_MAX_CFI_MODULES; i++) {
		__u32 k = i;
		struct lt_cfi_module *c = bpf_map_lookup_elem(&cfi_modules, &k);

		if (!c || !c->end)
			return NULL;
		if (pc >= c->start && pc < c->end) {
			m = c;
			break;
		}
	}
	if (!m || !m->count)
		return NULL;

	/* Last row with row.pc <= pc within [first, first + count). */
	__u32 rel = (__u32)(pc - m->bias);
	lo = m->first;
	n = m->count;
	for (i = 0; i < LT_CFI_SEARCH_STEPS && n > 1; i++) {
		__u32 half = n / 2, mid = lo + half;
		struct lt_cfi_row *r = bpf_map_lookup_elem(&cfi_rows, &mid);

		if (!r)
			return NULL;
		if (r->pc <= rel)
			lo = mid;
		n -= half;
	}
	hi = lo;
	struct lt_cfi_row *row = bpf_map_lookup_elem(&cfi_rows, &hi);

	if (!row || row->pc > rel)
		return NULL;
	return row;
}

static __always_inline bool lt_read(__u64 *dst, __u64 addr)
{
	return bpf_probe_read_user(dst, sizeof(*dst), (const void *)addr) == 0;
}

/* One frame: record pc, then compute the caller's pc, sp and bp. */
static int lt_unwind_step(__u32 idx, struct lt_unwind_state *st)
{
	struct lt_cfi_row *row;
	__u64 cfa, ra, bp, frame[2], ip;

	if (st->pc == 0 || st->done)
		return 1;
	if (st->nr >= LT_MAX_FRAMES)
		return 1;
	/* A JS frame is stored as its function's name: interpreted frames all share one pc
	 * (the interpreter's), and JIT code moves. The walk itself goes on from the pc. */
	ip = st->v8 ? lt_v8_name_frame(st->pc, st->bp) ?: st->pc : st->pc;
	st->out->ips[st->nr & (LT_MAX_FRAMES - 1)] = ip;
	st->nr++;
	st->hash = (st->hash ^ ip) * 0x100000001b3ULL;
	st->hash ^= st->hash >> 29;

	row = lt_cfi_find(st->pc);
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
		if (!lt_read(&ra, cfa - 8))
			goto fail;
		if (row->rbp_off8) {
			if (!lt_read(&bp, cfa + 8 * (__s64)row->rbp_off8))
				goto fail;
			st->bp = bp;
		}
		st->sp = cfa;
		st->pc = ra;
		return 0;
	}

	/* Frame pointers: bp points at the saved caller bp, the return address above it. */
	if (st->bp == 0) {
		st->done = true;
		return 1;
	}
	if ((st->bp & 7) || st->bp < st->sp)
		goto fail;
	/* Saved bp and return address are adjacent: one read. The saved bp may be
	 * anything when the caller keeps no frame pointer (libc calling main): only a
	 * frame-pointer step from it checks it, through bp >= sp above. */
	if (bpf_probe_read_user(frame, sizeof(frame), (const void *)st->bp))
		goto fail;
	st->sp = st->bp + 16;
	st->bp = frame[0];
	st->pc = frame[1];
	return 0;
fail:
	st->error = true;
	st->done = true;
	return 1;
}

/* A syscall made through a libc wrapper stops in a frameless leaf (CFA = rsp + 8 all
 * along): start from its caller, as the allocator probes do. Code that makes the
 * syscall itself keeps its frame. */
static __always_inline void lt_skip_syscall_wrapper(__u64 *pc, __u64 *sp)
{
	struct lt_cfi_row *row = lt_cfi_find(*pc);
	__u64 ra;

	if (!row || row->cfa_reg != LT_CFA_RSP || row->cfa_off != 8)
		return;
	if (!lt_read(&ra, *sp))
		return;
	*pc = ra;
	*sp += 8;
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
	if (in_syscall)
		lt_skip_syscall_wrapper(&pc, &sp);
	st.pc = pc;
	st.sp = sp;
	st.bp = bp;
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
		lt_count_loss(LT_LOSS_STACK_UNWIND);
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
		if (err && err != -17 /* EEXIST */) {
			lt_count_loss(LT_LOSS_STACK_MAP_FULL);
			return 0;
		}
	}
	if (known)
		known->ids[id & (LT_STACK_KNOWN - 1)] = id;
	return id;
}

#endif

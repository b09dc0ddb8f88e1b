// SPDX-License-Identifier: GPL-2.0
/* Allocator probes: entry programs note the call in the thread's call stack, return
 * programs record or move the block; free removes it. Outstanding blocks live in
 * `allocs`, per-stack totals in `heap_totals`, so a report reads totals, not blocks. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>

#include "maps.bpf.h"
#include "alloc_table.bpf.h"
#include "unwind.bpf.h"

/* Only in session programs (the loader sets their attach type): whether this run is
 * the function's return. The kfunc gained a ctx argument in 7.x and libbpf refuses a
 * whole object whose extern does not match the kernel's prototype, even __weak, so the
 * object is built once per prototype (LT_SESSION_KFUNC) and the loader picks the one
 * the running kernel's BTF matches: 0 none (no session program), 1 (void), 2 (ctx). */
#ifndef LT_SESSION_KFUNC
#define LT_SESSION_KFUNC 1
#endif
#if LT_SESSION_KFUNC == 1
extern bool bpf_session_is_return(void) __ksym __weak;
#define lt_session_is_return(ctx) bpf_session_is_return()
#elif LT_SESSION_KFUNC == 2
extern bool bpf_session_is_return(void *ctx) __ksym __weak;
#define lt_session_is_return(ctx) bpf_session_is_return(ctx)
#endif

/* What an entry program tells a session link: run the return program, or not. */
#define LT_RUN_RETURN 0
#define LT_SKIP_RETURN 1

/* *fresh is set when the thread had no state yet: its first allocator call. */
static __always_inline struct lt_thread *lt_thread_get(bool *fresh)
{
	struct lt_thread *t = lt_thread_current();

	if (t)
		return t;
	*fresh = true;
	t = bpf_task_storage_get(&threads, bpf_get_current_task_btf(), NULL,
				 BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (!t)
		lt_count_loss(LT_LOSS_THREAD_MAP_FULL); /* out of memory */
	return t;
}

/* The size an allocator call asks for, from its arguments. */
static __always_inline __u64 lt_request_size(enum lt_alloc_fn fn, __u64 a0, __u64 a1, __u64 a2)
{
	switch (fn) {
	case LT_FN_MALLOC:
	case LT_FN_VALLOC:
		return a0;
	case LT_FN_PVALLOC:
		return (a0 + 4095) & ~4095ULL;
	case LT_FN_CALLOC:
		return a0 * a1;
	case LT_FN_REALLOC:
	case LT_FN_ALIGNED_ALLOC:
	case LT_FN_XALLOCX:
		return a1;
	case LT_FN_REALLOCARRAY:
		return a1 * a2;
	case LT_FN_POSIX_MEMALIGN:
		return a2;
	default:
		return 0;
	}
}

/* The sampling draw (see LT_SAMPLE_ALWAYS in leaktrace.h for the estimator). */
static __always_inline bool lt_sampled(__u64 size)
{
	__u64 rate = sample_bytes;

	if (!rate || size >= rate || size >= LT_SAMPLE_ALWAYS)
		return true;
	return (__u64)bpf_get_prandom_u32() * rate < size << 32;
}

/* Calls whose entry rsp lies below sp have returned without their return probe firing
 * (longjmp, exceptions, the kernel's uretprobe nesting limit): forget them. */
static __always_inline void lt_drop_stale(struct lt_thread *t, __u64 sp)
{
	for (int i = 0; i < LT_MAX_NEST; i++) {
		__u32 d = t->depth;

		if (d == 0 || d > LT_MAX_NEST)
			return;
		if (t->calls[(d - 1) & (LT_MAX_NEST - 1)].sp >= sp)
			return;
		t->depth = d - 1;
		lt_count_loss(LT_LOSS_RET_MISSED);
	}
}

static __always_inline void lt_totals_add(__u64 stack_id, __s64 bytes, __s64 count)
{
	struct lt_totals *tot = bpf_map_lookup_elem(&heap_totals, &stack_id);

	if (!tot) {
		struct lt_totals zero = {};

		bpf_map_update_elem(&heap_totals, &stack_id, &zero, BPF_NOEXIST);
		tot = bpf_map_lookup_elem(&heap_totals, &stack_id);
		if (!tot) {
			lt_count_loss(LT_LOSS_TOTALS_MAP_FULL);
			return;
		}
	}
	__sync_fetch_and_add(&tot->bytes, bytes);
	__sync_fetch_and_add(&tot->count, count);
}

/* Forget a block, saving it in *saved when given; returns 1 if it was tracked. A global
 * function, like lt_record below: the verifier checks the table's loops once, not in
 * every program and call site. */
__noinline int lt_forget(__u64 addr, struct lt_alloc *saved)
{
	struct lt_alloc_bucket *b;
	struct lt_alloc a;
	__u32 s;

	b = lt_alloc_find(addr, &s);
	if (!b || s >= LT_ALLOC_SLOTS)
		return 0;
	a = b->blocks[s];
	lt_alloc_release(b, s);
	if (saved)
		*saved = a;
	lt_totals_add(a.stack_id, -(__s64)a.size, -1);
	return 1;
}

/* Record a block (again, for a failed realloc's old one). */
__noinline int lt_record(__u64 addr, struct lt_alloc *a)
{
	if (!a)
		return 0;
	/* A block still recorded at this address was freed where we could not see it
	 * (rare): drop it before recording the new one. */
	lt_forget(addr, NULL);
	if (!lt_alloc_insert(addr, a)) {
		lt_count_loss(LT_LOSS_ALLOC_MAP_FULL);
		return 0;
	}
	lt_totals_add(a->stack_id, a->size, 1);
	return 1;
}

/* jemalloc's xallocx(ptr, size, extra, flags) resizes in place and returns the block's
 * real size, at least size when it succeeded. The block keeps its allocation's stack and
 * time; its size becomes what the caller may now use of it, at most size + extra. */
static __always_inline void lt_resize(__u64 addr, __u64 real, __u64 size, __u64 extra)
{
	struct lt_alloc a;

	if (!addr || real < size || !lt_forget(addr, &a))
		return;
	a.size = real < size + extra ? real : size + extra;
	lt_record(addr, &a);
}

static __always_inline void lt_track(struct pt_regs *ctx, __u64 addr, __u64 size)
{
	struct lt_alloc a = {};

	if (!addr)
		return;
	/* At a return probe the pc is already back in the caller: the stack starts at the
	 * allocator's caller, so no frame is missing and the allocator is not in it. */
	a.stack_id = lt_capture_stack(PT_REGS_IP(ctx), PT_REGS_SP(ctx), ctx->bp, false);
	a.size = size;
	a.ts_ns = bpf_ktime_get_ns();
	lt_record(addr, &a);
}

/* Note an allocator call in its thread. Returns LT_SKIP_RETURN when the call's return
 * has nothing to record, which a session link uses to spare the return trap. */
static __always_inline int lt_enter(struct pt_regs *ctx, enum lt_alloc_fn fn, __u64 a0, __u64 a1,
				    __u64 a2)
{
	bool fresh = false, record = true;
	__u64 cookie, sp;
	struct lt_thread *t;
	struct lt_call *c;
	__u32 d;

	if (!lt_is_target())
		return LT_RUN_RETURN; /* --probe-floor keeps the same traps */
	t = lt_thread_get(&fresh);
	if (!t)
		return LT_SKIP_RETURN;
	cookie = bpf_get_attach_cookie(ctx);
	sp = PT_REGS_SP(ctx) + LT_COOKIE_SP_ADJUST(cookie);
	lt_drop_stale(t, sp);
	d = t->depth;
	if (sample_bytes && d == 0) {
		/* realloc(NULL, n) and reallocarray call malloc and realloc inside: the
		 * inner call draws, once. A thread's first call may create its arena with
		 * mmap, so it is kept as a nesting marker whatever the draw. */
		if (fn == LT_FN_REALLOCARRAY || (fn == LT_FN_REALLOC && !a0))
			return LT_SKIP_RETURN;
		record = lt_sampled(lt_request_size(fn, a0, a1, a2));
		if (!record && !fresh && fn != LT_FN_REALLOC && fn != LT_FN_XALLOCX)
			return LT_SKIP_RETURN;
	}
	if (d >= LT_MAX_NEST) {
		lt_count_loss(LT_LOSS_NEST_TOO_DEEP);
		if (d < 255)
			t->depth = d + 1;
		return LT_RUN_RETURN;
	}
	c = &t->calls[d & (LT_MAX_NEST - 1)];
	c->sp = sp;
	c->fn = fn;
	c->args[0] = a0;
	c->args[1] = a1;
	c->args[2] = a2;
	c->have_old = 0;
	c->record = record;
	/* realloc frees the old block before it returns, and another thread may get that
	 * address from malloc before our return probe runs: forget it now, restore it if
	 * realloc fails. Only the outermost call counts (realloc(NULL) calls malloc). */
	if ((fn == LT_FN_REALLOC || fn == LT_FN_REALLOCARRAY) && d == 0 && a0) {
		if (lt_forget(a0, &c->old)) {
			c->have_old = 1;
			c->old_addr = a0;
		} else if (!sample_bytes) {
			lt_count_loss(LT_LOSS_UNKNOWN_FREE);
		}
		/* an unsampled realloc of an unrecorded block has nothing to restore */
		if (!record && !c->have_old)
			return LT_SKIP_RETURN;
	}
	t->depth = d + 1;
	return LT_RUN_RETURN;
}

static __always_inline int lt_return(struct pt_regs *ctx, enum lt_alloc_fn fn)
{
	__u64 ret = PT_REGS_RC(ctx), entry_sp = PT_REGS_SP(ctx) - 8, size, addr;
	struct lt_thread *t;
	struct lt_call *c;
	__u32 d, slot;

	if (!lt_is_target())
		return 0;
	t = lt_thread_current();
	if (!t)
		return 0;
	lt_drop_stale(t, entry_sp);
	d = t->depth;
	if (d == 0)
		return 0; /* entered before the probes were attached */
	if (d > LT_MAX_NEST) {
		t->depth = d - 1;
		return 0;
	}
	/* clang knows d is 1..LT_MAX_NEST here and drops the mask; the 6.1 and 6.12
	 * verifiers do not carry that bound over to d - 1, so the mask must stay. */
	slot = d - 1;
	barrier_var(slot);
	c = &t->calls[slot & (LT_MAX_NEST - 1)];
	if (c->sp != entry_sp || c->fn != fn)
		return 0; /* not ours: the entry was missed */
	t->depth = d - 1;
	if (d > 1)
		return 0; /* nested inside another allocator call: the outer one records */
	if (fn == LT_FN_XALLOCX) {
		lt_resize(c->args[0], ret, c->args[1], c->args[2]);
		return 0;
	}
	if (!c->record) {
		/* unsampled realloc: only a failure matters, to give the old block back */
		if (!ret && c->have_old && lt_request_size(fn, c->args[0], c->args[1], 0))
			lt_record(c->old_addr, &c->old);
		return 0;
	}

	if (fn >= LT_FN_FREE)
		return 0;
	size = lt_request_size(fn, c->args[0], c->args[1], c->args[2]);
	addr = ret;
	if ((fn == LT_FN_REALLOC || fn == LT_FN_REALLOCARRAY) && !ret && size && c->have_old)
		lt_record(c->old_addr, &c->old); /* failed: still the caller's */
	if (fn == LT_FN_POSIX_MEMALIGN) {
		addr = 0;
		if (ret == 0 && bpf_probe_read_user(&addr, sizeof(addr), (void *)c->args[0]))
			addr = 0;
	}
	/* One call of lt_track, so that the stack walk is inlined once per program. */
	lt_track(ctx, addr, size);
	return 0;
}

/* Classic uprobe and uretprobe programs, for kernels without uprobe sessions. They
 * return 0: for a uprobe a non-zero return would also emit a perf sample. */
SEC("uprobe")
int BPF_KPROBE(uprobe_malloc, __u64 size)
{
	lt_enter(ctx, LT_FN_MALLOC, size, 0, 0);
	return 0;
}

SEC("uretprobe")
int BPF_KRETPROBE(uretprobe_malloc)
{
	return lt_return(ctx, LT_FN_MALLOC);
}

SEC("uprobe")
int BPF_KPROBE(uprobe_calloc, __u64 n, __u64 size)
{
	lt_enter(ctx, LT_FN_CALLOC, n, size, 0);
	return 0;
}

SEC("uretprobe")
int BPF_KRETPROBE(uretprobe_calloc)
{
	return lt_return(ctx, LT_FN_CALLOC);
}

SEC("uprobe")
int BPF_KPROBE(uprobe_realloc, __u64 ptr, __u64 size)
{
	lt_enter(ctx, LT_FN_REALLOC, ptr, size, 0);
	return 0;
}

SEC("uretprobe")
int BPF_KRETPROBE(uretprobe_realloc)
{
	return lt_return(ctx, LT_FN_REALLOC);
}

SEC("uprobe")
int BPF_KPROBE(uprobe_reallocarray, __u64 ptr, __u64 n, __u64 size)
{
	lt_enter(ctx, LT_FN_REALLOCARRAY, ptr, n, size);
	return 0;
}

SEC("uretprobe")
int BPF_KRETPROBE(uretprobe_reallocarray)
{
	return lt_return(ctx, LT_FN_REALLOCARRAY);
}

SEC("uprobe")
int BPF_KPROBE(uprobe_posix_memalign, __u64 memptr, __u64 align, __u64 size)
{
	lt_enter(ctx, LT_FN_POSIX_MEMALIGN, memptr, align, size);
	return 0;
}

SEC("uretprobe")
int BPF_KRETPROBE(uretprobe_posix_memalign)
{
	return lt_return(ctx, LT_FN_POSIX_MEMALIGN);
}

/* aligned_alloc and memalign: (alignment, size) */
SEC("uprobe")
int BPF_KPROBE(uprobe_aligned_alloc, __u64 align, __u64 size)
{
	lt_enter(ctx, LT_FN_ALIGNED_ALLOC, align, size, 0);
	return 0;
}

SEC("uretprobe")
int BPF_KRETPROBE(uretprobe_aligned_alloc)
{
	return lt_return(ctx, LT_FN_ALIGNED_ALLOC);
}

SEC("uprobe")
int BPF_KPROBE(uprobe_valloc, __u64 size)
{
	lt_enter(ctx, LT_FN_VALLOC, size, 0, 0);
	return 0;
}

SEC("uretprobe")
int BPF_KRETPROBE(uretprobe_valloc)
{
	return lt_return(ctx, LT_FN_VALLOC);
}

SEC("uprobe")
int BPF_KPROBE(uprobe_pvalloc, __u64 size)
{
	lt_enter(ctx, LT_FN_PVALLOC, size, 0, 0);
	return 0;
}

SEC("uretprobe")
int BPF_KRETPROBE(uretprobe_pvalloc)
{
	return lt_return(ctx, LT_FN_PVALLOC);
}

/* free may be probed past its first instruction (see probe_place.c): the NULL fast
 * path is then skipped, which is fine since free(NULL) does nothing. */
static __always_inline int lt_free(struct pt_regs *ctx, __u64 ptr)
{
	struct lt_thread *t;

	if (!lt_is_target() || !ptr)
		return 0;
	t = lt_thread_current();
	if (lt_forget(ptr, NULL)) {
		if (t)
			t->last_freed = ptr;
		return 0;
	}
	/* Under sampling most blocks were never recorded: not a loss. Nor is a block that
	 * realloc(p, 0) frees through free: realloc's entry has already forgotten it. */
	if (sample_bytes || (t && t->depth))
		return 0;
	/* operator delete that calls or jumps to free (libstdc++, jemalloc's delete[]):
	 * the same block again, forgotten by the outer entry point a moment ago */
	if (t && t->last_freed == ptr)
		return 0;
	/* glibc frees its thread cache (blocks the program freed already, and the cache
	 * itself, allocated inside malloc) when the thread exits */
	if (t && t->exiting) {
		lt_count_loss(LT_LOSS_THREAD_EXIT_FREE);
		return 0;
	}
	lt_count_loss(LT_LOSS_UNKNOWN_FREE); /* allocated before attach */
	return 0;
}

/* glibc's __call_tls_dtors, at the start of a thread's exit (and of exit()): what the
 * thread frees from now on that was never seen allocated is counted apart. */
static __always_inline void lt_thread_exit(void)
{
	bool fresh = false;
	struct lt_thread *t;

	if (!lt_is_target())
		return;
	t = lt_thread_get(&fresh);
	if (t)
		t->exiting = 1;
}

SEC("uprobe")
int BPF_KPROBE(uprobe_free, __u64 ptr)
{
	return lt_free(ctx, ptr);
}

SEC("uprobe")
int BPF_KPROBE(uprobe_xallocx, __u64 ptr, __u64 size, __u64 extra)
{
	lt_enter(ctx, LT_FN_XALLOCX, ptr, size, extra);
	return 0;
}

SEC("uretprobe")
int BPF_KRETPROBE(uretprobe_xallocx)
{
	return lt_return(ctx, LT_FN_XALLOCX);
}

SEC("uprobe")
int BPF_KPROBE(uprobe_thread_exit)
{
	lt_thread_exit();
	return 0;
}

/* One program for every allocator function of a module, attached as a uprobe session
 * (one uprobe_multi link; the cookie says which function). The entry decides whether
 * the return runs at all: an unsampled call costs one trap instead of two. */
SEC("uprobe")
int lt_alloc_session(struct pt_regs *ctx)
{
#if LT_SESSION_KFUNC
	enum lt_alloc_fn fn = LT_COOKIE_FN(bpf_get_attach_cookie(ctx));

	if (lt_session_is_return(ctx)) {
		lt_return(ctx, fn);
		return 0;
	}
	if (fn == LT_FN_FREE) {
		lt_free(ctx, PT_REGS_PARM1(ctx));
		return LT_SKIP_RETURN;
	}
	if (fn == LT_FN_THREAD_EXIT) {
		lt_thread_exit();
		return LT_SKIP_RETURN;
	}
	if (fn >= LT_FN__MAX)
		return LT_SKIP_RETURN;
	return lt_enter(ctx, fn, PT_REGS_PARM1(ctx), PT_REGS_PARM2(ctx), PT_REGS_PARM3(ctx));
#else
	return LT_SKIP_RETURN; /* never loaded: this kernel has no session kfunc we know */
#endif
}

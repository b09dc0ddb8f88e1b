// SPDX-License-Identifier: GPL-2.0
/* Anonymous mappings through tracepoints: mmap, munmap, mremap results go to userspace in
 * order (interval arithmetic lives there). New executable mappings are the core's
 * (bpf/proc.bpf.c): they matter whatever is traced. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>

#include "maps.bpf.h"
#include "events.bpf.h"
#include "unwind.bpf.h"

#define LT_MAP_FIXED 0x10
#define LT_MAP_ANONYMOUS 0x20

/* Allocator calls map and unmap on their own (arenas, large chunks): those belong to
 * the heap accounting, not to the program's own mappings. */
static __always_inline bool lt_in_allocator(void)
{
	struct lt_thread *t = lt_thread_current();

	return t && t->depth;
}

SEC("tracepoint/syscalls/sys_exit_mmap")
int tp_sys_exit_mmap(struct trace_event_raw_sys_exit *ctx)
{
	struct pt_regs *regs;
	__u64 ret = ctx->ret, len, flags;

	if (!lt_is_target() || ret >= (__u64)-4095)
		return 0;
	regs = lt_user_regs();
	len = BPF_CORE_READ(regs, si);
	flags = BPF_CORE_READ(regs, r10);
	if (!(flags & LT_MAP_ANONYMOUS))
		return 0;
	/* MAP_FIXED anonymous memory overlays a mapping that exists already (a library's
	 * .bss over its file mapping, a commit inside a reservation counted when made). */
	if ((flags & LT_MAP_FIXED) || lt_in_allocator())
		return 0;
	lt_emit(LT_EV_MMAP, ret, len, 0, 0,
		lt_capture_stack(BPF_CORE_READ(regs, ip), BPF_CORE_READ(regs, sp),
				 BPF_CORE_READ(regs, bp), true));
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_munmap")
int tp_sys_exit_munmap(struct trace_event_raw_sys_exit *ctx)
{
	struct pt_regs *regs;

	if (!lt_is_target() || ctx->ret != 0 || lt_in_allocator())
		return 0;
	regs = lt_user_regs();
	lt_emit(LT_EV_MUNMAP, BPF_CORE_READ(regs, di), BPF_CORE_READ(regs, si), 0, 0, 0);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_mremap")
int tp_sys_exit_mremap(struct trace_event_raw_sys_exit *ctx)
{
	struct pt_regs *regs;
	__u64 ret = ctx->ret;

	if (!lt_is_target() || ret >= (__u64)-4095 || lt_in_allocator())
		return 0;
	regs = lt_user_regs();
	lt_emit(LT_EV_MREMAP, ret, BPF_CORE_READ(regs, dx), BPF_CORE_READ(regs, di),
		BPF_CORE_READ(regs, si), 0);
	return 0;
}

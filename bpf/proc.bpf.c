// SPDX-License-Identifier: GPL-2.0
/* Process lifecycle and module discovery, loaded whatever is traced: an exec or a new
 * executable file mapping makes userspace re-read the target's modules (and, in launch
 * mode, stops the target until it has); the exit of the target's main thread ends the
 * session. The tp_sched_process_ and tp_core_ prefixes put them in the "core" family,
 * which every session loads (src/probe/load_family.c). */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>

#include "maps.bpf.h"
#include "events.bpf.h"

SEC("tracepoint/sched/sched_process_exec")
int tp_sched_process_exec(void *ctx)
{
	if (lt_is_target())
		lt_exec_mapped(LT_EV_EXEC, 0, 0);
	return 0;
}

#define LT_PROT_EXEC 0x4
#define LT_MAP_ANONYMOUS 0x20

/* A file mapped executable (the dynamic loader, dlopen): new code, whatever the families. */
SEC("tracepoint/syscalls/sys_exit_mmap")
int tp_core_exit_mmap(struct trace_event_raw_sys_exit *ctx)
{
	struct pt_regs *regs;
	__u64 ret = ctx->ret;

	if (!lt_is_target() || ret >= (__u64)-4095)
		return 0;
	regs = lt_user_regs();
	if (!(BPF_CORE_READ(regs, r10) & LT_MAP_ANONYMOUS) &&
	    (BPF_CORE_READ(regs, dx) & LT_PROT_EXEC))
		lt_exec_mapped(LT_EV_EXEC_MAP, ret, BPF_CORE_READ(regs, si));
	return 0;
}

SEC("tracepoint/sched/sched_process_exit")
int tp_sched_process_exit(void *ctx)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();

	if (!lt_is_target())
		return 0;
	if (tid == target_tgid)
		lt_emit(LT_EV_EXIT, 0, 0, 0, 0, 0);
	return 0;
}

#define LT_CLONE_THREAD 0x00010000

/* A child process of the target is not traced (target_tgid is one process): counted, so
 * that the report says its allocations are missing rather than leaving them out quietly. */
SEC("tracepoint/task/task_newtask")
int tp_core_task_newtask(struct trace_event_raw_task_newtask *ctx)
{
	if (lt_is_target() && !(BPF_CORE_READ(ctx, clone_flags) & LT_CLONE_THREAD))
		lt_count_loss(LT_LOSS_CHILD_UNTRACED);
	return 0;
}

// SPDX-License-Identifier: GPL-2.0
/* Process lifecycle, loaded whatever is traced: an exec makes userspace re-read the
 * target's modules (and, in launch mode, stops the target until it has); the exit of the
 * target's main thread ends the session. The tp_sched_process_ prefix puts them in the
 * "core" family, which every session loads (src/probe/load_family.c). */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

#include "maps.bpf.h"
#include "events.bpf.h"

SEC("tracepoint/sched/sched_process_exec")
int tp_sched_process_exec(void *ctx)
{
	if (lt_is_target())
		lt_exec_mapped(0, 0);
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

// SPDX-License-Identifier: GPL-2.0
/* -t jsheap: before leaktrace sends SIGUSR1 to open Node's inspector, it must know the
 * handler the target installed for that signal is Node's own (StartIoThreadWakeup) and not
 * the application's or none (the default action kills). /proc shows only that some
 * handler exists; this task iterator reads the handler's address from the kernel for the
 * target's main thread, once, and userspace names it from the ELF symbols. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>

#include "maps.bpf.h"

#define LT_SIGUSR1 10

SEC("iter/task")
int iter_jsheap_sigusr1(struct bpf_iter__task *ctx)
{
	struct task_struct *task = ctx->task;
	__u64 handler;

	if (!task || task->tgid != target_tgid || task->pid != target_tgid)
		return 0;
	handler = (__u64)BPF_CORE_READ(task, sighand, action[LT_SIGUSR1 - 1].sa.sa_handler);
	bpf_seq_write(ctx->meta->seq, &handler, sizeof(handler));
	return 0;
}

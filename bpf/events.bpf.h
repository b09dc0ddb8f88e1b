/* SPDX-License-Identifier: GPL-2.0 */
/* What the tracepoint families share: the user registers a syscall exit reads its
 * arguments from, one way to start an event in the `events` ring buffer, and the errno
 * values the programs compare against (vmlinux.h has no macros). */
#ifndef LT_EVENTS_BPF_H
#define LT_EVENTS_BPF_H

#include "maps.bpf.h"

#define LT_EBADF 9
#define LT_EFAULT 14
#define LT_EEXIST 17

#define LT_SIGSTOP 19

/* At a syscall exit the user registers still hold the call's arguments. */
static __always_inline struct pt_regs *lt_user_regs(void)
{
	return (struct pt_regs *)bpf_task_pt_regs(bpf_get_current_task_btf());
}

/* The fields every event in `events` starts with (leaktrace.h: "the type field comes
 * first, as in lt_event"); checked against each layout below. */
struct lt_event_head {
	__u32 type;
	__u32 tid;
	__u64 ts_ns;
};

#define LT_EVENT_HEAD_CHECK(T)                                                                     \
	_Static_assert(__builtin_offsetof(struct T, type) == 0 &&                                  \
			       __builtin_offsetof(struct T, tid) == 4 &&                           \
			       __builtin_offsetof(struct T, ts_ns) == 8,                           \
		       #T " must start like struct lt_event_head")
LT_EVENT_HEAD_CHECK(lt_event);
LT_EVENT_HEAD_CHECK(lt_fd_event);
LT_EVENT_HEAD_CHECK(lt_fd_exec_event);

/* A zeroed event of size bytes in `events` with its head filled in, or NULL when the ring
 * buffer is full (counted). size must be a constant: use LT_EVENT_NEW. */
static __always_inline void *lt_event_reserve(__u64 size, __u32 type)
{
	struct lt_event_head *h = bpf_ringbuf_reserve(&events, size, 0);

	if (!h) {
		lt_count_loss(LT_LOSS_RINGBUF_FULL);
		return NULL;
	}
	__builtin_memset(h, 0, size);
	h->type = type;
	h->tid = (__u32)bpf_get_current_pid_tgid();
	h->ts_ns = bpf_ktime_get_ns();
	return h;
}

#define LT_EVENT_NEW(T, type) ((struct T *)lt_event_reserve(sizeof(struct T), (type)))

/* A struct lt_event (mmap family and process lifecycle). */
static __always_inline void lt_emit(__u32 type, __u64 addr, __u64 len, __u64 old_addr,
				    __u64 old_len, __u64 stack_id)
{
	struct lt_event *e = LT_EVENT_NEW(lt_event, type);

	if (!e)
		return;
	e->addr = addr;
	e->len = len;
	e->old_addr = old_addr;
	e->old_len = old_len;
	e->stack_id = stack_id;
	bpf_ringbuf_submit(e, 0);
}

/* New code in the target (type: an executable mapping, an exec): userspace re-reads its
 * modules. In launch mode the target stops until it has (src/target/guard.c resumes it
 * if leaktrace dies first). */
static __always_inline void lt_exec_mapped(__u32 type, __u64 addr, __u64 len)
{
	lt_emit(type, addr, len, 0, 0, 0);
	if (pause_on_exec_map)
		bpf_send_signal(LT_SIGSTOP);
}

#endif

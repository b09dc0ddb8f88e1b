// SPDX-License-Identifier: GPL-2.0
/* Descriptor and socket probes: syscall exit tracepoints report each descriptor born or
 * closed to userspace (which keeps the table of outstanding ones); libc wrapper entries
 * lend the stack; sock:inet_sock_set_state follows the TCP state of the target's sockets. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>

#include "maps.bpf.h"
#include "events.bpf.h"
#include "unwind.bpf.h"

#define LT_F_DUPFD 0
#define LT_F_DUPFD_CLOEXEC 1030
#define LT_AF_INET 2
#define LT_AF_INET6 10
#define LT_IPPROTO_TCP 6
#define LT_SOCK_STREAM 1

/* A libc wrapper entered by a thread: the stack taken there, waiting for the syscall's
 * exit; sp tells whether that exit is still inside the call. */
struct lt_fd_pending {
	__u64 sp;
	__u64 stack_id;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, __u32);
	__type(value, struct lt_fd_pending);
} fd_pending SEC(".maps");

/* TCP sockets the target holds, keyed by struct sock *; userspace removes an entry when
 * the last descriptor of its socket is closed. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__type(key, __u64);
	__type(value, struct lt_sock);
} fd_socks SEC(".maps");

/* At the wrapper's first instruction the return address is at [rsp]: start the stack at
 * the caller, so that frames[0] is the function that asked for the descriptor. */
SEC("uprobe")
int BPF_KPROBE(uprobe_fd_entry)
{
	struct lt_fd_pending p = {};
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	__u64 sp = PT_REGS_SP(ctx), ra;

	if (!lt_is_target())
		return 0;
	if (bpf_probe_read_user(&ra, sizeof(ra), (void *)sp))
		return 0;
	p.sp = sp;
	p.stack_id = lt_capture_stack(ra, sp + 8, ctx->bp, false);
	if (bpf_map_update_elem(&fd_pending, &tid, &p, BPF_ANY))
		lt_count_loss(LT_LOSS_THREAD_MAP_FULL);
	return 0;
}

/* The stack of the descriptor this thread's syscall produced: the wrapper's, if the
 * syscall runs inside that wrapper call, else the syscall's own. */
static __always_inline __u64 lt_fd_stack(struct pt_regs *regs)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct lt_fd_pending *p = bpf_map_lookup_elem(&fd_pending, &tid);
	__u64 sp = BPF_CORE_READ(regs, sp), id;

	if (p) {
		id = p->stack_id;
		bpf_map_delete_elem(&fd_pending, &tid);
		/* a wrapper that returned long ago has its entry sp below ours, or we are
		 * far deeper in another call */
		if (p->sp > sp && p->sp - sp < 65536)
			return id;
	}
	return lt_capture_stack(BPF_CORE_READ(regs, ip), sp, BPF_CORE_READ(regs, bp), true);
}

static __always_inline struct file *lt_fd_file(int fd)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct file **fdarr = BPF_CORE_READ(task, files, fdt, fd);
	struct file *f = NULL;

	if (fd < 0 || fd >= BPF_CORE_READ(task, files, fdt, max_fds))
		return NULL;
	bpf_probe_read_kernel(&f, sizeof(f), &fdarr[fd]);
	return f;
}

/* Register an inet TCP socket so that its state changes are followed; returns its key. */
static __always_inline __u64 lt_fd_register_sock(struct file *f, __u64 ts_ns)
{
	struct socket *sock = BPF_CORE_READ(f, private_data);
	struct sock *sk = BPF_CORE_READ(sock, sk);
	struct lt_sock s = {};
	__u64 key = (__u64)sk;

	if (!sk)
		return 0;
	s.family = BPF_CORE_READ(sk, __sk_common.skc_family);
	if ((s.family != LT_AF_INET && s.family != LT_AF_INET6) ||
	    BPF_CORE_READ(sk, sk_protocol) != LT_IPPROTO_TCP ||
	    BPF_CORE_READ(sk, sk_type) != LT_SOCK_STREAM)
		return 0;
	s.state = BPF_CORE_READ(sk, __sk_common.skc_state);
	s.since_ns = bpf_ktime_get_ns();
	s.reg = (__u32)ts_ns;
	s.sport = BPF_CORE_READ(sk, __sk_common.skc_num);
	s.dport = bpf_ntohs(BPF_CORE_READ(sk, __sk_common.skc_dport));
	/* BPF_CORE_READ_INTO copies sizeof(*dst): the destination's type gives the size,
	 * 4 bytes (__be32) for IPv4, 16 (__u8[16], as struct in6_addr) for IPv6 */
	if (s.family == LT_AF_INET) {
		BPF_CORE_READ_INTO((__be32 *)s.saddr, sk, __sk_common.skc_rcv_saddr);
		BPF_CORE_READ_INTO((__be32 *)s.daddr, sk, __sk_common.skc_daddr);
	} else {
		BPF_CORE_READ_INTO(&s.saddr, sk, __sk_common.skc_v6_rcv_saddr);
		BPF_CORE_READ_INTO(&s.daddr, sk, __sk_common.skc_v6_daddr);
	}
	if (bpf_map_update_elem(&fd_socks, &key, &s, BPF_ANY)) {
		lt_count_loss(LT_LOSS_SOCK_MAP_FULL);
		return 0;
	}
	return key;
}

static __always_inline void lt_fd_emit_open(int fd, __u32 call, __u64 stack_id)
{
	struct lt_fd_event *e;
	struct file *f = lt_fd_file(fd);
	__u64 sk = 0, ts = bpf_ktime_get_ns();

	/* One time for the registration and the event: it tells this registration from an
	 * older one of the same struct sock (struct lt_sock.reg). Registered before the
	 * event is reserved: the 6.1 verifier refuses the registration while the ring
	 * buffer record is held ("Unreleased reference"). */
	if (f && (call == LT_FDC_SOCKET || call == LT_FDC_ACCEPT || call == LT_FDC_ACCEPT4))
		sk = lt_fd_register_sock(f, ts);
	e = LT_EVENT_NEW(lt_fd_event, LT_EV_FD_OPEN);
	if (!e)
		return;
	e->ts_ns = ts;
	e->fd = fd;
	e->call = call;
	e->stack_id = stack_id;
	e->ino = f ? BPF_CORE_READ(f, f_inode, i_ino) : 0;
	e->sk = sk;
	bpf_ringbuf_submit(e, 0);
}

static __always_inline void lt_fd_emit_close(__u32 type, int fd, __u32 last, __u32 flags)
{
	struct lt_fd_event *e = LT_EVENT_NEW(lt_fd_event, type);

	if (!e)
		return;
	e->fd = fd;
	e->last = last;
	e->flags = flags;
	bpf_ringbuf_submit(e, 0);
}

/* Every syscall that returns one new descriptor; the attach cookie says which one. */
SEC("tracepoint")
int tp_sys_exit_fd_new(struct trace_event_raw_sys_exit *ctx)
{
	__u32 call = (__u32)bpf_get_attach_cookie(ctx);
	struct pt_regs *regs;
	long ret = ctx->ret;
	__u64 stack_id, cmd;

	if (!lt_is_target())
		return 0;
	regs = lt_user_regs();
	/* taken even for a failed call, so that the wrapper's stack is not left pending */
	stack_id = lt_fd_stack(regs);
	if (ret < 0)
		return 0;
	if (call == LT_FDC_FCNTL) {
		cmd = BPF_CORE_READ(regs, si);
		if (cmd != LT_F_DUPFD && cmd != LT_F_DUPFD_CLOEXEC)
			return 0;
	}
	/* dup2(fd, fd) changes nothing */
	if (call == LT_FDC_DUP2 && BPF_CORE_READ(regs, di) == BPF_CORE_READ(regs, si))
		return 0;
	lt_fd_emit_open((int)ret, call, stack_id);
	return 0;
}

/* pipe, pipe2 and socketpair write two descriptors to user memory. */
SEC("tracepoint")
int tp_sys_exit_fd_pair(struct trace_event_raw_sys_exit *ctx)
{
	__u32 call = (__u32)bpf_get_attach_cookie(ctx);
	struct pt_regs *regs;
	__u64 stack_id, uptr;
	int fds[2];

	if (!lt_is_target())
		return 0;
	regs = lt_user_regs();
	stack_id = lt_fd_stack(regs);
	if (ctx->ret != 0)
		return 0;
	uptr = call == LT_FDC_SOCKETPAIR ? BPF_CORE_READ(regs, r10) : BPF_CORE_READ(regs, di);
	if (bpf_probe_read_user(fds, sizeof(fds), (void *)uptr)) {
		/* the pair exists but we cannot say which numbers: /proc tells at report */
		lt_count_loss(LT_LOSS_FD_PAIR_UNREAD);
		return 0;
	}
	lt_fd_emit_open(fds[0], call, stack_id);
	lt_fd_emit_open(fds[1], call, stack_id);
	return 0;
}

/* close() releases the descriptor even when it reports an error, except EBADF. */
SEC("tracepoint/syscalls/sys_exit_close")
int tp_sys_exit_close(struct trace_event_raw_sys_exit *ctx)
{
	if (!lt_is_target() || ctx->ret == -LT_EBADF)
		return 0;
	lt_fd_emit_close(LT_EV_FD_CLOSE, (int)BPF_CORE_READ(lt_user_regs(), di), 0, 0);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_close_range")
int tp_sys_exit_close_range(struct trace_event_raw_sys_exit *ctx)
{
	struct pt_regs *regs;

	if (!lt_is_target() || ctx->ret != 0)
		return 0;
	regs = lt_user_regs();
	lt_fd_emit_close(LT_EV_FD_CLOSE_RANGE, (int)BPF_CORE_READ(regs, di),
			 (__u32)BPF_CORE_READ(regs, si), (__u32)BPF_CORE_READ(regs, dx));
	return 0;
}

/* By the time this fires the new image's close-on-exec descriptors are closed: what is
 * left in the table is exactly what survived. */
SEC("tracepoint/sched/sched_process_exec")
int tp_sched_process_exec_fd(void *ctx)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct lt_fd_exec_event *e;
	unsigned long *bits;
	__u32 max;

	if (!lt_is_target())
		return 0;
	e = LT_EVENT_NEW(lt_fd_exec_event, LT_EV_FD_EXEC);
	if (!e)
		return 0;
	bits = BPF_CORE_READ(task, files, fdt, open_fds);
	max = BPF_CORE_READ(task, files, fdt, max_fds);
	for (__u32 i = 0; i < LT_FD_EXEC_WORDS; i++) {
		if (i * 64 >= max)
			break;
		if (bpf_probe_read_kernel(&e->open[i], sizeof(e->open[i]), &bits[i]))
			break;
		e->nbits = (i + 1) * 64;
	}
	bpf_ringbuf_submit(e, 0);
	return 0;
}

/* Runs in whatever context changes the state (softirq for a peer's FIN): the map of the
 * target's sockets is the filter, not the current task. */
SEC("tracepoint/sock/inet_sock_set_state")
int tp_inet_sock_set_state(struct trace_event_raw_inet_sock_set_state *ctx)
{
	__u64 key = (__u64)ctx->skaddr;
	struct lt_sock *s = bpf_map_lookup_elem(&fd_socks, &key);

	if (!s || probe_floor)
		return 0;
	s->state = ctx->newstate;
	s->since_ns = bpf_ktime_get_ns();
	s->sport = ctx->sport;
	s->dport = ctx->dport;
	/* the verifier refuses loads through a moved ctx pointer: copy with a helper */
	if (ctx->family == LT_AF_INET) {
		bpf_probe_read_kernel(s->saddr, 4, ctx->saddr);
		bpf_probe_read_kernel(s->daddr, 4, ctx->daddr);
	} else {
		bpf_probe_read_kernel(s->saddr, 16, ctx->saddr_v6);
		bpf_probe_read_kernel(s->daddr, 16, ctx->daddr_v6);
	}
	return 0;
}

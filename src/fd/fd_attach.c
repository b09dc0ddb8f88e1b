// SPDX-License-Identifier: GPL-2.0
/* Attaches the descriptor tracepoints from a table: which syscall exit, which program, and
 * the cookie that tells the program which syscall it is looking at. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/libbpf.h>

#include "leaktrace.skel.h"
#include "attach.h"
#include "fd_attach.h"
#include "leaktrace.h"
#include "log.h"

enum lt_fd_prog {
	LT_FDP_NEW,        /* returns one new descriptor */
	LT_FDP_PAIR,       /* writes two to user memory */
	LT_FDP_CLOSE,
	LT_FDP_CLOSE_RANGE,
	LT_FDP_EXEC,
	LT_FDP_SOCK_STATE,
};

static const struct {
	const char *category;
	const char *name;
	enum lt_fd_prog prog;
	enum lt_fd_call call;
} lt_fd_tps[] = {
	{ "syscalls", "sys_exit_open", LT_FDP_NEW, LT_FDC_OPEN },
	{ "syscalls", "sys_exit_openat", LT_FDP_NEW, LT_FDC_OPENAT },
	{ "syscalls", "sys_exit_openat2", LT_FDP_NEW, LT_FDC_OPENAT2 },
	{ "syscalls", "sys_exit_creat", LT_FDP_NEW, LT_FDC_CREAT },
	{ "syscalls", "sys_exit_socket", LT_FDP_NEW, LT_FDC_SOCKET },
	{ "syscalls", "sys_exit_socketpair", LT_FDP_PAIR, LT_FDC_SOCKETPAIR },
	{ "syscalls", "sys_exit_accept", LT_FDP_NEW, LT_FDC_ACCEPT },
	{ "syscalls", "sys_exit_accept4", LT_FDP_NEW, LT_FDC_ACCEPT4 },
	{ "syscalls", "sys_exit_dup", LT_FDP_NEW, LT_FDC_DUP },
	{ "syscalls", "sys_exit_dup2", LT_FDP_NEW, LT_FDC_DUP2 },
	{ "syscalls", "sys_exit_dup3", LT_FDP_NEW, LT_FDC_DUP3 },
	{ "syscalls", "sys_exit_fcntl", LT_FDP_NEW, LT_FDC_FCNTL },
	{ "syscalls", "sys_exit_pipe", LT_FDP_PAIR, LT_FDC_PIPE },
	{ "syscalls", "sys_exit_pipe2", LT_FDP_PAIR, LT_FDC_PIPE2 },
	{ "syscalls", "sys_exit_eventfd", LT_FDP_NEW, LT_FDC_EVENTFD },
	{ "syscalls", "sys_exit_eventfd2", LT_FDP_NEW, LT_FDC_EVENTFD2 },
	{ "syscalls", "sys_exit_timerfd_create", LT_FDP_NEW, LT_FDC_TIMERFD_CREATE },
	{ "syscalls", "sys_exit_signalfd", LT_FDP_NEW, LT_FDC_SIGNALFD },
	{ "syscalls", "sys_exit_signalfd4", LT_FDP_NEW, LT_FDC_SIGNALFD4 },
	{ "syscalls", "sys_exit_epoll_create", LT_FDP_NEW, LT_FDC_EPOLL_CREATE },
	{ "syscalls", "sys_exit_epoll_create1", LT_FDP_NEW, LT_FDC_EPOLL_CREATE1 },
	{ "syscalls", "sys_exit_inotify_init", LT_FDP_NEW, LT_FDC_INOTIFY_INIT },
	{ "syscalls", "sys_exit_inotify_init1", LT_FDP_NEW, LT_FDC_INOTIFY_INIT1 },
	{ "syscalls", "sys_exit_memfd_create", LT_FDP_NEW, LT_FDC_MEMFD_CREATE },
	{ "syscalls", "sys_exit_pidfd_open", LT_FDP_NEW, LT_FDC_PIDFD_OPEN },
	{ "syscalls", "sys_exit_close", LT_FDP_CLOSE, 0 },
	{ "syscalls", "sys_exit_close_range", LT_FDP_CLOSE_RANGE, 0 },
	{ "sched", "sched_process_exec", LT_FDP_EXEC, 0 },
	{ "sock", "inet_sock_set_state", LT_FDP_SOCK_STATE, 0 },
};

#define LT_FD_NTPS (sizeof(lt_fd_tps) / sizeof(lt_fd_tps[0]))

struct lt_fd_attach {
	struct bpf_link *links[LT_FD_NTPS];
	size_t n;
};

static struct bpf_program *lt_fd_prog(struct leaktrace_bpf *s, enum lt_fd_prog p)
{
	switch (p) {
	case LT_FDP_NEW:
		return s->progs.tp_sys_exit_fd_new;
	case LT_FDP_PAIR:
		return s->progs.tp_sys_exit_fd_pair;
	case LT_FDP_CLOSE:
		return s->progs.tp_sys_exit_close;
	case LT_FDP_CLOSE_RANGE:
		return s->progs.tp_sys_exit_close_range;
	case LT_FDP_EXEC:
		return s->progs.tp_sched_process_exec_fd;
	case LT_FDP_SOCK_STATE:
		return s->progs.tp_inet_sock_set_state;
	}
	return NULL;
}

static bool lt_fd_tp_exists(const char *category, const char *name)
{
	char path[256];

	snprintf(path, sizeof(path), "/sys/kernel/tracing/events/%s/%s", category, name);
	if (!access(path, F_OK))
		return true;
	snprintf(path, sizeof(path), "/sys/kernel/debug/tracing/events/%s/%s", category, name);
	return !access(path, F_OK);
}

struct lt_fd_attach *lt_fd_attach__new(struct lt_bpf *b, const struct lt_config *cfg)
{
	struct lt_fd_attach *a = calloc(1, sizeof(*a));
	int err = 0;

	if (!a)
		return NULL;
	for (size_t i = 0; i < LT_FD_NTPS; i++) {
		LIBBPF_OPTS(bpf_tracepoint_opts, opts, .bpf_cookie = lt_fd_tps[i].call);
		struct bpf_program *prog = lt_fd_prog(b->skel, lt_fd_tps[i].prog);
		struct bpf_link *l;

		if (lt_fd_tps[i].prog == LT_FDP_SOCK_STATE && !cfg->trace_sock)
			continue;
		if (!lt_fd_tp_exists(lt_fd_tps[i].category, lt_fd_tps[i].name)) {
			lt_debug("no tracepoint %s:%s on this kernel", lt_fd_tps[i].category,
				 lt_fd_tps[i].name);
			continue;
		}
		l = bpf_program__attach_tracepoint_opts(prog, lt_fd_tps[i].category,
							lt_fd_tps[i].name, &opts);
		if (!l) {
			err = -errno;
			lt_err("cannot attach to %s:%s: %s", lt_fd_tps[i].category,
			       lt_fd_tps[i].name, strerror(errno));
			goto fail;
		}
		a->links[a->n++] = l;
	}
	return a;
fail:
	lt_fd_attach__free(a);
	errno = -err;
	return NULL;
}

size_t lt_fd_attach__count(const struct lt_fd_attach *a)
{
	return a ? a->n : 0;
}

void lt_fd_attach__free(struct lt_fd_attach *a)
{
	if (!a)
		return;
	/* each one waits for the kernel to be done with the program: side by side */
	lt_attach__destroy_links(a->links, a->n);
	free(a);
}

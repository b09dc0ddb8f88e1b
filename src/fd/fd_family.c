// SPDX-License-Identifier: GPL-2.0
/* The descriptor family: entry uprobes on the libc wrappers that create descriptors (they
 * lend their stack to the syscall exit), syscall-exit tracepoints whose cookie tells the
 * program which syscall it is looking at, and fd_trace.c fed by their events. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/libbpf.h>

#include "leaktrace.skel.h"
#include "fd_family.h"
#include "fd_trace.h"
#include "side_by_side.h"
#include "tracepoints.h"
#include "uprobes.h"
#include "leaktrace.h"
#include "log.h"

/* Descriptor-creating wrappers: the entry lends its stack to the syscall exit that carries
 * the result (a stack taken inside glibc's wrappers is cut short). Entry only, at the
 * first instruction, where [rsp] is the return address into the caller. */
static const struct lt_uprobe lt_fd_probes[] = {
	{ "open64", "uprobe_fd_entry", NULL, LT_PLACE_ENTRY },
	{ "open", "uprobe_fd_entry", NULL, LT_PLACE_ENTRY },
	{ "openat64", "uprobe_fd_entry", NULL, LT_PLACE_ENTRY },
	{ "openat", "uprobe_fd_entry", NULL, LT_PLACE_ENTRY },
	{ "creat64", "uprobe_fd_entry", NULL, LT_PLACE_ENTRY },
	{ "creat", "uprobe_fd_entry", NULL, LT_PLACE_ENTRY },
	{ "socket", "uprobe_fd_entry", NULL, LT_PLACE_ENTRY },
	{ "socketpair", "uprobe_fd_entry", NULL, LT_PLACE_ENTRY },
	{ "accept", "uprobe_fd_entry", NULL, LT_PLACE_ENTRY },
	{ "accept4", "uprobe_fd_entry", NULL, LT_PLACE_ENTRY },
	{ "dup", "uprobe_fd_entry", NULL, LT_PLACE_ENTRY },
	{ "dup2", "uprobe_fd_entry", NULL, LT_PLACE_ENTRY },
	{ "dup3", "uprobe_fd_entry", NULL, LT_PLACE_ENTRY },
	{ "fcntl64", "uprobe_fd_entry", NULL, LT_PLACE_ENTRY },
	{ "fcntl", "uprobe_fd_entry", NULL, LT_PLACE_ENTRY },
	{ "pipe", "uprobe_fd_entry", NULL, LT_PLACE_ENTRY },
	{ "pipe2", "uprobe_fd_entry", NULL, LT_PLACE_ENTRY },
	{ "eventfd", "uprobe_fd_entry", NULL, LT_PLACE_ENTRY },
	{ "timerfd_create", "uprobe_fd_entry", NULL, LT_PLACE_ENTRY },
	{ "signalfd", "uprobe_fd_entry", NULL, LT_PLACE_ENTRY },
	{ "epoll_create", "uprobe_fd_entry", NULL, LT_PLACE_ENTRY },
	{ "epoll_create1", "uprobe_fd_entry", NULL, LT_PLACE_ENTRY },
	{ "inotify_init", "uprobe_fd_entry", NULL, LT_PLACE_ENTRY },
	{ "inotify_init1", "uprobe_fd_entry", NULL, LT_PLACE_ENTRY },
	{ "memfd_create", "uprobe_fd_entry", NULL, LT_PLACE_ENTRY },
	{ "pidfd_open", "uprobe_fd_entry", NULL, LT_PLACE_ENTRY },
};

#define LT_FD_NEW "tp_sys_exit_fd_new"	 /* returns one new descriptor */
#define LT_FD_PAIR "tp_sys_exit_fd_pair" /* writes two to user memory */

/* One program per shape of result; a syscall this kernel lacks is skipped. */
static const struct lt_tracepoint lt_fd_tps[] = {
	{ "syscalls", "sys_exit_open", LT_FD_NEW, LT_FDC_OPEN, true },
	{ "syscalls", "sys_exit_openat", LT_FD_NEW, LT_FDC_OPENAT, true },
	{ "syscalls", "sys_exit_openat2", LT_FD_NEW, LT_FDC_OPENAT2, true },
	{ "syscalls", "sys_exit_creat", LT_FD_NEW, LT_FDC_CREAT, true },
	{ "syscalls", "sys_exit_socket", LT_FD_NEW, LT_FDC_SOCKET, true },
	{ "syscalls", "sys_exit_socketpair", LT_FD_PAIR, LT_FDC_SOCKETPAIR, true },
	{ "syscalls", "sys_exit_accept", LT_FD_NEW, LT_FDC_ACCEPT, true },
	{ "syscalls", "sys_exit_accept4", LT_FD_NEW, LT_FDC_ACCEPT4, true },
	{ "syscalls", "sys_exit_dup", LT_FD_NEW, LT_FDC_DUP, true },
	{ "syscalls", "sys_exit_dup2", LT_FD_NEW, LT_FDC_DUP2, true },
	{ "syscalls", "sys_exit_dup3", LT_FD_NEW, LT_FDC_DUP3, true },
	{ "syscalls", "sys_exit_fcntl", LT_FD_NEW, LT_FDC_FCNTL, true },
	{ "syscalls", "sys_exit_pipe", LT_FD_PAIR, LT_FDC_PIPE, true },
	{ "syscalls", "sys_exit_pipe2", LT_FD_PAIR, LT_FDC_PIPE2, true },
	{ "syscalls", "sys_exit_eventfd", LT_FD_NEW, LT_FDC_EVENTFD, true },
	{ "syscalls", "sys_exit_eventfd2", LT_FD_NEW, LT_FDC_EVENTFD2, true },
	{ "syscalls", "sys_exit_timerfd_create", LT_FD_NEW, LT_FDC_TIMERFD_CREATE, true },
	{ "syscalls", "sys_exit_signalfd", LT_FD_NEW, LT_FDC_SIGNALFD, true },
	{ "syscalls", "sys_exit_signalfd4", LT_FD_NEW, LT_FDC_SIGNALFD4, true },
	{ "syscalls", "sys_exit_epoll_create", LT_FD_NEW, LT_FDC_EPOLL_CREATE, true },
	{ "syscalls", "sys_exit_epoll_create1", LT_FD_NEW, LT_FDC_EPOLL_CREATE1, true },
	{ "syscalls", "sys_exit_inotify_init", LT_FD_NEW, LT_FDC_INOTIFY_INIT, true },
	{ "syscalls", "sys_exit_inotify_init1", LT_FD_NEW, LT_FDC_INOTIFY_INIT1, true },
	{ "syscalls", "sys_exit_memfd_create", LT_FD_NEW, LT_FDC_MEMFD_CREATE, true },
	{ "syscalls", "sys_exit_pidfd_open", LT_FD_NEW, LT_FDC_PIDFD_OPEN, true },
	{ "syscalls", "sys_exit_close", "tp_sys_exit_close", 0, true },
	{ "syscalls", "sys_exit_close_range", "tp_sys_exit_close_range", 0, true },
	{ "sched", "sched_process_exec", "tp_sched_process_exec_fd", 0, true },
};

/* -t sock: TCP state changes */
static const struct lt_tracepoint lt_sock_tps[] = {
	{ "sock", "inet_sock_set_state", "tp_inet_sock_set_state", 0, true },
};

#define LT_NROWS(a) (sizeof(a) / sizeof((a)[0]))

struct lt_fd_family {
	const struct lt_family_env *env;
	struct lt_uprobes *probes;
	struct lt_tracepoints *tps;
	struct lt_fd_trace *trace;
};

static bool lt_fd_wanted(const struct lt_config *cfg)
{
	return cfg->trace_fd || cfg->trace_sock;
}

static void lt_fd_refused(struct lt_config *run)
{
	run->trace_fd = run->trace_sock = false;
}

static void lt_fd_free(void *state)
{
	struct lt_fd_family *f = state;

	lt_uprobes__free(f->probes);
	lt_tracepoints__free(f->tps);
	lt_fd_trace__free(f->trace);
	free(f);
}

static int lt_fd_start(const struct lt_family_env *env, void **state)
{
	struct lt_uprobes_opts o = {
		.rows = lt_fd_probes,
		.n = LT_NROWS(lt_fd_probes),
		/* one uprobe_multi link per module: one detach instead of 26 */
		.link = env->bpf->fd_multi ? LT_UPROBE_MULTI : LT_UPROBE_CLASSIC,
		.what = "descriptor",
	};
	struct lt_fd_family *f = calloc(1, sizeof(*f));
	int err = -ENOMEM;

	if (!f)
		return -ENOMEM;
	f->env = env;
	f->probes = lt_uprobes__new(env->bpf, env->target->pid, &o);
	f->tps = lt_tracepoints__new(env->bpf);
	if (!f->probes || !f->tps)
		goto fail;
	err = lt_tracepoints__attach(f->tps, lt_fd_tps, LT_NROWS(lt_fd_tps));
	if (!err && env->cfg->trace_sock)
		err = lt_tracepoints__attach(f->tps, lt_sock_tps, LT_NROWS(lt_sock_tps));
	if (err)
		goto fail;
	/* after the tracepoints: what opens from now on is seen */
	f->trace = lt_fd_trace__new(env->cfg, env->target->pid,
				    bpf_map__fd(env->bpf->skel->maps.fd_socks));
	if (!f->trace) {
		err = -errno;
		goto fail;
	}
	*state = f;
	return 0;
fail:
	lt_fd_free(f);
	return err;
}

/* Launch mode: the wrappers of our C library, which the child will most likely use. */
static int lt_fd_launch(void *state, const struct lt_modules *own)
{
	struct lt_fd_family *f = state;

	for (size_t i = 0; i < own->n; i++) {
		int err;

		if (!lt_uprobes__is_libc(own->v[i].path))
			continue;
		err = lt_uprobes__file(f->probes, own->v[i].path, own->v[i].dev, own->v[i].ino);
		if (err && err != -ENOENT)
			return err;
	}
	return 0;
}

static int lt_fd_refresh(void *state, const struct lt_family_modules *m)
{
	return lt_uprobes__modules(((struct lt_fd_family *)state)->probes, m->all, NULL);
}

static void lt_fd_announce(void *state)
{
	struct lt_fd_family *f = state;

	lt_info("descriptors: %zu wrapper probes, %zu tracepoints", lt_uprobes__nprobes(f->probes),
		lt_tracepoints__count(f->tps));
}

static bool lt_fd_event(void *state, const void *data, size_t size)
{
	return lt_fd_trace__event(((struct lt_fd_family *)state)->trace, data, size);
}

static int lt_fd_report(void *state, const struct lt_snapshot_opts *o, struct lt_report *r)
{
	struct lt_fd_family *f = state;
	int err;

	err = lt_fd_trace__report(f->trace, f->env->rb, o->now_ns, !r->target_exited, r);
	if (err) {
		lt_err("cannot build the descriptor report: %s", strerror(-err));
		return err;
	}
	lt_snapshot__frames(f->env->bpf, &r->fds.sec);
	return 0;
}

static int lt_fd_sample(void *state, struct lt_series_set *set)
{
	return lt_fd_trace__sample(((struct lt_fd_family *)state)->trace, set);
}

static void lt_fd_detach_probes(void *arg)
{
	lt_uprobes__detach(arg);
}

static void lt_fd_detach_tps(void *arg)
{
	lt_tracepoints__detach(arg);
}

/* The wrappers and the tracepoints each wait for the kernel: side by side. */
static void lt_fd_stop(void *state)
{
	struct lt_fd_family *f = state;
	const struct lt_job jobs[] = {
		{ lt_fd_detach_probes, f->probes },
		{ lt_fd_detach_tps, f->tps },
	};

	lt_side_by_side__run(jobs, LT_NROWS(jobs));
}

const struct lt_family lt_fd_family = {
	.name = "fd,sock",
	.load = LT_LOAD_FD,
	.wanted = lt_fd_wanted,
	.refused = lt_fd_refused,
	.start = lt_fd_start,
	.launch = lt_fd_launch,
	.refresh = lt_fd_refresh,
	.announce = lt_fd_announce,
	.event = lt_fd_event,
	.report = lt_fd_report,
	.stop = lt_fd_stop,
	.free = lt_fd_free,
	.sample = lt_fd_sample,
};

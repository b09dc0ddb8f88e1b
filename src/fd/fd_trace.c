// SPDX-License-Identifier: GPL-2.0
/* Descriptor tracing in a session: applies the BPF events to the table of outstanding
 * descriptors, describes them from /proc/PID/fd and net, reconciles the table with /proc at
 * each report (a descriptor gone without a close event is counted), and builds the report. */
#include <errno.h>
#include <stdio.h>
#include <sys/socket.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "fd_trace.h"
#include "fd_report.h"
#include "fd_track.h"
#include "leaktrace.h"
#include "log.h"
#include "procfd.h"
#include "procnet.h"
#include "target.h"
#include "series.h"

struct lt_fd_trace {
	int pid;
	int socks_fd;
	bool all_kinds, sockets;
	struct lt_fd_track *track;
	struct lt_fd_report_state state;
	__u64 close_missed;
};

/* The socket of a departing descriptor stops being followed once no descriptor holds it. */
static void lt_fd_release(void *ctx, const struct lt_fd_entry *e)
{
	struct lt_fd_trace *ft = ctx;

	struct lt_sock s;

	if (!e->sk || lt_fd_track__sk_held(ft->track, e->sk, e->fd))
		return;
	/* The struct sock may already belong to a newer socket, registered after this
	 * descriptor was closed (events are handled late): keep its record. */
	if (bpf_map_lookup_elem(ft->socks_fd, &e->sk, &s) || s.reg != (__u32)e->ts_ns)
		return;
	bpf_map_delete_elem(ft->socks_fd, &e->sk);
}

static void lt_fd_apply_net(struct lt_fd_desc *d, const struct lt_net_socks *net)
{
	const struct lt_net_sock *s;

	if (d->kind != LT_FDK_SOCKET || !net || !(s = lt_procnet__find(net, d->ino)))
		return;
	snprintf(d->proto, sizeof(d->proto), "%s", s->proto);
	snprintf(d->local, sizeof(d->local), "%s", s->local);
	snprintf(d->peer, sizeof(d->peer), "%s", s->peer);
	d->tcp_state = s->state;
}

struct lt_fd_trace *lt_fd_trace__new(const struct lt_config *cfg, int pid, int socks_map_fd)
{
	struct lt_fd_trace *ft = calloc(1, sizeof(*ft));
	struct lt_net_socks net = {};
	struct lt_fd_desc d;
	int *fds = NULL;
	size_t n = 0;
	int err;

	if (!ft)
		return NULL;
	ft->pid = pid;
	ft->socks_fd = socks_map_fd;
	ft->all_kinds = cfg->trace_fd;
	ft->sockets = cfg->trace_sock;
	ft->track = lt_fd_track__new(lt_fd_release, ft);
	if (!ft->track) {
		err = -ENOMEM;
		goto fail;
	}
	err = lt_procfd__list(pid, &fds, &n);
	if (err) {
		if (!lt_target__say_if_gone(pid))
			lt_err("cannot list the descriptors of process %d: %s", pid,
			       strerror(-err));
		goto fail;
	}
	if (lt_procnet__read(pid, &net))
		lt_debug("cannot read the socket tables of process %d", pid);
	for (size_t i = 0; i < n; i++) {
		if (lt_procfd__describe(pid, fds[i], &d))
			continue; /* closed since the listing */
		lt_fd_apply_net(&d, &net);
		err = lt_fd_track__preexisting(ft->track, fds[i], &d);
		if (err)
			goto fail;
	}
	lt_debug("%zu descriptors open at attach", n);
	free(fds);
	lt_procnet__free(&net);
	return ft;
fail:
	free(fds);
	lt_procnet__free(&net);
	lt_fd_trace__free(ft);
	errno = -err;
	return NULL;
}

static void lt_fd_opened(struct lt_fd_trace *ft, const struct lt_fd_event *e)
{
	struct lt_fd_entry *ent;
	struct lt_fd_desc d;
	int ret;

	ret = lt_fd_track__open(ft->track, e->fd, e->call, e->stack_id, e->ts_ns, e->ino, e->sk);
	if (ret < 0)
		return;
	ft->close_missed += ret;
	ent = lt_fd_track__get(ft->track, e->fd);
	/* Described now, while it most likely still is the same file: a path read at
	 * report time could belong to a later descriptor with the same number. */
	if (ent && !lt_procfd__describe(ft->pid, e->fd, &d) && (!e->ino || d.ino == e->ino)) {
		ent->desc = d;
		ent->described = true;
	}
}

bool lt_fd_trace__event(struct lt_fd_trace *ft, const void *data, size_t size)
{
	const struct lt_fd_event *e = data;
	const struct lt_fd_exec_event *x = data;

	if (size < sizeof(__u32))
		return false;
	switch (e->type) {
	case LT_EV_FD_OPEN:
		if (size >= sizeof(*e))
			lt_fd_opened(ft, e);
		return true;
	case LT_EV_FD_CLOSE:
		if (size >= sizeof(*e))
			lt_fd_track__close(ft->track, e->fd);
		return true;
	case LT_EV_FD_CLOSE_RANGE:
		if (size >= sizeof(*e))
			lt_fd_track__close_range(ft->track, (__u32)e->fd, e->last, e->flags);
		return true;
	case LT_EV_FD_EXEC:
		if (size >= sizeof(*x))
			lt_fd_track__exec(ft->track, x->open,
					  x->nbits > 64 * LT_FD_EXEC_WORDS ? 64 * LT_FD_EXEC_WORDS
									   : x->nbits);
		return true;
	}
	return false;
}

/* Drop what /proc no longer has: closes we did not see (a full ring buffer, descriptors
 * above the exec bitmap). Only entries born before the listing are judged. */
static void lt_fd_reconcile(struct lt_fd_trace *ft, struct ring_buffer *rb)
{
	__u64 seq = lt_fd_track__seq(ft->track);
	int *fds = NULL;
	size_t n = 0;

	if (lt_procfd__list(ft->pid, &fds, &n))
		return;
	if (rb)
		ring_buffer__consume(rb);
	ft->close_missed += lt_fd_track__reconcile(ft->track, fds, n, seq);
	free(fds);
}

struct lt_fd_refresh {
	struct lt_fd_trace *ft;
	struct lt_net_socks *net;
};

static int lt_fd_refresh_one(struct lt_fd_entry *e, void *ctx)
{
	struct lt_fd_refresh *c = ctx;
	struct lt_fd_desc d;

	if (!e->described && !lt_procfd__describe(c->ft->pid, e->fd, &d) &&
	    (!e->ino || d.ino == e->ino)) {
		e->desc = d;
		e->described = true;
	}
	lt_fd_apply_net(&e->desc, c->net);
	return 0;
}

static bool lt_fd_sock_state(void *ctx, __u64 sk, struct lt_sock *out)
{
	struct lt_fd_trace *ft = ctx;

	return bpf_map_lookup_elem(ft->socks_fd, &sk, out) == 0;
}

int lt_fd_trace__report(struct lt_fd_trace *ft, struct ring_buffer *rb, __u64 now_ns, bool alive,
			struct lt_report *r)
{
	struct lt_fd_report_opts o = {
		.now_ns = now_ns,
		.all_kinds = ft->all_kinds,
		.sockets = ft->sockets,
		.sock = lt_fd_sock_state,
		.ctx = ft,
	};
	struct lt_net_socks net = {};
	struct lt_fd_refresh c = { .ft = ft };
	struct lt_fd_flow *flow = NULL;
	size_t nflow = 0;
	int err;

	if (alive) {
		lt_fd_reconcile(ft, rb);
		if (!lt_procnet__read(ft->pid, &net))
			c.net = &net;
		lt_fd_track__for_each(ft->track, lt_fd_refresh_one, &c);
	}
	lt_fd_track__take_flow(ft->track, &flow, &nflow);
	err = lt_fd_report__build(ft->track, flow, nflow, &o, &ft->state, r);
	r->lost[LT_LOSS_FD_CLOSE_MISSED] += ft->close_missed;
	free(flow);
	lt_procnet__free(&net);
	return err;
}

struct lt_fd_sample {
	struct lt_fd_trace *ft;
	struct lt_series_set *set;
};

/* One descriptor's part of a sample: its opening stack, and its peer as the report sees it
 * (the followed BPF record first, else what /proc said at the last report). */
static int lt_fd_sample_one(struct lt_fd_entry *e, void *ctx)
{
	struct lt_fd_sample *c = ctx;
	char peer[LT_FD_ADDR_MAX];
	int state = e->desc.tcp_state, err;
	struct lt_sock s;

	if (e->preexisting || (!c->ft->all_kinds && e->desc.kind != LT_FDK_SOCKET && !e->sk))
		return 0;
	err = lt_series_set__add(c->set, LT_SERIES_FD, e->stack_id, 1);
	if (err || !c->ft->sockets)
		return err;
	snprintf(peer, sizeof(peer), "%s", e->desc.peer);
	if (e->sk && !bpf_map_lookup_elem(c->ft->socks_fd, &e->sk, &s)) {
		state = s.state < LT_TCP_NSTATES ? (int)s.state : 0;
		if (s.dport)
			lt_procnet__format(s.family == AF_INET6 ? AF_INET6 : AF_INET, s.daddr,
					   s.dport, peer, sizeof(peer));
	}
	if (!state || !peer[0])
		return 0;
	return lt_series_set__add(c->set, LT_SERIES_SOCK, lt_series__peer_key(peer), 1);
}

int lt_fd_trace__sample(struct lt_fd_trace *ft, struct lt_series_set *set)
{
	struct lt_fd_sample c = { ft, set };

	return lt_fd_track__for_each(ft->track, lt_fd_sample_one, &c);
}

void lt_fd_trace__free(struct lt_fd_trace *ft)
{
	if (!ft)
		return;
	lt_fd_track__free(ft->track);
	lt_fd_report__state_free(&ft->state);
	free(ft);
}

// SPDX-License-Identifier: GPL-2.0
/* Aggregates the outstanding descriptors by opening stack, and the TCP sockets among them
 * by peer and state, into the report; also the names of kinds and TCP states. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include "fd_report.h"
#include "procnet.h"
#include "array.h"
#include "ranges.h"

#define LT_TCP_CLOSE_WAIT 8
#define LT_TCP_ESTABLISHED 1

static const char *const kind_names[LT_FDK__MAX] = {
	[LT_FDK_UNKNOWN] = "unknown", [LT_FDK_FILE] = "file",	    [LT_FDK_DIR] = "directory",
	[LT_FDK_SOCKET] = "socket",   [LT_FDK_PIPE] = "pipe",	    [LT_FDK_FIFO] = "fifo",
	[LT_FDK_CHAR] = "chardev",    [LT_FDK_BLOCK] = "blockdev",  [LT_FDK_EVENTFD] = "eventfd",
	[LT_FDK_EPOLL] = "epoll",     [LT_FDK_TIMERFD] = "timerfd", [LT_FDK_SIGNALFD] = "signalfd",
	[LT_FDK_INOTIFY] = "inotify", [LT_FDK_MEMFD] = "memfd",	    [LT_FDK_PIDFD] = "pidfd",
	[LT_FDK_ANON] = "anon_inode",
};

static const char *const tcp_names[LT_TCP_NSTATES] = {
	"UNKNOWN", "ESTABLISHED", "SYN_SENT", "SYN_RECV", "FIN_WAIT1", "FIN_WAIT2",    "TIME_WAIT",
	"CLOSE",   "CLOSE_WAIT",  "LAST_ACK", "LISTEN",	  "CLOSING",   "NEW_SYN_RECV",
};

const char *lt_fd_kind__name(enum lt_fd_kind kind)
{
	if ((unsigned int)kind >= LT_FDK__MAX)
		return "unknown";
	return kind_names[kind];
}

const char *lt_tcp_state__name(int state)
{
	if (state <= 0 || state >= LT_TCP_NSTATES)
		return "UNKNOWN";
	return tcp_names[state];
}

/* One outstanding descriptor as the report sees it. */
struct fd_row {
	__u64 stack_id;
	__u64 ts_ns;
	enum lt_fd_kind kind;
	int tcp_state;	      /* 0 when not a TCP socket with a known state */
	__u64 state_since_ns; /* 0 unknown */
	char peer[LT_FD_ADDR_MAX];
	char example_buf[LT_FD_TEXT_MAX];
};

struct collect {
	const struct lt_fd_report_opts *o;
	struct lt_report *r;
	struct fd_row *rows;
	size_t n, cap;
	int err;
};

static void row_socket(struct fd_row *row, const struct lt_fd_entry *e,
		       const struct lt_fd_report_opts *o)
{
	const struct lt_fd_desc *d = &e->desc;
	struct lt_sock s;

	snprintf(row->peer, sizeof(row->peer), "%s", d->peer);
	row->tcp_state = d->tcp_state;
	/* the BPF record follows state changes as they happen, and outlives the process */
	if (e->sk && o->sock && o->sock(o->ctx, e->sk, &s)) {
		row->tcp_state = s.state < LT_TCP_NSTATES ? (int)s.state : 0;
		row->state_since_ns = s.since_ns;
		if (s.dport)
			lt_procnet__format(s.family == AF_INET6 ? AF_INET6 : AF_INET, s.daddr,
					   s.dport, row->peer, sizeof(row->peer));
	}
	if (row->peer[0])
		snprintf(row->example_buf, sizeof(row->example_buf), "%s", row->peer);
	else if (d->proto[0] && d->local[0])
		snprintf(row->example_buf, sizeof(row->example_buf), "%s %s", d->proto, d->local);
	else if (d->proto[0])
		snprintf(row->example_buf, sizeof(row->example_buf), "%s", d->proto);
	else
		snprintf(row->example_buf, sizeof(row->example_buf), "%s", d->path);
}

static int collect_one(struct lt_fd_entry *e, void *ctx)
{
	struct collect *c = ctx;
	struct fd_row *row;

	if (e->preexisting) {
		struct lt_report_fds *f = &c->r->fds;

		if (LT_ENSURE(&f->pre, &f->pre_cap, f->npre + 1))
			return -ENOMEM;
		f->pre[f->npre].fd = e->fd;
		f->pre[f->npre++].desc = e->desc;
		return 0;
	}
	if (!c->o->all_kinds && e->desc.kind != LT_FDK_SOCKET && !e->sk)
		return 0;
	if (LT_ENSURE(&c->rows, &c->cap, c->n + 1))
		return -ENOMEM;
	row = &c->rows[c->n++];
	memset(row, 0, sizeof(*row));
	row->stack_id = e->stack_id;
	row->ts_ns = e->ts_ns;
	row->kind = e->sk ? LT_FDK_SOCKET : e->desc.kind;
	snprintf(row->example_buf, sizeof(row->example_buf), "%s", e->desc.path);
	if (row->kind == LT_FDK_SOCKET)
		row_socket(row, e, c->o);
	return 0;
}

static int cmp_row_stack(const void *pa, const void *pb)
{
	const struct fd_row *a = pa, *b = pb;

	return (a->stack_id > b->stack_id) - (a->stack_id < b->stack_id);
}

struct fd_group {
	struct lt_report_stack st;
	struct lt_report_fd_extra extra;
};

static int cmp_group(const void *pa, const void *pb)
{
	const struct fd_group *a = pa, *b = pb;

	if (a->st.count != b->st.count)
		return a->st.count > b->st.count ? -1 : 1;
	return (a->st.stack_id > b->st.stack_id) - (a->st.stack_id < b->st.stack_id);
}

static double age_s(__u64 now, __u64 ts)
{
	return ts && ts < now ? (double)(now - ts) / 1e9 : 0;
}

static const struct lt_fd_flow *flow_of(const struct lt_fd_flow *flow, size_t n, __u64 id)
{
	/* flow is sorted by stack id, one entry per stack */
	long i = LT_RANGE_FLOOR(flow, n, stack_id, id);

	return i >= 0 && flow[i].stack_id == id ? &flow[i] : NULL;
}

static void group_add_example(struct lt_report_fd_extra *x, const char *ex)
{
	if (!ex || !*ex || x->nexamples == LT_FD_EXAMPLES)
		return;
	for (size_t i = 0; i < x->nexamples; i++)
		if (!strcmp(x->examples[i], ex))
			return;
	snprintf(x->examples[x->nexamples++], LT_FD_TEXT_MAX, "%s", ex);
}

/* rows sorted by stack: one group per stack, most descriptors first. */
static int build_stacks(struct collect *c, const struct lt_fd_flow *flow, size_t nflow)
{
	struct lt_report_fds *f = &c->r->fds;
	struct fd_group *g = calloc(c->n ? c->n : 1, sizeof(*g));
	size_t ng = 0, i, j;

	if (!g)
		return -ENOMEM;
	for (i = 0; i < c->n; i = j) {
		struct fd_group *cur = &g[ng++];
		const struct lt_fd_flow *fl = flow_of(flow, nflow, c->rows[i].stack_id);
		__u64 oldest = 0;

		cur->st.stack_id = c->rows[i].stack_id;
		cur->extra.kind = lt_fd_kind__name(c->rows[i].kind);
		for (j = i; j < c->n && c->rows[j].stack_id == c->rows[i].stack_id; j++) {
			cur->st.count++;
			if (c->rows[j].kind != c->rows[i].kind)
				cur->extra.kind = "mixed";
			if (c->rows[j].ts_ns && (!oldest || c->rows[j].ts_ns < oldest))
				oldest = c->rows[j].ts_ns;
			group_add_example(&cur->extra, c->rows[j].example_buf);
		}
		cur->st.oldest_age_s = oldest ? age_s(c->o->now_ns, oldest) : -1;
		if (fl) {
			cur->extra.opened = fl->opened;
			cur->extra.closed = fl->closed;
		}
		f->sec.count += cur->st.count;
	}
	if (ng) /* qsort(NULL, 0) is undefined */
		qsort(g, ng, sizeof(*g), cmp_group);
	f->sec.n = ng;
	f->sec.stacks = ng ? calloc(ng, sizeof(*f->sec.stacks)) : NULL;
	f->extra = ng ? calloc(ng, sizeof(*f->extra)) : NULL;
	if (ng && (!f->sec.stacks || !f->extra)) {
		free(g);
		return -ENOMEM;
	}
	for (i = 0; i < ng; i++) {
		f->sec.stacks[i] = g[i].st;
		f->extra[i] = g[i].extra;
	}
	for (i = 0; i < nflow; i++) {
		f->opened += flow[i].opened;
		f->closed += flow[i].closed;
	}
	free(g);
	return 0;
}

static struct lt_report_peer *peer_get(struct lt_report_socks *s, const char *peer)
{
	struct lt_report_peer *v;

	for (size_t i = 0; i < s->n; i++)
		if (!strcmp(s->by_peer[i].peer, peer))
			return &s->by_peer[i];
	if (LT_ENSURE(&s->by_peer, &s->by_peer_cap, s->n + 1))
		return NULL;
	v = &s->by_peer[s->n++];
	memset(v, 0, sizeof(*v));
	snprintf(v->peer, sizeof(v->peer), "%s", peer);
	return v;
}

static size_t stack_index(const struct lt_report_fds *f, __u64 stack_id)
{
	for (size_t i = 0; i < f->sec.n; i++)
		if (f->sec.stacks[i].stack_id == stack_id)
			return i;
	return (size_t)-1;
}

static int cw_add(struct lt_report_socks *s, const struct lt_report_fds *f,
		  const struct fd_row *row, __u64 now)
{
	size_t idx = stack_index(f, row->stack_id);
	struct lt_report_close_wait *v;
	double age = row->state_since_ns ? age_s(now, row->state_since_ns) : -1;

	for (size_t i = 0; i < s->ncw; i++) {
		v = &s->cw[i];
		if (v->fd_stack == idx && !strcmp(v->peer, row->peer)) {
			v->count++;
			if (age > v->oldest_s)
				v->oldest_s = age;
			return 0;
		}
	}
	if (LT_ENSURE(&s->cw, &s->cw_cap, s->ncw + 1))
		return -ENOMEM;
	v = &s->cw[s->ncw++];
	memset(v, 0, sizeof(*v));
	v->fd_stack = idx;
	snprintf(v->peer, sizeof(v->peer), "%s", row->peer);
	v->count = 1;
	v->oldest_s = age;
	return 0;
}

static int cmp_peer(const void *pa, const void *pb)
{
	const struct lt_report_peer *a = pa, *b = pb;

	if (a->count != b->count)
		return a->count > b->count ? -1 : 1;
	return strcmp(a->peer, b->peer);
}

static int cmp_cw(const void *pa, const void *pb)
{
	const struct lt_report_close_wait *a = pa, *b = pb;

	if (a->count != b->count)
		return a->count > b->count ? -1 : 1;
	return strcmp(a->peer, b->peer);
}

static __s64 prev_established(const struct lt_fd_report_state *st, const char *peer)
{
	for (size_t i = 0; i < st->nprev; i++)
		if (!strcmp(st->prev[i].peer, peer))
			return st->prev[i].states[LT_TCP_ESTABLISHED];
	return 0;
}

static int build_sockets(struct collect *c, struct lt_fd_report_state *st)
{
	struct lt_report_socks *s = &c->r->socks;
	struct lt_report_peer *p, *keep;
	int err;

	for (size_t i = 0; i < c->n; i++) {
		const struct fd_row *row = &c->rows[i];

		if (!row->tcp_state || !row->peer[0])
			continue;
		p = peer_get(s, row->peer);
		if (!p)
			return -ENOMEM;
		p->count++;
		p->states[row->tcp_state]++;
		if (row->tcp_state == LT_TCP_CLOSE_WAIT) {
			s->close_wait++;
			err = cw_add(s, &c->r->fds, row, c->o->now_ns);
			if (err)
				return err;
		}
	}
	if (s->n) /* qsort(NULL, 0) is undefined */
		qsort(s->by_peer, s->n, sizeof(*s->by_peer), cmp_peer);
	if (s->ncw) /* qsort(NULL, 0) is undefined */
		qsort(s->cw, s->ncw, sizeof(*s->cw), cmp_cw);
	for (size_t i = 0; i < s->n; i++)
		s->by_peer[i].established_change = s->by_peer[i].states[LT_TCP_ESTABLISHED] -
						   prev_established(st, s->by_peer[i].peer);
	/* peers that vanished count for nothing next time: keep a copy of this report's */
	keep = s->n ? malloc(s->n * sizeof(*keep)) : NULL;
	if (s->n && !keep)
		return -ENOMEM;
	if (keep)
		memcpy(keep, s->by_peer, s->n * sizeof(*keep));
	free(st->prev);
	st->prev = keep;
	st->nprev = s->n;
	return 0;
}

int lt_fd_report__build(struct lt_fd_track *t, const struct lt_fd_flow *flow, size_t nflow,
			const struct lt_fd_report_opts *o, struct lt_fd_report_state *st,
			struct lt_report *r)
{
	struct collect c = { .o = o, .r = r };
	int err;

	r->fds.traced = true;
	r->socks.traced = o->sockets;
	err = lt_fd_track__for_each(t, collect_one, &c);
	if (err)
		goto cleanup;
	if (c.n) /* qsort(NULL, 0) is undefined */
		qsort(c.rows, c.n, sizeof(*c.rows), cmp_row_stack);
	err = build_stacks(&c, flow, nflow);
	if (err)
		goto cleanup;
	if (o->sockets)
		err = build_sockets(&c, st);
cleanup:
	free(c.rows);
	return err;
}

void lt_fd_report__state_free(struct lt_fd_report_state *st)
{
	free(st->prev);
	memset(st, 0, sizeof(*st));
}

void lt_report_fds__free(struct lt_report_fds *f)
{
	lt_report_section__free(&f->sec);
	free(f->extra);
	free(f->pre);
	memset(f, 0, sizeof(*f));
}

void lt_report_socks__free(struct lt_report_socks *s)
{
	free(s->by_peer);
	free(s->cw);
	memset(s, 0, sizeof(*s));
}

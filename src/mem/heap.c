// SPDX-License-Identifier: GPL-2.0
/* The heap family: the allocator entry points of allocators.c, attached to each module
 * that defines malloc, operator new or mi_malloc (before exec in launch mode: our C
 * library and the program itself). Its report section is the heap snapshot the session
 * takes from the maps. A Go program is said to be one: its heap is not malloc's. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

/* a BPF user: the Makefile links unit tests with no object that includes the skeleton */
#include "leaktrace.skel.h"
#include "heap.h"
#include "allocators.h"
#include "go_heap.h"
#include "uprobes.h"
#include "bpf_log.h"
#include "snapshot.h"
#include "log.h"
#include "series.h"

struct lt_heap {
	const struct lt_family_env *env;
	struct lt_uprobes *probes;
	struct lt_allocator_rows rows;
	bool go;     /* a module holds a Go runtime (said once) */
	bool mapped; /* the target maps a module with allocator probes */
	/* started late (lt_heap__start_late): its own object, and env with it */
	struct lt_bpf *late;
	struct lt_family_env late_env;
};

/* LT_HEAP_C_ONLY=1: probe the C family alone, as before the C++ and allocator-specific
 * rows; the suite compares the two to prove nothing is counted twice. */
static bool lt_heap_c_only(void)
{
	const char *v = getenv("LT_HEAP_C_ONLY");

	return v && !strcmp(v, "1");
}

static bool lt_heap_wanted(const struct lt_config *cfg)
{
	return cfg->trace_heap;
}

static void lt_heap_refused(struct lt_config *run)
{
	run->trace_heap = false;
}

static int lt_heap_start(const struct lt_family_env *env, void **state)
{
	struct lt_uprobes_opts o = {
		/* one uprobe session link per module where the kernel has them */
		.link = env->bpf->session ? LT_UPROBE_SESSION : LT_UPROBE_CLASSIC,
		.what = "allocator",
	};
	struct lt_heap *h = calloc(1, sizeof(*h));

	if (!h)
		return -ENOMEM;
	h->env = env;
	lt_allocators__rows(lt_heap_c_only(), &h->rows);
	o.rows = h->rows.v;
	o.n = h->rows.n;
	o.nkeys = h->rows.nkeys;
	h->probes = lt_uprobes__new(env->bpf, env->target->pid, &o);
	if (!h->probes) {
		free(h);
		return -ENOMEM;
	}
	*state = h;
	return 0;
}

/* The allocator the child will most likely use: the C library this dynamic loader
 * resolves, which is ours; and the program itself in case it is linked statically. */
static int lt_heap_launch(void *state, const struct lt_modules *own)
{
	struct lt_heap *h = state;
	char *path;
	struct stat st;
	int err = 0;

	for (size_t i = 0; i < own->n; i++) {
		if (!lt_uprobes__is_libc(own->v[i].path))
			continue;
		err = lt_uprobes__file(h->probes, own->v[i].path, own->v[i].dev, own->v[i].ino);
		if (err)
			return err;
	}
	path = lt_target__resolve_command(h->env->cfg->argv[0]);
	if (path && !stat(path, &st)) {
		err = lt_uprobes__file(h->probes, path, st.st_dev, st.st_ino);
		if (err == -ENOENT)
			err = 0;
	}
	free(path);
	return err;
}

static int lt_heap_refresh(void *state, const struct lt_family_modules *m)
{
	struct lt_heap *h = state;
	int added = 0, err;

	for (size_t i = 0; !h->go && i < m->fresh->n; i++) {
		if (!lt_go_heap__in(m->fresh->v[i].host_path))
			continue;
		h->go = true;
		lt_info("process %d (%s) is " LT_GO_HEAP_REASON, h->env->target->pid,
			h->env->target->comm);
	}
	err = lt_uprobes__modules(h->probes, m->all, &added);
	if (!err && added)
		lt_debug("allocator probes attached to %d more module(s)", added);
	/* in launch mode our own libc has probes whether the program maps it or not */
	for (size_t i = 0; !err && !h->mapped && i < m->all->n; i++)
		h->mapped = lt_uprobes__attached(h->probes, m->all->v[i].dev, m->all->v[i].ino);
	return err;
}

/* A Go program that maps no allocator we probe: its heap is out of reach. */
static bool lt_heap_go_only(const struct lt_heap *h)
{
	return h->go && !h->mapped;
}

static void lt_heap_exec(void *state)
{
	struct lt_heap *h = state;
	int err;

	if (!h->env->target->launched)
		return; /* not paused: reports skip the old image's blocks by their age */
	err = lt_snapshot__forget_heap(h->env->bpf);
	if (err)
		lt_warn("cannot forget the heap blocks of the old image: %s", strerror(-err));
}

static int lt_heap_check(void *state)
{
	struct lt_heap *h = state;

	if (lt_uprobes__nmodules(h->probes) || lt_heap_go_only(h))
		return 0; /* a pure Go program: idle says why, the other families trace */
	lt_err("process %d (%s) has no allocator we can probe: no module defines "
	       "malloc (stripped static binary?)",
	       h->env->target->pid, h->env->target->comm);
	return -ENOENT;
}

static const char *lt_heap_idle(void *state)
{
	struct lt_heap *h = state;

	return lt_heap_go_only(h) ? LT_GO_HEAP_REASON : NULL;
}

static size_t lt_heap_summary(void *state, char *buf, size_t size)
{
	struct lt_heap *h = state;

	return snprintf(buf, size, "%zu probes in %zu allocator module(s)%s",
			lt_uprobes__nprobes(h->probes), lt_uprobes__nmodules(h->probes),
			h->env->bpf->session ? " (uprobe sessions)" : "");
}

/* Outstanding blocks per stack, from the kernel's block table. */
static int lt_heap_report(void *state, const struct lt_snapshot_opts *o, struct lt_report *r)
{
	struct lt_heap *h = state;
	int err;

	if (lt_heap_go_only(h)) {
		r->heap_not_traced = true;
		r->heap_off_reason = LT_GO_HEAP_REASON;
		return 0;
	}
	lt_debug("reading the block table");
	err = lt_snapshot__heap(h->env->bpf, o, &r->heap);
	if (err)
		lt_err("cannot read the block table: %s", strerror(-err));
	else
		lt_debug("read %zu heap stacks", r->heap.n);
	return err;
}

static int lt_heap_sample_one(const void *key, const void *value, void *ctx)
{
	const struct lt_totals *t = value;

	return lt_series_set__add(ctx, LT_SERIES_HEAP, *(const __u64 *)key, (double)t->bytes);
}

/* Each stack's outstanding bytes, from the kernel's per-stack totals. */
static int lt_heap_sample(void *state, struct lt_series_set *set)
{
	struct lt_heap *h = state;

	return lt_snapshot__heap_totals(h->env->bpf, lt_heap_sample_one, set);
}

static void lt_heap_stop(void *state)
{
	lt_uprobes__detach(((struct lt_heap *)state)->probes);
}

static void lt_heap_free(void *state)
{
	struct lt_heap *h = state;

	if (!h)
		return;
	lt_uprobes__free(h->probes);
	lt_bpf__destroy(h->late);
	free(h);
}

int lt_heap__start_late(const struct lt_family_env *env, void **state)
{
	struct lt_family_env e = *env;
	struct timespec t0, t1;
	struct lt_heap *h;
	int err;

	/* its programs are verified now, not at every attach (docs/node.md) */
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t0);
	e.bpf = lt_bpf__load_late(env->bpf, LT_LOAD_HEAP);
	if (!e.bpf) {
		err = -errno;
		lt_warn("the heap's BPF programs did not load: %s",
			lt_bpf_log__complaint() ? lt_bpf_log__complaint() : strerror(-err));
		return err;
	}
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t1);
	lt_debug("heap programs loaded late in %.3f s of CPU",
		 (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9);
	err = lt_heap_start(&e, state);
	if (err) {
		lt_bpf__destroy(e.bpf);
		return err;
	}
	h = *state;
	h->late = e.bpf;
	h->late_env = e;
	h->env = &h->late_env;
	return 0;
}

const struct lt_family lt_heap_family = {
	.name = "heap",
	.load = LT_LOAD_HEAP,
	.wanted = lt_heap_wanted,
	.refused = lt_heap_refused,
	.start = lt_heap_start,
	.launch = lt_heap_launch,
	.refresh = lt_heap_refresh,
	.exec = lt_heap_exec,
	.check = lt_heap_check,
	.idle = lt_heap_idle,
	.summary = lt_heap_summary,
	.report = lt_heap_report,
	.stop = lt_heap_stop,
	.free = lt_heap_free,
	.sample = lt_heap_sample,
};

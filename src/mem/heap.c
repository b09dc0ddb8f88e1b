// SPDX-License-Identifier: GPL-2.0
/* The heap family: which allocator functions are probed with which programs, attached to
 * each module that defines malloc (before exec in launch mode: our C library and the
 * program itself). Its report section is the heap snapshot the session takes from the maps. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* a BPF user: the Makefile links unit tests with no object that includes the skeleton */
#include "leaktrace.skel.h"
#include "heap.h"
#include "uprobes.h"
#include "snapshot.h"
#include "log.h"
#include "series.h"

static const struct lt_uprobe lt_alloc_probes[] = {
	{ "malloc", "uprobe_malloc", "uretprobe_malloc", LT_PLACE_ENTRY, LT_FN_MALLOC },
	{ "calloc", "uprobe_calloc", "uretprobe_calloc", LT_PLACE_ENTRY, LT_FN_CALLOC },
	{ "realloc", "uprobe_realloc", "uretprobe_realloc", LT_PLACE_ENTRY, LT_FN_REALLOC },
	{ "reallocarray", "uprobe_reallocarray", "uretprobe_reallocarray", LT_PLACE_ENTRY,
	  LT_FN_REALLOCARRAY },
	{ "posix_memalign", "uprobe_posix_memalign", "uretprobe_posix_memalign", LT_PLACE_ENTRY,
	  LT_FN_POSIX_MEMALIGN },
	{ "aligned_alloc", "uprobe_aligned_alloc", "uretprobe_aligned_alloc", LT_PLACE_ENTRY,
	  LT_FN_ALIGNED_ALLOC },
	{ "memalign", "uprobe_aligned_alloc", "uretprobe_aligned_alloc", LT_PLACE_ENTRY,
	  LT_FN_ALIGNED_ALLOC },
	{ "valloc", "uprobe_valloc", "uretprobe_valloc", LT_PLACE_ENTRY, LT_FN_VALLOC },
	{ "pvalloc", "uprobe_pvalloc", "uretprobe_pvalloc", LT_PLACE_ENTRY, LT_FN_PVALLOC },
	{ "free", "uprobe_free", NULL, LT_PLACE_ARG0_NONNULL, LT_FN_FREE },
};

struct lt_heap {
	const struct lt_family_env *env;
	struct lt_uprobes *probes;
};

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
		.rows = lt_alloc_probes,
		.n = sizeof(lt_alloc_probes) / sizeof(lt_alloc_probes[0]),
		/* one uprobe session link per module where the kernel has them */
		.link = env->bpf->session ? LT_UPROBE_SESSION : LT_UPROBE_CLASSIC,
		.what = "allocator",
	};
	struct lt_heap *h = calloc(1, sizeof(*h));

	if (!h)
		return -ENOMEM;
	h->env = env;
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

	err = lt_uprobes__modules(h->probes, m->all, &added);
	if (!err && added)
		lt_debug("allocator probes attached to %d more module(s)", added);
	return err;
}

static int lt_heap_check(void *state)
{
	struct lt_heap *h = state;

	if (lt_uprobes__nmodules(h->probes))
		return 0;
	lt_err("process %d (%s) has no allocator we can probe: no module defines "
	       "malloc (stripped static binary?)",
	       h->env->target->pid, h->env->target->comm);
	return -ENOENT;
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

	lt_uprobes__free(h->probes);
	free(h);
}

const struct lt_family lt_heap_family = {
	.name = "heap",
	.load = LT_LOAD_HEAP,
	.wanted = lt_heap_wanted,
	.refused = lt_heap_refused,
	.start = lt_heap_start,
	.launch = lt_heap_launch,
	.refresh = lt_heap_refresh,
	.check = lt_heap_check,
	.summary = lt_heap_summary,
	.report = lt_heap_report,
	.stop = lt_heap_stop,
	.free = lt_heap_free,
	.sample = lt_heap_sample,
};

// SPDX-License-Identifier: GPL-2.0
/* The mmap family: syscall-exit tracepoints whose ring-buffer events feed the mapping
 * tracker; its report section is the tracker's outstanding regions, by stack. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* a BPF user: the Makefile links unit tests with no object that includes the skeleton */
#include "leaktrace.skel.h"
#include "mmap_family.h"
#include "mmap_track.h"
#include "tracepoints.h"
#include "log.h"
#include "series.h"

static const struct lt_tracepoint lt_mmap_tps[] = {
	{ "syscalls", "sys_exit_mmap", "tp_sys_exit_mmap" },
	{ "syscalls", "sys_exit_munmap", "tp_sys_exit_munmap" },
	{ "syscalls", "sys_exit_mremap", "tp_sys_exit_mremap" },
};

struct lt_mmap {
	const struct lt_family_env *env;
	struct lt_mmap_track *track;
	struct lt_tracepoints *tps;
};

static bool lt_mmap_wanted(const struct lt_config *cfg)
{
	return cfg->trace_mmap;
}

static void lt_mmap_refused(struct lt_config *run)
{
	run->trace_mmap = false;
}

static void lt_mmap_free(void *state)
{
	struct lt_mmap *m = state;

	lt_tracepoints__free(m->tps);
	lt_mmap_track__free(m->track);
	free(m);
}

static int lt_mmap_start(const struct lt_family_env *env, void **state)
{
	struct lt_mmap *m = calloc(1, sizeof(*m));
	int err = -ENOMEM;

	if (!m)
		return -ENOMEM;
	m->env = env;
	m->track = lt_mmap_track__new();
	m->tps = lt_tracepoints__new(env->bpf);
	if (!m->track || !m->tps)
		goto fail;
	err = lt_tracepoints__attach(m->tps, lt_mmap_tps,
				     sizeof(lt_mmap_tps) / sizeof(lt_mmap_tps[0]));
	if (err)
		goto fail;
	*state = m;
	return 0;
fail:
	lt_mmap_free(m);
	return err;
}

/* The old image's mappings are gone with it. */
static void lt_mmap_exec(void *state)
{
	struct lt_mmap *m = state;
	struct lt_mmap_track *fresh = lt_mmap_track__new();

	if (!fresh) {
		lt_warn("cannot forget the mappings of the old image: out of memory");
		return;
	}
	lt_mmap_track__free(m->track);
	m->track = fresh;
}

static size_t lt_mmap_summary(void *state, char *buf, size_t size)
{
	return snprintf(buf, size, "mmap tracepoints");
}

static bool lt_mmap_event(void *state, const void *data, size_t size)
{
	struct lt_mmap *m = state;
	const struct lt_event *e = data;

	if (size < sizeof(*e))
		return false;
	switch (e->type) {
	case LT_EV_MMAP:
		lt_mmap_track__map(m->track, e->addr, e->len, e->stack_id, e->ts_ns);
		return true;
	case LT_EV_MUNMAP:
		lt_mmap_track__unmap(m->track, e->addr, e->len);
		return true;
	case LT_EV_MREMAP:
		lt_mmap_track__remap(m->track, e->old_addr, e->old_len, e->addr, e->len);
		return true;
	}
	return false;
}

static int lt_mmap_report(void *state, const struct lt_snapshot_opts *o, struct lt_report *r)
{
	struct lt_mmap *m = state;
	struct lt_agg *agg = lt_agg__new();
	int err;

	if (!agg)
		return -ENOMEM;
	err = lt_mmap_track__aggregate(m->track, agg, o->now_ns, o->min_age_ns);
	if (!err)
		err = lt_agg__finish(agg, o->now_ns, &r->mmap);
	lt_agg__free(agg);
	if (err) {
		lt_err("cannot read the maps: %s", strerror(-err));
		return err;
	}
	lt_snapshot__frames(m->env->bpf, &r->mmap);
	return 0;
}

static int lt_mmap_sample_one(__u64 stack_id, __u64 bytes, void *ctx)
{
	return lt_series_set__add(ctx, LT_SERIES_MMAP, stack_id, (double)bytes);
}

static int lt_mmap_sample(void *state, struct lt_series_set *set)
{
	return lt_mmap_track__for_each(((struct lt_mmap *)state)->track, lt_mmap_sample_one, set);
}

static void lt_mmap_stop(void *state)
{
	lt_tracepoints__detach(((struct lt_mmap *)state)->tps);
}

const struct lt_family lt_mmap_family = {
	.name = "mmap",
	.load = LT_LOAD_MMAP,
	.wanted = lt_mmap_wanted,
	.refused = lt_mmap_refused,
	.start = lt_mmap_start,
	.summary = lt_mmap_summary,
	.event = lt_mmap_event,
	.exec = lt_mmap_exec,
	.report = lt_mmap_report,
	.stop = lt_mmap_stop,
	.free = lt_mmap_free,
	.sample = lt_mmap_sample,
};

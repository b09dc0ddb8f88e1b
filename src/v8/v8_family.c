// SPDX-License-Identifier: GPL-2.0
/* The V8 family. It runs in every session: GC tracing with -t gc (v8gc.c), and JS frame
 * naming unless --no-js-names (V8's object layout and code ranges pushed to the walker,
 * names read back through js_names.c; the GC probes attached for it too, without -t gc,
 * since their collection epoch is what lets the walker trust a cached name). Its report
 * section is the GC summary. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/libbpf.h>

#include "leaktrace.skel.h"
#include "v8_family.h"
#include "v8gc.h"
#include "v8_detect.h"
#include "v8_frames.h"
#include "js_names.h"
#include "elf_symbols.h"
#include "symbolize.h"
#include "log.h"
#include "series.h"

struct lt_v8_family {
	const struct lt_family_env *env;
	struct lt_v8gc *gc; /* NULL when gc is not in -t */
	struct lt_gc_report report;
	/* JS frame naming: V8's layout once its module is known, and that module */
	bool v8_seen;
	struct lt_v8_config v8cfg;
	struct lt_v8_blob v8blob;
	__u64 v8_dev, v8_ino;
	struct lt_js_names *js_names;
};

static bool lt_v8_wanted(const struct lt_config *cfg)
{
	return true; /* its GC report section is written with or without -t gc */
}

static void lt_v8_refused(struct lt_config *run)
{
	run->trace_gc = false;
}

static void lt_v8_free(void *state)
{
	struct lt_v8_family *f = state;

	lt_v8gc__free(f->gc);
	lt_js_names__free(f->js_names);
	lt_gc_report__free(&f->report);
	free(f);
}

static int lt_v8_start(const struct lt_family_env *env, void **state)
{
	struct lt_v8_family *f = calloc(1, sizeof(*f));
	int err;

	if (!f)
		return -ENOMEM;
	f->env = env;
	f->js_names = lt_js_names__new(bpf_map__fd(env->bpf->skel->maps.js_names));
	if (!f->js_names) {
		lt_err("out of memory");
		err = -ENOMEM;
		goto fail;
	}
	if (lt_config__gc_probes(env->cfg) && lt_bpf__family_loaded(env->bpf, LT_LOAD_GC)) {
		f->gc = lt_v8gc__new(env->bpf, env->rb, env->target->pid, env->start_ns);
		if (!f->gc) {
			err = -errno;
			lt_err("cannot set up GC tracing: %s", strerror(errno));
			goto fail;
		}
	}
	*state = f;
	return 0;
fail:
	lt_v8_free(f);
	return err;
}

static const struct lt_module *lt_v8_module_of(const struct lt_modules *mods, __u64 dev, __u64 ino)
{
	for (size_t i = 0; i < mods->n; i++)
		if (mods->v[i].dev == dev && mods->v[i].ino == ino)
			return &mods->v[i]; /* sorted by start: the primary load */
	return NULL;
}

/* The module that carries V8, with its ELF opened into *elf; NULL when there is none. GC
 * tracing has already looked for it (lt_v8__detect over the modules it had not seen);
 * only without it (-t without gc) is it looked for here. A V8 whose GC entry points are
 * missing still has frames to name. */
static const struct lt_module *lt_v8_find(struct lt_v8_family *f, const struct lt_modules *mods,
					  struct lt_elf **elf)
{
	const struct lt_v8_module *known = lt_v8gc__module(f->gc);
	const struct lt_module *found = NULL;
	struct lt_v8_module v8 = {};
	int err = 0;

	if (!known && !f->gc) {
		err = lt_v8__detect(mods, &v8);
		known = &v8;
	}
	if (!known || (err && err != -EOPNOTSUPP))
		goto cleanup;
	found = lt_v8_module_of(mods, known->dev, known->ino);
	if (found) {
		*elf = lt_elf__open(found->host_path);
		if (!*elf)
			found = NULL;
	}
cleanup:
	lt_v8__free(&v8);
	return found;
}

/* The walker names JS frames when it knows V8's layout and where V8 code lies; code
 * ranges change as the target maps more, so they are recomputed on each refresh. */
static void lt_v8_frames(struct lt_v8_family *f, const struct lt_maps *maps,
			 const struct lt_modules *mods)
{
	struct lt_v8_range ranges[LT_V8_MAX_RANGES];
	const struct lt_module *v8 = NULL;
	const char *missing = NULL;
	struct lt_elf *e = NULL;
	size_t n;
	int err;

	if (f->env->cfg->no_js_names)
		return;
	if (!f->v8_seen) {
		v8 = lt_v8_find(f, mods, &e);
		if (!v8)
			return;
		f->v8_seen = true;
		f->v8_dev = v8->dev;
		f->v8_ino = v8->ino;
		err = lt_v8_frames__read_config(e, &f->v8cfg, &f->v8blob, &missing);
		lt_elf__close(e);
		if (err) {
			lt_info("JS frames of %s stay unnamed: %s%s", v8->path,
				err == -ENOENT ? "its V8 lacks the debug constant "
					       : "its V8 object layout is not supported",
				err == -ENOENT ? missing : "");
			return;
		}
	}
	if (!f->v8cfg.enabled)
		return;
	if (!v8)
		v8 = lt_v8_module_of(mods, f->v8_dev, f->v8_ino);
	n = lt_v8_frames__code_ranges(maps, v8, &f->v8blob, ranges, LT_V8_MAX_RANGES);
	err = lt_bpf__set_v8_frames(f->env->bpf, &f->v8cfg, ranges, n);
	if (err)
		lt_warn("cannot name JS frames: %s", strerror(-err));
	else
		lt_debug("JS frames named in %zu range(s) of V8 code", n);
}

static int lt_v8_refresh(void *state, const struct lt_family_modules *m)
{
	struct lt_v8_family *f = state;

	if (f->gc) {
		int err = lt_v8gc__refresh(f->gc, m->fresh);

		if (err)
			return err;
	}
	lt_v8_frames(f, m->maps, m->all);
	return 0;
}

static const char *lt_v8_idle(void *state)
{
	struct lt_v8_family *f = state;

	/* the probes that only keep JS names sound trace nothing a report shows */
	if (!f->env->cfg->trace_gc)
		return "";
	if (lt_v8gc__tracing(f->gc))
		return NULL;
	return lt_v8gc__off_reason(f->gc);
}

static void lt_v8_announce(void *state)
{
	struct lt_v8_family *f = state;

	if (lt_v8gc__tracing(f->gc))
		lt_info("V8 GC probes attached%s",
			f->env->cfg->trace_gc ? "" : " (for sound JS frame names; no GC report)");
}

static void lt_v8_symbolizer(void *state, struct lt_symbolizer *sym)
{
	lt_symbolizer__set_js_names(sym, ((struct lt_v8_family *)state)->js_names);
}

static int lt_v8_report(void *state, const struct lt_snapshot_opts *o, struct lt_report *r)
{
	struct lt_v8_family *f = state;
	const char *why = lt_bpf__family_off_reason(f->env->bpf, LT_LOAD_GC);
	int err = 0;

	lt_gc_report__free(&f->report);
	memset(&f->report, 0, sizeof(f->report));
	f->report.off_reason = why ? why : "not selected (-t without gc)";
	if (f->gc && f->env->cfg->trace_gc) {
		err = lt_v8gc__report(f->gc, &f->report);
		if (err)
			lt_err("cannot summarize garbage collections: %s", strerror(-err));
	}
	r->gc = &f->report;
	return err;
}

static void lt_v8_report_done(void *state)
{
	lt_gc_report__free(&((struct lt_v8_family *)state)->report);
}

/* The JS heap's total, beside RSS: what RSS grows by outside it (heap_auto.c). */
static int lt_v8_sample(void *state, struct lt_series_set *set)
{
	struct lt_v8_family *f = state;

	if (!f->env->cfg->trace_gc || !lt_v8gc__tracing(f->gc))
		return 0;
	return lt_series_set__add(set, LT_SERIES_TOTAL, LT_TOTAL_JS_HEAP,
				  (double)lt_v8gc__heap_size(f->gc));
}

static void lt_v8_stop(void *state)
{
	lt_v8gc__detach(((struct lt_v8_family *)state)->gc);
}

const struct lt_family lt_v8_family = {
	.name = "gc",
	.load = LT_LOAD_GC,
	.wanted = lt_v8_wanted,
	.refused = lt_v8_refused,
	.start = lt_v8_start,
	.refresh = lt_v8_refresh,
	.idle = lt_v8_idle,
	.announce = lt_v8_announce,
	.event = NULL, /* GC events come through their own ring buffer (v8gc.c) */
	.symbolizer = lt_v8_symbolizer,
	.report = lt_v8_report,
	.report_done = lt_v8_report_done,
	.stop = lt_v8_stop,
	.free = lt_v8_free,
	.sample = lt_v8_sample,
};

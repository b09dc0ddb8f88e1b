// SPDX-License-Identifier: GPL-2.0
/* V8 GC tracing: attaches uprobes (through uprobes.c) to Heap::PerformGarbageCollection
 * (entry and return, every compiler clone) and Heap::SizeOfObjects (return) of the module
 * that carries V8, scoped to the target pid, and logs one collection per ring buffer event
 * with the process RSS read when the event arrives. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/libbpf.h>

#include "leaktrace.skel.h"
#include "v8gc.h"
#include "v8_detect.h"
#include "uprobes.h"
#include "log.h"
#include "target.h"

/* One row per clone of PerformGarbageCollection and of SizeOfObjects. */
#define LT_V8GC_MAX_ROWS (2 * LT_V8_MAX_CLONES)
_Static_assert(LT_V8GC_MAX_ROWS <= LT_UPROBES_MAX_ROWS, "too many V8 clones for one table");

struct lt_v8gc {
	struct lt_bpf *bpf;
	int pid;
	long page_size;
	const __u64 *origin_ns;
	struct lt_v8_module v8;
	bool tracing;
	char why[sizeof(((struct lt_v8_module *)0)->why)];
	struct lt_uprobes *probes;
	struct lt_gc_log *log;
	/* each isolate's (thread's) heap size after its latest GC: the JS heap's series */
	struct {
		__u32 tid;
		__u64 bytes;
	} after[LT_V8GC_ISOLATES];
	size_t nafter;
};

static void lt_v8gc_note_size(struct lt_v8gc *g, __u32 tid, __u64 bytes)
{
	size_t i;

	for (i = 0; i < g->nafter && g->after[i].tid != tid; i++)
		;
	if (i == LT_V8GC_ISOLATES)
		return; /* more isolates than slots: the first ones stand for the heap */
	g->after[i].tid = tid;
	g->after[i].bytes = bytes;
	if (i == g->nafter)
		g->nafter++;
}

/* A GC is rare enough that reading a file per GC costs nothing. It is read when the event
 * is handled, within a poll interval (100 ms) of the GC. */
static __u64 lt_v8gc_rss(const struct lt_v8gc *g)
{
	return lt_target__rss(g->pid);
}

static int lt_v8gc_event(void *ctx, void *data, size_t size)
{
	struct lt_v8gc *g = ctx;
	const struct lt_gc_event *e = data;
	struct lt_gc_collection c = {};

	if (size < sizeof(*e))
		return 0;
	c.t_s = ((double)e->start_ns - (double)*g->origin_ns) / 1e9;
	c.pause_ms = e->end_ns > e->start_ns ? (e->end_ns - e->start_ns) / 1e6 : 0;
	c.kind = e->kind;
	c.reason = e->reason;
	c.tid = e->tid;
	c.has_before = e->nsizes >= 1;
	c.has_after = e->nsizes >= 2;
	c.live_before = c.has_before ? e->live_before : 0;
	c.live_after = c.has_after ? e->live_after : 0;
	c.rss = lt_v8gc_rss(g);
	if (c.has_after)
		lt_v8gc_note_size(g, c.tid, c.live_after);
	if (lt_gc_log__add(g->log, &c))
		lt_warn("out of memory: a garbage collection was not logged");
	return 0;
}

struct lt_v8gc *lt_v8gc__new(struct lt_bpf *b, struct ring_buffer *rb, int pid,
			     const __u64 *origin_ns)
{
	struct lt_v8gc *g = calloc(1, sizeof(*g));
	int err;

	if (!g)
		return NULL;
	g->bpf = b;
	g->pid = pid;
	g->origin_ns = origin_ns;
	g->page_size = sysconf(_SC_PAGESIZE);
	snprintf(g->why, sizeof(g->why), "no V8 symbols in this process");
	g->log = lt_gc_log__new(LT_V8GC_LIST_MAX);
	if (!g->log) {
		err = -ENOMEM;
		goto fail;
	}
	err = ring_buffer__add(rb, bpf_map__fd(b->skel->maps.gc_events), lt_v8gc_event, g);
	if (err)
		goto fail;
	return g;
fail:
	lt_v8gc__free(g);
	errno = -err;
	return NULL;
}

/* Return probes first (uprobes.c): a return seen without its entry is ignored, while an
 * entry without its return would be counted as a missed return. A uretprobe must sit on
 * the first instruction, and the entry probe reads the arguments as the call left them:
 * both go on the entry. GCs are a few a second: a single-stepped probe costs nothing that
 * matters here. */
static int lt_v8gc_attach_all(struct lt_v8gc *g)
{
	const struct lt_v8_func *pgc = &g->v8.perform_gc, *soo = &g->v8.size_of_objects;
	struct lt_uprobe rows[LT_V8GC_MAX_ROWS];
	struct lt_uprobes_opts o = {
		.rows = rows,
		.link = LT_UPROBE_CLASSIC,
		.what = "V8 GC",
		.all_rows = true,
	};

	for (size_t i = 0; i < soo->n && o.n < LT_V8GC_MAX_ROWS; i++)
		rows[o.n++] = (struct lt_uprobe){ .symbol = soo->names[i],
						  .ret_prog = "uretprobe_v8_size_of_objects",
						  .place = LT_PLACE_ENTRY,
						  .label = soo->what };
	for (size_t i = 0; i < pgc->n && o.n < LT_V8GC_MAX_ROWS; i++)
		rows[o.n++] = (struct lt_uprobe){ .symbol = pgc->names[i],
						  .entry_prog = "uprobe_v8_perform_gc",
						  .ret_prog = "uretprobe_v8_perform_gc",
						  .place = LT_PLACE_ENTRY,
						  .label = pgc->what };
	g->probes = lt_uprobes__new(g->bpf, g->pid, &o);
	if (!g->probes)
		return -errno;
	return lt_uprobes__file(g->probes, g->v8.host_path, g->v8.dev, g->v8.ino);
}

int lt_v8gc__refresh(struct lt_v8gc *g, const struct lt_modules *fresh)
{
	int err;

	/* only modules not examined before: reading a large binary's symbols takes time */
	if (g->tracing || !fresh->n)
		return 0;
	lt_v8__free(&g->v8);
	err = lt_v8__detect(fresh, &g->v8);
	if (err == -ENOENT)
		return 0; /* perhaps in a library loaded later */
	memcpy(g->why, g->v8.why, sizeof(g->why));
	if (err == -EOPNOTSUPP) {
		lt_info("V8 garbage collections not traced: %s", g->why);
		return 0;
	}
	if (err)
		return err;
	err = lt_v8gc_attach_all(g);
	if (err) {
		snprintf(g->why, sizeof(g->why), "attaching to V8 in %s failed: %s", g->v8.path,
			 strerror(-err));
		lt_err("%s", g->why);
		lt_uprobes__free(g->probes);
		g->probes = NULL;
		return err;
	}
	g->tracing = true;
	lt_debug("V8 %s in %s: %zu GC probes", g->v8.version[0] ? g->v8.version : "(version?)",
		 g->v8.path, lt_uprobes__nprobes(g->probes));
	return 0;
}

bool lt_v8gc__tracing(const struct lt_v8gc *g)
{
	return g && g->tracing;
}

const struct lt_v8_module *lt_v8gc__module(const struct lt_v8gc *g)
{
	return g && g->v8.path ? &g->v8 : NULL;
}

const char *lt_v8gc__off_reason(const struct lt_v8gc *g)
{
	return g->tracing ? NULL : g->why;
}

__u64 lt_v8gc__heap_size(const struct lt_v8gc *g)
{
	__u64 sum = 0;

	for (size_t i = 0; g && i < g->nafter; i++)
		sum += g->after[i].bytes;
	return sum;
}

int lt_v8gc__report(struct lt_v8gc *g, struct lt_gc_report *out)
{
	memset(out, 0, sizeof(*out));
	out->traced = g->tracing;
	out->off_reason = lt_v8gc__off_reason(g);
	out->module = g->v8.path;
	out->v8_version = g->v8.version;
	/* Node runs its main isolate on the process's main thread, whose tid is the pid */
	return lt_gc_log__summarize(g->log, (__u32)g->pid, out);
}

void lt_v8gc__detach(struct lt_v8gc *g)
{
	if (g)
		lt_uprobes__detach(g->probes);
}

void lt_v8gc__free(struct lt_v8gc *g)
{
	if (!g)
		return;
	lt_uprobes__free(g->probes);
	lt_gc_log__free(g->log);
	lt_v8__free(&g->v8);
	free(g);
}

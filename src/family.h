/* SPDX-License-Identifier: GPL-2.0 */
/* A probe family behind one interface: the session iterates over a table of these and
 * knows no family's fields (see docs/adding-a-family.md). */
#ifndef LT_FAMILY_H
#define LT_FAMILY_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>
#include "config.h"
#include "loader.h"
#include "procmaps.h"
#include "report.h"
#include "snapshot.h"
#include "target.h"

struct ring_buffer;
struct lt_symbolizer;
struct lt_series_set;

/* What the session gives a family at start; it lives as long as the session. */
struct lt_family_env {
	const struct lt_config *cfg; /* the run's: a family the kernel refused is off */
	struct lt_bpf *bpf;	     /* loaded, the family's programs included */
	struct ring_buffer *rb;	     /* the session's ring buffers (ring_buffer__add) */
	const struct lt_target *target;
	const __u64 *start_ns; /* when tracing began (CLOCK_MONOTONIC); set late */
};

/* What the target maps now, at each refresh. */
struct lt_family_modules {
	const struct lt_maps *maps;
	const struct lt_modules *all;	/* every executable module */
	const struct lt_modules *fresh; /* those not handed to the families before */
};

/* Every function returns 0 or a negative errno and has said why on stderr. Every
 * operation but name, load and wanted may be NULL. state is what start made. */
struct lt_family {
	const char *name;	  /* the -t word(s) */
	enum lt_load_family load; /* its BPF programs (load_family.c) */
	/* Whether the family runs with this config (the run's, after loading). */
	bool (*wanted)(const struct lt_config *cfg);
	/* Its programs were refused by the verifier: clear its -t flags in run. */
	void (*refused)(struct lt_config *run);
	/* After the BPF object is loaded, before any module is known; attach what does
	 * not depend on modules (tracepoints). */
	int (*start)(const struct lt_family_env *env, void **state);
	/* Launch mode, before the child execs: attach to our own modules (own), which the
	 * child will most likely map too. */
	int (*launch)(void *state, const struct lt_modules *own);
	/* The target mapped new code: attach to the new modules. */
	int (*refresh)(void *state, const struct lt_family_modules *m);
	/* Attaching to a running process, after the first refresh: whether the family can
	 * run there (-ENOENT, said why, when it cannot). */
	int (*check)(void *state);
	/* NULL while the family traces; else why it does not (yet). */
	const char *(*idle)(void *state);
	/* Its part of the "attached to pid ..." line; 0 when it has none. */
	size_t (*summary)(void *state, char *buf, size_t size);
	/* Its own line after that one. */
	void (*announce)(void *state);
	/* One ring-buffer record the session does not handle itself; true when it was the
	 * family's. */
	bool (*event)(void *state, const void *data, size_t size);
	/* A symbolizer was made: hook what the family names into it. */
	void (*symbolizer)(void *state, struct lt_symbolizer *sym);
	/* Fill the family's section of r; called for running families in table order,
	 * after the heap snapshot and the loss counters, before symbolization. */
	int (*report)(void *state, const struct lt_snapshot_opts *o, struct lt_report *r);
	/* r has been written: free what report put in it outside the sections. */
	void (*report_done)(void *state);
	/* The target exec'd: forget what belonged to the old address space (its blocks,
	 * its mappings); refresh follows with the new image's modules. */
	void (*exec)(void *state);
	/* Detach every probe; the families' stops run side by side. */
	void (*stop)(void *state);
	/* After the BPF object is destroyed. */
	void (*free)(void *state);
	/* About once a second while tracing, and before each report: add the family's point
	 * of every stack (and peer) to the sample set begun (series.h). */
	int (*sample)(void *state, struct lt_series_set *set);
};

#endif

/* SPDX-License-Identifier: GPL-2.0 */
/* Run configuration, filled by option parsing and passed by const pointer to what needs it. */
#ifndef LT_CONFIG_H
#define LT_CONFIG_H

#include <stdbool.h>
#include <stdio.h>
#include <linux/types.h>

enum lt_format {
	LT_FMT_TEXT = 0,
	LT_FMT_FOLDED,
	LT_FMT_JSON,
	LT_FMT_PPROF,
};

struct lt_config {
	int pid;	   /* -p PID; 0 in launch mode until the child is started */
	char **argv;	   /* launch mode: command after "--", NULL-terminated; NULL otherwise */
	double duration_s; /* -d SECONDS; 0 = until Ctrl-C or the target exits */
	double interval_s; /* INTERVAL: a report every so often; 0 = only the final report */
	long count;	   /* COUNT: stop after that many interval reports; 0 = unlimited */
	enum lt_format format;
	const char *output;  /* -o FILE; NULL = stdout */
	double min_age_s;    /* --min-age: report only allocations at least this old */
	int top_n;	     /* -n N: stacks shown in text output (default 10) */
	int verbose;	     /* -v, repeatable */
	__u32 max_allocs;    /* --max-allocs: outstanding allocations tracked at once */
	__u32 max_stacks;    /* --max-stacks: distinct stacks stored */
	bool trace_heap;     /* allocator probes */
	bool trace_mmap;     /* mmap/munmap/mremap */
	bool probe_floor;    /* --probe-floor: same probes, programs that return at once */
	__u64 sample_bytes;  /* --sample: one allocation recorded per so many bytes; 0 = all */
	bool classic_probes; /* --classic-probes: no uprobe sessions even if the kernel has them */
	bool trace_fd;	     /* descriptors: born by open, socket, pipe, dup, ...; closed */
	bool trace_sock;     /* sockets: TCP state and peer (needs the descriptor lifecycle) */
	bool no_js_names;    /* --no-js-names: leave V8 JS frames unnamed in BPF */
	bool trace_gc;	     /* V8 garbage collections, when the target carries V8 */
	/* --push URL: each report to a Pyroscope server as pprof (src/output/push.c) */
	const char *push_url;
	const char *push_name; /* --push-name; NULL: leaktrace.<comm> */
#define LT_PUSH_MAX_LABELS 16
	const char *push_labels[LT_PUSH_MAX_LABELS]; /* --push-label k=v, checked */
	int n_push_labels;
	const char *push_token_file; /* --push-token-file: a bearer token */
	const char *push_basic_file; /* --push-basic-auth-file: "user:password" */
	double push_timeout_s;	     /* --push-timeout: one attempt at most (default 10) */
	bool all_frames;	     /* --all-frames: text shows runtime-internal frames too */
	bool trace_jsheap;	     /* -t jsheap: live JS objects by allocation site (opt-in) */
	__u64 js_sample_interval;    /* --js-sample-interval: bytes between V8 heap samples */
	int js_gc_pause_max_ms;	     /* --js-gc-pause-max: longest forced GC a read may cost */
	bool js_listeners;	     /* --js-listeners: hook EventEmitter adds (with -t jsheap) */
	bool trace_default; /* no -t: the default set, which a V8 target narrows (session.c) */
	bool no_auto_heap;  /* --no-auto-heap: that narrowed default never turns the heap on */
};

/* Whether the V8 GC probes run: for GC tracing (-t gc), and also whenever walked stacks get
 * their JS frames named, since only the collection epoch they count makes a cached name
 * sound (docs/node.md); -t heap alone then attaches them without a GC report. */
static inline bool lt_config__gc_probes(const struct lt_config *c)
{
	return c->trace_gc || (!c->no_js_names &&
			       (c->trace_heap || c->trace_mmap || c->trace_fd || c->trace_sock));
}

/* Fill cfg from the command line. Returns 0 to run, 1 when --help or --version was
 * printed (exit 0), or a negative errno after printing a one-line error to stderr. */
int lt_config__parse(int argc, char **argv, struct lt_config *cfg);
/* The --help text, generated from the same option table as the parser. */
void lt_config__help(FILE *f);

#endif

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
	bool trace_default;  /* no -t: the default set, which a V8 target narrows (session.c) */
};

/* Fill cfg from the command line. Returns 0 to run, 1 when --help or --version was
 * printed (exit 0), or a negative errno after printing a one-line error to stderr. */
int lt_config__parse(int argc, char **argv, struct lt_config *cfg);
/* The --help text, generated from the same option table as the parser. */
void lt_config__help(FILE *f);

#endif

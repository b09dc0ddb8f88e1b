/* SPDX-License-Identifier: GPL-2.0 */
/* A report's data, read out of the BPF maps and the mapping tracker (lt_symbolizer__report names
 * its frames afterwards). */
#ifndef LT_SNAPSHOT_H
#define LT_SNAPSHOT_H

#include <stdbool.h>
#include "loader.h"
#include "mmap_track.h"
#include "report.h"
#include "symbolize.h"

struct lt_snapshot_opts {
	__u64 now_ns; /* CLOCK_MONOTONIC, the clock of bpf_ktime_get_ns() */
	__u64 min_age_ns;
	__u64 sample_bytes;   /* --sample: weigh each recorded allocation (lt_sample__weight) */
	bool need_ages;	      /* compute each stack's oldest allocation (scans `allocs`) */
	size_t symbolize_top; /* symbolize the first N stacks of each section; 0 = all */
	__u64 born_after_ns;  /* the target's last exec: older blocks are the old image's */
};

/* The heap section: outstanding blocks per stack, with their frames. */
int lt_snapshot__heap(struct lt_bpf *b, const struct lt_snapshot_opts *o,
		      struct lt_report_section *out);
/* Copy each stack's frames out of the `stacks` map. */
void lt_snapshot__frames(struct lt_bpf *b, struct lt_report_section *sec);
/* Visit the kernel's per-stack heap totals (__u64 stack id, struct lt_totals), a batch per
 * system call; a non-zero return of fn stops the walk and is returned. */
int lt_snapshot__heap_totals(struct lt_bpf *b,
			     int (*fn)(const void *stack_id, const void *totals, void *ctx),
			     void *ctx);
void lt_snapshot__release(struct lt_report *r);

/* The target exec'd and is paused until we are done: forget every outstanding block and
 * per-stack total (the old image's addresses mean nothing in the new one). A target that
 * runs on (-p) keeps them, and reports skip them by born_after_ns. */
int lt_snapshot__forget_heap(struct lt_bpf *b);

#endif

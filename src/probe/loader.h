/* SPDX-License-Identifier: GPL-2.0 */
/* The BPF object: open, size, load, unwind tables, counters, teardown. */
#ifndef LT_LOADER_H
#define LT_LOADER_H

#include <linux/types.h>
#include "config.h"
#include "load_family.h"
#include "leaktrace.h"
#include "procmaps.h"

struct leaktrace_bpf;

#define LT_CFI_ROWS_CAP (1u << 20)  /* 8 MiB of rows for all modules */
#define LT_CFI_INDEX_CAP (1u << 17) /* 1 MiB of slices for all modules */

struct lt_bpf {
	struct leaktrace_bpf *skel;
	struct lt_cfi_row *rows;	  /* mmap of the cfi_rows map */
	struct lt_cfi_module *mods;	  /* mmap of the cfi_modules map */
	__u32 rows_cap, rows_used, nmods; /* nmods: modules examined for a table */
	__u32 cfi_skipped;		  /* modules left to frame pointers (table too big) */
	bool session;			  /* allocator probes go through lt_alloc_session links */
	bool fd_multi;		    /* descriptor wrapper probes go through uprobe_multi links */
	struct lt_cfi_slice *index; /* mmap of the cfi_index map */
	__u32 index_used;	    /* its slices given to modules */
	struct lt_cfi_span span;    /* what the cfi_span map holds */
	/* the file whose rows each cfi_modules slot holds, to follow it when it is mapped
	 * again elsewhere (dlclose, then dlopen) */
	struct {
		__u64 dev, ino;
	} mod_file[LT_MAX_CFI_MODULES];
	bool family_off[LT_LOAD__MAX]; /* traced, but the kernel refused its programs */
	char family_why[LT_LOAD__MAX][256];
};

/* Check the kernel can run us, open and load the BPF object for pid: the programs of the
 * families cfg traces. A family whose programs the kernel refuses is left out (said on
 * stderr, see lt_bpf__family_off_reason) while the others load. */
struct lt_bpf *lt_bpf__load(const struct lt_config *cfg, int pid);
bool lt_bpf__family_loaded(const struct lt_bpf *b, enum lt_load_family f);
/* A second object for a family that starts late (the heap of a V8 target, heap_auto.h):
 * family f's programs alone, on base's maps; NULL with errno set when it cannot load
 * (lt_bpf_log__complaint says why for a refused program). Destroy it before or after base. */
struct lt_bpf *lt_bpf__load_late(const struct lt_bpf *base, enum lt_load_family f);
/* Why a traced family is not loaded; NULL when it is (or was not asked for). */
const char *lt_bpf__family_off_reason(const struct lt_bpf *b, enum lt_load_family f);
/* Let the stack walker name V8 JS frames: object layout and the n ranges of V8 code
 * (replaces the ranges given before). */
int lt_bpf__set_v8_frames(struct lt_bpf *b, const struct lt_v8_config *cfg,
			  const struct lt_v8_range *ranges, __u32 n);
/* Sum of the per-CPU loss counters. */
int lt_bpf__read_losses(struct lt_bpf *b, __u64 lost[LT_LOSS__MAX]);
void lt_bpf__destroy(struct lt_bpf *b);

#endif

/* SPDX-License-Identifier: GPL-2.0 */
/* Outstanding anonymous mappings of the target, kept in userspace from ring-buffer
 * events (mmap is rare; partial munmap and mremap need interval arithmetic). */
#ifndef LT_MMAP_TRACK_H
#define LT_MMAP_TRACK_H

#include <linux/types.h>
#include "report.h"
#include "stackagg.h"

struct lt_mmap_track;

struct lt_mmap_track *lt_mmap_track__new(void);
/* A new anonymous mapping [addr, addr + len) made at stack_id. A range that overlaps
 * tracked ones replaces them (MAP_FIXED over an existing mapping). */
int lt_mmap_track__map(struct lt_mmap_track *t, __u64 addr, __u64 len, __u64 stack_id, __u64 ts_ns);
/* Remove [addr, addr + len) from whatever is tracked: a partial unmap trims or splits a
 * region, keeping its stack and time. Untracked parts are ignored. */
int lt_mmap_track__unmap(struct lt_mmap_track *t, __u64 addr, __u64 len);
/* mremap: the tracked part of [old, old + old_len) now lives at [addr, addr + len),
 * keeping the stack and time of the region that held old. Each tracked piece keeps its
 * offset; a shrink drops what falls past the new end; growth joins the piece that held
 * the old range's last page (untracked there: the growth stays untracked). Whatever
 * was tracked in the destination is replaced (MREMAP_FIXED).
 * All three calls round len up to 4 KiB pages as the kernel does, and return -EINVAL
 * for an empty or wrapping range. */
int lt_mmap_track__remap(struct lt_mmap_track *t, __u64 old, __u64 old_len, __u64 addr, __u64 len);
/* Add every region at least min_age_ns old at now_ns to agg (bytes = length, count 1). */
int lt_mmap_track__aggregate(const struct lt_mmap_track *t, struct lt_agg *agg, __u64 now_ns,
			     __u64 min_age_ns);
/* Visit every region (its stack and length); a non-zero return of fn stops the walk. */
int lt_mmap_track__for_each(const struct lt_mmap_track *t,
			    int (*fn)(__u64 stack_id, __u64 bytes, void *ctx), void *ctx);
__u64 lt_mmap_track__bytes(const struct lt_mmap_track *t);
void lt_mmap_track__free(struct lt_mmap_track *t);

#endif

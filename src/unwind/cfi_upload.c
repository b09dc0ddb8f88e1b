// SPDX-License-Identifier: GPL-2.0
/* Gives the stack walker the unwind table of each new module: rows built by cfi.c copied
 * into the mmap'ed cfi_rows map, a slice index over them, then the module entry that
 * makes the walker use them. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/libbpf.h>
#include <bpf/bpf.h>

#include "leaktrace.skel.h"
#include "cfi.h"
#include "cfi_index.h"
#include "cfi_upload.h"
#include "log.h"

#define LT_CFI_MODULE_MAX_ROWS (1u << 19)  /* a bigger module keeps frame pointers */
#define LT_CFI_INDEX_MODULE_MAX (1u << 14) /* libc: 128-byte slices, libstdc++: 256 */
/* FDEs whose rules are read to judge a module before building its table: node has 76k,
 * whose table took about 0.15 s of CPU to build and was then dropped for frame pointers */
#define LT_CFI_SAMPLE_FDES 512

/* Code built with frame pointers has a CFA = rbp + 16 rule in the body of nearly every
 * function, about a third of all rows (node: 34%); code built without has almost none
 * (libc: under 1%). The share of the rows with a register rule that are rbp-based, in
 * percent. */
static unsigned lt_cfi_rbp_percent(const struct lt_cfi_row *rows, size_t n)
{
	size_t rsp = 0, rbp = 0;

	for (size_t i = 0; i < n; i++) {
		rsp += rows[i].cfa_reg == LT_CFA_RSP;
		rbp += rows[i].cfa_reg == LT_CFA_RBP;
	}
	return rsp + rbp ? (unsigned)(rbp * 100 / (rsp + rbp)) : 0;
}

static bool lt_cfi_keeps_frame_pointers(const struct lt_cfi_row *rows, size_t n)
{
	return lt_cfi_rbp_percent(rows, n) > 20;
}

/* Whether a sample of the module's FDEs already says it keeps frame pointers (then no
 * table is built); false when it has no more FDEs than the sample (the table is cheap)
 * or cannot be read (lt_cfi__build says why). */
static bool lt_cfi_sampled_frame_pointers(const struct lt_module *m)
{
	struct lt_cfi_row *rows = NULL;
	size_t n = 0, nfdes = 0;
	bool fp;

	if (lt_cfi__sample(m->host_path, LT_CFI_SAMPLE_FDES, &rows, &n, &nfdes))
		return false;
	fp = nfdes > LT_CFI_SAMPLE_FDES && lt_cfi_keeps_frame_pointers(rows, n);
	if (nfdes > LT_CFI_SAMPLE_FDES)
		lt_debug("%s: %u%% of the rules of %u of its %zu FDEs are rbp-based", m->path,
			 lt_cfi_rbp_percent(rows, n), LT_CFI_SAMPLE_FDES, nfdes);
	free(rows);
	return fp;
}

static struct lt_cfi_module *lt_cfi_free_slot(struct lt_bpf *b)
{
	for (__u32 k = 0; k < LT_MAX_CFI_MODULES; k++)
		if (!b->mods[k].end)
			return &b->mods[k];
	return NULL;
}

/* The slice index of a module whose rows go to b->rows_used onward: the finest slices
 * that fit in LT_CFI_INDEX_MODULE_MAX, or in what is left. A module that finds no room
 * keeps the search over all its rows. */
static void lt_cfi_index_module(struct lt_bpf *b, struct lt_cfi_module *slot,
				const struct lt_cfi_row *rows, size_t n)
{
	size_t room = LT_CFI_INDEX_CAP - b->index_used;
	__u32 shift;

	if (room > LT_CFI_INDEX_MODULE_MAX)
		room = LT_CFI_INDEX_MODULE_MAX;
	shift = lt_cfi_index__shift(rows, n, room);
	slot->idx_first = b->index_used;
	slot->idx_base = rows[0].pc;
	slot->idx_shift = shift;
	slot->idx_count =
		lt_cfi_index__build(rows, n, shift, b->rows_used, b->index + b->index_used, room);
	b->index_used += slot->idx_count;
	if (slot->idx_count)
		lt_debug("unwind index: %u slices of %llu bytes", slot->idx_count, 1ull << shift);
	else
		lt_debug("no room left for an unwind index: all rows are searched");
}

/* Widen the walker's span of modules with tables to hold m, before m is published (a
 * walker reading the span half updated still sees at least the old span). */
static int lt_cfi_widen_span(struct lt_bpf *b, const struct lt_module *m)
{
	__u32 zero = 0;

	if (b->span.end && m->start >= b->span.start && m->end <= b->span.end)
		return 0;
	if (!b->span.end || m->start < b->span.start)
		b->span.start = m->start;
	if (m->end > b->span.end)
		b->span.end = m->end;
	if (bpf_map_update_elem(bpf_map__fd(b->skel->maps.cfi_span), &zero, &b->span, BPF_ANY))
		return -errno;
	return 0;
}

void lt_cfi_upload__modules(struct lt_bpf *b, const struct lt_modules *fresh)
{
	for (size_t i = 0; i < fresh->n && b->nmods < LT_MAX_CFI_MODULES; i++) {
		const struct lt_module *m = &fresh->v[i];
		struct lt_cfi_module *slot;
		struct lt_cfi_row *rows = NULL;
		size_t n = 0;
		int err;

		b->nmods++; /* examined, whether it gets a table or not */
		if (lt_cfi_sampled_frame_pointers(m)) {
			lt_debug("%s keeps frame pointers: no unwind table", m->path);
			continue;
		}
		err = lt_cfi__build(m->host_path, &rows, &n);
		if (err || n == 0 || n > LT_CFI_MODULE_MAX_ROWS || b->rows_used + n > b->rows_cap) {
			lt_debug("unwind table for %s: %s, frame pointers only", m->path,
				 err ? strerror(-err)
				 : n ? "too large"
				     : "no CFI");
			b->cfi_skipped++;
			goto next;
		}
		if (lt_cfi_keeps_frame_pointers(rows, n)) {
			/* Its frames are walked by frame pointers, which is cheaper per frame
			 * and just as right for return addresses. */
			lt_debug("%s keeps frame pointers: no unwind table", m->path);
			goto next;
		}
		slot = lt_cfi_free_slot(b);
		if (!slot)
			goto next;
		memcpy(b->rows + b->rows_used, rows, n * sizeof(*rows));
		lt_cfi_index_module(b, slot, rows, n);
		if (lt_cfi_widen_span(b, m)) {
			lt_debug("unwind table for %s: cannot widen the span", m->path);
			goto next;
		}
		/* Rows and index first, then the module entry that makes the walker use
		 * them; `end` last, since the walker takes a zero end for an empty slot. */
		__sync_synchronize();
		slot->first = b->rows_used;
		slot->count = n;
		slot->bias = m->bias;
		slot->start = m->start;
		__sync_synchronize();
		slot->end = m->end;
		b->mod_file[slot - b->mods].dev = m->dev;
		b->mod_file[slot - b->mods].ino = m->ino;
		b->rows_used += n;
		lt_debug("unwind table for %s: %zu rows", m->path, n);
next:
		free(rows);
	}
}

void lt_cfi_upload__moved(struct lt_bpf *b, const struct lt_modules *all)
{
	for (size_t i = 0; i < all->n; i++) {
		const struct lt_module *m = &all->v[i];

		for (__u32 k = 0; k < LT_MAX_CFI_MODULES; k++) {
			struct lt_cfi_module *slot = &b->mods[k];

			if (!slot->end || b->mod_file[k].dev != m->dev ||
			    b->mod_file[k].ino != m->ino)
				continue;
			if (slot->start == m->start && slot->bias == m->bias)
				break;
			if (lt_cfi_widen_span(b, m))
				break;
			/* unpublished while it moves: a walk meanwhile falls back to frame
			 * pointers rather than read rows at the wrong bias */
			slot->end = 0;
			__sync_synchronize();
			slot->bias = m->bias;
			slot->start = m->start;
			__sync_synchronize();
			slot->end = m->end;
			lt_debug("unwind table for %s follows it to %#llx", m->path,
				 (unsigned long long)m->start);
			break;
		}
	}
}

void lt_cfi_upload__forget(struct lt_bpf *b)
{
	__u32 zero = 0;

	/* entries first: a walker never follows one into rows being overwritten */
	for (__u32 k = 0; k < LT_MAX_CFI_MODULES; k++)
		b->mods[k].end = 0;
	__sync_synchronize();
	memset(b->mods, 0, LT_MAX_CFI_MODULES * sizeof(*b->mods));
	memset(b->mod_file, 0, sizeof(b->mod_file));
	memset(&b->span, 0, sizeof(b->span));
	if (bpf_map_update_elem(bpf_map__fd(b->skel->maps.cfi_span), &zero, &b->span, BPF_ANY))
		lt_debug("cannot reset the unwind span: %s", strerror(errno));
	b->nmods = 0;
	b->rows_used = 0;
	b->index_used = 0;
	b->cfi_skipped = 0;
}

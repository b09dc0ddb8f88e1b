// SPDX-License-Identifier: GPL-2.0
/* Reads a report out of the maps: per-stack heap totals kept by BPF, the oldest
 * allocation of each stack (or the allocations older than --min-age) from a batched
 * scan of the `allocs` table, mappings from the tracker, frames from `stacks`. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "leaktrace.skel.h"
#include "alloc_table.h"
#include "snapshot.h"
#include "stackagg.h"
#include "log.h"

#define LT_BATCH 4096

typedef int (*lt_entry_fn)(const void *key, const void *value, void *ctx);

/* Visit every entry of a map, a batch of entries per system call. */
static int lt_map_for_each(int fd, size_t ksz, size_t vsz, lt_entry_fn fn, void *ctx)
{
	LIBBPF_OPTS(bpf_map_batch_opts, opts);
	char *keys = malloc(LT_BATCH * ksz), *vals = malloc(LT_BATCH * vsz);
	__u64 in = 0, out = 0;
	void *inp = NULL;
	int err = 0;

	if (!keys || !vals) {
		err = -ENOMEM;
		goto cleanup;
	}
	for (;;) {
		__u32 count = LT_BATCH;
		int r = bpf_map_lookup_batch(fd, inp, &out, keys, vals, &count, &opts);

		if (r && errno != ENOENT) {
			err = -errno;
			goto cleanup;
		}
		for (__u32 i = 0; i < count; i++) {
			err = fn(keys + i * ksz, vals + i * vsz, ctx);
			if (err)
				goto cleanup;
		}
		if (r)
			break; /* ENOENT: that was the last batch */
		in = out;
		inp = &in;
	}
cleanup:
	free(keys);
	free(vals);
	return err;
}

/* Under sampling, counts are estimates with fractions: they are added in thousandths
 * and divided back once aggregated. */
#define LT_SAMPLED_COUNT_SCALE 1000

struct lt_heap_scan {
	struct lt_agg *agg;
	__u64 now_ns, min_age_ns;
	__u64 sample_bytes;
	__u64 born_after_ns;
	bool sizes; /* add sizes and counts (--min-age, --sample), not only times */
};

static int lt_add_total(const void *key, const void *value, void *ctx)
{
	const struct lt_totals *t = value;

	return lt_agg__add(ctx, *(const __u64 *)key, t->bytes, t->count, 0);
}

static int lt_add_alloc(__u64 addr, const struct lt_alloc *a, void *ctx)
{
	struct lt_heap_scan *s = ctx;

	if (s->min_age_ns && (a->ts_ns > s->now_ns || s->now_ns - a->ts_ns < s->min_age_ns))
		return 0;
	if (a->ts_ns < s->born_after_ns)
		return 0;
	if (s->sample_bytes) {
		__s64 bytes;
		double count;

		lt_sample__weight(a->size, s->sample_bytes, &bytes, &count);
		return lt_agg__add(s->agg, a->stack_id, bytes,
				   (__s64)(count * LT_SAMPLED_COUNT_SCALE + 0.5), a->ts_ns);
	}
	if (s->sizes)
		return lt_agg__add(s->agg, a->stack_id, a->size, 1, a->ts_ns);
	return lt_agg__add(s->agg, a->stack_id, 0, 0, a->ts_ns);
}

static int lt_add_bucket(const void *key, const void *value, void *ctx)
{
	return lt_alloc_table__visit(value, lt_add_alloc, ctx);
}

static int lt_snapshot_heap(struct lt_bpf *b, const struct lt_snapshot_opts *o,
			    struct lt_report_section *out)
{
	struct lt_heap_scan scan = {
		.now_ns = o->now_ns,
		.min_age_ns = o->min_age_ns,
		.sample_bytes = o->sample_bytes,
		.born_after_ns = o->born_after_ns,
	};
	struct leaktrace_bpf *s = b->skel;
	int err;

	scan.agg = lt_agg__new();
	if (!scan.agg)
		return -ENOMEM;
	/* Without --min-age the kernel's per-stack totals are the answer; the scan only
	 * contributes each stack's oldest allocation time. Sampled allocations are few
	 * and each has its own weight: the scan is the answer. */
	scan.sizes = o->min_age_ns > 0 || o->sample_bytes || o->born_after_ns;
	if (!scan.sizes) {
		err = lt_map_for_each(bpf_map__fd(s->maps.heap_totals), sizeof(__u64),
				      sizeof(struct lt_totals), lt_add_total, scan.agg);
		if (err)
			goto cleanup;
	}
	if (scan.sizes || o->need_ages) {
		err = lt_map_for_each(bpf_map__fd(s->maps.allocs), sizeof(__u32),
				      sizeof(struct lt_alloc_bucket), lt_add_bucket, &scan);
		if (err)
			goto cleanup;
	}
	err = lt_agg__finish(scan.agg, o->now_ns, out);
	if (!err && o->sample_bytes) {
		out->count = 0;
		for (size_t i = 0; i < out->n; i++) {
			out->stacks[i].count = (out->stacks[i].count + LT_SAMPLED_COUNT_SCALE / 2) /
					       LT_SAMPLED_COUNT_SCALE;
			out->count += out->stacks[i].count;
		}
	}
cleanup:
	lt_agg__free(scan.agg);
	return err;
}

void lt_snapshot__frames(struct lt_bpf *b, struct lt_report_section *sec)
{
	int fd = bpf_map__fd(b->skel->maps.stacks);
	struct lt_stack st;

	for (size_t i = 0; i < sec->n; i++) {
		struct lt_report_stack *rs = &sec->stacks[i];

		rs->nframes = 0;
		if (!rs->stack_id || bpf_map_lookup_elem(fd, &rs->stack_id, &st))
			continue;
		rs->nframes = st.nr > LT_MAX_FRAMES ? LT_MAX_FRAMES : st.nr;
		rs->flags = st.flags;
		memcpy(rs->ips, st.ips, rs->nframes * sizeof(rs->ips[0]));
	}
}

int lt_snapshot__heap(struct lt_bpf *b, const struct lt_snapshot_opts *o,
		      struct lt_report_section *out)
{
	int err = lt_snapshot_heap(b, o, out);

	if (err)
		return err;
	lt_snapshot__frames(b, out);
	return 0;
}

int lt_snapshot__forget_heap(struct lt_bpf *b)
{
	int fd = bpf_map__fd(b->skel->maps.allocs), tfd = bpf_map__fd(b->skel->maps.heap_totals);
	__u32 n = bpf_map__max_entries(b->skel->maps.allocs), *keys = NULL;
	struct lt_alloc_bucket *zero = NULL;
	__u64 key, next;
	int err = -ENOMEM;

	keys = calloc(LT_BATCH, sizeof(*keys));
	zero = calloc(LT_BATCH, sizeof(*zero));
	if (!keys || !zero)
		goto cleanup;
	for (__u32 first = 0; first < n; first += LT_BATCH) {
		__u32 count = n - first < LT_BATCH ? n - first : LT_BATCH;

		for (__u32 i = 0; i < count; i++)
			keys[i] = first + i;
		if (bpf_map_update_batch(fd, keys, zero, &count, NULL)) {
			err = -errno;
			goto cleanup;
		}
	}
	while (!bpf_map_get_next_key(tfd, NULL, &next)) {
		key = next;
		if (bpf_map_delete_elem(tfd, &key) && errno != ENOENT) {
			err = -errno;
			goto cleanup;
		}
	}
	err = 0;
cleanup:
	free(keys);
	free(zero);
	return err;
}

int lt_snapshot__heap_totals(struct lt_bpf *b,
			     int (*fn)(const void *stack_id, const void *totals, void *ctx),
			     void *ctx)
{
	return lt_map_for_each(bpf_map__fd(b->skel->maps.heap_totals), sizeof(__u64),
			       sizeof(struct lt_totals), fn, ctx);
}

void lt_snapshot__release(struct lt_report *r)
{
	lt_report_section__free(&r->heap);
	lt_report_section__free(&r->mmap);
	lt_report_fds__free(&r->fds);
	lt_report_socks__free(&r->socks);
}

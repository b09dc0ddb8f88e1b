// SPDX-License-Identifier: GPL-2.0
/* Aggregation of (stack, bytes, count, time) records into a report section sorted by size. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "report.h"
#include "stackagg.h"

struct agg_rec {
	__u64 stack_id;
	__s64 bytes;
	__s64 count;
	__u64 ts_ns;
};

struct lt_agg {
	struct agg_rec *v;
	size_t n, cap;
};

struct lt_agg *lt_agg__new(void)
{
	return calloc(1, sizeof(struct lt_agg));
}

int lt_agg__add(struct lt_agg *a, __u64 stack_id, __s64 bytes, __s64 count, __u64 ts_ns)
{
	int err;

	if (!a)
		return -EINVAL;
	err = LT_ENSURE(&a->v, &a->cap, a->n + 1);
	if (err)
		return err;
	a->v[a->n++] = (struct agg_rec){ stack_id, bytes, count, ts_ns };
	return 0;
}

static int cmp_rec_stack(const void *pa, const void *pb)
{
	const struct agg_rec *a = pa, *b = pb;

	return (a->stack_id > b->stack_id) - (a->stack_id < b->stack_id);
}

static int cmp_stack_size(const void *pa, const void *pb)
{
	const struct lt_report_stack *a = pa, *b = pb;

	if (a->bytes != b->bytes)
		return a->bytes > b->bytes ? -1 : 1;
	if (a->count != b->count)
		return a->count > b->count ? -1 : 1;
	return (a->stack_id > b->stack_id) - (a->stack_id < b->stack_id);
}

/* Totals saturate rather than wrap: a bogus counter must not turn into a negative size. */
static __s64 sat_add(__s64 a, __s64 b)
{
	__s64 r;

	if (__builtin_add_overflow(a, b, &r))
		return b > 0 ? INT64_MAX : INT64_MIN;
	return r;
}

int lt_agg__finish(struct lt_agg *a, __u64 now_ns, struct lt_report_section *out)
{
	struct lt_report_stack *stacks = NULL, *s;
	size_t i, j, n = 0, groups = 0;
	__u64 min_ts;
	__s64 bytes, count;

	if (!a || !out)
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	if (!a->n)
		return 0;

	qsort(a->v, a->n, sizeof(*a->v), cmp_rec_stack);
	for (i = 0; i < a->n; i++)
		if (!i || a->v[i].stack_id != a->v[i - 1].stack_id)
			groups++;
	stacks = calloc(groups, sizeof(*stacks));
	if (!stacks)
		return -ENOMEM;

	for (i = 0; i < a->n; i = j) {
		bytes = 0;
		count = 0;
		min_ts = 0; /* 0: no record of this stack knows its time */
		for (j = i; j < a->n && a->v[j].stack_id == a->v[i].stack_id; j++) {
			bytes = sat_add(bytes, a->v[j].bytes);
			count = sat_add(count, a->v[j].count);
			if (a->v[j].ts_ns && (!min_ts || a->v[j].ts_ns < min_ts))
				min_ts = a->v[j].ts_ns;
		}
		if (bytes <= 0 || count <= 0)
			continue;
		s = &stacks[n++];
		s->stack_id = a->v[i].stack_id;
		s->bytes = bytes;
		s->count = count;
		if (!min_ts)
			s->oldest_age_s = -1;
		else
			/* an allocation stamped after now (clocks read in another order) is new */
			s->oldest_age_s = min_ts < now_ns ? (double)(now_ns - min_ts) / 1e9 : 0;
		out->bytes = sat_add(out->bytes, bytes);
		out->count = sat_add(out->count, count);
	}
	qsort(stacks, n, sizeof(*stacks), cmp_stack_size);

	if (!n) {
		free(stacks);
		stacks = NULL;
	}
	out->stacks = stacks;
	out->n = n;
	/* records are consumed: the aggregator can take the next snapshot */
	a->n = 0;
	return 0;
}

void lt_agg__free(struct lt_agg *a)
{
	if (!a)
		return;
	free(a->v);
	free(a);
}

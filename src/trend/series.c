// SPDX-License-Identifier: GPL-2.0
/* The series set: points on one clock, series found by (kind, key) through an open-addressed
 * index, thinned together when full. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "series.h"

struct lt_series {
	__u64 key;
	__u32 kind;
	float v[LT_SERIES_POINTS]; /* float: 24 bits of a trend's figure are plenty */
};

struct lt_series_set {
	double t[LT_SERIES_POINTS];
	size_t n; /* points held */
	struct lt_series *v;
	size_t nv, cap;
	__u32 *index; /* series number + 1, 0 empty; size a power of two, at most half full */
	size_t index_size;
	size_t dropped;
};

static size_t lt_slot(__u32 kind, __u64 key, size_t size)
{
	__u64 h = (key ^ ((__u64)kind << 59)) * 0x9e3779b97f4a7c15ull;

	return (h >> 32) & (size - 1);
}

static int lt_index_grow(struct lt_series_set *s)
{
	size_t size = s->index_size ? s->index_size * 2 : 1024;
	__u32 *index = calloc(size, sizeof(*index));

	if (!index)
		return -ENOMEM;
	for (size_t i = 0; i < s->nv; i++) {
		size_t k = lt_slot(s->v[i].kind, s->v[i].key, size);

		while (index[k])
			k = (k + 1) & (size - 1);
		index[k] = i + 1;
	}
	free(s->index);
	s->index = index;
	s->index_size = size;
	return 0;
}

/* The series of (kind, key), or NULL; *slot is where it would go. */
static struct lt_series *lt_find(const struct lt_series_set *s, __u32 kind, __u64 key, size_t *slot)
{
	size_t k;

	if (!s->index_size)
		return NULL;
	for (k = lt_slot(kind, key, s->index_size); s->index[k];
	     k = (k + 1) & (s->index_size - 1)) {
		struct lt_series *v = &s->v[s->index[k] - 1];

		if (v->key == key && v->kind == kind)
			return v;
	}
	if (slot)
		*slot = k;
	return NULL;
}

struct lt_series_set *lt_series_set__new(void)
{
	return calloc(1, sizeof(struct lt_series_set));
}

void lt_series_set__free(struct lt_series_set *s)
{
	if (!s)
		return;
	free(s->v);
	free(s->index);
	free(s);
}

/* Keep every other point of the older half, all of the newer half. */
static void lt_thin(double *t, float *v, size_t n)
{
	size_t half = n / 2, j = 0;

	for (size_t i = 0; i < half; i += 2, j++) {
		if (t)
			t[j] = t[i];
		if (v)
			v[j] = v[i];
	}
	for (size_t i = half; i < n; i++, j++) {
		if (t)
			t[j] = t[i];
		if (v)
			v[j] = v[i];
	}
}

int lt_series_set__begin(struct lt_series_set *s, double t_s)
{
	if (s->n == LT_SERIES_POINTS) {
		lt_thin(s->t, NULL, s->n);
		for (size_t i = 0; i < s->nv; i++)
			lt_thin(NULL, s->v[i].v, s->n);
		s->n = LT_SERIES_POINTS / 2 / 2 + (LT_SERIES_POINTS - LT_SERIES_POINTS / 2);
	}
	s->t[s->n] = t_s;
	for (size_t i = 0; i < s->nv; i++)
		s->v[i].v[s->n] = 0;
	s->n++;
	return 0;
}

int lt_series_set__add(struct lt_series_set *s, enum lt_series_kind kind, __u64 key, double value)
{
	struct lt_series *v;
	size_t slot;
	int err;

	if (!s->n || kind >= LT_SERIES__MAX)
		return -EINVAL;
	if (kind == LT_SERIES_HEAP || kind == LT_SERIES_MMAP || kind == LT_SERIES_FD) {
		err = lt_series_set__add(s, LT_SERIES_TOTAL,
					 kind == LT_SERIES_HEAP	  ? LT_TOTAL_HEAP
					 : kind == LT_SERIES_MMAP ? LT_TOTAL_MMAP
								  : LT_TOTAL_FDS,
					 value);
		if (err)
			return err;
	}
	v = lt_find(s, kind, key, &slot);
	if (!v) {
		if (s->nv >= LT_SERIES_MAX_KEYS) {
			s->dropped++;
			return 0;
		}
		if ((s->nv + 1) * 2 > s->index_size) {
			err = lt_index_grow(s);
			if (err)
				return err;
			lt_find(s, kind, key, &slot);
		}
		if (LT_ENSURE(&s->v, &s->cap, s->nv + 1))
			return -ENOMEM;
		v = &s->v[s->nv];
		v->key = key;
		v->kind = kind;
		memset(v->v, 0, sizeof(v->v)); /* nothing outstanding before it was seen */
		s->index[slot] = ++s->nv;
	}
	v->v[s->n - 1] += value;
	return 0;
}

const double *lt_series_set__times(const struct lt_series_set *s, size_t *n)
{
	*n = s->n;
	return s->t;
}

bool lt_series_set__values(const struct lt_series_set *s, enum lt_series_kind kind, __u64 key,
			   double *y)
{
	const struct lt_series *v = lt_find(s, kind, key, NULL);

	if (!v)
		return false;
	for (size_t i = 0; i < s->n; i++)
		y[i] = v->v[i];
	return true;
}

size_t lt_series_set__dropped(const struct lt_series_set *s)
{
	return s->dropped;
}

__u64 lt_series__peer_key(const char *peer)
{
	__u64 h = 0xcbf29ce484222325ull; /* FNV-1a */

	for (; *peer; peer++)
		h = (h ^ (unsigned char)*peer) * 0x100000001b3ull;
	return h;
}

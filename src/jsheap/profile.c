// SPDX-License-Identifier: GPL-2.0
/* Profile trees into rows (profile.h). A profile holds only objects allocated since the
 * sampler started and still alive at the read (V8 forces a mark-compact first and drops
 * dead samples through their weak handles), so every row starts at 0 with the window. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "gc_trend.h"
#include "profile.h"

/* Growth must exceed this many Poisson deviations of the row's sample count... */
#define LT_JS_SIGMAS 3.0
/* ...and the last read must hold this many samples of it for any verdict; */
#define LT_JS_MIN_SAMPLES 6
/* an accumulating row keeps survivors from the whole window, bounded churn only from its
 * recent end (measured: 52% against 2%, shared/JS-HEAP.md §4). */
#define LT_JS_MIN_FIRST_HALF 0.2
/* CDP's stacks are at most 128 frames deep */
#define LT_JS_MAX_DEPTH 256

struct lt_js_row {
	char *key;
	struct lt_js_site site;
};

struct lt_js_table {
	struct lt_js_row *v;
	size_t n, cap;
	size_t *hash; /* open addressing: row index + 1, 0 empty */
	size_t hcap;
};

/* One node of a profile tree, flattened. */
struct lt_js_node {
	long id;
	long parent; /* index, -1 for the root */
	const char *fn, *url;
	int line, col; /* 0-based, as CDP gives them */
	long site_row;
};

static size_t lt_js_hash(const char *s)
{
	size_t h = 1469598103934665603ull;

	while (*s)
		h = (h ^ (unsigned char)*s++) * 1099511628211ull;
	return h;
}

static int lt_js_table_grow(struct lt_js_table *t)
{
	size_t hcap = t->hcap ? t->hcap * 2 : 256, *h = calloc(hcap, sizeof(*h));

	if (!h)
		return -ENOMEM;
	for (size_t i = 0; i < t->n; i++) {
		size_t k = lt_js_hash(t->v[i].key) & (hcap - 1);

		while (h[k])
			k = (k + 1) & (hcap - 1);
		h[k] = i + 1;
	}
	free(t->hash);
	t->hash = h;
	t->hcap = hcap;
	return 0;
}

/* The row for key, made if new (frames filled by the caller when *made). */
static struct lt_js_row *lt_js_table_get(struct lt_js_table *t, const char *key, bool *made)
{
	size_t k;

	*made = false;
	if ((t->n + 1) * 2 > t->hcap && lt_js_table_grow(t))
		return NULL;
	for (k = lt_js_hash(key) & (t->hcap - 1); t->hash[k]; k = (k + 1) & (t->hcap - 1))
		if (!strcmp(t->v[t->hash[k] - 1].key, key))
			return &t->v[t->hash[k] - 1];
	if (LT_ENSURE(&t->v, &t->cap, t->n + 1))
		return NULL;
	memset(&t->v[t->n], 0, sizeof(t->v[t->n]));
	t->v[t->n].key = strdup(key);
	if (!t->v[t->n].key)
		return NULL;
	t->hash[k] = ++t->n;
	*made = true;
	return &t->v[t->n - 1];
}

static bool lt_js_user(const struct lt_js_node *n)
{
	return n->url[0] && strncmp(n->url, "node:", 5);
}

static int lt_js_frame_set(struct lt_js_frame *f, const struct lt_js_node *n)
{
	f->symbol = strdup(n->fn[0] ? n->fn : "(anonymous)");
	f->file = strdup(n->url);
	f->line = n->line + 1;
	f->column = n->col + 1;
	return f->symbol && f->file ? 0 : -ENOMEM;
}

static const char *lt_js_str(struct json_object *o, const char *k)
{
	struct json_object *v;

	return json_object_object_get_ex(o, k, &v) && json_object_is_type(v, json_type_string)
		       ? json_object_get_string(v)
		       : "";
}

static long lt_js_int(struct json_object *o, const char *k, long dflt)
{
	struct json_object *v;

	return json_object_object_get_ex(o, k, &v) ? (long)json_object_get_int64(v) : dflt;
}

struct lt_js_nodes {
	struct lt_js_node *v;
	size_t n, cap;
};

/* Flatten the tree depth first (CDP nests at most 128 frames: the recursion is bounded by
 * the tokener's depth). */
static int lt_js_flatten(struct json_object *node, long parent, struct lt_js_nodes *out, int depth)
{
	struct json_object *cf, *kids;
	long self;

	if (depth > LT_JS_MAX_DEPTH || !json_object_is_type(node, json_type_object))
		return -EINVAL;
	if (LT_ENSURE(&out->v, &out->cap, out->n + 1))
		return -ENOMEM;
	self = (long)out->n++;
	json_object_object_get_ex(node, "callFrame", &cf);
	out->v[self] = (struct lt_js_node){
		.id = lt_js_int(node, "id", -1),
		.parent = parent,
		.fn = lt_js_str(cf, "functionName"),
		.url = lt_js_str(cf, "url"),
		.line = (int)lt_js_int(cf, "lineNumber", -1),
		.col = (int)lt_js_int(cf, "columnNumber", -1),
		.site_row = -1,
	};
	if (!json_object_object_get_ex(node, "children", &kids) ||
	    !json_object_is_type(kids, json_type_array))
		return 0;
	for (size_t i = 0; i < json_object_array_length(kids); i++) {
		int err = lt_js_flatten(json_object_array_get_idx(kids, i), self, out, depth + 1);

		if (err)
			return err;
	}
	return 0;
}

struct lt_js_id {
	long id, idx;
};

static int lt_js_cmp_id(const void *a, const void *b)
{
	const struct lt_js_id *x = a, *y = b;

	return (x->id > y->id) - (x->id < y->id);
}

static void lt_js_frame_key(const struct lt_js_node *n, char *key, size_t size)
{
	snprintf(key, size, "%s\x1f%s\x1f%d\x1f%d", n->fn, n->url, n->line, n->col);
}

/* Add one sample's weight to a row of read r. */
static void lt_js_add(struct lt_js_site *s, size_t r, double bytes, double count, bool first_half,
		      double pos)
{
	s->bytes[r] += bytes;
	s->count[r] += count;
	if (!s->samples[r]++ || pos < s->oldest)
		s->oldest = pos;
	if (first_half)
		s->survivors_first_half += 1; /* a count until finish divides it */
}

/* The row of a site: the innermost user frame, its callers and the builtin below it. */
static struct lt_js_site *lt_js_site_of(struct lt_js_profile *p, struct lt_js_node *nodes,
					long leaf)
{
	struct lt_js_row *row;
	char key[1024];
	long i = leaf;
	bool made;

	while (i >= 0 && !lt_js_user(&nodes[i]))
		i = nodes[i].parent;
	if (i < 0)
		return NULL; /* allocated by Node's own code or the runtime */
	if (nodes[leaf].site_row >= 0)
		return &p->sites->v[nodes[leaf].site_row].site;
	lt_js_frame_key(&nodes[i], key, sizeof(key));
	row = lt_js_table_get(p->sites, key, &made);
	if (!row)
		return NULL;
	nodes[leaf].site_row = row - p->sites->v;
	if (!made)
		return &row->site;
	if (i != leaf && nodes[leaf].fn[0])
		row->site.leaf = strdup(nodes[leaf].fn);
	for (long k = i; k >= 0 && row->site.nframes < LT_JS_SITE_FRAMES; k = nodes[k].parent) {
		if (!nodes[k].url[0])
			continue;
		if (lt_js_frame_set(&row->site.frames[row->site.nframes++], &nodes[k]))
			return NULL;
	}
	return &row->site;
}

/* The row of the user function that constructed a net.Socket, when the sample's stack
 * passes through node:net's Socket (net.connect, tls.connect, new net.Socket): the first
 * user frame above it, with its callers (docs/jsheap.md, "the socket's owner"). */
static struct lt_js_site *lt_js_socket_of(struct lt_js_profile *p, const struct lt_js_node *nodes,
					  long leaf)
{
	struct lt_js_row *row;
	char key[1024];
	long i = leaf;
	bool made;

	while (i >= 0 && !(!strcmp(nodes[i].fn, "Socket") && !strcmp(nodes[i].url, "node:net")))
		i = nodes[i].parent;
	while (i >= 0 && !lt_js_user(&nodes[i]))
		i = nodes[i].parent;
	if (i < 0)
		return NULL; /* not a socket's, or Node made it (an accepted connection) */
	lt_js_frame_key(&nodes[i], key, sizeof(key));
	row = lt_js_table_get(p->sockets, key, &made);
	if (!row || !made)
		return row ? &row->site : NULL;
	row->site.leaf = strdup("net.Socket");
	for (long k = i; k >= 0 && row->site.nframes < LT_JS_SITE_FRAMES; k = nodes[k].parent) {
		if (!lt_js_user(&nodes[k]))
			continue;
		if (lt_js_frame_set(&row->site.frames[row->site.nframes++], &nodes[k]))
			return NULL;
	}
	return row->site.leaf ? &row->site : NULL;
}

/* Every distinct user function and file on the stack from leaf up. */
static int lt_js_inclusive(struct lt_js_profile *p, const struct lt_js_node *nodes, long leaf,
			   size_t r, double bytes, double count, bool first_half, double pos)
{
	struct lt_js_row *seen_f[128], *seen_u[128];
	size_t nf = 0, nu = 0;
	char key[1024];
	bool made;

	for (long i = leaf; i >= 0; i = nodes[i].parent) {
		struct lt_js_row *f, *u;
		size_t k;

		if (!lt_js_user(&nodes[i]))
			continue;
		lt_js_frame_key(&nodes[i], key, sizeof(key));
		f = lt_js_table_get(p->functions, key, &made);
		if (!f || (made && lt_js_frame_set(&f->site.frames[f->site.nframes++], &nodes[i])))
			return -ENOMEM;
		for (k = 0; k < nf && seen_f[k] != f; k++)
			;
		if (k == nf && nf < 128) {
			seen_f[nf++] = f;
			lt_js_add(&f->site, r, bytes, count, first_half, pos);
		}
		u = lt_js_table_get(p->files, nodes[i].url, &made);
		if (!u ||
		    (made && !(u->site.frames[u->site.nframes++].file = strdup(nodes[i].url))))
			return -ENOMEM;
		for (k = 0; k < nu && seen_u[k] != u; k++)
			;
		if (k == nu && nu < 128) {
			seen_u[nu++] = u;
			lt_js_add(&u->site, r, bytes, count, first_half, pos);
		}
	}
	return 0;
}

int lt_js_profile__init(struct lt_js_profile *p, __u64 interval)
{
	memset(p, 0, sizeof(*p));
	p->interval = interval ? interval : 1;
	p->sites = calloc(1, sizeof(*p->sites));
	p->functions = calloc(1, sizeof(*p->functions));
	p->files = calloc(1, sizeof(*p->files));
	p->sockets = calloc(1, sizeof(*p->sockets));
	return p->sites && p->functions && p->files && p->sockets ? 0 : -ENOMEM;
}

/* Survivor ages are relative to the last read: reset the previous read's. */
static void lt_js_reset_ages(struct lt_js_table *t)
{
	for (size_t i = 0; i < t->n; i++)
		t->v[i].site.survivors_first_half = t->v[i].site.oldest = 0;
}

int lt_js_profile__add_read(struct lt_js_profile *p, struct json_object *profile, size_t *samples)
{
	struct json_object *head, *arr;
	struct lt_js_nodes nodes = {};
	struct lt_js_id *byid = NULL;
	double omin = INFINITY, omax = -INFINITY;
	size_t r = p->nreads, n;
	int err;

	*samples = 0;
	if (r >= LT_JS_MAX_READS)
		return -E2BIG;
	if (!json_object_object_get_ex(profile, "head", &head) ||
	    !json_object_object_get_ex(profile, "samples", &arr) ||
	    !json_object_is_type(arr, json_type_array))
		return -EINVAL;
	err = lt_js_flatten(head, -1, &nodes, 0);
	if (err)
		goto cleanup;
	/* samples name nodes by id: an index sorted by id (parents stay indices) */
	byid = malloc((nodes.n ? nodes.n : 1) * sizeof(*byid));
	if (!byid) {
		err = -ENOMEM;
		goto cleanup;
	}
	for (size_t i = 0; i < nodes.n; i++)
		byid[i] = (struct lt_js_id){ nodes.v[i].id, (long)i };
	qsort(byid, nodes.n, sizeof(*byid), lt_js_cmp_id);
	n = json_object_array_length(arr);
	for (size_t i = 0; i < n; i++) {
		double o = (double)lt_js_int(json_object_array_get_idx(arr, i), "ordinal", 0);

		omin = o < omin ? o : omin;
		omax = o > omax ? o : omax;
	}
	lt_js_reset_ages(p->sites);
	lt_js_reset_ages(p->functions);
	lt_js_reset_ages(p->files);
	lt_js_reset_ages(p->sockets);
	for (size_t i = 0; i < n && !err; i++) {
		struct json_object *s = json_object_array_get_idx(arr, i);
		struct lt_js_id key = { lt_js_int(s, "nodeId", -1), 0 }, *leaf;
		double size = (double)lt_js_int(s, "size", 0), count, pos;
		struct lt_js_site *site;

		leaf = bsearch(&key, byid, nodes.n, sizeof(*byid), lt_js_cmp_id);
		if (!leaf || size <= 0)
			continue;
		count = 1.0 / (1.0 - exp(-size / (double)p->interval));
		pos = omax > omin ? ((double)lt_js_int(s, "ordinal", 0) - omin) / (omax - omin) : 1;
		site = lt_js_site_of(p, nodes.v, leaf->idx);
		if (site)
			lt_js_add(site, r, size * count, count, pos < 0.5, pos);
		err = lt_js_inclusive(p, nodes.v, leaf->idx, r, size * count, count, pos < 0.5,
				      pos);
		site = err ? NULL : lt_js_socket_of(p, nodes.v, leaf->idx);
		if (site)
			lt_js_add(site, r, size * count, count, pos < 0.5, pos);
		(*samples)++;
	}
	p->nreads++;
cleanup:
	free(byid);
	free(nodes.v);
	return err;
}

void lt_js_profile__trend(struct lt_js_site *s, const double *t, size_t nreads)
{
	double ts[LT_JS_MAX_READS + 1] = { 0 }, ys[LT_JS_MAX_READS + 1] = { 0 };
	size_t last = nreads - 1, n = s->samples[last];
	struct lt_gc_fit fit = {};
	double sigma, grew;

	/* the window starts empty: a point at (0, 0), then one per read */
	for (size_t i = 0; i < nreads; i++)
		ts[i + 1] = t[i], ys[i + 1] = s->bytes[i];
	lt_gc_trend__fit(ts, ys, nreads + 1, &fit);
	s->trend = (struct lt_trend){ .per_s = fit.slope, .r2 = fit.r2, .span_s = t[last] };
	s->survivors_first_half = n ? s->survivors_first_half / (double)n : 0;
	if (n < LT_JS_MIN_SAMPLES)
		return; /* unknown */
	/* a rise of the sample count beyond Poisson noise, from the previous read (or from
	 * the empty window with one read), in bytes at the row's mean sample weight */
	sigma = sqrt((double)n) * s->bytes[last] / (double)n;
	grew = s->bytes[last] - (nreads > 1 ? s->bytes[last - 1] : 0);
	if (grew > LT_JS_SIGMAS * sigma && s->survivors_first_half >= LT_JS_MIN_FIRST_HALF)
		s->trend.verdict = LT_VERDICT_GROWING;
	else if (-grew > LT_JS_SIGMAS * sigma)
		s->trend.verdict = LT_VERDICT_SHRINKING;
	else
		s->trend.verdict = LT_VERDICT_STABLE;
}

static int lt_js_cmp_growth(const void *a, const void *b)
{
	const struct lt_js_site *x = a, *y = b;
	bool gx = x->trend.verdict == LT_VERDICT_GROWING;
	bool gy = y->trend.verdict == LT_VERDICT_GROWING;

	if (gx != gy)
		return gy - gx;
	return (x->trend.per_s < y->trend.per_s) - (x->trend.per_s > y->trend.per_s);
}

/* The rows of t as an array of sites with their trends, sorted; t is emptied. */
static int lt_js_take(struct lt_js_table *t, const double *ts, size_t nreads,
		      struct lt_js_site **out, size_t *n)
{
	*out = calloc(t->n ? t->n : 1, sizeof(**out));
	*n = 0;
	if (!*out)
		return -ENOMEM;
	for (size_t i = 0; i < t->n; i++) {
		(*out)[i] = t->v[i].site;
		memset(&t->v[i].site, 0, sizeof(t->v[i].site));
		if (nreads)
			lt_js_profile__trend(&(*out)[i], ts, nreads);
	}
	*n = t->n;
	qsort(*out, *n, sizeof(**out), lt_js_cmp_growth);
	return 0;
}

int lt_js_profile__finish(struct lt_js_profile *p, const double *t, struct lt_js_heap_report *r)
{
	int err = lt_js_take(p->sites, t, p->nreads, &r->sites, &r->nsites);

	if (!err)
		err = lt_js_take(p->functions, t, p->nreads, &r->functions, &r->nfunctions);
	if (!err)
		err = lt_js_take(p->files, t, p->nreads, &r->files, &r->nfiles);
	if (!err)
		err = lt_js_take(p->sockets, t, p->nreads, &r->sockets, &r->nsockets);
	return err;
}

static void lt_js_table_free(struct lt_js_table *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->n; i++) {
		free(t->v[i].key);
		lt_js_site__free(&t->v[i].site);
	}
	free(t->v);
	free(t->hash);
	free(t);
}

void lt_js_profile__free(struct lt_js_profile *p)
{
	lt_js_table_free(p->sites);
	lt_js_table_free(p->functions);
	lt_js_table_free(p->files);
	lt_js_table_free(p->sockets);
	memset(p, 0, sizeof(*p));
}

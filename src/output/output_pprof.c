// SPDX-License-Identifier: GPL-2.0
/* The pprof profiles of a report: strings, functions, one location per pc, samples with
 * labels, built in the structures protoc-c generated from profile.proto, packed, gzip'd. */
#include <errno.h>
#include <search.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include "array.h"
#include "output.h"
#include "pprof.h"
#include "profile.pb-c.h"

typedef Perftools__Profiles__Profile pp_profile;
typedef Perftools__Profiles__Function pp_function;
typedef Perftools__Profiles__Location pp_location;
typedef Perftools__Profiles__Sample pp_sample;
typedef Perftools__Profiles__Label pp_label;

struct pp_str {
	const char *s;
	int64_t idx;
};

/* One profile being built; every message is malloc'ed and freed by pp_free(). */
struct pp {
	pp_profile p;
	size_t str_cap, fn_cap, loc_cap, sample_cap, comment_cap;
	void *strs, *fns, *locs; /* tsearch trees: strings, functions by (name, file), pcs */
	struct lt_pprof_maps maps;
	const struct lt_report *r;
	enum lt_pprof_kind kind;
	uint64_t marker_loc[3]; /* [mmap], [truncated], [unknown] */
};

enum {
	MARK_MMAP,
	MARK_TRUNCATED,
	MARK_UNKNOWN
};
static const char *const marker_names[] = { "[mmap]", "[truncated]", "[unknown]" };
#define LT_PPROF_MAX_INLINE 32 /* Lines of one location at most: the real function kept */

static int str_cmp(const void *a, const void *b)
{
	return strcmp(((const struct pp_str *)a)->s, ((const struct pp_str *)b)->s);
}

static int fn_cmp(const void *a, const void *b)
{
	const pp_function *x = a, *y = b;

	if (x->name != y->name)
		return x->name < y->name ? -1 : 1;
	return x->filename < y->filename ? -1 : x->filename > y->filename;
}

static int loc_cmp(const void *a, const void *b)
{
	const pp_location *x = a, *y = b;

	return x->address < y->address ? -1 : x->address > y->address;
}

/* The string table index of s, added when new. */
static int intern(struct pp *b, const char *s, int64_t *out)
{
	struct pp_str key = { .s = s ? s : "" }, *e, **found;
	size_t n = b->p.n_string_table;

	found = tfind(&key, &b->strs, str_cmp);
	if (found) {
		*out = (*found)->idx;
		return 0;
	}
	if (LT_ENSURE(&b->p.string_table, &b->str_cap, n + 1))
		return -ENOMEM;
	e = malloc(sizeof(*e));
	b->p.string_table[n] = strdup(key.s);
	/* counted at once: pp_free() frees it whatever happens next */
	b->p.n_string_table++;
	if (!e || !b->p.string_table[n]) {
		free(e);
		return -ENOMEM;
	}
	e->s = b->p.string_table[n];
	e->idx = (int64_t)n;
	if (!tsearch(e, &b->strs, str_cmp)) {
		free(e);
		return -ENOMEM;
	}
	*out = e->idx;
	return 0;
}

/* The function f names (its line is not the function's), with system_name if not NULL. */
static int function_id(struct pp *b, const struct lt_sym_inline *f, const char *system_name,
		       uint64_t *id)
{
	const char *name = f->symbol ? f->symbol : "??";
	pp_function key = PERFTOOLS__PROFILES__FUNCTION__INIT, *fn, **found;
	size_t n = b->p.n_function;
	int err;

	err = intern(b, name, &key.name) ?: intern(b, f->file, &key.filename);
	if (err)
		return err;
	found = tfind(&key, &b->fns, fn_cmp);
	if (found) {
		*id = (*found)->id;
		return 0;
	}
	err = intern(b, system_name ? system_name : name, &key.system_name);
	if (err || LT_ENSURE(&b->p.function, &b->fn_cap, n + 1))
		return err ?: -ENOMEM;
	fn = malloc(sizeof(*fn));
	if (!fn)
		return -ENOMEM;
	*fn = key;
	fn->id = n + 1;
	fn->start_line = f->start_line;
	b->p.function[n] = fn;
	b->p.n_function++;
	if (!tsearch(fn, &b->fns, fn_cmp))
		return -ENOMEM;
	*id = fn->id;
	return 0;
}

/* A location with n lines (innermost function first); not in the pc tree (markers, or the
 * caller's to add). */
static int new_location(struct pp *b, uint64_t addr, uint64_t mapping_id, const uint64_t *fn,
			const int64_t *line, size_t n, pp_location **out)
{
	size_t k = b->p.n_location, i;
	pp_location *loc;

	if (LT_ENSURE(&b->p.location, &b->loc_cap, k + 1))
		return -ENOMEM;
	loc = malloc(sizeof(*loc));
	if (!loc)
		return -ENOMEM;
	perftools__profiles__location__init(loc);
	b->p.location[k] = loc;
	b->p.n_location++;
	loc->id = k + 1;
	loc->address = addr;
	loc->mapping_id = mapping_id;
	loc->line = calloc(n, sizeof(*loc->line));
	if (!loc->line)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		loc->line[i] = malloc(sizeof(*loc->line[i]));
		if (!loc->line[i])
			return -ENOMEM;
		perftools__profiles__line__init(loc->line[i]);
		loc->line[i]->function_id = fn[i];
		loc->line[i]->line = line[i];
		loc->n_line++;
	}
	*out = loc;
	return 0;
}

static int marker_location(struct pp *b, int mark, uint64_t *id)
{
	pp_location *loc;
	uint64_t fn;
	int err;

	if (b->marker_loc[mark]) {
		*id = b->marker_loc[mark];
		return 0;
	}
	err = function_id(b, &(struct lt_sym_inline){ .symbol = marker_names[mark] }, NULL, &fn)
		      ?: new_location(b, 0, 0, &fn, &(int64_t){ 0 }, 1, &loc);
	if (err)
		return err;
	*id = b->marker_loc[mark] = loc->id;
	return 0;
}

/* The location of a stack's frame i: one per pc, named as in the other formats. */
static int frame_location(struct pp *b, const struct lt_report_stack *s, __u32 i, uint64_t *id)
{
	pp_location key = PERFTOOLS__PROFILES__LOCATION__INIT, *loc, **found;
	uint64_t fn[LT_PPROF_MAX_INLINE];
	int64_t line[LT_PPROF_MAX_INLINE];
	size_t nl = 0, k;
	struct lt_sym raw = { .addr = s->ips[i] };
	const struct lt_sym *sym = s->frames ? &s->frames[i] : &raw; /* addr: ips[i] */
	char buf[512];
	long map;
	int err;

	key.address = sym->addr;
	found = tfind(&key, &b->locs, loc_cmp);
	if (found) {
		*id = (*found)->id;
		return 0;
	}
	err = lt_pprof_maps__add(&b->maps, b->r->pid, sym, &map);
	if (!err && sym->ninl) {
		/* a Line per inlined function, the real one (with the mangled name) last */
		size_t n = sym->ninl < LT_PPROF_MAX_INLINE ? sym->ninl : LT_PPROF_MAX_INLINE;

		for (k = 0; !err && k < n; k++, nl++) {
			bool last = k + 1 == n;
			const struct lt_sym_inline *in = &sym->inl[last ? sym->ninl - 1 : k];

			err = function_id(b, in, last ? sym->mangled : NULL, &fn[k]);
			line[k] = in->line;
		}
	} else if (!err) {
		struct lt_sym_inline f = { lt_output__frame_name(sym, buf, sizeof(buf)), sym->file,
					   sym->line, sym->start_line };

		err = function_id(b, &f, sym->mangled, &fn[0]);
		line[0] = sym->line;
		nl = 1;
	}
	if (!err)
		err = new_location(b, key.address, (uint64_t)(map + 1), fn, line, nl, &loc);
	if (err)
		return err;
	if (!tsearch(loc, &b->locs, loc_cmp))
		return -ENOMEM;
	*id = loc->id;
	return 0;
}

static int add_label(struct pp *b, pp_sample *smp, const char *key, const char *str, int64_t num,
		     const char *unit)
{
	pp_label *l = malloc(sizeof(*l)), **v;
	int err;

	if (!l)
		return -ENOMEM;
	perftools__profiles__label__init(l);
	v = realloc(smp->label, (smp->n_label + 1) * sizeof(*v));
	if (!v) {
		free(l);
		return -ENOMEM;
	}
	smp->label = v;
	v[smp->n_label++] = l;
	err = intern(b, key, &l->key);
	if (!err && str)
		err = intern(b, str, &l->str);
	if (!err && unit)
		err = intern(b, unit, &l->num_unit);
	l->num = num;
	return err;
}

/* Buckets of the age of a stack's oldest outstanding allocation, few enough to filter on. */
static const char *age_bucket(double age_s)
{
	if (age_s < 1)
		return "<1s";
	if (age_s < 10)
		return "1s-10s";
	if (age_s < 60)
		return "10s-1m";
	if (age_s < 600)
		return "1m-10m";
	return ">=10m";
}

static bool has_js(const struct lt_report_stack *s)
{
	__u32 i;

	for (i = 0; s->frames && i < s->nframes && i < LT_MAX_FRAMES; i++)
		if (s->frames[i].js)
			return true;
	return false;
}

/* The labels of a sample: memory has its block size, age and JS-ness; descriptors their
 * kind and, for sockets, a peer. */
static int sample_labels(struct pp *b, pp_sample *smp, const struct lt_report_stack *s,
			 const struct lt_report_fd_extra *x)
{
	int err = 0;

	if (x) {
		err = add_label(b, smp, "kind", x->kind ? x->kind : "unknown", 0, NULL);
		if (!err && x->kind && !strcmp(x->kind, "socket") && x->nexamples)
			err = add_label(b, smp, "peer", x->examples[0], 0, NULL);
	} else if (s->count > 0) {
		/* the mean block size: one stack's blocks are usually all of one size */
		err = add_label(b, smp, "bytes", NULL, s->bytes / s->count, "bytes");
	}
	if (!err && s->oldest_age_s >= 0)
		err = add_label(b, smp, "age", age_bucket(s->oldest_age_s), 0, NULL);
	if (!err && has_js(s))
		err = add_label(b, smp, "js", "true", 0, NULL);
	return err;
}

/* One sample: location ids leaf first, the root markers last (outermost). */
static int add_sample(struct pp *b, const struct lt_report_stack *s, bool mmap,
		      const struct lt_report_fd_extra *x)
{
	__u32 n = s->nframes < LT_MAX_FRAMES ? s->nframes : LT_MAX_FRAMES, i;
	size_t k = b->p.n_sample;
	pp_sample *smp;
	int err;

	if (LT_ENSURE(&b->p.sample, &b->sample_cap, k + 1))
		return -ENOMEM;
	smp = calloc(1, sizeof(*smp));
	if (!smp)
		return -ENOMEM;
	perftools__profiles__sample__init(smp);
	b->p.sample[k] = smp;
	b->p.n_sample++;
	smp->location_id = calloc(n + 3, sizeof(*smp->location_id));
	smp->value = calloc(2, sizeof(*smp->value));
	if (!smp->location_id || !smp->value)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		err = frame_location(b, s, i, &smp->location_id[smp->n_location_id++]);
		if (err)
			return err;
	}
	err = 0;
	if (!n)
		err = marker_location(b, MARK_UNKNOWN, &smp->location_id[smp->n_location_id++]);
	if (!err && (s->flags & (LT_STACK_TRUNCATED | LT_STACK_UNWIND_ERR)))
		err = marker_location(b, MARK_TRUNCATED, &smp->location_id[smp->n_location_id++]);
	if (!err && mmap)
		err = marker_location(b, MARK_MMAP, &smp->location_id[smp->n_location_id++]);
	if (err)
		return err;
	if (x) {
		smp->value[smp->n_value++] = s->count;
	} else {
		smp->value[smp->n_value++] = s->count;
		smp->value[smp->n_value++] = s->bytes;
	}
	return sample_labels(b, smp, s, x);
}

static int value_type(struct pp *b, const char *type, const char *unit,
		      Perftools__Profiles__ValueType **out)
{
	Perftools__Profiles__ValueType *vt = malloc(sizeof(*vt));

	*out = vt;
	if (!vt)
		return -ENOMEM;
	perftools__profiles__value_type__init(vt);
	return intern(b, type, &vt->type) ?: intern(b, unit, &vt->unit);
}

static int add_comment(struct pp *b, const char *text)
{
	size_t n = b->p.n_comment;

	if (LT_ENSURE(&b->p.comment, &b->comment_cap, n + 1))
		return -ENOMEM;
	b->p.n_comment++;
	return intern(b, text, &b->p.comment[n]);
}

/* What a reader of the profile cannot see in the samples: who, the window, what was lost. */
static int add_comments(struct pp *b, __u64 wall_ns)
{
	const struct lt_report *r = b->r;
	char line[1024];
	size_t len = 0;
	int i, err;

	snprintf(line, sizeof(line), "leaktrace %s: pid %d (%s), %s report", LT_VERSION, r->pid,
		 r->comm ? r->comm : "?", r->final ? "final" : "interval");
	err = add_comment(b, line);
	snprintf(line, sizeof(line), "window: %.3f s traced until %.3f (unix seconds)",
		 r->duration_s, wall_ns / 1e9);
	err = err ?: add_comment(b, line);
	if (r->sample_bytes) {
		snprintf(line, sizeof(line),
			 "sampled: one allocation per %llu bytes, values are estimates",
			 (unsigned long long)r->sample_bytes);
		err = err ?: add_comment(b, line);
	}
	len = (size_t)snprintf(line, sizeof(line), "lost:");
	for (i = 0; i < LT_LOSS__MAX && len < sizeof(line); i++)
		if (r->lost[i])
			len += (size_t)snprintf(line + len, sizeof(line) - len, " %s=%llu",
						lt_loss__name(i), (unsigned long long)r->lost[i]);
	if (len == strlen("lost:"))
		snprintf(line + len, sizeof(line) - len, " none");
	return err ?: add_comment(b, line);
}

static int add_mappings(struct pp *b)
{
	Perftools__Profiles__Mapping *m;
	size_t i;
	int err;

	b->p.mapping = calloc(b->maps.n + 1, sizeof(*b->p.mapping));
	if (!b->p.mapping)
		return -ENOMEM;
	for (i = 0; i < b->maps.n; i++) {
		const struct lt_pprof_mapping *src = &b->maps.v[i];

		m = malloc(sizeof(*m));
		if (!m)
			return -ENOMEM;
		perftools__profiles__mapping__init(m);
		b->p.mapping[b->p.n_mapping++] = m;
		m->id = i + 1;
		m->memory_start = src->start;
		m->memory_limit = src->limit;
		m->file_offset = src->file_offset;
		m->has_functions = src->all_named;
		m->has_filenames = src->all_files;
		m->has_line_numbers = src->all_lines;
		m->has_inline_frames = src->inlines;
		err = intern(b, src->path, &m->filename) ?: intern(b, src->build_id, &m->build_id);
		if (err)
			return err;
	}
	return 0;
}

static int build(struct pp *b, __u64 wall_ns)
{
	const struct lt_report *r = b->r;
	bool fds = b->kind == LT_PPROF_FDS;
	int64_t empty;
	size_t i;
	int err;

	err = intern(b, "", &empty); /* string_table[0] must be "" */
	b->p.sample_type = calloc(2, sizeof(*b->p.sample_type));
	if (err || !b->p.sample_type)
		return err ?: -ENOMEM;
	if (fds) {
		err = value_type(b, "open_fds", "count", &b->p.sample_type[0])
			      ?: value_type(b, "open_fds", "count", &b->p.period_type);
		b->p.n_sample_type = 1;
		b->p.period = 1;
	} else {
		err = value_type(b, "inuse_objects", "count", &b->p.sample_type[0]) ?:
			      value_type(b, "inuse_space", "bytes", &b->p.sample_type[1]) ?:
			      value_type(b, "space", "bytes", &b->p.period_type);
		b->p.n_sample_type = 2;
		b->p.period = r->sample_bytes ? (int64_t)r->sample_bytes : 1;
	}
	if (err)
		return err;
	b->p.default_sample_type = b->p.sample_type[b->p.n_sample_type - 1]->type;
	b->p.duration_nanos = (int64_t)(r->duration_s * 1e9);
	b->p.time_nanos = (int64_t)wall_ns - b->p.duration_nanos;
	if (fds) {
		for (i = 0; !err && i < r->fds.sec.n; i++)
			err = add_sample(b, &r->fds.sec.stacks[i], false,
					 r->fds.extra ? &r->fds.extra[i]
						      : &(struct lt_report_fd_extra){ 0 });
	} else {
		for (i = 0; !err && i < r->heap.n; i++)
			if (r->heap.stacks[i].bytes > 0)
				err = add_sample(b, &r->heap.stacks[i], false, NULL);
		for (i = 0; !err && i < r->mmap.n; i++)
			if (r->mmap.stacks[i].bytes > 0)
				err = add_sample(b, &r->mmap.stacks[i], true, NULL);
	}
	return err ?: add_mappings(b) ?: add_comments(b, wall_ns);
}

static void free_sample(pp_sample *s)
{
	size_t i;

	for (i = 0; i < s->n_label; i++)
		free(s->label[i]);
	free(s->label);
	free(s->location_id);
	free(s->value);
	free(s);
}

/* Nodes of the function and pc trees are the profile's own messages, freed with it. */
static void not_owned(void *node)
{
}

static void pp_free(struct pp *b)
{
	pp_profile *p = &b->p;
	size_t i;

	tdestroy(b->strs, free);
	tdestroy(b->fns, not_owned);
	tdestroy(b->locs, not_owned);
	for (i = 0; i < p->n_sample_type; i++)
		free(p->sample_type[i]);
	free(p->sample_type);
	free(p->period_type);
	for (i = 0; i < p->n_sample; i++)
		free_sample(p->sample[i]);
	free(p->sample);
	for (i = 0; i < p->n_location; i++) {
		for (size_t k = 0; k < p->location[i]->n_line; k++)
			free(p->location[i]->line[k]);
		free(p->location[i]->line);
		free(p->location[i]);
	}
	free(p->location);
	for (i = 0; i < p->n_function; i++)
		free(p->function[i]);
	free(p->function);
	for (i = 0; i < p->n_mapping; i++)
		free(p->mapping[i]);
	free(p->mapping);
	for (i = 0; i < p->n_string_table; i++)
		free(p->string_table[i]);
	free(p->string_table);
	free(p->comment);
	lt_pprof_maps__free(&b->maps);
}

bool lt_pprof__has(const struct lt_report *r, enum lt_pprof_kind kind)
{
	return kind == LT_PPROF_FDS ? r->fds.traced : r->memory_traced;
}

/* gzip (not zlib) framing, at the speed Go's runtime uses for its profiles. */
static int gzip_buf(const void *in, size_t len, void **out, size_t *out_len)
{
	z_stream z = { 0 };
	size_t cap = compressBound((uLong)len) + 32;
	unsigned char *buf = malloc(cap);
	int err = -EIO;

	if (!buf)
		return -ENOMEM;
	if (deflateInit2(&z, Z_BEST_SPEED, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		goto cleanup;
	z.next_in = (unsigned char *)in;
	z.avail_in = (uInt)len;
	z.next_out = buf;
	z.avail_out = (uInt)cap;
	if (deflate(&z, Z_FINISH) == Z_STREAM_END) {
		*out = buf;
		*out_len = z.total_out;
		buf = NULL;
		err = 0;
	}
	deflateEnd(&z);
cleanup:
	free(buf);
	return err;
}

int lt_pprof__encode(const struct lt_report *r, enum lt_pprof_kind kind, __u64 wall_ns, void **buf,
		     size_t *len)
{
	struct pp b = { .p = PERFTOOLS__PROFILES__PROFILE__INIT, .r = r, .kind = kind };
	uint8_t *packed = NULL;
	size_t n;
	int err;

	if (!r || !buf || !len)
		return -EINVAL;
	err = build(&b, wall_ns);
	if (err)
		goto cleanup;
	n = perftools__profiles__profile__get_packed_size(&b.p);
	packed = malloc(n ? n : 1);
	if (!packed) {
		err = -ENOMEM;
		goto cleanup;
	}
	perftools__profiles__profile__pack(&b.p, packed);
	err = gzip_buf(packed, n, buf, len);
cleanup:
	free(packed);
	pp_free(&b);
	return err;
}

// SPDX-License-Identifier: GPL-2.0
/* JS frame names read by the BPF walker: fetched once per tagged value from `js_names`,
 * decoded from V8's Latin-1 / UTF-16 to UTF-8, kept until the end of the run. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>

#include "js_names.h"

#define ANONYMOUS "(anonymous)"
#define CUT "..."

struct js_entry {
	__u64 tag; /* 0: free slot */
	char *name;
	char *file; /* NULL without a script name */
};

struct lt_js_names {
	int map_fd;
	struct js_entry *v;
	size_t cap, n;
};

struct lt_js_names *lt_js_names__new(int map_fd)
{
	struct lt_js_names *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	t->map_fd = map_fd;
	t->cap = 256;
	t->v = calloc(t->cap, sizeof(*t->v));
	if (!t->v) {
		free(t);
		errno = ENOMEM;
		return NULL;
	}
	return t;
}

void lt_js_names__free(struct lt_js_names *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->cap; i++) {
		free(t->v[i].name);
		free(t->v[i].file);
	}
	free(t->v);
	free(t);
}

static size_t put_utf8(char *o, unsigned int cp)
{
	if (cp < 0x80) {
		o[0] = cp;
		return 1;
	}
	if (cp < 0x800) {
		o[0] = 0xc0 | cp >> 6;
		o[1] = 0x80 | (cp & 0x3f);
		return 2;
	}
	if (cp < 0x10000) {
		o[0] = 0xe0 | cp >> 12;
		o[1] = 0x80 | (cp >> 6 & 0x3f);
		o[2] = 0x80 | (cp & 0x3f);
		return 3;
	}
	o[0] = 0xf0 | cp >> 18;
	o[1] = 0x80 | (cp >> 12 & 0x3f);
	o[2] = 0x80 | (cp >> 6 & 0x3f);
	o[3] = 0x80 | (cp & 0x3f);
	return 4;
}

char *lt_js_names__utf8(const char *raw, size_t len, int enc, bool lead, bool trail)
{
	const unsigned char *p = (const unsigned char *)raw;
	/* Latin-1: 2 bytes out per byte; UTF-16: 3 bytes out per unit at most */
	char *out = malloc(len * 2 + 2 * strlen(CUT) + 1), *o = out;
	size_t i;

	if (!out)
		return NULL;
	if (lead)
		o = stpcpy(o, CUT);
	if (enc == LT_JS_ENC_ONE_BYTE) {
		for (i = 0; i < len; i++)
			o += put_utf8(o, p[i]);
	} else {
		/* A tail cut may start on a low surrogate, a cut end may split a pair:
		 * unpaired halves become U+FFFD. */
		for (i = 0; i + 1 < len; i += 2) {
			unsigned int u = p[i] | p[i + 1] << 8, lo;

			if (u >= 0xd800 && u < 0xdc00 && i + 3 < len) {
				lo = p[i + 2] | p[i + 3] << 8;
				if (lo >= 0xdc00 && lo < 0xe000) {
					o += put_utf8(o, 0x10000 + ((u - 0xd800) << 10) +
								 (lo - 0xdc00));
					i += 2;
					continue;
				}
			}
			o += put_utf8(o, u >= 0xd800 && u < 0xe000 ? 0xfffd : u);
		}
	}
	if (trail)
		o = stpcpy(o, CUT);
	*o = '\0';
	return out;
}

static struct js_entry *slot(struct js_entry *v, size_t cap, __u64 tag)
{
	size_t i = (tag * 0x9E3779B97F4A7C15ull >> 17) & (cap - 1);

	while (v[i].tag && v[i].tag != tag)
		i = (i + 1) & (cap - 1);
	return &v[i];
}

/* A rehash into a table twice the size, not an append: LT_ENSURE (base/array.h) does
 * not fit open addressing. */
static int grow(struct lt_js_names *t)
{
	size_t cap = t->cap * 2;
	struct js_entry *v = calloc(cap, sizeof(*v));

	if (!v)
		return -ENOMEM;
	for (size_t i = 0; i < t->cap; i++)
		if (t->v[i].tag)
			*slot(v, cap, t->v[i].tag) = t->v[i];
	free(t->v);
	t->v = v;
	t->cap = cap;
	return 0;
}

int lt_js_names__add(struct lt_js_names *t, __u64 tag, const struct lt_js_name *raw)
{
	struct js_entry e = { tag };
	struct js_entry *s;

	if (!t || !(tag & LT_JS_FRAME_TAG) || raw->name_len > LT_JS_NAME_MAX ||
	    raw->file_len > LT_JS_FILE_MAX)
		return -EINVAL;
	if ((t->n + 1) * 2 > t->cap && grow(t))
		return -ENOMEM;
	if (raw->name_len)
		e.name = lt_js_names__utf8(raw->name, raw->name_len, raw->name_enc, false,
					   raw->name_cut);
	else
		e.name = strdup(ANONYMOUS);
	if (raw->file_len)
		e.file = lt_js_names__utf8(raw->file, raw->file_len, raw->file_enc, raw->file_cut,
					   false);
	if (!e.name || (raw->file_len && !e.file)) {
		free(e.name);
		free(e.file);
		return -ENOMEM;
	}
	s = slot(t->v, t->cap, tag);
	if (s->tag) {
		free(s->name);
		free(s->file);
	} else {
		t->n++;
	}
	*s = e;
	return 0;
}

int lt_js_names__resolve(struct lt_js_names *t, __u64 tag, struct lt_sym *out)
{
	struct lt_js_name raw;
	struct js_entry *s;

	memset(out, 0, sizeof(*out));
	out->addr = tag;
	if (!t || !(tag & LT_JS_FRAME_TAG))
		return -ENOENT;
	s = slot(t->v, t->cap, tag);
	if (!s->tag) {
		if (t->map_fd < 0 || bpf_map_lookup_elem(t->map_fd, &tag, &raw) ||
		    lt_js_names__add(t, tag, &raw))
			return -ENOENT;
		s = slot(t->v, t->cap, tag);
	}
	out->symbol = s->name;
	out->file = s->file;
	out->js = true;
	return 0;
}

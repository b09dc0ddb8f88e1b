// SPDX-License-Identifier: GPL-2.0
/* Perf map reader: "START SIZE name" lines appended by a JIT as it compiles, kept sorted by
 * start with their line order so that the latest code at an address wins. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "array.h"
#include "perf_map.h"
#include "ranges.h"

/* Entries whose ranges may cover one address are looked for this far back. */
#define LT_PERF_MAP_SCAN 64

struct perf_entry {
	__u64 start, size;
	size_t seq; /* line number: later lines replace earlier code */
	char *name;
	char *file;
	int line;
	bool js;
};

struct lt_perf_map {
	char *path;
	uid_t uid;
	off_t read_off; /* bytes consumed: whole lines */
	struct perf_entry *v;
	size_t n, cap;
	bool sorted;
};

/* V8's code kinds whose code is JavaScript; the rest are builtins, stubs, handlers. */
static const char *const js_kinds[] = { "JS:", "LazyCompile:", "Function:", "Script:", "Eval:" };

static void entry_free(struct perf_entry *e)
{
	free(e->name);
	free(e->file);
}

/* "JS:*name file:line:col": kind and tier mark dropped, the location split off. */
static int split_name(const char *raw, struct perf_entry *e)
{
	const char *p = raw, *sp, *colon1, *colon2;
	size_t i;

	for (i = 0; i < sizeof(js_kinds) / sizeof(js_kinds[0]); i++) {
		if (!strncmp(raw, js_kinds[i], strlen(js_kinds[i]))) {
			e->js = true;
			p = raw + strlen(js_kinds[i]);
			break;
		}
	}
	if (!e->js) {
		e->name = strdup(raw);
		return e->name ? 0 : -ENOMEM;
	}
	if (*p && strchr("~^+*", *p))
		p++; /* interpreted, baseline, maglev, turbofan */
	sp = strrchr(p, ' ');
	if (sp) {
		e->name = strndup(p, sp - p);
		/* file:line:col; a file name may itself hold colons (file:///...) */
		colon2 = strrchr(sp + 1, ':');
		colon1 = colon2 ? memrchr(sp + 1, ':', colon2 - (sp + 1)) : NULL;
		if (colon1 && colon1 > sp + 1) {
			e->file = strndup(sp + 1, colon1 - (sp + 1));
			e->line = atoi(colon1 + 1);
		} else {
			e->file = strdup(sp + 1);
		}
		if (!e->file)
			return -ENOMEM;
	} else {
		e->name = strdup(p);
	}
	if (!e->name)
		return -ENOMEM;
	if (!*e->name) {
		free(e->name);
		e->name = strdup("(anonymous)");
	}
	return e->name ? 0 : -ENOMEM;
}

static int parse_line(char *line, size_t seq, struct perf_entry *e)
{
	unsigned long long start, size;
	char *end, *name;

	memset(e, 0, sizeof(*e));
	start = strtoull(line, &end, 16);
	if (end == line || *end != ' ')
		return -EINVAL;
	line = end + 1;
	size = strtoull(line, &end, 16);
	if (end == line || *end != ' ' || !size)
		return -EINVAL;
	name = end + 1;
	name[strcspn(name, "\n")] = '\0';
	if (!*name)
		return -EINVAL;
	e->start = start;
	e->size = size;
	e->seq = seq;
	return split_name(name, e);
}

static int add_entry(struct lt_perf_map *m, const struct perf_entry *e)
{
	if (LT_ENSURE(&m->v, &m->cap, m->n + 1))
		return -ENOMEM;
	m->v[m->n++] = *e;
	m->sorted = false;
	return 0;
}

static int cmp_entry(const void *a, const void *b)
{
	const struct perf_entry *x = a, *y = b;

	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

int lt_perf_map__refresh(struct lt_perf_map *m)
{
	char *line = NULL;
	size_t cap = 0;
	struct stat st;
	ssize_t len;
	FILE *f;
	int err = 0;

	f = fopen(m->path, "re");
	if (!f)
		return -errno;
	/* checked on the open file: the path could be swapped between check and read */
	if (fstat(fileno(f), &st)) {
		err = -errno;
		goto cleanup;
	}
	if (!S_ISREG(st.st_mode) || st.st_uid != m->uid) {
		err = -EPERM;
		goto cleanup;
	}
	if (st.st_size < m->read_off)
		m->read_off = 0; /* rewritten: a new process with the same pid */
	if (st.st_size == m->read_off || fseeko(f, m->read_off, SEEK_SET))
		goto cleanup;
	if (!m->read_off) {
		for (size_t i = 0; i < m->n; i++)
			entry_free(&m->v[i]);
		m->n = 0;
	}
	while ((len = getline(&line, &cap, f)) > 0) {
		struct perf_entry e;

		if (line[len - 1] != '\n')
			break; /* being written: read it next time */
		m->read_off += len;
		if (parse_line(line, m->n, &e)) {
			entry_free(&e);
			continue; /* not a map line: skipped, like perf does */
		}
		err = add_entry(m, &e);
		if (err) {
			entry_free(&e);
			break;
		}
	}
	if (!m->sorted) {
		if (m->n) /* qsort(NULL, 0) is undefined */
			qsort(m->v, m->n, sizeof(*m->v), cmp_entry);
		m->sorted = true;
	}
cleanup:
	free(line);
	fclose(f);
	return err;
}

struct lt_perf_map *lt_perf_map__open_path(const char *path, uid_t uid)
{
	struct lt_perf_map *m = calloc(1, sizeof(*m));
	int err;

	if (!m)
		return NULL;
	m->uid = uid;
	m->sorted = true;
	m->path = strdup(path);
	if (!m->path) {
		err = -ENOMEM;
		goto fail;
	}
	err = lt_perf_map__refresh(m);
	if (err)
		goto fail;
	return m;
fail:
	lt_perf_map__free(m);
	errno = -err;
	return NULL;
}

/* The pid of the process in its own namespace (last NSpid field) and its uids. */
static int read_status(int pid, int *nspid, uid_t *ruid, uid_t *euid)
{
	char path[64], *line = NULL;
	size_t cap = 0;
	int found = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	f = fopen(path, "re");
	if (!f)
		return errno == ENOENT ? -ESRCH : -errno;
	*nspid = pid;
	while (getline(&line, &cap, f) > 0) {
		unsigned int r, e;

		if (!strncmp(line, "Uid:", 4) && sscanf(line + 4, "%u %u", &r, &e) == 2) {
			*ruid = r;
			*euid = e;
			found = 1;
		} else if (!strncmp(line, "NSpid:", 6)) {
			char *last = strrchr(line, '\t') ?: strrchr(line, ' ');

			if (last)
				*nspid = atoi(last + 1);
		}
	}
	free(line);
	fclose(f);
	return found ? 0 : -EINVAL;
}

struct lt_perf_map *lt_perf_map__open(int pid)
{
	struct lt_perf_map *m;
	uid_t ruid = 0, euid = 0;
	char path[96];
	int nspid = pid, err;

	err = read_status(pid, &nspid, &ruid, &euid);
	if (err) {
		errno = -err;
		return NULL;
	}
	snprintf(path, sizeof(path), "/proc/%d/root/tmp/perf-%d.map", pid, nspid);
	m = lt_perf_map__open_path(path, euid);
	if (!m && errno == EPERM && ruid != euid)
		m = lt_perf_map__open_path(path, ruid);
	return m;
}

int lt_perf_map__lookup(const struct lt_perf_map *m, __u64 addr, struct lt_perf_sym *out)
{
	const struct perf_entry *best = NULL;
	size_t lo, i, steps;

	if (!m)
		return -ENOENT;
	/* lo: the first entry starting above addr; overlapping entries before it are scanned */
	lo = LT_RANGE_FLOOR(m->v, m->n, start, addr) + 1;
	for (i = lo, steps = 0; i-- > 0 && steps < LT_PERF_MAP_SCAN; steps++) {
		const struct perf_entry *e = &m->v[i];

		if (addr - e->start < e->size && (!best || e->seq > best->seq))
			best = e;
	}
	if (!best)
		return -ENOENT;
	out->name = best->name;
	out->file = best->file;
	out->line = best->line;
	out->start = best->start;
	out->js = best->js;
	return 0;
}

size_t lt_perf_map__count(const struct lt_perf_map *m)
{
	return m ? m->n : 0;
}

void lt_perf_map__free(struct lt_perf_map *m)
{
	if (!m)
		return;
	for (size_t i = 0; i < m->n; i++)
		entry_free(&m->v[i]);
	free(m->v);
	free(m->path);
	free(m);
}

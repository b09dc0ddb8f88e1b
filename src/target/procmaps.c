// SPDX-License-Identifier: GPL-2.0
/* Parses /proc/PID/maps and derives the target's executable ELF modules with their load bias
 * (runtime address = ELF vaddr + bias), opening files through /proc/PID/root for containers. */
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <inttypes.h>
#include <libelf.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "procmaps.h"

#define DELETED_SUFFIX " (deleted)"

/* "start-end perms offset major:minor inode   [path]"; the path is everything after the
 * padding that follows the inode and may itself contain spaces. */
static int parse_line(char *line, struct lt_mapping *m)
{
	unsigned long long start, end, pgoff, ino;
	unsigned int major, minor;
	char perms[8];
	int n = 0;
	size_t len;
	char *p;

	if (sscanf(line, "%llx-%llx %7s %llx %x:%x %llu%n", &start, &end, perms, &pgoff, &major,
		   &minor, &ino, &n) != 7 || n == 0)
		return -EINVAL;
	if (end < start || strlen(perms) < 3)
		return -EINVAL;

	memset(m, 0, sizeof(*m));
	m->start = start;
	m->end = end;
	m->pgoff = pgoff;
	m->dev = makedev(major, minor);
	m->ino = ino;
	m->prot = (perms[0] == 'r' ? PROT_READ : 0) | (perms[1] == 'w' ? PROT_WRITE : 0) |
		  (perms[2] == 'x' ? PROT_EXEC : 0);

	p = line + n;
	while (*p == ' ' || *p == '\t')
		p++;
	len = strcspn(p, "\n");
	if (len == 0)
		return 0;

	/* The kernel appends the suffix when the file was unlinked; keep the path as it was. */
	if (len > strlen(DELETED_SUFFIX) &&
	    !strncmp(p + len - strlen(DELETED_SUFFIX), DELETED_SUFFIX, strlen(DELETED_SUFFIX))) {
		m->deleted = true;
		len -= strlen(DELETED_SUFFIX);
	}
	m->path = strndup(p, len);
	if (!m->path)
		return -ENOMEM;
	return 0;
}

int lt_procmaps__parse(FILE *f, struct lt_maps *out)
{
	struct lt_mapping *v = NULL, *nv;
	size_t n = 0, cap = 0, linecap = 0;
	char *line = NULL;
	int err = 0;

	out->v = NULL;
	out->n = 0;
	while (getline(&line, &linecap, f) > 0) {
		if (line[0] == '\n')
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			nv = realloc(v, cap * sizeof(*v));
			if (!nv) {
				err = -ENOMEM;
				goto cleanup;
			}
			v = nv;
		}
		err = parse_line(line, &v[n]);
		if (err)
			goto cleanup;
		n++;
	}
	if (ferror(f)) {
		err = -EIO;
		goto cleanup;
	}
	out->v = v;
	out->n = n;
	v = NULL;
	n = 0;
cleanup:
	while (n > 0)
		free(v[--n].path);
	free(v);
	free(line);
	return err;
}

int lt_procmaps__read(int pid, struct lt_maps *out)
{
	char path[64];
	FILE *f;
	int err;

	snprintf(path, sizeof(path), "/proc/%d/maps", pid);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	err = lt_procmaps__parse(f, out);
	fclose(f);
	return err;
}

void lt_procmaps__free(struct lt_maps *m)
{
	size_t i;

	if (!m)
		return;
	for (i = 0; i < m->n; i++)
		free(m->v[i].path);
	free(m->v);
	m->v = NULL;
	m->n = 0;
}

/* /proc/PID/maps is sorted by address and mappings never overlap. */
const struct lt_mapping *lt_procmaps__find(const struct lt_maps *m, __u64 addr)
{
	size_t lo = 0, hi = m->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (addr < m->v[mid].start)
			hi = mid;
		else if (addr >= m->v[mid].end)
			lo = mid + 1;
		else
			return &m->v[mid];
	}
	return NULL;
}

static bool is_file_mapping(const struct lt_mapping *m)
{
	return m->path && m->path[0] != '[';
}

/* What the bias computation needs from one file's program headers. */
struct elf_layout {
	__u64 dev, ino;
	bool usable;
	char *host_path;
	__u64 page_mask;
	__u64 first_off, first_vaddr; /* first PT_LOAD, page aligned */
	GElf_Phdr *loads;             /* every PT_LOAD, for the fallback */
	size_t nloads;
};

static char *pick_host_path(int pid, const struct lt_mapping *m)
{
	char buf[PATH_MAX + 64];
	int fd;

	/* An unlinked file is gone from every mount namespace; the mapping still pins it. */
	if (m->deleted)
		snprintf(buf, sizeof(buf), "/proc/%d/map_files/%llx-%llx", pid,
			 (unsigned long long)m->start, (unsigned long long)m->end);
	else
		snprintf(buf, sizeof(buf), "/proc/%d/root%s", pid, m->path);
	fd = open(buf, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		close(fd);
		return strdup(buf);
	}
	return strdup(m->path);
}

static int read_layout(struct elf_layout *l)
{
	long pagesz = sysconf(_SC_PAGESIZE);
	Elf *elf = NULL;
	GElf_Ehdr ehdr;
	size_t phnum, i;
	int fd, err = -ENOEXEC;

	fd = open(l->host_path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	elf_version(EV_CURRENT);
	elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	if (!elf || elf_kind(elf) != ELF_K_ELF || !gelf_getehdr(elf, &ehdr))
		goto cleanup;
	if (ehdr.e_type != ET_EXEC && ehdr.e_type != ET_DYN)
		goto cleanup;
	if (elf_getphdrnum(elf, &phnum))
		goto cleanup;
	l->loads = calloc(phnum ? phnum : 1, sizeof(*l->loads));
	if (!l->loads) {
		err = -ENOMEM;
		goto cleanup;
	}
	for (i = 0; i < phnum; i++) {
		GElf_Phdr ph;

		if (!gelf_getphdr(elf, i, &ph) || ph.p_type != PT_LOAD)
			continue;
		l->loads[l->nloads++] = ph;
	}
	if (!l->nloads)
		goto cleanup;
	l->page_mask = pagesz - 1;
	l->first_off = l->loads[0].p_offset & ~l->page_mask;
	l->first_vaddr = l->loads[0].p_vaddr & ~l->page_mask;
	l->usable = true;
	err = 0;
cleanup:
	elf_end(elf);
	close(fd);
	return err;
}

static struct elf_layout *layout_of(struct elf_layout **ls, size_t *n, int pid,
				    const struct lt_mapping *m)
{
	struct elf_layout *nls, *l;
	size_t i;

	for (i = 0; i < *n; i++)
		if ((*ls)[i].dev == m->dev && (*ls)[i].ino == m->ino)
			return &(*ls)[i];
	nls = realloc(*ls, (*n + 1) * sizeof(**ls));
	if (!nls)
		return NULL;
	*ls = nls;
	l = &nls[(*n)++];
	memset(l, 0, sizeof(*l));
	l->dev = m->dev;
	l->ino = m->ino;
	l->host_path = pick_host_path(pid, m);
	if (!l->host_path) {
		(*n)--;
		return NULL;
	}
	read_layout(l); /* an unreadable or non-ELF file just stays unusable */
	return l;
}

/* Bias for the exec mapping at index i, from the PT_LOAD segment holding its file offset:
 * exact for every mapping, including a piece of the file mapped again elsewhere (Node
 * remaps V8's embedded builtins next to its JIT code) and a library loaded twice with
 * dlmopen(). Without such a segment, from the nearest mapping of the same file at or
 * below it that covers the first PT_LOAD (the load base). */
static int compute_bias(const struct lt_maps *maps, size_t i, const struct elf_layout *l,
			__u64 *bias)
{
	const struct lt_mapping *x = &maps->v[i];
	size_t j, k;

	for (k = 0; k < l->nloads; k++) {
		const GElf_Phdr *ph = &l->loads[k];
		__u64 seg_off = ph->p_offset & ~l->page_mask;

		if (seg_off <= x->pgoff && x->pgoff < ph->p_offset + ph->p_filesz) {
			*bias = x->start - (ph->p_vaddr - ph->p_offset + x->pgoff);
			return 0;
		}
	}
	for (j = i + 1; j-- > 0;) {
		const struct lt_mapping *b = &maps->v[j];

		if (b->dev != x->dev || b->ino != x->ino || !is_file_mapping(b))
			continue;
		if (b->pgoff <= l->first_off && l->first_off < b->pgoff + (b->end - b->start)) {
			*bias = b->start + (l->first_off - b->pgoff) - l->first_vaddr;
			return 0;
		}
	}
	return -ENOENT;
}

static int cmp_module(const void *a, const void *b)
{
	const struct lt_module *x = a, *y = b;

	return x->start < y->start ? -1 : x->start > y->start;
}

int lt_modules__from_maps(int pid, const struct lt_maps *maps, struct lt_modules *out)
{
	struct elf_layout *ls = NULL, *l;
	struct lt_module *v = NULL, *nv, *mod;
	size_t nls = 0, n = 0, cap = 0, i, k;
	int err = 0;

	out->v = NULL;
	out->n = 0;
	for (i = 0; i < maps->n; i++) {
		const struct lt_mapping *m = &maps->v[i];
		__u64 bias;

		if (!(m->prot & PROT_EXEC) || !is_file_mapping(m))
			continue;
		l = layout_of(&ls, &nls, pid, m);
		if (!l) {
			err = -ENOMEM;
			goto cleanup;
		}
		if (!l->usable || compute_bias(maps, i, l, &bias))
			continue;

		mod = NULL;
		for (k = 0; k < n; k++)
			if (v[k].dev == m->dev && v[k].ino == m->ino && v[k].bias == bias)
				mod = &v[k];
		if (mod) {
			mod->start = m->start < mod->start ? m->start : mod->start;
			mod->end = m->end > mod->end ? m->end : mod->end;
			continue;
		}
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			nv = realloc(v, cap * sizeof(*v));
			if (!nv) {
				err = -ENOMEM;
				goto cleanup;
			}
			v = nv;
		}
		mod = &v[n];
		memset(mod, 0, sizeof(*mod));
		mod->path = strdup(m->path);
		mod->host_path = strdup(l->host_path);
		n++;
		if (!mod->path || !mod->host_path) {
			err = -ENOMEM;
			goto cleanup;
		}
		mod->start = m->start;
		mod->end = m->end;
		mod->bias = bias;
		mod->dev = m->dev;
		mod->ino = m->ino;
	}
	qsort(v, n, sizeof(*v), cmp_module);
	out->v = v;
	out->n = n;
	v = NULL;
	n = 0;
cleanup:
	for (i = 0; i < nls; i++) {
		free(ls[i].host_path);
		free(ls[i].loads);
	}
	free(ls);
	for (i = 0; i < n; i++) {
		free(v[i].path);
		free(v[i].host_path);
	}
	free(v);
	return err;
}

const struct lt_module *lt_modules__find(const struct lt_modules *mods, __u64 addr)
{
	size_t lo = 0, hi = mods->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (addr < mods->v[mid].start)
			hi = mid;
		else if (addr >= mods->v[mid].end)
			lo = mid + 1;
		else
			return &mods->v[mid];
	}
	return NULL;
}

const struct lt_module *lt_modules__by_name(const struct lt_modules *mods,
					    const char *basename_prefix)
{
	size_t i, len = strlen(basename_prefix);

	for (i = 0; i < mods->n; i++) {
		const char *base = strrchr(mods->v[i].path, '/');

		base = base ? base + 1 : mods->v[i].path;
		if (!strncmp(base, basename_prefix, len))
			return &mods->v[i];
	}
	return NULL;
}

void lt_modules__free(struct lt_modules *mods)
{
	size_t i;

	if (!mods)
		return;
	for (i = 0; i < mods->n; i++) {
		free(mods->v[i].path);
		free(mods->v[i].host_path);
	}
	free(mods->v);
	mods->v = NULL;
	mods->n = 0;
}

// SPDX-License-Identifier: GPL-2.0
/* The target's executable ELF modules, derived from its mappings, with their load bias
 * (runtime address = ELF vaddr + bias), opening files through /proc/PID/root for containers. */
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "array.h"
#include "modules.h"
#include "procmaps.h"
#include "ranges.h"

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
	GElf_Phdr *loads;	      /* every PT_LOAD, for the fallback */
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

static struct elf_layout *layout_of(struct elf_layout **ls, size_t *n, size_t *cap, int pid,
				    const struct lt_mapping *m)
{
	struct elf_layout *l;
	size_t i;

	for (i = 0; i < *n; i++)
		if ((*ls)[i].dev == m->dev && (*ls)[i].ino == m->ino)
			return &(*ls)[i];
	if (LT_ENSURE(ls, cap, *n + 1))
		return NULL;
	l = &(*ls)[(*n)++];
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
	struct lt_module *v = NULL, *mod;
	size_t nls = 0, lscap = 0, n = 0, cap = 0, i, k;
	int err = 0;

	out->v = NULL;
	out->n = 0;
	for (i = 0; i < maps->n; i++) {
		const struct lt_mapping *m = &maps->v[i];
		__u64 bias;

		if (!(m->prot & PROT_EXEC) || !is_file_mapping(m))
			continue;
		l = layout_of(&ls, &nls, &lscap, pid, m);
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
		err = LT_ENSURE(&v, &cap, n + 1);
		if (err)
			goto cleanup;
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
	if (n) /* qsort(NULL, 0) is undefined */
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
	/* modules are sorted by start and do not overlap (each is one file's text) */
	long i = LT_RANGE_FIND(mods->v, mods->n, start, end, addr);

	return i < 0 ? NULL : &mods->v[i];
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

// SPDX-License-Identifier: GPL-2.0
/* pprof Mappings: the executable segment of each module a report's frames fall in, with its
 * file offset and GNU build-id, read from the module's ELF file (src/target/elf_symbols). */
#include <errno.h>
#include <gelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <elfutils/libdwelf.h>
#include "array.h"
#include "elf_symbols.h"
#include "pprof.h"

/* The PT_LOAD segment holding vaddr (an executable one preferred), bias added. */
static void segment_of(struct lt_elf *e, __u64 vaddr, __u64 bias, struct lt_pprof_mapping *m)
{
	Elf *elf = lt_elf__handle(e);
	size_t n = 0, i;
	GElf_Phdr ph;

	if (!elf || elf_getphdrnum(elf, &n))
		return;
	for (i = 0; i < n; i++) {
		if (!gelf_getphdr(elf, (int)i, &ph) || ph.p_type != PT_LOAD)
			continue;
		if (vaddr < ph.p_vaddr || vaddr >= ph.p_vaddr + ph.p_memsz)
			continue;
		m->start = ph.p_vaddr + bias;
		m->limit = ph.p_vaddr + ph.p_memsz + bias;
		m->file_offset = ph.p_offset;
		return;
	}
}

static void build_id_of(struct lt_elf *e, struct lt_pprof_mapping *m)
{
	const unsigned char *id = NULL;
	ssize_t n = dwelf_elf_gnu_build_id(lt_elf__handle(e), (const void **)&id);
	ssize_t i;

	if (n <= 0 || !id)
		return;
	if (n > (ssize_t)(sizeof(m->build_id) - 1) / 2)
		n = (sizeof(m->build_id) - 1) / 2;
	for (i = 0; i < n; i++)
		snprintf(m->build_id + 2 * i, 3, "%02x", id[i]);
}

/* The file as the target sees it, through its root first (containers, exited mounts). */
static struct lt_elf *open_module(int pid, const char *path)
{
	char host[4096];
	struct lt_elf *e = NULL;

	if (pid > 0 &&
	    snprintf(host, sizeof(host), "/proc/%d/root%s", pid, path) < (int)sizeof(host))
		e = lt_elf__open(host);
	return e ? e : lt_elf__open(path);
}

static int new_mapping(struct lt_pprof_maps *m, int pid, const struct lt_sym *s)
{
	struct lt_pprof_mapping *p;
	struct lt_elf *e;

	if (LT_ENSURE(&m->v, &m->cap, m->n + 1))
		return -ENOMEM;
	p = &m->v[m->n];
	memset(p, 0, sizeof(*p));
	p->path = strdup(s->module);
	if (!p->path)
		return -ENOMEM;
	p->start = s->addr;
	p->limit = s->addr + 1;
	p->all_named = p->all_files = p->all_lines = true;
	e = open_module(pid, s->module);
	if (e) {
		segment_of(e, s->module_off, s->addr - s->module_off, p);
		build_id_of(e, p);
		lt_elf__close(e);
	}
	m->n++;
	return 0;
}

int lt_pprof_maps__add(struct lt_pprof_maps *m, int pid, const struct lt_sym *s, long *idx)
{
	struct lt_pprof_mapping *p;
	size_t i;
	int err;

	*idx = -1;
	if (!s->module || !*s->module)
		return 0;
	for (i = 0; i < m->n; i++)
		if (!strcmp(m->v[i].path, s->module))
			break;
	if (i == m->n) {
		err = new_mapping(m, pid, s);
		if (err)
			return err;
	}
	p = &m->v[i];
	/* a file not read keeps the bounds of the frames seen in it */
	if (s->addr < p->start)
		p->start = s->addr;
	if (s->addr >= p->limit)
		p->limit = s->addr + 1;
	p->all_named &= s->symbol != NULL;
	p->all_files &= s->file != NULL;
	p->all_lines &= s->line > 0;
	p->inlines |= s->ninl > 0;
	*idx = (long)i;
	return 0;
}

void lt_pprof_maps__free(struct lt_pprof_maps *m)
{
	size_t i;

	for (i = 0; i < m->n; i++)
		free(m->v[i].path);
	free(m->v);
	memset(m, 0, sizeof(*m));
}

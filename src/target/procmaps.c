// SPDX-License-Identifier: GPL-2.0
/* Parses /proc/PID/maps: the target's mappings, sorted by address (modules.c derives the
 * executable ELF modules from them). */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/sysmacros.h>

#include "array.h"
#include "procmaps.h"
#include "ranges.h"

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
		   &minor, &ino, &n) != 7 ||
	    n == 0)
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
	struct lt_mapping *v = NULL;
	size_t n = 0, cap = 0, linecap = 0;
	char *line = NULL;
	int err = 0;

	out->v = NULL;
	out->n = 0;
	while (getline(&line, &linecap, f) > 0) {
		if (line[0] == '\n')
			continue;
		err = LT_ENSURE(&v, &cap, n + 1);
		if (err)
			goto cleanup;
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
	long i = LT_RANGE_FIND(m->v, m->n, start, end, addr);

	return i < 0 ? NULL : &m->v[i];
}

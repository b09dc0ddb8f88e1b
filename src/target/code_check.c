// SPDX-License-Identifier: GPL-2.0
/* Compares the target's code, read through /proc/PID/mem, with the file it was mapped
 * from, at the instructions we are about to probe and a few after them: a 0xcc there that the file lacks is a
 * software breakpoint someone else put in (gdb, another tracer's uprobe). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#include "code_check.h"
#include "procmaps.h"

#define LT_INT3 0xcc
/* gdb puts `break fn` after the prologue, a few instructions past our probe */
#define LT_CODE_WINDOW 16

/* The runtime address of file offset off in a mapping of (dev, ino); 0 if not mapped. */
static __u64 lt_code_addr(const struct lt_maps *maps, __u64 dev, __u64 ino, __u64 off)
{
	for (size_t i = 0; i < maps->n; i++) {
		const struct lt_mapping *m = &maps->v[i];

		if (m->ino != ino || m->dev != dev || !m->path)
			continue;
		if (off >= m->pgoff && off - m->pgoff < m->end - m->start)
			return m->start + (off - m->pgoff);
	}
	return 0;
}

int lt_code_check__int3(pid_t pid, __u64 dev, __u64 ino, const char *path, const __u64 *offs,
			size_t n, bool *hit)
{
	struct lt_maps maps = {};
	int mem = -1, file = -1, err, found = 0;
	char mpath[64];

	for (size_t i = 0; i < n; i++)
		hit[i] = false;
	err = lt_procmaps__read(pid, &maps);
	if (err)
		return err;
	snprintf(mpath, sizeof(mpath), "/proc/%d/mem", pid);
	mem = open(mpath, O_RDONLY | O_CLOEXEC);
	file = open(path, O_RDONLY | O_CLOEXEC);
	if (mem < 0 || file < 0) {
		err = -errno;
		goto cleanup;
	}
	for (size_t i = 0; i < n; i++) {
		__u64 addr = lt_code_addr(&maps, dev, ino, offs[i]);
		unsigned char live[LT_CODE_WINDOW], orig[LT_CODE_WINDOW];
		ssize_t len;

		if (!addr)
			continue;
		len = pread(mem, live, sizeof(live), (off_t)addr);
		if (len <= 0 || pread(file, orig, (size_t)len, (off_t)offs[i]) != len)
			continue;
		for (ssize_t k = 0; k < len && !hit[i]; k++)
			hit[i] = live[k] == LT_INT3 && orig[k] != LT_INT3;
		found += hit[i];
	}
	err = found;
cleanup:
	if (mem >= 0)
		close(mem);
	if (file >= 0)
		close(file);
	lt_procmaps__free(&maps);
	return err;
}

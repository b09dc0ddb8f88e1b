/* SPDX-License-Identifier: GPL-2.0 */
/* The target's memory map (/proc/PID/maps) and the executable modules in it. */
#ifndef LT_PROCMAPS_H
#define LT_PROCMAPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <linux/types.h>

struct lt_mapping {
	__u64 start, end;  /* [start, end) */
	__u64 pgoff;       /* file offset of start */
	__u64 dev, ino;
	unsigned prot;     /* PROT_READ | PROT_WRITE | PROT_EXEC */
	char *path;        /* as the target sees it; NULL for an anonymous mapping;
			    * pseudo names like "[vdso]" are kept */
	bool deleted;      /* the kernel marked path " (deleted)"; the suffix is stripped */
};

struct lt_maps {
	struct lt_mapping *v;
	size_t n;
};

/* An executable, file-backed ELF module of the target. */
struct lt_module {
	char *path;        /* as the target sees it, e.g. /usr/lib/x86_64-linux-gnu/libc.so.6 */
	char *host_path;   /* openable from here: /proc/PID/root/<path> (or path if that fails) */
	__u64 start, end;  /* the executable mapping(s): lowest start, highest end */
	__u64 bias;        /* runtime address = ELF vaddr + bias */
	__u64 dev, ino;
};

struct lt_modules {
	struct lt_module *v;
	size_t n;
};

/* Parse maps text; -EINVAL for a malformed line (out is then left empty). */
int lt_procmaps__parse(FILE *f, struct lt_maps *out);
int lt_procmaps__read(int pid, struct lt_maps *out);
void lt_procmaps__free(struct lt_maps *m);
const struct lt_mapping *lt_procmaps__find(const struct lt_maps *m, __u64 addr);

/* Executable file-backed modules of pid, with load bias computed from each file's
 * program headers, sorted by start. One module per file and load (a file loaded twice by
 * dlmopen() gives two). A deleted file is opened through /proc/PID/map_files (needs root);
 * files that cannot be opened or are not ELF are left out. Returns 0 or a negative errno. */
int lt_modules__from_maps(int pid, const struct lt_maps *m, struct lt_modules *out);
const struct lt_module *lt_modules__find(const struct lt_modules *mods, __u64 addr);
const struct lt_module *lt_modules__by_name(const struct lt_modules *mods, const char *basename_prefix);
void lt_modules__free(struct lt_modules *mods);

#endif

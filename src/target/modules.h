/* SPDX-License-Identifier: GPL-2.0 */
/* The target's executable ELF modules and their load bias, from its memory map. */
#ifndef LT_MODULES_H
#define LT_MODULES_H

#include <stddef.h>
#include <linux/types.h>

struct lt_maps;

/* An executable, file-backed ELF module of the target. */
struct lt_module {
	char *path;	  /* as the target sees it, e.g. /usr/lib/x86_64-linux-gnu/libc.so.6 */
	char *host_path;  /* openable from here: /proc/PID/root/<path> (or path if that fails) */
	__u64 start, end; /* the executable mapping(s): lowest start, highest end */
	__u64 bias;	  /* runtime address = ELF vaddr + bias */
	__u64 dev, ino;
};

struct lt_modules {
	struct lt_module *v;
	size_t n;
};

/* Executable file-backed modules of pid, with load bias computed from each file's
 * program headers, sorted by start. One module per file and load (a file loaded twice by
 * dlmopen() gives two). A deleted file is opened through /proc/PID/map_files (needs root);
 * files that cannot be opened or are not ELF are left out. Returns 0 or a negative errno. */
int lt_modules__from_maps(int pid, const struct lt_maps *m, struct lt_modules *out);
const struct lt_module *lt_modules__find(const struct lt_modules *mods, __u64 addr);
const struct lt_module *lt_modules__by_name(const struct lt_modules *mods,
					    const char *basename_prefix);
void lt_modules__free(struct lt_modules *mods);

#endif

/* SPDX-License-Identifier: GPL-2.0 */
/* The target's memory map (/proc/PID/maps). */
#ifndef LT_PROCMAPS_H
#define LT_PROCMAPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <linux/types.h>

struct lt_mapping {
	__u64 start, end; /* [start, end) */
	__u64 pgoff;	  /* file offset of start */
	__u64 dev, ino;
	unsigned prot; /* PROT_READ | PROT_WRITE | PROT_EXEC */
	char *path;    /* as the target sees it; NULL for an anonymous mapping;
			    * pseudo names like "[vdso]" are kept */
	bool deleted;  /* the kernel marked path " (deleted)"; the suffix is stripped */
};

struct lt_maps {
	struct lt_mapping *v;
	size_t n;
};

/* Parse maps text; -EINVAL for a malformed line (out is then left empty). */
int lt_procmaps__parse(FILE *f, struct lt_maps *out);
int lt_procmaps__read(int pid, struct lt_maps *out);
void lt_procmaps__free(struct lt_maps *m);
const struct lt_mapping *lt_procmaps__find(const struct lt_maps *m, __u64 addr);

/* The modules derived from these maps (struct lt_modules) are declared in modules.h, included
 * here so that the users of both keep one include. */
#include "modules.h"

#endif

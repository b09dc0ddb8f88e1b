/* SPDX-License-Identifier: GPL-2.0 */
/* Uprobes of one family (allocator, descriptor wrappers): which functions, which BPF
 * programs, where in each function. */
#ifndef LT_ATTACH_H
#define LT_ATTACH_H

#include <stdbool.h>
#include <stddef.h>
#include "loader.h"
#include "procmaps.h"

struct lt_attach;

enum lt_probe_family {
	LT_PROBES_ALLOC = 0,  /* malloc, free, ...: modules that define malloc */
	LT_PROBES_FD,         /* open64, socket, pipe, ...: modules that define open64 */
};

/* The allocator family. */
struct lt_attach *lt_attach__new(struct lt_bpf *b, int pid, int verbose);
struct lt_attach *lt_attach__new_family(struct lt_bpf *b, int pid, int verbose,
					enum lt_probe_family family);
/* Attach the allocator probes to every module of mods that defines malloc and is not
 * attached yet. *added counts the modules attached by this call. */
int lt_attach__modules(struct lt_attach *a, const struct lt_modules *mods, int *added);
/* Attach to one file before the target has mapped it (launch mode). */
int lt_attach__file(struct lt_attach *a, const char *path, __u64 dev, __u64 ino);
size_t lt_attach__nprobes(const struct lt_attach *a);
size_t lt_attach__nmodules(const struct lt_attach *a);
/* Detach everything (also done by free). */
void lt_attach__free(struct lt_attach *a);
/* Destroy n links at once: each uprobe detach waits about 0.25 s, concurrently they
 * overlap. Other probe families detach theirs with it too. */
struct bpf_link;
void lt_attach__destroy_links(struct bpf_link **links, size_t n);

#endif

/* SPDX-License-Identifier: GPL-2.0 */
/* The one uprobe attach path: a family's table of rows (function, programs, placement)
 * attached, scoped to the target pid, to each module that defines the first row's function. */
#ifndef LT_UPROBES_H
#define LT_UPROBES_H

#include <stdbool.h>
#include <stddef.h>
#include <string.h>
#include "loader.h"
#include "probe_place.h"
#include "procmaps.h"

struct lt_uprobes;
struct bpf_link;

/* One function to probe. */
struct lt_uprobe {
	const char *symbol;
	const char *entry_prog; /* NULL: return probe only */
	const char *ret_prog;	/* NULL: entry only, and the entry may move past the start */
	enum lt_place_mode place;
	enum lt_alloc_fn fn; /* allocator rows: which function, for the session program */
	const char *label;   /* -v names the probe so, one line per probe (entry, return) */
};

/* How a module's probes are linked. */
enum lt_uprobe_link {
	LT_UPROBE_CLASSIC, /* one uprobe (and uretprobe) link per function */
	LT_UPROBE_SESSION, /* one lt_alloc_session link per module (allocator rows) */
	LT_UPROBE_MULTI,   /* one uprobe_multi link per module: every row runs one program */
};

#define LT_UPROBES_MAX_ROWS 128

struct lt_uprobes_opts {
	const struct lt_uprobe *rows;
	size_t n; /* at most LT_UPROBES_MAX_ROWS */
	enum lt_uprobe_link link;
	const char *what; /* for messages: "allocator", "descriptor" */
	bool all_rows;	  /* a module lacking any row is an error, not only the first */
	size_t nkeys;	  /* a module is probed when it defines one of the first nkeys rows
			   * (0 means 1: the first row's function) */
};

/* NULL with errno set. */
struct lt_uprobes *lt_uprobes__new(struct lt_bpf *b, int pid, const struct lt_uprobes_opts *o);
/* Attach to every module of mods that defines a key row's function and is not
 * attached yet. *added counts the modules attached by this call. */
int lt_uprobes__modules(struct lt_uprobes *u, const struct lt_modules *mods, int *added);
/* Attach to one file (before the target has mapped it, in launch mode). -ENOENT: it does
 * not define the first row's function. */
int lt_uprobes__file(struct lt_uprobes *u, const char *path, __u64 dev, __u64 ino);
size_t lt_uprobes__nprobes(const struct lt_uprobes *u);
size_t lt_uprobes__nmodules(const struct lt_uprobes *u);
/* Whether the module (dev, ino) has this family's probes. */
bool lt_uprobes__attached(const struct lt_uprobes *u, __u64 dev, __u64 ino);
/* Detach everything, side by side (also done by free). */
void lt_uprobes__detach(struct lt_uprobes *u);
void lt_uprobes__free(struct lt_uprobes *u);
/* The C library, by its file name: in launch mode, families attach to ours. */
static inline bool lt_uprobes__is_libc(const char *path)
{
	return strstr(path, "/libc.so") || strstr(path, "/libc-");
}
/* Destroy n links side by side: each detach waits about 0.25 s for the kernel. */
void lt_uprobes__destroy_links(struct bpf_link **links, size_t n);

#endif

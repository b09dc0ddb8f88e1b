/* SPDX-License-Identifier: GPL-2.0 */
/* A report as gzip'd pprof profiles (perftools.profiles.Profile, code generated at build
 * time by protoc-c from the profile.proto Debian ships): memory and descriptors apart. */
#ifndef LT_PPROF_H
#define LT_PPROF_H

#include <stddef.h>
#include <linux/types.h>
#include "report.h"

enum lt_pprof_kind {
	LT_PPROF_MEMORY = 0, /* inuse_objects/count, inuse_space/bytes: heap, mmap under [mmap] */
	LT_PPROF_FDS,	     /* open_fds/count, labelled by kind and peer */
};

/* Whether r has the profile of that kind (memory or descriptors traced). */
bool lt_pprof__has(const struct lt_report *r, enum lt_pprof_kind kind);

/* The gzip'd profile of that kind into *buf (malloc'ed, *len bytes). wall_ns is the
 * wall-clock time of the report (the window ends there). 0, -ENOMEM or -EIO (zlib). */
int lt_pprof__encode(const struct lt_report *r, enum lt_pprof_kind kind, __u64 wall_ns, void **buf,
		     size_t *len);

/* Where -f pprof -o path puts the descriptors when memory is traced too: "x.pb.gz" gives
 * "x.fds.pb.gz", any other name gets ".fds.pb.gz" appended. 0 or -ENAMETOOLONG. */
int lt_pprof__fds_path(const char *path, char *buf, size_t len);

struct lt_pprof_mapping {
	char *path;			      /* the module as the target sees it */
	__u64 start, limit, file_offset;      /* its executable segment, runtime addresses */
	char build_id[41];		      /* GNU build-id in hex, "" if none */
	bool all_named, all_files, all_lines; /* over the frames that fell in it */
	bool inlines;			      /* a frame in it had inlined functions */
};

/* The module mappings the frames of a report's stacks fall in (output_pprof_map.c):
 * segment bounds and file offset from the module's program headers (pid's root first),
 * build-id from its notes. Without the file, the bounds of the frames seen. */
struct lt_pprof_maps {
	struct lt_pprof_mapping *v;
	size_t n, cap;
};

/* *idx: the index in m of the mapping of s (added when new), -1 when s is in no module.
 * Returns 0 or -ENOMEM. */
int lt_pprof_maps__add(struct lt_pprof_maps *m, int pid, const struct lt_sym *s, long *idx);
void lt_pprof_maps__free(struct lt_pprof_maps *m);

#endif

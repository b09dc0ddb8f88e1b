/* SPDX-License-Identifier: GPL-2.0 */
/* A JIT's perf map (/tmp/perf-PID.map: "START SIZE name" lines, hex), as `node
 * --perf-basic-prof` writes it: parsed, looked up by address, re-read as it grows. */
#ifndef LT_PERF_MAP_H
#define LT_PERF_MAP_H

#include <stdbool.h>
#include <stdio.h>
#include <sys/types.h>
#include <linux/types.h>

struct lt_perf_map;

/* What one address resolves to. Strings live as long as the map. */
struct lt_perf_sym {
	const char *name; /* V8's kind prefix and tier mark removed for JS code */
	const char *file; /* script of a JS function, or NULL */
	int line;	  /* 0 when unknown */
	__u64 start;	  /* where the code starts */
	bool js;	  /* JavaScript (not a builtin, stub or regexp) */
};

/* The perf map of process pid as it sees it: /proc/PID/root/tmp/perf-<pid in its own
 * namespace>.map, read only if the file is a regular file owned by the process's real or
 * effective uid. NULL with errno: ENOENT (no map), EPERM (owned by someone else), ESRCH. */
struct lt_perf_map *lt_perf_map__open(int pid);
/* The same from a path, accepting files owned by uid only. */
struct lt_perf_map *lt_perf_map__open_path(const char *path, uid_t uid);
/* Read what was appended since the last read (whole lines only). 0 or a negative errno. */
int lt_perf_map__refresh(struct lt_perf_map *m);
/* The latest entry covering addr (a later line wins: JIT code is freed and reused). */
int lt_perf_map__lookup(const struct lt_perf_map *m, __u64 addr, struct lt_perf_sym *out);
size_t lt_perf_map__count(const struct lt_perf_map *m);
void lt_perf_map__free(struct lt_perf_map *m);

#endif

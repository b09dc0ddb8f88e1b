/* SPDX-License-Identifier: GPL-2.0 */
/* Report writers, one file per format. Stacks are symbolized first; a stack whose frames
 * is NULL is written with raw addresses. */
#ifndef LT_OUTPUT_H
#define LT_OUTPUT_H

#include <stdio.h>
#include "config.h"
#include "report.h"

/* Human report: totals, the top N stacks by bytes, losses. Runs of runtime-internal
 * frames (V8, Node, libuv) are one line each; lt_output__text_frames with all_frames
 * (--all-frames) writes every frame. */
int lt_output__text(FILE *f, const struct lt_report *r, int top_n);
int lt_output__text_frames(FILE *f, const struct lt_report *r, int top_n, bool all_frames);
/* flamegraph.pl input: "root;...;leaf bytes" per stack, heap and mmap stacks. */
int lt_output__folded(FILE *f, const struct lt_report *r);
/* gzip'd pprof (docs/formats.md): memory to f; descriptors too when no memory is traced,
 * else to the file lt_pprof__fds_path() names after path (NULL: stdout, not written). */
int lt_output__pprof(FILE *f, const struct lt_report *r, const char *path);
/* The documented JSON schema (docs/json-schema.md). One object per report, on one line,
 * so that interval reports form JSON Lines. */
int lt_output__json(FILE *f, const struct lt_report *r);

/* The writer for cfg->format, then a flush. Writers return 0, -EIO when the stream failed
 * (the flush: its negative errno, e.g. -ENOSPC), or -EINVAL for NULL arguments or an
 * unknown format. */
int lt_output__write(FILE *f, const struct lt_report *r, const struct lt_config *cfg);

/* A frame's display name: symbol, or "module+0xoff" (module basename), or "0xaddr".
 * Returns s->symbol itself when there is one (never truncated); otherwise writes into
 * buf and returns buf. */
const char *lt_output__frame_name(const struct lt_sym *s, char *buf, size_t len);

/* Binary units with one decimal ("4.2 KiB", "96 B"), written into buf, which is returned. */
const char *lt_output__human_bytes(__s64 v, char *buf, size_t len);

/* A leak suspect in one line ("heap +4.2 KiB/s (R² 0.99, 22 s) remember (plateau.c:29) ←
 * main"), written into buf, which is returned; the same line in text and JSON. */
const char *lt_output__suspect_line(const struct lt_suspect *s, char *buf, size_t len);
/* Why a socket suspect's owner is not named (its state is not LT_OWNER_JOINED), or "". */
const char *lt_output__owner_unknown(const struct lt_suspect *s, char *buf, size_t len);

#endif

/* SPDX-License-Identifier: GPL-2.0 */
/* Names of JS frames that the BPF walker read out of V8 (bpf/v8frames.bpf.h): fetched from
 * the `js_names` map by their tagged frame value and decoded to UTF-8, kept for the run. */
#ifndef LT_JS_NAMES_H
#define LT_JS_NAMES_H

#include <stddef.h>
#include "leaktrace.h"
#include "symbolize.h"

struct lt_js_names;

/* A table that fetches unknown names from the BPF map map_fd (-1: only what was added). */
struct lt_js_names *lt_js_names__new(int map_fd);
void lt_js_names__free(struct lt_js_names *t);

/* Record a raw entry under tag, as the BPF map holds it. 0, -EINVAL for an untagged
 * value or a length past the buffer, -ENOMEM. */
int lt_js_names__add(struct lt_js_names *t, __u64 tag, const struct lt_js_name *raw);

/* Describe the JS frame tag: symbol is the function's name ("(anonymous)" for a function
 * without one), file the script's name or NULL, js true. Strings live as long as t.
 * -ENOENT when the name is unknown: out then holds only addr (never a guessed name). */
int lt_js_names__resolve(struct lt_js_names *t, __u64 tag, struct lt_sym *out);

/* V8 string contents (Latin-1 or UTF-16LE, LT_JS_ENC_*) as a NUL-terminated UTF-8 string;
 * "..." marks a cut at the front (lead) or the end (trail). NULL with errno on ENOMEM. */
char *lt_js_names__utf8(const char *raw, size_t len, int enc, bool lead, bool trail);

#endif

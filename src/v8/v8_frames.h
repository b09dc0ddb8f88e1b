/* SPDX-License-Identifier: GPL-2.0 */
/* What the BPF walker needs to name V8 JS frames: object layout from the V8 binary's
 * v8dbg_* constants, and the address ranges of V8 code in the target. */
#ifndef LT_V8_FRAMES_H
#define LT_V8_FRAMES_H

#include <stddef.h>
#include "elf_symbols.h"
#include "leaktrace.h"
#include "procmaps.h"

/* The embedded builtins (interpreter entry, JS builtins) as ELF virtual addresses. */
struct lt_v8_blob {
	__u64 vaddr;
	__u64 size;
};

/* Read the layout from e's v8dbg_* symbols into cfg (enabled = 1, no ranges yet) and the
 * embedded builtins' place into blob (size 0 when the binary has no embedded blob).
 * -ENOENT when a needed constant is missing, with its name in *missing (a static string);
 * -EINVAL when the layout is one the BPF reader cannot follow. */
int lt_v8_frames__read_config(struct lt_elf *e, struct lt_v8_config *cfg, struct lt_v8_blob *blob,
			      const char **missing);

/* The ranges of V8 generated code in maps, given the V8 module (v8: its primary load)
 * and the builtins blob: the blob at its load address, and every run of adjacent
 * mappings that holds an executable anonymous mapping (JIT code) or an executable
 * mapping of v8's file away from v8's load (builtins remapped next to the JIT code),
 * widened over the adjacent anonymous reservations JIT code grows into. Returns how many
 * ranges were written to out (at most max), merged and sorted. */
size_t lt_v8_frames__code_ranges(const struct lt_maps *maps, const struct lt_module *v8,
				 const struct lt_v8_blob *blob, struct lt_v8_range *out,
				 size_t max);

#endif

/* SPDX-License-Identifier: GPL-2.0 */
/* The stack walker's unwind tables, filled module by module as the target maps code. */
#ifndef LT_CFI_UPLOAD_H
#define LT_CFI_UPLOAD_H

#include "loader.h"
#include "procmaps.h"

/* Give the stack walker unwind tables for fresh: modules not handed to it before. A module
 * without a usable table is left to frame pointers (said with -v). */
void lt_cfi_upload__modules(struct lt_bpf *b, const struct lt_modules *fresh);

/* Modules of all (the target's current ones) that have a table but are now mapped
 * elsewhere than it says (unloaded and loaded again): the table follows them. */
void lt_cfi_upload__moved(struct lt_bpf *b, const struct lt_modules *all);
/* The target exec'd: its modules are gone; drop every table (the walker stops using them
 * at once) so that the new image's are uploaded from scratch. */
void lt_cfi_upload__forget(struct lt_bpf *b);

#endif

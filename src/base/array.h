/* SPDX-License-Identifier: GPL-2.0 */
/* Growable arrays: the one place capacity is doubled (as libbpf's libbpf_ensure_mem). */
#ifndef LT_ARRAY_H
#define LT_ARRAY_H

#include <stddef.h>

/* Make *data hold at least need elements of elem bytes, doubling *cap (16 at first) as
 * needed; new elements are zeroed. Returns 0 or -ENOMEM (then *data and *cap are left as
 * they were). */
int lt_array__ensure(void **data, size_t *cap, size_t elem, size_t need);

/* lt_array__ensure for a typed pointer: LT_ENSURE(&v, &cap, n + 1). */
#define LT_ENSURE(pp, capp, need) lt_array__ensure((void **)(pp), (capp), sizeof(**(pp)), (need))

#endif

/* SPDX-License-Identifier: GPL-2.0 */
/* What the running kernel offers leaktrace: the features below its floor, and which
 * build of the BPF object matches its session kfunc. */
#ifndef LT_KERNEL_H
#define LT_KERNEL_H

#include <stddef.h>

/* The oldest kernel leaktrace is tested on and supports (README, docs/kernels.md). */
#define LT_KERNEL_MIN "6.1"

/* The prototype of bpf_session_is_return in the running kernel (bpf/heap.bpf.c builds
 * the object once per value). */
enum lt_session_kfunc {
	LT_SESSION_KFUNC_NONE = 0, /* absent (before 6.13) or of a shape we do not know */
	LT_SESSION_KFUNC_VOID = 1, /* bool bpf_session_is_return(void): 6.13 to 6.x */
	LT_SESSION_KFUNC_CTX = 2,  /* bool bpf_session_is_return(void *ctx): 7.x */
};

/* The running kernel's release (uname -r). */
const char *lt_kernel__release(void);
/* 0 when the kernel has everything leaktrace needs; otherwise prints one line naming the
 * missing feature and the kernel version that brought it, and returns -ENOTSUP (or the
 * error of a failed tracefs mount). */
int lt_kernel__check(void);
struct btf;
/* The kernel's BTF, parsed once and kept until lt_kernel__btf_release (NULL if it cannot
 * be read). */
const struct btf *lt_kernel__btf(void);
void lt_kernel__btf_release(void);
/* From the kernel's BTF, once. */
enum lt_session_kfunc lt_kernel__session_kfunc(void);

#endif

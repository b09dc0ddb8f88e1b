/* SPDX-License-Identifier: GPL-2.0 */
/* Breakpoints of another debugger in the target's code, found before we place a uprobe on
 * the same instruction (gdb's would then never fire, and be lost when we detach). */
#ifndef LT_CODE_CHECK_H
#define LT_CODE_CHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <linux/types.h>

/* For each file offset offs[i] of the file path (dev, ino) as pid maps it, hit[i] = one of
 * the target's 16 bytes from there is an int3 (0xcc) that the file does not have. Returns how many hit,
 * or a negative errno when the target's memory or the file cannot be read. */
int lt_code_check__int3(pid_t pid, __u64 dev, __u64 ino, const char *path, const __u64 *offs,
			size_t n, bool *hit);

#endif

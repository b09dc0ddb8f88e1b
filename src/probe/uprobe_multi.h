/* SPDX-License-Identifier: GPL-2.0 */
/* uprobe_multi links and uprobe sessions through bpf(2) directly: Debian's libbpf 1.1
 * predates both, the running kernel (6.13 and later) has them. */
#ifndef LT_UPROBE_MULTI_H
#define LT_UPROBE_MULTI_H

#include <stdbool.h>
#include <linux/types.h>

struct bpf_program;

/* Whether the running kernel has uprobe_multi links (one link, one detach, for many
 * probes) and uprobe sessions (an entry program that can cancel its return probe), read
 * from its BTF. */
bool lt_uprobe_multi__has_multi(void);
bool lt_uprobe_multi__has_session(void);

/* Make prog load as a uprobe_multi (or session) program; call before the object is
 * loaded. Such a program attaches only through lt_uprobe_multi__attach. */
int lt_uprobe_multi__set_type(struct bpf_program *prog, bool session);

/* Attach prog to n offsets of the file at path, for process pid only, as one uprobe_multi
 * link (entry probes) or session link (entry and return). Returns the link fd or a
 * negative errno. */
int lt_uprobe_multi__attach(int prog_fd, bool session, const char *path, const __u64 *offsets,
			    const __u64 *cookies, __u32 n, int pid);

#endif

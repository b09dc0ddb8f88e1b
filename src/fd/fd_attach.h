/* SPDX-License-Identifier: GPL-2.0 */
/* The tracepoints of the descriptor family: one program per shape of result, attached to
 * every syscall of that shape with the syscall's id as cookie. */
#ifndef LT_FD_ATTACH_H
#define LT_FD_ATTACH_H

#include "config.h"
#include "loader.h"

struct lt_fd_attach;

/* Attach the descriptor tracepoints (and sock:inet_sock_set_state with cfg->trace_sock).
 * A syscall this kernel lacks is skipped; any other failure is an error. */
struct lt_fd_attach *lt_fd_attach__new(struct lt_bpf *b, const struct lt_config *cfg);
size_t lt_fd_attach__count(const struct lt_fd_attach *a);
void lt_fd_attach__free(struct lt_fd_attach *a);

#endif

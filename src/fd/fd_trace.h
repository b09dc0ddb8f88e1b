/* SPDX-License-Identifier: GPL-2.0 */
/* Descriptor tracing in a session: the table fed by ring-buffer events, /proc reads that
 * describe and reconcile it, and the descriptor and socket parts of a report. */
#ifndef LT_FD_TRACE_H
#define LT_FD_TRACE_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>
#include "config.h"
#include "report.h"

struct lt_fd_trace;
struct ring_buffer;

/* Lists the descriptors pid has open now as pre-existing. socks_map_fd: the fd_socks map. */
struct lt_fd_trace *lt_fd_trace__new(const struct lt_config *cfg, int pid, int socks_map_fd);
/* Handle one ring-buffer record; returns true when it was a descriptor event. */
bool lt_fd_trace__event(struct lt_fd_trace *ft, const void *data, size_t size);
/* Fill r->fds and r->socks and add the losses counted here to r->lost. rb is consumed
 * again around the /proc listing so that closes in flight are not taken for lost ones;
 * alive: the target still runs (otherwise /proc is not read: the report shows what was
 * held at exit). */
int lt_fd_trace__report(struct lt_fd_trace *ft, struct ring_buffer *rb, __u64 now_ns, bool alive,
			struct lt_report *r);
/* Add each opening stack's descriptors and each peer's TCP sockets to the sample begun. */
struct lt_series_set;
int lt_fd_trace__sample(struct lt_fd_trace *ft, struct lt_series_set *set);
void lt_fd_trace__free(struct lt_fd_trace *ft);

#endif

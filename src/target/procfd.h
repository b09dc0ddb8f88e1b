/* SPDX-License-Identifier: GPL-2.0 */
/* The target's open descriptors as /proc shows them: the list, and what each one is. */
#ifndef LT_PROCFD_H
#define LT_PROCFD_H

#include <stddef.h>
#include "report.h"

/* Numbers of pid's open descriptors (malloc'ed, ascending), from /proc/PID/fd. */
int lt_procfd__list(int pid, int **fds, size_t *n);
/* Kind, path and inode of pid's descriptor fd; -ENOENT when it is not open. */
int lt_procfd__describe(int pid, int fd, struct lt_fd_desc *out);
/* Kind from the link text ("socket:[123]", "anon_inode:[eventfd]", "/memfd:x (deleted)",
 * a path) and the st_mode of the file it points to (0 when unknown). */
enum lt_fd_kind lt_procfd__classify(const char *link, unsigned int mode);

#endif

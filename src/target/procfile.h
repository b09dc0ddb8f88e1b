/* SPDX-License-Identifier: GPL-2.0 */
/* One small /proc/PID file read into a caller's buffer, bounded and NUL-terminated. */
#ifndef LT_PROCFILE_H
#define LT_PROCFILE_H

#include <stddef.h>
#include <sys/types.h>

/* Read /proc/PID/NAME with one read() of at most size - 1 bytes and NUL-terminate it (the
 * content is the target's: a comm or a command line may hold any byte, a NUL included).
 * Returns the bytes read (0: empty), or a negative errno; buf is untouched on error. */
ssize_t lt_procfile__read(pid_t pid, const char *name, char *buf, size_t size);

#endif

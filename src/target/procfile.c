// SPDX-License-Identifier: GPL-2.0
/* Reading a small /proc/PID file (stat, statm, comm, cmdline, environ) into a buffer; the
 * callers parse it where they are. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#include "procfile.h"

ssize_t lt_procfile__read(pid_t pid, const char *name, char *buf, size_t size)
{
	char path[64];
	ssize_t n;
	int fd;

	if (size < 1)
		return -EINVAL;
	if (snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, name) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, size - 1);
	if (n < 0)
		n = -errno;
	else
		buf[n] = '\0';
	close(fd);
	return n;
}

// SPDX-License-Identifier: GPL-2.0
/* Reads the target's descriptors from /proc/PID/fd: which are open, and what each one is
 * (the link text names anonymous inodes and paths; stat tells directories and devices). */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include "array.h"
#include "procfd.h"

static int cmp_int(const void *a, const void *b)
{
	return (*(const int *)a > *(const int *)b) - (*(const int *)a < *(const int *)b);
}

int lt_procfd__list(int pid, int **fds, size_t *n)
{
	char dir[64];
	struct dirent *d;
	size_t cap = 0;
	int *v = NULL, err = 0;
	DIR *dp;

	*fds = NULL;
	*n = 0;
	snprintf(dir, sizeof(dir), "/proc/%d/fd", pid);
	dp = opendir(dir);
	if (!dp)
		return -errno;
	while ((d = readdir(dp))) {
		char *end;
		long fd = strtol(d->d_name, &end, 10);

		if (*end || end == d->d_name || fd < 0)
			continue;
		err = LT_ENSURE(&v, &cap, *n + 1);
		if (err)
			goto cleanup;
		v[(*n)++] = (int)fd;
	}
	if (*n) /* qsort(NULL, 0) is undefined */
		qsort(v, *n, sizeof(*v), cmp_int);
cleanup:
	closedir(dp);
	if (err) {
		free(v);
		*n = 0;
		return err;
	}
	*fds = v;
	return 0;
}

static const struct {
	const char *link;
	enum lt_fd_kind kind;
} anon_kinds[] = {
	{ "anon_inode:[eventfd]", LT_FDK_EVENTFD }, { "anon_inode:[eventpoll]", LT_FDK_EPOLL },
	{ "anon_inode:[timerfd]", LT_FDK_TIMERFD }, { "anon_inode:[signalfd]", LT_FDK_SIGNALFD },
	{ "anon_inode:inotify", LT_FDK_INOTIFY },   { "anon_inode:[pidfd]", LT_FDK_PIDFD },
};

enum lt_fd_kind lt_procfd__classify(const char *link, unsigned int mode)
{
	if (!strncmp(link, "socket:[", 8))
		return LT_FDK_SOCKET;
	if (!strncmp(link, "pipe:[", 6))
		return LT_FDK_PIPE;
	for (size_t i = 0; i < sizeof(anon_kinds) / sizeof(anon_kinds[0]); i++)
		if (!strcmp(link, anon_kinds[i].link))
			return anon_kinds[i].kind;
	/* pidfds are "pidfd:[N]" on kernels with pidfs (6.9+) */
	if (!strncmp(link, "pidfd:", 6))
		return LT_FDK_PIDFD;
	if (!strncmp(link, "anon_inode:", 11))
		return LT_FDK_ANON;
	if (!strncmp(link, "/memfd:", 7))
		return LT_FDK_MEMFD;
	if (link[0] != '/')
		return LT_FDK_UNKNOWN;
	if (S_ISDIR(mode))
		return LT_FDK_DIR;
	if (S_ISFIFO(mode))
		return LT_FDK_FIFO;
	if (S_ISCHR(mode))
		return LT_FDK_CHAR;
	if (S_ISBLK(mode))
		return LT_FDK_BLOCK;
	return LT_FDK_FILE;
}

int lt_procfd__describe(int pid, int fd, struct lt_fd_desc *out)
{
	char path[64];
	struct stat st;
	ssize_t len;

	memset(out, 0, sizeof(*out));
	snprintf(path, sizeof(path), "/proc/%d/fd/%d", pid, fd);
	len = readlink(path, out->path, sizeof(out->path) - 1);
	if (len < 0)
		return -errno;
	out->path[len] = '\0';
	/* stat follows the link to the open file itself, even one deleted or elsewhere in
	 * the target's mount namespace */
	if (stat(path, &st) == 0)
		out->ino = st.st_ino;
	out->kind = lt_procfd__classify(out->path, out->ino ? st.st_mode : 0);
	return 0;
}

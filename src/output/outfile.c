// SPDX-License-Identifier: GPL-2.0
/* The -o file: reports written to a temporary file beside the destination, renamed into
 * place (outfile.h says what is promised). */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/random.h>
#include <sys/stat.h>

#include "log.h"
#include "outfile.h"

/* The directory that holds path ("." for a bare name), malloc'ed. */
static char *dir_of(const char *path)
{
	char *copy = strdup(path), *dir;

	if (!copy)
		return NULL;
	dir = strdup(dirname(copy));
	free(copy);
	return dir;
}

/* /dev/stdout, /dev/fd/N, /proc/self/fd/N: one of leaktrace's own descriptors (a shell's
 * pipe or terminal), opened through its link. */
static bool own_fd_link(const char *path)
{
	char link[32];
	ssize_t n;

	if (!strncmp(path, "/dev/fd/", 8) || !strncmp(path, "/proc/self/fd/", 14))
		return true;
	n = readlink(path, link, sizeof(link) - 1);
	if (n < 0)
		return false;
	link[n] = '\0';
	return !strncmp(link, "/proc/self/fd/", 14);
}

int lt_outfile__init(struct lt_outfile *o, const char *path)
{
	char *dir = NULL;
	struct stat st = {};
	int err = 0;

	memset(o, 0, sizeof(*o));
	o->path = path;
	if (lstat(path, &st) == 0) {
		if (S_ISDIR(st.st_mode)) {
			lt_err("cannot write %s: %s", path, strerror(EISDIR));
			return -EISDIR;
		}
		o->follow = S_ISLNK(st.st_mode) && own_fd_link(path);
		o->stream = o->follow || S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode) ||
			    S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode);
		if (o->stream)
			return 0; /* written in place: the directory does not matter */
	}
	dir = dir_of(path);
	if (!dir)
		return -ENOMEM;
	if (access(dir, W_OK | X_OK)) {
		err = -errno;
		lt_err("cannot write %s: directory %s: %s", path, dir, strerror(errno));
	}
	free(dir);
	return err;
}

/* A new file "DIR/.BASE.XXXXXXXX" that nobody else can have opened or linked: created
 * here, never followed. */
static int create_tmp(struct lt_outfile *o)
{
	size_t len = strlen(o->path) + 32;
	char *dir = dir_of(o->path), *copy = strdup(o->path);
	int fd = -1, err = -EEXIST;

	o->tmp = malloc(len);
	if (!dir || !copy || !o->tmp) {
		err = -ENOMEM;
		goto cleanup;
	}
	for (int i = 0; i < 100 && fd < 0; i++) {
		unsigned int r;

		if (getrandom(&r, sizeof(r), 0) != sizeof(r))
			r = (unsigned int)getpid() * 2654435761u + i;
		snprintf(o->tmp, len, "%s/.%s.%08x", dir, basename(copy), r);
		fd = open(o->tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0666);
		if (fd < 0 && errno != EEXIST) {
			err = -errno;
			break;
		}
	}
	if (fd < 0)
		goto cleanup;
	o->f = fdopen(fd, "w");
	if (!o->f) {
		err = -errno;
		close(fd);
		unlink(o->tmp);
		goto cleanup;
	}
	err = 0;
cleanup:
	if (err) {
		lt_err("cannot write %s: %s", o->path, strerror(-err));
		free(o->tmp);
		o->tmp = NULL;
	}
	free(dir);
	free(copy);
	return err;
}

/* A device or FIFO at path, opened as it is (a symlink put there since is not followed),
 * or one of our own descriptors through its link. */
static int open_stream(struct lt_outfile *o)
{
	int fd = open(o->path, O_WRONLY | O_CLOEXEC | (o->follow ? 0 : O_NOFOLLOW));

	if (fd >= 0)
		o->f = fdopen(fd, "w");
	if (!o->f) {
		lt_err("cannot write %s: %s", o->path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -EIO;
	}
	return 0;
}

FILE *lt_outfile__begin(struct lt_outfile *o, bool replace)
{
	if (o->f && !o->tmp && (!replace || o->stream))
		return o->f; /* append to the file in place */
	lt_outfile__close(o);
	if (o->stream)
		return open_stream(o) ? NULL : o->f;
	return create_tmp(o) ? NULL : o->f;
}

int lt_outfile__commit(struct lt_outfile *o)
{
	int err = 0;

	if (!o->f)
		return -EBADF;
	if (fflush(o->f) || (!o->stream && fsync(fileno(o->f)))) {
		err = errno ? -errno : -EIO;
		lt_err("cannot write %s: %s", o->path, strerror(-err));
		lt_outfile__close(o);
		return err;
	}
	if (!o->tmp)
		return 0;
	if (rename(o->tmp, o->path)) {
		err = -errno;
		lt_err("cannot write %s: %s", o->path, strerror(errno));
		lt_outfile__close(o);
		return err;
	}
	free(o->tmp);
	o->tmp = NULL;
	return 0;
}

void lt_outfile__close(struct lt_outfile *o)
{
	if (o->f)
		fclose(o->f);
	o->f = NULL;
	if (o->tmp)
		unlink(o->tmp);
	free(o->tmp);
	o->tmp = NULL;
}

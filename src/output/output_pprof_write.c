// SPDX-License-Identifier: GPL-2.0
/* -f pprof: the memory profile to the output, descriptors to a file of their own beside it
 * (-o x.pb.gz: x.fds.pb.gz), since one profile never mixes bytes and counts. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "log.h"
#include "outfile.h"
#include "output.h"
#include "pprof.h"

#define PB_GZ ".pb.gz"

int lt_pprof__fds_path(const char *path, char *buf, size_t len)
{
	size_t n = strlen(path), sfx = strlen(PB_GZ);
	int w;

	if (n > sfx && !strcmp(path + n - sfx, PB_GZ))
		w = snprintf(buf, len, "%.*s.fds" PB_GZ, (int)(n - sfx), path);
	else
		w = snprintf(buf, len, "%s.fds" PB_GZ, path);
	return w < 0 || (size_t)w >= len ? -ENAMETOOLONG : 0;
}

static __u64 wall_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (__u64)ts.tv_sec * 1000000000ull + (__u64)ts.tv_nsec;
}

static int write_profile(FILE *f, const struct lt_report *r, enum lt_pprof_kind kind)
{
	void *buf = NULL;
	size_t len = 0;
	int err;

	err = lt_pprof__encode(r, kind, wall_now_ns(), &buf, &len);
	if (!err && fwrite(buf, 1, len, f) != len)
		err = -EIO;
	free(buf);
	return err;
}

/* The descriptors' file is written as safely as the -o file itself (outfile.h). */
static int write_fds_file(const char *path, const struct lt_report *r)
{
	struct lt_outfile o = {};
	char name[4096];
	FILE *f;
	int err;

	err = lt_pprof__fds_path(path, name, sizeof(name));
	if (err)
		return err;
	err = lt_outfile__init(&o, name);
	if (err)
		return err;
	f = lt_outfile__begin(&o, true);
	if (!f) {
		err = -EIO;
		goto cleanup;
	}
	err = write_profile(f, r, LT_PPROF_FDS);
	if (err) {
		lt_err("cannot write %s: %s", name, strerror(-err));
		goto cleanup;
	}
	err = lt_outfile__commit(&o);
cleanup:
	lt_outfile__close(&o);
	return err;
}

int lt_output__pprof(FILE *f, const struct lt_report *r, const char *path)
{
	bool mem, fds;
	int err;

	if (!f || !r)
		return -EINVAL;
	mem = lt_pprof__has(r, LT_PPROF_MEMORY);
	fds = lt_pprof__has(r, LT_PPROF_FDS);
	err = write_profile(f, r, mem || !fds ? LT_PPROF_MEMORY : LT_PPROF_FDS);
	if (err || !mem || !fds)
		return err ?: (ferror(f) ? -EIO : 0);
	if (!path) {
		static bool told;

		if (!told)
			lt_warn("the descriptors' pprof profile needs -o FILE (it goes to "
				"FILE.fds.pb.gz); only memory is written to the standard output");
		told = true;
		return 0;
	}
	return write_fds_file(path, r);
}

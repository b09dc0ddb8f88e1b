// SPDX-License-Identifier: GPL-2.0
/* The tracer's own cost, measured on itself: CPU time from the kernel's accounting of this
 * process, the resident set and its peak from /proc/self/status, and the kernel memory
 * of its BPF maps from each map's fdinfo (what the memory cgroup is charged). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <bpf/libbpf.h>

#include "tracer.h"

double lt_tracer__cpu_s(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts))
		return 0;
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* "Key:   1234 kB" anywhere in text, in bytes; false without it. */
static bool status_kib(const char *text, const char *key, __u64 *bytes)
{
	size_t len = strlen(key);
	const char *p = text;

	while (p && *p) {
		if (!strncmp(p, key, len) && p[len] == ':') {
			char *end;
			unsigned long long kib = strtoull(p + len + 1, &end, 10);

			if (end == p + len + 1)
				return false;
			*bytes = (__u64)kib * 1024;
			return true;
		}
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	return false;
}

int lt_tracer__parse_status(const char *text, __u64 *rss, __u64 *peak)
{
	if (!text || !status_kib(text, "VmRSS", rss) || !status_kib(text, "VmHWM", peak))
		return -ENOENT;
	return 0;
}

static int read_small_file(const char *path, char *buf, size_t size)
{
	FILE *f = fopen(path, "re");
	size_t n;

	if (!f)
		return -errno;
	n = fread(buf, 1, size - 1, f);
	buf[n] = '\0';
	fclose(f);
	return 0;
}

/* memlock of one BPF fd, from /proc/self/fdinfo: 0 when unreadable */
static __u64 fd_memlock(int fd)
{
	char path[64], buf[1024];
	__u64 bytes = 0;
	const char *p;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	if (read_small_file(path, buf, sizeof(buf)))
		return 0;
	p = strstr(buf, "\nmemlock:");
	if (p)
		bytes = strtoull(p + strlen("\nmemlock:"), NULL, 10);
	return bytes;
}

__u64 lt_tracer__map_bytes(const struct bpf_object *obj)
{
	struct bpf_map *m;
	__u64 sum = 0;

	if (!obj)
		return 0;
	bpf_object__for_each_map(m, obj)
	{
		int fd = bpf_map__fd(m);

		if (fd >= 0)
			sum += fd_memlock(fd);
	}
	return sum;
}

void lt_tracer__fill(struct lt_report_tracer *t, double attach_cpu_s, const struct bpf_object *obj)
{
	char buf[4096];
	double now = lt_tracer__cpu_s();

	memset(t, 0, sizeof(*t));
	t->known = true;
	t->attach_cpu_s = attach_cpu_s;
	t->cpu_s = now > attach_cpu_s ? now - attach_cpu_s : 0;
	if (!read_small_file("/proc/self/status", buf, sizeof(buf)))
		lt_tracer__parse_status(buf, &t->rss_bytes, &t->rss_peak_bytes);
	t->bpf_map_bytes = lt_tracer__map_bytes(obj);
}

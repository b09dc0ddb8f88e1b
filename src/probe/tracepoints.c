// SPDX-License-Identifier: GPL-2.0
/* Attaches tracepoint programs from a family's table: which event, which program, and the
 * cookie that tells a program shared by several events which one it is looking at. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <bpf/libbpf.h>

#include "leaktrace.skel.h"
#include "tracepoints.h"
#include "uprobes.h"
#include "array.h"
#include "log.h"

struct lt_tracepoints {
	struct lt_bpf *bpf;
	struct bpf_link **links;
	size_t n, cap;
};

struct lt_tracepoints *lt_tracepoints__new(struct lt_bpf *b)
{
	struct lt_tracepoints *t = calloc(1, sizeof(*t));

	if (t)
		t->bpf = b;
	return t;
}

static bool lt_tracepoint_exists(const char *category, const char *name)
{
	char path[256];

	struct stat st;

	/* stat, not access(): for a non-root user access() ignores CAP_DAC_READ_SEARCH */
	snprintf(path, sizeof(path), "/sys/kernel/tracing/events/%s/%s", category, name);
	if (!stat(path, &st))
		return true;
	snprintf(path, sizeof(path), "/sys/kernel/debug/tracing/events/%s/%s", category, name);
	return !stat(path, &st);
}

int lt_tracepoints__attach(struct lt_tracepoints *t, const struct lt_tracepoint *rows, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		LIBBPF_OPTS(bpf_tracepoint_opts, opts, .bpf_cookie = rows[i].cookie);
		const struct lt_tracepoint *r = &rows[i];
		struct bpf_program *prog;
		struct bpf_link *l;
		int err;

		prog = bpf_object__find_program_by_name(t->bpf->skel->obj, r->prog);
		if (!prog) {
			lt_err("no BPF program %s", r->prog);
			return -ENOENT;
		}
		if (r->optional && !lt_tracepoint_exists(r->category, r->name)) {
			lt_debug("no tracepoint %s:%s on this kernel", r->category, r->name);
			continue;
		}
		err = LT_ENSURE(&t->links, &t->cap, t->n + 1);
		if (err)
			return err;
		l = bpf_program__attach_tracepoint_opts(prog, r->category, r->name, &opts);
		if (!l) {
			err = -errno;
			lt_err("cannot attach to %s:%s: %s", r->category, r->name, strerror(-err));
			return err;
		}
		t->links[t->n++] = l;
	}
	return 0;
}

size_t lt_tracepoints__count(const struct lt_tracepoints *t)
{
	return t ? t->n : 0;
}

void lt_tracepoints__detach(struct lt_tracepoints *t)
{
	if (!t)
		return;
	/* each one waits for the kernel to be done with the program: side by side */
	lt_uprobes__destroy_links(t->links, t->n);
	t->n = 0;
}

void lt_tracepoints__free(struct lt_tracepoints *t)
{
	if (!t)
		return;
	lt_tracepoints__detach(t);
	free(t->links);
	free(t);
}

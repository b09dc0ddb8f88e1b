// SPDX-License-Identifier: GPL-2.0
/* Attaches the allocator probes, scoped to the target pid, to each module that defines
 * the allocator. A table says which program goes on which function; probe_place.c says
 * where in the function, from its machine code. */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <bpf/libbpf.h>

#include "leaktrace.skel.h"
#include "attach.h"
#include "probe_place.h"
#include "log.h"

struct lt_alloc_probe {
	const char *symbol;
	const char *entry_prog;
	const char *ret_prog;  /* NULL: entry only, and the entry may move past the start */
	enum lt_place_mode place;
};

static const struct lt_alloc_probe lt_alloc_probes[] = {
	{ "malloc", "uprobe_malloc", "uretprobe_malloc", LT_PLACE_ENTRY },
	{ "calloc", "uprobe_calloc", "uretprobe_calloc", LT_PLACE_ENTRY },
	{ "realloc", "uprobe_realloc", "uretprobe_realloc", LT_PLACE_ENTRY },
	{ "reallocarray", "uprobe_reallocarray", "uretprobe_reallocarray", LT_PLACE_ENTRY },
	{ "posix_memalign", "uprobe_posix_memalign", "uretprobe_posix_memalign", LT_PLACE_ENTRY },
	{ "aligned_alloc", "uprobe_aligned_alloc", "uretprobe_aligned_alloc", LT_PLACE_ENTRY },
	{ "memalign", "uprobe_aligned_alloc", "uretprobe_aligned_alloc", LT_PLACE_ENTRY },
	{ "valloc", "uprobe_valloc", "uretprobe_valloc", LT_PLACE_ENTRY },
	{ "pvalloc", "uprobe_pvalloc", "uretprobe_pvalloc", LT_PLACE_ENTRY },
	{ "free", "uprobe_free", NULL, LT_PLACE_ARG0_NONNULL },
};

#define LT_NPROBES (sizeof(lt_alloc_probes) / sizeof(lt_alloc_probes[0]))

struct lt_attach {
	struct lt_bpf *bpf;
	int pid;
	int verbose;
	struct bpf_link **links;
	size_t nlinks, cap;
	struct {
		__u64 dev, ino;
	} *mods;
	size_t nmods;      /* modules examined */
	size_t nattached;  /* modules with allocator probes */
};

struct lt_attach *lt_attach__new(struct lt_bpf *b, int pid, int verbose)
{
	struct lt_attach *a = calloc(1, sizeof(*a));

	if (!a)
		return NULL;
	a->bpf = b;
	a->pid = pid;
	a->verbose = verbose;
	return a;
}

static int lt_attach_link(struct lt_attach *a, struct bpf_link *l)
{
	if (a->nlinks == a->cap) {
		size_t cap = a->cap ? a->cap * 2 : 32;
		struct bpf_link **v = realloc(a->links, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		a->links = v;
		a->cap = cap;
	}
	a->links[a->nlinks++] = l;
	return 0;
}

static int lt_attach_one(struct lt_attach *a, const char *path, const char *prog_name,
			 const struct lt_probe_site *site, bool retprobe)
{
	LIBBPF_OPTS(bpf_uprobe_opts, opts, .retprobe = retprobe, .bpf_cookie = site->sp_adjust);
	struct bpf_program *prog;
	struct bpf_link *l;

	prog = bpf_object__find_program_by_name(a->bpf->skel->obj, prog_name);
	if (!prog)
		return -ENOENT;
	l = bpf_program__attach_uprobe_opts(prog, a->pid, path, site->file_offset, &opts);
	if (!l)
		return -errno;
	return lt_attach_link(a, l);
}

static bool lt_attach_known(const struct lt_attach *a, __u64 dev, __u64 ino)
{
	for (size_t i = 0; i < a->nmods; i++)
		if (a->mods[i].dev == dev && a->mods[i].ino == ino)
			return true;
	return false;
}

/* Every module is examined once, allocator or not. */
static int lt_attach_remember(struct lt_attach *a, __u64 dev, __u64 ino)
{
	void *v = realloc(a->mods, (a->nmods + 1) * sizeof(*a->mods));

	if (!v)
		return -ENOMEM;
	a->mods = v;
	a->mods[a->nmods].dev = dev;
	a->mods[a->nmods].ino = ino;
	a->nmods++;
	return 0;
}

int lt_attach__file(struct lt_attach *a, const char *path, __u64 dev, __u64 ino)
{
	struct lt_probe_site sites[LT_NPROBES];
	bool have[LT_NPROBES] = {};
	const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
	int err;

	if (lt_attach_known(a, dev, ino))
		return 0;
	err = lt_attach_remember(a, dev, ino);
	if (err)
		return err;
	for (size_t i = 0; i < LT_NPROBES; i++) {
		const struct lt_alloc_probe *p = &lt_alloc_probes[i];

		err = lt_probe_place__find(path, p->symbol, p->place, &sites[i]);
		if (err) {
			if (i == 0)
				return -ENOENT; /* no malloc here: not an allocator module */
			lt_debug("%s: no %s (%s)", base, p->symbol, strerror(-err));
			continue;
		}
		have[i] = true;
		/* aliases (memalign == aligned_alloc) share one probe */
		for (size_t k = 0; k < i; k++)
			if (have[k] && sites[k].vaddr == sites[i].vaddr &&
			    !strcmp(lt_alloc_probes[k].entry_prog, p->entry_prog))
				have[i] = false;
	}
	/* Return probes first: a return seen without its entry is ignored, while an
	 * entry without its return would be reported as a missed return. */
	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < LT_NPROBES; i++) {
			const struct lt_alloc_probe *p = &lt_alloc_probes[i];
			const char *prog = pass == 0 ? p->ret_prog : p->entry_prog;

			if (!have[i] || !prog)
				continue;
			err = lt_attach_one(a, path, prog, &sites[i], pass == 0);
			if (err) {
				lt_err("cannot attach to %s in %s: %s", p->symbol, path,
				       strerror(-err));
				return err;
			}
			if (pass == 1 && a->verbose)
				fprintf(stderr,
					"leaktrace: probe %-14s %s+0x%llx (+%llu) %-24s %s\n",
					p->symbol, base, (unsigned long long)sites[i].vaddr,
					(unsigned long long)(sites[i].vaddr - sites[i].sym_vaddr),
					sites[i].insn,
					sites[i].emulated ? "emulated" : "single-stepped");
		}
	}
	a->nattached++;
	return 0;
}

int lt_attach__modules(struct lt_attach *a, const struct lt_modules *mods, int *added)
{
	int n = 0, err;

	for (size_t i = 0; i < mods->n; i++) {
		const struct lt_module *m = &mods->v[i];

		if (lt_attach_known(a, m->dev, m->ino))
			continue;
		err = lt_attach__file(a, m->host_path, m->dev, m->ino);
		if (err == -ENOENT)
			continue;
		if (err)
			return err;
		n++;
	}
	if (added)
		*added = n;
	return 0;
}

size_t lt_attach__nprobes(const struct lt_attach *a)
{
	return a->nlinks;
}

size_t lt_attach__nmodules(const struct lt_attach *a)
{
	return a->nattached;
}

static void *lt_detach_one(void *link)
{
	bpf_link__destroy(link);
	return NULL;
}

/* Removing a uprobe waits for the kernel to be sure no CPU still runs it (about 0.25 s
 * here); one after the other, 17 probes took 4 s. Detached concurrently, the waits
 * overlap. */
void lt_attach__destroy_links(struct bpf_link **links, size_t n)
{
	pthread_t *tids = calloc(n, sizeof(*tids));
	bool *started = calloc(n, sizeof(*started));

	for (size_t i = 0; i < n; i++)
		if (tids && started && !pthread_create(&tids[i], NULL, lt_detach_one, links[i]))
			started[i] = true;
		else
			bpf_link__destroy(links[i]);
	for (size_t i = 0; i < n; i++)
		if (started && started[i])
			pthread_join(tids[i], NULL);
	free(tids);
	free(started);
}

void lt_attach__free(struct lt_attach *a)
{
	if (!a)
		return;
	lt_attach__destroy_links(a->links, a->nlinks);
	free(a->links);
	free(a->mods);
	free(a);
}

// SPDX-License-Identifier: GPL-2.0
/* Attaches uprobes, scoped to the target pid, to each module that defines a family's first
 * function: the allocator, or the libc wrappers that create descriptors. A table per
 * family says which program goes on which function; probe_place.c says where in the
 * function, from its machine code. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <bpf/libbpf.h>

#include "leaktrace.skel.h"
#include "attach.h"
#include "probe_place.h"
#include "uprobe_multi.h"
#include "log.h"

struct lt_alloc_probe {
	const char *symbol;
	const char *entry_prog;
	const char *ret_prog;  /* NULL: entry only, and the entry may move past the start */
	enum lt_place_mode place;
	enum lt_alloc_fn fn;   /* allocator family: which function, for the session program */
};

static const struct lt_alloc_probe lt_alloc_probes[] = {
	{ "malloc", "uprobe_malloc", "uretprobe_malloc", LT_PLACE_ENTRY, LT_FN_MALLOC },
	{ "calloc", "uprobe_calloc", "uretprobe_calloc", LT_PLACE_ENTRY, LT_FN_CALLOC },
	{ "realloc", "uprobe_realloc", "uretprobe_realloc", LT_PLACE_ENTRY, LT_FN_REALLOC },
	{ "reallocarray", "uprobe_reallocarray", "uretprobe_reallocarray",
	  LT_PLACE_ENTRY, LT_FN_REALLOCARRAY },
	{ "posix_memalign", "uprobe_posix_memalign", "uretprobe_posix_memalign",
	  LT_PLACE_ENTRY, LT_FN_POSIX_MEMALIGN },
	{ "aligned_alloc", "uprobe_aligned_alloc", "uretprobe_aligned_alloc",
	  LT_PLACE_ENTRY, LT_FN_ALIGNED_ALLOC },
	{ "memalign", "uprobe_aligned_alloc", "uretprobe_aligned_alloc",
	  LT_PLACE_ENTRY, LT_FN_ALIGNED_ALLOC },
	{ "valloc", "uprobe_valloc", "uretprobe_valloc", LT_PLACE_ENTRY, LT_FN_VALLOC },
	{ "pvalloc", "uprobe_pvalloc", "uretprobe_pvalloc", LT_PLACE_ENTRY, LT_FN_PVALLOC },
	{ "free", "uprobe_free", NULL, LT_PLACE_ARG0_NONNULL, LT_FN_FREE },
};

/* Descriptor-creating wrappers: the entry lends its stack to the syscall exit that carries
 * the result (a stack taken inside glibc's wrappers is cut short). Entry only, at the
 * first instruction, where [rsp] is the return address into the caller. */
static const struct lt_alloc_probe lt_fd_probes[] = {
	{ "open64", "uprobe_fd_entry", NULL, LT_PLACE_ENTRY },
	{ "open", "uprobe_fd_entry", NULL, LT_PLACE_ENTRY },
	{ "openat64", "uprobe_fd_entry", NULL, LT_PLACE_ENTRY },
	{ "openat", "uprobe_fd_entry", NULL, LT_PLACE_ENTRY },
	{ "creat64", "uprobe_fd_entry", NULL, LT_PLACE_ENTRY },
	{ "creat", "uprobe_fd_entry", NULL, LT_PLACE_ENTRY },
	{ "socket", "uprobe_fd_entry", NULL, LT_PLACE_ENTRY },
	{ "socketpair", "uprobe_fd_entry", NULL, LT_PLACE_ENTRY },
	{ "accept", "uprobe_fd_entry", NULL, LT_PLACE_ENTRY },
	{ "accept4", "uprobe_fd_entry", NULL, LT_PLACE_ENTRY },
	{ "dup", "uprobe_fd_entry", NULL, LT_PLACE_ENTRY },
	{ "dup2", "uprobe_fd_entry", NULL, LT_PLACE_ENTRY },
	{ "dup3", "uprobe_fd_entry", NULL, LT_PLACE_ENTRY },
	{ "fcntl64", "uprobe_fd_entry", NULL, LT_PLACE_ENTRY },
	{ "fcntl", "uprobe_fd_entry", NULL, LT_PLACE_ENTRY },
	{ "pipe", "uprobe_fd_entry", NULL, LT_PLACE_ENTRY },
	{ "pipe2", "uprobe_fd_entry", NULL, LT_PLACE_ENTRY },
	{ "eventfd", "uprobe_fd_entry", NULL, LT_PLACE_ENTRY },
	{ "timerfd_create", "uprobe_fd_entry", NULL, LT_PLACE_ENTRY },
	{ "signalfd", "uprobe_fd_entry", NULL, LT_PLACE_ENTRY },
	{ "epoll_create", "uprobe_fd_entry", NULL, LT_PLACE_ENTRY },
	{ "epoll_create1", "uprobe_fd_entry", NULL, LT_PLACE_ENTRY },
	{ "inotify_init", "uprobe_fd_entry", NULL, LT_PLACE_ENTRY },
	{ "inotify_init1", "uprobe_fd_entry", NULL, LT_PLACE_ENTRY },
	{ "memfd_create", "uprobe_fd_entry", NULL, LT_PLACE_ENTRY },
	{ "pidfd_open", "uprobe_fd_entry", NULL, LT_PLACE_ENTRY },
};

static const struct {
	const struct lt_alloc_probe *probes;
	size_t n;
	bool session;  /* one uprobe session link per module where the kernel has them */
} lt_families[] = {
	[LT_PROBES_ALLOC] = { lt_alloc_probes,
			      sizeof(lt_alloc_probes) / sizeof(lt_alloc_probes[0]), true },
	[LT_PROBES_FD] = { lt_fd_probes, sizeof(lt_fd_probes) / sizeof(lt_fd_probes[0]), false },
};

#define LT_NPROBES_MAX (sizeof(lt_fd_probes) / sizeof(lt_fd_probes[0]))
_Static_assert(sizeof(lt_alloc_probes) <= sizeof(lt_fd_probes), "LT_NPROBES_MAX too small");

struct lt_attach {
	const struct lt_alloc_probe *probes;
	size_t nprobes;
	bool session;      /* this family goes through lt_alloc_session links */
	bool multi;        /* this family goes through one uprobe_multi link per module */
	struct lt_bpf *bpf;
	int pid;
	int verbose;
	struct bpf_link **links;
	size_t nlinks, cap;
	int *multi_fds;    /* uprobe_multi or session links, one per module */
	size_t nmulti;
	size_t nmulti_probes;
	struct {
		__u64 dev, ino;
	} *mods;
	size_t nmods;      /* modules examined */
	size_t nattached;  /* modules with allocator probes */
};

struct lt_attach *lt_attach__new(struct lt_bpf *b, int pid, int verbose)
{
	return lt_attach__new_family(b, pid, verbose, LT_PROBES_ALLOC);
}

struct lt_attach *lt_attach__new_family(struct lt_bpf *b, int pid, int verbose,
					enum lt_probe_family family)
{
	struct lt_attach *a = calloc(1, sizeof(*a));

	if (!a)
		return NULL;
	a->probes = lt_families[family].probes;
	a->nprobes = lt_families[family].n;
	a->session = lt_families[family].session && b->session;
	a->multi = !lt_families[family].session && b->fd_multi;
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

/* Every function of the module on one link: a session link for the allocator (the
 * cookie tells the program which function and where its probe sits), a uprobe_multi link
 * for the descriptor wrappers (the cookie carries where the probe sits). */
static int lt_attach_multi(struct lt_attach *a, const char *path,
			   const struct lt_probe_site *sites, const bool *have)
{
	__u64 offsets[LT_NPROBES_MAX], cookies[LT_NPROBES_MAX];
	struct bpf_program *prog;
	__u32 n = 0;
	int *v, fd;

	for (size_t i = 0; i < a->nprobes; i++) {
		if (!have[i])
			continue;
		/* a uprobe_multi link runs one program: the family must have only one */
		if (!a->session && strcmp(a->probes[i].entry_prog, a->probes[0].entry_prog))
			return -EINVAL;
		offsets[n] = sites[i].file_offset;
		cookies[n] = a->session ? LT_COOKIE(a->probes[i].fn, sites[i].sp_adjust) :
					  sites[i].sp_adjust;
		n++;
	}
	if (!n)
		return 0;
	prog = a->session ? a->bpf->skel->progs.lt_alloc_session :
			    bpf_object__find_program_by_name(a->bpf->skel->obj,
							     a->probes[0].entry_prog);
	if (!prog)
		return -ENOENT;
	v = realloc(a->multi_fds, (a->nmulti + 1) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	a->multi_fds = v;
	fd = lt_uprobe_multi__attach(bpf_program__fd(prog), a->session, path, offsets, cookies,
				     n, a->pid);
	if (fd < 0)
		return fd;
	a->multi_fds[a->nmulti++] = fd;
	a->nmulti_probes += n;
	return 0;
}

static void lt_attach_describe(const struct lt_attach *a, const char *base,
			       const struct lt_alloc_probe *p, const struct lt_probe_site *site)
{
	if (!a->verbose)
		return;
	fprintf(stderr, "leaktrace: probe %-14s %s+0x%llx (+%llu) %-24s %s%s\n", p->symbol, base,
		(unsigned long long)site->vaddr,
		(unsigned long long)(site->vaddr - site->sym_vaddr), site->insn,
		site->emulated ? "emulated" : "single-stepped",
		a->session ? " (session)" : a->multi ? " (uprobe_multi)" : "");
}

int lt_attach__file(struct lt_attach *a, const char *path, __u64 dev, __u64 ino)
{
	struct lt_probe_site sites[LT_NPROBES_MAX];
	bool have[LT_NPROBES_MAX] = {};
	const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
	int err;

	if (lt_attach_known(a, dev, ino))
		return 0;
	err = lt_attach_remember(a, dev, ino);
	if (err)
		return err;
	for (size_t i = 0; i < a->nprobes; i++) {
		const struct lt_alloc_probe *p = &a->probes[i];

		err = lt_probe_place__find(path, p->symbol, p->place, &sites[i]);
		if (err) {
			if (i == 0)
				return -ENOENT; /* no malloc (open64) here: not a module of ours */
			lt_debug("%s: no %s (%s)", base, p->symbol, strerror(-err));
			continue;
		}
		have[i] = true;
		/* aliases (memalign == aligned_alloc) share one probe */
		for (size_t k = 0; k < i; k++)
			if (have[k] && sites[k].vaddr == sites[i].vaddr &&
			    !strcmp(a->probes[k].entry_prog, p->entry_prog))
				have[i] = false;
	}
	if (a->session || a->multi) {
		err = lt_attach_multi(a, path, sites, have);
		if (err) {
			lt_err("cannot attach the %s probes to %s: %s",
			       a->session ? "allocator" : "descriptor", path, strerror(-err));
			return err;
		}
		for (size_t i = 0; i < a->nprobes; i++)
			if (have[i])
				lt_attach_describe(a, base, &a->probes[i], &sites[i]);
		a->nattached++;
		return 0;
	}
	/* Return probes first: a return seen without its entry is ignored, while an
	 * entry without its return would be reported as a missed return. */
	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < a->nprobes; i++) {
			const struct lt_alloc_probe *p = &a->probes[i];
			const char *prog = pass == 0 ? p->ret_prog : p->entry_prog;

			if (!have[i] || !prog)
				continue;
			err = lt_attach_one(a, path, prog, &sites[i], pass == 0);
			if (err) {
				lt_err("cannot attach to %s in %s: %s", p->symbol, path,
				       strerror(-err));
				return err;
			}
			if (pass == 1)
				lt_attach_describe(a, base, p, &sites[i]);
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
	return a->nlinks + a->nmulti_probes;
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

static void *lt_detach_session(void *fd)
{
	close((int)(long)fd);
	return NULL;
}

/* Removing a uprobe waits for the kernel to be sure no CPU still runs it (about 0.25 s
 * here); one after the other, 17 probes took 4 s. Detached concurrently, the waits
 * overlap. Session links (fds) go the same way: closing one removes all its probes. */
static void lt_detach_all(struct bpf_link **links, size_t nlinks, const int *fds, size_t nfds)
{
	size_t n = nlinks + nfds;
	pthread_t *tids = calloc(n, sizeof(*tids));
	bool *started = calloc(n, sizeof(*started));

	for (size_t i = 0; i < n; i++) {
		bool session = i >= nlinks;
		void *arg = session ? (void *)(long)fds[i - nlinks] : links[i];

		if (tids && started && !pthread_create(&tids[i], NULL, session ? lt_detach_session :
						      lt_detach_one, arg))
			started[i] = true;
		else if (session)
			lt_detach_session(arg);
		else
			lt_detach_one(arg);
	}
	for (size_t i = 0; i < n; i++)
		if (started && started[i])
			pthread_join(tids[i], NULL);
	free(tids);
	free(started);
}

void lt_attach__destroy_links(struct bpf_link **links, size_t n)
{
	lt_detach_all(links, n, NULL, 0);
}

void lt_attach__free(struct lt_attach *a)
{
	if (!a)
		return;
	lt_detach_all(a->links, a->nlinks, a->multi_fds, a->nmulti);
	free(a->links);
	free(a->multi_fds);
	free(a->mods);
	free(a);
}

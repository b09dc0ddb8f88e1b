// SPDX-License-Identifier: GPL-2.0
/* The one uprobe attach path: attaches a family's rows, scoped to the target pid, to each
 * module that defines one of its key rows' functions (the first row's by default). The
 * family's table says which program goes on which function; probe_place.c says where in
 * the function, from its machine code. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/libbpf.h>

#include "leaktrace.skel.h"
#include "uprobes.h"
#include "uprobe_multi.h"
#include "array.h"
#include "seen.h"
#include "side_by_side.h"
#include "log.h"
#include "target.h"
#include "code_check.h"

struct lt_uprobes {
	struct lt_uprobes_opts o;
	struct lt_bpf *bpf;
	int pid;
	struct bpf_link **links;
	size_t nlinks, cap;
	int *multi_fds; /* uprobe_multi or session links, one per module */
	size_t nmulti, multi_cap;
	size_t nmulti_probes;
	struct lt_seen mods;	 /* modules examined */
	struct lt_seen attached; /* modules with probes */
	size_t nattached;
};

struct lt_uprobes *lt_uprobes__new(struct lt_bpf *b, int pid, const struct lt_uprobes_opts *o)
{
	struct lt_uprobes *u;

	if (!o->n || o->n > LT_UPROBES_MAX_ROWS) {
		errno = E2BIG;
		return NULL;
	}
	u = calloc(1, sizeof(*u));
	if (!u)
		return NULL;
	u->o = *o;
	u->bpf = b;
	u->pid = pid;
	return u;
}

static bool lt_uprobes_linked(const struct lt_uprobes *u)
{
	return u->o.link != LT_UPROBE_CLASSIC;
}

static int lt_uprobes_attach_one(struct lt_uprobes *u, const char *path, const char *prog_name,
				 const struct lt_probe_site *site, bool retprobe)
{
	LIBBPF_OPTS(bpf_uprobe_opts, opts, .retprobe = retprobe, .bpf_cookie = site->sp_adjust);
	struct bpf_program *prog;
	struct bpf_link *l;
	int err;

	prog = bpf_object__find_program_by_name(u->bpf->skel->obj, prog_name);
	if (!prog)
		return -ENOENT;
	err = LT_ENSURE(&u->links, &u->cap, u->nlinks + 1);
	if (err)
		return err;
	l = bpf_program__attach_uprobe_opts(prog, u->pid, path, site->file_offset, &opts);
	if (!l)
		return -errno;
	u->links[u->nlinks++] = l;
	return 0;
}

/* Every function of the module on one link: a session link for the allocator (the
 * cookie tells the program which function and where its probe sits), a uprobe_multi link
 * for the descriptor wrappers (the cookie carries where the probe sits). */
static int lt_uprobes_attach_multi(struct lt_uprobes *u, const char *path,
				   const struct lt_probe_site *sites, const bool *have)
{
	__u64 offsets[LT_UPROBES_MAX_ROWS], cookies[LT_UPROBES_MAX_ROWS];
	bool session = u->o.link == LT_UPROBE_SESSION;
	const struct lt_uprobe *rows = u->o.rows;
	struct bpf_program *prog;
	__u32 n = 0;
	int err, fd;

	for (size_t i = 0; i < u->o.n; i++) {
		if (!have[i])
			continue;
		/* a uprobe_multi link runs one program: the family must have only one */
		if (!session && (!rows[i].entry_prog || !rows[0].entry_prog ||
				 strcmp(rows[i].entry_prog, rows[0].entry_prog)))
			return -EINVAL;
		offsets[n] = sites[i].file_offset;
		cookies[n] =
			session ? LT_COOKIE(rows[i].fn, sites[i].sp_adjust) : sites[i].sp_adjust;
		n++;
	}
	if (!n)
		return 0;
	prog = session ? u->bpf->skel->progs.lt_alloc_session
		       : bpf_object__find_program_by_name(u->bpf->skel->obj, rows[0].entry_prog);
	if (!prog)
		return -ENOENT;
	err = LT_ENSURE(&u->multi_fds, &u->multi_cap, u->nmulti + 1);
	if (err)
		return err;
	fd = lt_uprobe_multi__attach(bpf_program__fd(prog), session, path, offsets, cookies, n,
				     u->pid);
	if (fd < 0)
		return fd;
	u->multi_fds[u->nmulti++] = fd;
	u->nmulti_probes += n;
	return 0;
}

static void lt_uprobes_describe(const struct lt_uprobes *u, const char *base,
				const struct lt_uprobe *p, const struct lt_probe_site *site,
				bool retprobe)
{
	if (p->label) {
		lt_debug("probe %s%s %s+0x%llx %-24s %s", p->label, retprobe ? " (return)" : "",
			 base, (unsigned long long)site->vaddr, site->insn,
			 site->emulated ? "emulated" : "single-stepped");
		return;
	}
	lt_debug("probe %-14s %s+0x%llx (+%llu) %-24s %s%s", p->symbol, base,
		 (unsigned long long)site->vaddr,
		 (unsigned long long)(site->vaddr - site->sym_vaddr), site->insn,
		 site->emulated ? "emulated" : "single-stepped",
		 u->o.link == LT_UPROBE_SESSION ? " (session)"
		 : u->o.link == LT_UPROBE_MULTI ? " (uprobe_multi)"
						: "");
}

/* Where each row goes in path; have[i] false for a row that is absent or an alias of an
 * earlier one (memalign == aligned_alloc share one probe). */
static int lt_uprobes_place(const struct lt_uprobes *u, const char *path, const char *base,
			    struct lt_probe_site *sites, bool *have)
{
	const struct lt_uprobe *rows = u->o.rows;
	size_t nkeys = u->o.nkeys ? u->o.nkeys : 1;
	bool key = false;

	for (size_t i = 0; i < u->o.n; i++) {
		const struct lt_uprobe *p = &rows[i];
		int err;

		if (i == nkeys && !key)
			return -ENOENT; /* no malloc (open64) here: not a module of ours */
		err = lt_probe_place__find(path, p->symbol, p->place, &sites[i]);
		if (!err && i < nkeys)
			key = true;
		if (err) {
			if (i < nkeys)
				continue;
			if (u->o.all_rows)
				return err;
			lt_debug("%s: no %s (%s)", base, p->symbol, strerror(-err));
			continue;
		}
		have[i] = true;
		for (size_t k = 0; k < i; k++)
			if (have[k] && sites[k].vaddr == sites[i].vaddr && p->entry_prog &&
			    rows[k].entry_prog && !strcmp(rows[k].entry_prog, p->entry_prog))
				have[i] = false;
	}
	return key ? 0 : -ENOENT;
}

/* Return probes first: a return seen without its entry is ignored, while an entry
 * without its return would be reported as a missed return. */
static int lt_uprobes_attach_classic(struct lt_uprobes *u, const char *path, const char *base,
				     const struct lt_probe_site *sites, const bool *have)
{
	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < u->o.n; i++) {
			const struct lt_uprobe *p = &u->o.rows[i];
			const char *prog = pass == 0 ? p->ret_prog : p->entry_prog;
			int err;

			if (!have[i] || !prog)
				continue;
			err = lt_uprobes_attach_one(u, path, prog, &sites[i], pass == 0);
			if (err) {
				if (!lt_target__say_if_gone(u->pid))
					lt_err("cannot attach to %s in %s: %s", p->symbol, path,
					       strerror(-err));
				return err;
			}
			if (pass == 1 || p->label)
				lt_uprobes_describe(u, base, p, &sites[i], pass == 0);
		}
	}
	return 0;
}

/* Say where another debugger's breakpoint sits on or just after one of our probes: the
 * uprobe takes the trap first, so gdb's breakpoint would never fire. */
static void lt_uprobes_foreign_breakpoints(struct lt_uprobes *u, const char *path, const char *base,
					   __u64 dev, __u64 ino, const struct lt_probe_site *sites,
					   const bool *have)
{
	__u64 offs[LT_UPROBES_MAX_ROWS];
	bool hit[LT_UPROBES_MAX_ROWS];
	size_t idx[LT_UPROBES_MAX_ROWS], n = 0;

	for (size_t i = 0; i < u->o.n; i++)
		if (have[i]) {
			idx[n] = i;
			offs[n++] = sites[i].file_offset;
		}
	if (lt_code_check__int3(u->pid, dev, ino, path, offs, n, hit) <= 0)
		return;
	for (size_t k = 0; k < n; k++)
		if (hit[k])
			lt_warn("process %d has another debugger's breakpoint in %s (%s), where "
				"leaktrace probes: that breakpoint will not fire while traced",
				u->pid, u->o.rows[idx[k]].symbol, base);
}

int lt_uprobes__file(struct lt_uprobes *u, const char *path, __u64 dev, __u64 ino)
{
	struct lt_probe_site sites[LT_UPROBES_MAX_ROWS];
	bool have[LT_UPROBES_MAX_ROWS] = {};
	const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
	int err;

	err = lt_seen__add(&u->mods, dev, ino);
	if (err <= 0)
		return err; /* examined before, or out of memory */
	err = lt_uprobes_place(u, path, base, sites, have);
	if (err)
		return err;
	err = lt_seen__add(&u->attached, dev, ino);
	if (err < 0)
		return err;
	lt_uprobes_foreign_breakpoints(u, path, base, dev, ino, sites, have);
	if (!lt_uprobes_linked(u)) {
		err = lt_uprobes_attach_classic(u, path, base, sites, have);
		if (err)
			return err;
		u->nattached++;
		return 0;
	}
	err = lt_uprobes_attach_multi(u, path, sites, have);
	if (err) {
		if (!lt_target__say_if_gone(u->pid))
			lt_err("cannot attach the %s probes to %s: %s", u->o.what, path,
			       strerror(-err));
		return err;
	}
	for (size_t i = 0; i < u->o.n; i++)
		if (have[i])
			lt_uprobes_describe(u, base, &u->o.rows[i], &sites[i], false);
	u->nattached++;
	return 0;
}

int lt_uprobes__modules(struct lt_uprobes *u, const struct lt_modules *mods, int *added)
{
	int n = 0, err;

	for (size_t i = 0; i < mods->n; i++) {
		const struct lt_module *m = &mods->v[i];

		if (lt_seen__has(&u->mods, m->dev, m->ino))
			continue;
		err = lt_uprobes__file(u, m->host_path, m->dev, m->ino);
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

size_t lt_uprobes__nprobes(const struct lt_uprobes *u)
{
	return u->nlinks + u->nmulti_probes;
}

size_t lt_uprobes__nmodules(const struct lt_uprobes *u)
{
	return u->nattached;
}

bool lt_uprobes__attached(const struct lt_uprobes *u, __u64 dev, __u64 ino)
{
	return lt_seen__has(&u->attached, dev, ino);
}

static void lt_destroy_link(void *link)
{
	bpf_link__destroy(link);
}

static void lt_close_fd(void *fd)
{
	close((int)(long)fd);
}

/* Removing a uprobe waits for the kernel to be sure no CPU still runs it (about 0.25 s
 * here); one after the other, 17 probes took 4 s. Detached concurrently, the waits
 * overlap. Session links (fds) go the same way: closing one removes all its probes. */
static void lt_detach_all(struct bpf_link **links, size_t nlinks, const int *fds, size_t nfds)
{
	struct lt_job *jobs = calloc(nlinks + nfds ? nlinks + nfds : 1, sizeof(*jobs));

	if (!jobs) {
		for (size_t i = 0; i < nlinks; i++)
			lt_destroy_link(links[i]);
		for (size_t i = 0; i < nfds; i++)
			lt_close_fd((void *)(long)fds[i]);
		return;
	}
	for (size_t i = 0; i < nlinks; i++)
		jobs[i] = (struct lt_job){ lt_destroy_link, links[i] };
	for (size_t i = 0; i < nfds; i++)
		jobs[nlinks + i] = (struct lt_job){ lt_close_fd, (void *)(long)fds[i] };
	lt_side_by_side__run(jobs, nlinks + nfds);
	free(jobs);
}

void lt_uprobes__destroy_links(struct bpf_link **links, size_t n)
{
	lt_detach_all(links, n, NULL, 0);
}

void lt_uprobes__detach(struct lt_uprobes *u)
{
	if (!u)
		return;
	lt_detach_all(u->links, u->nlinks, u->multi_fds, u->nmulti);
	u->nlinks = u->nmulti = u->nmulti_probes = 0;
}

void lt_uprobes__free(struct lt_uprobes *u)
{
	if (!u)
		return;
	lt_uprobes__detach(u);
	free(u->links);
	free(u->multi_fds);
	lt_seen__free(&u->mods);
	lt_seen__free(&u->attached);
	free(u);
}

// SPDX-License-Identifier: GPL-2.0
/* Loads the BPF object: the build that matches the kernel, only the families traced,
 * maps sized from the config; reads the loss counters. The unwind tables are filled by
 * unwind/cfi_upload.c, tracepoints attached by tracepoints.c. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <bpf/libbpf.h>
#include <bpf/bpf.h>

#include "leaktrace.skel.h"
#include "leaktrace.ctx.skel.h"
#include "leaktrace.nosess.skel.h"
#include "bpf_log.h"
#include "kernel.h"
#include "loader.h"
#include "uprobe_multi.h"
#include "alloc_table.h"
#include "log.h"

static bool lt_family_wanted(const struct lt_config *cfg, enum lt_load_family f)
{
	switch (f) {
	case LT_LOAD_CORE:
		return true;
	case LT_LOAD_HEAP:
		return cfg->trace_heap;
	case LT_LOAD_MMAP:
		return cfg->trace_mmap;
	case LT_LOAD_FD:
		return cfg->trace_fd || cfg->trace_sock;
	case LT_LOAD_GC:
		return lt_config__gc_probes(cfg);
	case LT_LOAD_JSHEAP:
		return cfg->trace_jsheap;
	default:
		return false;
	}
}

/* The ELF of the build whose session kfunc matches the kernel (see heap.bpf.c). The
 * skeleton is the first build's; the others have the same programs, maps and globals. */
static struct leaktrace_bpf *lt_skel_open(enum lt_session_kfunc kf)
{
	struct leaktrace_bpf *obj = calloc(1, sizeof(*obj));
	int err;

	if (!obj)
		return NULL;
	err = leaktrace_bpf__create_skeleton(obj);
	if (!err) {
		struct bpf_object_skeleton *s = obj->skeleton;

		if (kf == LT_SESSION_KFUNC_CTX)
			s->data = (void *)leaktrace_bpf_ctx__elf_bytes(&s->data_sz);
		else if (kf == LT_SESSION_KFUNC_NONE)
			s->data = (void *)leaktrace_bpf_nosess__elf_bytes(&s->data_sz);
		err = bpf_object__open_skeleton(s, NULL);
	}
	if (err) {
		leaktrace_bpf__destroy(obj);
		errno = -err;
		return NULL;
	}
	return obj;
}

static int lt_set_max_entries(struct bpf_map *map, __u32 n, const char *option)
{
	int err = bpf_map__set_max_entries(map, n);

	if (err)
		lt_err("cannot size map %s to %u entries (%s): %s", bpf_map__name(map), n, option,
		       strerror(-err));
	return err;
}

/* Everything set between open and load: globals, program types, which programs load,
 * map sizes. */
static int lt_bpf_configure(struct lt_bpf *b, const struct lt_config *cfg, int pid, __u32 buckets)
{
	struct leaktrace_bpf *s = b->skel;
	struct bpf_program *prog;
	int err;

	s->rodata->target_tgid = pid;
	s->rodata->pause_on_exec_map = cfg->argv != NULL;
	s->rodata->probe_floor = cfg->probe_floor;
	s->rodata->sample_bytes = cfg->sample_bytes;
	s->rodata->alloc_bucket_mask = buckets - 1;
	bpf_object__for_each_program(prog, s->obj)
	{
		enum lt_load_family f = lt_load_family__of_prog(bpf_program__name(prog));
		bool load = lt_family_wanted(cfg, f) && !b->family_off[f];

		/* With sessions the allocator's probes all run lt_alloc_session: its classic
		 * uprobe and uretprobe programs (each with its own copy of the stack walk)
		 * would cost their verification for nothing. A refused session program
		 * reloads with them (lt_load_refused). */
		if (prog == s->progs.lt_alloc_session)
			load = load && b->session;
		else if (f == LT_LOAD_HEAP && b->session)
			load = false;
		err = bpf_program__set_autoload(prog, load);
		if (err)
			return err;
	}
	/* One session link per module where the kernel has them: an unsampled call then
	 * costs one trap instead of two, and detaching waits once per module, not per probe. */
	if (b->session) {
		err = lt_uprobe_multi__set_type(s->progs.lt_alloc_session, true);
		if (err) {
			lt_err("cannot prepare the allocator session program: %s", strerror(-err));
			return err;
		}
	}
	/* The descriptor wrappers' entry probes on one uprobe_multi link per module: one
	 * detach instead of 26, each of which waits for the kernel. */
	if (b->fd_multi) {
		err = lt_uprobe_multi__set_type(s->progs.uprobe_fd_entry, false);
		if (err) {
			lt_err("cannot prepare the descriptor probe program: %s", strerror(-err));
			return err;
		}
	}
	err = lt_set_max_entries(s->maps.allocs, buckets, "--max-allocs");
	err = err ?: lt_set_max_entries(s->maps.stacks, cfg->max_stacks, "--max-stacks");
	err = err ?: lt_set_max_entries(s->maps.heap_totals, cfg->max_stacks + 1, "--max-stacks");
	err = err ?: lt_set_max_entries(s->maps.cfi_rows, b->rows_cap, "unwind rows");
	err = err ?: lt_set_max_entries(s->maps.cfi_index, LT_CFI_INDEX_CAP, "unwind index");
	return err;
}

static void lt_load_failed(int err, const struct lt_config *cfg, __u32 buckets)
{
	const char *why = lt_bpf_log__last_warning();

	if (err == -EPERM)
		lt_err("loading BPF programs was refused (%s): run as root or with "
		       "CAP_BPF and CAP_PERFMON",
		       strerror(-err));
	else if (err == -ENOMEM || err == -E2BIG) {
		/* blame the option whose tables are the larger: a hash entry also costs
		 * its key and about 64 bytes of the kernel's own */
		__u64 allocs = (__u64)buckets * sizeof(struct lt_alloc_bucket) >> 20;
		__u64 stacks = (__u64)cfg->max_stacks * (sizeof(struct lt_stack) +
							 sizeof(struct lt_totals) + 2 * 72) >>
			       20;
		bool blame_stacks = stacks >= allocs;

		lt_err("cannot load the BPF programs: %s: %s %u needs about %llu MiB of kernel "
		       "memory (%s %u: %llu MiB); lower %s",
		       strerror(-err), blame_stacks ? "--max-stacks" : "--max-allocs",
		       blame_stacks ? cfg->max_stacks : cfg->max_allocs,
		       (unsigned long long)(blame_stacks ? stacks : allocs),
		       blame_stacks ? "--max-allocs" : "--max-stacks",
		       blame_stacks ? cfg->max_allocs : cfg->max_stacks,
		       (unsigned long long)(blame_stacks ? allocs : stacks),
		       blame_stacks ? "--max-stacks" : "--max-allocs");
	} else
		lt_err("cannot load the BPF programs on kernel %s: %s%s%s (-v prints libbpf's log)",
		       lt_kernel__release(), strerror(-err), why ? ": " : "", why ? why : "");
}

/* A program the verifier refused: its family is not traced (said once, with the
 * complaint), unless it only needs another attach mechanism. Returns false when the
 * rejection is fatal. */
static bool lt_load_refused(struct lt_bpf *b, const struct lt_config *cfg, const char *prog)
{
	const char *why = lt_bpf_log__complaint();
	enum lt_load_family f = lt_load_family__of_prog(prog);
	bool any = false;

	if (!why)
		why = "no verifier log";
	if (!strcmp(prog, "lt_alloc_session") && b->session) {
		lt_warn("kernel %s refused the uprobe session program (%s): classic probes instead",
			lt_kernel__release(), why);
		b->session = false;
		return true;
	}
	if (!strcmp(prog, "uprobe_fd_entry") && b->fd_multi) {
		lt_warn("kernel %s refused the uprobe_multi descriptor program (%s): classic "
			"probes instead",
			lt_kernel__release(), why);
		b->fd_multi = false;
		return true;
	}
	snprintf(b->family_why[f], sizeof(b->family_why[f]), "kernel %s refused program %s: %s",
		 lt_kernel__release(), prog, why);
	if (f == LT_LOAD_CORE) {
		lt_err("%s (-v prints the verifier log)", b->family_why[f]);
		return false;
	}
	b->family_off[f] = true;
	for (int k = LT_LOAD_CORE + 1; k < LT_LOAD__MAX; k++)
		any |= lt_family_wanted(cfg, k) && !b->family_off[k];
	if (any)
		lt_warn("%s not traced: %s (-v prints the verifier log)", lt_load_family__name(f),
			b->family_why[f]);
	else
		lt_err("cannot trace %s: %s (-v prints the verifier log)", lt_load_family__name(f),
		       b->family_why[f]);
	return any;
}

bool lt_bpf__family_loaded(const struct lt_bpf *b, enum lt_load_family f)
{
	return !b->family_off[f];
}

const char *lt_bpf__family_off_reason(const struct lt_bpf *b, enum lt_load_family f)
{
	return b->family_off[f] ? b->family_why[f] : NULL;
}

struct lt_bpf *lt_bpf__load(const struct lt_config *cfg, int pid)
{
	enum lt_session_kfunc kf;
	struct lt_bpf *b;
	__u32 buckets;
	int err;

	lt_bpf_log__init();
	err = lt_kernel__check();
	if (err) {
		errno = -err;
		return NULL;
	}
	buckets = lt_alloc_table__buckets(cfg->max_allocs);
	if (!buckets) {
		lt_err("--max-allocs %u is more than one block table can hold (at most %llu)",
		       cfg->max_allocs, (unsigned long long)lt_alloc_table__max_allocs());
		errno = E2BIG;
		return NULL;
	}
	b = calloc(1, sizeof(*b));
	if (!b)
		return NULL;
	kf = lt_kernel__session_kfunc();
	b->session = !cfg->classic_probes && kf != LT_SESSION_KFUNC_NONE &&
		     lt_uprobe_multi__has_session();
	b->fd_multi = !cfg->classic_probes && lt_uprobe_multi__has_multi();
	b->rows_cap = LT_CFI_ROWS_CAP;
	/* A refused program costs one more open and load: its family goes, the rest stays. */
	for (int attempt = 0; attempt <= LT_LOAD__MAX + 2; attempt++) {
		const char *prog;

		b->skel = lt_skel_open(kf);
		if (!b->skel) {
			err = -errno;
			lt_err("cannot open the BPF object: %s", strerror(errno));
			goto cleanup;
		}
		err = lt_bpf_configure(b, cfg, pid, buckets);
		if (err)
			goto cleanup;
		lt_bpf_log__start();
		err = leaktrace_bpf__load(b->skel);
		lt_bpf_log__stop();
		if (!err)
			break;
		prog = lt_bpf_log__failed_prog();
		if (!prog || (err != -EACCES && err != -EINVAL && err != -E2BIG)) {
			lt_load_failed(err, cfg, buckets);
			goto cleanup;
		}
		if (!lt_load_refused(b, cfg, prog))
			goto cleanup;
		leaktrace_bpf__destroy(b->skel);
		b->skel = NULL;
	}
	if (err)
		goto cleanup;
	lt_kernel__btf_release(); /* the checks are done, their answers kept */
	b->rows = mmap(NULL, (size_t)b->rows_cap * sizeof(*b->rows), PROT_READ | PROT_WRITE,
		       MAP_SHARED, bpf_map__fd(b->skel->maps.cfi_rows), 0);
	b->mods = mmap(NULL, LT_MAX_CFI_MODULES * sizeof(*b->mods), PROT_READ | PROT_WRITE,
		       MAP_SHARED, bpf_map__fd(b->skel->maps.cfi_modules), 0);
	b->index = mmap(NULL, LT_CFI_INDEX_CAP * sizeof(*b->index), PROT_READ | PROT_WRITE,
			MAP_SHARED, bpf_map__fd(b->skel->maps.cfi_index), 0);
	if (b->rows == MAP_FAILED || b->mods == MAP_FAILED || b->index == MAP_FAILED) {
		err = -errno;
		lt_err("cannot map the unwind tables: %s", strerror(errno));
		goto cleanup;
	}
	return b;
cleanup:
	lt_kernel__btf_release();
	lt_bpf__destroy(b);
	errno = err ? -err : EINVAL;
	return NULL;
}

struct lt_bpf *lt_bpf__load_late(const struct lt_bpf *base, enum lt_load_family f)
{
	struct lt_bpf *b = calloc(1, sizeof(*b));
	struct bpf_program *prog;
	struct bpf_map *map;
	int err = 0;

	if (!b)
		return NULL;
	b->session = base->session;
	b->fd_multi = base->fd_multi;
	b->skel = lt_skel_open(lt_kernel__session_kfunc());
	if (!b->skel) {
		err = -errno;
		goto cleanup;
	}
	/* every map is base's: the programs loaded now share its tables and its frozen
	 * globals (the sampling rate among them) */
	bpf_object__for_each_map(map, b->skel->obj)
	{
		const struct bpf_map *m =
			bpf_object__find_map_by_name(base->skel->obj, bpf_map__name(map));

		err = m ? bpf_map__reuse_fd(map, bpf_map__fd(m)) : -ENOENT;
		if (err)
			goto cleanup;
	}
	bpf_object__for_each_program(prog, b->skel->obj)
	{
		bool load = lt_load_family__of_prog(bpf_program__name(prog)) == f;

		if (prog == b->skel->progs.lt_alloc_session)
			load = load && b->session;
		err = bpf_program__set_autoload(prog, load);
		if (err)
			goto cleanup;
	}
	if (b->session && f == LT_LOAD_HEAP)
		err = lt_uprobe_multi__set_type(b->skel->progs.lt_alloc_session, true);
	if (!err) {
		lt_bpf_log__start();
		err = leaktrace_bpf__load(b->skel);
		lt_bpf_log__stop();
	}
	if (!err)
		return b;
cleanup:
	lt_bpf__destroy(b);
	errno = err ? -err : EINVAL;
	return NULL;
}

int lt_bpf__set_v8_frames(struct lt_bpf *b, const struct lt_v8_config *cfg,
			  const struct lt_v8_range *ranges, __u32 n)
{
	struct lt_v8_config c = *cfg;
	__u32 zero = 0;

	if (n > LT_V8_MAX_RANGES)
		n = LT_V8_MAX_RANGES;
	memset(c.ranges, 0, sizeof(c.ranges));
	memcpy(c.ranges, ranges, n * sizeof(*ranges));
	c.nranges = n;
	/* one update: a walker sees the old ranges or the new ones, never half of each */
	if (bpf_map_update_elem(bpf_map__fd(b->skel->maps.v8_config), &zero, &c, BPF_ANY))
		return -errno;
	return 0;
}

int lt_bpf__read_losses(struct lt_bpf *b, __u64 lost[LT_LOSS__MAX])
{
	int ncpu = libbpf_num_possible_cpus(), fd = bpf_map__fd(b->skel->maps.losses);
	__u64 *vals;

	if (ncpu <= 0)
		return ncpu;
	vals = calloc(ncpu, sizeof(*vals));
	if (!vals)
		return -ENOMEM;
	for (__u32 k = 0; k < LT_LOSS__MAX; k++) {
		lost[k] = 0;
		if (bpf_map_lookup_elem(fd, &k, vals))
			continue;
		for (int c = 0; c < ncpu; c++)
			lost[k] += vals[c];
	}
	free(vals);
	return 0;
}

void lt_bpf__destroy(struct lt_bpf *b)
{
	if (!b)
		return;
	if (b->rows && b->rows != MAP_FAILED)
		munmap(b->rows, (size_t)b->rows_cap * sizeof(*b->rows));
	if (b->mods && b->mods != MAP_FAILED)
		munmap(b->mods, LT_MAX_CFI_MODULES * sizeof(*b->mods));
	if (b->index && b->index != MAP_FAILED)
		munmap(b->index, LT_CFI_INDEX_CAP * sizeof(*b->index));
	leaktrace_bpf__destroy(b->skel);
	free(b);
}

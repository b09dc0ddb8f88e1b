// SPDX-License-Identifier: GPL-2.0
/* Loads the BPF object: checks what the kernel offers, sizes maps from the config,
 * fills the stack walker's unwind tables, reads the loss counters. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <bpf/libbpf.h>
#include <bpf/bpf.h>

#include "leaktrace.skel.h"
#include "loader.h"
#include "uprobe_multi.h"
#include "alloc_table.h"
#include "cfi.h"
#include "cfi_index.h"
#include "log.h"

#define LT_CFI_ROWS_CAP (1u << 20)       /* 8 MiB of rows for all modules */
#define LT_CFI_MODULE_MAX_ROWS (1u << 19) /* a bigger module keeps frame pointers */
#define LT_CFI_INDEX_CAP (1u << 17)       /* 1 MiB of slices for all modules */
#define LT_CFI_INDEX_MODULE_MAX (1u << 14) /* libc: 128-byte slices, libstdc++: 256 */

int lt_log_level;

static int lt_libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (level == LIBBPF_DEBUG && lt_log_level < 2)
		return 0;
	if (level == LIBBPF_INFO && lt_log_level < 1)
		return 0;
	return vfprintf(stderr, fmt, ap);
}

/* Tracepoints are found through tracefs, which a minimal system may not mount. */
static int lt_ensure_tracefs(void)
{
	if (!access("/sys/kernel/tracing/events", R_OK) ||
	    !access("/sys/kernel/debug/tracing/events", R_OK))
		return 0;
	if (mount("tracefs", "/sys/kernel/tracing", "tracefs", 0, NULL)) {
		lt_err("tracefs is not mounted and mounting it on /sys/kernel/tracing failed: %s",
		       strerror(errno));
		return -errno;
	}
	lt_debug("mounted tracefs on /sys/kernel/tracing");
	return 0;
}

static int lt_check_kernel(void)
{
	if (access("/sys/kernel/btf/vmlinux", R_OK)) {
		lt_err("this kernel has no BTF (/sys/kernel/btf/vmlinux): CO-RE programs cannot load");
		return -ENOTSUP;
	}
	if (access("/sys/bus/event_source/devices/uprobe/type", R_OK)) {
		lt_err("this kernel has no uprobes (CONFIG_UPROBES)");
		return -ENOTSUP;
	}
	return lt_ensure_tracefs();
}

struct lt_bpf *lt_bpf__load(const struct lt_config *cfg, int pid)
{
	struct lt_bpf *b;
	__u32 buckets;
	int err;

	libbpf_set_print(lt_libbpf_print);
	err = lt_check_kernel();
	if (err) {
		errno = -err;
		return NULL;
	}
	b = calloc(1, sizeof(*b));
	if (!b)
		return NULL;
	b->skel = leaktrace_bpf__open();
	if (!b->skel) {
		err = -errno;
		lt_err("cannot open the BPF object: %s", strerror(errno));
		goto cleanup;
	}
	b->skel->rodata->target_tgid = pid;
	b->skel->rodata->pause_on_exec_map = cfg->argv != NULL;
	b->skel->rodata->probe_floor = cfg->probe_floor;
	b->skel->rodata->sample_bytes = cfg->sample_bytes;
	/* One session link per module where the kernel has them: an unsampled call then
	 * costs one trap instead of two, and detaching waits once per module, not per probe. */
	b->session = !cfg->classic_probes && lt_uprobe_multi__has_session();
	if (b->session)
		err = lt_uprobe_multi__set_type(b->skel->progs.lt_alloc_session, true);
	else
		err = bpf_program__set_autoload(b->skel->progs.lt_alloc_session, false);
	if (err) {
		lt_err("cannot prepare the allocator session program: %s", strerror(-err));
		goto cleanup;
	}
	/* The descriptor wrappers' entry probes on one uprobe_multi link per module: one
	 * detach instead of 26, each of which waits for the kernel. */
	b->fd_multi = !cfg->classic_probes && lt_uprobe_multi__has_multi();
	if (b->fd_multi) {
		err = lt_uprobe_multi__set_type(b->skel->progs.uprobe_fd_entry, false);
		if (err) {
			lt_err("cannot prepare the descriptor probe program: %s", strerror(-err));
			goto cleanup;
		}
	}
	buckets = lt_alloc_table__buckets(cfg->max_allocs);
	if (!buckets) {
		err = -E2BIG;
		lt_err("--max-allocs %u is more than one block table can hold (at most %llu)",
		       cfg->max_allocs, (unsigned long long)lt_alloc_table__max_allocs());
		goto cleanup;
	}
	b->skel->rodata->alloc_bucket_mask = buckets - 1;
	b->rows_cap = LT_CFI_ROWS_CAP;
	bpf_map__set_max_entries(b->skel->maps.allocs, buckets);
	bpf_map__set_max_entries(b->skel->maps.stacks, cfg->max_stacks);
	bpf_map__set_max_entries(b->skel->maps.heap_totals, cfg->max_stacks + 1);
	bpf_map__set_max_entries(b->skel->maps.cfi_rows, b->rows_cap);
	bpf_map__set_max_entries(b->skel->maps.cfi_index, LT_CFI_INDEX_CAP);

	err = leaktrace_bpf__load(b->skel);
	if (err) {
		if (err == -EPERM || err == -EACCES)
			lt_err("loading BPF programs was refused (%s): run as root or with "
			       "CAP_BPF and CAP_PERFMON", strerror(-err));
		else if (err == -ENOMEM || err == -E2BIG)
			lt_err("cannot load the BPF programs: %s (maps need %u MiB for "
			       "--max-allocs %u; a smaller --max-allocs or --max-stacks may fit)",
			       strerror(-err),
			       (unsigned)((__u64)buckets * sizeof(struct lt_alloc_bucket) >> 20),
			       cfg->max_allocs);
		else
			lt_err("cannot load the BPF programs: %s (run with -vv for libbpf's log)",
			       strerror(-err));
		goto cleanup;
	}
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
	lt_bpf__destroy(b);
	errno = -err;
	return NULL;
}

/* Code built with frame pointers has a CFA = rbp + 16 rule in the body of nearly every
 * function, about a third of all rows (node: 34%); code built without has almost none
 * (libc: under 1%). */
static bool lt_cfi_keeps_frame_pointers(const struct lt_cfi_row *rows, size_t n)
{
	size_t rsp = 0, rbp = 0;

	for (size_t i = 0; i < n; i++) {
		rsp += rows[i].cfa_reg == LT_CFA_RSP;
		rbp += rows[i].cfa_reg == LT_CFA_RBP;
	}
	return rbp * 5 > rsp + rbp;
}

static bool lt_cfi_known(const struct lt_bpf *b, const struct lt_module *m)
{
	for (__u32 i = 0; i < b->nmods; i++)
		if (b->cfi_dev[i] == m->dev && b->cfi_ino[i] == m->ino)
			return true;
	return false;
}

/* Each module is examined once, whether it gets a table or not. */
static void lt_cfi_remember(struct lt_bpf *b, const struct lt_module *m)
{
	b->cfi_dev[b->nmods] = m->dev;
	b->cfi_ino[b->nmods] = m->ino;
	b->nmods++;
}

static struct lt_cfi_module *lt_cfi_free_slot(struct lt_bpf *b)
{
	for (__u32 k = 0; k < LT_MAX_CFI_MODULES; k++)
		if (!b->mods[k].end)
			return &b->mods[k];
	return NULL;
}

/* The slice index of a module whose rows go to b->rows_used onward: the finest slices
 * that fit in LT_CFI_INDEX_MODULE_MAX, or in what is left. A module that finds no room
 * keeps the search over all its rows. */
static void lt_cfi_index_module(struct lt_bpf *b, struct lt_cfi_module *slot,
				const struct lt_cfi_row *rows, size_t n)
{
	size_t room = LT_CFI_INDEX_CAP - b->index_used;
	__u32 shift;

	if (room > LT_CFI_INDEX_MODULE_MAX)
		room = LT_CFI_INDEX_MODULE_MAX;
	shift = lt_cfi_index__shift(rows, n, room);
	slot->idx_first = b->index_used;
	slot->idx_base = rows[0].pc;
	slot->idx_shift = shift;
	slot->idx_count = lt_cfi_index__build(rows, n, shift, b->rows_used,
					      b->index + b->index_used, room);
	b->index_used += slot->idx_count;
	if (slot->idx_count)
		lt_debug("unwind index: %u slices of %llu bytes", slot->idx_count, 1ull << shift);
	else
		lt_debug("no room left for an unwind index: all rows are searched");
}

/* Widen the walker's span of modules with tables to hold m, before m is published (a
 * walker reading the span half updated still sees at least the old span). */
static int lt_cfi_widen_span(struct lt_bpf *b, const struct lt_module *m)
{
	__u32 zero = 0;

	if (b->span.end && m->start >= b->span.start && m->end <= b->span.end)
		return 0;
	if (!b->span.end || m->start < b->span.start)
		b->span.start = m->start;
	if (m->end > b->span.end)
		b->span.end = m->end;
	if (bpf_map_update_elem(bpf_map__fd(b->skel->maps.cfi_span), &zero, &b->span, BPF_ANY))
		return -errno;
	return 0;
}

int lt_bpf__add_cfi(struct lt_bpf *b, const struct lt_modules *mods)
{
	for (size_t i = 0; i < mods->n && b->nmods < LT_MAX_CFI_MODULES; i++) {
		const struct lt_module *m = &mods->v[i];
		struct lt_cfi_module *slot;
		struct lt_cfi_row *rows = NULL;
		size_t n = 0;
		int err;

		if (lt_cfi_known(b, m))
			continue;
		lt_cfi_remember(b, m);
		err = lt_cfi__build(m->host_path, &rows, &n);
		if (err || n == 0 || n > LT_CFI_MODULE_MAX_ROWS || b->rows_used + n > b->rows_cap) {
			lt_debug("unwind table for %s: %s, frame pointers only", m->path,
				 err ? strerror(-err) : n ? "too large" : "no CFI");
			b->cfi_skipped++;
			goto next;
		}
		if (lt_cfi_keeps_frame_pointers(rows, n)) {
			/* Its frames are walked by frame pointers, which is cheaper per frame
			 * and just as right for return addresses. */
			lt_debug("%s keeps frame pointers: no unwind table", m->path);
			goto next;
		}
		slot = lt_cfi_free_slot(b);
		if (!slot)
			goto next;
		memcpy(b->rows + b->rows_used, rows, n * sizeof(*rows));
		lt_cfi_index_module(b, slot, rows, n);
		if (lt_cfi_widen_span(b, m)) {
			lt_debug("unwind table for %s: cannot widen the span", m->path);
			goto next;
		}
		/* Rows and index first, then the module entry that makes the walker use
		 * them; `end` last, since the walker takes a zero end for an empty slot. */
		__sync_synchronize();
		slot->first = b->rows_used;
		slot->count = n;
		slot->bias = m->bias;
		slot->start = m->start;
		__sync_synchronize();
		slot->end = m->end;
		b->rows_used += n;
		lt_debug("unwind table for %s: %zu rows", m->path, n);
next:
		free(rows);
	}
	return 0;
}

int lt_bpf__attach_tracepoints(struct lt_bpf *b, const struct lt_config *cfg)
{
	struct leaktrace_bpf *s = b->skel;
	struct {
		struct bpf_program *prog;
		struct bpf_link **link;
		bool want;
	} tps[] = {
		{ s->progs.tp_sys_exit_mmap, &s->links.tp_sys_exit_mmap, cfg->trace_mmap },
		{ s->progs.tp_sys_exit_munmap, &s->links.tp_sys_exit_munmap, cfg->trace_mmap },
		{ s->progs.tp_sys_exit_mremap, &s->links.tp_sys_exit_mremap, cfg->trace_mmap },
		/* exec and new executable mappings matter to every probe family */
		{ s->progs.tp_sched_process_exec, &s->links.tp_sched_process_exec, true },
		{ s->progs.tp_sched_process_exit, &s->links.tp_sched_process_exit, true },
	};

	for (size_t i = 0; i < sizeof(tps) / sizeof(tps[0]); i++) {
		if (!tps[i].want)
			continue;
		*tps[i].link = bpf_program__attach(tps[i].prog);
		if (!*tps[i].link) {
			int err = -errno;

			lt_err("cannot attach %s: %s", bpf_program__name(tps[i].prog),
			       strerror(errno));
			return err;
		}
	}
	return 0;
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

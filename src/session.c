// SPDX-License-Identifier: GPL-2.0
/* Ties the pieces of a run together: target, BPF object, probes, unwind tables,
 * mapping tracker and symbolizer, and keeps them current as the target maps new code. */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include <bpf/libbpf.h>

#include "leaktrace.skel.h"
#include "session.h"
#include "attach.h"
#include "fd_attach.h"
#include "fd_trace.h"
#include "loader.h"
#include "log.h"
#include "mmap_track.h"
#include "output.h"
#include "procmaps.h"
#include "snapshot.h"
#include "symbolize.h"
#include "elf_symbols.h"
#include "js_names.h"
#include "v8_frames.h"
#include "v8gc.h"
#include "v8_detect.h"

struct lt_session {
	const struct lt_config *cfg;     /* &run */
	struct lt_config run;            /* the user's, less the families the kernel refused */
	struct lt_target target;
	struct lt_bpf *bpf;
	struct lt_attach *attach;
	struct lt_symbolizer *sym;
	struct lt_mmap_track *mmaps;
	struct ring_buffer *rb;
	struct lt_v8gc *v8gc;      /* NULL when gc is not in -t */
	__u64 start_ns;
	bool exit_event;
	struct lt_attach *fd_probes;     /* libc wrappers that create descriptors */
	struct lt_fd_attach *fd_tps;
	struct lt_fd_trace *fds;
	/* JS frame naming: V8's layout once its module is known, and that module */
	bool v8_seen;
	struct lt_v8_config v8cfg;
	struct lt_v8_blob v8blob;
	__u64 v8_dev, v8_ino;
	struct lt_js_names *js_names;
};

static bool lt_session_traces_fds(const struct lt_config *cfg)
{
	return cfg->trace_fd || cfg->trace_sock;
}

static __u64 lt_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

/* The module that carries V8, with its ELF opened into *elf; NULL when there is none. GC
 * tracing has already looked for it (lt_v8__detect over the modules it had not seen);
 * only without it (-t without gc) is it looked for here. A V8 whose GC entry points are
 * missing still has frames to name. */
static const struct lt_module *lt_session_find_v8(struct lt_session *s,
						  const struct lt_modules *mods, struct lt_elf **elf)
{
	const struct lt_v8_module *known = lt_v8gc__module(s->v8gc);
	const struct lt_module *found = NULL;
	struct lt_v8_module v8 = {};
	int err = 0;

	if (!known && !s->v8gc) {
		err = lt_v8__detect(mods, &v8);
		known = &v8;
	}
	if (!known || (err && err != -EOPNOTSUPP))
		goto cleanup;
	for (size_t i = 0; i < mods->n && !found; i++)
		if (mods->v[i].dev == known->dev && mods->v[i].ino == known->ino)
			found = &mods->v[i]; /* sorted by start: the primary load */
	if (found) {
		*elf = lt_elf__open(found->host_path);
		if (!*elf)
			found = NULL;
	}
cleanup:
	lt_v8__free(&v8);
	return found;
}

/* The walker names JS frames when it knows V8's layout and where V8 code lies; code
 * ranges change as the target maps more, so they are recomputed on each refresh. */
static void lt_session_v8_frames(struct lt_session *s, const struct lt_maps *maps,
				 const struct lt_modules *mods)
{
	struct lt_v8_range ranges[LT_V8_MAX_RANGES];
	const struct lt_module *v8 = NULL;
	const char *missing = NULL;
	struct lt_elf *e = NULL;
	size_t n;
	int err;

	if (s->cfg->no_js_names)
		return;
	if (!s->v8_seen) {
		v8 = lt_session_find_v8(s, mods, &e);
		if (!v8)
			return;
		s->v8_seen = true;
		s->v8_dev = v8->dev;
		s->v8_ino = v8->ino;
		err = lt_v8_frames__read_config(e, &s->v8cfg, &s->v8blob, &missing);
		lt_elf__close(e);
		if (err) {
			lt_info("JS frames of %s stay unnamed: %s%s", v8->path,
				err == -ENOENT ? "its V8 lacks the debug constant " :
						 "its V8 object layout is not supported",
				err == -ENOENT ? missing : "");
			return;
		}
	}
	if (!s->v8cfg.enabled)
		return;
	for (size_t i = 0; i < mods->n && !v8; i++)
		if (mods->v[i].dev == s->v8_dev && mods->v[i].ino == s->v8_ino)
			v8 = &mods->v[i]; /* sorted by start: the primary load */
	n = lt_v8_frames__code_ranges(maps, v8, &s->v8blob, ranges, LT_V8_MAX_RANGES);
	err = lt_bpf__set_v8_frames(s->bpf, &s->v8cfg, ranges, n);
	if (err)
		lt_warn("cannot name JS frames: %s", strerror(-err));
	else
		lt_debug("JS frames named in %zu range(s) of V8 code", n);
}

static void lt_session_new_symbolizer(struct lt_session *s, const struct lt_modules *mods)
{
	s->sym = lt_symbolizer__new(s->target.pid, mods);
	if (s->sym)
		lt_symbolizer__set_js_names(s->sym, s->js_names);
}

/* Re-read the target's modules: unwind tables, allocator probes and symbols for code
 * mapped since the last look. */
static int lt_session_refresh(struct lt_session *s)
{
	struct lt_maps maps = {};
	struct lt_modules mods = {};
	int err, added = 0;

	err = lt_procmaps__read(s->target.pid, &maps);
	if (err)
		return err; /* gone already: keep what we have */
	err = lt_modules__from_maps(s->target.pid, &maps, &mods);
	if (err)
		goto cleanup;
	lt_bpf__add_cfi(s->bpf, &mods);
	if (s->cfg->trace_heap) {
		err = lt_attach__modules(s->attach, &mods, &added);
		if (err)
			goto cleanup;
		if (added)
			lt_debug("allocator probes attached to %d more module(s)", added);
	}
	if (s->fd_probes) {
		err = lt_attach__modules(s->fd_probes, &mods, &added);
		if (err)
			goto cleanup;
	}
	if (s->v8gc) {
		err = lt_v8gc__refresh(s->v8gc, &mods);
		if (err)
			goto cleanup;
	}
	lt_session_v8_frames(s, &maps, &mods);
	if (s->sym)
		lt_symbolizer__refresh(s->sym, &mods);
	else
		lt_session_new_symbolizer(s, &mods);
cleanup:
	lt_modules__free(&mods);
	lt_procmaps__free(&maps);
	return err;
}

static int lt_session_event(void *ctx, void *data, size_t size)
{
	struct lt_session *s = ctx;
	const struct lt_event *e = data;

	if (size < sizeof(__u32))
		return 0;
	/* descriptor events have their own layout */
	if (size < sizeof(*e) && e->type < LT_EV_FD_OPEN)
		return 0;
	switch (e->type) {
	case LT_EV_MMAP:
		lt_mmap_track__map(s->mmaps, e->addr, e->len, e->stack_id, e->ts_ns);
		break;
	case LT_EV_MUNMAP:
		lt_mmap_track__unmap(s->mmaps, e->addr, e->len);
		break;
	case LT_EV_MREMAP:
		lt_mmap_track__remap(s->mmaps, e->old_addr, e->old_len, e->addr, e->len);
		break;
	case LT_EV_EXEC_MAP:
		/* New code: stacks through it need its unwind table as soon as possible.
		 * A launched target waits, stopped by the BPF program, until we have it. */
		lt_session_refresh(s);
		if (s->target.launched)
			kill(s->target.pid, SIGCONT);
		break;
	case LT_EV_EXIT:
		s->exit_event = true;
		break;
	default:
		if (s->fds)
			lt_fd_trace__event(s->fds, data, size);
		break;
	}
	return 0;
}

/* Launch mode: the child has not exec'd yet, so its modules are unknown. Attach to the
 * allocator it will most likely use (the C library this dynamic loader resolves, which
 * is ours) and to the program itself in case it is linked statically. */
static int lt_session_attach_launch(struct lt_session *s)
{
	struct lt_maps maps = {};
	struct lt_modules mods = {};
	char *path = NULL;
	struct stat st;
	int err;

	err = lt_procmaps__read(getpid(), &maps);
	if (err)
		return err;
	err = lt_modules__from_maps(getpid(), &maps, &mods);
	if (err)
		goto cleanup;
	for (size_t i = 0; i < mods.n; i++) {
		if (!strstr(mods.v[i].path, "/libc.so") && !strstr(mods.v[i].path, "/libc-"))
			continue;
		if (s->cfg->trace_heap) {
			err = lt_attach__file(s->attach, mods.v[i].path, mods.v[i].dev,
					      mods.v[i].ino);
			if (err)
				goto cleanup;
		}
		if (s->fd_probes) {
			err = lt_attach__file(s->fd_probes, mods.v[i].path, mods.v[i].dev,
					      mods.v[i].ino);
			if (err && err != -ENOENT)
				goto cleanup;
			err = 0;
		}
	}
	if (!s->cfg->trace_heap)
		goto cleanup;
	/* the executable itself, in case it is linked statically */
	path = lt_target__resolve_command(s->cfg->argv[0]);
	if (path && !stat(path, &st)) {
		err = lt_attach__file(s->attach, path, st.st_dev, st.st_ino);
		if (err == -ENOENT)
			err = 0;
	}
	free(path);
cleanup:
	lt_modules__free(&mods);
	lt_procmaps__free(&maps);
	return err;
}

struct lt_session *lt_session__start(const struct lt_config *cfg)
{
	struct lt_session *s = calloc(1, sizeof(*s));
	int err;

	if (!s)
		return NULL;
	s->cfg = cfg;
	s->target.pidfd = s->target.go_fd = s->target.err_fd = -1;
	if (cfg->argv) {
		err = lt_target__spawn(&s->target, cfg->argv);
		if (err) {
			lt_err("cannot start %s: %s", cfg->argv[0], strerror(-err));
			goto fail;
		}
	} else {
		err = lt_target__open_pid(&s->target, cfg->pid);
		if (err)
			goto fail;
	}
	s->bpf = lt_bpf__load(cfg, s->target.pid);
	if (!s->bpf) {
		err = -errno;
		goto fail;
	}
	s->run = *cfg;
	s->run.trace_heap &= lt_bpf__family_loaded(s->bpf, LT_LOAD_HEAP);
	s->run.trace_mmap &= lt_bpf__family_loaded(s->bpf, LT_LOAD_MMAP);
	s->run.trace_gc &= lt_bpf__family_loaded(s->bpf, LT_LOAD_GC);
	if (!lt_bpf__family_loaded(s->bpf, LT_LOAD_FD))
		s->run.trace_fd = s->run.trace_sock = false;
	cfg = s->cfg = &s->run;
	s->mmaps = lt_mmap_track__new();
	s->js_names = lt_js_names__new(bpf_map__fd(s->bpf->skel->maps.js_names));
	s->attach = lt_attach__new(s->bpf, s->target.pid, cfg->verbose);
	s->rb = ring_buffer__new(bpf_map__fd(s->bpf->skel->maps.events), lt_session_event, s,
				 NULL);
	if (!s->mmaps || !s->attach || !s->rb || !s->js_names) {
		err = -ENOMEM;
		lt_err("out of memory");
		goto fail;
	}
	if (cfg->trace_gc) {
		s->v8gc = lt_v8gc__new(s->bpf, s->rb, s->target.pid, cfg->verbose);
		if (!s->v8gc) {
			err = -errno;
			lt_err("cannot set up GC tracing: %s", strerror(errno));
			goto fail;
		}
	}
	err = lt_bpf__attach_tracepoints(s->bpf, cfg);
	if (err)
		goto fail;
	if (lt_session_traces_fds(cfg)) {
		s->fd_probes = lt_attach__new_family(s->bpf, s->target.pid, cfg->verbose,
						     LT_PROBES_FD);
		s->fd_tps = lt_fd_attach__new(s->bpf, cfg);
		if (!s->fd_probes || !s->fd_tps) {
			err = s->fd_tps ? -ENOMEM : -errno;
			goto fail;
		}
		/* after the tracepoints: what opens from now on is seen */
		s->fds = lt_fd_trace__new(cfg, s->target.pid,
					  bpf_map__fd(s->bpf->skel->maps.fd_socks));
		if (!s->fds) {
			err = -errno;
			goto fail;
		}
	}
	if (cfg->argv) {
		if (cfg->trace_heap || s->fd_probes) {
			err = lt_session_attach_launch(s);
			if (err)
				goto fail;
		}
		s->start_ns = lt_now_ns();
		err = lt_target__release(&s->target);
		if (err) {
			lt_err("cannot run %s: %s", cfg->argv[0], strerror(-err));
			goto fail;
		}
		/* usually done already by the exec event; a static binary maps nothing */
		lt_session_refresh(s);
	} else {
		err = lt_session_refresh(s);
		if (err) {
			lt_err("cannot read the modules of process %d: %s", s->target.pid,
			       strerror(-err));
			goto fail;
		}
		if (cfg->trace_heap && !lt_attach__nmodules(s->attach)) {
			lt_err("process %d (%s) has no allocator we can probe: no module defines "
			       "malloc (stripped static binary?)",
			       s->target.pid, s->target.comm);
			err = -ENOENT;
			goto fail;
		}
		if (!cfg->trace_heap && !cfg->trace_mmap && !lt_session_traces_fds(cfg) &&
		    !lt_v8gc__tracing(s->v8gc)) {
			lt_err("nothing to trace in process %d (%s): -t gc, and %s", s->target.pid,
			       s->target.comm, s->v8gc ? lt_v8gc__off_reason(s->v8gc) : "");
			err = -ENOENT;
			goto fail;
		}
		s->start_ns = lt_now_ns();
	}
	if (s->v8gc)
		lt_v8gc__set_origin(s->v8gc, s->start_ns);
	if (cfg->trace_heap)
		lt_info("attached to pid %d (%s): %zu probes in %zu allocator module(s)%s%s",
			s->target.pid, s->target.comm, lt_attach__nprobes(s->attach),
			lt_attach__nmodules(s->attach),
			s->bpf->session ? " (uprobe sessions)" : "",
			cfg->trace_mmap ? ", mmap tracepoints" : "");
	else
		lt_info("attached to pid %d (%s)%s", s->target.pid, s->target.comm,
			cfg->trace_mmap ? ": mmap tracepoints" : "");
	if (s->fds)
		lt_info("descriptors: %zu wrapper probes, %zu tracepoints",
			lt_attach__nprobes(s->fd_probes), lt_fd_attach__count(s->fd_tps));
	if (lt_v8gc__tracing(s->v8gc))
		lt_info("V8 GC probes attached");
	return s;
fail:
	lt_session__stop(s);
	errno = -err;
	return NULL;
}

int lt_session__poll(struct lt_session *s, int timeout_ms)
{
	int err = ring_buffer__poll(s->rb, timeout_ms);

	return err < 0 && err != -EINTR ? err : 0;
}

bool lt_session__target_exited(struct lt_session *s)
{
	return lt_target__exited(&s->target);
}

struct lt_target *lt_session__target(struct lt_session *s)
{
	return &s->target;
}

int lt_session__report(struct lt_session *s, FILE *out, bool final)
{
	const struct lt_config *cfg = s->cfg;
	struct lt_snapshot_opts o = {
		.now_ns = lt_now_ns(),
		.min_age_ns = (__u64)(cfg->min_age_s * 1e9),
		.sample_bytes = cfg->sample_bytes,
		.need_ages = cfg->format != LT_FMT_FOLDED,
		.symbolize_top = cfg->format == LT_FMT_TEXT ? cfg->top_n : 0,
	};
	struct lt_gc_report gc = {
		.off_reason = "not selected (-t without gc)",
	};
	struct lt_report r = {
		.pid = s->target.pid,
		.comm = s->target.comm,
		.duration_s = (o.now_ns - s->start_ns) / 1e9,
		.final = final,
		.min_age_s = cfg->min_age_s,
		.sample_bytes = cfg->sample_bytes,
		.memory_traced = cfg->trace_heap || cfg->trace_mmap,
	};
	int err;

	/* events already in the ring buffer belong to this report */
	ring_buffer__consume(s->rb);
	r.target_exited = lt_target__exited(&s->target);
	for (int f = LT_LOAD_CORE + 1; f < LT_LOAD__MAX; f++) {
		const char *why = lt_bpf__family_off_reason(s->bpf, f);

		if (why && r.n_not_loaded < LT_REPORT_MAX_NOT_LOADED) {
			r.not_loaded[r.n_not_loaded].family = lt_load_family__name(f);
			r.not_loaded[r.n_not_loaded++].reason = why;
		}
		if (why && f == LT_LOAD_GC)
			gc.off_reason = why;
	}
	lt_debug("reading the maps");
	err = lt_snapshot__take(s->bpf, cfg->trace_mmap ? s->mmaps : NULL, &o, &r);
	lt_debug("read %zu heap and %zu mmap stacks", r.heap.n, r.mmap.n);
	if (err) {
		lt_err("cannot read the maps: %s", strerror(-err));
		goto cleanup;
	}
	if (s->fds) {
		err = lt_fd_trace__report(s->fds, s->rb, o.now_ns, !r.target_exited, &r);
		if (err) {
			lt_err("cannot build the descriptor report: %s", strerror(-err));
			goto cleanup;
		}
		lt_snapshot__frames(s->bpf, &r.fds.sec);
	}
	if (!s->sym)
		lt_session_new_symbolizer(s, NULL);
	if (s->sym)
		lt_symbolizer__report(s->sym, &r, o.symbolize_top);
	if (s->v8gc) {
		err = lt_v8gc__report(s->v8gc, &gc);
		if (err) {
			lt_err("cannot summarize garbage collections: %s", strerror(-err));
			goto cleanup;
		}
	}
	r.gc = &gc;
	err = lt_output__write(out, &r, cfg);
	fflush(out);
cleanup:
	lt_gc_report__free(&gc);
	lt_snapshot__release(&r);
	return err;
}

static void *lt_stop_alloc_probes(void *arg)
{
	lt_attach__free(((struct lt_session *)arg)->attach);
	return NULL;
}

static void *lt_stop_fd_probes(void *arg)
{
	lt_attach__free(((struct lt_session *)arg)->fd_probes);
	return NULL;
}

static void *lt_stop_fd_tracepoints(void *arg)
{
	lt_fd_attach__free(((struct lt_session *)arg)->fd_tps);
	return NULL;
}

static void *lt_stop_v8gc(void *arg)
{
	lt_v8gc__free(((struct lt_session *)arg)->v8gc);
	return NULL;
}

/* Every family of probes waits, when detached, for the kernel to be done with its
 * programs (a grace period: a quarter of a second, seconds on a busy machine). Detached
 * side by side, the waits overlap. */
static void lt_session_detach(struct lt_session *s)
{
	static void *(*const stop[])(void *) = {
		lt_stop_alloc_probes, lt_stop_fd_probes, lt_stop_fd_tracepoints, lt_stop_v8gc,
	};
	pthread_t tid[sizeof(stop) / sizeof(stop[0])];
	bool started[sizeof(stop) / sizeof(stop[0])] = {};

	for (size_t i = 0; i < sizeof(stop) / sizeof(stop[0]); i++)
		if (pthread_create(&tid[i], NULL, stop[i], s) == 0)
			started[i] = true;
		else
			stop[i](s);
	for (size_t i = 0; i < sizeof(stop) / sizeof(stop[0]); i++)
		if (started[i])
			pthread_join(tid[i], NULL);
}

void lt_session__stop(struct lt_session *s)
{
	if (!s)
		return;
	/* probes first, so that nothing runs in the target past this point */
	lt_session_detach(s);
	lt_debug("uprobes detached");
	ring_buffer__free(s->rb);
	lt_bpf__destroy(s->bpf);
	lt_debug("bpf destroyed");
	lt_symbolizer__free(s->sym);
	lt_js_names__free(s->js_names);
	lt_mmap_track__free(s->mmaps);
	lt_fd_trace__free(s->fds);
	lt_target__close(&s->target);
	free(s);
}

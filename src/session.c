// SPDX-License-Identifier: GPL-2.0
/* Ties the pieces of a run together: target, BPF object, unwind tables, symbolizer and
 * the table of probe families (family.h), kept current as the target maps new code. */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <time.h>
#include <unistd.h>
#include <bpf/libbpf.h>

#include "leaktrace.skel.h"
#include "session.h"
#include "family.h"
#include "cfi_upload.h"
#include "loader.h"
#include "log.h"
#include "output.h"
#include "push.h"
#include "procmaps.h"
#include "seen.h"
#include "side_by_side.h"
#include "snapshot.h"
#include "symbolize.h"
#include "tracepoints.h"
#include "fd_family.h"
#include "heap.h"
#include "heap_auto.h"
#include "mmap_family.h"
#include "v8_family.h"
#include "series.h"
#include "suspects.h"
#include "trend_report.h"
#include "jsheap_family.h"
#include "tracer.h"

/* The probe families, in the order they start, refresh and report. */
static const struct lt_family *const lt_families[] = {
	&lt_heap_family, &lt_mmap_family,   &lt_fd_family,
	&lt_v8_family,	 &lt_jsheap_family, /* after v8: its report reads the live heap */
};

#define LT_NFAMILIES (sizeof(lt_families) / sizeof(lt_families[0]))

/* exec and new executable mappings matter to every family */
static const struct lt_tracepoint lt_core_tps[] = {
	{ "sched", "sched_process_exec", "tp_sched_process_exec" },
	{ "sched", "sched_process_exit", "tp_sched_process_exit" },
	{ "syscalls", "sys_exit_mmap", "tp_core_exit_mmap" },
	{ "task", "task_newtask", "tp_core_task_newtask" },
};

struct lt_session {
	const struct lt_config *cfg;  /* &run */
	struct lt_config run;	      /* the user's, less the families the kernel refused */
	struct lt_config asked;	      /* the user's, with the default narrowed for V8 */
	struct lt_heap_auto autoheap; /* the default left the heap off in V8 (heap_auto.h) */
	struct lt_target target;
	struct lt_bpf *bpf;
	struct lt_symbolizer *sym;
	struct ring_buffer *rb;
	struct lt_tracepoints *core_tps;
	struct lt_seen seen; /* modules handed to the families so far */
	__u64 start_ns;
	bool exit_event;
	bool launch_exec; /* launch mode: the command's own exec was seen */
	unsigned n_execs; /* execs after that (or any, with -p): lt_report.n_execs */
	__u64 exec_ns;
	char exec_from[32];
	struct lt_family_env env;
	void *state[LT_NFAMILIES];    /* NULL: the family does not run */
	struct lt_push *push;	      /* --push, or NULL */
	struct lt_series_set *series; /* the trends' samples (series.h) */
	__u64 sampled_ns;	      /* when the last sample was taken */
	unsigned long long rss;	      /* the target's resident set at the last sample */
	double attach_cpu_s;	      /* our CPU until attached: lt_report_tracer */
};

/* Samples are taken this often while tracing, and before each report. */
#define LT_SAMPLE_INTERVAL_NS 1000000000ull

#define lt_for_each_family(s, i, op)                                                               \
	for (size_t i = 0; i < LT_NFAMILIES; i++)                                                  \
		if ((s)->state[i] && lt_families[i]->op)

static __u64 lt_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static void lt_session_new_symbolizer(struct lt_session *s, const struct lt_modules *mods)
{
	s->sym = lt_symbolizer__new(s->target.pid, mods);
	if (!s->sym)
		return;
	lt_for_each_family(s, i, symbolizer) lt_families[i]->symbolizer(s->state[i], s->sym);
}

/* The modules of mods not handed to the families before (they share mods' strings). */
static int lt_session_fresh(struct lt_session *s, const struct lt_modules *mods,
			    struct lt_modules *fresh)
{
	fresh->v = calloc(mods->n ? mods->n : 1, sizeof(*fresh->v));
	if (!fresh->v)
		return -ENOMEM;
	for (size_t i = 0; i < mods->n; i++) {
		int added = lt_seen__add(&s->seen, mods->v[i].dev, mods->v[i].ino);

		if (added < 0)
			return added;
		if (added)
			fresh->v[fresh->n++] = mods->v[i];
	}
	return 0;
}

/* Re-read the target's modules: unwind tables, the families' probes and symbols for code
 * mapped since the last look. */
static int lt_session_refresh(struct lt_session *s)
{
	struct lt_maps maps = {};
	struct lt_modules mods = {}, fresh = {};
	struct lt_family_modules m = { .maps = &maps, .all = &mods, .fresh = &fresh };
	int err;

	err = lt_procmaps__read(s->target.pid, &maps);
	if (err)
		return err; /* gone already: keep what we have */
	err = lt_modules__from_maps(s->target.pid, &maps, &mods);
	if (!err)
		err = lt_session_fresh(s, &mods, &fresh);
	if (err)
		goto cleanup;
	lt_cfi_upload__moved(s->bpf, &mods);
	lt_cfi_upload__modules(s->bpf, &fresh);
	lt_for_each_family(s, i, refresh)
	{
		err = lt_families[i]->refresh(s->state[i], &m);
		if (err)
			goto cleanup;
	}
	if (s->sym)
		lt_symbolizer__refresh(s->sym, &mods);
	else
		lt_session_new_symbolizer(s, &mods);
cleanup:
	free(fresh.v);
	lt_modules__free(&mods);
	lt_procmaps__free(&maps);
	return err;
}

/* The target exec'd (at ts_ns): nothing of the old address space is valid any more. The
 * refresh that follows reads the new image's modules, unwind tables and symbols. The
 * launched command's own exec (and a wrapper's exec of the real program after it) keeps
 * the session; only what was traced before is forgotten. */
static void lt_session_exec(struct lt_session *s, __u64 ts_ns)
{
	if (s->target.launched && !s->launch_exec) {
		s->launch_exec = true;
		lt_target__refresh_comm(&s->target);
		return;
	}
	s->n_execs++;
	s->exec_ns = ts_ns;
	snprintf(s->exec_from, sizeof(s->exec_from), "%s", s->target.comm);
	lt_target__refresh_comm(&s->target);
	lt_cfi_upload__forget(s->bpf);
	lt_seen__free(&s->seen);
	/* The symbolizer keeps the old image's modules: descriptors survive an exec, and
	 * their open stacks are the old image's. */
	lt_for_each_family(s, i, exec) lt_families[i]->exec(s->state[i]);
	lt_info("process %d exec'd: now tracing %s (was %s)", s->target.pid, s->target.comm,
		s->exec_from);
}

static int lt_session_event(void *ctx, void *data, size_t size)
{
	struct lt_session *s = ctx;
	const struct lt_event *e = data;

	if (size < sizeof(__u32))
		return 0;
	if (e->type == LT_EV_EXEC_MAP || e->type == LT_EV_EXEC || e->type == LT_EV_EXIT) {
		if (size < sizeof(*e))
			return 0;
		if (e->type == LT_EV_EXIT) {
			s->exit_event = true;
			return 0;
		}
		if (e->type == LT_EV_EXEC)
			lt_session_exec(s, e->ts_ns);
		/* New code: stacks through it need its unwind table as soon as possible.
		 * A launched target waits, stopped by the BPF program, until we have it. */
		lt_session_refresh(s);
		if (s->target.launched)
			kill(s->target.pid, SIGCONT);
		return 0;
	}
	lt_for_each_family(s, i, event) if (lt_families[i]->event(s->state[i], data, size)) break;
	return 0;
}

/* Launch mode: the child has not exec'd yet, so its modules are unknown; the families
 * attach to ours, which it will most likely map too. */
static int lt_session_attach_launch(struct lt_session *s)
{
	struct lt_maps maps = {};
	struct lt_modules mods = {};
	bool any = false;
	int err;

	lt_for_each_family(s, i, launch) any = true;
	if (!any)
		return 0;
	err = lt_procmaps__read(getpid(), &maps);
	if (err)
		return err;
	err = lt_modules__from_maps(getpid(), &maps, &mods);
	if (err)
		goto cleanup;
	lt_for_each_family(s, i, launch)
	{
		err = lt_families[i]->launch(s->state[i], &mods);
		if (err)
			goto cleanup;
	}
cleanup:
	lt_modules__free(&mods);
	lt_procmaps__free(&maps);
	return err;
}

/* Load the BPF object, keep in s->run only the families whose programs loaded, and start
 * them in table order. */
static int lt_session_start_families(struct lt_session *s)
{
	struct lt_config load = *s->cfg;
	int err;

	lt_heap_auto__load_config(&s->autoheap, &load);
	s->bpf = lt_bpf__load(&load, s->target.pid);
	if (!s->bpf)
		return -errno;
	s->run = *s->cfg;
	for (size_t i = 0; i < LT_NFAMILIES; i++)
		if (!lt_bpf__family_loaded(s->bpf, lt_families[i]->load) && lt_families[i]->refused)
			lt_families[i]->refused(&s->run);
	s->cfg = &s->run;
	s->rb = ring_buffer__new(bpf_map__fd(s->bpf->skel->maps.events), lt_session_event, s, NULL);
	s->core_tps = lt_tracepoints__new(s->bpf);
	if (!s->rb || !s->core_tps) {
		lt_err("out of memory");
		return -ENOMEM;
	}
	s->env = (struct lt_family_env){
		.cfg = s->cfg,
		.bpf = s->bpf,
		.rb = s->rb,
		.target = &s->target,
		.start_ns = &s->start_ns,
	};
	err = lt_tracepoints__attach(s->core_tps, lt_core_tps,
				     sizeof(lt_core_tps) / sizeof(lt_core_tps[0]));
	for (size_t i = 0; i < LT_NFAMILIES && !err; i++)
		if (lt_families[i]->wanted(s->cfg))
			err = lt_families[i]->start(&s->env, &s->state[i]);
	return err;
}

/* Attached to a running process: every family can run there, and one at least traces. */
static int lt_session_check(struct lt_session *s)
{
	const char *why = NULL, *idle_name = NULL;
	bool tracing = false;
	int err;

	/* a process that exited meanwhile has no modules: that, not their absence, is said */
	if (lt_target__say_if_gone(s->target.pid))
		return -ESRCH;
	lt_for_each_family(s, i, check)
	{
		err = lt_families[i]->check(s->state[i]);
		if (err)
			return err;
	}
	for (size_t i = 0; i < LT_NFAMILIES; i++) {
		const char *w;

		if (!s->state[i])
			continue;
		w = lt_families[i]->idle ? lt_families[i]->idle(s->state[i]) : NULL;
		if (!w)
			tracing = true;
		else if (*w || !why)
			why = w, idle_name = lt_families[i]->name;
	}
	if (tracing)
		return 0;
	lt_err("nothing to trace in process %d (%s): -t %s, and %s", s->target.pid, s->target.comm,
	       idle_name ? idle_name : "", why ? why : "");
	return -ENOENT;
}

static void lt_session_announce(struct lt_session *s)
{
	char line[512] = "";
	size_t len = 0;

	lt_for_each_family(s, i, summary)
	{
		char part[256];

		if (!lt_families[i]->summary(s->state[i], part, sizeof(part)))
			continue;
		len += snprintf(line + len, len < sizeof(line) ? sizeof(line) - len : 0, "%s%s",
				len ? ", " : ": ", part);
	}
	s->attach_cpu_s = lt_tracer__cpu_s();
	lt_info("attached to pid %d (%s)%s", s->target.pid, s->target.comm, line);
	if (s->autoheap.default_off)
		lt_info("heap: %s", s->autoheap.reason);
	lt_for_each_family(s, i, announce) lt_families[i]->announce(s->state[i]);
}

struct lt_session *lt_session__start(const struct lt_config *cfg)
{
	struct lt_session *s = calloc(1, sizeof(*s));
	int err;

	if (!s)
		return NULL;
	s->cfg = cfg;
	s->target.pidfd = s->target.go_fd = s->target.err_fd = s->target.guard.life_fd = -1;
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
		if (lt_heap_auto__narrow(&s->autoheap, cfg, s->target.pid, &s->asked))
			s->cfg = &s->asked;
	}
	s->series = lt_series_set__new();
	if (!s->series) {
		err = -ENOMEM;
		goto fail;
	}
	err = lt_session_start_families(s);
	if (err)
		goto fail;
	cfg = s->cfg;
	if (cfg->argv) {
		err = lt_session_attach_launch(s);
		if (err)
			goto fail;
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
			if (!lt_target__say_if_gone(s->target.pid))
				lt_err("cannot read the modules of process %d: %s", s->target.pid,
				       strerror(-err));
			goto fail;
		}
		err = lt_session_check(s);
		if (err)
			goto fail;
		s->start_ns = lt_now_ns();
	}
	lt_session_announce(s);
	return s;
fail:
	lt_session__stop(s);
	errno = -err;
	return NULL;
}

/* One point of every series: each family's stacks and peers, and the resident set. */
static int lt_session_sample(struct lt_session *s, __u64 now_ns)
{
	unsigned long long rss;
	int err;

	s->sampled_ns = now_ns;
	err = lt_series_set__begin(s->series, (now_ns - s->start_ns) / 1e9);
	lt_for_each_family(s, i, sample)
	{
		if (!err)
			err = lt_families[i]->sample(s->state[i], s->series);
	}
	rss = lt_target__rss(s->target.pid);
	/* 0: gone between the check and the read; the last figure stands */
	if (rss)
		s->rss = rss;
	if (!err)
		err = lt_series_set__add(s->series, LT_SERIES_TOTAL, LT_TOTAL_RSS, (double)s->rss);
	if (err)
		lt_err("cannot sample the trends: %s", strerror(-err));
	return err;
}

/* RSS grows outside the JS heap: the heap family (the table's first) starts late, sampled,
 * and attaches to every allocator module mapped now. */
static void lt_session_auto_heap(struct lt_session *s)
{
	int err;

	s->run.trace_heap = true;
	s->run.sample_bytes = s->autoheap.sample_bytes;
	err = lt_heap__start_late(&s->env, &s->state[0]);
	err = err ?: lt_session_refresh(s);
	err = err ?: lt_heap_family.check(s->state[0]);
	if (!err) {
		lt_info("heap: %s", s->autoheap.reason);
		return;
	}
	lt_heap_auto__failed(&s->autoheap, strerror(-err));
	lt_warn("heap: %s", s->autoheap.reason);
	if (s->state[0]) {
		lt_heap_family.stop(s->state[0]);
		lt_heap_family.free(s->state[0]);
	}
	s->state[0] = NULL;
	s->run.trace_heap = false;
	s->run.sample_bytes = s->asked.sample_bytes;
}

int lt_session__poll(struct lt_session *s, int timeout_ms)
{
	int err = ring_buffer__poll(s->rb, timeout_ms);
	__u64 now = lt_now_ns();

	if (err < 0 && err != -EINTR)
		return err;
	if (lt_target__exited(&s->target) || now - s->sampled_ns < LT_SAMPLE_INTERVAL_NS)
		return 0;
	err = lt_session_sample(s, now);
	if (!err && lt_heap_auto__due(&s->autoheap, s->series))
		lt_session_auto_heap(s);
	return err;
}

bool lt_session__target_exited(struct lt_session *s)
{
	return lt_target__exited(&s->target);
}

struct lt_target *lt_session__target(struct lt_session *s)
{
	return &s->target;
}

void lt_session__set_push(struct lt_session *s, struct lt_push *p)
{
	s->push = p;
}

int lt_session__report(struct lt_session *s, FILE *out, bool final)
{
	const struct lt_config *cfg = s->cfg;
	struct lt_snapshot_opts o = {
		.now_ns = lt_now_ns(),
		.min_age_ns = (__u64)(cfg->min_age_s * 1e9),
		.sample_bytes = cfg->sample_bytes,
		.need_ages = cfg->format != LT_FMT_FOLDED,
		/* a pushed profile has every stack, named */
		.symbolize_top = cfg->format == LT_FMT_TEXT && !cfg->push_url ? cfg->top_n : 0,
		.born_after_ns = s->exec_ns,
	};
	struct lt_report r = {
		.pid = s->target.pid,
		.comm = s->target.comm,
		.duration_s = (o.now_ns - s->start_ns) / 1e9,
		.final = final,
		.min_age_s = cfg->min_age_s,
		.sample_bytes = cfg->sample_bytes,
		.memory_traced = cfg->trace_heap || cfg->trace_mmap,
		.heap_not_traced = !cfg->trace_heap,
		.mmap_not_traced = !cfg->trace_mmap,
		.n_execs = s->n_execs,
		.exec_s = s->exec_ns > s->start_ns ? (s->exec_ns - s->start_ns) / 1e9 : 0,
		.exec_from = s->exec_from,
	};
	int err;

	/* events already in the ring buffer belong to this report */
	ring_buffer__consume(s->rb);
	r.target_exited = lt_target__exited(&s->target);
	r.n_children = r.target_exited ? 0 : lt_target__children(&s->target);
	/* the trends as of this report (a target gone has no resident set left to read) */
	if (!r.target_exited) {
		err = lt_session_sample(s, o.now_ns);
		if (err)
			goto cleanup;
	}
	for (int f = LT_LOAD_CORE + 1; f < LT_LOAD__MAX; f++)
		lt_report__not_loaded(&r, lt_load_family__name(f),
				      lt_bpf__family_off_reason(s->bpf, f));
	lt_heap_auto__report(&s->autoheap, &r);
	err = lt_bpf__read_losses(s->bpf, r.lost);
	if (err) {
		lt_err("cannot read the loss counters: %s", strerror(-err));
		goto cleanup;
	}
	r.lost[LT_LOSS_PUSH_FAILED] = lt_push__failed(s->push);
	/* each family adds its own section */
	lt_for_each_family(s, i, report)
	{
		err = lt_families[i]->report(s->state[i], &o, &r);
		if (err)
			goto cleanup;
	}
	err = lt_trend_report__fill(s->series, &r);
	if (err) {
		lt_err("cannot fit the trends: %s", strerror(-err));
		goto cleanup;
	}
	lt_suspects__build(&r);
	if (!s->sym)
		lt_session_new_symbolizer(s, NULL);
	if (s->sym)
		lt_symbolizer__report(s->sym, &r, o.symbolize_top);
	lt_tracer__fill(&r.tracer, s->attach_cpu_s, s->bpf->skel->obj);
	err = lt_output__write(out, &r, cfg);
	fflush(out);
	lt_push__report(s->push, &r);
cleanup:
	lt_for_each_family(s, i, report_done) lt_families[i]->report_done(s->state[i]);
	lt_snapshot__release(&r);
	return err;
}

struct lt_stop_job {
	const struct lt_family *f;
	void *state;
};

static void lt_session_stop_one(void *arg)
{
	struct lt_stop_job *j = arg;

	j->f->stop(j->state);
}

/* Every family of probes waits, when detached, for the kernel to be done with its
 * programs (a grace period: a quarter of a second, seconds on a busy machine). Detached
 * side by side, the waits overlap. */
static void lt_session_detach(struct lt_session *s)
{
	struct lt_stop_job stops[LT_NFAMILIES];
	struct lt_job jobs[LT_NFAMILIES];
	size_t n = 0;

	lt_for_each_family(s, i, stop)
	{
		stops[n] = (struct lt_stop_job){ lt_families[i], s->state[i] };
		jobs[n] = (struct lt_job){ lt_session_stop_one, &stops[n] };
		n++;
	}
	lt_side_by_side__run(jobs, n);
}

void lt_session__stop(struct lt_session *s)
{
	if (!s)
		return;
	/* probes first, so that nothing runs in the target past this point */
	lt_session_detach(s);
	lt_debug("uprobes detached");
	lt_tracepoints__free(s->core_tps);
	ring_buffer__free(s->rb);
	lt_bpf__destroy(s->bpf);
	lt_debug("bpf destroyed");
	lt_symbolizer__free(s->sym);
	lt_for_each_family(s, i, free) lt_families[i]->free(s->state[i]);
	lt_seen__free(&s->seen);
	lt_series_set__free(s->series);
	lt_target__close(&s->target);
	free(s);
}

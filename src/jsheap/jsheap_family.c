// SPDX-License-Identifier: GPL-2.0
/* The jsheap family (-t jsheap): V8's sampling heap profiler over Node's inspector. It
 * opens the inspector when the session has attached (check), starts the sampler, reads
 * it halfway through a known duration from a thread that also re-arms the dead-man close,
 * takes the last read with stopSampling at the final report, and closes the inspector. */
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "leaktrace.skel.h"
#include "jsheap_family.h"
#include "gc_trend.h"
#include "inspector.h"
#include "listeners.h"
#include "log.h"
#include "profile.h"

/* Without a V8 figure, V8's forced mark-compact costs about this much per MiB live
 * (shared/JS-HEAP.md §3.3); after a read, the read's own figure is used. */
#define LT_JSHEAP_MS_PER_MIB 2.0
#define LT_JSHEAP_READ_MS 60000

struct lt_jsheap {
	const struct lt_family_env *env;
	struct lt_inspector in;
	struct lt_js_profile prof;
	struct lt_js_heap_report rep;
	double t0; /* the sampler started */
	double reads_t[LT_JS_MAX_READS];
	bool sampling, finished;
	char status[320];
	pthread_t thread;
	bool thread_running, stop;
	pthread_mutex_t lock; /* the inspector connection */
	pthread_cond_t wake;
};

static bool lt_jsheap_wanted(const struct lt_config *cfg)
{
	return cfg->trace_jsheap;
}

static void lt_jsheap_refused(struct lt_config *run)
{
	run->trace_jsheap = false;
}

static int lt_jsheap_start(const struct lt_family_env *env, void **state)
{
	struct lt_jsheap *j;

	if (env->cfg->argv) {
		lt_err("-t jsheap attaches to a running Node process: give -p PID");
		return -EINVAL;
	}
	j = calloc(1, sizeof(*j));
	if (!j)
		return -ENOMEM;
	j->env = env;
	j->in.lock_fd = -1;
	pthread_mutex_init(&j->lock, NULL);
	pthread_cond_init(&j->wake, NULL);
	if (lt_js_profile__init(&j->prof, env->cfg->js_sample_interval)) {
		lt_js_profile__free(&j->prof);
		free(j);
		return -ENOMEM;
	}
	*state = j;
	return 0;
}

/* The live JS heap in MiB: V8's own figure (Runtime.getHeapUsage). */
static double lt_jsheap_live_mib(struct lt_jsheap *j)
{
	struct json_object *res = NULL, *v;
	char err[256];
	double mib = -1;

	if (!lt_cdp__call(&j->in.cdp, "Runtime.getHeapUsage", NULL, LT_JSHEAP_READ_MS, &res, err,
			  sizeof(err)) &&
	    json_object_object_get_ex(res, "usedSize", &v))
		mib = json_object_get_double(v) / (1 << 20);
	json_object_put(res);
	return mib;
}

/* One read (getSamplingProfile, or stopSampling for the last), unless the pause it would
 * force exceeds the budget for a live heap of live_mib (<= 0, unknown: ask V8). Holds j->lock. */
static int lt_jsheap_read(struct lt_jsheap *j, bool last, double live_mib)
{
	struct lt_js_heap_report *r = &j->rep;
	struct lt_js_read *rd = &r->reads[r->nreads];
	struct json_object *res = NULL, *prof;
	double ms_per_mib = LT_JSHEAP_MS_PER_MIB, t;
	char err[256] = "";
	int e;

	if (r->nreads >= LT_JS_MAX_READS || !j->sampling)
		return 0;
	if (live_mib <= 0)
		live_mib = lt_jsheap_live_mib(j);
	for (size_t i = 0; i < r->nreads; i++)
		if (!r->reads[i].skipped && r->reads[i].live_mib > 1)
			ms_per_mib = r->reads[i].pause_ms / r->reads[i].live_mib;
	rd->live_mib = live_mib;
	rd->predicted_ms = live_mib > 0 ? live_mib * ms_per_mib : 0;
	rd->t_s = lt_inspector__now() - j->t0;
	if (rd->predicted_ms > j->env->cfg->js_gc_pause_max_ms) {
		rd->skipped = true;
		r->nreads++;
		lt_warn("-t jsheap: read skipped: its forced full GC would pause the target about "
			"%.0f ms (%.0f MiB live), over --js-gc-pause-max %d ms",
			rd->predicted_ms, live_mib, j->env->cfg->js_gc_pause_max_ms);
		return 0;
	}
	t = lt_inspector__now();
	e = lt_cdp__call(&j->in.cdp,
			 last ? "HeapProfiler.stopSampling" : "HeapProfiler.getSamplingProfile",
			 NULL, LT_JSHEAP_READ_MS, &res, err, sizeof(err));
	rd->pause_ms = (lt_inspector__now() - t) * 1e3;
	if (last && !e)
		j->sampling = false;
	if (e) {
		lt_warn("-t jsheap: read failed: %s", err[0] ? err : strerror(-e));
		goto cleanup;
	}
	r->forced_gcs++;
	if (rd->pause_ms > r->max_pause_ms)
		r->max_pause_ms = rd->pause_ms;
	if (!json_object_object_get_ex(res, "profile", &prof)) {
		e = -EPROTO;
		goto cleanup;
	}
	j->reads_t[j->prof.nreads] = rd->t_s;
	e = lt_js_profile__add_read(&j->prof, prof, &rd->samples);
	if (e)
		lt_warn("-t jsheap: unreadable profile: %s", strerror(-e));
	r->nreads++;
cleanup:
	json_object_put(res);
	return e;
}

/* Re-arms the dead-man close and takes the middle read of a known duration. */
static void *lt_jsheap_thread(void *arg)
{
	struct lt_jsheap *j = arg;
	double d = j->env->cfg->duration_s, mid = d > 0 ? j->t0 + d / 2 : INFINITY;
	double rearm = j->t0 + LT_INSPECTOR_REARM_S;

	pthread_mutex_lock(&j->lock);
	while (!j->stop) {
		double next = mid < rearm ? mid : rearm, now = lt_inspector__now();
		struct timespec ts;

		if (now >= rearm) {
			lt_inspector__rearm(&j->in);
			rearm = now + LT_INSPECTOR_REARM_S;
			continue;
		}
		if (now >= mid) {
			lt_jsheap_read(j, false, -1);
			mid = INFINITY;
			continue;
		}
		clock_gettime(CLOCK_REALTIME, &ts);
		next = next - now + ts.tv_sec + ts.tv_nsec / 1e9;
		ts.tv_sec = (time_t)next;
		ts.tv_nsec = (long)((next - (double)ts.tv_sec) * 1e9);
		pthread_cond_timedwait(&j->wake, &j->lock, &ts);
	}
	pthread_mutex_unlock(&j->lock);
	return NULL;
}

static int lt_jsheap_check(void *state)
{
	struct lt_jsheap *j = state;
	int pid = j->env->target->pid, err;
	char why[320] = "", params[64], e[256] = "";

	err = lt_inspector__open(&j->in, j->env->bpf->skel->progs.iter_jsheap_sigusr1, pid, why,
				 sizeof(why));
	if (err) {
		lt_err("-t jsheap: refusing process %d: %s", pid, why);
		return err;
	}
	snprintf(params, sizeof(params), "{\"samplingInterval\":%llu}",
		 (unsigned long long)j->env->cfg->js_sample_interval);
	err = lt_cdp__call(&j->in.cdp, "HeapProfiler.startSampling", params, LT_JSHEAP_READ_MS,
			   NULL, e, sizeof(e));
	if (err) {
		lt_err("-t jsheap: cannot start V8's sampling heap profiler: %s",
		       e[0] ? e : strerror(-err));
		lt_inspector__close(&j->in);
		return err;
	}
	j->sampling = true;
	j->t0 = lt_inspector__now();
	if (j->env->cfg->js_listeners) {
		err = lt_js_listeners__install(&j->in.cdp, e, sizeof(e));
		if (err) {
			lt_err("-t jsheap: cannot install the listener hook: %s",
			       e[0] ? e : strerror(-err));
			lt_inspector__close(&j->in); /* removes what the hook left */
			return err;
		}
		j->rep.listeners_hooked = true;
	}
	err = -pthread_create(&j->thread, NULL, lt_jsheap_thread, j);
	j->thread_running = !err;
	if (err)
		lt_warn("-t jsheap: no dead-man re-arming thread: %s", strerror(-err));
	return 0;
}

static void lt_jsheap_announce(void *state)
{
	struct lt_jsheap *j = state;

	lt_info("JS heap sampling (V8, every %llu bytes) through the inspector on %s, %s",
		(unsigned long long)j->env->cfg->js_sample_interval, j->in.address,
		j->in.opened_by_us ? "opened by SIGUSR1 for this trace" : "which was already open");
}

static void lt_jsheap_join(struct lt_jsheap *j)
{
	if (!j->thread_running)
		return;
	pthread_mutex_lock(&j->lock);
	j->stop = true;
	pthread_cond_signal(&j->wake);
	pthread_mutex_unlock(&j->lock);
	pthread_join(j->thread, NULL);
	j->thread_running = false;
}

/* The last read, the close, the rows. */
static void lt_jsheap_finish(struct lt_jsheap *j, const struct lt_gc_report *gc)
{
	struct lt_js_heap_report *r = &j->rep;
	double live = -1;

	if (j->finished)
		return;
	j->finished = true;
	lt_jsheap_join(j);
	/* the live heap the V8 family measured at the last mark-compact (its fit may hold only
	 * other GCs' sizes: then V8 is asked) */
	if (gc && gc->traced && gc->live.n && gc->last_live)
		live = (double)gc->last_live / (1 << 20);
	if (j->in.connected && j->rep.listeners_hooked) {
		char e[256] = "";
		int err = lt_js_listeners__collect(&j->in.cdp, lt_inspector__now() - j->t0, r, e,
						   sizeof(e));

		if (err)
			lt_warn("-t jsheap: cannot collect the listener counts: %s",
				e[0] ? e : strerror(-err));
	}
	if (j->in.connected && j->sampling)
		lt_jsheap_read(j, true, live);
	lt_inspector__close(&j->in);
	r->sampling_interval_bytes = j->env->cfg->js_sample_interval;
	r->opened_by_us = j->in.opened_by_us;
	r->closed = j->in.closed;
	r->inspector_open_s = j->in.closed_at - j->in.opened_at;
	snprintf(r->address, sizeof(r->address), "%s", j->in.address);
	snprintf(r->warning, sizeof(r->warning), "%s", j->in.warning);
	r->traced = j->prof.nreads > 0;
	r->status = r->traced ? NULL : "no read was taken (see the warnings above)";
	if (lt_js_profile__finish(&j->prof, j->reads_t, r))
		lt_err("-t jsheap: out of memory");
}

static int lt_jsheap_report(void *state, const struct lt_snapshot_opts *o, struct lt_report *r)
{
	struct lt_jsheap *j = state;

	if (r->final)
		lt_jsheap_finish(j, r->gc);
	else if (!j->finished)
		j->rep.status = "sampling: the sites are read at the final report";
	r->js_heap = &j->rep;
	return 0;
}

static void lt_jsheap_stop(void *state)
{
	struct lt_jsheap *j = state;

	lt_jsheap_join(j);
	lt_inspector__close(&j->in); /* no final report (an error): close all the same */
}

static void lt_jsheap_free(void *state)
{
	struct lt_jsheap *j = state;

	lt_js_profile__free(&j->prof);
	lt_js_heap_report__free(&j->rep);
	pthread_mutex_destroy(&j->lock);
	pthread_cond_destroy(&j->wake);
	free(j);
}

const struct lt_family lt_jsheap_family = {
	.name = "jsheap",
	.load = LT_LOAD_JSHEAP,
	.wanted = lt_jsheap_wanted,
	.refused = lt_jsheap_refused,
	.start = lt_jsheap_start,
	.check = lt_jsheap_check,
	.announce = lt_jsheap_announce,
	.report = lt_jsheap_report,
	.stop = lt_jsheap_stop,
	.free = lt_jsheap_free,
};

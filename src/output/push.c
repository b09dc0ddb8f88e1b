// SPDX-License-Identifier: GPL-2.0
/* --push: reports encoded as pprof on the tracing thread, queued, and POSTed to
 * URL/ingest by a worker thread; what cannot be sent is dropped and counted (push_failed). */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <curl/curl.h>
#include "log.h"
#include "pprof.h"
#include "push.h"

/* Two profiles per report, a few reports: a server down for long loses the oldest. */
#define LT_PUSH_QUEUE 8

struct push_job {
	void *body;
	size_t len;
	char *url;
};

struct lt_push {
	struct lt_push_http http;
	char *base;	  /* URL/ingest?name=<escaped name{labels}>&format=pprof */
	char *shown;	  /* the URL as given, for messages */
	__u64 last_until; /* unix seconds of the previous push */
	pthread_t thread;
	bool started;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct push_job q[LT_PUSH_QUEUE];
	size_t head, n;
	bool stopping;
	volatile int give_up;
	__u64 failed;
};

static void job_free(struct push_job *j)
{
	free(j->body);
	free(j->url);
	memset(j, 0, sizeof(*j));
}

static void count_failed(struct lt_push *p, const char *why)
{
	pthread_mutex_lock(&p->mu);
	p->failed++;
	pthread_mutex_unlock(&p->mu);
	lt_err("push to %s failed, profile dropped: %s", p->shown, why);
}

static void *worker(void *arg)
{
	struct lt_push *p = arg;
	struct push_job j;
	char why[CURL_ERROR_SIZE + 64];

	pthread_mutex_lock(&p->mu);
	for (;;) {
		while (!p->n && !p->stopping)
			pthread_cond_wait(&p->cv, &p->mu);
		if (!p->n)
			break;
		j = p->q[p->head];
		p->head = (p->head + 1) % LT_PUSH_QUEUE;
		p->n--;
		pthread_mutex_unlock(&p->mu);
		why[0] = '\0';
		if (p->give_up)
			snprintf(why, sizeof(why), "no time left at exit");
		else if (!lt_push_http__post(&p->http, j.url, j.body, j.len, why, sizeof(why)))
			why[0] = '\0';
		if (why[0])
			count_failed(p, why);
		job_free(&j);
		pthread_mutex_lock(&p->mu);
	}
	pthread_mutex_unlock(&p->mu);
	return NULL;
}

/* name{k=v,...}, escaped for the query string. */
static char *app_key(CURL *c, const struct lt_config *cfg, const char *comm)
{
	char key[2048], *esc, *out = NULL;
	size_t len;
	int i;

	if (cfg->push_name)
		len = (size_t)snprintf(key, sizeof(key), "%s", cfg->push_name);
	else
		len = (size_t)snprintf(key, sizeof(key), "leaktrace.%s",
				       comm && *comm ? comm : "unknown");
	/* a comm may hold any byte: keep it to what the server's name syntax takes */
	for (i = 0; !cfg->push_name && key[i]; i++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-",
			    key[i]))
			key[i] = '_';
	for (i = 0; i < cfg->n_push_labels && len < sizeof(key); i++)
		len += (size_t)snprintf(key + len, sizeof(key) - len, "%s%s", i ? "," : "{",
					cfg->push_labels[i]);
	if (cfg->n_push_labels && len < sizeof(key))
		len += (size_t)snprintf(key + len, sizeof(key) - len, "}");
	if (len >= sizeof(key))
		return NULL;
	esc = curl_easy_escape(c, key, 0);
	if (esc && asprintf(&out, "%s/ingest?name=%s&format=pprof&spyName=leaktrace", cfg->push_url,
			    esc) < 0)
		out = NULL;
	curl_free(esc);
	return out;
}

/* The target's command name as the kernel has it (15 bytes at most). */
static void target_comm(const struct lt_config *cfg, char *buf, size_t len)
{
	const char *base;
	char path[64];
	FILE *f;

	snprintf(buf, len, "unknown");
	if (cfg->argv && cfg->argv[0]) {
		base = strrchr(cfg->argv[0], '/');
		snprintf(buf, len < 16 ? len : 16, "%s", base ? base + 1 : cfg->argv[0]);
		return;
	}
	snprintf(path, sizeof(path), "/proc/%d/comm", cfg->pid);
	f = fopen(path, "r");
	if (!f)
		return;
	if (fgets(buf, (int)len, f))
		buf[strcspn(buf, "\n")] = '\0';
	fclose(f);
}

struct lt_push *lt_push__new(const struct lt_config *cfg)
{
	char comm[64];
	struct lt_push *p;
	size_t n;
	int err;

	errno = 0;
	if (!cfg->push_url)
		return NULL;
	p = calloc(1, sizeof(*p));
	if (!p)
		return NULL;
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->cv, NULL);
	err = lt_push_http__init(&p->http, cfg);
	if (err)
		goto cleanup;
	p->http.give_up = &p->give_up;
	p->shown = strdup(cfg->push_url);
	n = p->shown ? strlen(p->shown) : 0;
	while (n > 0 && p->shown[n - 1] == '/')
		p->shown[--n] = '\0';
	if (p->shown) {
		struct lt_config c = *cfg;

		c.push_url = p->shown;
		target_comm(cfg, comm, sizeof(comm));
		p->base = app_key(p->http.curl, &c, comm);
	}
	if (!p->base) {
		err = -ENOMEM;
		lt_err("cannot build the push URL");
		goto cleanup;
	}
	err = -pthread_create(&p->thread, NULL, worker, p);
	if (err) {
		lt_err("cannot start the push thread: %s", strerror(-err));
		goto cleanup;
	}
	p->started = true;
	return p;
cleanup:
	lt_push__free(p);
	errno = -err;
	return NULL;
}

static __u64 wall_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (__u64)ts.tv_sec * 1000000000ull + (__u64)ts.tv_nsec;
}

static void enqueue(struct lt_push *p, struct push_job *j)
{
	struct push_job old = { 0 };

	pthread_mutex_lock(&p->mu);
	if (p->n == LT_PUSH_QUEUE) {
		old = p->q[p->head];
		p->head = (p->head + 1) % LT_PUSH_QUEUE;
		p->n--;
	}
	p->q[(p->head + p->n) % LT_PUSH_QUEUE] = *j;
	p->n++;
	pthread_cond_signal(&p->cv);
	pthread_mutex_unlock(&p->mu);
	if (old.url) {
		job_free(&old);
		count_failed(p, "the server is behind, the oldest queued profile gave way");
	}
}

int lt_push__report(struct lt_push *p, const struct lt_report *r)
{
	__u64 now = wall_ns(), until = now / 1000000000ull;
	__u64 from = until - (__u64)r->duration_s;
	struct push_job j;
	int k, err = 0;

	if (!p)
		return 0;
	/* the window since the previous push: inuse values are gauges over it */
	if (p->last_until && p->last_until > from)
		from = p->last_until;
	if (from >= until)
		from = until - 1;
	p->last_until = until;
	for (k = LT_PPROF_MEMORY; k <= LT_PPROF_FDS; k++) {
		if (!lt_pprof__has(r, k))
			continue;
		memset(&j, 0, sizeof(j));
		err = lt_pprof__encode(r, k, now, &j.body, &j.len);
		if (!err && asprintf(&j.url, "%s&from=%llu&until=%llu", p->base,
				     (unsigned long long)from, (unsigned long long)until) < 0) {
			j.url = NULL;
			err = -ENOMEM;
		}
		if (err) {
			job_free(&j);
			count_failed(p, strerror(-err));
			continue;
		}
		enqueue(p, &j);
	}
	return err;
}

__u64 lt_push__failed(struct lt_push *p)
{
	__u64 n;

	if (!p)
		return 0;
	pthread_mutex_lock(&p->mu);
	n = p->failed;
	pthread_mutex_unlock(&p->mu);
	return n;
}

/* The queue's last pushes get the time of one push with all its attempts, then give up. */
static void drain(struct lt_push *p)
{
	double budget = p->http.attempts * p->http.timeout_s + 2 * p->http.backoff_s * 4;
	struct timespec until;
	bool busy;

	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += (time_t)budget + 1;
	pthread_mutex_lock(&p->mu);
	p->stopping = true;
	pthread_cond_signal(&p->cv);
	pthread_mutex_unlock(&p->mu);
	/* pthread_timedjoin_np: the worker is in a bounded libcurl call at worst */
	busy = pthread_timedjoin_np(p->thread, NULL, &until) != 0;
	if (busy) {
		p->give_up = 1;
		pthread_join(p->thread, NULL);
	}
}

void lt_push__free(struct lt_push *p)
{
	size_t i;

	if (!p)
		return;
	if (p->started)
		drain(p);
	for (i = 0; i < p->n; i++)
		job_free(&p->q[(p->head + i) % LT_PUSH_QUEUE]);
	lt_push_http__free(&p->http);
	pthread_mutex_destroy(&p->mu);
	pthread_cond_destroy(&p->cv);
	free(p->base);
	free(p->shown);
	free(p);
}

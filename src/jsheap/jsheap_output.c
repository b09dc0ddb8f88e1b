// SPDX-License-Identifier: GPL-2.0
/* The JS heap section of the report, in text and JSON (jsheap_report.h). The JSON is built
 * with json-c, which escapes what the target named (function and script names). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>

#include "jsheap_report.h"

const char lt_js_heap__suggestion[] =
	"to see which JS allocation sites grow: -t jsheap (opens Node's inspector on a local "
	"port while tracing and forces a full GC per read: docs/jsheap.md)";

void lt_js_site__free(struct lt_js_site *s)
{
	for (size_t i = 0; i < s->nframes; i++) {
		free(s->frames[i].symbol);
		free(s->frames[i].file);
	}
	free(s->leaf);
	memset(s, 0, sizeof(*s));
}

static void lt_js_sites_free(struct lt_js_site *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		lt_js_site__free(&v[i]);
	free(v);
}

void lt_js_heap_report__free(struct lt_js_heap_report *r)
{
	for (size_t i = 0; i < r->nlisteners; i++) {
		free(r->listeners[i].emitter);
		free(r->listeners[i].event);
		free(r->listeners[i].site);
	}
	free(r->listeners);
	r->listeners = NULL;
	r->nlisteners = 0;
	lt_js_sites_free(r->sites, r->nsites);
	lt_js_sites_free(r->functions, r->nfunctions);
	lt_js_sites_free(r->files, r->nfiles);
	lt_js_sites_free(r->sockets, r->nsockets);
	r->sites = r->functions = r->files = r->sockets = NULL;
	r->nsites = r->nfunctions = r->nfiles = r->nsockets = 0;
}

static double lt_js_finite(double v)
{
	return isfinite(v) ? v : 0;
}

/* KiB under a MiB, MiB above: the figures are V8's estimates, one decimal is plenty. */
static const char *lt_js_size(double b, char *buf, size_t size)
{
	if (fabs(b) < 1 << 20)
		snprintf(buf, size, "%.1f KiB", b / 1024);
	else
		snprintf(buf, size, "%.1f MiB", b / (1 << 20));
	return buf;
}

/* Control characters from the target's names become '?' on a terminal. */
static void lt_js_put(FILE *f, const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		fputc(*p < 0x20 || *p == 0x7f ? '?' : *p, f);
}

static void lt_js_put_frame(FILE *f, const struct lt_js_frame *fr)
{
	lt_js_put(f, fr->symbol ? fr->symbol : "");
	fputc(' ', f);
	lt_js_put(f, fr->file && fr->file[0] ? fr->file : "(builtin)");
	fprintf(f, ":%d", fr->line);
}

static size_t lt_js_last(const struct lt_js_heap_report *r)
{
	size_t n = 0;

	for (size_t i = 0; i < r->nreads; i++)
		n += !r->reads[i].skipped;
	return n ? n - 1 : 0;
}

static void lt_js_text_rows(FILE *f, const char *title, const struct lt_js_site *v, size_t n,
			    size_t last, int top_n, bool callers)
{
	char a[32], b[32];
	int shown = 0;

	for (size_t i = 0; i < n && shown < top_n; i++) {
		const struct lt_js_site *s = &v[i];

		if (s->trend.verdict != LT_VERDICT_GROWING)
			continue;
		if (!shown++)
			fprintf(f, "  %s\n", title);
		fprintf(f, "  #%d +%s/s  %s live  ", shown,
			lt_js_size(s->trend.per_s, a, sizeof(a)),
			lt_js_size(s->bytes[last], b, sizeof(b)));
		if (s->frames[0].symbol)
			lt_js_put_frame(f, &s->frames[0]);
		else
			lt_js_put(f, s->frames[0].file ? s->frames[0].file : "");
		if (s->leaf) {
			fprintf(f, " (in ");
			lt_js_put(f, s->leaf);
			fputc(')', f);
		}
		fputc('\n', f);
		if (callers && s->nframes > 1) {
			fprintf(f, "       ");
			for (size_t k = 1; k < s->nframes; k++) {
				fprintf(f, " <- ");
				lt_js_put_frame(f, &s->frames[k]);
			}
			fputc('\n', f);
		}
		fprintf(f, "       survivors %s the window (%.0f%% from its first half): %s\n",
			s->survivors_first_half >= 0.2 ? "span" : "are from the end of",
			100 * s->survivors_first_half,
			s->survivors_first_half >= 0.2 ? "accumulating" : "bounded churn");
	}
	if (!shown)
		fprintf(f, "  %s none\n", title);
}

static void lt_js_text_listeners(FILE *f, const struct lt_js_heap_report *r)
{
	if (r->listeners_hooked && !r->nlisteners && r->traced)
		fprintf(f, "  listeners (opt-in hook): no emitter gained 100 listeners or more\n");
	for (size_t i = 0; i < r->nlisteners; i++) {
		const struct lt_js_listener *l = &r->listeners[i];

		fprintf(f, "  listeners (opt-in hook): ");
		lt_js_put(f, l->emitter);
		fprintf(f, " '");
		lt_js_put(f, l->event);
		fprintf(f, "': %ld -> %ld (%+.0f/s)\n       added from ", l->before, l->after,
			lt_js_finite(l->per_s));
		lt_js_put(f, l->site[0] ? l->site : "(no site sampled)");
		fprintf(f, "  (%ld adds, %ld sampled)\n", l->adds, l->sampled);
	}
}

void lt_js_heap__write_text(FILE *f, const struct lt_js_heap_report *r, int top_n)
{
	size_t last = lt_js_last(r);

	fprintf(f, "\nJS heap by allocation site (V8 sampling heap profiler, -t jsheap):\n");
	if (r->status) {
		fprintf(f, "  %s\n", r->status);
	}
	if (r->traced) {
		fprintf(f, "  every %llu bytes sampled; reads at",
			(unsigned long long)r->sampling_interval_bytes);
		for (size_t i = 0; i < r->nreads; i++)
			fprintf(f, "%s %.1f s%s", i ? "," : "", lt_js_finite(r->reads[i].t_s),
				r->reads[i].skipped ? " (skipped: over --js-gc-pause-max)" : "");
		fprintf(f, " of the window; live bytes are V8's estimates, and a function may "
			   "include callees the JIT inlined into it\n");
		lt_js_text_rows(f, "growing JS allocation sites:", r->sites, r->nsites, last, top_n,
				true);
		lt_js_text_rows(f, "growing per function (inclusive):", r->functions, r->nfunctions,
				last, top_n < 5 ? top_n : 5, false);
		lt_js_text_rows(f, "growing per file (inclusive):", r->files, r->nfiles, last,
				top_n < 5 ? top_n : 5, false);
	}
	lt_js_text_listeners(f, r);
	if (r->address[0])
		fprintf(f,
			"  inspector: %s %s for %.1f s, %s; %zu forced full GC(s), longest %.0f "
			"ms\n",
			r->opened_by_us ? "opened by SIGUSR1 on" : "already open on", r->address,
			lt_js_finite(r->inspector_open_s),
			r->closed ? "then closed (its port is gone)" : "left open", r->forced_gcs,
			r->max_pause_ms);
	if (r->warning[0]) {
		fprintf(f, "  warning: ");
		lt_js_put(f, r->warning);
		fputc('\n', f);
	}
}

static struct json_object *lt_js_json_frames(const struct lt_js_site *s)
{
	struct json_object *a = json_object_new_array();

	for (size_t i = 0; i < s->nframes; i++) {
		struct json_object *o = json_object_new_object();
		const struct lt_js_frame *fr = &s->frames[i];

		json_object_object_add(o, "symbol",
				       fr->symbol ? json_object_new_string(fr->symbol) : NULL);
		json_object_object_add(o, "file", json_object_new_string(fr->file ? fr->file : ""));
		json_object_object_add(o, "line", json_object_new_int(fr->line));
		json_object_object_add(o, "column", json_object_new_int(fr->column));
		json_object_object_add(o, "js", json_object_new_boolean(1));
		json_object_array_add(a, o);
	}
	return a;
}

static struct json_object *lt_js_json_rows(const struct lt_js_site *v, size_t n, size_t last)
{
	struct json_object *a = json_object_new_array();

	for (size_t i = 0; i < n; i++) {
		struct json_object *o = json_object_new_object(), *t = json_object_new_object();
		const struct lt_js_site *s = &v[i];

		json_object_object_add(o, "bytes", json_object_new_int64((int64_t)s->bytes[last]));
		json_object_object_add(o, "count", json_object_new_int64((int64_t)s->count[last]));
		json_object_object_add(o, "samples",
				       json_object_new_int64((int64_t)s->samples[last]));
		json_object_object_add(t, "verdict",
				       json_object_new_string(lt_verdict__name(s->trend.verdict)));
		json_object_object_add(t, "per_s",
				       json_object_new_double(lt_js_finite(s->trend.per_s)));
		json_object_object_add(t, "r2", json_object_new_double(lt_js_finite(s->trend.r2)));
		json_object_object_add(t, "span_s",
				       json_object_new_double(lt_js_finite(s->trend.span_s)));
		json_object_object_add(o, "trend", t);
		json_object_object_add(
			o, "survivors_first_half",
			json_object_new_double(lt_js_finite(s->survivors_first_half)));
		json_object_object_add(o, "oldest",
				       json_object_new_double(lt_js_finite(s->oldest)));
		json_object_object_add(o, "leaf", s->leaf ? json_object_new_string(s->leaf) : NULL);
		json_object_object_add(o, "frames", lt_js_json_frames(s));
		json_object_array_add(a, o);
	}
	return a;
}

static struct json_object *lt_js_json_listeners(const struct lt_js_heap_report *r)
{
	struct json_object *a = json_object_new_array();

	for (size_t i = 0; i < r->nlisteners; i++) {
		const struct lt_js_listener *l = &r->listeners[i];
		struct json_object *o = json_object_new_object();

		json_object_object_add(o, "emitter", json_object_new_string(l->emitter));
		json_object_object_add(o, "event", json_object_new_string(l->event));
		json_object_object_add(o, "before", json_object_new_int64(l->before));
		json_object_object_add(o, "after", json_object_new_int64(l->after));
		json_object_object_add(o, "per_s", json_object_new_double(lt_js_finite(l->per_s)));
		json_object_object_add(o, "adds", json_object_new_int64(l->adds));
		json_object_object_add(o, "sampled", json_object_new_int64(l->sampled));
		json_object_object_add(o, "site", json_object_new_string(l->site));
		json_object_array_add(a, o);
	}
	return a;
}

void lt_js_heap__write_json(FILE *f, const struct lt_js_heap_report *r)
{
	struct json_object *o = json_object_new_object(), *reads = json_object_new_array();
	size_t last = lt_js_last(r);

	json_object_object_add(o, "traced", json_object_new_boolean(r->traced));
	json_object_object_add(o, "status", r->status ? json_object_new_string(r->status) : NULL);
	json_object_object_add(o, "sampling_interval_bytes",
			       json_object_new_int64((int64_t)r->sampling_interval_bytes));
	for (size_t i = 0; i < r->nreads; i++) {
		struct json_object *rd = json_object_new_object();

		json_object_object_add(rd, "t_s", json_object_new_double(r->reads[i].t_s));
		json_object_object_add(rd, "pause_ms",
				       json_object_new_double(r->reads[i].pause_ms));
		json_object_object_add(rd, "skipped", json_object_new_boolean(r->reads[i].skipped));
		json_object_object_add(rd, "predicted_pause_ms",
				       json_object_new_double(r->reads[i].predicted_ms));
		json_object_object_add(rd, "live_mib",
				       json_object_new_double(r->reads[i].live_mib));
		json_object_object_add(rd, "samples",
				       json_object_new_int64((int64_t)r->reads[i].samples));
		json_object_array_add(reads, rd);
	}
	json_object_object_add(o, "reads", reads);
	json_object_object_add(o, "inspector_open_s",
			       json_object_new_double(lt_js_finite(r->inspector_open_s)));
	json_object_object_add(o, "inspector_address", json_object_new_string(r->address));
	json_object_object_add(o, "inspector_opened", json_object_new_boolean(r->opened_by_us));
	json_object_object_add(o, "inspector_closed", json_object_new_boolean(r->closed));
	json_object_object_add(o, "forced_gcs", json_object_new_int64((int64_t)r->forced_gcs));
	json_object_object_add(o, "max_pause_ms", json_object_new_double(r->max_pause_ms));
	json_object_object_add(o, "warning",
			       r->warning[0] ? json_object_new_string(r->warning) : NULL);
	json_object_object_add(o, "sites", lt_js_json_rows(r->sites, r->nsites, last));
	json_object_object_add(o, "functions", lt_js_json_rows(r->functions, r->nfunctions, last));
	json_object_object_add(o, "files", lt_js_json_rows(r->files, r->nfiles, last));
	json_object_object_add(o, "socket_owners", lt_js_json_rows(r->sockets, r->nsockets, last));
	json_object_object_add(o, "listeners_hooked", json_object_new_boolean(r->listeners_hooked));
	json_object_object_add(o, "listeners", lt_js_json_listeners(r));
	fprintf(f, ",\"js_heap\":%s", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
	json_object_put(o);
}

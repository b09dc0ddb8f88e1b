// SPDX-License-Identifier: GPL-2.0
/* The JSON report (docs/json-schema.md): one object per report on a single line, so that
 * interval reports form JSON Lines. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include "output.h"
#include "gc_trend.h"
#include "suspects.h"
#include "suspect_join.h"
#include "jsheap_report.h"

/* Length of the well-formed UTF-8 sequence at p (RFC 3629: no overlongs, no surrogates,
 * nothing above U+10FFFF), or 0. */
static int utf8_seq_len(const unsigned char *p)
{
	unsigned char lo = 0x80, hi = 0xbf;
	int len, i;

	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		len = 2;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		len = 3;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		len = 4;
	else
		return 0;
	if (p[0] == 0xe0)
		lo = 0xa0;
	else if (p[0] == 0xed)
		hi = 0x9f;
	else if (p[0] == 0xf0)
		lo = 0x90;
	else if (p[0] == 0xf4)
		hi = 0x8f;
	if (p[1] < lo || p[1] > hi)
		return 0;
	for (i = 2; i < len; i++)
		if (p[i] < 0x80 || p[i] > 0xbf)
			return 0;
	return len;
}

/* Symbol and file names come from the target's binaries: anything can be in them. Bytes
 * that are not UTF-8 become U+FFFD so that the output stays valid JSON. */
static void put_string(FILE *f, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	int len;

	if (!s) {
		fputs("null", f);
		return;
	}
	fputc('"', f);
	while (*p) {
		if (*p == '"' || *p == '\\') {
			fputc('\\', f);
			fputc(*p++, f);
		} else if (*p < 0x20 || *p == 0x7f) {
			fprintf(f, "\\u%04x", *p++);
		} else if (*p < 0x80) {
			fputc(*p++, f);
		} else if ((len = utf8_seq_len(p))) {
			fwrite(p, 1, len, f);
			p += len;
		} else {
			fputs("\\ufffd", f);
			p++;
		}
	}
	fputc('"', f);
}

/* JSON has no NaN or infinity. */
static void put_double(FILE *f, double d)
{
	fprintf(f, "%.3f", isfinite(d) ? d : 0.0);
}

static const char *bool_str(bool b)
{
	return b ? "true" : "false";
}

static void put_frame(FILE *f, const struct lt_report_stack *s, __u32 i)
{
	const struct lt_sym *sym = s->frames ? &s->frames[i] : NULL;

	fputs("{\"symbol\":", f);
	put_string(f, sym ? sym->symbol : NULL);
	fputs(",\"module\":", f);
	put_string(f, sym ? sym->module : NULL);
	fputs(",\"file\":", f);
	put_string(f, sym ? sym->file : NULL);
	if (sym && sym->line > 0)
		fprintf(f, ",\"line\":%d", sym->line);
	else
		fputs(",\"line\":null", f);
	fprintf(f, ",\"addr\":\"0x%llx\"", (unsigned long long)(sym ? sym->addr : s->ips[i]));
	/* a JS frame named in BPF has no address to be an offset of */
	if (sym && sym->symbol && !(sym->addr & LT_JS_FRAME_TAG))
		fprintf(f, ",\"offset\":%llu", (unsigned long long)sym->sym_off);
	else
		fputs(",\"offset\":null", f);
	if (sym && sym->module)
		fprintf(f, ",\"module_offset\":\"0x%llx\"", (unsigned long long)sym->module_off);
	else
		fputs(",\"module_offset\":null", f);
	fprintf(f, ",\"js\":%s}", bool_str(sym && sym->js));
}

/* ,"trend":{"verdict":...,"per_s":F,"r2":F,"span_s":F} */
static void put_trend(FILE *f, const struct lt_trend *t)
{
	fprintf(f, ",\"trend\":{\"verdict\":\"%s\",\"per_s\":", lt_verdict__name(t->verdict));
	put_double(f, t->per_s);
	fputs(",\"r2\":", f);
	put_double(f, t->r2);
	fputs(",\"span_s\":", f);
	put_double(f, t->span_s);
	fputc('}', f);
}

static void put_stack(FILE *f, const struct lt_report_stack *s)
{
	__u32 i, n = s->nframes < LT_MAX_FRAMES ? s->nframes : LT_MAX_FRAMES;

	fprintf(f, "{\"bytes\":%lld,\"count\":%lld", (long long)s->bytes, (long long)s->count);
	put_trend(f, &s->trend);
	fputs(",\"oldest_age_s\":", f);
	/* every unknown age is written the same way */
	put_double(f, s->oldest_age_s < 0 ? -1 : s->oldest_age_s);
	fprintf(f, ",\"truncated\":%s,\"frames\":[",
		bool_str(s->flags & (LT_STACK_TRUNCATED | LT_STACK_UNWIND_ERR)));
	for (i = 0; i < n; i++) {
		if (i)
			fputc(',', f);
		put_frame(f, s, i);
	}
	/* a 64-bit hash does not fit a JSON number that every reader keeps exact */
	fprintf(f, "],\"unwind_error\":%s,\"stack_id\":\"0x%llx\"}",
		bool_str(s->flags & LT_STACK_UNWIND_ERR), (unsigned long long)s->stack_id);
}

static void put_section(FILE *f, const struct lt_report *r, const char *name,
			const struct lt_report_section *sec, bool traced, const char *off_reason)
{
	size_t i;

	fprintf(f, ",\"%s\":{\"traced\":%s,\"off_reason\":", name, bool_str(traced));
	put_string(f, traced ? NULL : off_reason);
	fprintf(f, ",\"bytes\":%lld,\"count\":%lld,\"mean_bytes_per_s\":", (long long)sec->bytes,
		(long long)sec->count);
	put_double(f, lt_report__rate(r, sec->bytes));
	fputs(",\"stacks\":[", f);
	for (i = 0; i < sec->n; i++) {
		if (i)
			fputc(',', f);
		put_stack(f, &sec->stacks[i]);
	}
	fputs("]}", f);
}

static void put_fd_desc(FILE *f, const struct lt_fd_desc *d)
{
	fprintf(f, "\"kind\":\"%s\",\"path\":", lt_fd_kind__name(d->kind));
	put_string(f, d->path);
	if (d->proto[0]) {
		fputs(",\"proto\":", f);
		put_string(f, d->proto);
		fputs(",\"local\":", f);
		put_string(f, d->local);
		fputs(",\"peer\":", f);
		put_string(f, d->peer[0] ? d->peer : NULL);
		if (d->tcp_state)
			fprintf(f, ",\"state\":\"%s\"", lt_tcp_state__name(d->tcp_state));
	}
}

static void put_fds(FILE *f, const struct lt_report_fds *fds)
{
	size_t i, k;

	fprintf(f,
		",\"fds\":{\"count\":%lld,\"preexisting\":%zu,\"opened\":%lld,"
		"\"closed\":%lld,\"stacks\":[",
		(long long)fds->sec.count, fds->npre, (long long)fds->opened,
		(long long)fds->closed);
	for (i = 0; i < fds->sec.n; i++) {
		const struct lt_report_stack *s = &fds->sec.stacks[i];
		const struct lt_report_fd_extra *x = &fds->extra[i];
		__u32 n = s->nframes < LT_MAX_FRAMES ? s->nframes : LT_MAX_FRAMES;

		fprintf(f,
			"%s{\"count\":%lld,\"kind\":\"%s\",\"opened\":%lld,\"closed\":%lld,"
			"\"net\":%lld,\"oldest_age_s\":",
			i ? "," : "", (long long)s->count, x->kind, (long long)x->opened,
			(long long)x->closed, (long long)(x->opened - x->closed));
		put_double(f, s->oldest_age_s < 0 ? -1 : s->oldest_age_s);
		put_trend(f, &s->trend);
		fputs(",\"examples\":[", f);
		for (k = 0; k < x->nexamples; k++) {
			if (k)
				fputc(',', f);
			put_string(f, x->examples[k]);
		}
		fprintf(f, "],\"truncated\":%s,\"frames\":[",
			bool_str(s->flags & (LT_STACK_TRUNCATED | LT_STACK_UNWIND_ERR)));
		for (k = 0; k < n; k++) {
			if (k)
				fputc(',', f);
			put_frame(f, s, k);
		}
		fprintf(f, "],\"stack_id\":\"0x%llx\"}", (unsigned long long)s->stack_id);
	}
	fputs("],\"preexisting_fds\":[", f);
	for (i = 0; i < fds->npre; i++) {
		fprintf(f, "%s{\"fd\":%d,", i ? "," : "", fds->pre[i].fd);
		put_fd_desc(f, &fds->pre[i].desc);
		fputc('}', f);
	}
	fputs("]}", f);
}

static void put_socks(FILE *f, const struct lt_report *r)
{
	const struct lt_report_socks *s = &r->socks;
	size_t i;
	int k;

	fputs(",\"sockets\":{\"by_peer\":[", f);
	for (i = 0; i < s->n; i++) {
		const struct lt_report_peer *p = &s->by_peer[i];
		bool first = true;

		fprintf(f, "%s{\"peer\":", i ? "," : "");
		put_string(f, p->peer);
		fprintf(f, ",\"count\":%lld,\"states\":{", (long long)p->count);
		for (k = 1; k < LT_TCP_NSTATES; k++) {
			if (!p->states[k])
				continue;
			fprintf(f, "%s\"%s\":%lld", first ? "" : ",", lt_tcp_state__name(k),
				(long long)p->states[k]);
			first = false;
		}
		fprintf(f, "},\"established_change\":%lld", (long long)p->established_change);
		put_trend(f, &p->trend);
		fputc('}', f);
	}
	fprintf(f, "],\"close_wait\":%lld,\"close_wait_groups\":[", (long long)s->close_wait);
	for (i = 0; i < s->ncw; i++) {
		const struct lt_report_close_wait *c = &s->cw[i];

		fprintf(f, "%s{\"peer\":", i ? "," : "");
		put_string(f, c->peer);
		fprintf(f, ",\"count\":%lld,\"oldest_s\":", (long long)c->count);
		put_double(f, c->oldest_s);
		if (c->fd_stack < r->fds.sec.n)
			fprintf(f, ",\"stack_id\":\"0x%llx\"}",
				(unsigned long long)r->fds.sec.stacks[c->fd_stack].stack_id);
		else
			fputs(",\"stack_id\":null}", f);
	}
	fputs("]}", f);
}

static void put_gc_collection(FILE *f, const struct lt_gc_collection *c)
{
	fputs("{\"t_s\":", f);
	put_double(f, c->t_s);
	fputs(",\"kind\":", f);
	put_string(f, lt_gc_trend__kind_name(c->kind));
	fputs(",\"reason\":", f);
	put_string(f, lt_gc_trend__reason_name(c->reason));
	fputs(",\"pause_ms\":", f);
	put_double(f, c->pause_ms);
	if (c->has_before)
		fprintf(f, ",\"live_before\":%llu", (unsigned long long)c->live_before);
	else
		fputs(",\"live_before\":null", f);
	if (c->has_after)
		fprintf(f, ",\"live_after\":%llu", (unsigned long long)c->live_after);
	else
		fputs(",\"live_after\":null", f);
	fprintf(f, ",\"rss\":%llu,\"kind_id\":%u,\"reason_id\":%u,\"tid\":%u}",
		(unsigned long long)c->rss, c->kind, c->reason, c->tid);
}

static void put_fit(FILE *f, const char *slope, const char *r2, const struct lt_gc_fit *fit)
{
	fprintf(f, ",\"%s\":", slope);
	put_double(f, fit->slope);
	fprintf(f, ",\"%s\":", r2);
	put_double(f, fit->r2);
}

static void put_gc(FILE *f, const struct lt_gc_report *gc)
{
	fprintf(f, ",\"gc\":{\"traced\":%s,\"off_reason\":", bool_str(gc->traced));
	put_string(f, gc->traced ? NULL : gc->off_reason);
	fputs(",\"module\":", f);
	put_string(f, gc->module);
	fputs(",\"v8_version\":", f);
	put_string(f, gc->v8_version && *gc->v8_version ? gc->v8_version : NULL);
	fputs(",\"collections\":[", f);
	for (size_t i = 0; i < gc->n; i++) {
		if (i)
			fputc(',', f);
		put_gc_collection(f, &gc->collections[i]);
	}
	fprintf(f, "],\"collections_omitted\":%zu,\"counts\":{", gc->omitted);
	for (__u32 k = 0; k <= LT_GC_KIND__MAX; k++)
		fprintf(f, "%s\"%s\":%llu", k ? "," : "", lt_gc_trend__kind_name(k),
			(unsigned long long)gc->counts[k]);
	fputs("},\"total_pause_ms\":", f);
	put_double(f, gc->total_pause_ms);
	fputs(",\"max_pause_ms\":", f);
	put_double(f, gc->max_pause_ms);
	fprintf(f, ",\"mark_compacts_fitted\":%zu,\"trend_tid\":%u,", gc->mark_compacts,
		gc->trend_tid);
	fprintf(f, "\"other_isolate_mark_compacts\":%zu", gc->other_mark_compacts);
	put_fit(f, "live_after_mark_compact_trend_bytes_per_s", "live_after_mark_compact_trend_r2",
		&gc->live);
	put_fit(f, "rss_trend_bytes_per_s", "rss_trend_r2", &gc->rss);
	fputs(",\"verdict\":", f);
	put_string(f, lt_gc_trend__verdict_name(gc->verdict));
	fputs(",\"summary\":", f);
	put_string(f, gc->traced ? gc->sentence : NULL);
	fprintf(f, ",\"other_gcs_fitted\":%zu,\"envelope_points\":%zu,\"trend_span_s\":",
		gc->other_gcs, gc->live.n);
	put_double(f, gc->span_s);
	fputc('}', f);
}

static void put_js_frames(FILE *f, const struct lt_js_site *site)
{
	for (size_t i = 0; i < site->nframes; i++) {
		const struct lt_js_frame *fr = &site->frames[i];

		fputs(i ? ",{\"symbol\":" : "{\"symbol\":", f);
		put_string(f, fr->symbol);
		fputs(",\"file\":", f);
		put_string(f, fr->file);
		fprintf(f, ",\"line\":%d,\"column\":%d,\"js\":true}", fr->line, fr->column);
	}
}

/* A socket suspect's "owner": {...}, or "owner_unknown" and its candidates. */
static void put_owner(FILE *f, const struct lt_suspect *s)
{
	const struct lt_suspect_owner *o = &s->owner;
	enum lt_owner_state state = lt_suspect_join__state(s);
	const struct lt_js_site *site = o->sites[0];
	char why[384];

	if (state == LT_OWNER_NONE)
		return;
	if (state == LT_OWNER_JOINED) {
		fputs(",\"owner\":{\"allocated\":\"net.Socket\",\"per_s\":", f);
		put_double(f, site->trend.per_s);
		fputs(",\"r2\":", f);
		put_double(f, site->trend.r2);
		fputs(",\"frames\":[", f);
		put_js_frames(f, site);
		fputs("]}", f);
		return;
	}
	fputs(",\"owner_unknown\":", f);
	put_string(f, lt_output__owner_unknown(s, why, sizeof(why)));
	fputs(",\"owner_candidates\":[", f);
	for (size_t i = 0; i < o->nsites && i < LT_OWNER_MAX_SITES; i++) {
		fputs(i ? ",{\"per_s\":" : "{\"per_s\":", f);
		put_double(f, o->sites[i]->trend.per_s);
		fputs(",\"frames\":[", f);
		put_js_frames(f, o->sites[i]);
		fputs("]}", f);
	}
	fputc(']', f);
}

static void put_suspect(FILE *f, const struct lt_suspect *s)
{
	const struct lt_report_stack *st = s->stack;
	char line[1024];
	__u32 n = st ? (st->nframes < LT_MAX_FRAMES ? st->nframes : LT_MAX_FRAMES) : 0;

	fprintf(f, "{\"kind\":\"%s\",\"what\":", lt_suspect__kind_name(s->kind));
	put_string(f, lt_output__suspect_line(s, line, sizeof(line)));
	fputs(",\"per_s\":", f);
	put_double(f, s->trend.per_s);
	fprintf(f, ",\"unit\":\"%s\",\"r2\":", lt_suspect__unit(s->kind));
	if (isfinite(s->trend.r2))
		put_double(f, s->trend.r2);
	else
		fputs("null", f); /* js_listener: two counts, no fit */
	fputs(",\"span_s\":", f);
	put_double(f, s->trend.span_s);
	fputs(",\"frames\":[", f);
	for (__u32 i = 0; i < n; i++) {
		if (i)
			fputc(',', f);
		put_frame(f, st, i);
	}
	if (s->site)
		put_js_frames(f, s->site);
	fputs("],\"peer\":", f);
	put_string(f, s->peer ? s->peer->peer : NULL);
	if (s->kind == LT_SUSPECT_SOCKET)
		put_owner(f, s);
	if (s->listener) {
		fputs(",\"listener\":{\"emitter\":", f);
		put_string(f, s->listener->emitter);
		fputs(",\"event\":", f);
		put_string(f, s->listener->event);
		fprintf(f, ",\"before\":%ld,\"after\":%ld,\"site\":", s->listener->before,
			s->listener->after);
		put_string(f, s->listener->site);
		fputc('}', f);
	}
	if (s->hint) {
		fputs(",\"hint\":", f);
		put_string(f, s->hint);
	}
	fputc('}', f);
}

/* The answer first: "suspects", then where RSS growth goes. */
static void put_suspects(FILE *f, const struct lt_report *r)
{
	const struct lt_report_rss *x = &r->rss;

	fputs(",\"suspects\":[", f);
	for (size_t i = 0; i < r->n_suspects; i++) {
		if (i)
			fputc(',', f);
		put_suspect(f, &r->suspects[i]);
	}
	fputs("],\"trend_span_s\":", f);
	put_double(f, r->looked_s);
	if (!x->valid) {
		fputs(",\"rss_breakdown\":null", f);
		return;
	}
	fputs(",\"rss_breakdown\":{\"rss_per_s\":", f);
	put_double(f, x->rss_per_s);
	if (x->js) {
		fputs(",\"js_heap_per_s\":", f);
		put_double(f, x->js_heap_per_s);
	}
	fputs(",\"native_heap_per_s\":", f);
	put_double(f, x->native_heap_per_s);
	fputs(",\"mmap_per_s\":", f);
	put_double(f, x->mmap_per_s);
	fputs(",\"other_per_s\":", f);
	put_double(f, x->other_per_s);
	fputs(",\"span_s\":", f);
	put_double(f, x->span_s);
	fputc('}', f);
}

/* The native heap a V8 target's default left off; absent when it was not. */
static void put_heap_auto(FILE *f, const struct lt_report *r)
{
	if (!r->heap_auto.state)
		return;
	fprintf(f, ",\"heap_auto\":{\"state\":\"%s\",\"sample_bytes\":%llu", r->heap_auto.state,
		(unsigned long long)r->heap_auto.sample_bytes);
	if (!strcmp(r->heap_auto.state, "on")) {
		fputs(",\"on_s\":", f);
		put_double(f, r->heap_auto.on_s);
		fputs(",\"outside_js_heap_per_s\":", f);
		put_double(f, r->heap_auto.outside_per_s);
		fputs(",\"js_heap_per_s\":", f);
		put_double(f, r->heap_auto.js_per_s);
		fputs(",\"span_s\":", f);
		put_double(f, r->heap_auto.span_s);
	}
	fputc('}', f);
}

/* The tracer's own cost; absent from reports that did not measure it. */
static void put_tracer(FILE *f, const struct lt_report_tracer *t)
{
	if (!t->known)
		return;
	fputs(",\"tracer\":{\"attach_cpu_s\":", f);
	put_double(f, t->attach_cpu_s);
	fputs(",\"cpu_s\":", f);
	put_double(f, t->cpu_s);
	fprintf(f, ",\"rss_bytes\":%llu,\"rss_peak_bytes\":%llu,\"bpf_map_bytes\":%llu}",
		(unsigned long long)t->rss_bytes, (unsigned long long)t->rss_peak_bytes,
		(unsigned long long)t->bpf_map_bytes);
}

int lt_output__json(FILE *f, const struct lt_report *r)
{
	int i;

	if (!f || !r)
		return -EINVAL;
	fprintf(f, "{\"pid\":%d,\"comm\":", r->pid);
	put_string(f, r->comm);
	fputs(",\"duration_s\":", f);
	put_double(f, r->duration_s);
	fprintf(f, ",\"final\":%s,\"target_exited\":%s,\"min_age_s\":", bool_str(r->final),
		bool_str(r->target_exited));
	put_double(f, r->min_age_s);
	fprintf(f, ",\"sample_bytes\":%llu", (unsigned long long)r->sample_bytes);
	fprintf(f, ",\"execs\":%u,\"exec_at_s\":", r->n_execs);
	put_double(f, r->n_execs ? r->exec_s : 0);
	fputs(",\"exec_from\":", f);
	put_string(f, r->n_execs ? r->exec_from : NULL);
	fprintf(f, ",\"untraced_children\":%d", r->n_children);
	put_suspects(f, r);
	put_section(f, r, "heap", &r->heap, !r->heap_not_traced, r->heap_off_reason);
	put_section(f, r, "mmap", &r->mmap, !r->mmap_not_traced, NULL);
	if (r->fds.traced)
		put_fds(f, &r->fds);
	if (r->socks.traced)
		put_socks(f, r);
	if (r->gc)
		put_gc(f, r->gc);
	if (r->js_heap)
		lt_js_heap__write_json(f, r->js_heap);
	else if (r->gc && r->gc->verdict == LT_GC_VERDICT_GROWING)
		fprintf(f, ",\"js_heap\":{\"traced\":false,\"suggestion\":\"%s\"}",
			lt_js_heap__suggestion);
	fputs(",\"not_loaded\":[", f);
	for (size_t k = 0; k < r->n_not_loaded; k++) {
		fputs(k ? ",{\"family\":" : "{\"family\":", f);
		put_string(f, r->not_loaded[k].family);
		fputs(",\"reason\":", f);
		put_string(f, r->not_loaded[k].reason);
		fputc('}', f);
	}
	fputc(']', f);
	put_heap_auto(f, r);
	fputs(",\"lost\":{", f);
	for (i = 0; i < LT_LOSS__MAX; i++)
		fprintf(f, "%s\"%s\":%llu", i ? "," : "", lt_loss__name(i),
			(unsigned long long)r->lost[i]);
	fputc('}', f);
	put_tracer(f, &r->tracer);
	fprintf(f, ",\"version\":\"%s\"}\n", LT_VERSION);
	return ferror(f) ? -EIO : 0;
}

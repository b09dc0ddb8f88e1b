// SPDX-License-Identifier: GPL-2.0
/* The human report: header, totals per section, the largest stacks with their frames,
 * and the loss counters. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include "output.h"
#include "frame_class.h"
#include "gc_trend.h"
#include "suspects.h"
#include "jsheap_report.h"

struct section_words {
	const char *name;
	const char *one; /* what one counted item is called */
	const char *many;
};

static const struct section_words heap_words = { "heap", "allocation", "allocations" };
static const struct section_words mmap_words = { "mmap", "mapping", "mappings" };

/* Exact byte counts are in the JSON output. */
static const char *human_bytes(__s64 v, char *buf, size_t len)
{
	return lt_output__human_bytes(v, buf, len);
}

static double finite_or_zero(double d)
{
	return isfinite(d) ? d : 0;
}

static const char *base_name(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash && slash[1] ? slash + 1 : path;
}

static const char *plural(long long n, const char *one, const char *many)
{
	return n == 1 ? one : many;
}

/* Names come from the target's binaries; a control character must not break the lines. */
static void put_clean(FILE *f, const char *s)
{
	const unsigned char *p;

	for (p = (const unsigned char *)s; *p; p++)
		fputc(*p < 0x20 || *p == 0x7f ? '?' : *p, f);
}

static void write_place(FILE *f, const char *file, int line)
{
	if (!file)
		return;
	fputs(" (", f);
	put_clean(f, base_name(file));
	if (line > 0)
		fprintf(f, ":%d", line);
	fputc(')', f);
}

/* The functions inlined at a frame's pc, innermost first, each on its own line. */
static void write_inlined(FILE *f, const struct lt_sym *sym)
{
	__u32 k;

	for (k = 0; k + 1 < sym->ninl; k++) {
		fputs("    ", f);
		put_clean(f, sym->inl[k].symbol ? sym->inl[k].symbol : "??");
		write_place(f, sym->inl[k].file, sym->inl[k].line);
		fputs(" [inlined]\n", f);
	}
}

static void write_frame(FILE *f, const struct lt_report_stack *s, __u32 i)
{
	const struct lt_sym *sym;
	char buf[512];

	if (!s->frames) {
		fprintf(f, "    0x%llx\n", (unsigned long long)s->ips[i]);
		return;
	}
	sym = &s->frames[i];
	write_inlined(f, sym);
	fputs("    ", f);
	put_clean(f, lt_output__frame_name(sym, buf, sizeof(buf)));
	/* a JS function's offset says nothing: its code moves and is recompiled */
	if (sym->js)
		fputs(" [js]", f);
	else if (sym->symbol && *sym->symbol)
		fprintf(f, "+0x%llx", (unsigned long long)sym->sym_off);
	if (sym->ninl)
		write_place(f, sym->inl[sym->ninl - 1].file, sym->inl[sym->ninl - 1].line);
	else
		write_place(f, sym->file, sym->line);
	/* an unnamed frame already carries its module in its name */
	if (sym->symbol && *sym->symbol && sym->module && *sym->module) {
		fputs(" [", f);
		put_clean(f, base_name(sym->module));
		fputc(']', f);
	}
	fputc('\n', f);
}

/* Leaf first; unless all, a run of runtime-internal frames as one line (frame_class.h). */
static void write_frames(FILE *f, const struct lt_report_stack *s, __u32 n, bool all)
{
	__u32 i, run;

	for (i = 0; i < n; i += run ? run : 1) {
		run = all ? 0 : lt_frame_class__run(s->frames, i, n);
		if (run)
			fprintf(f, "    [node internals ×%u]\n", run);
		else
			write_frame(f, s, i);
	}
}

/* A stack's fitted trend (trend.h), as of this report: " (+4.2 KiB/s, growing)". */
static void write_trend(FILE *f, const struct lt_trend *t, bool bytes)
{
	char buf[32];

	if (t->verdict == LT_VERDICT_UNKNOWN)
		return;
	if (t->verdict == LT_VERDICT_STABLE) {
		fputs(" (stable)", f);
		return;
	}
	if (bytes)
		fprintf(f, " (%s%s/s, %s)", t->per_s > 0 ? "+" : "",
			human_bytes((__s64)(t->per_s + (t->per_s > 0 ? 0.5 : -0.5)), buf,
				    sizeof(buf)),
			lt_verdict__name(t->verdict));
	else
		fprintf(f, " (%+.1f/s, %s)", finite_or_zero(t->per_s),
			lt_verdict__name(t->verdict));
}

/* The answer first: what grows, or how long we looked and found nothing. */
static void write_suspects(FILE *f, const struct lt_report *r)
{
	char line[1024];

	if (!r->n_suspects) {
		if (r->looked_s < LT_TREND_MIN_SPAN_S)
			fprintf(f,
				"leak suspects: too early to tell (looked for %.0f s, a trend needs %.0f s)\n",
				finite_or_zero(r->looked_s), LT_TREND_MIN_SPAN_S);
		else
			fprintf(f, "leak suspects: nothing grows (looked for %.0f s)\n",
				finite_or_zero(r->looked_s));
		return;
	}
	fputs("leak suspects:\n", f);
	for (size_t i = 0; i < r->n_suspects; i++) {
		fprintf(f, "  %zu. ", i + 1);
		put_clean(f, lt_output__suspect_line(&r->suspects[i], line, sizeof(line)));
		fputc('\n', f);
	}
}

/* Where RSS growth goes: "rss +1.0 MiB/s: JS heap ..., native heap ..., mmap ..., other ...". */
static void write_rss(FILE *f, const struct lt_report_rss *x)
{
	char a[32], b[32], c[32], d[32], e[32];

	if (!x->valid)
		return;
	fprintf(f, "rss %s/s over %.0f s:", human_bytes((__s64)x->rss_per_s, a, sizeof(a)),
		finite_or_zero(x->span_s));
	if (x->js)
		fprintf(f, " JS heap %s/s,", human_bytes((__s64)x->js_heap_per_s, b, sizeof(b)));
	fprintf(f, " native heap %s/s, mmap %s/s, other %s/s\n",
		human_bytes((__s64)x->native_heap_per_s, c, sizeof(c)),
		human_bytes((__s64)x->mmap_per_s, d, sizeof(d)),
		human_bytes((__s64)x->other_per_s, e, sizeof(e)));
}

static void write_stack(FILE *f, const struct lt_report *r, const struct lt_report_stack *s,
			size_t rank, const struct section_words *w, bool all)
{
	char buf[32];
	__u32 n = s->nframes < LT_MAX_FRAMES ? s->nframes : LT_MAX_FRAMES;

	fprintf(f, "#%zu  %s in %lld %s", rank, human_bytes(s->bytes, buf, sizeof(buf)),
		(long long)s->count, plural(s->count, w->one, w->many));
	write_trend(f, &s->trend, true);
	if (s->oldest_age_s >= 0)
		fprintf(f, ", oldest %.1f s\n", finite_or_zero(s->oldest_age_s));
	else
		fprintf(f, ", age unknown\n");
	if (!n)
		fprintf(f, "    [stack not recorded]\n");
	write_frames(f, s, n, all);
	if (s->flags & LT_STACK_UNWIND_ERR)
		fprintf(f, "    [unwinding stopped here: outer frames unknown]\n");
	else if (s->flags & LT_STACK_TRUNCATED)
		fprintf(f, "    [truncated at %d frames: outer frames not recorded]\n",
			LT_MAX_FRAMES);
}

static void write_totals(FILE *f, const struct lt_report *r, const struct lt_report_section *sec,
			 const struct section_words *w)
{
	char buf[32];

	fprintf(f, "%s: %s outstanding in %lld %s from %zu %s", w->name,
		human_bytes(sec->bytes, buf, sizeof(buf)), (long long)sec->count,
		plural(sec->count, w->one, w->many), sec->n, plural(sec->n, "stack", "stacks"));
	fputc('\n', f);
}

static void write_top(FILE *f, const struct lt_report *r, const struct lt_report_section *sec,
		      size_t top_n, const struct section_words *w, bool all)
{
	size_t i, shown = sec->n < top_n ? sec->n : top_n;
	__s64 rest = 0;
	char buf[32];

	if (!shown)
		return;
	fprintf(f, "\n%s: top %zu of %zu %s by bytes, leaf frame first\n", w->name, shown, sec->n,
		plural(sec->n, "stack", "stacks"));
	for (i = 0; i < shown; i++)
		write_stack(f, r, &sec->stacks[i], i + 1, w, all);
	if (shown == sec->n)
		return;
	for (i = shown; i < sec->n; i++)
		rest += sec->stacks[i].bytes;
	fprintf(f, "... %zu more %s, %s\n", sec->n - shown,
		plural(sec->n - shown, "stack", "stacks"), human_bytes(rest, buf, sizeof(buf)));
}

static void write_fd_stack(FILE *f, const struct lt_report_fds *fds, size_t i, bool all)
{
	const struct lt_report_stack *s = &fds->sec.stacks[i];
	const struct lt_report_fd_extra *x = &fds->extra[i];
	__u32 k, n = s->nframes < LT_MAX_FRAMES ? s->nframes : LT_MAX_FRAMES;

	fprintf(f, "#%zu  %lld %s %s, opened %lld closed %lld (net %+lld)", i + 1,
		(long long)s->count, x->kind, plural(s->count, "descriptor", "descriptors"),
		(long long)x->opened, (long long)x->closed, (long long)(x->opened - x->closed));
	write_trend(f, &s->trend, false);
	if (s->oldest_age_s >= 0)
		fprintf(f, ", oldest %.1f s", finite_or_zero(s->oldest_age_s));
	fputc('\n', f);
	for (k = 0; k < x->nexamples; k++) {
		fputs(k ? ", " : "    e.g. ", f);
		put_clean(f, x->examples[k]);
	}
	if (x->nexamples)
		fputc('\n', f);
	if (!n)
		fprintf(f, "    [stack not recorded]\n");
	write_frames(f, s, n, all);
}

/* Descriptors by opening stack, then the ones open before attach. */
static void write_fds(FILE *f, const struct lt_report_fds *fds, size_t top, bool all)
{
	size_t i, shown = fds->sec.n < top ? fds->sec.n : top;

	fprintf(f,
		"\ndescriptors: %lld outstanding from %zu %s (opened %lld, closed %lld since "
		"the last report), %zu pre-existing\n",
		(long long)fds->sec.count, fds->sec.n, plural(fds->sec.n, "stack", "stacks"),
		(long long)fds->opened, (long long)fds->closed, fds->npre);
	for (i = 0; i < shown; i++)
		write_fd_stack(f, fds, i, all);
	if (shown < fds->sec.n)
		fprintf(f, "... %zu more %s\n", fds->sec.n - shown,
			plural(fds->sec.n - shown, "stack", "stacks"));
	for (i = 0; i < fds->npre && i < top; i++) {
		const struct lt_fd_desc *d = &fds->pre[i].desc;

		fprintf(f, "%s fd %d %s ", i ? "," : "pre-existing:", fds->pre[i].fd,
			lt_fd_kind__name(d->kind));
		put_clean(f, d->peer[0] ? d->peer : d->local[0] ? d->local : d->path);
	}
	if (fds->npre)
		fprintf(f, "%s\n", fds->npre > top ? ", ..." : "");
}

static void write_socks(FILE *f, const struct lt_report *r, size_t top)
{
	const struct lt_report_socks *s = &r->socks;
	size_t i;
	int k;

	fprintf(f, "\nsockets: %zu TCP %s, %lld in CLOSE_WAIT\n", s->n,
		plural(s->n, "peer", "peers"), (long long)s->close_wait);
	for (i = 0; i < s->ncw && i < top; i++) {
		const struct lt_report_close_wait *c = &s->cw[i];

		fprintf(f, "CLOSE_WAIT: %lld %s to ", (long long)c->count,
			plural(c->count, "socket", "sockets"));
		put_clean(f, c->peer);
		if (c->oldest_s >= 0)
			fprintf(f, ", oldest %.1f s", c->oldest_s);
		if (c->fd_stack < r->fds.sec.n) {
			const struct lt_report_stack *st = &r->fds.sec.stacks[c->fd_stack];

			fprintf(f, ", opened at descriptor stack #%zu:\n", c->fd_stack + 1);
			if (st->nframes)
				write_frame(f, st, 0);
		} else {
			fputc('\n', f);
		}
	}
	for (i = 0; i < s->n && i < top; i++) {
		const struct lt_report_peer *p = &s->by_peer[i];
		bool first = true;

		fputs("  ", f);
		put_clean(f, p->peer);
		fprintf(f, ": %lld (", (long long)p->count);
		for (k = 1; k < LT_TCP_NSTATES; k++) {
			if (!p->states[k])
				continue;
			fprintf(f, "%s%s %lld", first ? "" : ", ", lt_tcp_state__name(k),
				(long long)p->states[k]);
			first = false;
		}
		fprintf(f, "), ESTABLISHED %+lld since the last report",
			(long long)p->established_change);
		write_trend(f, &p->trend, false);
		fputc('\n', f);
	}
}

/* The JS heap: the verdict sentence first, then the figures behind it. */
static void write_gc(FILE *f, const struct lt_gc_report *gc)
{
	char a[32], b[32];
	bool first = true;

	fputs("\nJS heap (V8): ", f);
	if (!gc->traced) {
		fputs("not traced: ", f);
		put_clean(f, gc->off_reason ? gc->off_reason : "unknown reason");
		fputc('\n', f);
		return;
	}
	put_clean(f, gc->sentence);
	fputc('\n', f);
	if (gc->live.n)
		fprintf(f, "  live after mark-compact: %s at %.1f s -> %s at %.1f s\n",
			human_bytes(gc->first_live, a, sizeof(a)), finite_or_zero(gc->first_t_s),
			human_bytes(gc->last_live, b, sizeof(b)), finite_or_zero(gc->last_t_s));
	if (gc->live.n && gc->mark_compacts)
		fprintf(f,
			"  lowest after a GC between mark-compacts: %s at %.1f s -> %s at %.1f s "
			"(%zu points)\n",
			human_bytes(gc->env_first, a, sizeof(a)), finite_or_zero(gc->env_first_t_s),
			human_bytes(gc->env_last, b, sizeof(b)),
			finite_or_zero(gc->env_first_t_s + gc->span_s), gc->live.n);
	if (gc->other_mark_compacts)
		fprintf(f,
			"  (the isolate of thread %u; %zu mark-compacts of other isolates, such "
			"as workers, are not in the trend)\n",
			gc->trend_tid, gc->other_mark_compacts);
	if (gc->rss.n)
		fprintf(f, "  process RSS at the same times: %s -> %s (%+.1f MiB/min)\n",
			human_bytes(gc->first_rss, a, sizeof(a)),
			human_bytes(gc->last_rss, b, sizeof(b)),
			finite_or_zero(gc->rss.slope * 60 / (1 << 20)));
	fprintf(f, "  collections: %llu", (unsigned long long)gc->total);
	for (__u32 k = 0; k <= LT_GC_KIND__MAX; k++) {
		if (!gc->counts[k])
			continue;
		fprintf(f, "%s%llu %s", first ? " (" : ", ", (unsigned long long)gc->counts[k],
			lt_gc_trend__kind_name(k));
		first = false;
	}
	fprintf(f, "%s; pause %.1f ms in total, longest %.1f ms\n", first ? "" : ")",
		finite_or_zero(gc->total_pause_ms), finite_or_zero(gc->max_pause_ms));
}

static bool not_loaded(const struct lt_report *r, const char *family)
{
	for (size_t k = 0; k < r->n_not_loaded; k++)
		if (!strcmp(r->not_loaded[k].family, family))
			return true;
	return false;
}

static void write_not_traced(FILE *f, const char *name, const char *why)
{
	fprintf(f, "%s: not traced", name);
	if (why) {
		fputs(": ", f);
		put_clean(f, why);
	}
	fputc('\n', f);
}

/* The tracer's own cost, last: what running it took from the machine. */
static void write_tracer(FILE *f, const struct lt_report_tracer *t)
{
	const double mib = 1024.0 * 1024.0;

	if (!t->known)
		return;
	fprintf(f,
		"leaktrace: %.2f s CPU attaching, %.2f s since; RSS %.0f MiB (peak %.0f); BPF "
		"maps %.0f MiB\n",
		finite_or_zero(t->attach_cpu_s), finite_or_zero(t->cpu_s), t->rss_bytes / mib,
		t->rss_peak_bytes / mib, t->bpf_map_bytes / mib);
}

int lt_output__text(FILE *f, const struct lt_report *r, int top_n)
{
	return lt_output__text_frames(f, r, top_n, false);
}

int lt_output__text_frames(FILE *f, const struct lt_report *r, int top_n, bool all_frames)
{
	/* a negative N means no limit */
	size_t top = top_n < 0 ? (size_t)-1 : (size_t)top_n;
	bool any = false;
	int i;

	if (!f || !r)
		return -EINVAL;
	fprintf(f, "leaktrace: pid %d", r->pid);
	if (r->comm) {
		fputs(" (", f);
		put_clean(f, r->comm);
		fputc(')', f);
	}
	fprintf(f, ", %.1f s traced%s\n", finite_or_zero(r->duration_s),
		r->target_exited ? ", target exited" : "");
	write_suspects(f, r);
	write_rss(f, &r->rss);
	if (r->min_age_s > 0)
		fprintf(f, "min-age: counting only allocations at least %.1f s old\n",
			finite_or_zero(r->min_age_s));
	if (r->sample_bytes) {
		char buf[32];

		fprintf(f,
			"sampled: about one allocation recorded per %s allocated; heap bytes "
			"and counts are estimates\n",
			human_bytes(r->sample_bytes, buf, sizeof(buf)));
	}
	if (r->n_execs) {
		fputs("exec: the target became ", f);
		put_clean(f, r->comm ? r->comm : "?");
		fputs(" (was ", f);
		put_clean(f, r->exec_from ? r->exec_from : "?");
		fprintf(f, ") %.1f s into the trace%s; only the new image is reported\n",
			finite_or_zero(r->exec_s), r->n_execs > 1 ? " (its last exec)" : "");
	}
	if (r->n_children > 0 || r->lost[LT_LOSS_CHILD_UNTRACED])
		fprintf(f,
			"children: %d live, %llu forked while traced: child processes are not "
			"traced, their memory is not in this report\n",
			r->n_children > 0 ? r->n_children : 0,
			(unsigned long long)r->lost[LT_LOSS_CHILD_UNTRACED]);
	for (size_t k = 0; k < r->n_not_loaded; k++) {
		fprintf(f, "%s: not traced: ", r->not_loaded[k].family);
		put_clean(f, r->not_loaded[k].reason);
		fputc('\n', f);
	}
	/* a section left out by -t (or out of reach) says so, never an empty measurement */
	if (r->heap_not_traced && !not_loaded(r, "heap"))
		write_not_traced(f, "heap", r->heap_off_reason);
	if (r->mmap_not_traced && !not_loaded(r, "mmap"))
		write_not_traced(f, "mmap", NULL);
	if (r->memory_traced || !r->fds.traced) { /* -t fd alone: descriptors only */
		bool heap = !not_loaded(r, "heap") && !r->heap_not_traced;
		bool mmap = !not_loaded(r, "mmap") && !r->mmap_not_traced;

		if (heap)
			write_totals(f, r, &r->heap, &heap_words);
		if (mmap)
			write_totals(f, r, &r->mmap, &mmap_words);
		if (heap)
			write_top(f, r, &r->heap, top, &heap_words, all_frames);
		if (mmap)
			write_top(f, r, &r->mmap, top, &mmap_words, all_frames);
	}
	if (r->fds.traced)
		write_fds(f, &r->fds, top, all_frames);
	if (r->socks.traced)
		write_socks(f, r, top);
	if (r->gc)
		write_gc(f, r->gc);
	if (r->gc && r->gc->verdict == LT_GC_VERDICT_GROWING && !r->js_heap)
		fprintf(f, "  %s\n", lt_js_heap__suggestion);
	if (r->js_heap)
		lt_js_heap__write_text(f, r->js_heap, top_n);

	fprintf(f, "\nlost:");
	for (i = 0; i < LT_LOSS__MAX; i++) {
		if (!r->lost[i])
			continue;
		fprintf(f, " %s=%llu", lt_loss__name(i), (unsigned long long)r->lost[i]);
		any = true;
	}
	fprintf(f, "%s\n", any ? "" : " none");
	write_tracer(f, &r->tracer);
	return ferror(f) ? -EIO : 0;
}

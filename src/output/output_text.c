// SPDX-License-Identifier: GPL-2.0
/* The human report: header, totals per section, the largest stacks with their frames,
 * and the loss counters. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include "output.h"
#include "gc_trend.h"
#include "jsheap_report.h"

struct section_words {
	const char *name;
	const char *one; /* what one counted item is called */
	const char *many;
};

static const struct section_words heap_words = { "heap", "allocation", "allocations" };
static const struct section_words mmap_words = { "mmap", "mapping", "mappings" };

/* Binary units with one decimal; exact byte counts are in the JSON output. */
static const char *human_bytes(__s64 v, char *buf, size_t len)
{
	static const char *const units[] = { "KiB", "MiB", "GiB", "TiB", "PiB", "EiB" };
	double d = (double)v;
	int u = -1;

	if (v < 1024 && v > -1024) {
		snprintf(buf, len, "%lld B", (long long)v);
		return buf;
	}
	/* 1023.95 and up would print as "1024.0" of the smaller unit */
	while (fabs(d) >= 1023.95 && u < 5) {
		d /= 1024;
		u++;
	}
	snprintf(buf, len, "%.1f %s", d, units[u]);
	return buf;
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

static void write_frame(FILE *f, const struct lt_report_stack *s, __u32 i)
{
	const struct lt_sym *sym;
	char buf[512];

	if (!s->frames) {
		fprintf(f, "    0x%llx\n", (unsigned long long)s->ips[i]);
		return;
	}
	sym = &s->frames[i];
	fputs("    ", f);
	put_clean(f, lt_output__frame_name(sym, buf, sizeof(buf)));
	/* a JS function's offset says nothing: its code moves and is recompiled */
	if (sym->js)
		fputs(" [js]", f);
	else if (sym->symbol && *sym->symbol)
		fprintf(f, "+0x%llx", (unsigned long long)sym->sym_off);
	if (sym->file) {
		fputs(" (", f);
		put_clean(f, base_name(sym->file));
		if (sym->line > 0)
			fprintf(f, ":%d", sym->line);
		fputc(')', f);
	}
	/* an unnamed frame already carries its module in its name */
	if (sym->symbol && *sym->symbol && sym->module && *sym->module) {
		fputs(" [", f);
		put_clean(f, base_name(sym->module));
		fputc(']', f);
	}
	fputc('\n', f);
}

static void write_rate(FILE *f, const struct lt_report *r, __s64 bytes)
{
	double rate = lt_report__rate(r, bytes);
	char buf[32];

	if (rate > 0)
		fprintf(f, " (+%s/s)", human_bytes((__s64)(rate + 0.5), buf, sizeof(buf)));
}

static void write_stack(FILE *f, const struct lt_report *r, const struct lt_report_stack *s,
			size_t rank, const struct section_words *w)
{
	char buf[32];
	__u32 i, n = s->nframes < LT_MAX_FRAMES ? s->nframes : LT_MAX_FRAMES;

	fprintf(f, "#%zu  %s in %lld %s", rank, human_bytes(s->bytes, buf, sizeof(buf)),
		(long long)s->count, plural(s->count, w->one, w->many));
	write_rate(f, r, s->bytes);
	if (s->oldest_age_s >= 0)
		fprintf(f, ", oldest %.1f s\n", finite_or_zero(s->oldest_age_s));
	else
		fprintf(f, ", age unknown\n");
	if (!n)
		fprintf(f, "    [stack not recorded]\n");
	for (i = 0; i < n; i++)
		write_frame(f, s, i);
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
	write_rate(f, r, sec->bytes);
	fputc('\n', f);
}

static void write_top(FILE *f, const struct lt_report *r, const struct lt_report_section *sec,
		      size_t top_n, const struct section_words *w)
{
	size_t i, shown = sec->n < top_n ? sec->n : top_n;
	__s64 rest = 0;
	char buf[32];

	if (!shown)
		return;
	fprintf(f, "\n%s: top %zu of %zu %s by bytes, leaf frame first\n", w->name, shown, sec->n,
		plural(sec->n, "stack", "stacks"));
	for (i = 0; i < shown; i++)
		write_stack(f, r, &sec->stacks[i], i + 1, w);
	if (shown == sec->n)
		return;
	for (i = shown; i < sec->n; i++)
		rest += sec->stacks[i].bytes;
	fprintf(f, "... %zu more %s, %s\n", sec->n - shown,
		plural(sec->n - shown, "stack", "stacks"), human_bytes(rest, buf, sizeof(buf)));
}

static void write_fd_stack(FILE *f, const struct lt_report_fds *fds, size_t i)
{
	const struct lt_report_stack *s = &fds->sec.stacks[i];
	const struct lt_report_fd_extra *x = &fds->extra[i];
	__u32 k, n = s->nframes < LT_MAX_FRAMES ? s->nframes : LT_MAX_FRAMES;

	fprintf(f, "#%zu  %lld %s %s, opened %lld closed %lld (net %+lld)", i + 1,
		(long long)s->count, x->kind, plural(s->count, "descriptor", "descriptors"),
		(long long)x->opened, (long long)x->closed, (long long)(x->opened - x->closed));
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
	for (k = 0; k < n; k++)
		write_frame(f, s, k);
}

/* Descriptors by opening stack, then the ones open before attach. */
static void write_fds(FILE *f, const struct lt_report_fds *fds, size_t top)
{
	size_t i, shown = fds->sec.n < top ? fds->sec.n : top;

	fprintf(f,
		"\ndescriptors: %lld outstanding from %zu %s (opened %lld, closed %lld since "
		"the last report), %zu pre-existing\n",
		(long long)fds->sec.count, fds->sec.n, plural(fds->sec.n, "stack", "stacks"),
		(long long)fds->opened, (long long)fds->closed, fds->npre);
	for (i = 0; i < shown; i++)
		write_fd_stack(f, fds, i);
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
		fprintf(f, "), ESTABLISHED %+lld since the last report\n",
			(long long)p->established_change);
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

int lt_output__text(FILE *f, const struct lt_report *r, int top_n)
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
	for (size_t k = 0; k < r->n_not_loaded; k++) {
		fprintf(f, "%s: not traced: ", r->not_loaded[k].family);
		put_clean(f, r->not_loaded[k].reason);
		fputc('\n', f);
	}
	if (r->memory_traced || !r->fds.traced) { /* -t fd alone: descriptors only */
		bool heap = !not_loaded(r, "heap"), mmap = !not_loaded(r, "mmap");

		if (heap)
			write_totals(f, r, &r->heap, &heap_words);
		if (mmap)
			write_totals(f, r, &r->mmap, &mmap_words);
		if (heap)
			write_top(f, r, &r->heap, top, &heap_words);
		if (mmap)
			write_top(f, r, &r->mmap, top, &mmap_words);
	}
	if (r->fds.traced)
		write_fds(f, &r->fds, top);
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
	return ferror(f) ? -EIO : 0;
}

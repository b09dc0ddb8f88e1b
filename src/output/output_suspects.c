// SPDX-License-Identifier: GPL-2.0
/* One line per leak suspect, the same in every format: kind, fitted rate, evidence, and
 * where (the first frame with a source line and its caller, or the peer). */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "output.h"
#include "jsheap_report.h"
#include "suspects.h"
#include "suspect_join.h"

struct lt_line {
	char *buf;
	size_t len, at;
};

#define LT_LINE_CUT "\u2026" /* what ends a line cut at the buffer's end */

/* A line too long for its buffer ends in an ellipsis on a character boundary (the names
 * in it are the target's: UTF-8 cut mid-character would be an invalid JSON string), and
 * nothing more is added to it. */
static void lt_line_cut(struct lt_line *l)
{
	size_t mark = sizeof(LT_LINE_CUT) - 1, end;

	if (l->len <= mark) {
		l->buf[0] = '\0';
		l->at = l->len;
		return;
	}
	end = l->len - 1 - mark;
	while (end > 0 && ((unsigned char)l->buf[end] & 0xc0) == 0x80)
		end--;
	memcpy(l->buf + end, LT_LINE_CUT, mark + 1);
	l->at = l->len;
}

static void lt_put(struct lt_line *l, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (l->at >= l->len)
		return;
	va_start(ap, fmt);
	n = vsnprintf(l->buf + l->at, l->len - l->at, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n >= l->len - l->at)
		lt_line_cut(l);
	else
		l->at += (size_t)n;
}

static const char *lt_base(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash && slash[1] ? slash + 1 : path;
}

/* The first JS function of a script (in Node, the code a user can act on: below it are the
 * runtime's frames and its own node: modules), else the first JS function, else the first frame with a source line (an allocator's own frames have none),
 * else the first named one; then the next named frame, its caller. */
static void lt_put_where(struct lt_line *l, const struct lt_report_stack *s, const char *lead)
{
	__u32 n = s->nframes < LT_MAX_FRAMES ? s->nframes : LT_MAX_FRAMES, at = n;
	char buf[256];

	if (!s->frames || !n)
		return;
	for (__u32 i = 0; i < n && at == n; i++)
		if (s->frames[i].js && s->frames[i].symbol && s->frames[i].file &&
		    strncmp(s->frames[i].file, "node:", 5))
			at = i;
	for (__u32 i = 0; i < n && at == n; i++)
		if (s->frames[i].js && s->frames[i].symbol)
			at = i;
	for (__u32 i = 0; i < n && at == n; i++)
		if (s->frames[i].file && s->frames[i].line > 0)
			at = i;
	for (__u32 i = 0; i < n && at == n; i++)
		if (s->frames[i].symbol && *s->frames[i].symbol)
			at = i;
	if (at == n)
		at = 0;
	lt_put(l, "%s%s", lead, lt_output__frame_name(&s->frames[at], buf, sizeof(buf)));
	if (s->frames[at].file && s->frames[at].line > 0)
		lt_put(l, " (%s:%d)", lt_base(s->frames[at].file), s->frames[at].line);
	else if (s->frames[at].file)
		lt_put(l, " (%s)", lt_base(s->frames[at].file));
	for (__u32 i = at + 1; i < n; i++) {
		if (s->frames[i].symbol && *s->frames[i].symbol) {
			lt_put(l, " \u2190 %s", s->frames[i].symbol);
			break;
		}
	}
}

/* A JS allocation site: its function (script:line), then its caller. */
static void lt_put_site(struct lt_line *l, const struct lt_js_site *site)
{
	const struct lt_js_frame *fr = site->frames;

	if (!site->nframes)
		return;
	lt_put(l, " %s", fr[0].symbol ? fr[0].symbol : "(anonymous)");
	if (fr[0].file && *fr[0].file)
		lt_put(l, " (%s:%d)", lt_base(fr[0].file), fr[0].line);
	if (site->nframes > 1 && fr[1].symbol)
		lt_put(l, " \u2190 %s", fr[1].symbol);
}

static void lt_put_js_frame(struct lt_line *l, const struct lt_js_frame *fr, bool column)
{
	lt_put(l, "%s", fr->symbol ? fr->symbol : "(anonymous)");
	if (fr->file && *fr->file && column)
		lt_put(l, " (%s:%d:%d)", lt_base(fr->file), fr->line, fr->column);
	else if (fr->file && *fr->file)
		lt_put(l, " (%s:%d)", lt_base(fr->file), fr->line);
}

/* Owner candidates: "A (a.js:1:2), B (b.js:3:4)" */
static void lt_put_owner_list(struct lt_line *l, const struct lt_suspect_owner *o)
{
	for (size_t i = 0; i < o->nsites && i < LT_OWNER_MAX_SITES; i++) {
		lt_put(l, i ? ", " : "");
		lt_put_js_frame(l, &o->sites[i]->frames[0], true);
	}
	if (o->nsites > LT_OWNER_MAX_SITES)
		lt_put(l, " and %zu more", o->nsites - LT_OWNER_MAX_SITES);
}

const char *lt_output__owner_unknown(const struct lt_suspect *s, char *buf, size_t len)
{
	const struct lt_suspect_owner *o = &s->owner;
	struct lt_line l = { buf, len, 0 };

	if (!len)
		return buf;
	buf[0] = '\0';
	switch (lt_suspect_join__state(s)) {
	case LT_OWNER_NOT_TRACED:
		if (o->status)
			lt_put(&l,
			       "-t jsheap did not trace (%s), so which JS function opened it is "
			       "unknown",
			       o->status);
		else
			lt_put(&l, "run with -t jsheap to see which JS function opened it (cost: "
				   "Node's inspector open on a local port while tracing, a forced "
				   "full GC per read: docs/jsheap.md)");
		break;
	case LT_OWNER_UNSAMPLED:
		lt_put(&l,
		       "no growing net.Socket allocation was sampled (one per %llu bytes): "
		       "which JS function opened it is unknown; a smaller "
		       "--js-sample-interval samples more",
		       (unsigned long long)o->interval);
		break;
	case LT_OWNER_SEVERAL:
		lt_put(&l, "cannot pick: %zu JS functions allocate growing net.Socket objects: ",
		       o->nsites);
		lt_put_owner_list(&l, o);
		break;
	case LT_OWNER_PEERS:
		lt_put(&l,
		       "cannot join: sockets to %zu peers grow and V8's heap profile has no "
		       "peers; growing net.Socket objects are allocated from ",
		       o->npeers);
		lt_put_owner_list(&l, o);
		break;
	default:
		break;
	}
	return buf;
}

/* "owner: net.Socket allocated from Connection (app.js:41:13) <- checkout (app.js:65),
 * +12.0 KiB/s live", or why it cannot be said. */
static void lt_put_owner(struct lt_line *l, const struct lt_suspect *s)
{
	const struct lt_js_site *site = s->owner.sites[0];
	enum lt_owner_state state = lt_suspect_join__state(s);
	char buf[384];

	if (state == LT_OWNER_NONE)
		return;
	if (state != LT_OWNER_JOINED) {
		lt_put(l, "; owner unknown: %s", lt_output__owner_unknown(s, buf, sizeof(buf)));
		return;
	}
	lt_put(l, "; owner: net.Socket allocated from ");
	lt_put_js_frame(l, &site->frames[0], true);
	for (size_t i = 1; i < site->nframes && i < 3; i++) {
		lt_put(l, " \u2190 ");
		lt_put_js_frame(l, &site->frames[i], false);
	}
	lt_put(l, ", +%s/s live",
	       lt_output__human_bytes((__s64)(site->trend.per_s + 0.5), buf, sizeof(buf)));
}

static void lt_put_rate(struct lt_line *l, const struct lt_suspect *s)
{
	char buf[32];

	if (s->kind == LT_SUSPECT_FD || s->kind == LT_SUSPECT_SOCKET ||
	    s->kind == LT_SUSPECT_JS_LISTENER)
		lt_put(l, "%+.1f/s", isfinite(s->trend.per_s) ? s->trend.per_s : 0);
	else
		lt_put(l, "+%s/s",
		       lt_output__human_bytes((__s64)(s->trend.per_s + 0.5), buf, sizeof(buf)));
}

/* The TCP state most of the peer's sockets are in. */
static const char *lt_main_state(const struct lt_report_peer *p)
{
	int best = 0;

	for (int k = 1; k < LT_TCP_NSTATES; k++)
		if (p->states[k] > p->states[best])
			best = k;
	return best ? lt_tcp_state__name(best) : "";
}

const char *lt_output__suspect_line(const struct lt_suspect *s, char *buf, size_t len)
{
	struct lt_line l = { buf, len, 0 };

	if (!len)
		return buf;
	buf[0] = '\0';
	switch (s->kind) {
	case LT_SUSPECT_SOCKET:
		lt_put(&l, "sockets to %s ", s->peer ? s->peer->peer : "?");
		lt_put_rate(&l, s);
		if (s->peer && *lt_main_state(s->peer))
			lt_put(&l, " %s", lt_main_state(s->peer));
		break;
	case LT_SUSPECT_FD:
		lt_put(&l, "descriptors ");
		lt_put_rate(&l, s);
		break;
	case LT_SUSPECT_JS_HEAP:
		lt_put(&l, "JS heap ");
		lt_put_rate(&l, s);
		lt_put(&l, " live after GC");
		break;
	case LT_SUSPECT_JS_SITE:
		lt_put(&l, "JS objects ");
		lt_put_rate(&l, s);
		lt_put(&l, " live");
		break;
	case LT_SUSPECT_JS_LISTENER:
		/* "listeners 'config-change' on EventEmitter#3 +305.0/s (7539 -> 13661 in 20 s),
		 * added from watchConfig (app.js:99:12) <- ..." */
		lt_put(&l, "listeners '%s' on %s ", s->listener->event ? s->listener->event : "?",
		       s->listener->emitter ? s->listener->emitter : "?");
		lt_put_rate(&l, s);
		lt_put(&l, " (%ld \u2192 %ld in %.0f s)", s->listener->before, s->listener->after,
		       s->trend.span_s);
		if (s->listener->site)
			lt_put(&l, ", added from %s", s->listener->site);
		return buf;
	default:
		lt_put(&l, "%s ", lt_suspect__kind_name(s->kind));
		lt_put_rate(&l, s);
		break;
	}
	lt_put(&l, " (R\u00b2 %.2f, %.0f s)", s->trend.r2, s->trend.span_s);
	if (s->stack)
		lt_put_where(&l, s->stack, s->kind == LT_SUSPECT_SOCKET ? ", opened at " : " ");
	if (s->site)
		lt_put_site(&l, s->site);
	if (s->kind == LT_SUSPECT_SOCKET)
		lt_put_owner(&l, s);
	if (s->hint)
		lt_put(&l, "; %s", s->hint);
	return buf;
}

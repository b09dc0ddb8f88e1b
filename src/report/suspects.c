// SPDX-License-Identifier: GPL-2.0
/* Leak suspects: each source offers the growing things of one section; the list keeps the
 * most suspect. A descriptor counts as much as LT_SUSPECT_DESCRIPTOR_BYTES of memory, and
 * a weak fit less than a good one (docs/trends.md). */
#include <math.h>
#include <string.h>

#include "suspects.h"
#include "gc_trend.h"
#include "jsheap_report.h"
#include "suspect_join.h"

/* A leaked descriptor is as alarming as a MiB of memory: the default limit is 1024. */
#define LT_SUSPECT_DESCRIPTOR_BYTES (1024.0 * 1024.0)
/* A leaked listener holds at least its closure and the context it captured: a KiB. */
#define LT_SUSPECT_LISTENER_BYTES 1024.0
/* Listeners added and kept over the window before an emitter is a suspect: Node itself
 * warns at 10 (EventEmitter.defaultMaxListeners). */
#define LT_SUSPECT_LISTENER_MIN_NET 10

const char *lt_suspect__kind_name(enum lt_suspect_kind k)
{
	static const char *const names[LT_SUSPECT__MAX] = {
		[LT_SUSPECT_HEAP] = "heap",
		[LT_SUSPECT_MMAP] = "mmap",
		[LT_SUSPECT_FD] = "fd",
		[LT_SUSPECT_SOCKET] = "socket",
		[LT_SUSPECT_JS_HEAP] = "js_heap",
		[LT_SUSPECT_JS_SITE] = "js_site",
		[LT_SUSPECT_JS_LISTENER] = "js_listener",
	};

	return k < LT_SUSPECT__MAX ? names[k] : "unknown";
}

const char *lt_suspect__unit(enum lt_suspect_kind k)
{
	if (k == LT_SUSPECT_FD)
		return "descriptors";
	if (k == LT_SUSPECT_SOCKET)
		return "sockets";
	if (k == LT_SUSPECT_JS_LISTENER)
		return "listeners";
	return "bytes";
}

void lt_suspects__offer(struct lt_report *r, const struct lt_suspect *c)
{
	struct lt_suspect v = *c;
	size_t i;

	if (v.trend.verdict != LT_VERDICT_GROWING)
		return;
	/* listeners have two counts, not a fit: r2 is NAN and weighs 1 */
	v.score = v.trend.per_s * (v.kind == LT_SUSPECT_JS_LISTENER ? 1.0
				   : v.trend.r2 > 0		    ? v.trend.r2
								    : 0);
	if (v.kind == LT_SUSPECT_FD || v.kind == LT_SUSPECT_SOCKET)
		v.score *= LT_SUSPECT_DESCRIPTOR_BYTES;
	else if (v.kind == LT_SUSPECT_JS_LISTENER)
		v.score *= LT_SUSPECT_LISTENER_BYTES;
	for (i = r->n_suspects; i > 0 && r->suspects[i - 1].score < v.score; i--)
		if (i < LT_REPORT_MAX_SUSPECTS)
			r->suspects[i] = r->suspects[i - 1];
	if (i >= LT_REPORT_MAX_SUSPECTS)
		return;
	r->suspects[i] = v;
	if (r->n_suspects < LT_REPORT_MAX_SUSPECTS)
		r->n_suspects++;
}

static void lt_offer_section(struct lt_report *r, struct lt_report_section *sec,
			     enum lt_suspect_kind kind)
{
	for (size_t i = 0; i < sec->n; i++) {
		struct lt_suspect c = { kind, sec->stacks[i].trend, &sec->stacks[i] };

		lt_suspects__offer(r, &c);
	}
}

static void lt_offer_heap(struct lt_report *r)
{
	lt_offer_section(r, &r->heap, LT_SUSPECT_HEAP);
}

static void lt_offer_mmap(struct lt_report *r)
{
	lt_offer_section(r, &r->mmap, LT_SUSPECT_MMAP);
}

/* The descriptor stack that opened sockets to peer: the first whose examples name it. */
static struct lt_report_stack *lt_peer_stack(struct lt_report *r, const char *peer)
{
	for (size_t i = 0; i < r->fds.sec.n && r->fds.extra; i++)
		for (size_t k = 0; k < r->fds.extra[i].nexamples; k++)
			if (!strcmp(r->fds.extra[i].examples[k], peer))
				return &r->fds.sec.stacks[i];
	return NULL;
}

static void lt_offer_sockets(struct lt_report *r)
{
	for (size_t i = 0; i < r->socks.n; i++) {
		const struct lt_report_peer *p = &r->socks.by_peer[i];
		struct lt_suspect c = { LT_SUSPECT_SOCKET, p->trend, NULL, p };

		if (p->trend.verdict == LT_VERDICT_GROWING)
			c.stack = lt_peer_stack(r, p->peer);
		lt_suspects__offer(r, &c);
	}
}

/* Descriptor stacks, but those a growing peer already names (its sockets are them). */
static void lt_offer_fds(struct lt_report *r)
{
	for (size_t i = 0; i < r->fds.sec.n; i++) {
		struct lt_suspect c = { LT_SUSPECT_FD, r->fds.sec.stacks[i].trend,
					&r->fds.sec.stacks[i] };
		bool named = false;

		for (size_t k = 0; k < r->n_suspects; k++)
			named |= r->suspects[k].kind == LT_SUSPECT_SOCKET &&
				 r->suspects[k].stack == c.stack;
		if (!named)
			lt_suspects__offer(r, &c);
	}
}

/* The live JS heap after GC, as gc_trend.c judged it. */
static void lt_offer_js_heap(struct lt_report *r)
{
	struct lt_suspect c = { LT_SUSPECT_JS_HEAP };

	if (!r->gc || !r->gc->traced || r->gc->verdict != LT_GC_VERDICT_GROWING)
		return;
	c.trend = (struct lt_trend){ LT_VERDICT_GROWING, r->gc->live.slope, r->gc->live.r2,
				     r->gc->span_s };
	if (!r->js_heap)
		c.hint = lt_js_heap__suggestion; /* issue 12 item 5 */
	lt_suspects__offer(r, &c);
}

/* -t jsheap: the JS allocation sites whose live objects grow (jsheap/profile.c). */
static void lt_offer_js_sites(struct lt_report *r)
{
	if (!r->js_heap || !r->js_heap->traced)
		return;
	for (size_t i = 0; i < r->js_heap->nsites; i++) {
		const struct lt_js_site *site = &r->js_heap->sites[i];
		struct lt_suspect c = { LT_SUSPECT_JS_SITE, site->trend, .site = site };

		if (site->trend.verdict == LT_VERDICT_GROWING)
			lt_suspects__offer(r, &c);
	}
}

/* --js-listeners: an emitter whose listeners for one event kept growing over the hook's
 * window (jsheap/listeners.c). Two counts, not a series: no fit, so r2 is NAN (JSON null)
 * and the line gives the counts instead; the ranking takes the growth as it is. */
static void lt_offer_js_listeners(struct lt_report *r)
{
	if (!r->js_heap || !r->js_heap->traced)
		return;
	for (size_t i = 0; i < r->js_heap->nlisteners; i++) {
		const struct lt_js_listener *e = &r->js_heap->listeners[i];
		struct lt_suspect c = { LT_SUSPECT_JS_LISTENER, .listener = e };

		if (e->after - e->before < LT_SUSPECT_LISTENER_MIN_NET || !(e->per_s > 0))
			continue;
		c.trend = (struct lt_trend){ LT_VERDICT_GROWING, e->per_s, NAN,
					     (double)(e->after - e->before) / e->per_s };
		lt_suspects__offer(r, &c);
	}
}

/* In this order: sockets before descriptors, which skip the stacks sockets name. */
static void (*const lt_suspect_sources[])(struct lt_report *r) = {
	lt_offer_heap,	  lt_offer_mmap,     lt_offer_sockets,	    lt_offer_fds,
	lt_offer_js_heap, lt_offer_js_sites, lt_offer_js_listeners,
};

void lt_suspects__build(struct lt_report *r)
{
	r->n_suspects = 0;
	for (size_t i = 0; i < sizeof(lt_suspect_sources) / sizeof(lt_suspect_sources[0]); i++)
		lt_suspect_sources[i](r);
	lt_suspect_join__owners(r);
}

// SPDX-License-Identifier: GPL-2.0
/* The join of a growing TCP peer with the growing JS objects allocated below node:net's
 * Socket constructor, per the user function that constructed them. V8's profile knows
 * no peers and the socket's opening stack knows no JS caller (Node connects on a later
 * tick), so the join is sound only when one side of it is unique: one growing peer and one
 * growing owner function. Anything else is said, never guessed (docs/jsheap.md). */
#include "suspect_join.h"
#include "gc_trend.h"
#include "jsheap_report.h"

/* as profile.c's LT_JS_MIN_FIRST_HALF: accumulating 52%, bounded churn 2% (measured) */
#define LT_JOIN_MIN_FIRST_HALF 0.2

/* V8 runs in the target: the socket was opened by Node, whose net.Socket owns it. */
static bool lt_join_v8(const struct lt_report *r)
{
	if (r->js_heap)
		return true;
	return r->gc && (r->gc->traced || (r->gc->module && *r->gc->module));
}

static size_t lt_join_growing_peers(const struct lt_report *r)
{
	size_t n = 0;

	for (size_t i = 0; i < r->socks.n; i++)
		n += r->socks.by_peer[i].trend.verdict == LT_VERDICT_GROWING;
	return n;
}

/* A function's net.Socket objects accumulate: enough samples for a verdict, survivors
 * from the whole window (not only its end, as churn leaves), and more at the last read.
 * The growth itself is the socket side's, fitted on exact counts; the profile's own 3-sigma
 * growth test would ask for hundreds of samples of a few KiB per socket (docs/jsheap.md). */
static bool lt_join_accumulates(const struct lt_js_site *s)
{
	return s->nframes && s->trend.verdict != LT_VERDICT_UNKNOWN &&
	       s->trend.verdict != LT_VERDICT_SHRINKING && s->trend.per_s > 0 &&
	       s->survivors_first_half >= LT_JOIN_MIN_FIRST_HALF;
}

/* The accumulating owner rows, fastest first (the rows are sorted by growth). */
static void lt_join_sites(const struct lt_js_heap_report *js, struct lt_suspect_owner *o)
{
	for (size_t i = 0; i < js->nsockets; i++) {
		if (!lt_join_accumulates(&js->sockets[i]))
			continue;
		if (o->nsites < LT_OWNER_MAX_SITES)
			o->sites[o->nsites] = &js->sockets[i];
		o->nsites++;
	}
}

static void lt_join_one(const struct lt_report *r, size_t npeers, struct lt_suspect_owner *o)
{
	const struct lt_js_heap_report *js = r->js_heap;

	*o = (struct lt_suspect_owner){ LT_OWNER_NONE };
	if (!lt_join_v8(r))
		return;
	if (!js || !js->traced) {
		o->state = LT_OWNER_NOT_TRACED;
		o->status = js ? js->status : NULL;
		return;
	}
	o->interval = js->sampling_interval_bytes;
	o->npeers = npeers;
	lt_join_sites(js, o);
	if (!o->nsites)
		o->state = LT_OWNER_UNSAMPLED;
	else if (npeers > 1)
		o->state = LT_OWNER_PEERS;
	else if (o->nsites > 1)
		o->state = LT_OWNER_SEVERAL;
	else
		o->state = LT_OWNER_JOINED;
}

void lt_suspect_join__owners(struct lt_report *r)
{
	size_t npeers = lt_join_growing_peers(r);

	for (size_t i = 0; i < r->n_suspects; i++)
		if (r->suspects[i].kind == LT_SUSPECT_SOCKET)
			lt_join_one(r, npeers, &r->suspects[i].owner);
}

enum lt_owner_state lt_suspect_join__state(const struct lt_suspect *s)
{
	const struct lt_report_stack *st = s->stack;
	__u32 n =
		st && st->frames ? (st->nframes < LT_MAX_FRAMES ? st->nframes : LT_MAX_FRAMES) : 0;

	if (s->kind != LT_SUSPECT_SOCKET || s->owner.state != LT_OWNER_NONE)
		return s->owner.state;
	for (__u32 i = 0; i < n; i++)
		if (st->frames[i].js)
			return LT_OWNER_NOT_TRACED; /* V8 not traced (-t without gc), but it ran */
	return LT_OWNER_NONE;
}

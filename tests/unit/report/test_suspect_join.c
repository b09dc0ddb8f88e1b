// SPDX-License-Identifier: GPL-2.0
/* suspect_join: a growing TCP peer's owner is named only when one peer grows and one JS
 * function's net.Socket objects accumulate; each other case says why, and a target
 * without V8 gets no owner at all. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "suspects.h"
#include "suspect_join.h"
#include "gc_trend.h"
#include "jsheap_report.h"
#include "output.h"

static const struct lt_trend growing = { LT_VERDICT_GROWING, 3, 1, 10 };

struct fixture {
	struct lt_report_peer peers[2];
	struct lt_gc_report gc;
	struct lt_js_heap_report js;
	struct lt_js_site sockets[3];
	struct lt_report r;
};

/* One growing peer, V8 traced, -t jsheap with one accumulating owner (checkout). */
static void setup(struct fixture *x)
{
	memset(x, 0, sizeof(*x));
	strcpy(x->peers[0].peer, "127.0.0.1:5432");
	x->peers[0].trend = growing;
	strcpy(x->peers[1].peer, "127.0.0.1:6379");
	x->peers[1].trend = (struct lt_trend){ LT_VERDICT_STABLE, 0, 0, 10 };
	x->gc.traced = true;
	for (int i = 0; i < 3; i++) {
		x->sockets[i].nframes = 1;
		x->sockets[i].frames[0] = (struct lt_js_frame){ i ? "shard" : "checkout",
								"file:///srv/pool.js", 12 + i, 3 };
		x->sockets[i].trend = (struct lt_trend){ LT_VERDICT_STABLE, 4096, 0.9, 10 };
		x->sockets[i].survivors_first_half = 0.5;
	}
	x->sockets[1].survivors_first_half = 0.02;	  /* churn: sockets from the window's end */
	x->sockets[2].trend.verdict = LT_VERDICT_UNKNOWN; /* too few samples */
	x->js = (struct lt_js_heap_report){ .traced = true,
					    .sampling_interval_bytes = 16384,
					    .sockets = x->sockets,
					    .nsockets = 3 };
	x->r.socks = (struct lt_report_socks){ .by_peer = x->peers, .n = 2 };
	x->r.gc = &x->gc;
	x->r.js_heap = &x->js;
}

static const struct lt_suspect *socket_suspect(const struct lt_report *r)
{
	for (size_t i = 0; i < r->n_suspects; i++)
		if (r->suspects[i].kind == LT_SUSPECT_SOCKET)
			return &r->suspects[i];
	fail_msg("no socket suspect");
	return NULL;
}

static void test_joined(void **state)
{
	struct fixture x;
	char line[1024];

	setup(&x);
	lt_suspects__build(&x.r);
	assert_int_equal(socket_suspect(&x.r)->owner.state, LT_OWNER_JOINED);
	assert_int_equal(socket_suspect(&x.r)->owner.nsites, 1);
	assert_ptr_equal(socket_suspect(&x.r)->owner.sites[0], &x.sockets[0]);
	lt_output__suspect_line(socket_suspect(&x.r), line, sizeof(line));
	assert_non_null(strstr(line, "owner: net.Socket allocated from checkout (pool.js:12:3)"));
}

static void test_several_functions(void **state)
{
	struct fixture x;
	char line[1024];

	setup(&x);
	x.sockets[1].survivors_first_half = 0.5;
	lt_suspects__build(&x.r);
	assert_int_equal(socket_suspect(&x.r)->owner.state, LT_OWNER_SEVERAL);
	assert_int_equal(socket_suspect(&x.r)->owner.nsites, 2);
	lt_output__suspect_line(socket_suspect(&x.r), line, sizeof(line));
	assert_non_null(strstr(line, "owner unknown: cannot pick: 2 JS functions"));
	assert_non_null(strstr(line, "checkout (pool.js:12:3), shard (pool.js:13:3)"));
}

static void test_several_peers(void **state)
{
	struct fixture x;

	setup(&x);
	x.peers[1].trend = growing;
	lt_suspects__build(&x.r);
	assert_int_equal(x.r.suspects[0].owner.state, LT_OWNER_PEERS);
	assert_int_equal(x.r.suspects[1].owner.state, LT_OWNER_PEERS);
	assert_int_equal(x.r.suspects[0].owner.npeers, 2);
}

static void test_unsampled(void **state)
{
	struct fixture x;
	char line[1024];

	setup(&x);
	x.sockets[0].trend.verdict = LT_VERDICT_UNKNOWN;
	lt_suspects__build(&x.r);
	assert_int_equal(socket_suspect(&x.r)->owner.state, LT_OWNER_UNSAMPLED);
	lt_output__suspect_line(socket_suspect(&x.r), line, sizeof(line));
	assert_non_null(
		strstr(line, "no growing net.Socket allocation was sampled (one per 16384"));
}

static void test_not_traced_and_not_v8(void **state)
{
	struct fixture x;
	char line[1024];

	setup(&x);
	x.r.js_heap = NULL;
	lt_suspects__build(&x.r);
	assert_int_equal(socket_suspect(&x.r)->owner.state, LT_OWNER_NOT_TRACED);
	lt_output__suspect_line(socket_suspect(&x.r), line, sizeof(line));
	assert_non_null(strstr(line, "run with -t jsheap to see which JS function opened it"));
	/* a C program: its opening stack is the answer */
	x.gc.traced = false;
	lt_suspects__build(&x.r);
	assert_int_equal(socket_suspect(&x.r)->owner.state, LT_OWNER_NONE);
	lt_output__suspect_line(socket_suspect(&x.r), line, sizeof(line));
	assert_null(strstr(line, "owner"));
}

/* -t fd,sock on Node: V8 not traced, but the opening stack, symbolized, holds JS frames */
static void test_js_opener_without_v8_traced(void **state)
{
	struct lt_sym frames[2] = {
		{ .symbol = "uv__tcp_connect" },
		{ .symbol = "internalConnect", .file = "node:net", .js = true }
	};
	struct lt_report_stack st = { .nframes = 2, .frames = frames };
	struct lt_suspect s = { LT_SUSPECT_SOCKET, growing, &st };
	char line[1024];

	assert_int_equal(lt_suspect_join__state(&s), LT_OWNER_NOT_TRACED);
	lt_output__suspect_line(&s, line, sizeof(line));
	assert_non_null(strstr(line, "; owner unknown: run with -t jsheap"));
	frames[1].js = false; /* a C program's connect */
	assert_int_equal(lt_suspect_join__state(&s), LT_OWNER_NONE);
	s.kind = LT_SUSPECT_FD;
	frames[1].js = true;
	assert_int_equal(lt_suspect_join__state(&s), LT_OWNER_NONE);
}

static void test_js_heap_hint(void **state)
{
	struct fixture x;
	char line[1024];

	setup(&x);
	x.r.socks.n = 0;
	x.gc.verdict = LT_GC_VERDICT_GROWING;
	x.gc.live.slope = 1e6;
	x.gc.live.r2 = 1;
	x.r.js_heap = NULL;
	lt_suspects__build(&x.r);
	assert_int_equal(x.r.n_suspects, 1);
	assert_ptr_equal(x.r.suspects[0].hint, lt_js_heap__suggestion);
	lt_output__suspect_line(&x.r.suspects[0], line, sizeof(line));
	assert_non_null(strstr(line, "; to see which JS allocation sites grow: -t jsheap"));
	x.r.js_heap = &x.js;
	lt_suspects__build(&x.r);
	assert_null(x.r.suspects[0].hint);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_joined),
		cmocka_unit_test(test_several_functions),
		cmocka_unit_test(test_several_peers),
		cmocka_unit_test(test_unsampled),
		cmocka_unit_test(test_not_traced_and_not_v8),
		cmocka_unit_test(test_js_opener_without_v8_traced),
		cmocka_unit_test(test_js_heap_hint),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

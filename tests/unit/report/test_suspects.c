// SPDX-License-Identifier: GPL-2.0
/* suspects: only growing things, most suspect first, five at most, a descriptor weighed
 * against bytes, the sockets' own stack not listed twice, the JS heap from gc_trend. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "suspects.h"
#include "gc_trend.h"
#include "jsheap_report.h"
#include "output.h"

static const struct lt_trend growing = { LT_VERDICT_GROWING, 1000, 1, 10 };

static void test_ranked_and_bounded(void **state)
{
	struct lt_report_stack heap[8] = {};
	struct lt_report r = {};

	for (int i = 0; i < 8; i++) {
		heap[i].trend = growing;
		heap[i].trend.per_s = 100 * (i + 1);
	}
	heap[7].trend.verdict = LT_VERDICT_STABLE; /* the fastest, but flat now */
	heap[6].trend.r2 = 0.1;			   /* a weak fit ranks low */
	r.heap = (struct lt_report_section){ .stacks = heap, .n = 8 };
	lt_suspects__build(&r);
	assert_int_equal(r.n_suspects, LT_REPORT_MAX_SUSPECTS);
	assert_ptr_equal(r.suspects[0].stack, &heap[5]);
	assert_ptr_equal(r.suspects[1].stack, &heap[4]);
	assert_ptr_equal(r.suspects[4].stack, &heap[1]);
	for (size_t i = 0; i < r.n_suspects; i++) {
		assert_int_equal(r.suspects[i].kind, LT_SUSPECT_HEAP);
		assert_ptr_not_equal(r.suspects[i].stack, &heap[7]);
		if (i)
			assert_true(r.suspects[i - 1].score >= r.suspects[i].score);
	}
}

/* --js-listeners: an emitter that kept 10 or more of its adds is a suspect, weighed at a
 * KiB per listener a second against bytes, with its counts and .on() site in the line. */
static void test_js_listeners(void **state)
{
	struct lt_js_listener ls[2] = {
		{ "EventEmitter#3", "config-change", "watchConfig (app.js:99:12)", 100, 400, 300,
		  30, 30.0 },
		{ "EventEmitter#4", "data", NULL, 5, 14, 9, 1, 0.9 }, /* +9: under Node's 10 */
	};
	struct lt_js_heap_report js = { .traced = true, .listeners = ls, .nlisteners = 2 };
	struct lt_report_stack heap = { .trend = growing }; /* 1000 B/s */
	struct lt_report r = { .js_heap = &js };
	char line[512];

	r.heap = (struct lt_report_section){ .stacks = &heap, .n = 1 };
	lt_suspects__build(&r);
	assert_int_equal(r.n_suspects, 2);
	assert_int_equal(r.suspects[0].kind, LT_SUSPECT_JS_LISTENER); /* 30/s x 1 KiB */
	assert_ptr_equal(r.suspects[0].listener, &ls[0]);
	assert_int_equal(r.suspects[1].kind, LT_SUSPECT_HEAP);
	assert_string_equal(lt_suspect__kind_name(LT_SUSPECT_JS_LISTENER), "js_listener");
	assert_string_equal(lt_suspect__unit(LT_SUSPECT_JS_LISTENER), "listeners");
	lt_output__suspect_line(&r.suspects[0], line, sizeof(line));
	assert_string_equal(line,
			    "listeners 'config-change' on EventEmitter#3 +30.0/s "
			    "(100 \u2192 400 in 10 s), added from watchConfig (app.js:99:12)");
	js.traced = false; /* no listeners without the sampler's window */
	lt_suspects__build(&r);
	assert_int_equal(r.n_suspects, 1);
}

/* A suspect line longer than its buffer (a site string of the target's, in UTF-8) ends in
 * an ellipsis on a character boundary, within the buffer. */
static void test_line_cut_on_character(void **state)
{
	char site[600], line[64];
	struct lt_js_listener ls = { "EventEmitter#1", "e", site, 0, 400, 400, 40, 40.0 };
	struct lt_js_heap_report js = { .traced = true, .listeners = &ls, .nlisteners = 1 };
	struct lt_report r = { .js_heap = &js };
	size_t n;

	(void)state;
	for (size_t i = 0; i + 2 < sizeof(site); i += 2)
		memcpy(site + i, "\xc3\xa9", 2); /* é */
	site[sizeof(site) - 2] = '\0';
	lt_suspects__build(&r);
	assert_int_equal(r.n_suspects, 1);
	lt_output__suspect_line(&r.suspects[0], line, sizeof(line));
	n = strlen(line);
	assert_true(n < sizeof(line));
	assert_true(n >= sizeof(line) - 1 - 4); /* filled, less a character and the mark */
	assert_string_equal(line + n - 3, "\u2026");
	for (size_t i = 0; i < n;) { /* whole UTF-8 characters only */
		unsigned char c = (unsigned char)line[i];
		size_t k = c < 0x80 ? 0 : c >= 0xf0 ? 3 : c >= 0xe0 ? 2 : 1;

		assert_true(c < 0x80 || c >= 0xc0);
		assert_true(i + k < n);
		for (size_t j = 1; j <= k; j++)
			assert_int_equal((unsigned char)line[i + j] & 0xc0, 0x80);
		i += k + 1;
	}
}

static void test_sockets_descriptors_js(void **state)
{
	struct lt_report_stack heap = { .trend = growing }, fds[2] = {};
	struct lt_report_fd_extra extra[2] = {};
	struct lt_report_peer peer = { .peer = "10.1.2.3:3306", .trend = growing };
	struct lt_gc_report gc = { .traced = true, .verdict = LT_GC_VERDICT_GROWING };
	struct lt_report r = {};

	peer.trend.per_s = 2;
	fds[0].trend = fds[1].trend = growing;
	fds[0].trend.per_s = fds[1].trend.per_s = 1;
	strcpy(extra[1].examples[0], "10.1.2.3:3306");
	extra[1].nexamples = 1;
	r.heap = (struct lt_report_section){ .stacks = &heap, .n = 1 };
	r.fds.sec = (struct lt_report_section){ .stacks = fds, .n = 2 };
	r.fds.extra = extra;
	r.socks = (struct lt_report_socks){ .by_peer = &peer, .n = 1 };
	gc.live.slope = 5e6;
	gc.live.r2 = 0.9;
	gc.first_t_s = 2; /* the mark-compacts' times: the verdict's span is the envelope's */
	gc.last_t_s = 2;
	gc.span_s = 18;
	r.gc = &gc;
	lt_suspects__build(&r);
	/* JS heap 4.5 MB/s, then sockets (2/s) and descriptors (1/s) worth a MiB each, then
	 * 1000 B/s of heap; the sockets' stack fds[1] is not a descriptor suspect of its own */
	assert_int_equal(r.n_suspects, 4);
	assert_int_equal(r.suspects[0].kind, LT_SUSPECT_JS_HEAP);
	assert_true(r.suspects[0].trend.span_s == 18);
	assert_int_equal(r.suspects[1].kind, LT_SUSPECT_SOCKET);
	assert_ptr_equal(r.suspects[1].peer, &peer);
	assert_ptr_equal(r.suspects[1].stack, &fds[1]);
	assert_int_equal(r.suspects[2].kind, LT_SUSPECT_FD);
	assert_ptr_equal(r.suspects[2].stack, &fds[0]);
	assert_int_equal(r.suspects[3].kind, LT_SUSPECT_HEAP);
	assert_string_equal(lt_suspect__kind_name(LT_SUSPECT_JS_SITE), "js_site");
	assert_string_equal(lt_suspect__unit(LT_SUSPECT_SOCKET), "sockets");
	assert_string_equal(lt_suspect__unit(LT_SUSPECT_MMAP), "bytes");
}

static void test_nothing_grows(void **state)
{
	struct lt_report_stack heap = { .trend = { LT_VERDICT_SHRINKING, -500, 1, 10 } };
	struct lt_report r = { .n_suspects = 3 };

	r.heap = (struct lt_report_section){ .stacks = &heap, .n = 1 };
	lt_suspects__build(&r);
	assert_int_equal(r.n_suspects, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ranked_and_bounded),
		cmocka_unit_test(test_sockets_descriptors_js),
		cmocka_unit_test(test_nothing_grows),
		cmocka_unit_test(test_js_listeners),
		cmocka_unit_test(test_line_cut_on_character),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

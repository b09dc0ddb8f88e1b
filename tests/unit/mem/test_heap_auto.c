// SPDX-License-Identifier: GPL-2.0
/* heap_auto: when the native heap of a V8 target switches itself on. RSS that grows outside
 * the JS heap does it once it has grown 20 s; RSS that grows with the JS heap (and V8's own
 * share beside it), flat RSS, or a switch not armed do not. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "heap_auto.h"

#define MIB (1024.0 * 1024.0)

struct shape {
	double rss0, rss_per_s; /* RSS */
	double js0, js_per_s;	/* the JS heap after GC */
};

/* One sample a second up to t_end s: whether the switch turned on, and when. */
static bool run(struct lt_heap_auto *a, const struct shape *sh, double t_end, double *on_s)
{
	struct lt_series_set *set = lt_series_set__new();
	bool on = false;

	assert_non_null(set);
	for (double t = 0; t <= t_end && !on; t += 1) {
		/* a little noise, as RSS has */
		double noise = ((int)t % 3 - 1) * 64 * 1024.0;

		assert_int_equal(lt_series_set__begin(set, t), 0);
		assert_int_equal(lt_series_set__add(set, LT_SERIES_TOTAL, LT_TOTAL_RSS,
						    sh->rss0 + sh->rss_per_s * t + noise),
				 0);
		assert_int_equal(lt_series_set__add(set, LT_SERIES_TOTAL, LT_TOTAL_JS_HEAP,
						    sh->js0 + sh->js_per_s * t),
				 0);
		on = lt_heap_auto__due(a, set);
		if (on)
			*on_s = t;
	}
	lt_series_set__free(set);
	return on;
}

static void armed(struct lt_heap_auto *a, __u64 sample_bytes)
{
	struct lt_config cfg = { .sample_bytes = sample_bytes };

	lt_heap_auto__arm(a, &cfg);
	assert_int_equal(a->state, LT_HEAP_AUTO_ARMED);
	assert_true(a->default_off);
}

/* Buffers kept in the native heap: 1.25 MiB/s of RSS, a flat JS heap. */
static void test_native_growth_switches_on_after_20s(void **state)
{
	struct shape sh = { 40 * MIB, 1.25 * MIB, 3 * MIB, 0 };
	struct lt_report r = {};
	struct lt_heap_auto a;
	double on_s = -1;

	(void)state;
	armed(&a, 0);
	assert_true(run(&a, &sh, 60, &on_s));
	assert_true(on_s >= LT_HEAP_AUTO_MIN_SPAN_S && on_s <= LT_HEAP_AUTO_MIN_SPAN_S + 2);
	assert_int_equal(a.state, LT_HEAP_AUTO_ON);
	assert_int_equal(a.sample_bytes, LT_HEAP_AUTO_SAMPLE_BYTES);
	assert_true(a.outside_per_s > 1.1 * MIB && a.outside_per_s < 1.4 * MIB);
	assert_non_null(strstr(a.reason, "sampled 1 per 512 KiB since t="));
	assert_non_null(strstr(a.reason, "RSS outside the JS heap grew +75."));
	lt_heap_auto__report(&a, &r);
	assert_int_equal(r.n_not_loaded, 1);
	assert_string_equal(r.not_loaded[0].family, "heap exact");
	assert_ptr_equal(r.not_loaded[0].reason, a.reason);
	assert_string_equal(r.heap_auto.state, "on");
	assert_int_equal(r.heap_auto.sample_bytes, LT_HEAP_AUTO_SAMPLE_BYTES);
	assert_true(r.heap_auto.on_s == on_s);
	assert_true(r.heap_auto.outside_per_s == a.outside_per_s && r.heap_auto.span_s >= 20);
	/* once: never due again */
	assert_false(run(&a, &sh, 30, &on_s));
}

/* The JS heap grows 1.4 MiB/s and RSS with it, plus V8's 12% beside it (js_rss_heap.js). */
static void test_js_heap_growth_stays_off(void **state)
{
	struct shape sh = { 45 * MIB, 1.4 * MIB * 1.12, 3 * MIB, 1.4 * MIB };
	struct lt_report r = {};
	struct lt_heap_auto a;
	double on_s = -1;

	(void)state;
	armed(&a, 0);
	assert_false(run(&a, &sh, 60, &on_s));
	assert_int_equal(a.state, LT_HEAP_AUTO_ARMED);
	lt_heap_auto__report(&a, &r);
	assert_string_equal(r.not_loaded[0].family, "heap");
	assert_string_equal(r.heap_auto.state, "armed");
	assert_int_equal(r.heap_auto.sample_bytes, LT_HEAP_AUTO_SAMPLE_BYTES);
}

/* Both: the native part beyond V8's share still counts. */
static void test_native_beside_js_growth_switches_on(void **state)
{
	struct shape sh = { 45 * MIB, 1.4 * MIB + 0.5 * MIB, 3 * MIB, 1.4 * MIB };
	struct lt_heap_auto a;
	double on_s = -1;

	(void)state;
	armed(&a, 64 * 1024);
	assert_true(run(&a, &sh, 60, &on_s));
	assert_non_null(strstr(a.reason, "sampled 1 per 64 KiB"));
}

/* Slower than the threshold, or flat: off. */
static void test_slow_or_flat_stays_off(void **state)
{
	/* 10 MiB: the trend's own floor (5% of the level) lets 1.5 MiB/min grow */
	struct shape slow = { 10 * MIB, 1.5 * MIB / 60, 3 * MIB, 0 };
	struct shape flat = { 40 * MIB, 0, 3 * MIB, 0 };
	struct lt_heap_auto a;
	double on_s = -1;

	(void)state;
	armed(&a, 0);
	assert_false(run(&a, &slow, 60, &on_s));
	armed(&a, 0);
	assert_false(run(&a, &flat, 60, &on_s));
}

static void test_no_auto_heap_never(void **state)
{
	struct shape sh = { 40 * MIB, 1.25 * MIB, 3 * MIB, 0 };
	struct lt_config cfg = { .no_auto_heap = true };
	struct lt_report r = {};
	struct lt_heap_auto a;
	double on_s = -1;

	(void)state;
	lt_heap_auto__arm(&a, &cfg);
	assert_int_equal(a.state, LT_HEAP_AUTO_NONE);
	assert_true(a.default_off);
	assert_null(strstr(a.reason, "switched on"));
	assert_false(run(&a, &sh, 60, &on_s));
	lt_heap_auto__report(&a, &r);
	assert_string_equal(r.heap_auto.state, "never");
	assert_int_equal(r.heap_auto.sample_bytes, 0);
	/* a failure to switch on says why, and leaves it off for good */
	armed(&a, 0);
	lt_heap_auto__failed(&a, "no allocator to probe");
	assert_int_equal(a.state, LT_HEAP_AUTO_FAILED);
	assert_non_null(strstr(a.reason, "switching it on failed: no allocator to probe"));
	assert_false(run(&a, &sh, 60, &on_s));
	memset(&r, 0, sizeof(r));
	lt_heap_auto__report(&a, &r);
	assert_string_equal(r.heap_auto.state, "failed");
	assert_string_equal(r.not_loaded[0].family, "heap");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_native_growth_switches_on_after_20s),
		cmocka_unit_test(test_js_heap_growth_stays_off),
		cmocka_unit_test(test_native_beside_js_growth_switches_on),
		cmocka_unit_test(test_slow_or_flat_stays_off),
		cmocka_unit_test(test_no_auto_heap_never),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

// SPDX-License-Identifier: GPL-2.0
/* trend: the verdicts of the shapes issue 11 names (a cache that filled then went flat, a
 * leak that began late, a steady leak, a shrinking stack, noise, too little data) and the
 * oldest-block evidence. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>

#include <cmocka.h>

#include "trend.h"

#define N 25

static const struct lt_trend_opts bytes_opts = { .min_rise = 1024, .oldest_age_s = -1 };

/* one point a second, y(i) from shape */
static void series(double *t, double *y, double (*shape)(double))
{
	for (int i = 0; i < N; i++) {
		t[i] = i;
		y[i] = shape(i);
	}
}

/* what a sampled series has: a little noise around its shape */
static double jitter(double s)
{
	return (int)s % 2 ? 300 : -300;
}

static double cache_fill(double s)
{
	return (s < 8 ? s * 128000 : 1024000) + jitter(s); /* full after 8 s, then flat */
}

static double late_leak(double s)
{
	return 50000 + (s < 10 ? 0 : (s - 10) * 4800) + jitter(s);
}

static double steady_leak(double s)
{
	return s * 4800;
}

static double shrinking(double s)
{
	return 1000000 - s * 30000;
}

static double flat_noise(double s)
{
	return 500000 + ((int)s % 3 - 1) * 2000;
}

static void test_cache_stable(void **state)
{
	double t[N], y[N];
	struct lt_trend tr;

	series(t, y, cache_fill);
	assert_int_equal(lt_trend__fit(t, y, N, &bytes_opts, &tr), 0);
	assert_int_equal(tr.verdict, LT_VERDICT_STABLE);
	assert_true(fabs(tr.per_s) < 100);
	/* the segment after the plateau began: at least the 14 flat seconds */
	assert_true(tr.span_s >= 14 && tr.span_s <= 17);
}

static void test_late_leak_growing(void **state)
{
	double t[N], y[N];
	struct lt_trend tr;

	series(t, y, late_leak);
	assert_int_equal(lt_trend__fit(t, y, N, &bytes_opts, &tr), 0);
	assert_int_equal(tr.verdict, LT_VERDICT_GROWING);
	assert_true(fabs(tr.per_s - 4800) < 50);
	assert_true(tr.r2 > 0.99);
	assert_true(tr.span_s >= 13 && tr.span_s <= 15);
}

static void test_steady_leak_growing(void **state)
{
	double t[N], y[N];
	struct lt_trend tr;

	series(t, y, steady_leak);
	assert_int_equal(lt_trend__fit(t, y, N, &bytes_opts, &tr), 0);
	assert_int_equal(tr.verdict, LT_VERDICT_GROWING);
	assert_true(fabs(tr.per_s - 4800) < 1);
}

static void test_shrinking(void **state)
{
	double t[N], y[N];
	struct lt_trend tr;

	series(t, y, shrinking);
	assert_int_equal(lt_trend__fit(t, y, N, &bytes_opts, &tr), 0);
	assert_int_equal(tr.verdict, LT_VERDICT_SHRINKING);
	assert_true(fabs(tr.per_s + 30000) < 1);
}

static void test_noise_stable(void **state)
{
	double t[N], y[N];
	struct lt_trend tr;

	series(t, y, flat_noise);
	assert_int_equal(lt_trend__fit(t, y, N, &bytes_opts, &tr), 0);
	assert_int_equal(tr.verdict, LT_VERDICT_STABLE);
}

/* growth whose oldest block is far younger than the growth: turned over, not a leak */
static void test_turnover_stable(void **state)
{
	struct lt_trend_opts o = { .min_rise = 1024, .oldest_age_s = 2 };
	double t[N], y[N];
	struct lt_trend tr;

	series(t, y, steady_leak);
	assert_int_equal(lt_trend__fit(t, y, N, &o, &tr), 0);
	assert_int_equal(tr.verdict, LT_VERDICT_STABLE);
	o.oldest_age_s = 24;
	assert_int_equal(lt_trend__fit(t, y, N, &o, &tr), 0);
	assert_int_equal(tr.verdict, LT_VERDICT_GROWING);
}

static void test_too_little_unknown(void **state)
{
	double t[N], y[N];
	struct lt_trend tr;

	series(t, y, steady_leak);
	assert_int_equal(lt_trend__fit(t, y, 4, &bytes_opts, &tr), 0);
	assert_int_equal(tr.verdict, LT_VERDICT_UNKNOWN);
	assert_int_equal(lt_trend__fit(NULL, y, N, &bytes_opts, &tr), -22);
}

static void test_names(void **state)
{
	assert_string_equal(lt_verdict__name(LT_VERDICT_GROWING), "growing");
	assert_string_equal(lt_verdict__name(LT_VERDICT_STABLE), "stable");
	assert_string_equal(lt_verdict__name(LT_VERDICT_SHRINKING), "shrinking");
	assert_string_equal(lt_verdict__name(LT_VERDICT_UNKNOWN), "unknown");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cache_stable),
		cmocka_unit_test(test_late_leak_growing),
		cmocka_unit_test(test_steady_leak_growing),
		cmocka_unit_test(test_shrinking),
		cmocka_unit_test(test_noise_stable),
		cmocka_unit_test(test_turnover_stable),
		cmocka_unit_test(test_too_little_unknown),
		cmocka_unit_test(test_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

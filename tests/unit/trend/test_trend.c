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

/* One shape's case: the series, the evidence and what the fit must say. per_s is checked
 * within tol unless NAN; r2 when r2_min > 0; span_s when span_max > 0. */
struct trend_case {
	const char *name;
	double (*shape)(double);
	size_t n;	     /* points given to the fit */
	double oldest_age_s; /* the oldest block's age; < 0 unknown */
	enum lt_verdict verdict;
	double per_s, tol, r2_min, span_min, span_max;
};

static const struct trend_case cases[] = {
	/* the segment after the plateau began: at least the 14 flat seconds */
	{ "cache_stable", cache_fill, N, -1, LT_VERDICT_STABLE, 0, 100, 0, 14, 17 },
	{ "late_leak_growing", late_leak, N, -1, LT_VERDICT_GROWING, 4800, 50, 0.99, 13, 15 },
	{ "steady_leak_growing", steady_leak, N, -1, LT_VERDICT_GROWING, 4800, 1 },
	{ "shrinking", shrinking, N, -1, LT_VERDICT_SHRINKING, -30000, 1 },
	{ "noise_stable", flat_noise, N, -1, LT_VERDICT_STABLE, NAN },
	/* growth whose oldest block is far younger than the growth: turned over, not a leak */
	{ "turnover_stable", steady_leak, N, 2, LT_VERDICT_STABLE, NAN },
	{ "old_block_growing", steady_leak, N, 24, LT_VERDICT_GROWING, NAN },
	{ "too_little_unknown", steady_leak, 4, -1, LT_VERDICT_UNKNOWN, NAN },
};

static void test_shape(void **state)
{
	const struct trend_case *c = *state;
	struct lt_trend_opts o = { .min_rise = 1024, .oldest_age_s = c->oldest_age_s };
	double t[N], y[N];
	struct lt_trend tr;

	series(t, y, c->shape);
	assert_int_equal(lt_trend__fit(t, y, c->n, &o, &tr), 0);
	assert_int_equal(tr.verdict, c->verdict);
	if (!isnan(c->per_s))
		assert_true(fabs(tr.per_s - c->per_s) < c->tol);
	if (c->r2_min > 0)
		assert_true(tr.r2 > c->r2_min);
	if (c->span_max > 0)
		assert_true(tr.span_s >= c->span_min && tr.span_s <= c->span_max);
}

static void test_bad_args(void **state)
{
	double t[N], y[N];
	struct lt_trend tr;

	series(t, y, steady_leak);
	assert_int_equal(lt_trend__fit(NULL, y, N, &bytes_opts, &tr), -22);
	assert_int_equal(lt_trend__fit(t, y, N, NULL, &tr), -22);
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
	struct CMUnitTest tests[sizeof(cases) / sizeof(cases[0]) + 2];
	size_t n = 0;

	/* one test per case, named after it */
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		tests[n++] = (struct CMUnitTest){ .name = cases[i].name,
						  .test_func = test_shape,
						  .initial_state = (void *)&cases[i] };
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_bad_args);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_names);
	return cmocka_run_group_tests(tests, NULL, NULL);
}

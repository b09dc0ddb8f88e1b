// SPDX-License-Identifier: GPL-2.0
/* series: points on one clock, zeros before a series is first seen, totals kept by add,
 * memory bounded by thinning the older half, peers' keys. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>

#include <cmocka.h>

#include "series.h"

static void test_points_and_totals(void **state)
{
	struct lt_series_set *s = lt_series_set__new();
	double y[LT_SERIES_POINTS];
	const double *t;
	size_t n;

	assert_non_null(s);
	assert_int_equal(lt_series_set__add(s, LT_SERIES_HEAP, 1, 5), -EINVAL); /* no sample */
	assert_int_equal(lt_series_set__begin(s, 0), 0);
	assert_int_equal(lt_series_set__add(s, LT_SERIES_HEAP, 1, 100), 0);
	assert_int_equal(lt_series_set__begin(s, 1), 0);
	assert_int_equal(lt_series_set__add(s, LT_SERIES_HEAP, 1, 150), 0);
	assert_int_equal(lt_series_set__add(s, LT_SERIES_HEAP, 2, 7), 0); /* seen late */
	assert_int_equal(lt_series_set__add(s, LT_SERIES_SOCK, lt_series__peer_key("a:1"), 1), 0);
	assert_int_equal(lt_series_set__add(s, LT_SERIES_SOCK, lt_series__peer_key("a:1"), 1), 0);
	t = lt_series_set__times(s, &n);
	assert_int_equal(n, 2);
	assert_true(t[0] == 0 && t[1] == 1);
	assert_true(lt_series_set__values(s, LT_SERIES_HEAP, 1, y));
	assert_true(y[0] == 100 && y[1] == 150);
	assert_true(lt_series_set__values(s, LT_SERIES_HEAP, 2, y));
	assert_true(y[0] == 0 && y[1] == 7);
	/* the same key of another kind is another series */
	assert_false(lt_series_set__values(s, LT_SERIES_FD, 1, y));
	assert_true(lt_series_set__values(s, LT_SERIES_SOCK, lt_series__peer_key("a:1"), y));
	assert_true(y[0] == 0 && y[1] == 2);
	assert_true(lt_series_set__values(s, LT_SERIES_TOTAL, LT_TOTAL_HEAP, y));
	assert_true(y[0] == 100 && y[1] == 157);
	assert_false(lt_series_set__values(s, LT_SERIES_TOTAL, LT_TOTAL_MMAP, y));
	assert_true(lt_series__peer_key("a:1") != lt_series__peer_key("a:2"));
	lt_series_set__free(s);
}

/* An hour of samples holds LT_SERIES_POINTS at most, the latest at full rate, the oldest
 * kept, values still matching their times. */
static void test_thinning_bounded(void **state)
{
	struct lt_series_set *s = lt_series_set__new();
	double y[LT_SERIES_POINTS];
	const double *t;
	size_t n;

	for (int i = 0; i < 3600; i++) {
		assert_int_equal(lt_series_set__begin(s, i), 0);
		assert_int_equal(lt_series_set__add(s, LT_SERIES_MMAP, 9, 10.0 * i), 0);
	}
	t = lt_series_set__times(s, &n);
	assert_true(n <= LT_SERIES_POINTS && n >= LT_SERIES_POINTS / 2);
	assert_true(t[0] == 0);
	assert_true(t[n - 1] == 3599 && t[n - 2] == 3598);
	assert_true(lt_series_set__values(s, LT_SERIES_MMAP, 9, y));
	for (size_t i = 0; i < n; i++) {
		assert_true(y[i] == 10.0 * t[i]);
		if (i)
			assert_true(t[i] > t[i - 1]);
	}
	lt_series_set__free(s);
}

/* Many keys: the index grows and finds every one. */
static void test_many_keys(void **state)
{
	struct lt_series_set *s = lt_series_set__new();
	double y[LT_SERIES_POINTS];

	assert_int_equal(lt_series_set__begin(s, 0), 0);
	for (__u64 k = 1; k <= 20000; k++)
		assert_int_equal(lt_series_set__add(s, LT_SERIES_HEAP, k * 0x10001, (double)k), 0);
	for (__u64 k = 1; k <= 20000; k++) {
		assert_true(lt_series_set__values(s, LT_SERIES_HEAP, k * 0x10001, y));
		assert_true(y[0] == (double)k);
	}
	assert_int_equal(lt_series_set__dropped(s), 0);
	lt_series_set__free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_points_and_totals),
		cmocka_unit_test(test_thinning_bounded),
		cmocka_unit_test(test_many_keys),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

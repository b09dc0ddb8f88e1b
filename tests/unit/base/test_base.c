// SPDX-License-Identifier: GPL-2.0
/* base: growable arrays and the interval search. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <linux/types.h>

#include <cmocka.h>

#include "array.h"
#include "ranges.h"

struct span {
	__u32 pad;
	__u64 start, end;
};

static void test_ensure_grows_and_zeroes(void **state)
{
	int *v = NULL;
	size_t cap = 0;

	assert_int_equal(LT_ENSURE(&v, &cap, 0), 0);
	assert_null(v);
	assert_int_equal(LT_ENSURE(&v, &cap, 1), 0);
	assert_int_equal(cap, 16);
	v[15] = 7;
	assert_int_equal(LT_ENSURE(&v, &cap, 17), 0);
	assert_int_equal(cap, 32);
	assert_int_equal(v[15], 7);
	for (int i = 16; i < 32; i++)
		assert_int_equal(v[i], 0);
	assert_int_equal(LT_ENSURE(&v, &cap, 1000), 0);
	assert_int_equal(cap, 1024);
	free(v);
}

static void test_ensure_overflow(void **state)
{
	char *v = NULL;
	size_t cap = 0;

	assert_int_equal(lt_array__ensure((void **)&v, &cap, 1 << 20, SIZE_MAX / 2), -ENOMEM);
	assert_null(v);
	assert_int_equal(cap, 0);
}

static void test_find(void **state)
{
	struct span s[] = { { 0, 10, 20 }, { 0, 20, 30 }, { 0, 40, 50 } };

	assert_int_equal(LT_RANGE_FIND(s, 3, start, end, 9), -1);
	assert_int_equal(LT_RANGE_FIND(s, 3, start, end, 10), 0);
	assert_int_equal(LT_RANGE_FIND(s, 3, start, end, 19), 0);
	assert_int_equal(LT_RANGE_FIND(s, 3, start, end, 20), 1);
	assert_int_equal(LT_RANGE_FIND(s, 3, start, end, 30), -1);
	assert_int_equal(LT_RANGE_FIND(s, 3, start, end, 49), 2);
	assert_int_equal(LT_RANGE_FIND(s, 3, start, end, 50), -1);
	assert_int_equal(LT_RANGE_FIND(s, 0, start, end, 15), -1);
	assert_int_equal(LT_RANGE_FLOOR(s, 3, start, 35), 1);
	assert_int_equal(LT_RANGE_FLOOR(s, 3, start, 5), -1);
	assert_int_equal(LT_RANGE_FLOOR(s, 3, start, 1000), 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ensure_grows_and_zeroes),
		cmocka_unit_test(test_ensure_overflow),
		cmocka_unit_test(test_find),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

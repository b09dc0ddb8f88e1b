// SPDX-License-Identifier: GPL-2.0
/* base: the set of files already examined, and jobs run side by side. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/types.h>

#include <cmocka.h>

#include "seen.h"
#include "side_by_side.h"

static void test_seen_adds_once(void **state)
{
	struct lt_seen s = {};

	assert_false(lt_seen__has(&s, 1, 2));
	assert_int_equal(lt_seen__add(&s, 1, 2), 1);
	assert_int_equal(lt_seen__add(&s, 1, 2), 0);
	assert_int_equal(lt_seen__add(&s, 1, 3), 1);
	for (__u64 i = 0; i < 100; i++)
		assert_int_equal(lt_seen__add(&s, 9, i), 1);
	assert_true(lt_seen__has(&s, 1, 2));
	assert_true(lt_seen__has(&s, 9, 99));
	assert_false(lt_seen__has(&s, 2, 1));
	assert_int_equal(s.n, 102);
	lt_seen__free(&s);
	assert_int_equal(s.n, 0);
}

static void lt_count(void *arg)
{
	__atomic_fetch_add((int *)arg, 1, __ATOMIC_SEQ_CST);
}

static void test_side_by_side_runs_all(void **state)
{
	int n = 0;
	struct lt_job jobs[5];

	for (size_t i = 0; i < 5; i++)
		jobs[i] = (struct lt_job){ lt_count, &n };
	lt_side_by_side__run(jobs, 5);
	assert_int_equal(n, 5);
	lt_side_by_side__run(NULL, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_seen_adds_once),
		cmocka_unit_test(test_side_by_side_runs_all),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

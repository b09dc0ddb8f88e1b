// SPDX-License-Identifier: GPL-2.0
/* Unit tests of aggregation by stack: merge, oldest time, order, dropping, reuse. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "report.h"
#include "stackagg.h"

#define NS 1000000000ull

static void test_merge_and_oldest(void **state)
{
	struct lt_report_section sec;
	struct lt_agg *a = lt_agg__new();

	assert_non_null(a);
	assert_int_equal(lt_agg__add(a, 1, 100, 1, 50 * NS), 0);
	assert_int_equal(lt_agg__add(a, 2, 300, 3, 40 * NS), 0);
	assert_int_equal(lt_agg__add(a, 1, 50, 1, 20 * NS), 0);
	assert_int_equal(lt_agg__add(a, 1, 25, 2, 30 * NS), 0);
	assert_int_equal(lt_agg__finish(a, 100 * NS, &sec), 0);

	assert_int_equal(sec.n, 2);
	assert_int_equal(sec.bytes, 475);
	assert_int_equal(sec.count, 7);
	assert_int_equal(sec.stacks[0].stack_id, 2);
	assert_int_equal(sec.stacks[0].bytes, 300);
	assert_int_equal(sec.stacks[0].count, 3);
	assert_true(sec.stacks[0].oldest_age_s == 60.0);
	assert_int_equal(sec.stacks[1].stack_id, 1);
	assert_int_equal(sec.stacks[1].bytes, 175);
	assert_int_equal(sec.stacks[1].count, 4);
	/* the minimum time wins, whichever record it came in */
	assert_true(sec.stacks[1].oldest_age_s == 80.0);
	assert_null(sec.stacks[0].frames);
	assert_int_equal(sec.stacks[0].nframes, 0);

	lt_report_section__free(&sec);
	assert_null(sec.stacks);
	assert_int_equal(sec.n, 0);
	lt_agg__free(a);
}

static void test_unknown_time(void **state)
{
	struct lt_report_section sec;
	struct lt_agg *a = lt_agg__new();

	/* stack 7: no time known at all; stack 8: one record knows it */
	assert_int_equal(lt_agg__add(a, 7, 10, 1, 0), 0);
	assert_int_equal(lt_agg__add(a, 7, 10, 1, 0), 0);
	assert_int_equal(lt_agg__add(a, 8, 5, 1, 0), 0);
	assert_int_equal(lt_agg__add(a, 8, 5, 1, 3 * NS / 2), 0);
	assert_int_equal(lt_agg__add(a, 8, 5, 1, 0), 0);
	/* stamped after "now": counts as brand new, never negative */
	assert_int_equal(lt_agg__add(a, 9, 1, 1, 11 * NS), 0);
	assert_int_equal(lt_agg__finish(a, 10 * NS, &sec), 0);

	assert_int_equal(sec.n, 3);
	assert_int_equal(sec.stacks[0].stack_id, 7);
	assert_true(sec.stacks[0].oldest_age_s == -1);
	assert_int_equal(sec.stacks[1].stack_id, 8);
	assert_true(sec.stacks[1].oldest_age_s == 8.5);
	assert_int_equal(sec.stacks[2].stack_id, 9);
	assert_true(sec.stacks[2].oldest_age_s == 0);
	lt_report_section__free(&sec);
	lt_agg__free(a);
}

static void test_sort_and_ties(void **state)
{
	struct lt_report_section sec;
	struct lt_agg *a = lt_agg__new();

	/* same bytes: more allocations first; same bytes and count: lower stack id first */
	assert_int_equal(lt_agg__add(a, 50, 100, 1, NS), 0);
	assert_int_equal(lt_agg__add(a, 40, 100, 4, NS), 0);
	assert_int_equal(lt_agg__add(a, 30, 100, 1, NS), 0);
	assert_int_equal(lt_agg__add(a, 20, 1000, 1, NS), 0);
	assert_int_equal(lt_agg__add(a, 10, 1, 1, NS), 0);
	assert_int_equal(lt_agg__add(a, ~0ull, 100, 1, NS), 0);
	assert_int_equal(lt_agg__finish(a, 2 * NS, &sec), 0);

	assert_int_equal(sec.n, 6);
	assert_int_equal(sec.stacks[0].stack_id, 20);
	assert_int_equal(sec.stacks[1].stack_id, 40);
	assert_int_equal(sec.stacks[2].stack_id, 30);
	assert_int_equal(sec.stacks[3].stack_id, 50);
	assert_true(sec.stacks[4].stack_id == ~0ull);
	assert_int_equal(sec.stacks[5].stack_id, 10);
	lt_report_section__free(&sec);
	lt_agg__free(a);
}

static void test_drop_empty(void **state)
{
	struct lt_report_section sec;
	struct lt_agg *a = lt_agg__new();

	/* freed completely: bytes and count back to 0 */
	assert_int_equal(lt_agg__add(a, 1, 64, 1, NS), 0);
	assert_int_equal(lt_agg__add(a, 1, -64, -1, 0), 0);
	/* bytes left but no allocation (inconsistent counters) */
	assert_int_equal(lt_agg__add(a, 2, 64, 0, NS), 0);
	/* allocations of size 0 */
	assert_int_equal(lt_agg__add(a, 3, 0, 5, NS), 0);
	/* more freed than seen allocated */
	assert_int_equal(lt_agg__add(a, 4, -10, -1, NS), 0);
	assert_int_equal(lt_agg__add(a, 5, 10, -2, NS), 0);
	assert_int_equal(lt_agg__add(a, 6, 32, 2, NS), 0);
	assert_int_equal(lt_agg__finish(a, 2 * NS, &sec), 0);

	assert_int_equal(sec.n, 1);
	assert_int_equal(sec.stacks[0].stack_id, 6);
	/* totals count only what is reported */
	assert_int_equal(sec.bytes, 32);
	assert_int_equal(sec.count, 2);
	lt_report_section__free(&sec);
	lt_agg__free(a);
}

static void test_empty_and_reuse(void **state)
{
	struct lt_report_section sec;
	struct lt_agg *a = lt_agg__new();

	assert_int_equal(lt_agg__finish(a, NS, &sec), 0);
	assert_int_equal(sec.n, 0);
	assert_null(sec.stacks);
	assert_int_equal(sec.bytes, 0);

	/* everything dropped: no array left behind */
	assert_int_equal(lt_agg__add(a, 1, 8, 1, NS), 0);
	assert_int_equal(lt_agg__add(a, 1, -8, -1, NS), 0);
	assert_int_equal(lt_agg__finish(a, NS, &sec), 0);
	assert_int_equal(sec.n, 0);
	assert_null(sec.stacks);

	/* the aggregator starts over after finish */
	assert_int_equal(lt_agg__add(a, 5, 8, 1, NS), 0);
	assert_int_equal(lt_agg__finish(a, NS, &sec), 0);
	assert_int_equal(sec.n, 1);
	assert_int_equal(sec.stacks[0].bytes, 8);
	lt_report_section__free(&sec);
	assert_int_equal(lt_agg__finish(a, NS, &sec), 0);
	assert_int_equal(sec.n, 0);

	assert_int_equal(lt_agg__add(NULL, 1, 1, 1, 1), -EINVAL);
	assert_int_equal(lt_agg__finish(NULL, 1, &sec), -EINVAL);
	lt_agg__free(a);
	lt_agg__free(NULL);
	lt_report_section__free(NULL);
}

static void test_many_records(void **state)
{
	struct lt_report_section sec;
	struct lt_agg *a = lt_agg__new();
	size_t i;

	/* enough to grow the record array several times; stack s gets s * 100 records */
	for (i = 0; i < 10000; i++) {
		__u64 s = 1 + i % 10;

		if (i / 10 < s * 100)
			assert_int_equal(lt_agg__add(a, s, 16, 1, (i + 1) * NS), 0);
	}
	assert_int_equal(lt_agg__finish(a, 10000 * NS, &sec), 0);
	assert_int_equal(sec.n, 10);
	for (i = 0; i < 10; i++) {
		__u64 s = 10 - i;

		assert_int_equal(sec.stacks[i].stack_id, s);
		assert_int_equal(sec.stacks[i].count, s * 100);
		assert_int_equal(sec.stacks[i].bytes, s * 1600);
		/* stack s was first seen at record s - 1 */
		assert_true(sec.stacks[i].oldest_age_s == (double)(10000 - s));
	}
	assert_int_equal(sec.count, 5500);
	lt_report_section__free(&sec);
	lt_agg__free(a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_merge_and_oldest), cmocka_unit_test(test_unknown_time),
		cmocka_unit_test(test_sort_and_ties),	 cmocka_unit_test(test_drop_empty),
		cmocka_unit_test(test_empty_and_reuse),	 cmocka_unit_test(test_many_records),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

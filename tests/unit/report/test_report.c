// SPDX-License-Identifier: GPL-2.0
/* Unit tests of the report model's functions: loss reason names, freeing a section, sample
 * weights. */
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

static void test_loss_names(void **state)
{
	static const char *const want[] = {
		"alloc_map_full",	 "stack_map_full",
		"stack_unwind_cfi_read", "stack_unwind_native_fp",
		"stack_unwind_v8_fp",	 "stack_truncated",
		"return_probe_missed",	 "unknown_free",
		"nesting_too_deep",	 "totals_map_full",
		"ringbuf_full",		 "thread_map_full",
		"fd_close_missed",	 "sock_map_full",
		"js_frame_unnamed",	 "js_name_map_full",
		"gc_event_lost",	 "gc_return_missed",
		"fd_pair_unread",	 "thread_exit_free",
		"child_untraced",	 "push_failed",
	};
	int i, j;

	assert_int_equal(sizeof(want) / sizeof(want[0]), LT_LOSS__MAX);
	for (i = 0; i < LT_LOSS__MAX; i++)
		assert_string_equal(lt_loss__name(i), want[i]);
	for (i = 0; i < LT_LOSS__MAX; i++)
		for (j = i + 1; j < LT_LOSS__MAX; j++)
			assert_string_not_equal(lt_loss__name(i), lt_loss__name(j));
	assert_string_equal(lt_loss__name(LT_LOSS__MAX), "unknown");
	assert_string_equal(lt_loss__name(-1), "unknown");
}

/* The estimator: a recorded allocation stands for 1/p of itself, p = min(1, size/rate). */
static void test_sample_weight(void **state)
{
	__s64 bytes;
	double count;

	lt_sample__weight(256, 0, &bytes, &count); /* exact mode */
	assert_int_equal(bytes, 256);
	assert_true(count == 1);
	lt_sample__weight(256, 4096, &bytes, &count); /* p = 1/16 */
	assert_int_equal(bytes, 4096);
	assert_true(count == 16);
	lt_sample__weight(1000, 4096, &bytes, &count);
	assert_int_equal(bytes, 4096);
	assert_true(count > 4.095 && count < 4.097);
	lt_sample__weight(4096, 4096, &bytes, &count); /* size >= rate: always recorded */
	assert_int_equal(bytes, 4096);
	assert_true(count == 1);
	lt_sample__weight(LT_SAMPLE_ALWAYS, 1 << 20, &bytes, &count); /* large: always */
	assert_int_equal(bytes, LT_SAMPLE_ALWAYS);
	assert_true(count == 1);
	lt_sample__weight(LT_SAMPLE_ALWAYS - 1, 1 << 20, &bytes, &count);
	assert_int_equal(bytes, 1 << 20);
	assert_true(count > 16.0 && count < 16.001);
}

static void test_section_free_frames(void **state)
{
	struct lt_report_section sec;
	struct lt_agg *a = lt_agg__new();

	assert_int_equal(lt_agg__add(a, 1, 8, 1, NS), 0);
	assert_int_equal(lt_agg__add(a, 2, 16, 1, NS), 0);
	assert_int_equal(lt_agg__finish(a, NS, &sec), 0);
	/* a symbolized stack owns its frames array (checked for leaks under ASan) */
	sec.stacks[0].nframes = 3;
	sec.stacks[0].frames = calloc(3, sizeof(struct lt_sym));
	assert_non_null(sec.stacks[0].frames);
	lt_report_section__free(&sec);
	assert_null(sec.stacks);
	lt_agg__free(a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_loss_names),
		cmocka_unit_test(test_sample_weight),
		cmocka_unit_test(test_section_free_frames),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

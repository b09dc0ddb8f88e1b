// SPDX-License-Identifier: GPL-2.0
/* Unit tests for the anonymous mapping tracker: interval arithmetic of map/unmap/mremap,
 * checked through lt_agg (src/report.c) and against a page-by-page model. */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdlib.h>
#include <cmocka.h>

#include "mmap_track.h"
#include "report.h"
#include "stackagg.h"

#define P 4096ULL
#define A 0x7f0000000000ULL
#define B 0x7f1000000000ULL
#define NOW 1000000000000ULL

struct agg_view {
	struct lt_report_section sec;
};

/* Aggregate the regions at least min_age old through the real lt_agg. */
static void view(const struct lt_mmap_track *t, __u64 now, __u64 min_age, struct agg_view *v)
{
	struct lt_agg *agg = lt_agg__new();

	assert_non_null(agg);
	assert_int_equal(lt_mmap_track__aggregate(t, agg, now, min_age), 0);
	assert_int_equal(lt_agg__finish(agg, now, &v->sec), 0);
	lt_agg__free(agg);
}

static const struct lt_report_stack *find_stack(const struct agg_view *v, __u64 id)
{
	size_t i;

	for (i = 0; i < v->sec.n; i++) {
		if (v->sec.stacks[i].stack_id == id)
			return &v->sec.stacks[i];
	}
	return NULL;
}

/* Asserts that stack id holds exactly bytes in count regions. */
static void expect_stack(const struct agg_view *v, __u64 id, __s64 bytes, __s64 count)
{
	const struct lt_report_stack *s = find_stack(v, id);

	if (!bytes) {
		assert_null(s);
		return;
	}
	assert_non_null(s);
	assert_int_equal(s->bytes, bytes);
	assert_int_equal(s->count, count);
}

static struct lt_mmap_track *new_track(void)
{
	struct lt_mmap_track *t = lt_mmap_track__new();

	assert_non_null(t);
	return t;
}

static void test_map_single_and_page_rounding(void **state)
{
	struct lt_mmap_track *t = new_track();
	struct agg_view v;

	assert_int_equal(lt_mmap_track__map(t, A, 3 * P, 1, NOW - 5000000000ULL), 0);
	assert_int_equal(lt_mmap_track__map(t, B, 100, 2, NOW), 0);
	assert_int_equal(lt_mmap_track__bytes(t), 4 * P);
	view(t, NOW, 0, &v);
	expect_stack(&v, 1, 3 * P, 1);
	expect_stack(&v, 2, P, 1);
	assert_true(find_stack(&v, 1)->oldest_age_s > 4.99 &&
		    find_stack(&v, 1)->oldest_age_s < 5.01);
	assert_int_equal(v.sec.bytes, 4 * P);
	lt_report_section__free(&v.sec);
	lt_mmap_track__free(t);
}

static void test_unmap_trims_head_and_tail(void **state)
{
	struct lt_mmap_track *t = new_track();
	struct agg_view v;

	assert_int_equal(lt_mmap_track__map(t, A, 16 * P, 7, 123), 0);
	assert_int_equal(lt_mmap_track__unmap(t, A, 4 * P), 0);
	assert_int_equal(lt_mmap_track__bytes(t), 12 * P);
	assert_int_equal(lt_mmap_track__unmap(t, A + 14 * P, 2 * P), 0);
	assert_int_equal(lt_mmap_track__bytes(t), 10 * P);
	/* unmapping only a part of a page removes the page */
	assert_int_equal(lt_mmap_track__unmap(t, A + 13 * P, 1), 0);
	assert_int_equal(lt_mmap_track__bytes(t), 9 * P);
	view(t, NOW, 0, &v);
	expect_stack(&v, 7, 9 * P, 1);
	/* the time is kept */
	assert_true(find_stack(&v, 7)->oldest_age_s > (NOW - 124) / 1e9 - 1e-6);
	lt_report_section__free(&v.sec);
	/* whatever is left is exactly [A + 4P, A + 13P) */
	assert_int_equal(lt_mmap_track__unmap(t, A + 4 * P, 9 * P), 0);
	assert_int_equal(lt_mmap_track__bytes(t), 0);
	lt_mmap_track__free(t);
}

static void test_unmap_middle_splits(void **state)
{
	struct lt_mmap_track *t = new_track();
	struct agg_view v;

	assert_int_equal(lt_mmap_track__map(t, A, 16 * P, 3, 50), 0);
	assert_int_equal(lt_mmap_track__unmap(t, A + 5 * P, 3 * P), 0);
	assert_int_equal(lt_mmap_track__bytes(t), 13 * P);
	view(t, NOW, 0, &v);
	expect_stack(&v, 3, 13 * P, 2);
	lt_report_section__free(&v.sec);
	/* both halves are real: removing [A, A+5P) leaves only the upper one */
	assert_int_equal(lt_mmap_track__unmap(t, A, 5 * P), 0);
	assert_int_equal(lt_mmap_track__bytes(t), 8 * P);
	assert_int_equal(lt_mmap_track__unmap(t, A + 8 * P, 8 * P), 0);
	assert_int_equal(lt_mmap_track__bytes(t), 0);
	lt_mmap_track__free(t);
}

static void test_unmap_spanning_several(void **state)
{
	struct lt_mmap_track *t = new_track();
	struct agg_view v;

	/* [A, A+4P) s1, [A+6P, A+8P) s2, [A+8P, A+10P) s3, [A+12P, A+20P) s4 */
	assert_int_equal(lt_mmap_track__map(t, A, 4 * P, 1, 1), 0);
	assert_int_equal(lt_mmap_track__map(t, A + 6 * P, 2 * P, 2, 1), 0);
	assert_int_equal(lt_mmap_track__map(t, A + 8 * P, 2 * P, 3, 1), 0);
	assert_int_equal(lt_mmap_track__map(t, A + 12 * P, 8 * P, 4, 1), 0);
	assert_int_equal(lt_mmap_track__bytes(t), 16 * P);
	/* [A+2P, A+15P): tail of s1, all of s2 and s3, head of s4, and the gaps */
	assert_int_equal(lt_mmap_track__unmap(t, A + 2 * P, 13 * P), 0);
	assert_int_equal(lt_mmap_track__bytes(t), 2 * P + 5 * P);
	view(t, NOW, 0, &v);
	expect_stack(&v, 1, 2 * P, 1);
	expect_stack(&v, 2, 0, 0);
	expect_stack(&v, 3, 0, 0);
	expect_stack(&v, 4, 5 * P, 1);
	lt_report_section__free(&v.sec);
	/* an untracked range is ignored */
	assert_int_equal(lt_mmap_track__unmap(t, B, 100 * P), 0);
	assert_int_equal(lt_mmap_track__bytes(t), 7 * P);
	lt_mmap_track__free(t);
}

static void test_map_fixed_replaces(void **state)
{
	struct lt_mmap_track *t = new_track();
	struct agg_view v;

	assert_int_equal(lt_mmap_track__map(t, A, 8 * P, 1, 10), 0);
	assert_int_equal(lt_mmap_track__map(t, A + 10 * P, 2 * P, 2, 10), 0);
	/* inside s1: s1 becomes two pieces around it */
	assert_int_equal(lt_mmap_track__map(t, A + 2 * P, 2 * P, 5, 20), 0);
	assert_int_equal(lt_mmap_track__bytes(t), 10 * P);
	view(t, NOW, 0, &v);
	expect_stack(&v, 1, 6 * P, 2);
	expect_stack(&v, 5, 2 * P, 1);
	expect_stack(&v, 2, 2 * P, 1);
	lt_report_section__free(&v.sec);
	/* over the tail of s1, the gap and all of s2 */
	assert_int_equal(lt_mmap_track__map(t, A + 6 * P, 8 * P, 6, 30), 0);
	assert_int_equal(lt_mmap_track__bytes(t), 6 * P + 8 * P);
	view(t, NOW, 0, &v);
	expect_stack(&v, 1, 4 * P, 2);
	expect_stack(&v, 5, 2 * P, 1);
	expect_stack(&v, 2, 0, 0);
	expect_stack(&v, 6, 8 * P, 1);
	lt_report_section__free(&v.sec);
	/* exactly over an existing one */
	assert_int_equal(lt_mmap_track__map(t, A + 6 * P, 8 * P, 8, 40), 0);
	assert_int_equal(lt_mmap_track__bytes(t), 14 * P);
	view(t, NOW, 0, &v);
	expect_stack(&v, 6, 0, 0);
	expect_stack(&v, 8, 8 * P, 1);
	lt_report_section__free(&v.sec);
	lt_mmap_track__free(t);
}

static void test_remap_move_grow_shrink(void **state)
{
	struct lt_mmap_track *t = new_track();
	struct agg_view v;

	assert_int_equal(lt_mmap_track__map(t, A, 4 * P, 1, NOW - 2000000000ULL), 0);
	/* move */
	assert_int_equal(lt_mmap_track__remap(t, A, 4 * P, B, 4 * P), 0);
	assert_int_equal(lt_mmap_track__bytes(t), 4 * P);
	assert_int_equal(lt_mmap_track__unmap(t, A, 4 * P), 0);
	assert_int_equal(lt_mmap_track__bytes(t), 4 * P); /* nothing left at A */
	/* grow in place */
	assert_int_equal(lt_mmap_track__remap(t, B, 4 * P, B, 10 * P), 0);
	assert_int_equal(lt_mmap_track__bytes(t), 10 * P);
	/* shrink in place */
	assert_int_equal(lt_mmap_track__remap(t, B, 10 * P, B, 3 * P), 0);
	assert_int_equal(lt_mmap_track__bytes(t), 3 * P);
	/* grow and move */
	assert_int_equal(lt_mmap_track__remap(t, B, 3 * P, A, 5 * P), 0);
	assert_int_equal(lt_mmap_track__bytes(t), 5 * P);
	view(t, NOW, 0, &v);
	expect_stack(&v, 1, 5 * P, 1);
	/* stack and time survive every step */
	assert_true(find_stack(&v, 1)->oldest_age_s > 1.99 &&
		    find_stack(&v, 1)->oldest_age_s < 2.01);
	lt_report_section__free(&v.sec);
	/* it lives at [A, A+5P) and only there */
	assert_int_equal(lt_mmap_track__unmap(t, B, 10 * P), 0);
	assert_int_equal(lt_mmap_track__bytes(t), 5 * P);
	assert_int_equal(lt_mmap_track__unmap(t, A, 5 * P), 0);
	assert_int_equal(lt_mmap_track__bytes(t), 0);
	lt_mmap_track__free(t);
}

static void test_remap_partly_tracked(void **state)
{
	struct lt_mmap_track *t = new_track();
	struct agg_view v;

	/* old range [A, A+4P): s1 at [A, A+2P), untracked [A+2P, A+4P) */
	assert_int_equal(lt_mmap_track__map(t, A, 2 * P, 1, 5), 0);
	assert_int_equal(lt_mmap_track__remap(t, A, 4 * P, B, 6 * P), 0);
	/* the untracked middle and the growth (past an untracked last page) stay untracked */
	assert_int_equal(lt_mmap_track__bytes(t), 2 * P);
	assert_int_equal(lt_mmap_track__unmap(t, B + 2 * P, 4 * P), 0);
	assert_int_equal(lt_mmap_track__bytes(t), 2 * P);
	assert_int_equal(lt_mmap_track__unmap(t, B, 2 * P), 0);
	assert_int_equal(lt_mmap_track__bytes(t), 0);

	/* old range [A, A+4P): s1 [A, A+2P), gap, s2 [A+3P, A+4P); grow to 6P at B */
	assert_int_equal(lt_mmap_track__map(t, A, 2 * P, 1, 5), 0);
	assert_int_equal(lt_mmap_track__map(t, A + 3 * P, P, 2, 6), 0);
	assert_int_equal(lt_mmap_track__remap(t, A, 4 * P, B, 6 * P), 0);
	assert_int_equal(lt_mmap_track__bytes(t), 2 * P + 3 * P);
	view(t, NOW, 0, &v);
	expect_stack(&v, 1, 2 * P, 1);
	expect_stack(&v, 2, 3 * P, 1);
	lt_report_section__free(&v.sec);
	/* the gap moved with its offset: [B+2P, B+3P) is untracked */
	assert_int_equal(lt_mmap_track__unmap(t, B + 2 * P, P), 0);
	assert_int_equal(lt_mmap_track__bytes(t), 5 * P);

	/* shrink across pieces: keep only [B, B+P) of s1 */
	assert_int_equal(lt_mmap_track__remap(t, B, 6 * P, B, P), 0);
	assert_int_equal(lt_mmap_track__bytes(t), P);
	view(t, NOW, 0, &v);
	expect_stack(&v, 1, P, 1);
	expect_stack(&v, 2, 0, 0);
	lt_report_section__free(&v.sec);
	lt_mmap_track__free(t);
}

static void test_remap_untracked_adds_nothing(void **state)
{
	struct lt_mmap_track *t = new_track();
	struct agg_view v;

	assert_int_equal(lt_mmap_track__map(t, B, 8 * P, 4, 1), 0);
	/* nothing tracked at A: nothing appears at the destination... */
	assert_int_equal(lt_mmap_track__remap(t, A, 4 * P, A + 100 * P, 8 * P), 0);
	assert_int_equal(lt_mmap_track__bytes(t), 8 * P);
	/* ...and a MREMAP_FIXED destination over a tracked mapping replaces that part */
	assert_int_equal(lt_mmap_track__remap(t, A, 4 * P, B + 2 * P, 2 * P), 0);
	assert_int_equal(lt_mmap_track__bytes(t), 6 * P);
	view(t, NOW, 0, &v);
	expect_stack(&v, 4, 6 * P, 2);
	lt_report_section__free(&v.sec);
	/* a tracked move onto another tracked mapping */
	assert_int_equal(lt_mmap_track__map(t, A, P, 9, 1), 0);
	assert_int_equal(lt_mmap_track__remap(t, A, P, B, P), 0);
	assert_int_equal(lt_mmap_track__bytes(t), 6 * P);
	view(t, NOW, 0, &v);
	expect_stack(&v, 4, 5 * P, 2);
	expect_stack(&v, 9, P, 1);
	lt_report_section__free(&v.sec);
	lt_mmap_track__free(t);
}

static void test_aggregate_min_age(void **state)
{
	struct lt_mmap_track *t = new_track();
	struct agg_view v;

	assert_int_equal(lt_mmap_track__map(t, A, P, 1, 100), 0);
	assert_int_equal(lt_mmap_track__map(t, A + P, 2 * P, 2, 900), 0);
	assert_int_equal(lt_mmap_track__map(t, A + 3 * P, 4 * P, 3, 2000), 0); /* after now */
	assert_int_equal(lt_mmap_track__map(t, A + 7 * P, 8 * P, 4, 500), 0);  /* exactly 500 */
	view(t, 1000, 500, &v);
	expect_stack(&v, 1, P, 1);
	expect_stack(&v, 2, 0, 0);
	expect_stack(&v, 3, 0, 0);
	expect_stack(&v, 4, 8 * P, 1);
	assert_int_equal(v.sec.bytes, 9 * P);
	lt_report_section__free(&v.sec);
	assert_int_equal(lt_mmap_track__bytes(t), 15 * P); /* aggregate does not consume */
	lt_mmap_track__free(t);
}

static void test_invalid_ranges(void **state)
{
	struct lt_mmap_track *t = new_track();

	assert_int_equal(lt_mmap_track__map(t, A, 0, 1, 1), -EINVAL);
	assert_int_equal(lt_mmap_track__map(t, UINT64_MAX - P, 2 * P, 1, 1), -EINVAL);
	assert_int_equal(lt_mmap_track__unmap(t, A, 0), -EINVAL);
	assert_int_equal(lt_mmap_track__remap(t, A, 0, B, P), -EINVAL);
	assert_int_equal(lt_mmap_track__remap(t, A, P, B, 0), -EINVAL);
	assert_int_equal(lt_mmap_track__map(NULL, A, P, 1, 1), -EINVAL);
	assert_int_equal(lt_mmap_track__aggregate(t, NULL, 0, 0), -EINVAL);
	assert_int_equal(lt_mmap_track__bytes(t), 0);
	lt_mmap_track__free(t);
	lt_mmap_track__free(NULL);
}

/* Random operations in a 64-page window, checked page by page against a plain array
 * of owners; catches off-by-one trims and splits the fixed cases miss. */
#define MODEL_PAGES 64

static void model_apply_remap(__u64 *m, __u64 o, __u64 on, __u64 d, __u64 dn)
{
	__u64 saved[MODEL_PAGES], grow = on ? m[o + on - 1] : 0, i;

	for (i = 0; i < on; i++) {
		saved[i] = m[o + i];
		m[o + i] = 0;
	}
	for (i = 0; i < dn; i++)
		m[d + i] = i < on ? saved[i] : grow;
}

static void test_random_against_model(void **state)
{
	struct lt_mmap_track *t = new_track();
	__u64 model[MODEL_PAGES] = { 0 };
	unsigned seed = 12345;
	int step;

	for (step = 0; step < 20000; step++) {
		__u64 a = rand_r(&seed) % MODEL_PAGES, n = 1 + rand_r(&seed) % 8, i, want = 0;
		__u64 d = rand_r(&seed) % MODEL_PAGES, dn = 1 + rand_r(&seed) % 8;
		int op = rand_r(&seed) % 4;
		struct agg_view v;

		if (a + n > MODEL_PAGES)
			n = MODEL_PAGES - a;
		if (d + dn > MODEL_PAGES)
			dn = MODEL_PAGES - d;
		if (op == 3 && (d < a + n && a < d + dn) && d != a)
			op = 0; /* mremap ranges may not overlap unless in place */
		if (op == 0) {
			assert_int_equal(lt_mmap_track__map(t, A + a * P, n * P, step + 1, step),
					 0);
			for (i = 0; i < n; i++)
				model[a + i] = step + 1;
		} else if (op == 1 || op == 2) {
			assert_int_equal(lt_mmap_track__unmap(t, A + a * P, n * P), 0);
			for (i = 0; i < n; i++)
				model[a + i] = 0;
		} else {
			assert_int_equal(
				lt_mmap_track__remap(t, A + a * P, n * P, A + d * P, dn * P), 0);
			model_apply_remap(model, a, n, d, dn);
		}
		for (i = 0; i < MODEL_PAGES; i++)
			want += model[i] ? P : 0;
		assert_int_equal(lt_mmap_track__bytes(t), want);
		if (step % 97)
			continue;
		view(t, NOW, 0, &v);
		for (i = 0; i < MODEL_PAGES; i++) {
			const struct lt_report_stack *s;
			__u64 j, pages = 0;

			if (!model[i])
				continue;
			for (j = 0; j < MODEL_PAGES; j++)
				pages += model[j] == model[i];
			s = find_stack(&v, model[i]);
			assert_non_null(s);
			assert_int_equal(s->bytes, pages * P);
		}
		lt_report_section__free(&v.sec);
	}
	lt_mmap_track__free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_map_single_and_page_rounding),
		cmocka_unit_test(test_unmap_trims_head_and_tail),
		cmocka_unit_test(test_unmap_middle_splits),
		cmocka_unit_test(test_unmap_spanning_several),
		cmocka_unit_test(test_map_fixed_replaces),
		cmocka_unit_test(test_remap_move_grow_shrink),
		cmocka_unit_test(test_remap_partly_tracked),
		cmocka_unit_test(test_remap_untracked_adds_nothing),
		cmocka_unit_test(test_aggregate_min_age),
		cmocka_unit_test(test_invalid_ranges),
		cmocka_unit_test(test_random_against_model),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

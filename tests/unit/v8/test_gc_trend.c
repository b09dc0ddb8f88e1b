// SPDX-License-Identifier: GPL-2.0
/* gc_trend: the least-squares fit, the verdict at and around each threshold, the log's
 * bounded list and totals, and the sentence reports print. */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "gc_trend.h"

#define MiB (1024.0 * 1024.0)

static void assert_near(double got, double want, double tol)
{
	if (fabs(got - want) > tol)
		fail_msg("got %.9g, want %.9g (tolerance %g)", got, want, tol);
}

static void test_fit_exact_line(void **state)
{
	double t[] = { 0, 1, 2, 3, 4 }, y[] = { 10, 12, 14, 16, 18 };
	struct lt_gc_fit f;

	assert_int_equal(lt_gc_trend__fit(t, y, 5, &f), 0);
	assert_true(f.valid);
	assert_int_equal(f.n, 5);
	assert_near(f.slope, 2, 1e-12);
	assert_near(f.intercept, 10, 1e-12);
	assert_near(f.r2, 1, 1e-12);
}

static void test_fit_noisy_line(void **state)
{
	/* y = 1 + 0.5 t with residuals +1, -1, -1, +1: slope and intercept stay, R^2 falls
	 * to 1 - 4 / (4 + 0.25 * 5) */
	double t[] = { -1, 0, 1, 2 }, y[] = { 1.5, 0, 0.5, 3 };
	struct lt_gc_fit f;

	assert_int_equal(lt_gc_trend__fit(t, y, 4, &f), 0);
	assert_near(f.slope, 0.5, 1e-12);
	assert_near(f.intercept, 1, 1e-12);
	assert_near(f.r2, 1 - 4 / (4 + 0.25 * 5), 1e-12);
}

static void test_fit_large_values(void **state)
{
	/* seconds since boot and sizes in GB: centred sums keep the digits */
	double t[] = { 1e6, 1e6 + 1, 1e6 + 2 }, y[] = { 5e9, 5e9 + 1000, 5e9 + 2000 };
	struct lt_gc_fit f;

	assert_int_equal(lt_gc_trend__fit(t, y, 3, &f), 0);
	assert_near(f.slope, 1000, 1e-6);
	assert_near(f.r2, 1, 1e-9);
}

static void test_fit_degenerate(void **state)
{
	double t[] = { 3, 3, 3 }, y[] = { 1, 2, 3 }, flat_t[] = { 0, 1, 2 }, flat_y[] = { 7, 7, 7 };
	struct lt_gc_fit f;

	assert_int_equal(lt_gc_trend__fit(t, y, 1, &f), 0);
	assert_false(f.valid);
	assert_int_equal(lt_gc_trend__fit(t, y, 3, &f), 0);
	assert_false(f.valid); /* one instant: no slope */
	assert_int_equal(lt_gc_trend__fit(flat_t, flat_y, 3, &f), 0);
	assert_true(f.valid);
	assert_near(f.slope, 0, 0);
	assert_near(f.r2, 0, 0);
	assert_int_equal(lt_gc_trend__fit(NULL, y, 3, &f), -EINVAL);
}

static struct lt_gc_fit fit_of(double slope, double r2, size_t n)
{
	return (struct lt_gc_fit){ .slope = slope, .r2 = r2, .n = n, .valid = true };
}

static void test_verdict_thresholds(void **state)
{
	struct lt_gc_fit f;

	/* 2 MiB/s over 10 s on a 20 MiB heap, a clean line: growing */
	f = fit_of(2 * MiB, 0.99, 12);
	assert_int_equal(lt_gc_trend__verdict(&f, 10, 20 * MiB), LT_GC_VERDICT_GROWING);
	/* the same with too few points */
	f.n = LT_GC_MIN_POINTS - 1;
	assert_int_equal(lt_gc_trend__verdict(&f, 10, 20 * MiB), LT_GC_VERDICT_UNKNOWN);
	f.n = LT_GC_MIN_POINTS;
	assert_int_equal(lt_gc_trend__verdict(&f, 10, 20 * MiB), LT_GC_VERDICT_GROWING);
	/* a poor fit */
	f = fit_of(2 * MiB, LT_GC_GROWING_MIN_R2 - 0.01, 12);
	assert_int_equal(lt_gc_trend__verdict(&f, 10, 20 * MiB), LT_GC_VERDICT_STABLE);
	/* a rise under the absolute floor: 0.09 MiB/s over 10 s */
	f = fit_of(0.09 * MiB, 0.99, 12);
	assert_int_equal(lt_gc_trend__verdict(&f, 10, 4 * MiB), LT_GC_VERDICT_STABLE);
	f = fit_of(0.11 * MiB, 0.99, 12);
	assert_int_equal(lt_gc_trend__verdict(&f, 10, 4 * MiB), LT_GC_VERDICT_GROWING);
	/* a rise under 5% of a large heap: 9 MiB on 200 MiB */
	f = fit_of(0.9 * MiB, 0.99, 12);
	assert_int_equal(lt_gc_trend__verdict(&f, 10, 200 * MiB), LT_GC_VERDICT_STABLE);
	assert_int_equal(lt_gc_trend__verdict(&f, 10, 100 * MiB), LT_GC_VERDICT_GROWING);
	/* shrinking is not growing */
	f = fit_of(-2 * MiB, 0.99, 12);
	assert_int_equal(lt_gc_trend__verdict(&f, 10, 20 * MiB), LT_GC_VERDICT_STABLE);
	f.valid = false;
	assert_int_equal(lt_gc_trend__verdict(&f, 10, 20 * MiB), LT_GC_VERDICT_UNKNOWN);
	assert_int_equal(lt_gc_trend__verdict(NULL, 10, 20 * MiB), LT_GC_VERDICT_UNKNOWN);
	assert_string_equal(lt_gc_trend__verdict_name(LT_GC_VERDICT_GROWING), "growing");
	assert_string_equal(lt_gc_trend__verdict_name(LT_GC_VERDICT_STABLE), "stable");
	assert_string_equal(lt_gc_trend__verdict_name(LT_GC_VERDICT_UNKNOWN), "unknown");
}

static void test_names(void **state)
{
	assert_string_equal(lt_gc_trend__kind_name(LT_GC_SCAVENGE), "scavenge");
	assert_string_equal(lt_gc_trend__kind_name(LT_GC_MARK_COMPACT), "mark-compact");
	assert_string_equal(lt_gc_trend__kind_name(LT_GC_MINOR_MARK_COMPACT), "minor-mark-compact");
	assert_string_equal(lt_gc_trend__kind_name(7), "unknown");
	assert_string_equal(lt_gc_trend__reason_name(0), "unknown");
	assert_string_equal(lt_gc_trend__reason_name(1), "allocation failure");
	assert_string_equal(lt_gc_trend__reason_name(17), "memory reducer");
	assert_string_equal(lt_gc_trend__reason_name(21), "testing");
	assert_string_equal(lt_gc_trend__reason_name(25), "background allocation failure");
	assert_null(lt_gc_trend__reason_name(26));
}

static struct lt_gc_collection gc_at(double t, __u32 kind, __u64 after, double pause)
{
	return (struct lt_gc_collection){
		.t_s = t,
		.kind = kind,
		.reason = 21,
		.pause_ms = pause,
		.live_before = after + 100,
		.live_after = after,
		.rss = after * 4,
		.has_before = true,
		.has_after = true,
	};
}

static void test_log_summary_growing(void **state)
{
	struct lt_gc_log *l = lt_gc_log__new(3);
	struct lt_gc_report r = {};
	struct lt_gc_collection c;

	assert_non_null(l);
	/* mark-compacts 1 MiB apart every second: +60 MiB/min; scavenges in between */
	for (int i = 0; i < 4; i++) {
		c = gc_at(i, LT_GC_MARK_COMPACT, (__u64)((10 + i) * MiB), 2.0);
		assert_int_equal(lt_gc_log__add(l, &c), 0);
		c = gc_at(i + 0.5, LT_GC_SCAVENGE, (__u64)(30 * MiB), 0.5);
		assert_int_equal(lt_gc_log__add(l, &c), 0);
	}
	/* a mark-compact without a live size stays out of the fit, but counts */
	c = gc_at(9, LT_GC_MARK_COMPACT, 0, 4.0);
	c.has_after = false;
	assert_int_equal(lt_gc_log__add(l, &c), 0);
	c = gc_at(9.5, 9, 0, 1.0); /* a kind this build does not know */
	assert_int_equal(lt_gc_log__add(l, &c), 0);

	assert_int_equal(lt_gc_log__summarize(l, 0, &r), 0);
	assert_int_equal(r.total, 10);
	assert_int_equal(r.n, 3);
	assert_int_equal(r.omitted, 7);
	/* the newest three, oldest first */
	assert_near(r.collections[0].t_s, 3.5, 0);
	assert_near(r.collections[1].t_s, 9, 0);
	assert_near(r.collections[2].t_s, 9.5, 0);
	assert_int_equal(r.counts[LT_GC_MARK_COMPACT], 5);
	assert_int_equal(r.counts[LT_GC_SCAVENGE], 4);
	assert_int_equal(r.counts[LT_GC_KIND__MAX], 1);
	assert_near(r.total_pause_ms, 4 * 2.5 + 4 + 1, 1e-9);
	assert_near(r.max_pause_ms, 4, 0);
	assert_int_equal(r.live.n, 4);
	assert_near(r.live.slope, MiB, 1e-3);
	assert_near(r.rss.slope, 4 * MiB, 1e-3);
	assert_int_equal(r.first_live, (__u64)(10 * MiB));
	assert_int_equal(r.last_live, (__u64)(13 * MiB));
	assert_near(r.last_t_s, 3, 0);
	assert_int_equal(r.verdict, LT_GC_VERDICT_GROWING);
	assert_int_equal(r.mark_compacts, 4);
	/* the unknown kind stays out of the envelope (its size of 0 would be its lowest) */
	assert_int_equal(r.other_gcs, 4);
	assert_near(r.span_s, 3, 0);
	assert_string_equal(r.sentence, "JS heap growing: +60.0 MiB/min over 3.0 s, 4 "
					"mark-compacts and 4 other GCs (R^2 1.00)");
	lt_gc_report__free(&r);
	assert_null(r.collections);
	lt_gc_log__free(l);
}

static void test_log_summary_stable_and_unknown(void **state)
{
	static const double sizes[] = { 20.0, 20.3, 19.9, 20.2, 20.0, 20.1 };
	struct lt_gc_log *l = lt_gc_log__new(100);
	struct lt_gc_report r = {};
	struct lt_gc_collection c;

	assert_non_null(l);
	c = gc_at(0, LT_GC_MARK_COMPACT, (__u64)(sizes[0] * MiB), 1.0);
	assert_int_equal(lt_gc_log__add(l, &c), 0);
	assert_int_equal(lt_gc_log__summarize(l, 0, &r), 0);
	assert_int_equal(r.verdict, LT_GC_VERDICT_UNKNOWN);
	assert_string_equal(r.sentence, "JS heap trend unknown: 1 mark-compact and 0 other GCs so "
					"far, a second mark-compact is needed");
	assert_int_equal(r.omitted, 0);
	lt_gc_report__free(&r);
	/* two are enough: 0.3 MiB is under the floor */
	c = gc_at(1, LT_GC_MARK_COMPACT, (__u64)(sizes[1] * MiB), 1.0);
	assert_int_equal(lt_gc_log__add(l, &c), 0);
	assert_int_equal(lt_gc_log__summarize(l, 0, &r), 0);
	assert_int_equal(r.verdict, LT_GC_VERDICT_STABLE);
	assert_int_equal(r.live.n, 2);
	lt_gc_report__free(&r);
	for (int i = 2; i < 6; i++) {
		c = gc_at(i, LT_GC_MARK_COMPACT, (__u64)(sizes[i] * MiB), 1.0);
		assert_int_equal(lt_gc_log__add(l, &c), 0);
	}
	assert_int_equal(lt_gc_log__summarize(l, 0, &r), 0);
	assert_int_equal(r.verdict, LT_GC_VERDICT_STABLE);
	assert_non_null(strstr(r.sentence, "JS heap stable: "));
	assert_non_null(strstr(r.sentence, " MiB/min over 5.0 s, 6 mark-compacts and 0 other "
					   "GCs (R^2 "));
	lt_gc_report__free(&r);
	lt_gc_log__free(l);
}

/* Adds collections of one kind at times t[i] with sizes y[i] MiB after them. */
static void add_series(struct lt_gc_log *l, __u32 kind, const double *t, const double *y, size_t n)
{
	struct lt_gc_collection c;

	for (size_t i = 0; i < n; i++) {
		c = gc_at(t[i], kind, (__u64)(y[i] * MiB), 1.0);
		assert_int_equal(lt_gc_log__add(l, &c), 0);
	}
}

static enum lt_gc_verdict summary_verdict(struct lt_gc_log *l, struct lt_gc_report *r)
{
	assert_int_equal(lt_gc_log__summarize(l, 0, r), 0);
	return r->verdict;
}

static void test_envelope_two_mark_compacts_growing(void **state)
{
	/* the measured Express case: two mark-compacts (87 and 161 MiB) in 16 s under load,
	 * scavenges before, between and after them rising with promoted objects. Three
	 * mark-compacts were needed before; the scavenges' lowest size before the first one
	 * (an upper bound of the live heap then) makes the third point. */
	static const double st0[] = { 1, 2, 3 }, sy0[] = { 35, 48, 60 };
	static const double st1[] = { 9, 12, 15 }, sy1[] = { 120, 150, 190 };
	static const double st2[] = { 21, 23 }, sy2[] = { 200, 245 };
	static const double mt[] = { 6, 18 }, my[] = { 87, 161 };
	struct lt_gc_log *l = lt_gc_log__new(100);
	struct lt_gc_report r = {};

	add_series(l, LT_GC_SCAVENGE, st0, sy0, 3);
	add_series(l, LT_GC_MARK_COMPACT, mt, my, 1);
	add_series(l, LT_GC_SCAVENGE, st1, sy1, 3);
	add_series(l, LT_GC_MARK_COMPACT, mt + 1, my + 1, 1);
	add_series(l, LT_GC_SCAVENGE, st2, sy2, 2);
	assert_int_equal(summary_verdict(l, &r), LT_GC_VERDICT_GROWING);
	assert_int_equal(r.live.n, 3); /* 35 at 1 s, 87 at 6 s, 161 at 18 s */
	assert_near(r.span_s, 17, 1e-9);
	assert_int_equal(r.env_first, (__u64)(35 * MiB));
	assert_int_equal(r.env_last, (__u64)(161 * MiB));
	assert_true(r.live.slope > 6 * MiB && r.live.slope < 8 * MiB);
	assert_int_equal(r.mark_compacts, 2);
	assert_int_equal(r.other_gcs, 8);
	/* the report's live sizes stay those of the mark-compacts */
	assert_int_equal(r.first_live, (__u64)(87 * MiB));
	assert_int_equal(r.last_live, (__u64)(161 * MiB));
	lt_gc_report__free(&r);
	lt_gc_log__free(l);
}

static void test_envelope_sawtooth_stable(void **state)
{
	/* a bounded LRU under load: its evicted entries were promoted, so the heap after each
	 * scavenge climbs between mark-compacts by far more than the floor, and every
	 * mark-compact brings it back to 10 MiB */
	static const double st0[] = { 0.5, 1.5, 2.5 }, sy0[] = { 18, 22, 26 };
	static const double st1[] = { 6, 7, 8, 9 }, sy1[] = { 14, 18, 22, 26 };
	static const double st2[] = { 11, 12, 13, 14 }, sy2[] = { 14, 19, 24, 29 };
	static const double mt[] = { 5, 10 }, my[] = { 10.0, 10.2 };
	struct lt_gc_log *l = lt_gc_log__new(100);
	struct lt_gc_report r = {};

	add_series(l, LT_GC_SCAVENGE, st0, sy0, 3);
	add_series(l, LT_GC_MARK_COMPACT, mt, my, 1);
	add_series(l, LT_GC_SCAVENGE, st1, sy1, 4);
	add_series(l, LT_GC_MARK_COMPACT, mt + 1, my + 1, 1);
	add_series(l, LT_GC_SCAVENGE, st2, sy2, 4);
	assert_int_equal(summary_verdict(l, &r), LT_GC_VERDICT_STABLE);
	/* the stretch before the first mark-compact (18 MiB, above it) bounds nothing */
	assert_int_equal(r.live.n, 2);
	assert_near(r.env_first_t_s, 5, 0);
	assert_non_null(strstr(r.sentence, "JS heap stable: +"));
	lt_gc_report__free(&r);
	/* one mark-compact more, 1.5 MiB up: a rise over the floor is growth */
	add_series(l, LT_GC_MARK_COMPACT, (const double[]){ 15 }, (const double[]){ 11.7 }, 1);
	assert_int_equal(summary_verdict(l, &r), LT_GC_VERDICT_GROWING);
	assert_int_equal(r.live.n, 3);
	lt_gc_report__free(&r);
	lt_gc_log__free(l);
}

static void test_envelope_lowest_of_stretch(void **state)
{
	/* a scavenge after a mark-compact that finds less than it (young objects died): the
	 * stretch's point is the scavenge's, at its time */
	static const double t[] = { 1, 2, 3, 4 }, y[] = { 30, 28, 29, 31 };
	struct lt_gc_log *l = lt_gc_log__new(100);
	struct lt_gc_report r = {};

	add_series(l, LT_GC_MARK_COMPACT, t, y, 1);
	add_series(l, LT_GC_MINOR_MARK_COMPACT, t + 1, y + 1, 2);
	add_series(l, LT_GC_MARK_COMPACT, t + 3, y + 3, 1);
	assert_int_equal(summary_verdict(l, &r), LT_GC_VERDICT_GROWING);
	assert_int_equal(r.live.n, 2);
	assert_near(r.env_first_t_s, 2, 0);
	assert_int_equal(r.env_first, (__u64)(28 * MiB));
	assert_near(r.live.slope, 1.5 * MiB, 1e-3);
	lt_gc_report__free(&r);
	lt_gc_log__free(l);
}

static void test_envelope_without_mark_compact(void **state)
{
	static const double t[] = { 0, 4, 8, 11 }, flat[] = { 40, 40.6, 40.2, 40.5 },
			    rising[] = { 40, 45, 50, 55 };
	struct lt_gc_log *l = lt_gc_log__new(100);
	struct lt_gc_report r = {};

	/* within the floor over 11 s: stable */
	add_series(l, LT_GC_SCAVENGE, t, flat, 4);
	assert_int_equal(summary_verdict(l, &r), LT_GC_VERDICT_STABLE);
	assert_string_equal(r.sentence, "JS heap stable: the heap after 4 GCs stayed within 0.6 "
					"MiB over 11.0 s (no mark-compact)");
	lt_gc_report__free(&r);
	lt_gc_log__free(l);
	/* too short a span */
	l = lt_gc_log__new(100);
	add_series(l, LT_GC_SCAVENGE, t, flat, 3);
	assert_int_equal(summary_verdict(l, &r), LT_GC_VERDICT_UNKNOWN);
	lt_gc_report__free(&r);
	lt_gc_log__free(l);
	/* rising: promoted garbage as much as a leak, a mark-compact tells */
	l = lt_gc_log__new(100);
	add_series(l, LT_GC_SCAVENGE, t, rising, 4);
	assert_int_equal(summary_verdict(l, &r), LT_GC_VERDICT_UNKNOWN);
	assert_string_equal(r.sentence, "JS heap trend unknown: no mark-compact yet; 4 other GCs "
					"in 11.0 s, the heap after them 40.0 to 55.0 MiB");
	lt_gc_report__free(&r);
	lt_gc_log__free(l);
}

static void test_log_trend_per_isolate(void **state)
{
	struct lt_gc_log *l = lt_gc_log__new(100);
	struct lt_gc_report r = {};
	struct lt_gc_collection c;

	assert_non_null(l);
	/* the main isolate (thread 100) leaks; a worker (thread 101) collects more often and
	 * holds a steady, larger heap: mixing the two would hide the leak */
	for (int i = 0; i < 5; i++) {
		c = gc_at(i, LT_GC_MARK_COMPACT, (__u64)((10 + 2 * i) * MiB), 1.0);
		c.tid = 100;
		assert_int_equal(lt_gc_log__add(l, &c), 0);
		for (int k = 0; k < 2; k++) {
			c = gc_at(i + 0.25 + k * 0.25, LT_GC_MARK_COMPACT, (__u64)(80 * MiB), 1.0);
			c.tid = 101;
			assert_int_equal(lt_gc_log__add(l, &c), 0);
		}
	}
	assert_int_equal(lt_gc_log__summarize(l, 100, &r), 0);
	assert_int_equal(r.trend_tid, 100);
	assert_int_equal(r.live.n, 5);
	assert_int_equal(r.other_mark_compacts, 10);
	assert_near(r.live.slope, 2 * MiB, 1e-3);
	assert_int_equal(r.verdict, LT_GC_VERDICT_GROWING);
	assert_int_equal(r.counts[LT_GC_MARK_COMPACT], 15);
	lt_gc_report__free(&r);

	/* no mark-compact on the main thread: the busiest thread's */
	assert_int_equal(lt_gc_log__summarize(l, 7, &r), 0);
	assert_int_equal(r.trend_tid, 101);
	assert_int_equal(r.live.n, 10);
	assert_int_equal(r.other_mark_compacts, 5);
	assert_int_equal(r.verdict, LT_GC_VERDICT_STABLE);
	lt_gc_report__free(&r);
	lt_gc_log__free(l);
}

static void test_log_empty(void **state)
{
	struct lt_gc_log *l = lt_gc_log__new(0);
	struct lt_gc_report r = {};

	assert_non_null(l);
	assert_int_equal(lt_gc_log__summarize(l, 0, &r), 0);
	assert_int_equal(r.n, 0);
	assert_null(r.collections);
	assert_int_equal(r.total, 0);
	assert_int_equal(r.verdict, LT_GC_VERDICT_UNKNOWN);
	assert_string_equal(r.sentence,
			    "JS heap trend unknown: no collection with a live size yet");
	assert_int_equal(lt_gc_log__add(NULL, NULL), -EINVAL);
	lt_gc_report__free(&r);
	lt_gc_log__free(l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fit_exact_line),
		cmocka_unit_test(test_fit_noisy_line),
		cmocka_unit_test(test_fit_large_values),
		cmocka_unit_test(test_fit_degenerate),
		cmocka_unit_test(test_verdict_thresholds),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_log_summary_growing),
		cmocka_unit_test(test_log_summary_stable_and_unknown),
		cmocka_unit_test(test_envelope_two_mark_compacts_growing),
		cmocka_unit_test(test_envelope_sawtooth_stable),
		cmocka_unit_test(test_envelope_lowest_of_stretch),
		cmocka_unit_test(test_envelope_without_mark_compact),
		cmocka_unit_test(test_log_trend_per_isolate),
		cmocka_unit_test(test_log_empty),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

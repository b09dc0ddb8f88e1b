// SPDX-License-Identifier: GPL-2.0
/* The JS heap (V8) part of the report writers: exact text and JSON for a fixture GC
 * summary, the section of a process without V8, and no section when there is no summary. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "output.h"
#include "gc_trend.h"
#include "fixtures/report.h"

static struct lt_gc_collection cols[] = {
	{ .t_s = 0.5,
	  .pause_ms = 1.25,
	  .live_before = 4 * MIB,
	  .live_after = 3 * MIB,
	  .rss = 40 * MIB,
	  .kind = LT_GC_SCAVENGE,
	  .reason = 1,
	  .tid = 7,
	  .has_before = true,
	  .has_after = true },
	{ .t_s = 1.0,
	  .pause_ms = 6.5,
	  .live_before = 5 * MIB,
	  .live_after = 4 * MIB,
	  .rss = 42 * MIB,
	  .kind = LT_GC_MARK_COMPACT,
	  .reason = 21,
	  .tid = 7,
	  .has_before = true,
	  .has_after = true },
	{ .t_s = 2.0, .pause_ms = 0.5, .rss = 0, .kind = 9, .reason = 99, .tid = 8 },
};

static void make_report(struct lt_report *r, struct lt_gc_report *gc)
{
	memset(r, 0, sizeof(*r));
	memset(gc, 0, sizeof(*gc));
	r->pid = 9;
	r->comm = "node";
	r->duration_s = 60;
	r->final = true;
	gc->traced = true;
	gc->module = "/usr/bin/node";
	gc->v8_version = "11.3.244.8";
	gc->collections = cols;
	gc->n = 3;
	gc->omitted = 2;
	gc->counts[LT_GC_SCAVENGE] = 3;
	gc->counts[LT_GC_MARK_COMPACT] = 1;
	gc->counts[LT_GC_KIND__MAX] = 1;
	gc->total = 5;
	gc->total_pause_ms = 9.75;
	gc->max_pause_ms = 6.5;
	gc->live = (struct lt_gc_fit){ .slope = MIB / 2.0, .r2 = 0.985, .n = 12, .valid = true };
	gc->trend_tid = 7;
	gc->rss = (struct lt_gc_fit){ .slope = MIB, .r2 = 0.5, .n = 12, .valid = true };
	gc->first_t_s = 1.0;
	gc->last_t_s = 23.0;
	gc->first_live = 4 * MIB;
	gc->last_live = 15 * MIB;
	gc->first_rss = 42 * MIB;
	gc->last_rss = 64 * MIB;
	gc->verdict = LT_GC_VERDICT_GROWING;
	gc->mark_compacts = 12;
	gc->other_gcs = 3;
	gc->span_s = 22.5;
	gc->env_first_t_s = 0.5;
	gc->env_first = 3 * MIB;
	gc->env_last = 15 * MIB;
	snprintf(gc->sentence, sizeof(gc->sentence),
		 "JS heap growing: +30.0 MiB/min over 22.5 s, 12 mark-compacts and 3 other GCs "
		 "(R^2 0.98)");
	r->gc = gc;
}

static void test_text_gc_section(void **state)
{
	struct lt_report r;
	struct lt_gc_report gc;
	char *out = NULL;

	make_report(&r, &gc);
	CAPTURE(out, lt_output__text(f, &r, 10));
	assert_non_null(strstr(
		out,
		"mmap: 0 B outstanding in 0 mappings from 0 stacks\n"
		"\n"
		"JS heap (V8): JS heap growing: +30.0 MiB/min over 22.5 s, 12 mark-compacts and 3 "
		"other GCs (R^2 0.98)\n"
		"  live after mark-compact: 4.0 MiB at 1.0 s -> 15.0 MiB at 23.0 s\n"
		"  lowest after a GC between mark-compacts: 3.0 MiB at 0.5 s -> 15.0 MiB at 23.0 s "
		"(12 points)\n"
		"  process RSS at the same times: 42.0 MiB -> 64.0 MiB (+60.0 MiB/min)\n"
		"  collections: 5 (3 scavenge, 1 mark-compact, 1 unknown); pause 9.8 ms in total, "
		"longest 6.5 ms\n"
		/* a growing JS heap without -t jsheap: how to see its sites (issue 12 item 5) */
		"  to see which JS allocation sites grow: -t jsheap (opens Node's inspector on a "
		"local port while tracing and forces a full GC per read: docs/jsheap.md)\n"
		"\n"
		"lost: none\n"));
	free(out);

	/* workers' mark-compacts are said to be left out */
	gc.other_mark_compacts = 4;
	CAPTURE(out, lt_output__text(f, &r, 10));
	assert_non_null(strstr(out, "(12 points)\n  (the isolate of thread 7; 4 "
				    "mark-compacts of other isolates, such as workers, are not "
				    "in the trend)\n  process RSS"));
	free(out);
}

static void test_text_gc_off(void **state)
{
	struct lt_report r;
	struct lt_gc_report gc;
	char *out = NULL;

	make_report(&r, &gc);
	memset(&gc, 0, sizeof(gc));
	gc.off_reason = "no V8 symbols\tin this process";
	CAPTURE(out, lt_output__text(f, &r, 10));
	assert_non_null(strstr(out, "\n\nJS heap (V8): not traced: no V8 symbols?in this process\n"
				    "\nlost: none\n"));
	free(out);

	/* no summary, no section */
	r.gc = NULL;
	CAPTURE(out, lt_output__text(f, &r, 10));
	assert_null(strstr(out, "JS heap"));
	free(out);
}

static const char json_gc_expected[] =
	",\"gc\":{\"traced\":true,\"off_reason\":null,\"module\":\"/usr/bin/node\","
	"\"v8_version\":\"11.3.244.8\",\"collections\":["
	"{\"t_s\":0.500,\"kind\":\"scavenge\",\"reason\":\"allocation failure\",\"pause_ms\":1.250,"
	"\"live_before\":4194304,\"live_after\":3145728,\"rss\":41943040,\"kind_id\":0,"
	"\"reason_id\":1,\"tid\":7},"
	"{\"t_s\":1.000,\"kind\":\"mark-compact\",\"reason\":\"testing\",\"pause_ms\":6.500,"
	"\"live_before\":5242880,\"live_after\":4194304,\"rss\":44040192,\"kind_id\":1,"
	"\"reason_id\":21,\"tid\":7},"
	"{\"t_s\":2.000,\"kind\":\"unknown\",\"reason\":null,\"pause_ms\":0.500,"
	"\"live_before\":null,\"live_after\":null,\"rss\":0,\"kind_id\":9,\"reason_id\":99,"
	"\"tid\":8}],"
	"\"collections_omitted\":2,\"counts\":{\"scavenge\":3,\"mark-compact\":1,"
	"\"minor-mark-compact\":0,\"unknown\":1},\"total_pause_ms\":9.750,\"max_pause_ms\":6.500,"
	"\"mark_compacts_fitted\":12,\"trend_tid\":7,\"other_isolate_mark_compacts\":0,"
	"\"live_after_mark_compact_trend_bytes_per_s\":524288.000,"
	"\"live_after_mark_compact_trend_r2\":0.985,\"rss_trend_bytes_per_s\":1048576.000,"
	"\"rss_trend_r2\":0.500,\"verdict\":\"growing\","
	"\"summary\":\"JS heap growing: +30.0 MiB/min over 22.5 s, 12 mark-compacts and 3 other "
	"GCs (R^2 0.98)\",\"other_gcs_fitted\":3,\"envelope_points\":12,\"trend_span_s\":22.500}"

	",\"js_heap\":{\"traced\":false,\"suggestion\":\"to see which JS allocation sites grow: "
	"-t jsheap (opens Node's inspector on a local port while tracing and forces a full GC per "
	"read: docs/jsheap.md)\"}";

static void test_json_gc_object(void **state)
{
	struct lt_report r;
	struct lt_gc_report gc;
	char *out = NULL, *lost;

	make_report(&r, &gc);
	CAPTURE(out, lt_output__json(f, &r));
	/* after mmap, before lost */
	lost = strstr(out, ",\"not_loaded\":[],\"lost\":{");
	assert_non_null(lost);
	*lost = '\0';
	assert_non_null(strstr(out, "\"stacks\":[]}" /* mmap */));
	assert_string_equal(strstr(out, ",\"gc\":"), json_gc_expected);
	free(out);
}

static void test_json_gc_off(void **state)
{
	struct lt_report r;
	struct lt_gc_report gc;
	char *out = NULL;

	make_report(&r, &gc);
	memset(&gc, 0, sizeof(gc));
	gc.off_reason = "Heap::PerformGarbageCollection not found in V8 \"13\"";
	CAPTURE(out, lt_output__json(f, &r));
	assert_non_null(strstr(
		out,
		",\"gc\":{\"traced\":false,\"off_reason\":\"Heap::PerformGarbageCollection not "
		"found in V8 \\\"13\\\"\",\"module\":null,\"v8_version\":null,\"collections\":[],"
		"\"collections_omitted\":0,\"counts\":{\"scavenge\":0,\"mark-compact\":0,"
		"\"minor-mark-compact\":0,\"unknown\":0},\"total_pause_ms\":0.000,"
		"\"max_pause_ms\":0.000,\"mark_compacts_fitted\":0,\"trend_tid\":0,"
		"\"other_isolate_mark_compacts\":0,"
		"\"live_after_mark_compact_trend_bytes_per_s\":0.000,"
		"\"live_after_mark_compact_trend_r2\":0.000,\"rss_trend_bytes_per_s\":0.000,"
		"\"rss_trend_r2\":0.000,\"verdict\":\"unknown\",\"summary\":null,"
		"\"other_gcs_fitted\":0,\"envelope_points\":0,\"trend_span_s\":0.000},"
		"\"not_loaded\":[],\"lost\":"));
	free(out);
}

static void test_json_gc_parses(void **state)
{
	struct lt_report r;
	struct lt_gc_report gc;
	char *out = NULL;
	FILE *p;
	int st;

	if (system("command -v python3 >/dev/null 2>&1"))
		skip();
	make_report(&r, &gc);
	CAPTURE(out, lt_output__json(f, &r));
	p = popen("python3 -c 'import json,sys; d = json.load(sys.stdin); "
		  "assert d[\"gc\"][\"verdict\"] == \"growing\"; "
		  "assert len(d[\"gc\"][\"collections\"]) == 3'",
		  "w");
	assert_non_null(p);
	fputs(out, p);
	st = pclose(p);
	assert_int_equal(st, 0);
	free(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_text_gc_section), cmocka_unit_test(test_text_gc_off),
		cmocka_unit_test(test_json_gc_object),	cmocka_unit_test(test_json_gc_off),
		cmocka_unit_test(test_json_gc_parses),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

// SPDX-License-Identifier: GPL-2.0
/* The JS heap section in the report: -t jsheap is opt-in (not in the default set) with its
 * two options; without it a growing JS heap carries the one-line suggestion (text and
 * JSON); with it the text names the growing sites and the inspector window, and the JSON
 * member has the documented shape. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <json-c/json.h>

#include "config.h"
#include "gc_trend.h"
#include "jsheap_report.h"
#include "output.h"
#include "report.h"

static char *render(const struct lt_report *r, bool json)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	if (json)
		assert_int_equal(lt_output__json(f, r), 0);
	else
		assert_int_equal(lt_output__text(f, r, 10), 0);
	fclose(f);
	return buf;
}

static void test_opt_in(void **state)
{
	char *dflt[] = { "leaktrace", "-p", "1", NULL };
	char *on[] = {
		"leaktrace",	     "-p",  "1", "-t", "gc,jsheap", "--js-sample-interval", "32K",
		"--js-gc-pause-max", "500", NULL
	};
	char *bad[] = { "leaktrace", "-p", "1", "--js-sample-interval", "12", NULL };
	struct lt_config cfg;

	assert_int_equal(lt_config__parse(3, dflt, &cfg), 0);
	assert_false(cfg.trace_jsheap);
	assert_true(cfg.trace_gc);
	assert_int_equal(cfg.js_sample_interval, 512 * 1024);
	assert_int_equal(cfg.js_gc_pause_max_ms, 200);
	assert_int_equal(lt_config__parse(9, on, &cfg), 0);
	assert_true(cfg.trace_jsheap);
	assert_false(cfg.trace_heap);
	assert_int_equal(cfg.js_sample_interval, 32 * 1024);
	assert_int_equal(cfg.js_gc_pause_max_ms, 500);
	assert_int_equal(lt_config__parse(5, bad, &cfg), -EINVAL);
}

static void test_suggestion(void **state)
{
	struct lt_gc_report gc = { .traced = true, .verdict = LT_GC_VERDICT_GROWING };
	struct lt_report r = { .pid = 1, .final = true, .gc = &gc };
	char *text, *json;

	snprintf(gc.sentence, sizeof(gc.sentence), "JS heap growing: +1 MiB/min");
	text = render(&r, false);
	assert_non_null(strstr(text, lt_js_heap__suggestion));
	json = render(&r, true);
	assert_non_null(strstr(json, "\"js_heap\":{\"traced\":false,\"suggestion\":"));
	free(text);
	free(json);
	gc.verdict = LT_GC_VERDICT_STABLE;
	text = render(&r, false);
	assert_null(strstr(text, lt_js_heap__suggestion));
	free(text);
}

static void test_section(void **state)
{
	struct lt_gc_report gc = { .traced = true, .verdict = LT_GC_VERDICT_GROWING };
	struct lt_js_site site = {
		.frames = { { "watchConfig", "/srv/app.js", 59, 1 },
			    { "(anonymous)", "/srv/app.js", 79, 3 } },
		.nframes = 2,
		.bytes = { 1 << 20, 3 << 20 },
		.count = { 10, 30 },
		.samples = { 20, 60 },
		.survivors_first_half = 0.5,
		.trend = { LT_VERDICT_GROWING, 300000, 0.99, 10 },
	};
	struct lt_js_heap_report js = {
		.traced = true,
		.sampling_interval_bytes = 524288,
		.reads = { { .t_s = 5, .pause_ms = 40, .samples = 20 },
			   { .t_s = 10, .pause_ms = 60, .samples = 60 } },
		.nreads = 2,
		.inspector_open_s = 10.5,
		.opened_by_us = true,
		.closed = true,
		.address = "127.0.0.1:9229",
		.forced_gcs = 2,
		.max_pause_ms = 60,
		.sites = &site,
		.nsites = 1,
	};
	struct lt_report r = { .pid = 1, .final = true, .gc = &gc, .js_heap = &js };
	struct json_object *o, *j, *v;
	char *text = render(&r, false), *json = render(&r, true);

	assert_null(strstr(text, lt_js_heap__suggestion));
	assert_non_null(strstr(text, "#1 +293.0 KiB/s  3.0 MiB live  watchConfig /srv/app.js:59"));
	assert_non_null(strstr(text, "<- (anonymous) /srv/app.js:79"));
	assert_non_null(strstr(text, "(50% from its first half): accumulating"));
	assert_non_null(strstr(text,
			       "opened by SIGUSR1 on 127.0.0.1:9229 for 10.5 s, then "
			       "closed (its port is gone); 2 forced full GC(s), longest 60 ms"));
	o = json_tokener_parse(json);
	assert_non_null(o);
	assert_true(json_object_object_get_ex(o, "js_heap", &j));
	assert_true(json_object_object_get_ex(j, "sampling_interval_bytes", &v));
	assert_int_equal(json_object_get_int64(v), 524288);
	assert_true(json_object_object_get_ex(j, "reads", &v));
	assert_int_equal(json_object_array_length(v), 2);
	assert_true(json_object_object_get_ex(j, "sites", &v));
	v = json_object_array_get_idx(v, 0);
	assert_true(json_object_object_get_ex(v, "bytes", &v));
	assert_int_equal(json_object_get_int64(v), 3 << 20);
	json_object_put(o);
	free(text);
	free(json);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_opt_in),
		cmocka_unit_test(test_suggestion),
		cmocka_unit_test(test_section),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

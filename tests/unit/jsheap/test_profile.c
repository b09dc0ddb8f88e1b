// SPDX-License-Identifier: GPL-2.0
/* profile: V8 sampling profiles summed into sites (the innermost user frame, the builtin
 * below it kept as detail, node: frames skipped), inclusive per function (a recursive
 * function counted once per sample) and per file, V8's scaling of counts, survivor ages,
 * and the verdicts: growing only when the rise beats Poisson noise and the survivors span
 * the window. Also the /json/list reply and json-c's depth on a deep profile. */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cdp.h"
#include "profile.h"

#define FRAME(fn, url, line)                                                                       \
	"\"callFrame\":{\"functionName\":\"" fn "\",\"url\":\"" url "\",\"lineNumber\":" #line     \
	",\"columnNumber\":4}"

/* (root) -> handler app.js:10 -> watch app.js:20 -> repeat (builtin)
 *                             -> emit node:events -> handler app.js:10 (recursion)
 * samples: 3 under repeat, 1 under the node: frame */
static const char profile1[] = "{\"head\":{" FRAME(
	"(root)", "",
	-1) ",\"id\":1,\"selfSize\":0,\"children\":["
	    "{" FRAME(
		    "", "/srv/app.js",
		    9) ",\"id\":2,\"children\":["
		       "{" FRAME(
			       "watch", "/srv/app.js",
			       19) ",\"id\":3,\"children\":["
				   "{" FRAME(
					   "repeat", "",
					   -1) ",\"id\":4,\"children\":[]}]},"
					       "{" FRAME(
						       "emit", "node:events",
						       100) ",\"id\":5,\"children\":["
							    "{" FRAME(
								    "", "/srv/app.js",
								    9) ",\"id\":6,\"children\":[]}]}]}]},"
								       "\"samples\":[{\"size\":1024,\"nodeId\":4,\"ordinal\":1},"
								       "{\"size\":1024,\"nodeId\":4,\"ordinal\":60},{\"size\":1024,\"nodeId\":4,\"ordinal\":100},"
								       "{\"size\":2048,\"nodeId\":6,\"ordinal\":80},{\"size\":64,\"nodeId\":99,\"ordinal\":3}]}";

static struct json_object *parse(const char *s)
{
	struct json_object *o = lt_cdp__parse(s, strlen(s));

	assert_non_null(o);
	return o;
}

static const struct lt_js_site *find(const struct lt_js_site *v, size_t n, const char *sym,
				     int line)
{
	for (size_t i = 0; i < n; i++)
		if (v[i].nframes && v[i].frames[0].symbol && !strcmp(v[i].frames[0].symbol, sym) &&
		    v[i].frames[0].line == line)
			return &v[i];
	return NULL;
}

static void test_sites(void **state)
{
	struct lt_js_heap_report r = {};
	struct lt_js_profile p;
	struct json_object *o = parse(profile1);
	const struct lt_js_site *s;
	double t[] = { 10 };
	size_t n;

	assert_int_equal(lt_js_profile__init(&p, 1024), 0);
	assert_int_equal(lt_js_profile__add_read(&p, o, &n), 0);
	assert_int_equal(n, 4); /* the sample of an unknown node is not counted */
	assert_int_equal(lt_js_profile__finish(&p, t, &r), 0);
	assert_int_equal(r.nsites, 2);
	/* repeat is builtin: the site is watch, with the builtin as detail, caller handler */
	s = find(r.sites, r.nsites, "watch", 20);
	assert_non_null(s);
	assert_string_equal(s->leaf, "repeat");
	assert_int_equal(s->nframes, 2);
	assert_string_equal(s->frames[1].symbol, "(anonymous)");
	assert_int_equal(s->frames[0].column, 5);
	assert_int_equal(s->samples[0], 3);
	/* V8's scaling: a sample of size s stands for 1 / (1 - e^(-s/interval)) objects */
	assert_true(fabs(s->count[0] - 3 / (1 - exp(-1.0))) < 1e-6);
	assert_true(fabs(s->bytes[0] - 3 * 1024 / (1 - exp(-1.0))) < 1e-3);
	/* ordinals 1, 60, 100 in [1, 100]: one in the first half, the oldest at 0 */
	assert_true(fabs(s->survivors_first_half - 1.0 / 3) < 1e-9);
	assert_true(s->oldest == 0);
	/* the node: frame is skipped: the site is the handler (line 10) above it */
	s = find(r.sites, r.nsites, "(anonymous)", 10);
	assert_non_null(s);
	assert_int_equal(s->samples[0], 1);
	/* inclusive: the handler holds every sample once, though it recurses */
	s = find(r.functions, r.nfunctions, "(anonymous)", 10);
	assert_non_null(s);
	assert_int_equal(s->samples[0], 4);
	assert_int_equal(r.nfiles, 1);
	assert_string_equal(r.files[0].frames[0].file, "/srv/app.js");
	assert_int_equal(r.files[0].samples[0], 4);
	lt_js_heap_report__free(&r);
	lt_js_profile__free(&p);
	json_object_put(o);
}

/* (root) -> checkout pool.js:12 -> Connection pool.js:30 -> connect node:net ->
 *            Socket node:net -> Duplex node:internal/streams/duplex (2 samples)
 *         -> onconnection node:net -> Socket node:net (1 sample: an accepted socket) */
static const char profile_sockets[] = "{\"head\":{" FRAME(
	"(root)", "",
	-1) ",\"id\":1,\"children\":["
	    "{" FRAME(
		    "checkout", "file:///srv/pool.js",
		    11) ",\"id\":2,\"children\":["
			"{" FRAME(
				"Connection", "file:///srv/pool.js",
				29) ",\"id\":3,\"children\":["
				    "{" FRAME(
					    "connect", "node:net",
					    200) ",\"id\":4,\"children\":["
						 "{" FRAME(
							 "Socket", "node:net",
							 300) ",\"id\":5,\"children\":["
							      "{" FRAME(
								      "Duplex",
								      "node:internal/streams/duplex",
								      50) ",\"id\":6,\"children\":[]}]}]}]}]},"
									  "{" FRAME(
										  "onconnection",
										  "node:net",
										  2000) ",\"id\":7,\"children\":["
											"{" FRAME(
												"Socket",
												"node:net",
												300) ",\"id\":8,\"children\":[]}]}]},"
												     "\"samples\":[{\"size\":512,\"nodeId\":6,\"ordinal\":1},"
												     "{\"size\":512,\"nodeId\":5,\"ordinal\":50},{\"size\":512,\"nodeId\":8,\"ordinal\":60},"
												     "{\"size\":4096,\"nodeId\":3,\"ordinal\":70}]}";

/* The socket rows: samples below node:net's Socket, by the first user frame above it with
 * its user callers; Node's own sockets (accepted ones) and other allocations have none. */
static void test_socket_owners(void **state)
{
	struct lt_js_heap_report r = {};
	struct lt_js_profile p;
	struct json_object *o = parse(profile_sockets);
	double t[] = { 10 };
	size_t n;

	assert_int_equal(lt_js_profile__init(&p, 1024), 0);
	assert_int_equal(lt_js_profile__add_read(&p, o, &n), 0);
	assert_int_equal(n, 4);
	assert_int_equal(lt_js_profile__finish(&p, t, &r), 0);
	assert_int_equal(r.nsockets, 1);
	assert_int_equal(r.sockets[0].samples[0], 2); /* not Connection's own, not accepted */
	assert_string_equal(r.sockets[0].leaf, "net.Socket");
	assert_int_equal(r.sockets[0].nframes, 2);
	assert_string_equal(r.sockets[0].frames[0].symbol, "Connection");
	assert_int_equal(r.sockets[0].frames[0].line, 30);
	assert_string_equal(r.sockets[0].frames[1].symbol, "checkout");
	lt_js_heap_report__free(&r);
	assert_null(r.sockets);
	lt_js_profile__free(&p);
	json_object_put(o);
}

static struct lt_js_site row(double b1, double b2, size_t n1, size_t n2, double first_half)
{
	struct lt_js_site s = {};

	s.bytes[0] = b1, s.bytes[1] = b2;
	s.samples[0] = n1, s.samples[1] = n2;
	/* a count until the trend divides it by the last read's samples */
	s.survivors_first_half = first_half * (double)n2;
	return s;
}

static void test_trend(void **state)
{
	double t[] = { 5, 10 };
	struct lt_js_site s;

	/* accumulating: doubled between reads, half the survivors from the first half */
	s = row(100 * 1024, 200 * 1024, 100, 200, 0.5);
	lt_js_profile__trend(&s, t, 2);
	assert_int_equal(s.trend.verdict, LT_VERDICT_GROWING);
	assert_true(fabs(s.trend.per_s - 20480) < 1); /* (0,0) (5,100K) (10,200K) */
	assert_true(s.trend.r2 > 0.99);
	assert_true(s.trend.span_s == 10);
	/* the same rise from survivors of the window's end only: bounded churn */
	s = row(100 * 1024, 200 * 1024, 100, 200, 0.02);
	lt_js_profile__trend(&s, t, 2);
	assert_int_equal(s.trend.verdict, LT_VERDICT_STABLE);
	/* within Poisson noise: 36 -> 44 samples (3 sigma of 44 is about 20) */
	s = row(36 * 1024, 44 * 1024, 36, 44, 0.5);
	lt_js_profile__trend(&s, t, 2);
	assert_int_equal(s.trend.verdict, LT_VERDICT_STABLE);
	/* fell well beyond noise */
	s = row(400 * 1024, 100 * 1024, 400, 100, 0.5);
	lt_js_profile__trend(&s, t, 2);
	assert_int_equal(s.trend.verdict, LT_VERDICT_SHRINKING);
	/* too few samples for any verdict */
	s = row(0, 5 * 1024, 0, 5, 0.6);
	lt_js_profile__trend(&s, t, 2);
	assert_int_equal(s.trend.verdict, LT_VERDICT_UNKNOWN);
}

static void test_bad_profiles(void **state)
{
	static const char *const bad[] = {
		"{}",
		"{\"head\":{},\"samples\":{}}",
		"{\"head\":[],\"samples\":[]}",
	};
	struct lt_js_profile p;
	size_t n;

	assert_int_equal(lt_js_profile__init(&p, 1024), 0);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct json_object *o = parse(bad[i]);

		assert_int_equal(lt_js_profile__add_read(&p, o, &n), -EINVAL);
		json_object_put(o);
	}
	lt_js_profile__free(&p);
}

/* 130 nested frames: json-c's default depth (32) fails; ours parses it. */
static void test_deep_profile(void **state)
{
	size_t cap = 1 << 16, len = 0;
	char *s = malloc(cap);
	struct json_object *o;

	len += (size_t)snprintf(s + len, cap - len, "{\"head\":");
	for (int i = 0; i < 130; i++)
		len += (size_t)snprintf(s + len, cap - len,
					"{" FRAME("f", "/a.js", 1) ",\"id\":%d,\"children\":[",
					i + 1);
	for (int i = 0; i < 130; i++)
		len += (size_t)snprintf(s + len, cap - len, "]}");
	len += (size_t)snprintf(s + len, cap - len, ",\"samples\":[]}");
	assert_null(json_tokener_parse(s));
	o = lt_cdp__parse(s, len);
	assert_non_null(o);
	json_object_put(o);
	free(s);
}

static void test_target_id(void **state)
{
	const char list[] =
		"[{\"type\":\"worker\",\"id\":\"w\"},{\"type\":\"node\",\"id\":\"a b\"},"
		"{\"type\":\"node\",\"id\":\"6322aa7c-0a67\"}]";
	char id[64];

	/* an id that would break the request line is passed over */
	assert_int_equal(lt_cdp__target_id(list, strlen(list), id, sizeof(id)), 0);
	assert_string_equal(id, "6322aa7c-0a67");
	assert_int_equal(lt_cdp__target_id("[]", 2, id, sizeof(id)), -ENOENT);
	assert_int_equal(lt_cdp__target_id("{\"x\":", 5, id, sizeof(id)), -ENOENT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sites),	     cmocka_unit_test(test_socket_owners),
		cmocka_unit_test(test_trend),	     cmocka_unit_test(test_bad_profiles),
		cmocka_unit_test(test_deep_profile), cmocka_unit_test(test_target_id),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

// SPDX-License-Identifier: GPL-2.0
/* listeners: the hook's collected table into report rows: counts, the rate over the
 * window, the sampled call site; non-array or hostile text refused. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "listeners.h"

static void test_parse(void **state)
{
	const char *json = "[{\"emitter\":\"EventEmitter#3\",\"event\":\"change\",\"before\":2000,"
			   "\"after\":5000,\"adds\":3000,\"site\":\"watchConfig (app.js:62:13) <- "
			   "app.js:81:3\",\"sampled\":66},{\"emitter\":7,\"event\":\"x\"}]";
	struct lt_js_heap_report r = {};

	assert_int_equal(lt_js_listeners__parse(json, 3.0, &r), 0);
	assert_int_equal(r.nlisteners, 2);
	assert_string_equal(r.listeners[0].emitter, "EventEmitter#3");
	assert_string_equal(r.listeners[0].event, "change");
	assert_int_equal(r.listeners[0].before, 2000);
	assert_int_equal(r.listeners[0].after, 5000);
	assert_int_equal(r.listeners[0].adds, 3000);
	assert_int_equal(r.listeners[0].sampled, 66);
	assert_true(r.listeners[0].per_s == 1000);
	assert_string_equal(r.listeners[0].site, "watchConfig (app.js:62:13) <- app.js:81:3");
	/* a field of the wrong type is read as empty, never trusted */
	assert_string_equal(r.listeners[1].emitter, "");
	assert_string_equal(r.listeners[1].site, "");
	lt_js_heap_report__free(&r);
}

static void test_refused(void **state)
{
	struct lt_js_heap_report r = {};

	assert_int_equal(lt_js_listeners__parse("{\"a\":1}", 1, &r), -EPROTO);
	assert_int_equal(lt_js_listeners__parse("[{", 1, &r), -EPROTO);
	assert_int_equal(r.nlisteners, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

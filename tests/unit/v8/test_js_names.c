// SPDX-License-Identifier: GPL-2.0
/* js_names: V8 string contents to UTF-8, and tagged frames to names (never guessed). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "js_names.h"

static void check_utf8(const char *raw, size_t len, int enc, bool lead, bool trail,
		       const char *want)
{
	char *s = lt_js_names__utf8(raw, len, enc, lead, trail);

	assert_non_null(s);
	assert_string_equal(s, want);
	free(s);
}

static void test_utf8(void **state)
{
	/* Latin-1: bytes above 0x7f are two UTF-8 bytes */
	check_utf8("caf\xe9", 4, LT_JS_ENC_ONE_BYTE, false, false, "caf\xc3\xa9");
	/* UTF-16LE: "aé€" and U+1F600 as a surrogate pair */
	check_utf8("a\0\xe9\0\xac\x20", 6, LT_JS_ENC_TWO_BYTE, false, false,
		   "a\xc3\xa9\xe2\x82\xac");
	check_utf8("\x3d\xd8\x00\xde", 4, LT_JS_ENC_TWO_BYTE, false, false, "\xf0\x9f\x98\x80");
	/* a pair cut in two: the half left is U+FFFD, not a wrong character */
	check_utf8("x\0\x3d\xd8", 4, LT_JS_ENC_TWO_BYTE, false, true, "x\xef\xbf\xbd...");
	check_utf8("\x00\xdey\0", 4, LT_JS_ENC_TWO_BYTE, true, false, "...\xef\xbf\xbdy");
	check_utf8("", 0, LT_JS_ENC_ONE_BYTE, false, false, "");
}

static struct lt_js_name raw_name(const char *name, const char *file)
{
	struct lt_js_name r;

	memset(&r, 0, sizeof(r));
	r.name_len = strlen(name);
	memcpy(r.name, name, r.name_len);
	r.file_len = file ? strlen(file) : 0;
	if (file)
		memcpy(r.file, file, r.file_len);
	return r;
}

static void test_resolve(void **state)
{
	struct lt_js_names *t = lt_js_names__new(-1);
	struct lt_js_name r;
	struct lt_sym s;
	__u64 a = LT_JS_FRAME_TAG | 0x1234, b = LT_JS_FRAME_TAG | 0x42;

	assert_non_null(t);
	r = raw_name("handleRequest", "/srv/app/server.js");
	assert_int_equal(lt_js_names__add(t, a, &r), 0);
	r = raw_name("", NULL);
	assert_int_equal(lt_js_names__add(t, b, &r), 0);
	/* an untagged value is an address, never a name */
	assert_int_equal(lt_js_names__add(t, 0x7f0000001000, &r), -EINVAL);
	r.name_len = LT_JS_NAME_MAX + 1;
	assert_int_equal(lt_js_names__add(t, b, &r), -EINVAL);

	assert_int_equal(lt_js_names__resolve(t, a, &s), 0);
	assert_string_equal(s.symbol, "handleRequest");
	assert_string_equal(s.file, "/srv/app/server.js");
	assert_true(s.js);
	assert_null(s.module);
	assert_int_equal(s.addr, a);

	assert_int_equal(lt_js_names__resolve(t, b, &s), 0);
	assert_string_equal(s.symbol, "(anonymous)");
	assert_null(s.file);

	/* unknown: the value alone */
	assert_int_equal(lt_js_names__resolve(t, LT_JS_FRAME_TAG | 7, &s), -ENOENT);
	assert_null(s.symbol);
	assert_false(s.js);
	assert_int_equal(s.addr, LT_JS_FRAME_TAG | 7);
	lt_js_names__free(t);
}

static void test_many_and_cut(void **state)
{
	struct lt_js_names *t = lt_js_names__new(-1);
	struct lt_js_name r;
	struct lt_sym s;
	char name[32];

	/* past the initial table size */
	for (int i = 0; i < 1000; i++) {
		snprintf(name, sizeof(name), "fn%d", i);
		r = raw_name(name, NULL);
		assert_int_equal(lt_js_names__add(t, LT_JS_FRAME_TAG | (i + 1), &r), 0);
	}
	assert_int_equal(lt_js_names__resolve(t, LT_JS_FRAME_TAG | 778, &s), 0);
	assert_string_equal(s.symbol, "fn777");

	/* a long name keeps its start, a long script name its end */
	r = raw_name("veryLongName", "long/path/app.js");
	r.name_cut = 1;
	r.file_cut = 1;
	assert_int_equal(lt_js_names__add(t, LT_JS_FRAME_TAG | 5000, &r), 0);
	assert_int_equal(lt_js_names__resolve(t, LT_JS_FRAME_TAG | 5000, &s), 0);
	assert_string_equal(s.symbol, "veryLongName...");
	assert_string_equal(s.file, "...long/path/app.js");
	lt_js_names__free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_utf8),
		cmocka_unit_test(test_resolve),
		cmocka_unit_test(test_many_and_cut),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

// SPDX-License-Identifier: GPL-2.0
/* perf_map: parsing V8's perf map lines, the latest entry winning, growth, ownership. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "perf_map.h"

static char path[64];

static void write_file(const char *mode, const char *text)
{
	FILE *f = fopen(path, mode);

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static int setup(void **state)
{
	int fd;

	snprintf(path, sizeof(path), "/tmp/lt-unit-perf-XXXXXX");
	fd = mkstemp(path);
	if (fd < 0)
		return -1;
	close(fd);
	return 0;
}

static int teardown(void **state)
{
	unlink(path);
	return 0;
}

static const char map_text[] = "18c4000 300 Builtin:DeoptimizationEntry_Eager\n"
			       "7ff12c005900 10c JS:^fooBar [eval]:1:16\n"
			       "7ff12c005b80 1b4 JS:*fooBar /srv/app/server.js:120:3\n"
			       "7ff12c006000 100 LazyCompile:~handler file:///srv/app/m.mjs:7:10\n"
			       "7ff12c006200 80 JS:* /srv/app/anon.js:3:1\n"
			       "not a map line\n"
			       "7ff12c005b80 40 JS:*reused /srv/app/server.js:9:1\n";

static void test_parse_and_lookup(void **state)
{
	struct lt_perf_map *m;
	struct lt_perf_sym s;

	write_file("w", map_text);
	m = lt_perf_map__open_path(path, getuid());
	assert_non_null(m);
	assert_int_equal(lt_perf_map__count(m), 6);

	assert_int_equal(lt_perf_map__lookup(m, 0x18c4010, &s), 0);
	assert_string_equal(s.name, "Builtin:DeoptimizationEntry_Eager");
	assert_false(s.js);
	assert_null(s.file);

	/* tier mark and kind dropped, file and line split off */
	assert_int_equal(lt_perf_map__lookup(m, 0x7ff12c005900 + 0x10b, &s), 0);
	assert_string_equal(s.name, "fooBar");
	assert_string_equal(s.file, "[eval]");
	assert_int_equal(s.line, 1);
	assert_true(s.js);
	assert_int_equal(lt_perf_map__lookup(m, 0x7ff12c005900 + 0x10c, &s), -ENOENT);

	/* code freed and reused: the later line wins where it reaches, the older elsewhere */
	assert_int_equal(lt_perf_map__lookup(m, 0x7ff12c005b80 + 0x10, &s), 0);
	assert_string_equal(s.name, "reused");
	assert_int_equal(s.line, 9);
	assert_int_equal(lt_perf_map__lookup(m, 0x7ff12c005b80 + 0x100, &s), 0);
	assert_string_equal(s.name, "fooBar");
	assert_string_equal(s.file, "/srv/app/server.js");
	assert_int_equal(s.line, 120);
	assert_int_equal(s.start, 0x7ff12c005b80);

	/* a URL keeps its colons */
	assert_int_equal(lt_perf_map__lookup(m, 0x7ff12c006010, &s), 0);
	assert_string_equal(s.name, "handler");
	assert_string_equal(s.file, "file:///srv/app/m.mjs");
	assert_int_equal(s.line, 7);

	assert_int_equal(lt_perf_map__lookup(m, 0x7ff12c006210, &s), 0);
	assert_string_equal(s.name, "(anonymous)");
	assert_true(s.js);

	assert_int_equal(lt_perf_map__lookup(m, 0x1000, &s), -ENOENT);
	lt_perf_map__free(m);
}

static void test_growth_and_partial_line(void **state)
{
	struct lt_perf_map *m;
	struct lt_perf_sym s;

	write_file("w", "7f0000001000 100 JS:*first /a.js:1:1\n7f0000002000 100 JS:*sec");
	m = lt_perf_map__open_path(path, getuid());
	assert_non_null(m);
	assert_int_equal(lt_perf_map__count(m), 1);
	assert_int_equal(lt_perf_map__lookup(m, 0x7f0000002010, &s), -ENOENT);

	/* the half-written line is read once complete, with what came after it */
	write_file("a", "ond /a.js:2:1\n7f0000003000 100 JS:*third /a.js:3:1\n");
	assert_int_equal(lt_perf_map__refresh(m), 0);
	assert_int_equal(lt_perf_map__count(m), 3);
	assert_int_equal(lt_perf_map__lookup(m, 0x7f0000002010, &s), 0);
	assert_string_equal(s.name, "second");
	assert_int_equal(lt_perf_map__lookup(m, 0x7f0000003010, &s), 0);
	assert_string_equal(s.name, "third");

	/* nothing new: nothing changes */
	assert_int_equal(lt_perf_map__refresh(m), 0);
	assert_int_equal(lt_perf_map__count(m), 3);
	lt_perf_map__free(m);
}

static void test_owner_checked(void **state)
{
	write_file("w", map_text);
	assert_null(lt_perf_map__open_path(path, getuid() + 1));
	assert_int_equal(errno, EPERM);
	/* a directory is no map, whoever owns it */
	assert_null(lt_perf_map__open_path("/tmp", 0));
	assert_int_equal(errno, EPERM);
	assert_null(lt_perf_map__open_path("/nonexistent/perf-1.map", getuid()));
	assert_int_equal(errno, ENOENT);
}

static void test_open_by_pid(void **state)
{
	char own[64];
	struct lt_perf_map *m;
	struct lt_perf_sym s;

	/* our own map, found as /proc/PID/root/tmp/perf-PID.map */
	snprintf(own, sizeof(own), "/tmp/perf-%d.map", getpid());
	if (!access(own, F_OK))
		skip();
	snprintf(path, sizeof(path), "%s", own);
	write_file("w", "7f0000001000 100 JS:*mine /a.js:1:1\n");
	m = lt_perf_map__open(getpid());
	assert_non_null(m);
	assert_int_equal(lt_perf_map__lookup(m, 0x7f0000001000, &s), 0);
	assert_string_equal(s.name, "mine");
	lt_perf_map__free(m);
	unlink(own);
	assert_null(lt_perf_map__open(getpid()));
	assert_int_equal(errno, ENOENT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_parse_and_lookup, setup, teardown),
		cmocka_unit_test_setup_teardown(test_growth_and_partial_line, setup, teardown),
		cmocka_unit_test_setup_teardown(test_owner_checked, setup, teardown),
		cmocka_unit_test(test_open_by_pid),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

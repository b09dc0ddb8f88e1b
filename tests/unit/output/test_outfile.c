// SPDX-License-Identifier: GPL-2.0
/* Unit tests of the -o file writer: nothing created before a report, a report renamed into
 * place whole, a symlink replaced and its target untouched, appends and replacements, a
 * device written in place, an uncommitted report discarded. */
#include <dirent.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <cmocka.h>
#include "outfile.h"

static char dir[64];
static char dest[128];

static int setup(void **state)
{
	strcpy(dir, "/tmp/lt-outfile-XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	snprintf(dest, sizeof(dest), "%s/report", dir);
	return 0;
}

static int teardown(void **state)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char path[320];

	while (d && (e = readdir(d))) {
		if (e->d_name[0] == '.' && (!e->d_name[1] || !strcmp(e->d_name, "..")))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		unlink(path);
	}
	if (d)
		closedir(d);
	rmdir(dir);
	return 0;
}

static void put(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static char *get(const char *path)
{
	static char buf[256];
	FILE *f = fopen(path, "r");
	size_t n;

	if (!f)
		return NULL;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

/* Entries of dir besides . and .. */
static int entries(void)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	while ((e = readdir(d)))
		n += strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
	closedir(d);
	return n;
}

static void test_nothing_before_a_report(void **state)
{
	struct lt_outfile o;

	put(dest, "old");
	assert_int_equal(lt_outfile__init(&o, dest), 0);
	lt_outfile__close(&o);
	assert_string_equal(get(dest), "old");
	assert_int_equal(entries(), 1);
}

static void test_uncommitted_report_discarded(void **state)
{
	struct lt_outfile o;
	FILE *f;

	put(dest, "old");
	assert_int_equal(lt_outfile__init(&o, dest), 0);
	f = lt_outfile__begin(&o, false);
	assert_non_null(f);
	fputs("half a rep", f);
	assert_int_equal(entries(), 2); /* the temporary file, beside the old one */
	lt_outfile__close(&o);
	assert_string_equal(get(dest), "old");
	assert_int_equal(entries(), 1);
}

static void test_symlink_replaced_not_followed(void **state)
{
	char victim[160];
	struct lt_outfile o;
	struct stat st;

	snprintf(victim, sizeof(victim), "%s/victim", dir);
	put(victim, "secret");
	assert_int_equal(symlink(victim, dest), 0);
	assert_int_equal(lt_outfile__init(&o, dest), 0);
	fputs("report\n", lt_outfile__begin(&o, false));
	assert_int_equal(lt_outfile__commit(&o), 0);
	lt_outfile__close(&o);
	assert_string_equal(get(victim), "secret");
	assert_int_equal(lstat(dest, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_string_equal(get(dest), "report\n");
}

static void test_append_and_replace(void **state)
{
	struct lt_outfile o;

	assert_int_equal(lt_outfile__init(&o, dest), 0);
	fputs("one\n", lt_outfile__begin(&o, false));
	assert_int_equal(lt_outfile__commit(&o), 0);
	assert_string_equal(get(dest), "one\n"); /* in place after the first report */
	fputs("two\n", lt_outfile__begin(&o, false));
	assert_int_equal(lt_outfile__commit(&o), 0);
	assert_string_equal(get(dest), "one\ntwo\n");
	fputs("three\n", lt_outfile__begin(&o, true));
	assert_string_equal(get(dest), "one\ntwo\n"); /* until the new one is complete */
	assert_int_equal(lt_outfile__commit(&o), 0);
	assert_string_equal(get(dest), "three\n");
	lt_outfile__close(&o);
	assert_int_equal(entries(), 1);
}

static void test_mode_follows_umask(void **state)
{
	struct lt_outfile o;
	mode_t old = umask(027);
	struct stat st;

	assert_int_equal(lt_outfile__init(&o, dest), 0);
	fputs("x", lt_outfile__begin(&o, false));
	assert_int_equal(lt_outfile__commit(&o), 0);
	lt_outfile__close(&o);
	umask(old);
	assert_int_equal(stat(dest, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0640);
}

static void test_device_written_in_place(void **state)
{
	struct lt_outfile o;
	struct stat st;

	assert_int_equal(lt_outfile__init(&o, "/dev/null"), 0);
	fputs("x", lt_outfile__begin(&o, true));
	assert_int_equal(lt_outfile__commit(&o), 0);
	lt_outfile__close(&o);
	assert_int_equal(stat("/dev/null", &st), 0);
	assert_true(S_ISCHR(st.st_mode));
}

static void test_own_stdout_written_through_link(void **state)
{
	struct lt_outfile o;
	struct stat st;

	if (lstat("/dev/stdout", &st) || !S_ISLNK(st.st_mode))
		skip();
	assert_int_equal(lt_outfile__init(&o, "/dev/stdout"), 0);
	assert_true(o.stream && o.follow);
	fputs("", lt_outfile__begin(&o, true));
	assert_int_equal(lt_outfile__commit(&o), 0);
	lt_outfile__close(&o);
	assert_int_equal(lstat("/dev/stdout", &st), 0);
	assert_true(S_ISLNK(st.st_mode)); /* the link stays */
}

static void test_full_device_fails(void **state)
{
	struct lt_outfile o;
	FILE *f;

	assert_int_equal(lt_outfile__init(&o, "/dev/full"), 0);
	f = lt_outfile__begin(&o, false);
	assert_non_null(f);
	fputs("x", f);
	assert_int_equal(lt_outfile__commit(&o), -ENOSPC);
	lt_outfile__close(&o);
}

static void test_bad_destinations(void **state)
{
	struct lt_outfile o;
	char missing[160];

	snprintf(missing, sizeof(missing), "%s/no/such/dir/report", dir);
	assert_int_equal(lt_outfile__init(&o, missing), -ENOENT);
	assert_int_equal(lt_outfile__init(&o, dir), -EISDIR);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_nothing_before_a_report, setup, teardown),
		cmocka_unit_test_setup_teardown(test_uncommitted_report_discarded, setup, teardown),
		cmocka_unit_test_setup_teardown(test_symlink_replaced_not_followed, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_append_and_replace, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mode_follows_umask, setup, teardown),
		cmocka_unit_test_setup_teardown(test_device_written_in_place, setup, teardown),
		cmocka_unit_test_setup_teardown(test_own_stdout_written_through_link, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_full_device_fails, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_destinations, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

// SPDX-License-Identifier: GPL-2.0
/* v8_detect: V8's GC entry points found in this test binary, which defines them under
 * their mangled names (with a compiler clone and a .cold fragment), a module without V8,
 * and one with V8 but no Heap::PerformGarbageCollection (a fixture compiled here). */
#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "v8_detect.h"

#define PGC                                                                                        \
	"_ZN2v88internal4Heap24PerformGarbageCollectionENS0_16GarbageCollectorENS0_"               \
	"23GarbageCollectionReasonEPKc"
#define SOO "_ZN2v88internal4Heap13SizeOfObjectsEv"

__attribute__((used)) int v8_major __asm__("_ZN2v88internal7Version6major_E") = 11;
__attribute__((used)) int v8_minor __asm__("_ZN2v88internal7Version6minor_E") = 3;
__attribute__((used)) int v8_build __asm__("_ZN2v88internal7Version6build_E") = 244;
__attribute__((used)) int v8_patch __asm__("_ZN2v88internal7Version6patch_E") = 8;

/* Distinct bodies, so that the linker cannot fold them into one address. */
__attribute__((noinline, used)) int fake_pgc(int c) __asm__(PGC);
__attribute__((noinline, used)) int fake_pgc(int c)
{
	return c + 1;
}

__attribute__((noinline, used)) int fake_pgc_clone(int c) __asm__(PGC ".constprop.0");
__attribute__((noinline, used)) int fake_pgc_clone(int c)
{
	return c + 2;
}

__attribute__((noinline, used)) int fake_pgc_cold(int c) __asm__(PGC ".cold");
__attribute__((noinline, used)) int fake_pgc_cold(int c)
{
	return c + 3;
}

__attribute__((noinline, used)) unsigned long fake_soo(void) __asm__(SOO);
__attribute__((noinline, used)) unsigned long fake_soo(void)
{
	return 4096;
}

static char fixture_dir[PATH_MAX];

static void one_module(struct lt_modules *mods, struct lt_module *m, const char *path)
{
	memset(m, 0, sizeof(*m));
	m->path = (char *)path;
	m->host_path = (char *)path;
	m->start = 0x1000;
	m->end = 0x2000;
	m->bias = 0x555500000000ull;
	m->dev = 1;
	m->ino = 2;
	mods->v = m;
	mods->n = 1;
}

static bool has_name(const struct lt_v8_func *f, const char *name)
{
	for (size_t i = 0; i < f->n; i++)
		if (!strcmp(f->names[i], name))
			return true;
	return false;
}

static void test_detect_self(void **state)
{
	struct lt_modules mods;
	struct lt_module m;
	struct lt_v8_module v8;

	one_module(&mods, &m, "/proc/self/exe");
	assert_int_equal(lt_v8__detect(&mods, &v8), 0);
	assert_string_equal(v8.path, "/proc/self/exe");
	assert_int_equal(v8.bias, 0x555500000000ull);
	assert_int_equal(v8.ino, 2);
	assert_string_equal(v8.version, "11.3.244.8");
	/* the function and its clone, not the .cold fragment */
	assert_int_equal(v8.perform_gc.n, 2);
	assert_true(has_name(&v8.perform_gc, PGC));
	assert_true(has_name(&v8.perform_gc, PGC ".constprop.0"));
	assert_false(has_name(&v8.perform_gc, PGC ".cold"));
	assert_true(v8.perform_gc.vaddrs[0] != v8.perform_gc.vaddrs[1]);
	assert_int_equal(v8.size_of_objects.n, 1);
	assert_string_equal(v8.size_of_objects.names[0], SOO);
	assert_string_equal(v8.perform_gc.what, "Heap::PerformGarbageCollection");
	lt_v8__free(&v8);
	assert_null(v8.path);
}

static void test_detect_no_v8(void **state)
{
	struct lt_modules mods;
	struct lt_module m;
	struct lt_v8_module v8;

	/* any ELF file without V8: the shell */
	one_module(&mods, &m, "/bin/sh");
	assert_int_equal(lt_v8__detect(&mods, &v8), -ENOENT);
	assert_string_equal(v8.why, "no V8 symbols in this process");
	assert_null(v8.path);
	lt_v8__free(&v8);

	mods.n = 0;
	assert_int_equal(lt_v8__detect(&mods, &v8), -ENOENT);
	assert_string_equal(v8.why, "no V8 symbols in this process");
	/* unreadable files are passed over */
	one_module(&mods, &m, "/nonexistent/node");
	assert_int_equal(lt_v8__detect(&mods, &v8), -ENOENT);
	assert_int_equal(lt_v8__detect(NULL, &v8), -EINVAL);
}

static void test_detect_missing_function(void **state)
{
	char src[PATH_MAX + 32], bin[] = "/tmp/lt_v8_partial_XXXXXX", cmd[2 * PATH_MAX + 64];
	char want[512];
	struct lt_modules mods;
	struct lt_module m[2];
	struct lt_v8_module v8;
	int fd;

	fd = mkstemp(bin);
	assert_true(fd >= 0);
	close(fd);
	snprintf(src, sizeof(src), "%s/v8_partial.c", fixture_dir);
	snprintf(cmd, sizeof(cmd), "cc -O1 -o %s %s 2>/dev/null", bin, src);
	if (system(cmd) != 0) {
		unlink(bin);
		skip(); /* no compiler here */
	}
	one_module(&mods, &m[0], bin);
	assert_int_equal(lt_v8__detect(&mods, &v8), -EOPNOTSUPP);
	snprintf(want, sizeof(want),
		 "Heap::PerformGarbageCollection not found in V8 13.6.233.10 (%s)", bin);
	assert_string_equal(v8.why, want);
	assert_string_equal(v8.path, bin);
	lt_v8__free(&v8);

	/* with a usable V8 further on, that one wins */
	one_module(&mods, &m[1], "/proc/self/exe");
	m[0].path = m[0].host_path = bin;
	mods.v = m;
	mods.n = 2;
	assert_int_equal(lt_v8__detect(&mods, &v8), 0);
	assert_string_equal(v8.path, "/proc/self/exe");
	lt_v8__free(&v8);
	unlink(bin);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_detect_self),
		cmocka_unit_test(test_detect_no_v8),
		cmocka_unit_test(test_detect_missing_function),
	};
	const char *slash = strrchr(__FILE__, '/');

	snprintf(fixture_dir, sizeof(fixture_dir), "%.*s/../fixtures",
		 slash ? (int)(slash - __FILE__) : 1, slash ? __FILE__ : ".");
	/* keep the fake functions referenced */
	if (argc > 99)
		return fake_pgc(0) + fake_pgc_clone(0) + fake_pgc_cold(0) + (int)fake_soo();
	return cmocka_run_group_tests(tests, NULL, NULL);
}

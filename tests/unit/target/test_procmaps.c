// SPDX-License-Identifier: GPL-2.0
/* procmaps: the maps parser on a fixture and on this process. */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <limits.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "procmaps.h"

static char fixture_dir[1024];

/* Fixtures sit next to this source file; make runs tests from the repository root. */
static const char *fixture(const char *name, char *buf, size_t len)
{
	snprintf(buf, len, "%s/%s", fixture_dir, name);
	return buf;
}

static void check_mapping(const struct lt_mapping *m, __u64 start, __u64 end, unsigned prot,
			  __u64 pgoff, unsigned major, unsigned minor, __u64 ino, const char *path)
{
	assert_int_equal(m->start, start);
	assert_int_equal(m->end, end);
	assert_int_equal(m->prot, prot);
	assert_int_equal(m->pgoff, pgoff);
	assert_int_equal(m->dev, makedev(major, minor));
	assert_int_equal(m->ino, ino);
	if (path)
		assert_string_equal(m->path, path);
	else
		assert_null(m->path);
}

static void test_parse_fixture(void **state)
{
	struct lt_maps maps = {};
	char path[PATH_MAX];
	FILE *f;

	f = fopen(fixture("maps.txt", path, sizeof(path)), "r");
	assert_non_null(f);
	assert_int_equal(lt_procmaps__parse(f, &maps), 0);
	fclose(f);
	assert_int_equal(maps.n, 16);

	check_mapping(&maps.v[0], 0x55d0c8a00000, 0x55d0c8a02000, PROT_READ, 0, 0xfd, 1, 1311,
		      "/opt/my app/bin/server v2");
	check_mapping(&maps.v[1], 0x55d0c8a02000, 0x55d0c8a05000, PROT_READ | PROT_EXEC, 0x2000,
		      0xfd, 1, 1311, "/opt/my app/bin/server v2");
	check_mapping(&maps.v[3], 0x55d0c8a06000, 0x55d0c8a07000, PROT_READ | PROT_WRITE, 0x6000,
		      0xfd, 1, 1311, "/opt/my app/bin/server v2");
	check_mapping(&maps.v[4], 0x55d0ca1e3000, 0x55d0ca204000, PROT_READ | PROT_WRITE, 0, 0, 0,
		      0, "[heap]");
	check_mapping(&maps.v[5], 0x7f1c3a400000, 0x7f1c3a600000, PROT_READ | PROT_WRITE, 0, 0, 0,
		      0, NULL);
	check_mapping(&maps.v[7], 0x7f1c3a628000, 0x7f1c3a7bd000, PROT_READ | PROT_EXEC, 0x28000, 8,
		      2, 262170, "/usr/lib/x86_64-linux-gnu/libc.so.6");
	check_mapping(&maps.v[10], 0x7f1c3a900000, 0x7f1c3a901000, PROT_READ | PROT_EXEC, 0x1000, 0,
		      0x19, 4711, "/tmp/libplugin.so");
	assert_true(maps.v[10].deleted);
	assert_false(maps.v[7].deleted);
	check_mapping(&maps.v[11], 0x7f1c3aa00000, 0x7f1c3aa01000, PROT_READ | PROT_WRITE, 0, 0, 0,
		      0, "[anon:glibc malloc arena]");
	check_mapping(&maps.v[12], 0x7ffd1c2e0000, 0x7ffd1c301000, PROT_READ | PROT_WRITE, 0, 0, 0,
		      0, "[stack]");
	check_mapping(&maps.v[14], 0x7ffd1c3e6000, 0x7ffd1c3e8000, PROT_READ | PROT_EXEC, 0, 0, 0,
		      0, "[vdso]");
	check_mapping(&maps.v[15], 0xffffffffff600000, 0xffffffffff601000, PROT_EXEC, 0, 0, 0, 0,
		      "[vsyscall]");

	/* [start, end): the first byte is in, the end is the next mapping's or nobody's. */
	assert_ptr_equal(lt_procmaps__find(&maps, 0x55d0c8a02000), &maps.v[1]);
	assert_ptr_equal(lt_procmaps__find(&maps, 0x55d0c8a04fff), &maps.v[1]);
	assert_ptr_equal(lt_procmaps__find(&maps, 0x55d0c8a05000), &maps.v[2]);
	assert_null(lt_procmaps__find(&maps, 0x55d0c8a07000));
	assert_null(lt_procmaps__find(&maps, 0x1000));
	assert_ptr_equal(lt_procmaps__find(&maps, 0x7f1c3a7bc123), &maps.v[7]);
	assert_ptr_equal(lt_procmaps__find(&maps, 0xffffffffff600fff), &maps.v[15]);
	assert_null(lt_procmaps__find(&maps, 0xffffffffff601000));
	lt_procmaps__free(&maps);
	assert_null(maps.v);
}

static void test_parse_rejects_garbage(void **state)
{
	static char text[] = "55d0c8a00000-55d0c8a02000 r--p 00000000 fd:01 1311 /bin/x\n"
			     "this is not a maps line\n";
	struct lt_maps maps = {};
	FILE *f = fmemopen(text, strlen(text), "r");

	assert_non_null(f);
	assert_int_equal(lt_procmaps__parse(f, &maps), -EINVAL);
	assert_int_equal(maps.n, 0);
	assert_null(maps.v);
	fclose(f);
}

static void test_read_self(void **state)
{
	struct lt_maps maps = {};
	const struct lt_mapping *m;
	int on_stack = 1;
	void *anon;
	size_t i;

	anon = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_ptr_not_equal(anon, MAP_FAILED);
	assert_int_equal(lt_procmaps__read(getpid(), &maps), 0);
	assert_true(maps.n > 5);

	/* Under valgrind the stack is an anonymous mapping; the kernel's [stack] is still there. */
	m = lt_procmaps__find(&maps, (uintptr_t)&on_stack);
	assert_non_null(m);
	assert_true(m->prot & PROT_WRITE);
	for (i = 0; i < maps.n; i++)
		if (maps.v[i].path && !strcmp(maps.v[i].path, "[stack]"))
			break;
	assert_true(i < maps.n);
	m = lt_procmaps__find(&maps, (uintptr_t)test_read_self);
	assert_non_null(m);
	assert_true(m->prot & PROT_EXEC);
	assert_non_null(strstr(m->path, "test_procmaps"));
	m = lt_procmaps__find(&maps, (uintptr_t)anon);
	assert_non_null(m);
	assert_null(m->path);
	assert_int_equal(lt_procmaps__read(-1, &maps), -ENOENT);
	lt_procmaps__free(&maps);
	munmap(anon, 4096);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_fixture),
		cmocka_unit_test(test_parse_rejects_garbage),
		cmocka_unit_test(test_read_self),
	};
	const char *slash = strrchr(__FILE__, '/');

	snprintf(fixture_dir, sizeof(fixture_dir), "%.*s/../fixtures",
		 slash ? (int)(slash - __FILE__) : 1, slash ? __FILE__ : ".");
	return cmocka_run_group_tests(tests, NULL, NULL);
}

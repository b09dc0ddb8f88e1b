// SPDX-License-Identifier: GPL-2.0
/* elf_symbols: lookups against this test binary's own symbols, whose values are known. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <elf.h>

#include <cmocka.h>

#include "elf_symbols.h"

/* Symbols the tests look up: a data constant like V8's v8dbg_*, and functions whose
 * names share a prefix the way C++ overloads and compiler clones do. */
__attribute__((used)) const int lt_unit_dbg_const_a = 0x1234;
__attribute__((used)) const int lt_unit_dbg_const_b = -7;
__attribute__((used)) int lt_unit_bss_value;

__attribute__((noinline, used)) int lt_unit_fn_prefix_long_name(int x)
{
	return x * 3;
}

__attribute__((noinline, used)) int lt_unit_fn_prefix(int x)
{
	return x + 1;
}

static struct lt_elf *self(void)
{
	struct lt_elf *e = lt_elf__open("/proc/self/exe");

	assert_non_null(e);
	return e;
}

static void test_open_errors(void **state)
{
	assert_null(lt_elf__open("/nonexistent/file"));
	assert_int_equal(errno, ENOENT);
	assert_null(lt_elf__open("/proc/self/status"));
	assert_int_equal(errno, ENOEXEC);
}

static void test_find_func_exact(void **state)
{
	struct lt_elf *e = self();
	struct lt_elf_sym s;

	assert_int_equal(lt_elf__find_func(e, "lt_unit_fn_prefix", &s), 0);
	assert_string_equal(s.name, "lt_unit_fn_prefix");
	assert_int_equal(s.type, STT_FUNC);
	assert_true(s.size > 0);
	assert_int_equal(lt_elf__find_func(e, "lt_unit_no_such_fn", &s), -ENOENT);
	/* a data symbol is not a function */
	assert_int_equal(lt_elf__find_func(e, "lt_unit_dbg_const_a", &s), -ENOENT);
	lt_elf__close(e);
}

static void test_find_func_prefix_prefers_shortest(void **state)
{
	struct lt_elf *e = self();
	struct lt_elf_sym s;

	assert_int_equal(lt_elf__find_func_prefix(e, "lt_unit_fn_pre", &s), 0);
	assert_string_equal(s.name, "lt_unit_fn_prefix");
	assert_int_equal(lt_elf__find_func_prefix(e, "lt_unit_fn_prefix_l", &s), 0);
	assert_string_equal(s.name, "lt_unit_fn_prefix_long_name");
	assert_int_equal(lt_elf__find_func_prefix(e, "lt_unit_nothing_", &s), -ENOENT);
	lt_elf__close(e);
}

static int count_dbg(const struct lt_elf_sym *sym, void *ctx)
{
	int *n = ctx;

	if (sym->type == STT_OBJECT)
		(*n)++;
	return 0;
}

static int pick(const struct lt_elf_sym *sym, void *ctx)
{
	*(struct lt_elf_sym *)ctx = *sym;
	return 1;
}

static void test_read_data_symbols(void **state)
{
	struct lt_elf *e = self();
	struct lt_elf_sym s = {};
	int v = 0, n = 0;

	assert_int_equal(lt_elf__for_each(e, "lt_unit_dbg_const_", count_dbg, &n), 0);
	assert_int_equal(n, 2);
	/* the values the compiler put in the file, read through each symbol */
	assert_int_equal(lt_elf__for_each(e, "lt_unit_dbg_const_b", pick, &s), 1);
	assert_int_equal(lt_elf__read(e, s.vaddr, &v, sizeof(v)), 0);
	assert_int_equal(v, -7);
	assert_int_equal(lt_elf__for_each(e, "lt_unit_dbg_const_a", pick, &s), 1);
	assert_int_equal(lt_elf__read(e, s.vaddr, &v, sizeof(v)), 0);
	assert_int_equal(v, 0x1234);
	/* .bss has no file contents */
	assert_int_equal(lt_elf__for_each(e, "lt_unit_bss_value", pick, &s), 1);
	assert_int_equal(lt_elf__read(e, s.vaddr, &v, sizeof(v)), -ENOENT);
	lt_elf__close(e);
}

static void test_exec_offset(void **state)
{
	struct lt_elf *e = self();
	struct lt_elf_sym fn, data;
	__u64 off, avail;

	assert_int_equal(lt_elf__find_func(e, "lt_unit_fn_prefix", &fn), 0);
	assert_int_equal(lt_elf__exec_offset(e, fn.vaddr, &off, &avail), 0);
	assert_true(avail >= fn.size);
	/* data is not in an executable segment */
	assert_int_equal(lt_elf__for_each(e, "lt_unit_dbg_const_a", pick, &data), 1);
	assert_int_equal(lt_elf__exec_offset(e, data.vaddr, &off, &avail), -ENOEXEC);
	/* the next symbol after a function starts at or after its end */
	assert_true(lt_elf__next_symbol(e, fn.vaddr, fn.vaddr + 0x100000) >= fn.vaddr + fn.size);
	lt_elf__close(e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_open_errors),
		cmocka_unit_test(test_find_func_exact),
		cmocka_unit_test(test_find_func_prefix_prefers_shortest),
		cmocka_unit_test(test_read_data_symbols),
		cmocka_unit_test(test_exec_offset),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

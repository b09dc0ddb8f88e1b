// SPDX-License-Identifier: GPL-2.0
/* Unit tests of lt_cfi__sample: the rows of a sample of a module's FDEs are the rows its
 * whole table has at the same addresses, spread over the module, and cost a fraction. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <cmocka.h>

#include "fixtures/libc.h"

#include "cfi.h"

static void test_sample_rows_match_table(void **state)
{
	const char *path = fixture_libc();
	struct lt_cfi_row *full = NULL, *rows = NULL;
	size_t nfull = 0, n = 0, nfdes = 0, checked = 0;

	assert_int_equal(lt_cfi__build(path, &full, &nfull), 0);
	assert_int_equal(lt_cfi__sample(path, 64, &rows, &n, &nfdes), 0);
	assert_true(nfdes > 64); /* libc has thousands */
	assert_true(n > 64 && n < nfull / 4);
	for (size_t i = 0; i < n; i++) {
		const struct lt_cfi_row *f = lt_cfi__lookup(full, nfull, rows[i].pc);

		if (rows[i].cfa_reg == LT_CFA_NONE)
			continue;
		assert_non_null(f);
		assert_int_equal(f->cfa_reg, rows[i].cfa_reg);
		assert_int_equal(f->cfa_off, rows[i].cfa_off);
		assert_int_equal(f->rbp_off8, rows[i].rbp_off8);
		checked++;
	}
	assert_true(checked > 64);
	/* spread over the module, not its first FDEs only */
	assert_true(rows[n - 1].pc > full[nfull / 2].pc);
	free(rows);
	free(full);
}

static void test_sample_errors(void **state)
{
	struct lt_cfi_row *rows = NULL;
	size_t n = 0, nfdes = 7;

	assert_int_equal(lt_cfi__sample("/nonexistent/libnothing.so", 64, &rows, &n, &nfdes),
			 -ENOENT);
	assert_null(rows);
	assert_int_equal(nfdes, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sample_rows_match_table),
		cmocka_unit_test(test_sample_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

// SPDX-License-Identifier: GPL-2.0
/* The allocator table (src/mem/allocators.c): keys first, the C family alone as before,
 * each row's programs in the built BPF object and placed as their probes need. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <bpf/libbpf.h>

#include <cmocka.h>

#include "allocators.h"

static const struct lt_uprobe *row(const struct lt_allocator_rows *r, const char *sym)
{
	for (size_t i = 0; i < r->n; i++)
		if (!strcmp(r->v[i].symbol, sym))
			return &r->v[i];
	return NULL;
}

static void test_keys_first(void **state)
{
	struct lt_allocator_rows r;

	lt_allocators__rows(false, &r);
	assert_int_equal(r.nkeys, 3);
	assert_string_equal(r.v[0].symbol, "malloc");
	assert_string_equal(r.v[1].symbol, "_Znwm"); /* libstdc++ defines no malloc */
	assert_string_equal(r.v[2].symbol, "mi_malloc");
	assert_true(r.n <= LT_UPROBES_MAX_ROWS);
	for (size_t i = 0; i < r.n; i++)
		for (size_t k = i + 1; k < r.n; k++)
			if (!strcmp(r.v[i].symbol, r.v[k].symbol))
				fail_msg("%s twice in the table", r.v[i].symbol);
}

static void test_c_only_is_the_c_family(void **state)
{
	static const char *const c[] = { "malloc",	 "calloc",	   "realloc",
					 "reallocarray", "posix_memalign", "aligned_alloc",
					 "memalign",	 "valloc",	   "pvalloc",
					 "free" };
	struct lt_allocator_rows r;

	lt_allocators__rows(true, &r);
	assert_int_equal(r.nkeys, 1);
	assert_int_equal(r.n, sizeof(c) / sizeof(c[0]));
	for (size_t i = 0; i < r.n; i++)
		assert_string_equal(r.v[i].symbol, c[i]);
}

/* Every delete form is free (entry only, block first), every new form is malloc. */
static void test_cxx_forms(void **state)
{
	static const char *const news[] = { "_Znwm",
					    "_Znam",
					    "_ZnwmRKSt9nothrow_t",
					    "_ZnamRKSt9nothrow_t",
					    "_ZnwmSt11align_val_t",
					    "_ZnamSt11align_val_t",
					    "_ZnwmSt11align_val_tRKSt9nothrow_t",
					    "_ZnamSt11align_val_tRKSt9nothrow_t",
					    "mallocx",
					    "tc_new",
					    "mi_new" };
	static const char *const deletes[] = { "_ZdlPv",
					       "_ZdaPv",
					       "_ZdlPvm",
					       "_ZdaPvm",
					       "_ZdlPvSt11align_val_t",
					       "_ZdaPvSt11align_val_t",
					       "_ZdlPvmSt11align_val_t",
					       "_ZdaPvmSt11align_val_t",
					       "_ZdlPvRKSt9nothrow_t",
					       "_ZdaPvRKSt9nothrow_t",
					       "_ZdlPvSt11align_val_tRKSt9nothrow_t",
					       "_ZdaPvSt11align_val_tRKSt9nothrow_t",
					       "dallocx",
					       "sdallocx",
					       "tc_delete_sized",
					       "mi_free_size" };
	struct lt_allocator_rows r;

	lt_allocators__rows(false, &r);
	for (size_t i = 0; i < sizeof(news) / sizeof(news[0]); i++) {
		const struct lt_uprobe *p = row(&r, news[i]);

		if (!p || p->fn != LT_FN_MALLOC || strcmp(p->entry_prog, "uprobe_malloc"))
			fail_msg("%s is not malloc-like", news[i]);
	}
	for (size_t i = 0; i < sizeof(deletes) / sizeof(deletes[0]); i++) {
		const struct lt_uprobe *p = row(&r, deletes[i]);

		if (!p || p->fn != LT_FN_FREE || p->ret_prog || p->place != LT_PLACE_ARG0_NONNULL)
			fail_msg("%s is not free-like", deletes[i]);
	}
	assert_null(row(&r, "nallocx")); /* allocates nothing */
	assert_int_equal(row(&r, "xallocx")->fn, LT_FN_XALLOCX);
	assert_int_equal(row(&r, "__call_tls_dtors")->fn, LT_FN_THREAD_EXIT);
}

/* Rows with a return probe keep the return address at [%rsp]: ENTRY_ARGS placement; each
 * program named is in the object. */
static void test_programs_and_placement(void **state)
{
	struct bpf_object *obj = bpf_object__open_file(LT_BPF_OBJECT, NULL);
	struct lt_allocator_rows r;

	assert_non_null(obj);
	lt_allocators__rows(false, &r);
	for (size_t i = 0; i < r.n; i++) {
		const struct lt_uprobe *p = &r.v[i];

		if (p->ret_prog && p->place != LT_PLACE_ENTRY_ARGS)
			fail_msg("%s has a return probe but placement %d", p->symbol, p->place);
		if (!bpf_object__find_program_by_name(obj, p->entry_prog) ||
		    (p->ret_prog && !bpf_object__find_program_by_name(obj, p->ret_prog)))
			fail_msg("%s: program %s/%s not in %s", p->symbol, p->entry_prog,
				 p->ret_prog ? p->ret_prog : "-", LT_BPF_OBJECT);
	}
	bpf_object__close(obj);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_keys_first),
		cmocka_unit_test(test_c_only_is_the_c_family),
		cmocka_unit_test(test_cxx_forms),
		cmocka_unit_test(test_programs_and_placement),
	};

	libbpf_set_print(NULL);
	return cmocka_run_group_tests(tests, NULL, NULL);
}

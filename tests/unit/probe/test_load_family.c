// SPDX-License-Identifier: GPL-2.0
/* load_family: every program of the built BPF object belongs to the family that traces
 * it, so -t loads exactly what it names. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <bpf/libbpf.h>

#include <cmocka.h>

#include "load_family.h"

static const struct {
	const char *prog;
	enum lt_load_family family;
} expected[] = {
	{ "uprobe_malloc", LT_LOAD_HEAP },	   { "uretprobe_malloc", LT_LOAD_HEAP },
	{ "uprobe_calloc", LT_LOAD_HEAP },	   { "uretprobe_calloc", LT_LOAD_HEAP },
	{ "uprobe_realloc", LT_LOAD_HEAP },	   { "uretprobe_realloc", LT_LOAD_HEAP },
	{ "uprobe_reallocarray", LT_LOAD_HEAP },   { "uretprobe_reallocarray", LT_LOAD_HEAP },
	{ "uprobe_posix_memalign", LT_LOAD_HEAP }, { "uretprobe_posix_memalign", LT_LOAD_HEAP },
	{ "uprobe_aligned_alloc", LT_LOAD_HEAP },  { "uretprobe_aligned_alloc", LT_LOAD_HEAP },
	{ "uprobe_valloc", LT_LOAD_HEAP },	   { "uretprobe_valloc", LT_LOAD_HEAP },
	{ "uprobe_pvalloc", LT_LOAD_HEAP },	   { "uretprobe_pvalloc", LT_LOAD_HEAP },
	{ "uprobe_free", LT_LOAD_HEAP },	   { "uprobe_xallocx", LT_LOAD_HEAP },
	{ "uretprobe_xallocx", LT_LOAD_HEAP },	   { "uprobe_thread_exit", LT_LOAD_HEAP },
	{ "lt_alloc_session", LT_LOAD_HEAP },	   { "tp_sys_exit_mmap", LT_LOAD_MMAP },
	{ "tp_sys_exit_munmap", LT_LOAD_MMAP },	   { "tp_sys_exit_mremap", LT_LOAD_MMAP },
	{ "uprobe_fd_entry", LT_LOAD_FD },	   { "tp_sys_exit_fd_new", LT_LOAD_FD },
	{ "tp_sys_exit_fd_pair", LT_LOAD_FD },	   { "tp_sys_exit_close", LT_LOAD_FD },
	{ "tp_sys_exit_close_range", LT_LOAD_FD }, { "tp_sched_process_exec_fd", LT_LOAD_FD },
	{ "tp_inet_sock_set_state", LT_LOAD_FD },  { "uprobe_v8_perform_gc", LT_LOAD_GC },
	{ "uretprobe_v8_perform_gc", LT_LOAD_GC }, { "uretprobe_v8_size_of_objects", LT_LOAD_GC },
	{ "tp_sched_process_exec", LT_LOAD_CORE }, { "tp_sched_process_exit", LT_LOAD_CORE },
	{ "tp_core_exit_mmap", LT_LOAD_CORE },	   { "tp_core_task_newtask", LT_LOAD_CORE },
	{ "iter_jsheap_sigusr1", LT_LOAD_JSHEAP },
};

static void test_known_programs(void **state)
{
	for (size_t i = 0; i < sizeof(expected) / sizeof(expected[0]); i++) {
		if (lt_load_family__of_prog(expected[i].prog) != expected[i].family)
			fail_msg("%s: family %s, expected %s", expected[i].prog,
				 lt_load_family__name(lt_load_family__of_prog(expected[i].prog)),
				 lt_load_family__name(expected[i].family));
	}
}

/* A program added to the object without a row in the table would load in every run (as
 * core): each program of the built object must be one of the above. */
static void test_object_programs_all_known(void **state)
{
	struct bpf_object *obj = bpf_object__open_file(LT_BPF_OBJECT, NULL);
	struct bpf_program *prog;
	size_t n = 0;

	assert_non_null(obj);
	bpf_object__for_each_program(prog, obj)
	{
		const char *name = bpf_program__name(prog);
		size_t i;

		for (i = 0; i < sizeof(expected) / sizeof(expected[0]); i++)
			if (!strcmp(expected[i].prog, name))
				break;
		if (i == sizeof(expected) / sizeof(expected[0]))
			fail_msg("program %s of %s is in family %s: add it to the table and here",
				 name, LT_BPF_OBJECT,
				 lt_load_family__name(lt_load_family__of_prog(name)));
		n++;
	}
	bpf_object__close(obj);
	assert_true(n >= sizeof(expected) / sizeof(expected[0]));
}

static void test_names(void **state)
{
	assert_string_equal(lt_load_family__name(LT_LOAD_HEAP), "heap");
	assert_string_equal(lt_load_family__name(LT_LOAD_FD), "fd,sock");
	assert_string_equal(lt_load_family__name(LT_LOAD__MAX), "?");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_known_programs),
		cmocka_unit_test(test_object_programs_all_known),
		cmocka_unit_test(test_names),
	};

	libbpf_set_print(NULL);
	return cmocka_run_group_tests(tests, NULL, NULL);
}

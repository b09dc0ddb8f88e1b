// SPDX-License-Identifier: GPL-2.0
/* Node stacks in the writers: text collapses runs of V8, Node and libuv frames into one
 * line each (the leaf and the user's frames stay), --all-frames and the JSON and folded
 * writers keep every frame. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>
#include "output_fixture.h"

#define NODE "/usr/local/bin/node"
#define LIBC "/usr/lib/x86_64-linux-gnu/libc.so.6"

/* A Buffer allocated by JS on a timer, as leaktrace sees it in Node 20 (shortened). */
static struct lt_sym node_frames[] = {
	{ .addr = 0x1,
	  .symbol = "node::NodeArrayBufferAllocator::Allocate(unsigned long)",
	  .module = NODE },
	{ .addr = 0x2,
	  .symbol = "v8::internal::Heap::AllocateExternalBackingStore()",
	  .module = NODE },
	{ .addr = 0x3,
	  .symbol = "v8::internal::Builtin_ArrayBufferConstructor(int)",
	  .module = NODE },
	{ .addr = 0x4,
	  .symbol = "Builtins_CEntry_Return1_ArgvOnStack_BuiltinExit",
	  .module = NODE },
	{ .addr = 0x5, .symbol = "leakNativeBuffer", .file = "/srv/app.js", .js = true },
	{ .addr = 0x6, .symbol = "Builtins_InterpreterEntryTrampoline", .module = NODE },
	{ .addr = 0x7, .symbol = "handleRequest", .file = "/srv/app.js", .js = true },
	{ .addr = 0x8, .symbol = "listOnTimeout", .file = "node:internal/timers", .js = true },
	{ .addr = 0x9, .symbol = "Builtins_JSEntry", .module = NODE },
	{ .addr = 0xa, .symbol = "v8::internal::Execution::Call()", .module = NODE },
	{ .addr = 0xb, .symbol = "node::Environment::RunTimers(uv_timer_s*)", .module = NODE },
	{ .addr = 0xc, .symbol = "uv__run_timers", .file = "timer.c", .line = 178, .module = NODE },
	{ .addr = 0xd, .symbol = "uv_run", .module = NODE },
	{ .addr = 0xe, .symbol = "__libc_start_main", .module = LIBC },
	{ .addr = 0xf, .symbol = "_start", .module = NODE },
};

#define NODE_NFRAMES (sizeof(node_frames) / sizeof(node_frames[0]))

static const char collapsed[] =
	"#1  512.0 KiB in 512 allocations (+41.5 KiB/s, growing), oldest 9.8 s\n"
	"    node::NodeArrayBufferAllocator::Allocate(unsigned long)+0x0 [node]\n"
	"    [node internals \u00d73]\n"
	"    leakNativeBuffer [js] (app.js)\n"
	"    Builtins_InterpreterEntryTrampoline+0x0 [node]\n"
	"    handleRequest [js] (app.js)\n"
	"    listOnTimeout [js] (timers)\n"
	"    [node internals \u00d77]\n"
	"#2  ";

/* The fixture with its first heap stack replaced by the Node one. */
static void make_node_report(struct lt_report *r)
{
	make_fixture(r);
	heap_stacks[0].frames = node_frames;
	heap_stacks[0].nframes = NODE_NFRAMES;
}

static void test_text_collapses_runtime_runs(void **state)
{
	struct lt_report r;
	char *out = NULL;

	make_node_report(&r);
	CAPTURE(out, lt_output__text(f, &r, 2));
	assert_non_null(strstr(out, collapsed));
	/* the C stacks beside it are untouched, libc frames included */
	assert_non_null(strstr(out, "    std::vector<int, std::allocator<int> >::push_back(int "
				    "const&)+0x10 [libstdc++.so.6]\n    main+0x50 (leaky.c:90)"));
	free(out);

	/* the same report through the dispatcher */
	struct lt_config cfg = { .top_n = 2, .format = LT_FMT_TEXT };

	CAPTURE(out, lt_output__write(f, &r, &cfg));
	assert_non_null(strstr(out, collapsed));
	free(out);
}

static void test_all_frames(void **state)
{
	struct lt_config cfg = { .top_n = 2, .format = LT_FMT_TEXT, .all_frames = true };
	struct lt_report r;
	char *out = NULL;

	make_node_report(&r);
	CAPTURE(out, lt_output__write(f, &r, &cfg));
	assert_null(strstr(out, "node internals"));
	for (size_t i = 0; i < NODE_NFRAMES; i++)
		assert_non_null(strstr(out, node_frames[i].symbol));
	assert_non_null(strstr(out, "    uv__run_timers+0x0 (timer.c:178) [node]\n"
				    "    uv_run+0x0 [node]\n"
				    "    __libc_start_main+0x0 [libc.so.6]\n"));
	free(out);
	CAPTURE(out, lt_output__text_frames(f, &r, 2, false));
	assert_non_null(strstr(out, collapsed));
	free(out);
}

static void test_json_and_folded_keep_every_frame(void **state)
{
	struct lt_report r;
	char *out = NULL, *folded;

	make_node_report(&r);
	CAPTURE(out, lt_output__json(f, &r));
	assert_null(strstr(out, "node internals"));
	if (have("python3"))
		assert_int_equal(pipe_to("python3 -c 'import json, sys; d = json.load(sys.stdin); "
					 "fr = d[\"heap\"][\"stacks\"][0][\"frames\"]; "
					 "assert len(fr) == 15, len(fr); "
					 "assert fr[13][\"symbol\"] == \"__libc_start_main\"'",
					 out),
				 0);
	free(out);
	CAPTURE(out, lt_output__folded(f, &r));
	assert_null(strstr(out, "node internals"));
	/* what flamegraph.pl reads: the stack on one line, from its root to its leaf */
	folded = run_on_file("grep -c '^_start;__libc_start_main;uv_run;uv__run_timers;.*;node::"
			     "NodeArrayBufferAllocator::Allocate(unsigned long) ' %s",
			     out);
	assert_string_equal(folded, "1\n");
	free(folded);
	assert_non_null(strstr(out, "_start;__libc_start_main;uv_run;uv__run_timers;"));
	assert_non_null(strstr(out, ";v8::internal::Heap::AllocateExternalBackingStore();"
				    "node::NodeArrayBufferAllocator::Allocate(unsigned long) "));
	free(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_text_collapses_runtime_runs),
		cmocka_unit_test(test_all_frames),
		cmocka_unit_test(test_json_and_folded_keep_every_frame),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

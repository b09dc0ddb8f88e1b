// SPDX-License-Identifier: GPL-2.0
/* frame_class: each class by module and by name, and which runs a text report collapses
 * (with the runtime in them, two frames at least, never the leaf). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>
#include "frame_class.h"

#define NODE "/usr/local/bin/node"
#define LIBC "/usr/lib/x86_64-linux-gnu/libc.so.6"

static struct lt_sym sym(const char *symbol, const char *module)
{
	return (struct lt_sym){ .addr = 0x1000, .symbol = symbol, .module = module };
}

static struct lt_sym js(const char *name, const char *file)
{
	return (struct lt_sym){ .addr = 0x2000, .symbol = name, .file = file, .js = true };
}

/* sym() and js() as initializers, for the table */
#define SYM(sym_, mod_)                                                                            \
	{                                                                                          \
		.addr = 0x1000, .symbol = (sym_), .module = (mod_)                                 \
	}
#define JS(name_, file_)                                                                           \
	{                                                                                          \
		.addr = 0x2000, .symbol = (name_), .file = (file_), .js = true                     \
	}

static const struct {
	struct lt_sym s;
	enum lt_frame_class want;
} classes[] = {
	/* anything native in the node executable, named or not */
	{ SYM("v8::internal::Heap::MarkCompact()", NODE), LT_FRAME_RUNTIME },
	{ SYM("uv__io_poll", NODE), LT_FRAME_RUNTIME },
	{ SYM("_start", NODE), LT_FRAME_RUNTIME },
	{ SYM(NULL, "/usr/bin/nodejs"), LT_FRAME_RUNTIME },
	{ SYM("EVP_DigestUpdate", "/usr/lib/x86_64-linux-gnu/libnode.so.108"), LT_FRAME_RUNTIME },
	{ SYM("uv_run", "/usr/lib/x86_64-linux-gnu/libuv.so.1"), LT_FRAME_RUNTIME },
	/* V8's and Node's names outside the executable (an embedder, a static build) */
	{ SYM("Builtins_JSEntryTrampoline", NULL), LT_FRAME_RUNTIME },
	{ SYM("node::Start(int, char**)", "/opt/app/server"), LT_FRAME_RUNTIME },
	{ SYM("cppgc::internal::Heap::Allocate()", "/opt/app/server"), LT_FRAME_RUNTIME },
	/* the C and C++ libraries */
	{ SYM("__libc_start_main", LIBC), LT_FRAME_SYSTEM },
	{ SYM(NULL, LIBC), LT_FRAME_SYSTEM },
	{ SYM("operator new(unsigned long)", "/usr/lib/x86_64-linux-gnu/libstdc++.so.6.0.30"),
	  LT_FRAME_SYSTEM },
	{ SYM("std::vector<int, std::allocator<int> >::push_back(int const&)", "/opt/app/app"),
	  LT_FRAME_SYSTEM },
	{ SYM("clone3", NULL), LT_FRAME_SYSTEM },
	/* outside any module, unnamed: the uretprobe trampoline */
	{ { .addr = 0x7fffffffe000 }, LT_FRAME_SYSTEM },
	/* the user's: JS (Node's own library too: internalConnect says where a socket came
	 * from), an addon, their program, a name that only looks like a system one */
	{ JS("handleRequest", "/srv/app/server.js"), LT_FRAME_USER },
	{ JS("internalConnect", "node:net"), LT_FRAME_USER },
	{ JS("v8::looks_native", NULL), LT_FRAME_USER }, /* a JS frame is JS whatever its name */
	{ SYM("Compress", "/srv/app/node_modules/zlib-sync/build/Release/zlib_sync.node"),
	  LT_FRAME_USER },
	{ SYM("remember_client", "/opt/demo/plateau"), LT_FRAME_USER },
	{ SYM("clone_config", "/opt/demo/plateau"), LT_FRAME_USER },
	{ SYM(NULL, "/opt/demo/plateau"), LT_FRAME_USER },
};

static void test_classes(void **state)
{
	int bad = 0;

	for (size_t i = 0; i < sizeof(classes) / sizeof(classes[0]); i++) {
		const struct lt_sym *s = &classes[i].s;
		enum lt_frame_class got = lt_frame_class__of(s);

		if (got != classes[i].want) {
			print_error("row %zu: %s in %s: class %d, want %d\n", i,
				    s->symbol ? s->symbol : "(unnamed)",
				    s->module ? s->module
				    : s->file ? s->file
					      : "(none)",
				    got, classes[i].want);
			bad++;
		}
	}
	assert_int_equal(bad, 0);
}

static void test_runs(void **state)
{
	struct lt_sym f[] = {
		sym("operator new(unsigned long)", "/usr/lib/libstdc++.so.6"), /* 0: the leaf */
		sym("v8::internal::Factory::NewFixedArray(int)", NODE),
		(struct lt_sym){ .addr = 0x7fffffffe000 },
		sym("Builtins_CEntry_Return1_ArgvOnStack_NoBuiltinExit", NODE),
		js("lookupSession", "/srv/app/cache.js"),	  /* 4 */
		sym("Builtins_InterpreterEntryTrampoline", NODE), /* 5: alone */
		js("handleRequest", "/srv/app/server.js"),
		sym("uv_run", NODE), /* 7 */
		sym("node::Start(int, char**)", NODE),
		sym("__libc_start_main", LIBC),
	};
	__u32 n = sizeof(f) / sizeof(f[0]);

	assert_int_equal(lt_frame_class__run(f, 0, n), 0); /* the leaf is shown */
	assert_int_equal(lt_frame_class__run(f, 1, n), 3);
	assert_int_equal(lt_frame_class__run(f, 4, n), 0);
	assert_int_equal(lt_frame_class__run(f, 5, n), 0); /* one frame: shown */
	assert_int_equal(lt_frame_class__run(f, 7, n), 3); /* to the root */
	assert_int_equal(lt_frame_class__run(f, 7, 8), 0); /* cut at n */
	assert_int_equal(lt_frame_class__run(NULL, 1, n), 0);
}

static void test_system_alone_not_collapsed(void **state)
{
	/* a C program: its libc frames at the root stay, there is no runtime among them */
	struct lt_sym f[] = {
		sym("leak_small", "/opt/demo/demo_leaky"), sym("main", "/opt/demo/demo_leaky"),
		sym("__libc_start_call_main", LIBC),	   sym("__libc_start_main", LIBC),
		sym("_start", "/opt/demo/demo_leaky"),
	};

	assert_int_equal(lt_frame_class__run(f, 2, 5), 0);
	assert_int_equal(lt_frame_class__run(f, 3, 5), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_classes),
		cmocka_unit_test(test_runs),
		cmocka_unit_test(test_system_alone_not_collapsed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

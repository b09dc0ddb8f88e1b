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

static void test_classes(void **state)
{
	struct lt_sym s;

	/* anything native in the node executable, named or not */
	s = sym("v8::internal::Heap::MarkCompact()", NODE);
	assert_int_equal(lt_frame_class__of(&s), LT_FRAME_RUNTIME);
	s = sym("uv__io_poll", NODE);
	assert_int_equal(lt_frame_class__of(&s), LT_FRAME_RUNTIME);
	s = sym("_start", NODE);
	assert_int_equal(lt_frame_class__of(&s), LT_FRAME_RUNTIME);
	s = sym(NULL, "/usr/bin/nodejs");
	assert_int_equal(lt_frame_class__of(&s), LT_FRAME_RUNTIME);
	s = sym("EVP_DigestUpdate", "/usr/lib/x86_64-linux-gnu/libnode.so.108");
	assert_int_equal(lt_frame_class__of(&s), LT_FRAME_RUNTIME);
	s = sym("uv_run", "/usr/lib/x86_64-linux-gnu/libuv.so.1");
	assert_int_equal(lt_frame_class__of(&s), LT_FRAME_RUNTIME);
	/* V8's and Node's names outside the executable (an embedder, a static build) */
	s = sym("Builtins_JSEntryTrampoline", NULL);
	assert_int_equal(lt_frame_class__of(&s), LT_FRAME_RUNTIME);
	s = sym("node::Start(int, char**)", "/opt/app/server");
	assert_int_equal(lt_frame_class__of(&s), LT_FRAME_RUNTIME);
	s = sym("cppgc::internal::Heap::Allocate()", "/opt/app/server");
	assert_int_equal(lt_frame_class__of(&s), LT_FRAME_RUNTIME);
	/* the C and C++ libraries */
	s = sym("__libc_start_main", LIBC);
	assert_int_equal(lt_frame_class__of(&s), LT_FRAME_SYSTEM);
	s = sym(NULL, LIBC);
	assert_int_equal(lt_frame_class__of(&s), LT_FRAME_SYSTEM);
	s = sym("operator new(unsigned long)", "/usr/lib/x86_64-linux-gnu/libstdc++.so.6.0.30");
	assert_int_equal(lt_frame_class__of(&s), LT_FRAME_SYSTEM);
	s = sym("std::vector<int, std::allocator<int> >::push_back(int const&)", "/opt/app/app");
	assert_int_equal(lt_frame_class__of(&s), LT_FRAME_SYSTEM);
	s = sym("clone3", NULL);
	assert_int_equal(lt_frame_class__of(&s), LT_FRAME_SYSTEM);
	/* outside any module, unnamed: the uretprobe trampoline */
	s = (struct lt_sym){ .addr = 0x7fffffffe000 };
	assert_int_equal(lt_frame_class__of(&s), LT_FRAME_SYSTEM);
	/* the user's: JS (Node's own library too: internalConnect says where a socket came
	 * from), an addon, their program, a name that only looks like a system one */
	s = js("handleRequest", "/srv/app/server.js");
	assert_int_equal(lt_frame_class__of(&s), LT_FRAME_USER);
	s = js("internalConnect", "node:net");
	assert_int_equal(lt_frame_class__of(&s), LT_FRAME_USER);
	s = js("v8::looks_native", NULL); /* a JS frame is JS whatever its name */
	assert_int_equal(lt_frame_class__of(&s), LT_FRAME_USER);
	s = sym("Compress", "/srv/app/node_modules/zlib-sync/build/Release/zlib_sync.node");
	assert_int_equal(lt_frame_class__of(&s), LT_FRAME_USER);
	s = sym("remember_client", "/opt/demo/plateau");
	assert_int_equal(lt_frame_class__of(&s), LT_FRAME_USER);
	s = sym("clone_config", "/opt/demo/plateau");
	assert_int_equal(lt_frame_class__of(&s), LT_FRAME_USER);
	s = sym(NULL, "/opt/demo/plateau");
	assert_int_equal(lt_frame_class__of(&s), LT_FRAME_USER);
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

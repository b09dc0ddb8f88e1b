// SPDX-License-Identifier: GPL-2.0
/* Frame classes by module and by symbol: the node binary (or libnode, a shared libuv or
 * V8) is the runtime whatever its symbols; elsewhere, names in V8's, Node's and libuv's
 * namespaces are the runtime too (an addon calls into them), and the C and C++ libraries
 * are the system. Everything else, JS above all, is the user's. */
#include <stdbool.h>
#include <string.h>

#include "frame_class.h"

static bool starts_with(const char *s, const char *prefix)
{
	return !strncmp(s, prefix, strlen(prefix));
}

static bool starts_with_any(const char *s, const char *const *prefixes, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (starts_with(s, prefixes[i]))
			return true;
	return false;
}

#define ANY(s, list) starts_with_any((s), (list), sizeof(list) / sizeof((list)[0]))

/* Module basenames ("libuv.so.1" starts with "libuv.so"). An addon ("binding.node") is
 * the user's. */
static const char *const runtime_modules[] = { "libnode.so", "libuv.so", "libv8" };
static const char *const runtime_executables[] = { "node", "nodejs" };
static const char *const system_modules[] = {
	"libc.so",  "libstdc++.so", "libgcc_s.so", "libm.so",	"libpthread.so",
	"libdl.so", "ld-linux",	    "ld-musl",	   "libc++.so", "libc++abi.so",
};
/* Demangled names. Builtins_* are V8's embedded builtins, Builtin_* its C++ ones. */
static const char *const runtime_symbols[] = {
	"v8::", "node::", "cppgc::", "heap::base::", "uv_", "Builtins_", "Builtin_",
};
static const char *const system_symbols[] = {
	"std::", "__gnu_cxx::", "operator new", "operator delete", "__libc_", "__cxa_",
};
/* whole names: a user's clone_config() is not clone() */
static const char *const system_names[] = {
	"_start", "start_thread", "clone", "clone3", "__clone", "__clone3",
};

static const char *base_name(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? slash + 1 : path;
}

static bool equals_any(const char *s, const char *const *names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(s, names[i]))
			return true;
	return false;
}

#define ONE_OF(s, list) equals_any((s), (list), sizeof(list) / sizeof((list)[0]))

static bool is_runtime_module(const char *module)
{
	const char *base = base_name(module);

	return ONE_OF(base, runtime_executables) || ANY(base, runtime_modules);
}

enum lt_frame_class lt_frame_class__of(const struct lt_sym *s)
{
	const char *sym = s->symbol && *s->symbol ? s->symbol : NULL;

	if (s->js)
		return LT_FRAME_USER;
	if (s->module && *s->module && is_runtime_module(s->module))
		return LT_FRAME_RUNTIME;
	if (sym && ANY(sym, runtime_symbols))
		return LT_FRAME_RUNTIME;
	if (s->module && *s->module && ANY(base_name(s->module), system_modules))
		return LT_FRAME_SYSTEM;
	if (sym && (ANY(sym, system_symbols) || ONE_OF(sym, system_names)))
		return LT_FRAME_SYSTEM;
	/* outside any module and unnamed: a trampoline ([uprobes]) or code nobody named */
	if (!sym && !(s->module && *s->module))
		return LT_FRAME_SYSTEM;
	return LT_FRAME_USER;
}

__u32 lt_frame_class__run(const struct lt_sym *frames, __u32 i, __u32 n)
{
	bool runtime = false;
	__u32 k;

	if (!frames || i == 0)
		return 0;
	for (k = i; k < n; k++) {
		enum lt_frame_class c = lt_frame_class__of(&frames[k]);

		if (c == LT_FRAME_USER)
			break;
		runtime |= c == LT_FRAME_RUNTIME;
	}
	return runtime && k - i >= LT_FRAME_COLLAPSE_MIN ? k - i : 0;
}

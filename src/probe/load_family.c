// SPDX-License-Identifier: GPL-2.0
/* Which probe family each BPF program belongs to: the loader loads a family's programs
 * only when it is traced. */
#include <string.h>

#include "load_family.h"

/* Which family a program belongs to, by name (first match wins). A family's programs
 * load only when it is traced, so one family's rejection never takes the others down. */
static const struct {
	const char *prefix;
	enum lt_load_family family;
} lt_prog_families[] = {
	{ "tp_sched_process_exec_fd", LT_LOAD_FD },
	{ "tp_sched_process_", LT_LOAD_CORE }, /* exec and exit: every family */
	{ "tp_core_", LT_LOAD_CORE },	       /* new executable mappings: every family */
	{ "uprobe_fd_", LT_LOAD_FD },
	{ "tp_sys_exit_fd_", LT_LOAD_FD },
	{ "tp_sys_exit_close", LT_LOAD_FD },
	{ "tp_inet_sock_", LT_LOAD_FD },
	{ "tp_sys_exit_m", LT_LOAD_MMAP },
	{ "uprobe_v8_", LT_LOAD_GC },
	{ "uretprobe_v8_", LT_LOAD_GC },
	{ "uprobe_", LT_LOAD_HEAP },
	{ "uretprobe_", LT_LOAD_HEAP },
	{ "lt_alloc_session", LT_LOAD_HEAP },
	{ "iter_jsheap_", LT_LOAD_JSHEAP },
};

static const char *const lt_family_names[LT_LOAD__MAX] = {
	[LT_LOAD_CORE] = "core",  [LT_LOAD_HEAP] = "heap", [LT_LOAD_MMAP] = "mmap",
	[LT_LOAD_FD] = "fd,sock", [LT_LOAD_GC] = "gc",	   [LT_LOAD_JSHEAP] = "jsheap",
};

const char *lt_load_family__name(enum lt_load_family f)
{
	return f < LT_LOAD__MAX ? lt_family_names[f] : "?";
}

enum lt_load_family lt_load_family__of_prog(const char *name)
{
	for (size_t i = 0; i < sizeof(lt_prog_families) / sizeof(lt_prog_families[0]); i++)
		if (!strncmp(name, lt_prog_families[i].prefix, strlen(lt_prog_families[i].prefix)))
			return lt_prog_families[i].family;
	return LT_LOAD_CORE;
}

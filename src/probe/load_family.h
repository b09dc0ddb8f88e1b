/* SPDX-License-Identifier: GPL-2.0 */
/* The probe families as the loader sees them: which programs load for which -t word. */
#ifndef LT_LOAD_FAMILY_H
#define LT_LOAD_FAMILY_H

/* The programs of a probe family load only when it is traced (-t). */
enum lt_load_family {
	LT_LOAD_CORE = 0, /* exec and exit: every run */
	LT_LOAD_HEAP,
	LT_LOAD_MMAP,
	LT_LOAD_FD, /* descriptors and sockets */
	LT_LOAD_GC,
	LT_LOAD_JSHEAP, /* -t jsheap: the SIGUSR1 handler check */
	LT_LOAD__MAX,
};

/* The family of a BPF program, by its name; LT_LOAD_CORE for programs of no family. */
enum lt_load_family lt_load_family__of_prog(const char *prog_name);
/* The -t word(s) of a family. */
const char *lt_load_family__name(enum lt_load_family f);

#endif

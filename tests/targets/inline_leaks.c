// SPDX-License-Identifier: GPL-2.0
/* Leaks from a function inlined into its caller (always_inline, built with -O1 -g): the
 * allocation's return address lies in the inlined code, so DWARF, not the symbol table,
 * says that make_record() made it. Prints the exact bytes and count. */
#include <stdlib.h>
#include "target.h"

#define RECORD_SIZE 96
#define RECORD_N 5

static void *sink[RECORD_N];

static inline __attribute__((always_inline)) void *make_record(int i)
{
	void *p = malloc(RECORD_SIZE + (i & 0)); /* one size: the truth stays exact */

	LT_KEEP(p);
	return p;
}

LT_NOINLINE static void store_records(void)
{
	for (int i = 0; i < RECORD_N; i++)
		sink[i] = make_record(i);
}

int main(int argc, char **argv)
{
	lt_target__init(argc, argv);
	lt_target__ready();
	store_records();
	lt_target__truth_begin("inline_leaks");
	lt_target__leak("store_records", "heap", RECORD_SIZE * RECORD_N, RECORD_N, "", 0, "main");
	lt_target__truth_end("", 0, -1);
	lt_target__done(NULL);
	return 0;
}

// SPDX-License-Identifier: GPL-2.0
/* Anonymous mappings: one partly unmapped (the rest leaks), one wholly unmapped, one grown
 * with mremap, and one made before attach and trimmed after. */
#define _GNU_SOURCE
#include <stdlib.h>
#include <sys/mman.h>
#include "target.h"

#define PARTIAL_PAGES 16
#define PARTIAL_HOLE_AT 2 /* pages [2, 5) are unmapped: the region splits in two */
#define PARTIAL_HOLE_LEN 3
#define PARTIAL_TAIL_LEN 1 /* and the last page */
#define FULL_PAGES 8
#define REMAP_FROM 4
#define REMAP_TO 10
#define PRE_PAGES 6

static long page;
static void *pre_map;

static void *map_anon(size_t len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		abort();
	((char *)p)[0] = 1;
	return p;
}

LT_NOINLINE static void pre_attach_mmap(void)
{
	pre_map = mmap(NULL, PRE_PAGES * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
		       -1, 0);
	if (pre_map == MAP_FAILED)
		abort();
	LT_KEEP(pre_map);
}

LT_NOINLINE static void trim_pre_attach_mmap(void)
{
	munmap(pre_map, 2 * page);
	LT_KEEP(pre_map);
}

LT_NOINLINE static void leak_mmap_partial(void)
{
	char *p = mmap(NULL, PARTIAL_PAGES * page, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		abort();
	LT_KEEP(p);
	munmap(p + PARTIAL_HOLE_AT * page, PARTIAL_HOLE_LEN * page);
	munmap(p + (PARTIAL_PAGES - PARTIAL_TAIL_LEN) * page, PARTIAL_TAIL_LEN * page);
}

LT_NOINLINE static void mmap_then_unmap(void)
{
	char *p = mmap(NULL, FULL_PAGES * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
		       -1, 0);

	if (p == MAP_FAILED)
		abort();
	LT_KEEP(p);
	p[0] = 1;
	munmap(p, FULL_PAGES * page);
}

/* The grown mapping keeps the stack of the mmap that made it. */
LT_NOINLINE static void leak_mremap(void)
{
	char *p = mmap(NULL, REMAP_FROM * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
		       -1, 0);

	if (p == MAP_FAILED)
		abort();
	LT_KEEP(p);
	p = mremap(p, REMAP_FROM * page, REMAP_TO * page, MREMAP_MAYMOVE);
	if (p == MAP_FAILED)
		abort();
	LT_KEEP(p);
}

static void again(void)
{
	munmap(map_anon(page), page);
}

int main(int argc, char **argv)
{
	lt_target__init(argc, argv);
	page = sysconf(_SC_PAGESIZE);
	pre_attach_mmap();
	again();
	lt_target__ready();

	trim_pre_attach_mmap();
	leak_mmap_partial();
	mmap_then_unmap();
	leak_mremap();

	lt_target__truth_begin("mmap_leaks");
	/* count -1: whether the split region counts as one or two is the tracer's choice */
	lt_target__leak("leak_mmap_partial", "mmap",
			(PARTIAL_PAGES - PARTIAL_HOLE_LEN - PARTIAL_TAIL_LEN) * page, -1, "mmap", 0,
			"main");
	lt_target__leak("leak_mremap", "mmap", REMAP_TO * page, 1, "mmap", 0, "main");
	lt_target__truth_end("pre_attach_mmap,trim_pre_attach_mmap,mmap_then_unmap", 0, -1);
	lt_target__done(again);
	return 0;
}

// SPDX-License-Identifier: GPL-2.0
/* Leaks through every glibc allocator entry point from named functions, frees the rest,
 * and prints the exact outstanding bytes and counts per leaking function. */
#include <malloc.h>
#include <stdlib.h>
#include <string.h>
#include "target.h"

#define MALLOC_SIZE 123
#define MALLOC_N 7
#define CALLOC_NMEMB 5
#define CALLOC_SIZE 300
#define CALLOC_N 3
#define FREED_N 200
#define PRE_KEEP_N 4
#define PRE_FREE_N 6
#define REALLOC_CHAINS 2
#define REALLOC_NULL_SIZE 333
#define REALLOC_PRE_SIZE 4000
#define RA_NMEMB 40
#define RA_SIZE 24
#define PM_SIZE 1000
#define PM_N 2
#define AA_SIZE 2048
#define MA_SIZE 700
#define MA_N 3
#define VA_SIZE 3000
#define PVA_SIZE 8192 /* a page multiple: pvalloc's rounding cannot blur the truth */
#define STRDUP_N 4

static const char strdup_src[] = "session-token-0123456789abcdefghijkl"; /* 36 chars */
static const size_t realloc_steps[] = { 100, 1000, 5000, 20000 };

static void *sink[256];
static int nsink;
static void *pre_free_later[PRE_FREE_N];
static void *pre_for_realloc;
static int malloc_line, calloc_line;

static void keep(void *p)
{
	if (nsink < (int)(sizeof(sink) / sizeof(sink[0])))
		sink[nsink++] = p;
	LT_KEEP(p);
}

/* Before attach: never freed, so a tracer that reported them would be inventing data. */
LT_NOINLINE static void pre_attach_keep(void)
{
	for (int i = 0; i < PRE_KEEP_N; i++)
		keep(malloc(1000 + i));
}

/* Before attach, freed after: the tracer sees frees of addresses it never saw allocated. */
LT_NOINLINE static void pre_attach_free_later(void)
{
	for (int i = 0; i < PRE_FREE_N; i++) {
		pre_free_later[i] = malloc(500);
		LT_KEEP(pre_free_later[i]);
	}
}

LT_NOINLINE static void pre_attach_for_realloc(void)
{
	pre_for_realloc = malloc(100);
	LT_KEEP(pre_for_realloc);
}

LT_NOINLINE static void free_pre_attach(void)
{
	for (int i = 0; i < PRE_FREE_N; i++)
		free(pre_free_later[i]);
	LT_KEEP(pre_free_later);
}

LT_NOINLINE static void leak_malloc(void)
{
	for (int i = 0; i < MALLOC_N; i++) {
		/* the call and __LINE__ share a line */
		/* clang-format off */
		void *p = malloc(MALLOC_SIZE); malloc_line = __LINE__;
		/* clang-format on */
		keep(p);
	}
}

LT_NOINLINE static void leak_calloc(void)
{
	for (int i = 0; i < CALLOC_N; i++) {
		/* the call and __LINE__ share a line */
		/* clang-format off */
		void *p = calloc(CALLOC_NMEMB, CALLOC_SIZE); calloc_line = __LINE__;
		/* clang-format on */
		keep(p);
	}
}

LT_NOINLINE static void alloc_then_free(void)
{
	for (int i = 0; i < FREED_N; i++) {
		void *a = malloc(64 + i);
		void *b = calloc(3, 40);

		LT_KEEP(a);
		LT_KEEP(b);
		free(b);
		free(a);
	}
	free(NULL);
}

LT_NOINLINE static void *realloc_seed(void)
{
	void *p = malloc(16);

	LT_KEEP(p);
	return p;
}

/* Only the last block of the chain is outstanding, and it belongs to this function. */
LT_NOINLINE static void leak_realloc(void *p)
{
	for (size_t i = 0; i < sizeof(realloc_steps) / sizeof(realloc_steps[0]); i++) {
		p = realloc(p, realloc_steps[i]);
		LT_KEEP(p);
	}
	keep(p);
}

LT_NOINLINE static void leak_realloc_null(void)
{
	keep(realloc(NULL, REALLOC_NULL_SIZE));
}

LT_NOINLINE static void *realloc_to_zero_seed(void)
{
	void *p = malloc(50);

	LT_KEEP(p);
	return p;
}

/* glibc frees the block on realloc(p, 0) and returns NULL. */
LT_NOINLINE static void realloc_to_zero(void *p)
{
	p = realloc(p, 0);
	LT_KEEP(p);
}

/* The old block predates the tracer; the new one must still be attributed here. */
LT_NOINLINE static void leak_realloc_pre(void)
{
	keep(realloc(pre_for_realloc, REALLOC_PRE_SIZE));
}

LT_NOINLINE static void leak_reallocarray(void)
{
	void *p = reallocarray(NULL, RA_NMEMB / 4, RA_SIZE);

	LT_KEEP(p);
	p = reallocarray(p, RA_NMEMB, RA_SIZE);
	keep(p);
}

LT_NOINLINE static void leak_posix_memalign(void)
{
	for (int i = 0; i < PM_N; i++) {
		void *p = NULL;

		if (posix_memalign(&p, 64, PM_SIZE))
			abort();
		keep(p);
	}
}

LT_NOINLINE static void leak_aligned_alloc(void)
{
	keep(aligned_alloc(256, AA_SIZE));
}

LT_NOINLINE static void leak_memalign(void)
{
	for (int i = 0; i < MA_N; i++)
		keep(memalign(128, MA_SIZE));
}

LT_NOINLINE static void leak_valloc(void)
{
	keep(valloc(VA_SIZE));
}

LT_NOINLINE static void leak_pvalloc(void)
{
	keep(pvalloc(PVA_SIZE));
}

/* malloc is called by strdup inside libc: frames[0] is strdup, frames[1] this function. */
LT_NOINLINE static void leak_strdup(void)
{
	for (int i = 0; i < STRDUP_N; i++)
		keep(strdup(strdup_src));
}

static void again(void)
{
	alloc_then_free();
}

int main(int argc, char **argv)
{
	lt_target__init(argc, argv);
	pre_attach_keep();
	pre_attach_free_later();
	pre_attach_for_realloc();
	/* Warm up everything that allocates once (stdio buffer, malloc init) before attach. */
	again();
	lt_target__ready();

	free_pre_attach();
	leak_malloc();
	leak_calloc();
	alloc_then_free();
	for (int i = 0; i < REALLOC_CHAINS; i++)
		leak_realloc(realloc_seed());
	leak_realloc_null();
	realloc_to_zero(realloc_to_zero_seed());
	leak_realloc_pre();
	leak_reallocarray();
	leak_posix_memalign();
	leak_aligned_alloc();
	leak_memalign();
	leak_valloc();
	leak_pvalloc();
	leak_strdup();

	lt_target__truth_begin("heap_leaks");
	lt_target__leak("leak_malloc", "heap", MALLOC_N * MALLOC_SIZE, MALLOC_N, "", malloc_line,
			"main");
	lt_target__leak("leak_calloc", "heap", CALLOC_N * CALLOC_NMEMB * CALLOC_SIZE, CALLOC_N, "",
			calloc_line, "main");
	lt_target__leak("leak_realloc", "heap",
			REALLOC_CHAINS *
				realloc_steps[sizeof(realloc_steps) / sizeof(realloc_steps[0]) - 1],
			REALLOC_CHAINS, "", 0, "main");
	lt_target__leak("leak_realloc_null", "heap", REALLOC_NULL_SIZE, 1, "", 0, "main");
	lt_target__leak("leak_realloc_pre", "heap", REALLOC_PRE_SIZE, 1, "", 0, "main");
	lt_target__leak("leak_reallocarray", "heap", RA_NMEMB * RA_SIZE, 1, "", 0, "main");
	lt_target__leak("leak_posix_memalign", "heap", PM_N * PM_SIZE, PM_N, "", 0, "main");
	lt_target__leak("leak_aligned_alloc", "heap", AA_SIZE, 1, "", 0, "main");
	lt_target__leak("leak_memalign", "heap", MA_N * MA_SIZE, MA_N, "", 0, "main");
	lt_target__leak("leak_valloc", "heap", VA_SIZE, 1, "", 0, "main");
	lt_target__leak("leak_pvalloc", "heap", PVA_SIZE, 1, "", 0, "main");
	lt_target__leak("leak_strdup", "heap", STRDUP_N * sizeof(strdup_src), STRDUP_N, "strdup", 0,
			"main");
	lt_target__truth_end("pre_attach_keep,pre_attach_free_later,pre_attach_for_realloc,"
			     "alloc_then_free,realloc_seed,realloc_to_zero_seed,realloc_to_zero",
			     PRE_FREE_N, -1);
	lt_target__done(again);
	return 0;
}

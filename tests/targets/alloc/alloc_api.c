// SPDX-License-Identifier: GPL-2.0
/* An allocator's own API, called directly: jemalloc's *allocx (LT_JEMALLOC), tcmalloc's
 * tc_* (LT_TCMALLOC), mimalloc's mi_* (LT_MIMALLOC). Leaks exact amounts through each
 * allocation function and frees pairs through each free function. */
#include <stdlib.h>
#include "../target.h"

#if defined(LT_JEMALLOC)
#include <jemalloc/jemalloc.h>
#define API "jemalloc"
#define A_MALLOC(n) mallocx((n), 0)
#define A_FREE(p, n) sdallocx((p), (n), 0)
#define A_FREE2(p) dallocx((p), 0)
#define A_REALLOC(p, n) rallocx((p), (n), 0)
#elif defined(LT_TCMALLOC)
#include <gperftools/tcmalloc.h>
#define API "tcmalloc"
#define A_MALLOC(n) tc_malloc(n)
#define A_FREE(p, n) tc_free_sized((p), (n))
#define A_FREE2(p) tc_free(p)
#define A_REALLOC(p, n) tc_realloc((p), (n))
#elif defined(LT_MIMALLOC)
#include <mimalloc.h>
#define API "mimalloc"
#define A_MALLOC(n) mi_malloc(n)
#define A_FREE(p, n) mi_free_size((p), (n))
#define A_FREE2(p) mi_free(p)
#define A_REALLOC(p, n) mi_realloc((p), (n))
#else
#error "build with -DLT_JEMALLOC, -DLT_TCMALLOC or -DLT_MIMALLOC"
#endif

#define N 100
#define N_CHAIN 20
#define FREED 300

static void *volatile kept[N];
static void *volatile chained[N_CHAIN];
static void *volatile resized[N_CHAIN];
static long resized_bytes;

LT_NOINLINE void leak_api_malloc(void)
{
	for (int i = 0; i < N; i++)
		kept[i] = A_MALLOC(1000);
}

/* Grown and shrunk through the allocator's realloc: the last call's size is outstanding,
 * from its caller; the earlier blocks were freed (or moved) by the allocator. */
LT_NOINLINE void leak_api_realloc(void)
{
	for (int i = 0; i < N_CHAIN; i++) {
		void *p = A_MALLOC(100);

		p = A_REALLOC(p, 200);
		p = A_REALLOC(p, 5000);
		p = A_REALLOC(p, 40000);
		chained[i] = A_REALLOC(p, 300);
	}
}

LT_NOINLINE void free_api_pairs(void)
{
	for (int i = 0; i < FREED; i++) {
		void *a = A_MALLOC(500), *b = A_MALLOC(700);

		LT_KEEP(a);
		LT_KEEP(b);
		A_FREE(a, 500);
		A_FREE2(b);
	}
}

/* The allocator-specific extras: jemalloc's in-place xallocx and nallocx (which
 * allocates nothing), mimalloc's zalloc/calloc/aligned forms, tcmalloc's memalign. */
LT_NOINLINE void leak_api_extra(void)
{
	for (int i = 0; i < N_CHAIN; i++) {
#if defined(LT_JEMALLOC)
		void *p = mallocx(1000, MALLOCX_ZERO);
		size_t real = xallocx(p, 1200, 0, 0);

		LT_KEEP((void *)nallocx(5000, 0));
		resized_bytes += real >= 1200 ? 1200 : 1000;
#elif defined(LT_TCMALLOC)
		void *p = tc_memalign(64, 1000);

		resized_bytes += 1000;
#else
		void *p = mi_malloc_aligned(1000, 64);
		void *q = mi_zalloc(24), *r = mi_calloc(3, 8);

		mi_free(q);
		mi_free(r);
		resized_bytes += 1000;
#endif
		resized[i] = p;
	}
}

int main(int argc, char **argv)
{
	lt_target__init(argc, argv);
	lt_target__ready();

	free_api_pairs();
	leak_api_malloc();
	leak_api_realloc();
	leak_api_extra();

	lt_target__truth_begin("alloc_api_" API);
	lt_target__leak("leak_api_malloc", "heap", N * 1000L, N, "", 0, "main");
	lt_target__leak("leak_api_realloc", "heap", N_CHAIN * 300L, N_CHAIN, "", 0, "main");
	lt_target__leak("leak_api_extra", "heap", resized_bytes, N_CHAIN, "", 0, "main");
	lt_target__truth_end("free_api_pairs", 0, 0);
	lt_target__done(NULL);
	return 0;
}

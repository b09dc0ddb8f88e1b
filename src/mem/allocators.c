// SPDX-License-Identifier: GPL-2.0
/* The allocator entry points, by symbol, in whatever module defines them (a shared
 * allocator, libstdc++, a statically linked program). Each row reuses the program of the
 * C function with the same meaning: operator new(size, ...) and mallocx(size, flags) are
 * malloc (the size is the first argument), every operator delete, dallocx and sdallocx
 * are free (the block is the first argument). A module's aliases (tcmalloc's free,
 * tc_free and operator delete are one function) share one probe. Calls that nest (glibc's
 * operator new calls malloc, jemalloc's delete[] jumps to free) are counted once by the
 * programs (bpf/heap.bpf.c): the outermost allocation records, a block is forgotten by
 * the first free-like entry it goes through. */
#include <stddef.h>

#include "allocators.h"

enum lt_alloc_api {
	LT_API_C = 0, /* malloc, calloc, ..., free: every C library */
	LT_API_CXX,   /* operator new and delete (mangled names) */
	LT_API_JEMALLOC,
	LT_API_TCMALLOC,
	LT_API_MIMALLOC,
	LT_API_THREAD_EXIT, /* glibc's __call_tls_dtors: not an allocator, a marker */
};

struct lt_allocator_row {
	enum lt_alloc_api api;
	bool key; /* defining it makes a module an allocator module */
	struct lt_uprobe probe;
};

#define LT_ROW(api, key, sym, prog, fn)                                                            \
	{                                                                                          \
		api, key,                                                                          \
		{                                                                                  \
			sym, "uprobe_" prog, "uretprobe_" prog, LT_PLACE_ENTRY_ARGS, fn            \
		}                                                                                  \
	}
#define LT_MALLOC(api, sym) LT_ROW(api, false, sym, "malloc", LT_FN_MALLOC)
#define LT_CALLOC(api, sym) LT_ROW(api, false, sym, "calloc", LT_FN_CALLOC)
#define LT_REALLOC(api, sym) LT_ROW(api, false, sym, "realloc", LT_FN_REALLOC)
#define LT_REALLOCARRAY(api, sym) LT_ROW(api, false, sym, "reallocarray", LT_FN_REALLOCARRAY)
/* free-like: entry only, so the probe may move past the first instruction */
#define LT_FREE(api, sym)                                                                          \
	{                                                                                          \
		api, false,                                                                        \
		{                                                                                  \
			sym, "uprobe_free", NULL, LT_PLACE_ARG0_NONNULL, LT_FN_FREE                \
		}                                                                                  \
	}

static const struct lt_allocator_row lt_allocator_table[] = {
	/* the keys, first */
	LT_ROW(LT_API_C, true, "malloc", "malloc", LT_FN_MALLOC),
	LT_ROW(LT_API_CXX, true, "_Znwm", "malloc", LT_FN_MALLOC), /* libstdc++: no malloc */
	LT_ROW(LT_API_MIMALLOC, true, "mi_malloc", "malloc", LT_FN_MALLOC),

	/* the C family */
	LT_CALLOC(LT_API_C, "calloc"),
	LT_REALLOC(LT_API_C, "realloc"),
	LT_REALLOCARRAY(LT_API_C, "reallocarray"),
	LT_ROW(LT_API_C, false, "posix_memalign", "posix_memalign", LT_FN_POSIX_MEMALIGN),
	LT_ROW(LT_API_C, false, "aligned_alloc", "aligned_alloc", LT_FN_ALIGNED_ALLOC),
	LT_ROW(LT_API_C, false, "memalign", "aligned_alloc", LT_FN_ALIGNED_ALLOC),
	LT_ROW(LT_API_C, false, "valloc", "valloc", LT_FN_VALLOC),
	LT_ROW(LT_API_C, false, "pvalloc", "pvalloc", LT_FN_PVALLOC),
	LT_FREE(LT_API_C, "free"),
	/* glibc, at a thread's exit: what it frees then that was never seen allocated is
	 * its thread cache, counted as thread_exit_free rather than unknown_free */
	{ LT_API_THREAD_EXIT,
	  false,
	  { "__call_tls_dtors", "uprobe_thread_exit", NULL, LT_PLACE_ENTRY, LT_FN_THREAD_EXIT } },

	/* operator new: plain, nothrow_t, align_val_t, aligned + nothrow; size first */
	LT_MALLOC(LT_API_CXX, "_Znam"),
	LT_MALLOC(LT_API_CXX, "_ZnwmRKSt9nothrow_t"),
	LT_MALLOC(LT_API_CXX, "_ZnamRKSt9nothrow_t"),
	LT_MALLOC(LT_API_CXX, "_ZnwmSt11align_val_t"),
	LT_MALLOC(LT_API_CXX, "_ZnamSt11align_val_t"),
	LT_MALLOC(LT_API_CXX, "_ZnwmSt11align_val_tRKSt9nothrow_t"),
	LT_MALLOC(LT_API_CXX, "_ZnamSt11align_val_tRKSt9nothrow_t"),
	/* operator delete: plain, sized, aligned, sized + aligned, nothrow; block first */
	LT_FREE(LT_API_CXX, "_ZdlPv"),
	LT_FREE(LT_API_CXX, "_ZdaPv"),
	LT_FREE(LT_API_CXX, "_ZdlPvm"),
	LT_FREE(LT_API_CXX, "_ZdaPvm"),
	LT_FREE(LT_API_CXX, "_ZdlPvSt11align_val_t"),
	LT_FREE(LT_API_CXX, "_ZdaPvSt11align_val_t"),
	LT_FREE(LT_API_CXX, "_ZdlPvmSt11align_val_t"),
	LT_FREE(LT_API_CXX, "_ZdaPvmSt11align_val_t"),
	LT_FREE(LT_API_CXX, "_ZdlPvRKSt9nothrow_t"),
	LT_FREE(LT_API_CXX, "_ZdaPvRKSt9nothrow_t"),
	LT_FREE(LT_API_CXX, "_ZdlPvSt11align_val_tRKSt9nothrow_t"),
	LT_FREE(LT_API_CXX, "_ZdaPvSt11align_val_tRKSt9nothrow_t"),

	/* jemalloc: mallocx(size, flags), rallocx(ptr, size, flags), xallocx(ptr, size,
	 * extra, flags) in place, dallocx(ptr, flags), sdallocx(ptr, size, flags);
	 * nallocx and sallocx allocate nothing */
	LT_MALLOC(LT_API_JEMALLOC, "mallocx"),
	LT_REALLOC(LT_API_JEMALLOC, "rallocx"),
	LT_ROW(LT_API_JEMALLOC, false, "xallocx", "xallocx", LT_FN_XALLOCX),
	LT_FREE(LT_API_JEMALLOC, "dallocx"),
	LT_FREE(LT_API_JEMALLOC, "sdallocx"),

	/* tcmalloc: tc_* (most are aliases of the C and C++ names above) */
	LT_MALLOC(LT_API_TCMALLOC, "tc_malloc"),
	LT_MALLOC(LT_API_TCMALLOC, "tc_malloc_skip_new_handler"),
	LT_CALLOC(LT_API_TCMALLOC, "tc_calloc"),
	LT_REALLOC(LT_API_TCMALLOC, "tc_realloc"),
	LT_ROW(LT_API_TCMALLOC, false, "tc_memalign", "aligned_alloc", LT_FN_ALIGNED_ALLOC),
	LT_ROW(LT_API_TCMALLOC, false, "tc_posix_memalign", "posix_memalign", LT_FN_POSIX_MEMALIGN),
	LT_ROW(LT_API_TCMALLOC, false, "tc_valloc", "valloc", LT_FN_VALLOC),
	LT_ROW(LT_API_TCMALLOC, false, "tc_pvalloc", "pvalloc", LT_FN_PVALLOC),
	LT_MALLOC(LT_API_TCMALLOC, "tc_new"),
	LT_MALLOC(LT_API_TCMALLOC, "tc_newarray"),
	LT_MALLOC(LT_API_TCMALLOC, "tc_new_nothrow"),
	LT_MALLOC(LT_API_TCMALLOC, "tc_newarray_nothrow"),
	LT_MALLOC(LT_API_TCMALLOC, "tc_new_aligned"),
	LT_MALLOC(LT_API_TCMALLOC, "tc_newarray_aligned"),
	LT_MALLOC(LT_API_TCMALLOC, "tc_new_aligned_nothrow"),
	LT_MALLOC(LT_API_TCMALLOC, "tc_newarray_aligned_nothrow"),
	LT_FREE(LT_API_TCMALLOC, "tc_free"),
	LT_FREE(LT_API_TCMALLOC, "tc_cfree"),
	LT_FREE(LT_API_TCMALLOC, "tc_free_sized"),
	LT_FREE(LT_API_TCMALLOC, "tc_delete"),
	LT_FREE(LT_API_TCMALLOC, "tc_deletearray"),
	LT_FREE(LT_API_TCMALLOC, "tc_delete_sized"),
	LT_FREE(LT_API_TCMALLOC, "tc_deletearray_sized"),
	LT_FREE(LT_API_TCMALLOC, "tc_delete_nothrow"),
	LT_FREE(LT_API_TCMALLOC, "tc_deletearray_nothrow"),
	LT_FREE(LT_API_TCMALLOC, "tc_delete_aligned"),
	LT_FREE(LT_API_TCMALLOC, "tc_deletearray_aligned"),
	LT_FREE(LT_API_TCMALLOC, "tc_delete_sized_aligned"),
	LT_FREE(LT_API_TCMALLOC, "tc_deletearray_sized_aligned"),
	LT_FREE(LT_API_TCMALLOC, "tc_delete_aligned_nothrow"),
	LT_FREE(LT_API_TCMALLOC, "tc_deletearray_aligned_nothrow"),

	/* mimalloc, called directly: size first (the _aligned and _at forms add the
	 * alignment after it), (count, size) for the n forms; mi_heap_* (heap first),
	 * mi_expand and mi_strdup are not probed (docs/allocators.md) */
	LT_MALLOC(LT_API_MIMALLOC, "mi_zalloc"),
	LT_MALLOC(LT_API_MIMALLOC, "mi_malloc_small"),
	LT_MALLOC(LT_API_MIMALLOC, "mi_zalloc_small"),
	LT_MALLOC(LT_API_MIMALLOC, "mi_malloc_aligned"),
	LT_MALLOC(LT_API_MIMALLOC, "mi_malloc_aligned_at"),
	LT_MALLOC(LT_API_MIMALLOC, "mi_zalloc_aligned"),
	LT_MALLOC(LT_API_MIMALLOC, "mi_zalloc_aligned_at"),
	LT_CALLOC(LT_API_MIMALLOC, "mi_calloc"),
	LT_CALLOC(LT_API_MIMALLOC, "mi_mallocn"),
	LT_CALLOC(LT_API_MIMALLOC, "mi_calloc_aligned"),
	LT_CALLOC(LT_API_MIMALLOC, "mi_calloc_aligned_at"),
	LT_REALLOC(LT_API_MIMALLOC, "mi_realloc"),
	LT_REALLOC(LT_API_MIMALLOC, "mi_reallocf"),
	LT_REALLOC(LT_API_MIMALLOC, "mi_realloc_aligned"),
	LT_REALLOC(LT_API_MIMALLOC, "mi_realloc_aligned_at"),
	LT_REALLOCARRAY(LT_API_MIMALLOC, "mi_reallocn"),
	LT_REALLOCARRAY(LT_API_MIMALLOC, "mi_reallocarray"),
	LT_MALLOC(LT_API_MIMALLOC, "mi_new"),
	LT_MALLOC(LT_API_MIMALLOC, "mi_new_nothrow"),
	LT_MALLOC(LT_API_MIMALLOC, "mi_new_aligned"),
	LT_MALLOC(LT_API_MIMALLOC, "mi_new_aligned_nothrow"),
	LT_CALLOC(LT_API_MIMALLOC, "mi_new_n"),
	LT_REALLOC(LT_API_MIMALLOC, "mi_new_realloc"),
	LT_REALLOCARRAY(LT_API_MIMALLOC, "mi_new_reallocn"),
	LT_FREE(LT_API_MIMALLOC, "mi_free"),
	LT_FREE(LT_API_MIMALLOC, "mi_free_size"),
	LT_FREE(LT_API_MIMALLOC, "mi_free_aligned"),
	LT_FREE(LT_API_MIMALLOC, "mi_free_size_aligned"),
};

#define LT_NROWS (sizeof(lt_allocator_table) / sizeof(lt_allocator_table[0]))
_Static_assert(LT_NROWS <= LT_UPROBES_MAX_ROWS, "allocator table over LT_UPROBES_MAX_ROWS");

void lt_allocators__rows(bool c_only, struct lt_allocator_rows *out)
{
	out->n = out->nkeys = 0;
	for (size_t i = 0; i < LT_NROWS; i++) {
		const struct lt_allocator_row *r = &lt_allocator_table[i];

		if (c_only && r->api != LT_API_C)
			continue;
		out->v[out->n++] = r->probe;
		if (r->key)
			out->nkeys = out->n; /* the keys come first */
	}
}

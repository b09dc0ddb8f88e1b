// SPDX-License-Identifier: GPL-2.0
/* Leaks through a library it dlopens after the tracer attached: zlib (built without frame
 * pointers) allocates a deflate stream's state through our zalloc, and the stream is never
 * ended. The stack from lt_zalloc back to main crosses libz, which only its unwind table
 * can walk: the table must be in place by the first allocation after the dlopen.
 * With LT_DLOPEN_RELOAD=1 in the environment, libz is first loaded, unloaded, and its place
 * taken, so that the leaking load maps it elsewhere: its table must follow it. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <sys/mman.h>
#include <zlib.h>

#include "target.h"

typedef int (*deflate_init_fn)(z_streamp, int, const char *, int);

static long zalloc_bytes, zalloc_count;
static z_stream *volatile keep;

LT_NOINLINE static voidpf lt_zalloc(voidpf opaque, uInt items, uInt size)
{
	void *p = malloc((size_t)items * size);

	if (p) {
		zalloc_bytes += (long)items * size;
		zalloc_count++;
	}
	LT_KEEP(p);
	return p;
}

static void lt_zfree(voidpf opaque, voidpf p)
{
	free(p);
}

/* Load libz once and unload it, then block its old place: the next load lands elsewhere. */
static int load_unload_block(void)
{
	void *lib = dlopen("libz.so.1", RTLD_NOW | RTLD_LOCAL), *fn, *blk;
	Dl_info info;

	fn = lib ? dlsym(lib, "deflateInit_") : NULL;
	if (!fn || !dladdr(fn, &info) || dlclose(lib))
		return -1;
	if (dlopen("libz.so.1", RTLD_NOW | RTLD_NOLOAD))
		return -1; /* still loaded: nothing moves */
	blk = mmap(info.dli_fbase, 4096, PROT_NONE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	return blk == MAP_FAILED ? -1 : 0;
}

LT_NOINLINE static int dlopen_and_leak(void)
{
	void *lib = dlopen("libz.so.1", RTLD_NOW | RTLD_LOCAL);
	deflate_init_fn init = lib ? (deflate_init_fn)dlsym(lib, "deflateInit_") : NULL;
	static z_stream strm;

	if (!init)
		return -1;
	strm.zalloc = lt_zalloc;
	strm.zfree = lt_zfree;
	if (init(&strm, Z_DEFAULT_COMPRESSION, ZLIB_VERSION, (int)sizeof(strm)) != Z_OK)
		return -1;
	keep = &strm; /* never deflateEnd'ed, the library never closed */
	LT_KEEP(keep);
	return 0;
}

int main(int argc, char **argv)
{
	lt_target__init(argc, argv);
	lt_target__ready();
	if (getenv("LT_DLOPEN_RELOAD") && load_unload_block()) {
		fprintf(stderr, "dlopen_leak: cannot unload libz and block its place\n");
		return 1;
	}
	if (dlopen_and_leak()) {
		fprintf(stderr, "dlopen_leak: cannot load libz.so.1: %s\n", dlerror());
		return 1;
	}
	lt_target__truth_begin("dlopen_leak");
	lt_target__leak("lt_zalloc", "heap", zalloc_bytes, zalloc_count, "", 0, "");
	lt_target__truth_end("", 0, -1);
	lt_target__done(NULL);
	return 0;
}

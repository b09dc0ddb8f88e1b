// SPDX-License-Identifier: GPL-2.0
/* Leaks whose stacks reach past the stack walker's window: one under a 6 KiB stack frame
 * (the walk must move its window on), one at the very top of a stack that ends at a guard
 * page (the window's first read runs past the end and must be cut back). */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <ucontext.h>
#include "target.h"

#ifndef BIG_NAME
#define BIG_NAME "big_frames"
#endif
#define BIG_N 7
#define BIG_SIZE 1111
#define TOP_N 5
#define TOP_SIZE 555
#define BIG_FRAME 6144

static void *sink[BIG_N + TOP_N];
static int nsink;
static volatile unsigned char stir;

/* Each level does work after its call so the call is not a tail call (no frame lost). */
LT_NOINLINE static void *big_c(size_t size)
{
	void *p = malloc(size);

	LT_KEEP(p);
	return p;
}

LT_NOINLINE static void *big_b(size_t size)
{
	void *p = big_c(size + nsink - nsink);

	LT_KEEP(p);
	return p;
}

/* The frame the window cannot span: its callers' return addresses lie BIG_FRAME bytes
 * above its callees'. */
LT_NOINLINE static void *big_a(size_t size)
{
	volatile unsigned char pad[BIG_FRAME];
	void *p;

	for (size_t i = 0; i < sizeof(pad); i += 64)
		pad[i] = stir + i;
	p = big_b(size);
	LT_KEEP(p);
	stir = pad[size % sizeof(pad)];
	return p;
}

LT_NOINLINE static void *top_leaf(size_t size)
{
	void *p = malloc(size);

	LT_KEEP(p);
	return p;
}

/* Runs on its own stack, entered through makecontext at the stack's top. */
LT_NOINLINE static void top_entry(void)
{
	for (int i = 0; i < TOP_N; i++) {
		sink[nsink] = top_leaf(TOP_SIZE);
		LT_KEEP(sink[nsink]);
		nsink++;
	}
}

LT_NOINLINE static void freed_big(void)
{
	for (int i = 0; i < 20; i++) {
		void *p = malloc(200 + i);

		LT_KEEP(p);
		free(p);
	}
}

/* A two-page stack followed by an inaccessible page: code near its top has less than the
 * walker's window left above its stack pointer. */
static int run_on_guarded_stack(void)
{
	ucontext_t main_ctx, ctx;
	long page = sysconf(_SC_PAGESIZE);
	unsigned char *mem;

	mem = mmap(NULL, 3 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED || mprotect(mem + 2 * page, page, PROT_NONE))
		return -1;
	memset(mem, 0, 2 * page);
	if (getcontext(&ctx))
		return -1;
	ctx.uc_stack.ss_sp = mem;
	ctx.uc_stack.ss_size = 2 * page;
	ctx.uc_link = &main_ctx;
	makecontext(&ctx, top_entry, 0);
	return swapcontext(&main_ctx, &ctx);
}

int main(int argc, char **argv)
{
	lt_target__init(argc, argv);
	freed_big();
	lt_target__ready();

	freed_big();
	while (nsink < BIG_N) {
		sink[nsink] = big_a(BIG_SIZE);
		LT_KEEP(sink[nsink]);
		nsink++;
	}
	if (run_on_guarded_stack()) {
		fprintf(stderr, "big_frames: cannot run on a guarded stack\n");
		return 1;
	}

	lt_target__truth_begin(BIG_NAME);
	lt_target__leak("big_c", "heap", BIG_N * BIG_SIZE, BIG_N, "", 0, "big_b,big_a,main");
	lt_target__leak("top_leaf", "heap", TOP_N * TOP_SIZE, TOP_N, "", 0, "top_entry");
	lt_target__truth_end("freed_big", 0, 0);
	lt_target__done(freed_big);
	return 0;
}

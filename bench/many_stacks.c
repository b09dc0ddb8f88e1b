// SPDX-License-Identifier: GPL-2.0
/* 2^DEPTH distinct heap stacks, one block each, then idle: what the trend sampler reads every
 * second with that many stacks (bench/trend_bench.sh). walk_a and walk_b call each other
 * or themselves as the bits of the stack's number say: every number is its own stack. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define DEPTH 14

static void *volatile kept[1 << DEPTH];

static void *walk_b(int depth, unsigned bits);

__attribute__((noinline)) static void *walk_a(int depth, unsigned bits)
{
	void *p;

	if (!depth)
		return malloc(64);
	p = bits & 1 ? walk_a(depth - 1, bits >> 1) : walk_b(depth - 1, bits >> 1);
	__asm__ volatile("" : : "r"(p) : "memory");
	return p;
}

__attribute__((noinline)) static void *walk_b(int depth, unsigned bits)
{
	void *p;

	if (!depth)
		return malloc(64);
	p = bits & 1 ? walk_b(depth - 1, bits >> 1) : walk_a(depth - 1, bits >> 1);
	__asm__ volatile("" : : "r"(p) : "memory");
	return p;
}

int main(void)
{
	sigset_t set;
	int sig;

	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigprocmask(SIG_BLOCK, &set, NULL);
	printf("ready %d\n", (int)getpid());
	fflush(stdout);
	sigwait(&set, &sig); /* the tracer is attached */
	for (unsigned i = 0; i < (1u << DEPTH); i++)
		kept[i] = walk_a(DEPTH, i);
	printf("allocated %d\n", 1 << DEPTH);
	fflush(stdout);
	pause();
	return 0;
}

// SPDX-License-Identifier: GPL-2.0
/* malloc/free microbenchmark for leaktrace's overhead: mixed sizes, 1..N threads, parked before
 * the timed loop until SIGUSR1 (or a "go" line) so that a tracer can attach first. */
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* -DLT_BENCH_NEW: C++ operator new(size_t) and operator delete(void *) instead, called by
 * their mangled names (link with the C++ runtime or an allocator that defines them). */
#ifdef LT_BENCH_NEW
void *_Znwm(size_t size);
void _ZdlPv(void *p);
#define BENCH_ALLOC(n) _Znwm(n)
#define BENCH_FREE(p) _ZdlPv(p)
#else
#define BENCH_ALLOC(n) malloc(n)
#define BENCH_FREE(p) free(p)
#endif

#define MAX_THREADS 64
/* A power of two so that the index wraps with a mask. Long enough that the size pattern does not
 * settle into a few tcache bins, short enough to stay in L1/L2 next to the live blocks. */
#define NR_SIZES 4096
/* Blocks kept live at once: each pair frees the block allocated LIVE_SLOTS pairs earlier, so
 * blocks of different sizes interleave as in a real heap instead of one chunk ping-ponging. */
#define LIVE_SLOTS 64
#define WARMUP_PAIRS 100000

struct worker {
	pthread_t tid;
	unsigned int idx;
	long pairs;
	const size_t *sizes;
	double ns;
	unsigned long checksum;
};

static pthread_barrier_t warmed_up, start_line;

/* xorshift32 with a fixed seed: every run, traced or not, allocates the very same sequence. */
static uint32_t next_rand(uint32_t *s)
{
	uint32_t x = *s;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	*s = x;
	return x;
}

static void fill_sizes(size_t *sizes, size_t fixed)
{
	uint32_t seed = 0x2545f491;
	unsigned int i;

	for (i = 0; i < NR_SIZES; i++) {
		uint32_t r = next_rand(&seed);

		if (fixed) {
			sizes[i] = fixed;
			continue;
		}
		/* 1 in 64 is "larger" (8..32 KiB): glibc's non-tcache paths, still below the mmap
		 * threshold so that the benchmark measures the heap probes, not munmap. */
		if (r % 64 == 0)
			sizes[i] = 8192 + r % (32 * 1024 - 8192);
		else
			sizes[i] = 16 + r % (4096 - 16 + 1);
	}
}

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

/* One malloc+free pair per iteration; the store keeps the compiler from eliding the pair. */
static unsigned long run_pairs(const size_t *sizes, void **live, long pairs, unsigned int offset)
{
	unsigned long sum = 0;
	long i;

	for (i = 0; i < pairs; i++) {
		unsigned int slot = i % LIVE_SLOTS;
		size_t size = sizes[(i + offset) & (NR_SIZES - 1)];
		char *p;

		BENCH_FREE(live[slot]);
		p = BENCH_ALLOC(size);
		if (!p)
			abort();
		p[0] = (char)i;
		live[slot] = p;
		sum += (uintptr_t)p & 0xff;
	}
	return sum;
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	void *live[LIVE_SLOTS] = { 0 };
	unsigned int offset = w->idx * 997;
	double t0, t1;
	unsigned int i;

	/* Warm up before the tracer attaches: the thread's arena and tcache exist, the pages are
	 * touched, so the timed loop measures steady-state pairs only. */
	w->checksum = run_pairs(w->sizes, live, WARMUP_PAIRS, offset);

	pthread_barrier_wait(&warmed_up);
	pthread_barrier_wait(&start_line);
	t0 = now_ns();
	w->checksum += run_pairs(w->sizes, live, w->pairs, offset);
	t1 = now_ns();
	w->ns = t1 - t0;

	for (i = 0; i < LIVE_SLOTS; i++)
		BENCH_FREE(live[i]);
	return NULL;
}

static int wait_go(int use_stdin, const sigset_t *set)
{
	char line[64];
	int sig;

	if (!use_stdin)
		return -sigwait(set, &sig);
	while (fgets(line, sizeof(line), stdin)) {
		if (!strncmp(line, "go", 2))
			return 0;
	}
	return -EPIPE;
}

static void usage(const char *prog)
{
	fprintf(stderr,
		"Usage: %s [-t THREADS] [-n PAIRS] [-s SIZE] [-g] [-H]\n"
		"  -t THREADS  worker threads (default 1)\n"
		"  -n PAIRS    malloc+free pairs per thread in the timed loop (default 1000000)\n"
		"  -s SIZE     every block SIZE bytes instead of the mixed sequence\n"
		"  -g          wait for a \"go\" line on stdin instead of SIGUSR1\n"
		"  -H          after the result, wait for a second SIGUSR1 (or go) before exiting,\n"
		"              so that a tracer can be sampled and stopped while the target lives\n"
		"Prints \"ready PID\" once parked, then one line: threads= pairs= ns_per_pair=\n",
		prog);
}

int main(int argc, char **argv)
{
	static size_t sizes[NR_SIZES];
	struct worker workers[MAX_THREADS];
	int nthreads = 1, use_stdin = 0, hold = 0;
	long pairs = 1000000;
	size_t fixed_size = 0;
	double total_ns = 0;
	unsigned long checksum = 0;
	sigset_t set;
	int opt, i, err;

	while ((opt = getopt(argc, argv, "t:n:s:gHh")) != -1) {
		switch (opt) {
		case 't':
			nthreads = atoi(optarg);
			break;
		case 'n':
			pairs = atol(optarg);
			break;
		case 's':
			fixed_size = strtoul(optarg, NULL, 0);
			break;
		case 'g':
			use_stdin = 1;
			break;
		case 'H':
			hold = 1;
			break;
		default:
			usage(argv[0]);
			return opt == 'h' ? 0 : 2;
		}
	}
	if (nthreads < 1 || nthreads > MAX_THREADS || pairs < 1) {
		usage(argv[0]);
		return 2;
	}

	/* Blocked in every thread (inherited), taken only by sigwait() in main. */
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	pthread_sigmask(SIG_BLOCK, &set, NULL);

	fill_sizes(sizes, fixed_size);
	pthread_barrier_init(&warmed_up, NULL, nthreads + 1);
	pthread_barrier_init(&start_line, NULL, nthreads + 1);
	for (i = 0; i < nthreads; i++) {
		workers[i] = (struct worker){ .idx = i, .pairs = pairs, .sizes = sizes };
		err = pthread_create(&workers[i].tid, NULL, worker_main, &workers[i]);
		if (err) {
			fprintf(stderr, "pthread_create: %s\n", strerror(err));
			return 1;
		}
	}

	pthread_barrier_wait(&warmed_up);
	printf("ready %d\n", (int)getpid());
	fflush(stdout);
	if (wait_go(use_stdin, &set)) {
		fprintf(stderr, "malloc_bench: no go signal\n");
		return 1;
	}
	pthread_barrier_wait(&start_line);

	for (i = 0; i < nthreads; i++) {
		pthread_join(workers[i].tid, NULL);
		total_ns += workers[i].ns;
		checksum += workers[i].checksum;
	}
	/* Per thread: the cost one thread pays for a pair while the others run alongside. */
	printf("threads=%d pairs=%ld ns_per_pair=%.1f checksum=%lu\n", nthreads, pairs,
	       total_ns / nthreads / pairs, checksum);
	fflush(stdout);

	if (hold && wait_go(use_stdin, &set))
		return 1;
	return 0;
}

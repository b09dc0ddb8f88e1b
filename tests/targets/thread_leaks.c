// SPDX-License-Identifier: GPL-2.0
/* Blocks allocated in one thread and freed in another (not leaks), and leaks made in a
 * thread that predates the tracer and in one created after it attached. */
#include <pthread.h>
#include <stdlib.h>
#include "target.h"

#define XFER_N 1000
#define XFER_SIZE 48
#define OLD_THREAD_N 50
#define OLD_THREAD_SIZE 72
#define NEW_THREAD_N 30
#define NEW_THREAD_SIZE 40
#define QUEUE_LEN 64

/* A fixed ring: passing blocks between threads must not allocate by itself. */
static struct {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	void *slot[QUEUE_LEN];
	unsigned head, tail;
} queue = { .lock = PTHREAD_MUTEX_INITIALIZER, .cond = PTHREAD_COND_INITIALIZER };

static pthread_barrier_t start_barrier;
static void *sink[OLD_THREAD_N + NEW_THREAD_N];

static void queue_put(void *p)
{
	pthread_mutex_lock(&queue.lock);
	while (queue.tail - queue.head == QUEUE_LEN)
		pthread_cond_wait(&queue.cond, &queue.lock);
	queue.slot[queue.tail++ % QUEUE_LEN] = p;
	pthread_cond_broadcast(&queue.cond);
	pthread_mutex_unlock(&queue.lock);
}

static void *queue_get(void)
{
	void *p;

	pthread_mutex_lock(&queue.lock);
	while (queue.tail == queue.head)
		pthread_cond_wait(&queue.cond, &queue.lock);
	p = queue.slot[queue.head++ % QUEUE_LEN];
	pthread_cond_broadcast(&queue.cond);
	pthread_mutex_unlock(&queue.lock);
	return p;
}

/* Each thread's first malloc creates its arena: do it before attach. */
LT_NOINLINE static void warm_up_arena(void)
{
	void *p = malloc(32);

	LT_KEEP(p);
	free(p);
}

LT_NOINLINE static void xfer_alloc(void)
{
	for (int i = 0; i < XFER_N; i++) {
		void *p = malloc(XFER_SIZE);

		LT_KEEP(p);
		queue_put(p);
	}
}

LT_NOINLINE static void xfer_free(void)
{
	for (int i = 0; i < XFER_N; i++)
		free(queue_get());
}

LT_NOINLINE static void leak_in_old_thread(void)
{
	for (int i = 0; i < OLD_THREAD_N; i++) {
		sink[i] = malloc(OLD_THREAD_SIZE);
		LT_KEEP(sink[i]);
	}
}

LT_NOINLINE static void leak_in_new_thread(void)
{
	for (int i = 0; i < NEW_THREAD_N; i++) {
		sink[OLD_THREAD_N + i] = malloc(NEW_THREAD_SIZE);
		LT_KEEP(sink[OLD_THREAD_N + i]);
	}
}

static void *producer(void *arg)
{
	warm_up_arena();
	pthread_barrier_wait(&start_barrier); /* created */
	pthread_barrier_wait(&start_barrier); /* tracer attached */
	xfer_alloc();
	leak_in_old_thread();
	return NULL;
}

static void *consumer(void *arg)
{
	warm_up_arena();
	pthread_barrier_wait(&start_barrier);
	pthread_barrier_wait(&start_barrier);
	xfer_free();
	return NULL;
}

static void *late_thread(void *arg)
{
	leak_in_new_thread();
	return NULL;
}

int main(int argc, char **argv)
{
	pthread_t prod, cons, late;

	lt_target__init(argc, argv);
	pthread_barrier_init(&start_barrier, NULL, 3);
	if (pthread_create(&prod, NULL, producer, NULL) ||
	    pthread_create(&cons, NULL, consumer, NULL))
		abort();
	pthread_barrier_wait(&start_barrier);
	lt_target__ready();

	pthread_barrier_wait(&start_barrier);
	pthread_join(prod, NULL);
	pthread_join(cons, NULL);
	if (pthread_create(&late, NULL, late_thread, NULL))
		abort();
	pthread_join(late, NULL);

	lt_target__truth_begin("thread_leaks");
	lt_target__leak("leak_in_old_thread", "heap", OLD_THREAD_N * OLD_THREAD_SIZE, OLD_THREAD_N,
			"", 0, "producer");
	lt_target__leak("leak_in_new_thread", "heap", NEW_THREAD_N * NEW_THREAD_SIZE, NEW_THREAD_N,
			"", 0, "late_thread");
	/* Thread exit may free a few pre-attach blocks (tcache); never the cross-thread ones. */
	lt_target__truth_end("xfer_alloc,warm_up_arena", 0, XFER_N / 10);
	lt_target__done(NULL);
	return 0;
}

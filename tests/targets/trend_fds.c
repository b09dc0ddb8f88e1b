// SPDX-License-Identifier: GPL-2.0
/* Descriptors and sockets with two shapes each over RUN_S seconds: a bounded pool of POOL
 * files reopened in turn every 100 ms beside a file leaked every LEAK_MS, and POOL_CONNS
 * connections to one listener held from the start beside a connection to another listener
 * leaked every LEAK_MS. The listeners live in a child process, which is not traced. The
 * truth lists the leaks (count) and the peers: {"pool_peer": ..., "leak_peer": ...}. */
#include <fcntl.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include "target.h"

#define RUN_S 14
#define POOL 8
#define POOL_CONNS 4
#define LEAK_MS 500

static int pool[POOL];
static int nleak_files, nleak_conns;

static int listen_any(int *port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	if (fd < 0 || bind(fd, (void *)&a, len) || listen(fd, 128) ||
	    getsockname(fd, (void *)&a, &len))
		abort();
	*port = ntohs(a.sin_port);
	return fd;
}

/* The child holds every connection it accepts, until the parent is gone. */
static void serve(int l1, int l2)
{
	int held[1024], n = 0;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	for (;;) {
		fd_set set;

		FD_ZERO(&set);
		FD_SET(l1, &set);
		FD_SET(l2, &set);
		if (select((l1 > l2 ? l1 : l2) + 1, &set, NULL, NULL, NULL) < 0)
			continue;
		for (int k = 0; k < 2; k++) {
			int l = k ? l2 : l1, c;

			if (!FD_ISSET(l, &set) || (c = accept(l, NULL, NULL)) < 0)
				continue;
			if (n < 1024)
				held[n++] = c;
			else
				close(c);
		}
	}
}

LT_NOINLINE static int connect_to(int port)
{
	struct sockaddr_in a = { .sin_family = AF_INET,
				 .sin_port = htons(port),
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	if (fd < 0 || connect(fd, (void *)&a, sizeof(a)))
		abort();
	LT_KEEP(fd);
	return fd;
}

LT_NOINLINE static int pool_connect(int port)
{
	int fd = connect_to(port);

	LT_KEEP(fd);
	return fd;
}

LT_NOINLINE static int leak_connect(int port)
{
	int fd = connect_to(port);

	LT_KEEP(fd);
	return fd;
}

LT_NOINLINE static int pool_open(void)
{
	int fd = open("/dev/null", O_RDONLY);

	LT_KEEP(fd);
	return fd;
}

LT_NOINLINE static int leak_open(void)
{
	int fd = open("/dev/zero", O_RDONLY);

	LT_KEEP(fd);
	return fd;
}

int main(int argc, char **argv)
{
	int pool_port, leak_port, l1, l2;
	struct timespec nap = { 0, 100 * 1000000L };
	pid_t child;

	lt_target__init(argc, argv);
	l1 = listen_any(&pool_port);
	l2 = listen_any(&leak_port);
	child = fork();
	if (child < 0)
		abort();
	if (!child)
		serve(l1, l2);
	close(l1);
	close(l2);
	for (int i = 0; i < POOL; i++)
		pool[i] = -1;
	lt_target__ready();
	for (int i = 0; i < POOL_CONNS; i++)
		pool_connect(pool_port);
	/* a tick is 100 ms and a little more: the run lasts RUN_S and a little more */
	for (int tick = 0; tick < RUN_S * 10; tick++) {
		close(pool[tick % POOL]); /* the oldest, once full (-1 at first: EBADF) */
		pool[tick % POOL] = pool_open();
		if (tick % (LEAK_MS / 100) == 0) {
			leak_open();
			nleak_files++;
			leak_connect(leak_port);
			nleak_conns++;
		}
		nanosleep(&nap, NULL);
	}
	printf("{\"target\": \"trend_fds\", \"leaks\": [{\"fn\": \"leak_open\", \"count\": %d}, "
	       "{\"fn\": \"leak_connect\", \"count\": %d}], \"pool_open\": %d, "
	       "\"pool_connect\": %d, \"pool_peer\": \"127.0.0.1:%d\", "
	       "\"leak_peer\": \"127.0.0.1:%d\"}\n",
	       nleak_files, nleak_conns, POOL, POOL_CONNS, pool_port, leak_port);
	lt_target__done(NULL);
	kill(child, SIGKILL);
	return 0;
}

// SPDX-License-Identifier: GPL-2.0
/* Descriptor leaks: files leaked beside the same file opened and closed, client sockets to
 * a local server that hangs up (CLOSE_WAIT) beside a pool that closes its own, dup2 over an
 * open descriptor, close_range, descriptors from before attach, and (argv[2] = "exec") an
 * exec of itself that drops the close-on-exec ones. Exact counts after one pass: the trend
 * of descriptors over time is trend_fds.c's (a child serving, a timed run), not merged in. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include "target.h"

#define LEAK_FILES 5
#define LEAK_CONNS 3
#define POOL_CONNS 2
#define RANGE_FIRST 200
#define RANGE_N 4

static char path[64], path2[64];
static int listen_fd, port;

LT_NOINLINE static void pre_attach_open(void)
{
	int p[2];

	if (open("/dev/null", O_RDONLY) < 0 || pipe(p))
		abort();
	listen_fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(a);

	if (listen_fd < 0 || bind(listen_fd, (void *)&a, sizeof(a)) || listen(listen_fd, 64) ||
	    getsockname(listen_fd, (void *)&a, &len))
		abort();
	port = ntohs(a.sin_port);
}

LT_NOINLINE static int leak_file(void)
{
	int fd = open(path, O_RDONLY);

	LT_KEEP(fd);
	return fd;
}

LT_NOINLINE static void open_and_close(void)
{
	int fd = open(path, O_RDONLY);

	LT_KEEP(fd);
	close(fd);
}

static int connect_local(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET,
				 .sin_port = htons(port),
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	if (fd < 0 || connect(fd, (void *)&a, sizeof(a)))
		abort();
	return fd;
}

/* The server side hangs up at once: the client's socket goes to CLOSE_WAIT. */
static void serve_and_hang_up(void)
{
	int c = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC);

	if (c < 0)
		abort();
	close(c);
}

/* connect_local's body again on purpose: the test wants leak_conn as frames[0] (the
 * function that called socket()), and a call to connect_local would put that first. */
LT_NOINLINE static int leak_conn(void)
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

LT_NOINLINE static void pool_conn(void)
{
	int fd = connect_local();

	serve_and_hang_up();
	close(fd);
}

LT_NOINLINE static int open_victim(void)
{
	int fd = open(path2, O_RDONLY);

	LT_KEEP(fd);
	return fd;
}

/* dup2 over victim: the victim is closed, its number now holds a dup made here. */
LT_NOINLINE static void dup2_over(int victim)
{
	int fd = open(path, O_RDONLY);

	if (dup2(fd, victim) != victim)
		abort();
	close(fd);
}

LT_NOINLINE static void range_open(void)
{
	for (int i = 0; i < RANGE_N; i++) {
		int fd = open(path, O_RDONLY);

		if (fcntl(fd, F_DUPFD, RANGE_FIRST + i) != RANGE_FIRST + i)
			abort();
		close(fd);
	}
}

LT_NOINLINE static void range_close(void)
{
	if (close_range(RANGE_FIRST, RANGE_FIRST + RANGE_N - 1, 0))
		abort();
}

static void again(void)
{
	close(open(path, O_RDONLY));
}

int main(int argc, char **argv)
{
	lt_target__init(argc, argv);
	snprintf(path, sizeof(path), "/tmp/lt-fd-%d.txt", (int)getpid());
	snprintf(path2, sizeof(path2), "/tmp/lt-fd-%d.victim", (int)getpid());
	close(open(path, O_CREAT | O_WRONLY, 0600));
	close(open(path2, O_CREAT | O_WRONLY, 0600));
	pre_attach_open();
	lt_target__ready();

	for (int i = 0; i < LEAK_FILES; i++)
		leak_file();
	for (int i = 0; i < 3; i++)
		open_and_close();
	for (int i = 0; i < LEAK_CONNS; i++) {
		leak_conn();
		serve_and_hang_up();
	}
	for (int i = 0; i < POOL_CONNS; i++)
		pool_conn();
	dup2_over(open_victim());
	range_open();
	range_close();
	usleep(200000); /* the FINs are processed in softirq: let them land */

	printf("{\"target\": \"fd_leaks\", \"path\": \"%s\", \"port\": %d, \"leak_files\": %d, "
	       "\"leak_conns\": %d, \"preexisting\": \"/dev/null\", "
	       "\"absent\": \"open_and_close,pool_conn,connect_local,open_victim,range_open,serve_and_hang_up\", "
	       "\"leaks\": []}\n",
	       path, port, LEAK_FILES, LEAK_CONNS);
	unlink(path);
	unlink(path2);
	lt_target__done(again);
	return 0;
}

// SPDX-License-Identifier: GPL-2.0
/* TCP sockets whose peers have no zero byte, so that a peer copied in part shows: run in the
 * server's network namespace (ip netns exec) with argv[2] the client's (/run/netns/NAME),
 * it connects from the client's namespace to its own listeners (IPv4 and IPv6) and leaks
 * both ends, the connected sockets and the accepted ones, all left ESTABLISHED. The
 * addresses are the test's: argv[3..6] = client v4, server v4, client v6, server v6. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sched.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include "target.h"

#define LEAK_CONNS 3

static int listen4, listen6, cli_ns, own_ns;
static const char *srv4, *srv6;
static int port4, port6;
static char accepted[2 * LEAK_CONNS][64];
static int naccepted;

static int listen_on(int family, const char *ip, int *port)
{
	struct sockaddr_storage ss = {};
	struct sockaddr_in *a4 = (void *)&ss;
	struct sockaddr_in6 *a6 = (void *)&ss;
	socklen_t len = family == AF_INET ? sizeof(*a4) : sizeof(*a6);
	int fd = socket(family, SOCK_STREAM, 0);

	ss.ss_family = family;
	if (fd < 0 ||
	    inet_pton(family, ip,
		      family == AF_INET ? (void *)&a4->sin_addr : (void *)&a6->sin6_addr) != 1 ||
	    bind(fd, (void *)&ss, len) || listen(fd, 64) || getsockname(fd, (void *)&ss, &len))
		abort();
	*port = ntohs(family == AF_INET ? a4->sin_port : a6->sin6_port);
	return fd;
}

LT_NOINLINE static int leak_connect(int family, const char *ip, int port)
{
	struct sockaddr_storage ss = {};
	struct sockaddr_in *a4 = (void *)&ss;
	struct sockaddr_in6 *a6 = (void *)&ss;
	int fd = socket(family, SOCK_STREAM, 0);

	ss.ss_family = family;
	if (family == AF_INET) {
		a4->sin_port = htons(port);
		inet_pton(AF_INET, ip, &a4->sin_addr);
	} else {
		a6->sin6_port = htons(port);
		inet_pton(AF_INET6, ip, &a6->sin6_addr);
	}
	if (fd < 0 || connect(fd, (void *)&ss, family == AF_INET ? sizeof(*a4) : sizeof(*a6)))
		abort();
	LT_KEEP(fd);
	return fd;
}

/* Accepts one connection and records its peer as the kernel gives it. */
LT_NOINLINE static int leak_accept(int lfd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	char ip[INET6_ADDRSTRLEN];
	int fd = accept4(lfd, (void *)&ss, &len, SOCK_CLOEXEC);

	if (fd < 0)
		abort();
	if (ss.ss_family == AF_INET) {
		struct sockaddr_in *a4 = (void *)&ss;

		inet_ntop(AF_INET, &a4->sin_addr, ip, sizeof(ip));
		snprintf(accepted[naccepted++], sizeof(accepted[0]), "%s:%d", ip,
			 ntohs(a4->sin_port));
	} else {
		struct sockaddr_in6 *a6 = (void *)&ss;

		inet_ntop(AF_INET6, &a6->sin6_addr, ip, sizeof(ip));
		snprintf(accepted[naccepted++], sizeof(accepted[0]), "[%s]:%d", ip,
			 ntohs(a6->sin6_port));
	}
	LT_KEEP(fd);
	return fd;
}

int main(int argc, char **argv)
{
	if (argc != 7) {
		fprintf(stderr, "usage: %s wait|exit CLIENT_NETNS CLI4 SRV4 CLI6 SRV6\n", argv[0]);
		return 2;
	}
	lt_target__init(2, argv);
	srv4 = argv[4];
	srv6 = argv[6];
	listen4 = listen_on(AF_INET, srv4, &port4);
	listen6 = listen_on(AF_INET6, srv6, &port6);
	cli_ns = open(argv[2], O_RDONLY | O_CLOEXEC);
	own_ns = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (cli_ns < 0 || own_ns < 0)
		abort();
	lt_target__ready();

	/* sockets keep the namespace they were made in: connect from the client's */
	if (setns(cli_ns, CLONE_NEWNET))
		abort();
	for (int i = 0; i < LEAK_CONNS; i++) {
		leak_connect(AF_INET, srv4, port4);
		leak_connect(AF_INET6, srv6, port6);
	}
	if (setns(own_ns, CLONE_NEWNET))
		abort();
	for (int i = 0; i < LEAK_CONNS; i++) {
		leak_accept(listen4);
		leak_accept(listen6);
	}

	printf("{\"target\": \"sock_peers\", \"leak_conns\": %d, \"connected4\": \"%s:%d\", "
	       "\"connected6\": \"[%s]:%d\", \"client4\": \"%s\", \"client6\": \"%s\", "
	       "\"accepted\": [",
	       LEAK_CONNS, srv4, port4, srv6, port6, argv[3], argv[5]);
	for (int i = 0; i < naccepted; i++)
		printf("%s\"%s\"", i ? ", " : "", accepted[i]);
	printf("], \"leaks\": []}\n");
	lt_target__done(NULL);
	return 0;
}

// SPDX-License-Identifier: GPL-2.0
/* Finding the inspector's socket and reaching it inside the target's network namespace
 * (shared/JS-HEAP.md §2.1, §2.2): the inspector listens in the target's namespace only, so
 * a socket made in ours gets ECONNREFUSED. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>

#include "array.h"
#include "inspector_net.h"
#include "procfd.h"

static int lt_inspector_net_inodes(int pid, __u64 **inos, size_t *n)
{
	char path[64], link[64];
	int *fds = NULL, err;
	size_t nfds = 0;

	*n = 0;
	err = lt_procfd__list(pid, &fds, &nfds);
	if (err)
		return err;
	*inos = calloc(nfds ? nfds : 1, sizeof(**inos));
	if (!*inos) {
		err = -ENOMEM;
		goto cleanup;
	}
	for (size_t i = 0; i < nfds; i++) {
		unsigned long long ino;
		ssize_t len;

		snprintf(path, sizeof(path), "/proc/%d/fd/%d", pid, fds[i]);
		len = readlink(path, link, sizeof(link) - 1);
		if (len <= 0)
			continue;
		link[len] = '\0';
		if (sscanf(link, "socket:[%llu]", &ino) == 1)
			(*inos)[(*n)++] = ino;
	}
cleanup:
	free(fds);
	return err;
}

static int lt_inspector_net_cmp(const void *a, const void *b)
{
	__u64 x = *(const __u64 *)a, y = *(const __u64 *)b;

	return (x > y) - (x < y);
}

int lt_inspector_net__socks(int pid, struct lt_net_socks *out)
{
	struct lt_net_socks all = {};
	__u64 *inos = NULL;
	size_t n = 0;
	int err;

	memset(out, 0, sizeof(*out));
	err = lt_inspector_net_inodes(pid, &inos, &n);
	if (!err)
		err = lt_procnet__read_tcp(pid, &all);
	/* the namespace may hold tens of thousands of sockets, the target thousands */
	qsort(inos, n, sizeof(*inos), lt_inspector_net_cmp);
	for (size_t i = 0; !err && i < all.n; i++) {
		if (!bsearch(&all.v[i].ino, inos, n, sizeof(*inos), lt_inspector_net_cmp))
			continue;
		if (LT_ENSURE(&out->v, &out->cap, out->n + 1)) {
			err = -ENOMEM;
			break;
		}
		out->v[out->n++] = all.v[i];
	}
	free(inos);
	lt_procnet__free(&all);
	if (err)
		lt_procnet__free(out);
	return err;
}

bool lt_inspector_net__has_listen(const struct lt_net_socks *s, __u64 ino)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->v[i].ino == ino && s->v[i].state == LT_TCP_LISTEN)
			return true;
	return false;
}

unsigned lt_inspector_net__port(const char *addr)
{
	const char *colon = strrchr(addr, ':');
	char *end;
	long port;

	if (!colon)
		return 0;
	port = strtol(colon + 1, &end, 10);
	return *end || port <= 0 || port > 65535 ? 0 : (unsigned)port;
}

size_t lt_inspector_net__clients(const struct lt_net_socks *s, unsigned port,
				 unsigned skip_peer_port)
{
	size_t n = 0;

	for (size_t i = 0; i < s->n; i++) {
		if (s->v[i].state != LT_TCP_ESTABLISHED)
			continue;
		if (lt_inspector_net__port(s->v[i].local) != port)
			continue;
		if (skip_peer_port && lt_inspector_net__port(s->v[i].peer) == skip_peer_port)
			continue;
		n++;
	}
	return n;
}

void lt_inspector_net__holder(int pid, unsigned port, char *buf, size_t size)
{
	struct lt_net_socks all = {};

	buf[0] = '\0';
	if (lt_procnet__read_tcp(pid, &all))
		goto cleanup;
	for (size_t i = 0; i < all.n; i++) {
		if (all.v[i].state == LT_TCP_LISTEN &&
		    lt_inspector_net__port(all.v[i].local) == port) {
			snprintf(buf, size, "%s (socket inode %llu)", all.v[i].local,
				 (unsigned long long)all.v[i].ino);
			break;
		}
	}
cleanup:
	lt_procnet__free(&all);
}

int lt_inspector_net__ns_ino(int pid, __u64 *ino)
{
	char path[64];
	struct stat st;

	snprintf(path, sizeof(path), "/proc/%d/ns/net", pid);
	if (stat(path, &st))
		return -errno;
	*ino = st.st_ino;
	return 0;
}

struct lt_ns_socket {
	int nsfd;
	int family;
	int fd; /* out: the socket, or -errno */
};

/* setns affects the calling thread only: this thread enters, makes the socket, ends. */
static void *lt_inspector_net_thread(void *arg)
{
	struct lt_ns_socket *j = arg;

	if (setns(j->nsfd, CLONE_NEWNET)) {
		j->fd = -errno;
		return NULL;
	}
	j->fd = socket(j->family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (j->fd < 0)
		j->fd = -errno;
	return NULL;
}

static int lt_inspector_net_parse(const char *addr, struct sockaddr_storage *ss, socklen_t *len)
{
	unsigned port = lt_inspector_net__port(addr);
	char host[INET6_ADDRSTRLEN + 2];
	const char *colon = strrchr(addr, ':');
	size_t hl = colon ? (size_t)(colon - addr) : 0;

	memset(ss, 0, sizeof(*ss));
	if (!port || hl < 2 || hl >= sizeof(host))
		return -EINVAL;
	memcpy(host, addr, hl);
	host[hl] = '\0';
	if (host[0] == '[' && host[hl - 1] == ']') {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)ss;

		host[hl - 1] = '\0';
		a->sin6_family = AF_INET6;
		a->sin6_port = htons(port);
		*len = sizeof(*a);
		return inet_pton(AF_INET6, host + 1, &a->sin6_addr) == 1 ? 0 : -EINVAL;
	}
	struct sockaddr_in *a = (struct sockaddr_in *)ss;

	a->sin_family = AF_INET;
	a->sin_port = htons(port);
	*len = sizeof(*a);
	return inet_pton(AF_INET, host, &a->sin_addr) == 1 ? 0 : -EINVAL;
}

/* A wildcard listener (0.0.0.0, ::) is reached on the loopback address. */
static void lt_inspector_net_loopback(struct sockaddr_storage *ss)
{
	if (ss->ss_family == AF_INET) {
		struct sockaddr_in *a = (struct sockaddr_in *)ss;

		if (a->sin_addr.s_addr == htonl(INADDR_ANY))
			a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	} else {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)ss;

		if (IN6_IS_ADDR_UNSPECIFIED(&a->sin6_addr))
			a->sin6_addr = in6addr_loopback;
	}
}

int lt_inspector_net__connect(int pid, const char *addr, int timeout_ms)
{
	struct timeval tv = { timeout_ms / 1000, (timeout_ms % 1000) * 1000 };
	struct lt_ns_socket j = { .nsfd = -1, .fd = -EINVAL };
	struct sockaddr_storage ss;
	char path[64];
	socklen_t len;
	pthread_t th;
	int err;

	err = lt_inspector_net_parse(addr, &ss, &len);
	if (err)
		return err;
	lt_inspector_net_loopback(&ss);
	snprintf(path, sizeof(path), "/proc/%d/ns/net", pid);
	j.nsfd = open(path, O_RDONLY | O_CLOEXEC);
	if (j.nsfd < 0)
		return -errno;
	j.family = ss.ss_family;
	err = -pthread_create(&th, NULL, lt_inspector_net_thread, &j);
	if (!err)
		pthread_join(th, NULL);
	close(j.nsfd);
	if (err)
		return err;
	if (j.fd < 0)
		return j.fd;
	if (setsockopt(j.fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) ||
	    setsockopt(j.fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) ||
	    connect(j.fd, (struct sockaddr *)&ss, len)) {
		err = -errno;
		close(j.fd);
		return err;
	}
	return j.fd;
}

unsigned lt_inspector_net__local_port(int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	if (getsockname(fd, (struct sockaddr *)&ss, &len))
		return 0;
	if (ss.ss_family == AF_INET)
		return ntohs(((struct sockaddr_in *)&ss)->sin_port);
	return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
}

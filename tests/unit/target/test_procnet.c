// SPDX-License-Identifier: GPL-2.0
/* Unit tests of the /proc parsers for descriptors: the socket tables of /proc/PID/net
 * (fixtures under tests/unit/fixtures/) and the kind of a /proc/PID/fd link. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>
#include "procfd.h"
#include "procnet.h"

#ifndef FIXTURES
#define FIXTURES "tests/unit/fixtures"
#endif

static FILE *fixture(const char *name)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), FIXTURES "/%s", name);
	f = fopen(path, "r");
	assert_non_null(f);
	return f;
}

static void test_tcp(void **state)
{
	struct lt_net_socks s = {};
	const struct lt_net_sock *k;
	FILE *f = fixture("net_tcp.txt");

	assert_int_equal(lt_procnet__parse_inet(f, "tcp", false, &s), 0);
	fclose(f);
	assert_int_equal(s.n, 2);
	k = lt_procnet__find(&s, 168921);
	assert_non_null(k);
	assert_string_equal(k->proto, "tcp");
	assert_string_equal(k->local, "127.0.0.1:47419");
	assert_string_equal(k->peer, ""); /* listening: no peer */
	assert_int_equal(k->state, 10);
	k = lt_procnet__find(&s, 170001);
	assert_string_equal(k->local, "127.0.0.1:54000");
	assert_string_equal(k->peer, "127.0.0.1:47419");
	assert_int_equal(k->state, 8);
	assert_null(lt_procnet__find(&s, 1));
	lt_procnet__free(&s);
}

static void test_tcp6_and_unix(void **state)
{
	struct lt_net_socks s = {};
	const struct lt_net_sock *k;
	FILE *f = fixture("net_tcp6.txt");

	assert_int_equal(lt_procnet__parse_inet(f, "tcp6", true, &s), 0);
	fclose(f);
	f = fixture("net_unix.txt");
	assert_int_equal(lt_procnet__parse_unix(f, &s), 0);
	fclose(f);
	assert_int_equal(s.n, 3);
	k = lt_procnet__find(&s, 180002);
	assert_string_equal(k->local, "[::1]:8080");
	assert_string_equal(k->peer, "[::1]:50000");
	assert_int_equal(k->state, 1);
	k = lt_procnet__find(&s, 19001);
	assert_string_equal(k->proto, "unix");
	assert_string_equal(k->local, "/run/systemd/notify");
	assert_int_equal(k->state, 0);
	assert_string_equal(lt_procnet__find(&s, 19002)->local, "");
	lt_procnet__free(&s);
}

static void test_malformed(void **state)
{
	static char text[] = "header\n   0: 0100007F:B93B zz\n";
	struct lt_net_socks s = {};
	FILE *f = fmemopen(text, strlen(text), "r");

	assert_int_equal(lt_procnet__parse_inet(f, "tcp", false, &s), -EINVAL);
	fclose(f);
	lt_procnet__free(&s);
}

static void test_format(void **state)
{
	__u8 v4[16] = { 10, 0, 0, 7 }, v6[16] = { 0x20, 0x01, 0x0d, 0xb8 };
	char buf[64];

	lt_procnet__format(AF_INET, v4, 3306, buf, sizeof(buf));
	assert_string_equal(buf, "10.0.0.7:3306");
	v6[15] = 1;
	lt_procnet__format(AF_INET6, v6, 443, buf, sizeof(buf));
	assert_string_equal(buf, "[2001:db8::1]:443");
}

static void test_classify(void **state)
{
	assert_int_equal(lt_procfd__classify("socket:[123]", 0), LT_FDK_SOCKET);
	assert_int_equal(lt_procfd__classify("pipe:[9]", S_IFIFO), LT_FDK_PIPE);
	assert_int_equal(lt_procfd__classify("anon_inode:[eventfd]", 0), LT_FDK_EVENTFD);
	assert_int_equal(lt_procfd__classify("anon_inode:[eventpoll]", 0), LT_FDK_EPOLL);
	assert_int_equal(lt_procfd__classify("anon_inode:[timerfd]", 0), LT_FDK_TIMERFD);
	assert_int_equal(lt_procfd__classify("anon_inode:[signalfd]", 0), LT_FDK_SIGNALFD);
	assert_int_equal(lt_procfd__classify("anon_inode:inotify", 0), LT_FDK_INOTIFY);
	assert_int_equal(lt_procfd__classify("anon_inode:[pidfd]", 0), LT_FDK_PIDFD);
	assert_int_equal(lt_procfd__classify("pidfd:[4242]", 0), LT_FDK_PIDFD);
	assert_int_equal(lt_procfd__classify("anon_inode:bpf-map", 0), LT_FDK_ANON);
	assert_int_equal(lt_procfd__classify("/memfd:cache (deleted)", S_IFREG), LT_FDK_MEMFD);
	assert_int_equal(lt_procfd__classify("/etc", S_IFDIR), LT_FDK_DIR);
	assert_int_equal(lt_procfd__classify("/dev/null", S_IFCHR), LT_FDK_CHAR);
	assert_int_equal(lt_procfd__classify("/tmp/q", S_IFIFO), LT_FDK_FIFO);
	assert_int_equal(lt_procfd__classify("/etc/hosts", S_IFREG), LT_FDK_FILE);
	assert_int_equal(lt_procfd__classify("net:[4026531840]", 0), LT_FDK_UNKNOWN);
	assert_string_equal(lt_fd_kind__name(LT_FDK_DIR), "directory");
	assert_string_equal(lt_fd_kind__name(LT_FDK__MAX), "unknown");
	assert_string_equal(lt_tcp_state__name(8), "CLOSE_WAIT");
	assert_string_equal(lt_tcp_state__name(99), "UNKNOWN");
}

static void test_procfd_self(void **state)
{
	struct lt_fd_desc d;
	int *fds, p[2];
	size_t n;
	bool found = false;

	assert_int_equal(pipe(p), 0);
	assert_int_equal(lt_procfd__list(getpid(), &fds, &n), 0);
	for (size_t i = 0; i < n; i++)
		found |= fds[i] == p[1];
	free(fds);
	assert_true(found);
	assert_int_equal(lt_procfd__describe(getpid(), p[0], &d), 0);
	assert_int_equal(d.kind, LT_FDK_PIPE);
	assert_true(d.ino != 0);
	close(p[0]);
	close(p[1]);
	assert_int_equal(lt_procfd__describe(getpid(), p[0], &d), -ENOENT);
}

/* The TCP tables of this process's namespace: a listener made here is there, by inode, in
 * LISTEN, and no UDP socket is; a process that does not exist is an error, not empty. */
static void test_read_tcp_self(void **state)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	struct lt_net_socks socks = {};
	const struct lt_net_sock *s;
	int l = socket(AF_INET, SOCK_STREAM, 0), u = socket(AF_INET, SOCK_DGRAM, 0);
	struct stat stl, stu;

	assert_true(l >= 0 && u >= 0);
	assert_int_equal(bind(l, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(listen(l, 1), 0);
	assert_int_equal(bind(u, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(fstat(l, &stl), 0);
	assert_int_equal(fstat(u, &stu), 0);
	assert_int_equal(lt_procnet__read_tcp(getpid(), &socks), 0);
	s = lt_procnet__find(&socks, stl.st_ino);
	assert_non_null(s);
	assert_string_equal(s->proto, "tcp");
	assert_int_equal(s->state, 10); /* TCP_LISTEN */
	assert_null(lt_procnet__find(&socks, stu.st_ino));
	lt_procnet__free(&socks);
	assert_true(lt_procnet__read_tcp(-1, &socks) < 0);
	lt_procnet__free(&socks);
	close(l);
	close(u);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tcp),	      cmocka_unit_test(test_tcp6_and_unix),
		cmocka_unit_test(test_malformed),     cmocka_unit_test(test_format),
		cmocka_unit_test(test_classify),      cmocka_unit_test(test_procfd_self),
		cmocka_unit_test(test_read_tcp_self),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

// SPDX-License-Identifier: GPL-2.0
/* Unit tests of the outstanding-descriptor table: births, deaths by close, dup2 over an
 * open descriptor, close_range, exec, reconciliation with /proc, interval flow, and the
 * aggregation of the table into the report (by stack, by peer, CLOSE_WAIT). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "fd_report.h"
#include "fd_track.h"
#include "leaktrace.h"

static int released;
static __u64 released_sk;

static void on_release(void *ctx, const struct lt_fd_entry *e)
{
	released++;
	released_sk = e->sk;
}

static struct lt_fd_track *new_track(void)
{
	struct lt_fd_track *t = lt_fd_track__new(on_release, NULL);

	released = 0;
	released_sk = 0;
	assert_non_null(t);
	return t;
}

static void test_open_close(void **state)
{
	struct lt_fd_track *t = new_track();

	assert_int_equal(lt_fd_track__open(t, 3, LT_FDC_OPENAT, 0xa, 100, 7, 0), 0);
	assert_int_equal(lt_fd_track__open(t, 1000, LT_FDC_SOCKET, 0xb, 100, 8, 0x55), 0);
	assert_int_equal(lt_fd_track__count(t), 2);
	assert_non_null(lt_fd_track__get(t, 1000));
	assert_null(lt_fd_track__get(t, 4));
	assert_true(lt_fd_track__close(t, 1000));
	assert_int_equal(released, 1);
	assert_int_equal(released_sk, 0x55);
	assert_false(lt_fd_track__close(t, 1000));
	assert_false(lt_fd_track__close(t, -1));
	assert_int_equal(lt_fd_track__count(t), 1);
	assert_int_equal(lt_fd_track__open(t, -5, LT_FDC_OPEN, 1, 1, 1, 0), -EINVAL);
	lt_fd_track__free(t);
}

static void test_reused_number(void **state)
{
	struct lt_fd_track *t = new_track();

	assert_int_equal(lt_fd_track__open(t, 5, LT_FDC_OPEN, 1, 1, 1, 0), 0);
	/* dup2 over an open descriptor closes it: not a loss */
	assert_int_equal(lt_fd_track__open(t, 5, LT_FDC_DUP2, 2, 2, 1, 0), 0);
	assert_int_equal(lt_fd_track__get(t, 5)->stack_id, 2);
	assert_int_equal(lt_fd_track__open(t, 5, LT_FDC_DUP3, 3, 3, 1, 0), 0);
	/* any other birth on a number still held: its close was missed */
	assert_int_equal(lt_fd_track__open(t, 5, LT_FDC_OPENAT, 4, 4, 1, 0), 1);
	assert_int_equal(lt_fd_track__get(t, 5)->stack_id, 4);
	assert_int_equal(lt_fd_track__count(t), 1);
	assert_int_equal(released, 3);
	lt_fd_track__free(t);
}

static void test_preexisting(void **state)
{
	struct lt_fd_track *t = new_track();
	struct lt_fd_desc d = { .kind = LT_FDK_FILE, .ino = 42 };
	struct lt_fd_flow *flow;
	size_t n;

	assert_int_equal(lt_fd_track__preexisting(t, 4, &d), 0);
	assert_true(lt_fd_track__get(t, 4)->preexisting);
	/* seen again by its open event (born between attach and the listing): same file */
	assert_int_equal(lt_fd_track__open(t, 4, LT_FDC_OPENAT, 9, 9, 42, 0), 0);
	assert_false(lt_fd_track__get(t, 4)->preexisting);
	assert_int_equal(lt_fd_track__preexisting(t, 6, &d), 0);
	assert_true(lt_fd_track__close(t, 6));
	/* a pre-existing descriptor is never flow */
	lt_fd_track__take_flow(t, &flow, &n);
	assert_int_equal(n, 1);
	assert_int_equal(flow[0].stack_id, 9);
	assert_int_equal(flow[0].opened, 1);
	assert_int_equal(flow[0].closed, 0);
	free(flow);
	lt_fd_track__free(t);
}

static void test_close_range(void **state)
{
	struct lt_fd_track *t = new_track();

	for (int fd = 3; fd < 10; fd++)
		lt_fd_track__open(t, fd, LT_FDC_OPEN, 1, 1, fd, 0);
	lt_fd_track__close_range(t, 4, 6, 1u << 2 /* CLOSE_RANGE_CLOEXEC */);
	assert_int_equal(lt_fd_track__count(t), 7);
	lt_fd_track__close_range(t, 4, 6, 0);
	assert_int_equal(lt_fd_track__count(t), 4);
	assert_non_null(lt_fd_track__get(t, 3));
	assert_null(lt_fd_track__get(t, 6));
	assert_non_null(lt_fd_track__get(t, 7));
	lt_fd_track__close_range(t, 8, ~0u, 0);
	assert_int_equal(lt_fd_track__count(t), 2);
	lt_fd_track__free(t);
}

static void test_exec(void **state)
{
	struct lt_fd_track *t = new_track();
	__u64 open[2] = { (1ull << 3) | (1ull << 5), 1ull << (70 - 64) };

	for (int fd = 3; fd < 7; fd++)
		lt_fd_track__open(t, fd, LT_FDC_OPEN, 1, 1, fd, 0);
	lt_fd_track__open(t, 70, LT_FDC_OPEN, 1, 1, 70, 0);
	lt_fd_track__open(t, 200, LT_FDC_OPEN, 1, 1, 200, 0);
	lt_fd_track__exec(t, open, 128);
	assert_non_null(lt_fd_track__get(t, 3));
	assert_null(lt_fd_track__get(t, 4));
	assert_non_null(lt_fd_track__get(t, 5));
	assert_null(lt_fd_track__get(t, 6));
	assert_non_null(lt_fd_track__get(t, 70));
	/* beyond the bitmap: left to reconciliation */
	assert_non_null(lt_fd_track__get(t, 200));
	lt_fd_track__free(t);
}

static void test_reconcile(void **state)
{
	struct lt_fd_track *t = new_track();
	int listed[] = { 9, 3 };
	__u64 seq;

	lt_fd_track__open(t, 3, LT_FDC_OPEN, 1, 1, 1, 0);
	lt_fd_track__open(t, 4, LT_FDC_OPEN, 1, 1, 1, 0);
	seq = lt_fd_track__seq(t);
	/* born after the listing: not judged by it */
	lt_fd_track__open(t, 5, LT_FDC_OPEN, 1, 1, 1, 0);
	assert_int_equal(lt_fd_track__reconcile(t, listed, 2, seq), 1);
	assert_non_null(lt_fd_track__get(t, 3));
	assert_null(lt_fd_track__get(t, 4));
	assert_non_null(lt_fd_track__get(t, 5));
	lt_fd_track__free(t);
}

static void test_flow(void **state)
{
	struct lt_fd_track *t = new_track();
	struct lt_fd_flow *flow;
	size_t n;

	lt_fd_track__open(t, 3, LT_FDC_OPEN, 0x20, 1, 1, 0);
	lt_fd_track__open(t, 4, LT_FDC_OPEN, 0x10, 1, 1, 0);
	lt_fd_track__open(t, 5, LT_FDC_OPEN, 0x10, 1, 1, 0);
	lt_fd_track__close(t, 4);
	lt_fd_track__take_flow(t, &flow, &n);
	assert_int_equal(n, 2);
	assert_int_equal(flow[0].stack_id, 0x10);
	assert_int_equal(flow[0].opened, 2);
	assert_int_equal(flow[0].closed, 1);
	assert_int_equal(flow[1].opened, 1);
	free(flow);
	/* a new interval starts empty */
	lt_fd_track__close(t, 3);
	lt_fd_track__take_flow(t, &flow, &n);
	assert_int_equal(n, 1);
	assert_int_equal(flow[0].stack_id, 0x20);
	assert_int_equal(flow[0].opened, 0);
	assert_int_equal(flow[0].closed, 1);
	free(flow);
	lt_fd_track__free(t);
}

static bool fake_sock(void *ctx, __u64 sk, struct lt_sock *out)
{
	memset(out, 0, sizeof(*out));
	if (sk != 0x77 && sk != 0x78)
		return false;
	out->family = 2;
	out->state = sk == 0x77 ? 8 /* CLOSE_WAIT */ : 1 /* ESTABLISHED */;
	out->since_ns = 1000000000ull;
	out->dport = 3306;
	out->daddr[0] = 127;
	out->daddr[3] = 1;
	return true;
}

static void test_report_build(void **state)
{
	struct lt_fd_track *t = new_track();
	struct lt_fd_report_state st = {};
	struct lt_fd_report_opts o = {
		.now_ns = 5000000000ull, .all_kinds = true, .sockets = true, .sock = fake_sock
	};
	struct lt_report r = {};
	struct lt_fd_flow *flow;
	size_t n;

	lt_fd_track__open(t, 3, LT_FDC_OPEN, 0xf, 2000000000ull, 1, 0);
	strcpy(lt_fd_track__get(t, 3)->desc.path, "/a");
	lt_fd_track__get(t, 3)->desc.kind = LT_FDK_FILE;
	lt_fd_track__open(t, 4, LT_FDC_OPEN, 0xf, 3000000000ull, 2, 0);
	strcpy(lt_fd_track__get(t, 4)->desc.path, "/b");
	lt_fd_track__get(t, 4)->desc.kind = LT_FDK_FILE;
	for (int fd = 5; fd < 8; fd++)
		lt_fd_track__open(t, fd, LT_FDC_SOCKET, 0x5, 4000000000ull, fd, 0x77);
	lt_fd_track__open(t, 8, LT_FDC_SOCKET, 0x6, 4000000000ull, 8, 0x78);
	lt_fd_track__take_flow(t, &flow, &n);
	assert_int_equal(lt_fd_report__build(t, flow, n, &o, &st, &r), 0);
	free(flow);

	assert_int_equal(r.fds.sec.count, 6);
	assert_int_equal(r.fds.sec.n, 3);
	assert_int_equal(r.fds.sec.stacks[0].stack_id, 0x5);
	assert_int_equal(r.fds.sec.stacks[0].count, 3);
	assert_string_equal(r.fds.extra[0].kind, "socket");
	assert_int_equal(r.fds.extra[0].nexamples, 1);
	assert_string_equal(r.fds.extra[0].examples[0], "127.0.0.1:3306");
	assert_int_equal(r.fds.sec.stacks[1].stack_id, 0xf);
	assert_true(r.fds.sec.stacks[1].oldest_age_s == 3.0);
	assert_int_equal(r.fds.extra[1].nexamples, 2);
	assert_int_equal(r.fds.extra[1].opened, 2);
	assert_int_equal(r.socks.n, 1);
	assert_string_equal(r.socks.by_peer[0].peer, "127.0.0.1:3306");
	assert_int_equal(r.socks.by_peer[0].count, 4);
	assert_int_equal(r.socks.by_peer[0].states[8], 3);
	assert_int_equal(r.socks.by_peer[0].states[1], 1);
	assert_int_equal(r.socks.by_peer[0].established_change, 1);
	assert_int_equal(r.socks.close_wait, 3);
	assert_int_equal(r.socks.ncw, 1);
	assert_int_equal(r.socks.cw[0].fd_stack, 0);
	assert_true(r.socks.cw[0].oldest_s == 4.0);
	lt_report_fds__free(&r.fds);
	lt_report_socks__free(&r.socks);

	/* the next report: one ESTABLISHED socket gone, growth -1; sockets only */
	lt_fd_track__close(t, 8);
	o.all_kinds = false;
	lt_fd_track__take_flow(t, &flow, &n);
	memset(&r, 0, sizeof(r));
	assert_int_equal(lt_fd_report__build(t, flow, n, &o, &st, &r), 0);
	free(flow);
	assert_int_equal(r.fds.sec.count, 3);
	assert_int_equal(r.socks.by_peer[0].established_change, -1);
	lt_report_fds__free(&r.fds);
	lt_report_socks__free(&r.socks);
	lt_fd_report__state_free(&st);
	lt_fd_track__free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_open_close),  cmocka_unit_test(test_reused_number),
		cmocka_unit_test(test_preexisting), cmocka_unit_test(test_close_range),
		cmocka_unit_test(test_exec),	    cmocka_unit_test(test_reconcile),
		cmocka_unit_test(test_flow),	    cmocka_unit_test(test_report_build),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

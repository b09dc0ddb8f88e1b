// SPDX-License-Identifier: GPL-2.0
/* ws: the frame parser on what a hostile target could send (it parses data the target
 * controls), the encoder's masking and lengths, and the client over a socketpair playing
 * the server: fragments joined, pings answered, and a close that waits for the server. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>

#include <cmocka.h>

#include "ws.h"

static int parse(const unsigned char *bytes, size_t n, size_t max, struct lt_ws_frame *f)
{
	unsigned char buf[256];

	assert_true(n <= sizeof(buf));
	memcpy(buf, bytes, n);
	return lt_ws__parse_frame(buf, n, max, f);
}

static void test_parse_text(void **state)
{
	const unsigned char b[] = { 0x81, 0x03, 'a', 'b', 'c' };
	struct lt_ws_frame f;

	assert_int_equal(parse(b, sizeof(b), 100, &f), 1);
	assert_true(f.fin);
	assert_int_equal(f.opcode, LT_WS_TEXT);
	assert_int_equal(f.len, 3);
	assert_int_equal(f.frame_len, 5);
	assert_memory_equal(f.payload, "abc", 3);
}

static void test_parse_needs_more(void **state)
{
	const unsigned char b[] = { 0x81, 0x7e, 0x01, 0x00, 'a' };
	struct lt_ws_frame f;

	/* every prefix of a valid frame asks for more, none reads past n */
	for (size_t n = 0; n < sizeof(b); n++)
		assert_int_equal(parse(b, n, 1 << 20, &f), 0);
}

static void test_parse_hostile(void **state)
{
	static const struct {
		unsigned char b[10];
		size_t n;
		int want;
	} cases[] = {
		{ { 0xc1, 0x00 }, 2, -EPROTO }, /* RSV1: compression not negotiated */
		{ { 0x81, 0x81, 1, 2, 3, 4, 'x' }, 7, -EPROTO }, /* masked by the server */
		{ { 0x83, 0x00 }, 2, -EPROTO },			 /* reserved data opcode */
		{ { 0x8b, 0x00 }, 2, -EPROTO },			 /* reserved control opcode */
		{ { 0x09, 0x00 }, 2, -EPROTO },			 /* fragmented ping */
		{ { 0x88, 0x7e, 0, 200 }, 4, -EPROTO },		 /* control frame over 125 bytes */
		{ { 0x81, 0x7e, 0x00, 0x05 }, 4, -EPROTO },	 /* 16-bit length under 126 */
		{ { 0x81, 0x7f, 0, 0, 0, 0, 0, 0, 0xff, 0xff }, 10, -EPROTO }, /* 64-bit, small */
		{ { 0x81, 0x7f, 0x80, 0, 0, 0, 0, 0, 0, 0 }, 10, -EPROTO },    /* 63rd bit set */
		{ { 0x81, 0x7f, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff }, 10, -EMSGSIZE },
		{ { 0x81, 0x7e, 0xff, 0xff }, 4, -EMSGSIZE }, /* over max_payload */
	};
	struct lt_ws_frame f;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int got = parse(cases[i].b, cases[i].n, 1000, &f);

		if (got != cases[i].want)
			fail_msg("case %zu: got %d, want %d", i, got, cases[i].want);
	}
}

/* Random bytes never make the parser read past n or report a frame longer than n. */
static void test_parse_fuzz(void **state)
{
	unsigned char buf[64];
	struct lt_ws_frame f;

	srand(12);
	for (int round = 0; round < 200000; round++) {
		size_t n = (size_t)(rand() % (int)sizeof(buf));
		int r;

		for (size_t i = 0; i < n; i++)
			buf[i] = (unsigned char)rand();
		r = lt_ws__parse_frame(buf, n, 1 << 20, &f);
		if (r == 1) {
			assert_true(f.frame_len <= n);
			assert_true(f.payload + f.len == buf + f.frame_len);
		}
	}
}

static void test_encode(void **state)
{
	const __u8 mask[4] = { 1, 2, 3, 4 };
	unsigned char out[70000 + 14], *payload = malloc(70000);
	size_t n;

	n = lt_ws__encode_frame(LT_WS_TEXT, "abc", 3, mask, out);
	assert_int_equal(n, 2 + 4 + 3);
	assert_int_equal(out[0], 0x81);
	assert_int_equal(out[1], 0x80 | 3);
	assert_int_equal(out[6], 'a' ^ 1);
	assert_int_equal(out[8], 'c' ^ 3);
	memset(payload, 'z', 70000);
	n = lt_ws__encode_frame(LT_WS_TEXT, payload, 300, mask, out);
	assert_int_equal(n, 4 + 4 + 300);
	assert_int_equal(out[1], 0x80 | 126);
	assert_int_equal(out[2] << 8 | out[3], 300);
	n = lt_ws__encode_frame(LT_WS_TEXT, payload, 70000, mask, out);
	assert_int_equal(n, 10 + 4 + 70000);
	assert_int_equal(out[1], 0x80 | 127);
	assert_int_equal(out[7] << 16 | out[8] << 8 | out[9], 70000);
	free(payload);
}

/* A client on one end of a socketpair, past the upgrade (the server end answers it). */
static void open_pair(struct lt_ws *ws, int *server)
{
	const char reply[] = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n";
	char req[1024];
	int sv[2];

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	*server = sv[1];
	/* the request fits the socket buffer: write the reply first, then open */
	assert_int_equal(write(sv[1], reply, sizeof(reply) - 1), sizeof(reply) - 1);
	assert_int_equal(lt_ws__open(ws, sv[0], "127.0.0.1:9229", "/id", 1000), 0);
	assert_true(read(sv[1], req, sizeof(req)) > 0);
	assert_non_null(strstr(req, "GET /id HTTP/1.1\r\n"));
	assert_non_null(strstr(req, "Sec-WebSocket-Version: 13\r\n"));
}

static void test_fragments_and_ping(void **state)
{
	const unsigned char frames[] = {
		0x01, 0x02, 'h', 'e', 0x89, 0x01, 'p', 0x80, 0x02, 'l', 'o'
	};
	unsigned char pong[16];
	struct lt_ws ws;
	const char *msg;
	size_t len;
	int server;

	open_pair(&ws, &server);
	assert_int_equal(write(server, frames, sizeof(frames)), sizeof(frames));
	assert_int_equal(lt_ws__recv(&ws, &msg, &len, 1000), 0);
	assert_int_equal(len, 4);
	assert_string_equal(msg, "helo");
	/* the ping was answered with a masked pong carrying its payload */
	assert_int_equal(read(server, pong, sizeof(pong)), 2 + 4 + 1);
	assert_int_equal(pong[0], 0x8a);
	assert_int_equal(pong[1], 0x81);
	assert_int_equal(pong[6] ^ pong[2], 'p');
	lt_ws__drop(&ws);
	close(server);
}

static void test_bad_continuation(void **state)
{
	const unsigned char frames[] = { 0x80, 0x01, 'x' }; /* continuation of nothing */
	struct lt_ws ws;
	const char *msg;
	size_t len;
	int server;

	open_pair(&ws, &server);
	assert_int_equal(write(server, frames, sizeof(frames)), sizeof(frames));
	assert_int_equal(lt_ws__recv(&ws, &msg, &len, 1000), -EPROTO);
	lt_ws__drop(&ws);
	close(server);
}

/* finish sends nothing before the server's close frame, then answers it. */
static void test_close_waits_for_server(void **state)
{
	const unsigned char close_frame[] = { 0x88, 0x00 };
	unsigned char got[16];
	struct lt_ws ws;
	int server;
	ssize_t n;

	open_pair(&ws, &server);
	/* no close frame from the server: finish times out without writing a thing */
	assert_int_equal(lt_ws__finish(&ws, 100), -ETIMEDOUT);
	n = recv(server, got, sizeof(got), MSG_DONTWAIT);
	assert_int_equal(n, 0); /* EOF: the socket closed, no close frame before it */
	close(server);

	open_pair(&ws, &server);
	assert_int_equal(write(server, close_frame, 2), 2);
	assert_int_equal(lt_ws__finish(&ws, 1000), 0);
	n = read(server, got, sizeof(got));
	assert_int_equal(n, 6); /* the masked empty close frame, after the server's */
	assert_int_equal(got[0], 0x88);
	assert_int_equal(got[1], 0x80);
	close(server);
}

static void test_open_refused(void **state)
{
	const char reply[] = "HTTP/1.0 400 Bad Request\r\n\r\n";
	struct lt_ws ws;
	int sv[2];

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	assert_int_equal(write(sv[1], reply, sizeof(reply) - 1), sizeof(reply) - 1);
	assert_int_equal(lt_ws__open(&ws, sv[0], "127.0.0.1:1", "/x", 1000), -ECONNREFUSED);
	lt_ws__drop(&ws);
	close(sv[1]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_text),
		cmocka_unit_test(test_parse_needs_more),
		cmocka_unit_test(test_parse_hostile),
		cmocka_unit_test(test_parse_fuzz),
		cmocka_unit_test(test_encode),
		cmocka_unit_test(test_fragments_and_ping),
		cmocka_unit_test(test_bad_continuation),
		cmocka_unit_test(test_close_waits_for_server),
		cmocka_unit_test(test_open_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

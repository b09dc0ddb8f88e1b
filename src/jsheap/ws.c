// SPDX-License-Identifier: GPL-2.0
/* The WebSocket client of ws.h. Framing per RFC 6455 §5: client frames are masked, server
 * frames must not be; control frames are at most 125 bytes and never fragmented. */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/random.h>
#include <sys/socket.h>

#include "ws.h"

#define LT_WS_MAX_HEADER 8192

int lt_ws__parse_frame(unsigned char *buf, size_t n, size_t max_payload, struct lt_ws_frame *out)
{
	size_t hdr = 2;
	__u64 len;

	if (n < 2)
		return 0;
	if (buf[0] & 0x70)
		return -EPROTO; /* RSV bits: no extension was negotiated */
	if (buf[1] & 0x80)
		return -EPROTO; /* a server never masks */
	out->fin = buf[0] & 0x80;
	out->opcode = buf[0] & 0x0f;
	switch (out->opcode) {
	case LT_WS_CONT:
	case LT_WS_TEXT:
	case LT_WS_BINARY:
		break;
	case LT_WS_CLOSE:
	case LT_WS_PING:
	case LT_WS_PONG:
		if (!out->fin || (buf[1] & 0x7f) > 125)
			return -EPROTO;
		break;
	default:
		return -EPROTO;
	}
	len = buf[1] & 0x7f;
	if (len == 126) {
		hdr = 4;
		if (n < hdr)
			return 0;
		len = (__u64)buf[2] << 8 | buf[3];
		if (len < 126)
			return -EPROTO;
	} else if (len == 127) {
		hdr = 10;
		if (n < hdr)
			return 0;
		len = 0;
		for (int i = 2; i < 10; i++)
			len = len << 8 | buf[i];
		if (len >> 63 || len <= 0xffff)
			return -EPROTO;
	}
	if (len > max_payload)
		return -EMSGSIZE;
	if (n - hdr < len)
		return 0;
	out->payload = buf + hdr;
	out->len = (size_t)len;
	out->frame_len = hdr + (size_t)len;
	return 1;
}

size_t lt_ws__encode_frame(int opcode, const void *payload, size_t len, const __u8 mask[4],
			   unsigned char *out)
{
	const unsigned char *p = payload;
	size_t hdr = 2;

	out[0] = 0x80 | (opcode & 0x0f);
	if (len < 126) {
		out[1] = 0x80 | (unsigned char)len;
	} else if (len <= 0xffff) {
		out[1] = 0x80 | 126;
		out[2] = (unsigned char)(len >> 8);
		out[3] = (unsigned char)len;
		hdr = 4;
	} else {
		out[1] = 0x80 | 127;
		for (int i = 0; i < 8; i++)
			out[2 + i] = (unsigned char)((__u64)len >> (56 - 8 * i));
		hdr = 10;
	}
	memcpy(out + hdr, mask, 4);
	hdr += 4;
	for (size_t i = 0; i < len; i++)
		out[hdr + i] = p[i] ^ mask[i & 3];
	return hdr + len;
}

static long lt_ws_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int lt_ws_write_all(int fd, const void *data, size_t len)
{
	const char *p = data;

	while (len) {
		ssize_t w = send(fd, p, len, MSG_NOSIGNAL);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -errno;
		p += w;
		len -= (size_t)w;
	}
	return 0;
}

/* Append what the socket has to ws->buf, waiting until deadline; -EPIPE at EOF. */
static int lt_ws_fill(struct lt_ws *ws, long deadline)
{
	struct pollfd pfd = { .fd = ws->fd, .events = POLLIN };
	long left = deadline - lt_ws_now_ms();
	ssize_t r;
	int err;

	if (left <= 0)
		return -ETIMEDOUT;
	err = poll(&pfd, 1, (int)left);
	if (err < 0)
		return errno == EINTR ? 0 : -errno;
	if (!err)
		return -ETIMEDOUT;
	if (ws->cap - ws->len < 65536) {
		size_t cap = ws->cap ? ws->cap * 2 : 131072;
		unsigned char *b;

		if (cap > ws->max_message + (1u << 20))
			return -EMSGSIZE;
		b = realloc(ws->buf, cap);
		if (!b)
			return -ENOMEM;
		ws->buf = b;
		ws->cap = cap;
	}
	r = recv(ws->fd, ws->buf + ws->len, ws->cap - ws->len, 0);
	if (r < 0)
		return errno == EINTR ? 0 : -errno;
	if (!r)
		return -EPIPE;
	ws->len += (size_t)r;
	return 0;
}

static void lt_ws_base64(const unsigned char *in, size_t n, char *out)
{
	static const char tab[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t i, o = 0;

	for (i = 0; i + 2 < n; i += 3) {
		unsigned v = in[i] << 16 | in[i + 1] << 8 | in[i + 2];

		out[o++] = tab[v >> 18];
		out[o++] = tab[(v >> 12) & 63];
		out[o++] = tab[(v >> 6) & 63];
		out[o++] = tab[v & 63];
	}
	if (i < n) {
		unsigned v = in[i] << 16 | (i + 1 < n ? in[i + 1] << 8 : 0);

		out[o++] = tab[v >> 18];
		out[o++] = tab[(v >> 12) & 63];
		out[o++] = i + 1 < n ? tab[(v >> 6) & 63] : '=';
		out[o++] = '=';
	}
	out[o] = '\0';
}

int lt_ws__open(struct lt_ws *ws, int fd, const char *host, const char *path, int timeout_ms)
{
	long deadline = lt_ws_now_ms() + timeout_ms;
	unsigned char key[16];
	char key64[32], req[512];
	char *end = NULL;
	int err, n;

	memset(ws, 0, sizeof(*ws));
	ws->fd = fd;
	ws->max_message = 256u << 20;
	if (getrandom(key, sizeof(key), 0) != sizeof(key))
		return -EIO;
	lt_ws_base64(key, sizeof(key), key64);
	n = snprintf(req, sizeof(req),
		     "GET %s HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\n"
		     "Connection: Upgrade\r\nSec-WebSocket-Key: %s\r\n"
		     "Sec-WebSocket-Version: 13\r\n\r\n",
		     path, host, key64);
	if (n < 0 || (size_t)n >= sizeof(req))
		return -ENAMETOOLONG;
	err = lt_ws_write_all(fd, req, (size_t)n);
	while (!err) {
		end = ws->len ? memmem(ws->buf, ws->len, "\r\n\r\n", 4) : NULL;
		if (end)
			break;
		if (ws->len > LT_WS_MAX_HEADER)
			return -EPROTO;
		err = lt_ws_fill(ws, deadline);
	}
	if (err)
		return err;
	if (ws->len < 12 || memcmp(ws->buf, "HTTP/1.1 101", 12))
		return -ECONNREFUSED;
	n = (int)((unsigned char *)end + 4 - ws->buf);
	memmove(ws->buf, ws->buf + n, ws->len - (size_t)n);
	ws->len -= (size_t)n;
	return 0;
}

static int lt_ws_send(struct lt_ws *ws, int opcode, const void *data, size_t len)
{
	unsigned char *frame = malloc(len + 14);
	__u8 mask[4];
	int err = -EIO;

	if (!frame)
		return -ENOMEM;
	if (getrandom(mask, sizeof(mask), 0) == sizeof(mask))
		err = lt_ws_write_all(ws->fd, frame,
				      lt_ws__encode_frame(opcode, data, len, mask, frame));
	free(frame);
	return err;
}

int lt_ws__send_text(struct lt_ws *ws, const char *text, size_t len)
{
	if (ws->server_closed)
		return -EPIPE;
	return lt_ws_send(ws, LT_WS_TEXT, text, len);
}

/* One data frame into the message being joined; 1 when it is complete. */
static int lt_ws_take(struct lt_ws *ws, const struct lt_ws_frame *fr)
{
	char *m;

	if (fr->opcode == LT_WS_CONT && !ws->fragmented)
		return -EPROTO;
	if (fr->opcode != LT_WS_CONT && ws->fragmented)
		return -EPROTO;
	if (fr->opcode == LT_WS_BINARY)
		return -EPROTO; /* CDP speaks text */
	if (ws->msg_len + fr->len > ws->max_message)
		return -EMSGSIZE;
	m = realloc(ws->msg, ws->msg_len + fr->len + 1);
	if (!m)
		return -ENOMEM;
	ws->msg = m;
	memcpy(m + ws->msg_len, fr->payload, fr->len);
	ws->msg_len += fr->len;
	m[ws->msg_len] = '\0';
	ws->fragmented = !fr->fin;
	return fr->fin ? 1 : 0;
}

int lt_ws__recv(struct lt_ws *ws, const char **msg, size_t *len, int timeout_ms)
{
	long deadline = lt_ws_now_ms() + timeout_ms;
	struct lt_ws_frame fr;
	int err;

	if (!ws->fragmented)
		ws->msg_len = 0;
	for (;;) {
		if (ws->server_closed)
			return -EPIPE;
		err = lt_ws__parse_frame(ws->buf, ws->len, ws->max_message, &fr);
		if (err < 0)
			return err;
		if (!err) {
			err = lt_ws_fill(ws, deadline);
			if (err == -EPIPE)
				ws->server_closed = true;
			if (err && err != -EPIPE)
				return err;
			continue;
		}
		err = 0;
		if (fr.opcode == LT_WS_CLOSE)
			ws->server_closed = ws->close_received = true;
		else if (fr.opcode == LT_WS_PING)
			err = lt_ws_send(ws, LT_WS_PONG, fr.payload, fr.len);
		else if (fr.opcode != LT_WS_PONG)
			err = lt_ws_take(ws, &fr);
		memmove(ws->buf, ws->buf + fr.frame_len, ws->len - fr.frame_len);
		ws->len -= fr.frame_len;
		if (err < 0)
			return err;
		if (err == 1) {
			*msg = ws->msg;
			*len = ws->msg_len;
			return 0;
		}
	}
}

static void lt_ws_free(struct lt_ws *ws)
{
	if (ws->fd >= 0)
		close(ws->fd);
	ws->fd = -1;
	free(ws->buf);
	free(ws->msg);
	ws->buf = NULL;
	ws->msg = NULL;
}

int lt_ws__finish(struct lt_ws *ws, int timeout_ms)
{
	long deadline = lt_ws_now_ms() + timeout_ms;
	struct lt_ws_frame fr;
	int err = 0;

	while (!ws->server_closed && !err) {
		err = lt_ws__parse_frame(ws->buf, ws->len, ws->max_message, &fr);
		if (err > 0) {
			if (fr.opcode == LT_WS_CLOSE)
				ws->server_closed = ws->close_received = true;
			memmove(ws->buf, ws->buf + fr.frame_len, ws->len - fr.frame_len);
			ws->len -= fr.frame_len;
			err = 0;
			continue;
		}
		if (!err)
			err = lt_ws_fill(ws, deadline);
		if (err == -EPIPE)
			ws->server_closed = true, err = 0;
		else if (err == -ENOMEM)
			err = 0, ws->len = 0; /* drop what it says: only the close matters */
	}
	if (ws->close_received)
		lt_ws_send(ws, LT_WS_CLOSE, NULL, 0);
	lt_ws_free(ws);
	return ws->server_closed ? 0 : (err ? err : -ETIMEDOUT);
}

void lt_ws__drop(struct lt_ws *ws)
{
	lt_ws_free(ws);
}

/* SPDX-License-Identifier: GPL-2.0 */
/* A minimal synchronous RFC 6455 client, enough for Node's inspector: the upgrade, masked
 * text frames out, text messages in (fragments joined, pings answered), and a close that
 * the SERVER begins: Node segfaults when a client's close frame crosses its own
 * (shared/JS-HEAP.md §2.4), so this client never sends the first one. Everything it reads
 * comes from the target, and the frame parser is written for hostile input. */
#ifndef LT_WS_H
#define LT_WS_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

enum {
	LT_WS_CONT = 0x0,
	LT_WS_TEXT = 0x1,
	LT_WS_BINARY = 0x2,
	LT_WS_CLOSE = 0x8,
	LT_WS_PING = 0x9,
	LT_WS_PONG = 0xa,
};

/* One frame in a receive buffer; payload points into it, unmasked in place. */
struct lt_ws_frame {
	bool fin;
	int opcode;
	unsigned char *payload;
	size_t len;	  /* payload bytes */
	size_t frame_len; /* header and payload: what to drop from the buffer */
};

/* Parse the frame at the start of buf[0..n). Returns 1 with *out filled, 0 when more
 * bytes are needed, -EPROTO for a frame a server may not send (reserved bits or opcodes,
 * a masked frame, a fragmented or long control frame, a non-minimal or 63-bit length) and
 * -EMSGSIZE for a payload over max_payload. */
int lt_ws__parse_frame(unsigned char *buf, size_t n, size_t max_payload, struct lt_ws_frame *out);
/* A masked client frame of len payload bytes into out (len + 14 bytes at least); returns
 * its size. */
size_t lt_ws__encode_frame(int opcode, const void *payload, size_t len, const __u8 mask[4],
			   unsigned char *out);

struct lt_ws {
	int fd;
	unsigned char *buf; /* received bytes not yet parsed */
	size_t len, cap;
	char *msg; /* a message being joined from fragments */
	size_t msg_len;
	bool fragmented;
	bool server_closed;  /* its close frame arrived, or EOF */
	bool close_received; /* its close frame: answered before the socket closes */
	size_t max_message;
};

/* Upgrade the connected socket fd (the client owns it from here on) to a WebSocket on
 * path, with host as the Host header (Node only accepts an IP address or localhost). */
int lt_ws__open(struct lt_ws *ws, int fd, const char *host, const char *path, int timeout_ms);
int lt_ws__send_text(struct lt_ws *ws, const char *text, size_t len);
/* The next text message (NUL-terminated, owned by ws until the next call); -EPIPE once
 * the server closed, -ETIMEDOUT after timeout_ms without one. */
int lt_ws__recv(struct lt_ws *ws, const char **msg, size_t *len, int timeout_ms);
/* The server was asked to close: read until its close frame or EOF (at most timeout_ms),
 * answer the frame, then close the socket. 0 when the server closed, -ETIMEDOUT if not. */
int lt_ws__finish(struct lt_ws *ws, int timeout_ms);
/* Drop the connection without a close frame: only when no close is pending in the target
 * (Node then keeps its inspector open and stops the session's sampler). */
void lt_ws__drop(struct lt_ws *ws);

#endif

// SPDX-License-Identifier: GPL-2.0
/* CDP calls (cdp.h). Node answers /json/list as HTTP/1.0 with a Content-Length and
 * closes; the upgrade goes on a fresh connection. Messages without an id are events: none
 * come unless a domain is enabled, and any that do are skipped. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>

#include "cdp.h"
#include "inspector_net.h"

#define LT_CDP_LIST_MAX (1 << 20)

struct json_object *lt_cdp__parse(const char *text, size_t len)
{
	struct json_tokener *tok = json_tokener_new_ex(LT_CDP_JSON_DEPTH);
	struct json_object *o;

	if (!tok || len > INT32_MAX) {
		json_tokener_free(tok);
		return NULL;
	}
	o = json_tokener_parse_ex(tok, text, (int)len);
	if (json_tokener_get_error(tok) != json_tokener_success) {
		json_object_put(o);
		o = NULL;
	}
	json_tokener_free(tok);
	return o;
}

int lt_cdp__target_id(const char *body, size_t len, char *id, size_t size)
{
	struct json_object *arr = lt_cdp__parse(body, len), *t, *v;
	int err = -ENOENT;

	if (!arr || !json_object_is_type(arr, json_type_array))
		goto cleanup;
	for (size_t i = 0; i < json_object_array_length(arr); i++) {
		t = json_object_array_get_idx(arr, i);
		if (!json_object_object_get_ex(t, "type", &v) ||
		    strcmp(json_object_get_string(v) ?: "", "node"))
			continue;
		if (!json_object_object_get_ex(t, "id", &v) ||
		    !json_object_is_type(v, json_type_string))
			continue;
		const char *s = json_object_get_string(v);

		/* it goes into a request line: a uuid has no space or control character */
		if (strlen(s) >= size || strpbrk(s, " \r\n\t/?#"))
			continue;
		strcpy(id, s);
		err = 0;
		break;
	}
cleanup:
	json_object_put(arr);
	return err;
}

/* Whether the headers and Content-Length bytes of body have arrived. */
static bool lt_cdp_complete(const char *buf, const char *body, size_t len)
{
	const char *cl;

	if (!body)
		return false;
	cl = strcasestr(buf, "\r\nContent-Length:");
	if (!cl || cl > body)
		return false;
	return len - (size_t)(body + 4 - buf) >= strtoul(cl + 17, NULL, 10);
}

static int lt_cdp_list(int pid, const char *addr, const char *host, int timeout_ms, char *id,
		       size_t size)
{
	char req[256], *buf = NULL, *body;
	size_t len = 0;
	int fd, err = 0;
	ssize_t n;

	fd = lt_inspector_net__connect(pid, addr, timeout_ms);
	if (fd < 0)
		return fd;
	n = snprintf(req, sizeof(req), "GET /json/list HTTP/1.1\r\nHost: %s\r\n\r\n", host);
	if (send(fd, req, (size_t)n, MSG_NOSIGNAL) != n) {
		err = -EIO;
		goto cleanup;
	}
	buf = malloc(LT_CDP_LIST_MAX + 1);
	if (!buf) {
		err = -ENOMEM;
		goto cleanup;
	}
	/* until the body's Content-Length is in, or EOF */
	for (;;) {
		n = recv(fd, buf + len, LT_CDP_LIST_MAX - len, 0);
		if (n < 0) {
			err = -errno;
			goto cleanup;
		}
		len += (size_t)n;
		buf[len] = '\0';
		body = strstr(buf, "\r\n\r\n");
		if (!n || len == LT_CDP_LIST_MAX || lt_cdp_complete(buf, body, len))
			break;
	}
	if (strncmp(buf, "HTTP/1.", 7) || strncmp(buf + 8, " 200", 4) || !body) {
		err = -EPROTO;
		goto cleanup;
	}
	body += 4;
	err = lt_cdp__target_id(body, len - (size_t)(body - buf), id, size);
cleanup:
	free(buf);
	close(fd);
	return err;
}

int lt_cdp__open(struct lt_cdp *c, int pid, const char *addr, int timeout_ms)
{
	char id[128], path[160], host[80];
	unsigned port = lt_inspector_net__port(addr);
	int fd, err;

	memset(c, 0, sizeof(*c));
	c->ws.fd = -1;
	c->next_id = 1;
	/* Node accepts only an IP address or localhost as Host (DNS-rebinding check) */
	snprintf(host, sizeof(host), "%s:%u", addr[0] == '[' ? "[::1]" : "127.0.0.1", port);
	err = lt_cdp_list(pid, addr, host, timeout_ms, id, sizeof(id));
	if (err)
		return err;
	snprintf(path, sizeof(path), "/%s", id);
	fd = lt_inspector_net__connect(pid, addr, timeout_ms);
	if (fd < 0)
		return fd;
	c->local_port = lt_inspector_net__local_port(fd);
	err = lt_ws__open(&c->ws, fd, host, path, timeout_ms);
	if (err)
		lt_ws__drop(&c->ws);
	return err;
}

int lt_cdp__call(struct lt_cdp *c, const char *method, const char *params, int timeout_ms,
		 struct json_object **result, char *err, size_t err_size)
{
	struct json_object *reply = NULL, *v;
	char *req = NULL;
	const char *msg;
	int id = c->next_id++, e;
	size_t len;

	if (result)
		*result = NULL;
	if (asprintf(&req, "{\"id\":%d,\"method\":\"%s\",\"params\":%s}", id, method,
		     params ? params : "{}") < 0)
		return -ENOMEM;
	e = lt_ws__send_text(&c->ws, req, strlen(req));
	free(req);
	while (!e) {
		e = lt_ws__recv(&c->ws, &msg, &len, timeout_ms);
		if (e)
			break;
		reply = lt_cdp__parse(msg, len);
		if (reply && json_object_object_get_ex(reply, "id", &v) &&
		    json_object_get_int(v) == id)
			break;
		json_object_put(reply); /* an event, or a stale reply */
		reply = NULL;
	}
	if (e)
		return e;
	if (json_object_object_get_ex(reply, "error", &v)) {
		struct json_object *m;

		snprintf(err, err_size, "%s: %s", method,
			 json_object_object_get_ex(v, "message", &m) ? json_object_get_string(m)
								     : "error");
		json_object_put(reply);
		return -EREMOTEIO;
	}
	if (result && json_object_object_get_ex(reply, "result", &v))
		*result = json_object_get(v);
	json_object_put(reply);
	return 0;
}

int lt_cdp__evaluate(struct lt_cdp *c, const char *expr, int timeout_ms,
		     struct json_object **result, char *err, size_t err_size)
{
	struct json_object *p = json_object_new_object(), *res = NULL, *ex;
	int e = -ENOMEM;

	if (!p)
		return e;
	if (!json_object_object_add(p, "expression", json_object_new_string(expr)) &&
	    !json_object_object_add(p, "includeCommandLineAPI", json_object_new_boolean(1)))
		e = lt_cdp__call(c, "Runtime.evaluate",
				 json_object_to_json_string_ext(p, JSON_C_TO_STRING_PLAIN),
				 timeout_ms, &res, err, err_size);
	if (!e && json_object_object_get_ex(res, "exceptionDetails", &ex)) {
		snprintf(err, err_size, "the expression threw: %.160s",
			 json_object_to_json_string_ext(ex, JSON_C_TO_STRING_PLAIN));
		e = -EREMOTEIO;
	}
	if (!e && result)
		*result = json_object_get(res);
	json_object_put(res);
	json_object_put(p);
	return e;
}

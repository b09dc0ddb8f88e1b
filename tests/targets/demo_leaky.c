// SPDX-License-Identifier: GPL-2.0
/* `make demo`'s patient: a toy request handler that frees its per-request buffers but
 * forgets to evict the session cache entries it adds for logged-in users. Runs until killed. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define REQUESTS_PER_SEC 200
#define LOGIN_EVERY 5 /* one request in five logs a user in */

struct session {
	unsigned long user_id;
	char token[48];
	char user_agent[200];
	struct session *next;
};

struct request {
	unsigned long id;
	unsigned long user_id;
	char path[64];
	char *body;
	size_t body_len;
};

static struct session *cache; /* grows forever: the leak */
static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	stop = 1;
}

__attribute__((noinline)) static struct request *parse_request(unsigned long id)
{
	struct request *req = calloc(1, sizeof(*req));

	if (!req)
		return NULL;
	req->id = id;
	req->user_id = id * 7919 % 100003;
	snprintf(req->path, sizeof(req->path), "/api/items/%lu", id % 97);
	req->body_len = 256 + id % 1024;
	req->body = malloc(req->body_len);
	if (req->body)
		memset(req->body, 'x', req->body_len);
	return req;
}

__attribute__((noinline)) static char *render_response(const struct request *req)
{
	char *out = malloc(4096);

	if (out)
		snprintf(out, 4096, "{\"id\": %lu, \"path\": \"%s\"}", req->id, req->path);
	return out;
}

/* Adds the session to the cache and nothing ever removes it. */
__attribute__((noinline)) static void session_cache_put(const struct request *req)
{
	struct session *s = malloc(sizeof(*s));

	if (!s)
		return;
	s->user_id = req->user_id;
	snprintf(s->token, sizeof(s->token), "tok-%lu-%lu", req->user_id, req->id);
	strcpy(s->user_agent, "demo-client/1.0");
	s->next = cache;
	cache = s;
}

__attribute__((noinline)) static void handle_request(unsigned long id)
{
	struct request *req = parse_request(id);
	char *resp;

	if (!req)
		return;
	if (id % LOGIN_EVERY == 0)
		session_cache_put(req);
	resp = render_response(req);
	free(resp);
	free(req->body);
	free(req);
}

int main(void)
{
	struct timespec tick = { .tv_nsec = 1000000000L / REQUESTS_PER_SEC };
	unsigned long id = 0;

	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	printf("demo_leaky: pid %d, serving %d requests/s, leaking a session every %d\n",
	       (int)getpid(), REQUESTS_PER_SEC, LOGIN_EVERY);
	fflush(stdout);
	while (!stop) {
		handle_request(id++);
		nanosleep(&tick, NULL);
	}
	printf("demo_leaky: %lu requests served\n", id);
	return 0;
}

/* SPDX-License-Identifier: GPL-2.0 */
/* --push: each report's pprof profiles sent to a Pyroscope server (POST URL/ingest) from a
 * worker thread, so that a slow or failing server never holds up tracing. */
#ifndef LT_PUSH_H
#define LT_PUSH_H

#include <linux/types.h>
#include "config.h"
#include "report.h"

struct lt_push;

/* The pusher for cfg->push_url (NULL without one: errno 0). The default application name
 * is leaktrace.<comm>, comm of -p PID or the launched command's basename. Credentials are
 * read now, from the files or the environment. NULL with errno set after one line on
 * stderr. */
struct lt_push *lt_push__new(const struct lt_config *cfg);

/* Encodes r's profiles (memory, descriptors: one request each) and queues them; never
 * waits for the network. A full queue drops its oldest push (counted). 0 or -ENOMEM. */
int lt_push__report(struct lt_push *p, const struct lt_report *r);

/* Pushes dropped so far: LT_LOSS_PUSH_FAILED of the next report. */
__u64 lt_push__failed(struct lt_push *p);

/* Sends what is queued within a bounded time (the attempts of one push at most), counts
 * and tells what could not be sent, and frees p. NULL is ignored. */
void lt_push__free(struct lt_push *p);

/* push_http.c: one request body POSTed to url (the full ingest URL) with the pusher's
 * credentials and timeout, bounded retries with backoff. 0 when the server took it, else
 * a negative errno with why (an HTTP status or libcurl's message) in why. */
struct lt_push_http {
	void *curl;		     /* CURL *, one per worker thread */
	char *bearer;		     /* "Authorization: Bearer ..." or NULL */
	char *userpwd;		     /* basic auth "user:password" or NULL */
	double timeout_s;	     /* of one attempt */
	int attempts;		     /* at most */
	double backoff_s;	     /* before the second attempt, doubled after */
	const volatile int *give_up; /* set: no more retries (shutdown past its deadline) */
};
int lt_push_http__init(struct lt_push_http *h, const struct lt_config *cfg);
int lt_push_http__post(struct lt_push_http *h, const char *url, const void *body, size_t len,
		       char *why, size_t why_len);
void lt_push_http__free(struct lt_push_http *h);

#endif

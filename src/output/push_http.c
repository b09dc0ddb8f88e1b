// SPDX-License-Identifier: GPL-2.0
/* The HTTP side of --push through libcurl: credentials from a file or the environment
 * (never the command line, where ps shows them), TLS verified as libcurl does by default,
 * every attempt bounded in time, a few attempts with backoff. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <curl/curl.h>
#include "log.h"
#include "push.h"

#define LT_PUSH_TOKEN_ENV "LEAKTRACE_PUSH_TOKEN"
#define LT_PUSH_BASIC_ENV "LEAKTRACE_PUSH_BASIC_AUTH"

/* The first line of path, without its end of line; NULL after one line on stderr. */
static char *read_secret(const char *path)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	FILE *f = fopen(path, "r");

	if (!f) {
		lt_err("cannot read %s: %s", path, strerror(errno));
		return NULL;
	}
	n = getline(&line, &cap, f);
	fclose(f);
	while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
		line[--n] = '\0';
	if (n <= 0) {
		lt_err("%s: no credentials in its first line", path);
		free(line);
		return NULL;
	}
	return line;
}

/* From the file when given, else from the environment; *out NULL when neither. */
static int secret(const char *path, const char *env, char **out)
{
	const char *v = getenv(env);

	*out = NULL;
	if (path) {
		*out = read_secret(path);
		return *out ? 0 : -EINVAL;
	}
	if (v && *v) {
		*out = strdup(v);
		return *out ? 0 : -ENOMEM;
	}
	return 0;
}

int lt_push_http__init(struct lt_push_http *h, const struct lt_config *cfg)
{
	char *token = NULL;
	int err;

	memset(h, 0, sizeof(*h));
	h->timeout_s = cfg->push_timeout_s;
	h->attempts = 3;
	h->backoff_s = 0.5;
	err = secret(cfg->push_token_file, LT_PUSH_TOKEN_ENV, &token)
		      ?: secret(cfg->push_basic_file, LT_PUSH_BASIC_ENV, &h->userpwd);
	if (err)
		goto cleanup;
	if (h->userpwd && !strchr(h->userpwd, ':')) {
		lt_err("basic-auth credentials must read user:password");
		err = -EINVAL;
		goto cleanup;
	}
	if (token && asprintf(&h->bearer, "Authorization: Bearer %s", token) < 0) {
		h->bearer = NULL;
		err = -ENOMEM;
		goto cleanup;
	}
	if (curl_global_init(CURL_GLOBAL_DEFAULT) || !(h->curl = curl_easy_init())) {
		lt_err("cannot start libcurl");
		err = -ENOMEM;
	}
cleanup:
	if (token)
		memset(token, 0, strlen(token));
	free(token);
	if (err)
		lt_push_http__free(h);
	return err;
}

static size_t discard(char *ptr, size_t size, size_t n, void *ctx)
{
	return size * n;
}

/* One attempt: 0, or -EAGAIN (worth retrying: network, 5xx, 429) or -EPROTO. */
static int post_once(struct lt_push_http *h, const char *url, const void *body, size_t len,
		     char *why, size_t why_len)
{
	struct curl_slist *hdrs = NULL, *more;
	char errbuf[CURL_ERROR_SIZE] = "";
	CURL *c = h->curl;
	long status = 0;
	CURLcode rc;
	int err;

	curl_easy_reset(c);
	more = curl_slist_append(hdrs, "Content-Type: application/octet-stream");
	if (more && h->bearer)
		more = curl_slist_append(hdrs = more, h->bearer);
	if (!more) {
		curl_slist_free_all(hdrs);
		snprintf(why, why_len, "out of memory");
		return -ENOMEM;
	}
	hdrs = more;
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_POST, 1L);
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "leaktrace/" LT_VERSION);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)(h->timeout_s * 1000));
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, (long)(h->timeout_s * 1000));
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L); /* a thread: no SIGALRM for timeouts */
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	if (h->userpwd) {
		curl_easy_setopt(c, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
		curl_easy_setopt(c, CURLOPT_USERPWD, h->userpwd);
	}
	rc = curl_easy_perform(c);
	if (rc == CURLE_OK)
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	curl_slist_free_all(hdrs);
	if (rc != CURLE_OK) {
		snprintf(why, why_len, "%s", *errbuf ? errbuf : curl_easy_strerror(rc));
		return -EAGAIN;
	}
	if (status >= 200 && status < 300)
		return 0;
	snprintf(why, why_len, "the server answered HTTP %ld", status);
	err = status >= 500 || status == 429 ? -EAGAIN : -EPROTO;
	return err;
}

static void sleep_s(double s)
{
	struct timespec ts = { (time_t)s, (long)((s - (time_t)s) * 1e9) };

	nanosleep(&ts, NULL);
}

int lt_push_http__post(struct lt_push_http *h, const char *url, const void *body, size_t len,
		       char *why, size_t why_len)
{
	double wait = h->backoff_s;
	int i, err = -EAGAIN;

	for (i = 0; i < h->attempts && err == -EAGAIN; i++) {
		if (i) {
			if (h->give_up && *h->give_up)
				break;
			sleep_s(wait);
			wait *= 2;
		}
		err = post_once(h, url, body, len, why, why_len);
	}
	return err;
}

void lt_push_http__free(struct lt_push_http *h)
{
	if (h->curl)
		curl_easy_cleanup(h->curl);
	if (h->userpwd)
		memset(h->userpwd, 0, strlen(h->userpwd));
	free(h->userpwd);
	if (h->bearer)
		memset(h->bearer, 0, strlen(h->bearer));
	free(h->bearer);
	memset(h, 0, sizeof(*h));
}

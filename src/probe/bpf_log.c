// SPDX-License-Identifier: GPL-2.0
/* libbpf's print callback. Warnings given while the object loads are kept: the
 * verifier's log is hundreds of lines a user cannot act on, so the one line that says
 * which program was refused and why is built from them, and -v shows them whole. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/libbpf.h>

#include "bpf_log.h"
#include "log.h"

int lt_log_level;

static bool capturing;
static char failed_prog[128];
static char complaint[256];
static char last_warning[512];

/* The name between "prog '" and the next quote of a libbpf message. */
static bool lt_msg_prog(const char *msg, char *out, size_t size)
{
	const char *p = strstr(msg, "prog '"), *q;

	if (!p)
		return false;
	p += 6;
	q = strchr(p, '\'');
	if (!q || (size_t)(q - p) >= size)
		return false;
	memcpy(out, p, q - p);
	out[q - p] = 0;
	return true;
}

bool lt_bpf_log__parse_complaint(const char *log, char *out, size_t size)
{
	const char *line = log, *prev = NULL, *last = NULL;
	size_t prev_len = 0, last_len = 0;

	if (!log || !size)
		return false;
	while (*line) {
		const char *end = strchr(line, '\n');
		size_t len = end ? (size_t)(end - line) : strlen(line);

		if (!strncmp(line, "processed ", 10) && prev) {
			last = prev;
			last_len = prev_len;
			break;
		}
		if (len && strncmp(line, "-- END PROG LOAD LOG --", 23)) {
			prev = last = line;
			prev_len = last_len = len;
		}
		if (!end)
			break;
		line = end + 1;
	}
	if (!last)
		return false;
	if (last_len >= size)
		last_len = size - 1;
	memcpy(out, last, last_len);
	out[last_len] = 0;
	return true;
}

static void lt_keep(const char *msg)
{
	const char *log = strstr(msg, "-- BEGIN PROG LOAD LOG --\n");
	const char *text = msg;
	size_t len;

	if (log) {
		if (lt_msg_prog(msg, failed_prog, sizeof(failed_prog)))
			lt_bpf_log__parse_complaint(log + 26, complaint, sizeof(complaint));
		return;
	}
	if (strstr(msg, "BPF program load failed") || strstr(msg, "failed to load:"))
		lt_msg_prog(msg, failed_prog, sizeof(failed_prog));
	if (!strncmp(text, "libbpf: ", 8))
		text += 8;
	len = strcspn(text, "\n");
	if (len >= sizeof(last_warning))
		len = sizeof(last_warning) - 1;
	memcpy(last_warning, text, len);
	last_warning[len] = 0;
}

static int lt_libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	char *msg = NULL;
	va_list copy;
	int n;

	if (level == LIBBPF_DEBUG && lt_log_level < 2)
		return 0;
	if (level == LIBBPF_INFO && lt_log_level < 1)
		return 0;
	if (level != LIBBPF_WARN || !capturing)
		return vfprintf(stderr, fmt, ap);
	va_copy(copy, ap);
	n = vasprintf(&msg, fmt, copy);
	va_end(copy);
	if (n < 0)
		return vfprintf(stderr, fmt, ap);
	lt_keep(msg);
	if (lt_log_level >= 1)
		fputs(msg, stderr);
	free(msg);
	return n;
}

void lt_bpf_log__init(void)
{
	libbpf_set_print(lt_libbpf_print);
}

void lt_bpf_log__start(void)
{
	failed_prog[0] = complaint[0] = last_warning[0] = 0;
	capturing = true;
}

void lt_bpf_log__stop(void)
{
	capturing = false;
}

const char *lt_bpf_log__failed_prog(void)
{
	return failed_prog[0] ? failed_prog : NULL;
}

const char *lt_bpf_log__complaint(void)
{
	return complaint[0] ? complaint : NULL;
}

const char *lt_bpf_log__last_warning(void)
{
	return last_warning[0] ? last_warning : NULL;
}

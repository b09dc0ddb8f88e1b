// SPDX-License-Identifier: GPL-2.0
/* Folded stacks for flamegraph.pl: "root;...;leaf bytes", one line per stack. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "output.h"

/* Control characters would break the line format and are shown as spaces. */
static bool becomes_space(unsigned char c)
{
	return c == ' ' || c < 0x20 || c == 0x7f;
}

/*
 * flamegraph.pl reads a line as /^(.*)\s+?(\d+(?:\.\d*)?)$/ and then tries the same
 * pattern on the stack part to find a differential second column. A leaf frame that ends
 * in whitespace and a number ("foo 2") would be taken for one. Returns the index of that
 * whitespace in the leaf name, or -1.
 */
static long number_tail_gap(const char *name)
{
	size_t end = strlen(name), i = end;

	while (i > 0 && ((name[i - 1] >= '0' && name[i - 1] <= '9') || name[i - 1] == '.'))
		i--;
	if (i == end || i == 0 || name[i] < '0' || name[i] > '9')
		return -1;
	return becomes_space((unsigned char)name[i - 1]) ? (long)(i - 1) : -1;
}

static void put_frame(FILE *f, const char *name, bool leaf)
{
	long gap = leaf ? number_tail_gap(name) : -1;
	const unsigned char *p;

	for (p = (const unsigned char *)name; *p; p++) {
		if (p - (const unsigned char *)name == gap)
			fputc('_', f);
		else if (*p == ';')
			fputc(':', f);
		else if (becomes_space(*p))
			fputc(' ', f);
		else
			fputc(*p, f);
	}
}

static void write_stack(FILE *f, const struct lt_report_stack *s, const char *root, __s64 value)
{
	__u32 n = s->nframes < LT_MAX_FRAMES ? s->nframes : LT_MAX_FRAMES;
	char buf[512];
	const char *name;
	bool first = true;
	__u32 i;

	if (root) {
		fputs(root, f);
		first = false;
	}
	/* An incomplete stack lacks its real root: group those under one marker frame
	 * instead of letting each deepest recorded frame pose as a root. */
	if (s->flags & (LT_STACK_TRUNCATED | LT_STACK_UNWIND_ERR)) {
		fputs(first ? "[truncated]" : ";[truncated]", f);
		first = false;
	}
	if (!n) {
		fputs(first ? "[unknown]" : ";[unknown]", f);
		first = false;
	}
	for (i = n; i-- > 0;) {
		bool js = s->frames && s->frames[i].js;

		if (s->frames) {
			name = lt_output__frame_name(&s->frames[i], buf, sizeof(buf));
		} else {
			snprintf(buf, sizeof(buf), "0x%llx", (unsigned long long)s->ips[i]);
			name = buf;
		}
		if (!first)
			fputc(';', f);
		put_frame(f, name, i == 0 && !js);
		/* flamegraph.pl colours frames ending in _[j] as JIT (JavaScript) code */
		if (js)
			fputs("_[j]", f);
		first = false;
	}
	fprintf(f, " %lld\n", (long long)value);
}

int lt_output__folded(FILE *f, const struct lt_report *r)
{
	size_t i;

	if (!f || !r)
		return -EINVAL;
	for (i = 0; i < r->heap.n; i++)
		if (r->heap.stacks[i].bytes > 0)
			write_stack(f, &r->heap.stacks[i], NULL, r->heap.stacks[i].bytes);
	for (i = 0; i < r->mmap.n; i++)
		if (r->mmap.stacks[i].bytes > 0)
			write_stack(f, &r->mmap.stacks[i], "[mmap]", r->mmap.stacks[i].bytes);
	/* One profile holds one unit: descriptor counts only when no memory is traced. */
	if (r->fds.traced && !r->memory_traced)
		for (i = 0; i < r->fds.sec.n; i++)
			write_stack(f, &r->fds.sec.stacks[i], NULL, r->fds.sec.stacks[i].count);
	return ferror(f) ? -EIO : 0;
}

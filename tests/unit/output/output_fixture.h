/* SPDX-License-Identifier: GPL-2.0 */
/* The report every writer test prints (three heap stacks: symbolized, raw and truncated,
 * odd names and an unwind error; two mmap stacks), and running a checker on output. */
#ifndef LT_TEST_OUTPUT_FIXTURE_H
#define LT_TEST_OUTPUT_FIXTURE_H

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "output.h"
#include "fixtures/report.h"

static struct lt_sym frames_a[] = {
	{ .addr = 0x40115a,
	  .symbol = "leak_small",
	  .sym_off = 0x1a,
	  .module = "/opt/demo/demo_leaky",
	  .module_off = 0x115a,
	  .file = "/src/demo/leaky.c",
	  .line = 42 },
	{ .addr = 0x401240,
	  .symbol = "main",
	  .sym_off = 0x40,
	  .module = "/opt/demo/demo_leaky",
	  .module_off = 0x1240,
	  .file = "/src/demo/leaky.c",
	  .line = 80 },
	{ .addr = 0x7f12340271ca,
	  .module = "/usr/lib/x86_64-linux-gnu/libc.so.6",
	  .module_off = 0x271ca },
	{ .addr = 0xdeadbeef },
};

static struct lt_sym frames_c[] = {
	{ .addr = 0x401300, .symbol = "weird;name\nwith\ttabs", .sym_off = 3 },
};

static struct lt_sym frames_d[] = {
	{ .addr = 0x7f0000100010,
	  .symbol = "std::vector<int, std::allocator<int> >::push_back(int const&)",
	  .sym_off = 0x10,
	  .module = "/usr/lib/x86_64-linux-gnu/libstdc++.so.6",
	  .module_off = 0x100010 },
	{ .addr = 0x401250,
	  .symbol = "main",
	  .sym_off = 0x50,
	  .module = "/opt/demo/demo_leaky",
	  .module_off = 0x1250,
	  .file = "/src/demo/leaky.c",
	  .line = 90 },
};

/* A leaf that ends in " 12" looks like a differential count column to flamegraph.pl. */
static struct lt_sym frames_e[] = {
	{ .addr = 0x401400, .symbol = "odd 12", .module = "/opt/demo/demo_leaky" },
	{ .addr = 0x401500,
	  .symbol = "(anonymous namespace)::run()",
	  .sym_off = 8,
	  .module = "/opt/demo/demo_leaky",
	  .file = "run.cc" },
};

static struct lt_report_stack heap_stacks[3];
static struct lt_report_stack mmap_stacks[2];

/* Three heap stacks (symbolized, raw and truncated, odd names and unwind error) and two
 * mmap stacks; sections are already sorted by bytes as lt_agg__finish leaves them. */
static void make_fixture(struct lt_report *r)
{
	memset(r, 0, sizeof(*r));
	memset(heap_stacks, 0, sizeof(heap_stacks));
	memset(mmap_stacks, 0, sizeof(mmap_stacks));

	heap_stacks[0] = (struct lt_report_stack){ .stack_id = 0x11,
						   .bytes = 524288,
						   .count = 512,
						   .oldest_age_s = 9.81,
						   .nframes = 4,
						   .frames = frames_a };
	heap_stacks[1] = (struct lt_report_stack){ .stack_id = 0x22,
						   .bytes = 1000,
						   .count = 2,
						   .oldest_age_s = -1,
						   .flags = LT_STACK_TRUNCATED,
						   .nframes = 2,
						   .ips = { 0x401000, 0x401100 } };
	heap_stacks[2] = (struct lt_report_stack){ .stack_id = 0x33,
						   .bytes = 10,
						   .count = 1,
						   .oldest_age_s = 0.04,
						   .nframes = 1,
						   .frames = frames_c };
	heap_stacks[2].flags = LT_STACK_UNWIND_ERR;
	mmap_stacks[0] = (struct lt_report_stack){ .stack_id = 0x44,
						   .bytes = 8 * MIB,
						   .count = 2,
						   .oldest_age_s = 3,
						   .nframes = 2,
						   .frames = frames_d };
	mmap_stacks[1] = (struct lt_report_stack){ .stack_id = 0x55,
						   .bytes = 4096,
						   .count = 1,
						   .oldest_age_s = 1.25,
						   .nframes = 2,
						   .frames = frames_e };
	r->pid = 4242;
	r->comm = "demo";
	r->duration_s = 12.34;
	r->final = true;
	r->target_exited = true;
	r->heap = (struct lt_report_section){
		.bytes = 525298, .count = 515, .stacks = heap_stacks, .n = 3
	};
	r->mmap = (struct lt_report_section){
		.bytes = 8 * MIB + 4096, .count = 3, .stacks = mmap_stacks, .n = 2
	};
	r->lost[LT_LOSS_UNKNOWN_FREE] = 12;
	r->lost[LT_LOSS_RINGBUF_FULL] = 1;
	/* the first heap stack grows, the second is stable, the others have no trend yet */
	heap_stacks[0].trend = (struct lt_trend){ LT_VERDICT_GROWING, 42496, 0.99, 12 };
	heap_stacks[1].trend = (struct lt_trend){ LT_VERDICT_STABLE, 0.5, 0.1, 12 };
	r->suspects[0] =
		(struct lt_suspect){ LT_SUSPECT_HEAP, heap_stacks[0].trend, &heap_stacks[0] };
	r->n_suspects = 1;
	r->looked_s = 12.3;
}

static bool have(const char *tool)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "command -v %s >/dev/null 2>&1", tool);
	return system(cmd) == 0;
}

/* Runs cmd with the given text on its standard input; returns its exit status. */
static int pipe_to(const char *cmd, const char *text)
{
	FILE *p = popen(cmd, "w");
	int st;

	assert_non_null(p);
	fputs(text, p);
	st = pclose(p);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* Reads cmd's output, run on the text written to a temporary file. */
static char *run_on_file(const char *cmd_fmt, const char *text)
{
	char path[] = "/tmp/lt_test_output_XXXXXX", cmd[1024], *out = NULL;
	size_t len = 0;
	FILE *p, *mem;
	int fd, c;

	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	snprintf(cmd, sizeof(cmd), cmd_fmt, path);
	p = popen(cmd, "r");
	assert_non_null(p);
	mem = open_memstream(&out, &len);
	while ((c = fgetc(p)) != EOF)
		fputc(c, mem);
	fclose(mem);
	assert_int_equal(pclose(p), 0);
	unlink(path);
	return out;
}

#endif

// SPDX-License-Identifier: GPL-2.0
/* Unit tests of the report writers: exact text, folded and JSON for fixture reports, and
 * the folded and JSON output checked by the parsers that will read them (perl, python3). */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>
#include "output.h"
#include "fixtures/report.h"
#include "stackagg.h"

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
}

static const char fixture_text_top2[] =
	"leaktrace: pid 4242 (demo), 12.3 s traced, target exited\n"
	"heap: 513.0 KiB outstanding in 515 allocations from 3 stacks (+41.6 KiB/s)\n"
	"mmap: 8.0 MiB outstanding in 3 mappings from 2 stacks (+664.2 KiB/s)\n"
	"\n"
	"heap: top 2 of 3 stacks by bytes, leaf frame first\n"
	"#1  512.0 KiB in 512 allocations (+41.5 KiB/s), oldest 9.8 s\n"
	"    leak_small+0x1a (leaky.c:42) [demo_leaky]\n"
	"    main+0x40 (leaky.c:80) [demo_leaky]\n"
	"    libc.so.6+0x271ca\n"
	"    0xdeadbeef\n"
	"#2  1000 B in 2 allocations (+81 B/s), age unknown\n"
	"    0x401000\n"
	"    0x401100\n"
	"    [truncated at 64 frames: outer frames not recorded]\n"
	"... 1 more stack, 10 B\n"
	"\n"
	"mmap: top 2 of 2 stacks by bytes, leaf frame first\n"
	"#1  8.0 MiB in 2 mappings (+663.9 KiB/s), oldest 3.0 s\n"
	"    std::vector<int, std::allocator<int> >::push_back(int const&)+0x10 [libstdc++.so.6]\n"
	"    main+0x50 (leaky.c:90) [demo_leaky]\n"
	"#2  4.0 KiB in 1 mapping (+332 B/s), oldest 1.2 s\n"
	"    odd 12+0x0 [demo_leaky]\n"
	"    (anonymous namespace)::run()+0x8 (run.cc) [demo_leaky]\n"
	"\n"
	"lost: unknown_free=12 ringbuf_full=1\n";

static void test_text_exact(void **state)
{
	struct lt_report r;
	char *out = NULL;

	make_fixture(&r);
	CAPTURE(out, lt_output__text(f, &r, 2));
	assert_string_equal(out, fixture_text_top2);
	free(out);
}

static void test_text_variants(void **state)
{
	struct lt_report r;
	char *out = NULL;

	make_fixture(&r);
	/* all stacks: no "more" line, the unwind error marked, control characters hidden */
	CAPTURE(out, lt_output__text(f, &r, 10));
	assert_null(strstr(out, "more stack"));
	assert_non_null(strstr(out, "heap: top 3 of 3 stacks"));
	assert_non_null(strstr(out, "#3  10 B in 1 allocation (+1 B/s), oldest 0.0 s\n"
				    "    weird;name?with?tabs+0x3\n"
				    "    [unwinding stopped here: outer frames unknown]\n"));
	free(out);

	/* -n 0: totals only */
	out = NULL;
	CAPTURE(out, lt_output__text(f, &r, 0));
	assert_null(strstr(out, "#1"));
	assert_non_null(strstr(out, "heap: 513.0 KiB outstanding"));
	free(out);

	/* negative: no limit */
	out = NULL;
	CAPTURE(out, lt_output__text(f, &r, -1));
	assert_non_null(strstr(out, "#3  10 B"));
	free(out);

	/* no comm, not exited, min-age set, nothing lost, nothing outstanding */
	memset(r.lost, 0, sizeof(r.lost));
	r.comm = NULL;
	r.target_exited = false;
	r.min_age_s = 5;
	r.duration_s = NAN;
	r.heap = (struct lt_report_section){ 0 };
	r.mmap = (struct lt_report_section){ .bytes = 1, .count = 1 };
	out = NULL;
	CAPTURE(out, lt_output__text(f, &r, 10));
	assert_string_equal(out, "leaktrace: pid 4242, 0.0 s traced\n"
				 "min-age: counting only allocations at least 5.0 s old\n"
				 "heap: 0 B outstanding in 0 allocations from 0 stacks\n"
				 "mmap: 1 B outstanding in 1 mapping from 0 stacks\n"
				 "\n"
				 "lost: none\n");
	free(out);
}

static void test_text_units(void **state)
{
	static const struct {
		__s64 bytes;
		const char *want;
	} cases[] = {
		{ 0, "heap: 0 B " },
		{ 1023, "heap: 1023 B " },
		{ 1024, "heap: 1.0 KiB " },
		{ 1536, "heap: 1.5 KiB " },
		{ 1048575, "heap: 1.0 MiB " },
		{ 1288490189, "heap: 1.2 GiB " },
		{ 3ll << 40, "heap: 3.0 TiB " },
	};
	struct lt_report r = { .pid = 1 };
	char *out;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		r.heap.bytes = cases[i].bytes;
		out = NULL;
		CAPTURE(out, lt_output__text(f, &r, 10));
		if (!strstr(out, cases[i].want))
			fail_msg("%lld bytes: want '%s' in:\n%s", (long long)cases[i].bytes,
				 cases[i].want, out);
		free(out);
	}
}

static const char fixture_folded[] =
	"0xdeadbeef;libc.so.6+0x271ca;main;leak_small 524288\n"
	"[truncated];0x401100;0x401000 1000\n"
	"[truncated];weird:name with tabs 10\n"
	"[mmap];main;std::vector<int, std::allocator<int> >::push_back(int const&) 8388608\n"
	"[mmap];(anonymous namespace)::run();odd_12 4096\n";

static void test_folded_exact(void **state)
{
	struct lt_report r;
	char *out = NULL;

	make_fixture(&r);
	CAPTURE(out, lt_output__folded(f, &r));
	assert_string_equal(out, fixture_folded);
	free(out);

	/* a stack with no frames at all still makes a parseable line */
	heap_stacks[0].nframes = 0;
	r.heap.n = 1;
	r.mmap.n = 0;
	out = NULL;
	CAPTURE(out, lt_output__folded(f, &r));
	assert_string_equal(out, "[unknown] 524288\n");
	free(out);
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

/*
 * flamegraph.pl's own parsing: a line is /^(.*)\s+?(\d+(?:\.\d*)?)$/, and if the stack part
 * matches that again it is taken for a differential profile. Prints "frames count" a line.
 */
#define FLAMEGRAPH_PARSE                                                                           \
	"perl -ne 'chomp; my ($s, $n) = /^(.*)\\s+?(\\d+(?:\\.\\d*)?)$/ "                          \
	"or die \"bad line $.\\n\"; "                                                              \
	"die \"differential at line $.\\n\" if $s =~ /^(.*)\\s+?(\\d+(?:\\.\\d*)?)$/; "            \
	"my @f = split \";\", $s; print scalar(@f), \" $n\\n\"' %s"

static void test_folded_flamegraph_parse(void **state)
{
	struct lt_report r;
	char *out = NULL, *parsed;

	if (!have("perl"))
		skip();
	make_fixture(&r);
	CAPTURE(out, lt_output__folded(f, &r));
	parsed = run_on_file(FLAMEGRAPH_PARSE, out);
	assert_string_equal(parsed, "4 524288\n3 1000\n2 10\n3 8388608\n3 4096\n");
	free(parsed);

	/* the check itself catches the leaf that looks like a count */
	parsed = run_on_file(FLAMEGRAPH_PARSE " 2>/dev/null || echo rejected", "a;odd 12 4096\n");
	assert_string_equal(parsed, "rejected\n");
	free(parsed);
	free(out);
}

static const char json_small_expected[] =
	"{\"pid\":77,\"comm\":\"a\\\"b\\\\c\\u0001\xc3\xa9\\ufffd\\u007f\",\"duration_s\":1.500,"
	"\"final\":true,\"target_exited\":false,\"min_age_s\":0.250,\"sample_bytes\":0,"
	"\"heap\":{\"bytes\":48,\"count\":3,\"bytes_per_s\":32.000,\"stacks\":[{\"bytes\":48,"
	"\"count\":3,\"bytes_per_s\":32.000,\"oldest_age_s\":2.000,\"truncated\":false,\"frames\":["
	"{\"symbol\":\"leak\",\"module\":\"/tmp/prog\",\"file\":\"/tmp/prog.c\",\"line\":7,"
	"\"addr\":\"0x401136\",\"offset\":22,\"module_offset\":\"0x1136\",\"js\":false},"
	"{\"symbol\":null,\"module\":\"/lib/libc.so.6\",\"file\":null,\"line\":null,"
	"\"addr\":\"0x7f0000001000\",\"offset\":null,\"module_offset\":\"0x1000\",\"js\":false}],"
	"\"unwind_error\":false,\"stack_id\":\"0xabc\"}]},"
	"\"mmap\":{\"bytes\":4096,\"count\":1,\"bytes_per_s\":2730.667,\"stacks\":[{"
	"\"bytes\":4096,\"count\":1,\"bytes_per_s\":2730.667,\"oldest_age_s\":-1.000,\"truncated\":true,\"frames\":["
	"{\"symbol\":null,\"module\":null,\"file\":null,\"line\":null,\"addr\":\"0x1234\","
	"\"offset\":null,\"module_offset\":null,\"js\":false}],"
	"\"unwind_error\":true,\"stack_id\":\"0x1\"}]},"
	"\"not_loaded\":[],\"lost\":{\"alloc_map_full\":0,\"stack_map_full\":0,\"stack_unwind_failed\":0,"
	"\"stack_truncated\":0,\"return_probe_missed\":0,\"unknown_free\":3,"
	"\"nesting_too_deep\":0,\"totals_map_full\":0,\"ringbuf_full\":0,"
	"\"thread_map_full\":0,\"fd_close_missed\":0,\"sock_map_full\":0,"
	"\"js_frame_unnamed\":0,\"js_name_map_full\":0,"
	"\"gc_event_lost\":0,\"gc_return_missed\":0,\"fd_pair_unread\":0},"
	"\"version\":\"" LT_VERSION "\"}\n";

static void test_json_exact(void **state)
{
	struct lt_sym frames[] = {
		{ .addr = 0x401136,
		  .symbol = "leak",
		  .sym_off = 0x16,
		  .module = "/tmp/prog",
		  .module_off = 0x1136,
		  .file = "/tmp/prog.c",
		  .line = 7 },
		{ .addr = 0x7f0000001000, .module = "/lib/libc.so.6", .module_off = 0x1000 },
	};
	struct lt_report_stack heap = { .stack_id = 0xabc,
					.bytes = 48,
					.count = 3,
					.oldest_age_s = 2,
					.nframes = 2,
					.frames = frames };
	/* unwinding stopped (counts as truncated), not symbolized, unknown age */
	struct lt_report_stack mmap = { .stack_id = 1,
					.bytes = 4096,
					.count = 1,
					.oldest_age_s = -3,
					.flags = LT_STACK_UNWIND_ERR,
					.nframes = 1,
					.ips = { 0x1234 } };
	struct lt_report r = {
		.pid = 77,
		/* quote, backslash, control, valid UTF-8 "é", a stray byte, DEL */
		.comm = "a\"b\\c\x01\xc3\xa9\xff\x7f",
		.duration_s = 1.5,
		.final = true,
		.min_age_s = 0.25,
		.heap = { .bytes = 48, .count = 3, .stacks = &heap, .n = 1 },
		.mmap = { .bytes = 4096, .count = 1, .stacks = &mmap, .n = 1 },
	};
	char *out = NULL;

	r.lost[LT_LOSS_UNKNOWN_FREE] = 3;
	CAPTURE(out, lt_output__json(f, &r));
	assert_string_equal(out, json_small_expected);
	free(out);
}

/* Strict reading: UTF-8 only, no NaN/Infinity, one object a line, fields checked. */
static const char json_check_script[] =
	"import json, sys\n"
	"def bad(c):\n"
	"    raise ValueError('non-finite number ' + c)\n"
	"lines = sys.stdin.buffer.read().split(b'\\n')\n"
	"assert lines[-1] == b'', 'output must end with a newline'\n"
	"docs = [json.loads(l.decode('utf-8'), parse_constant=bad) for l in lines[:-1]]\n"
	"assert len(docs) == int(sys.argv[1]), len(docs)\n"
	"names = ['alloc_map_full', 'stack_map_full', 'stack_unwind_failed', 'stack_truncated',\n"
	"         'return_probe_missed', 'unknown_free', 'nesting_too_deep', 'totals_map_full',\n"
	"         'ringbuf_full', 'thread_map_full', 'fd_close_missed', 'sock_map_full',\n"
	"         'js_frame_unnamed', 'js_name_map_full',\n"
	"         'gc_event_lost', 'gc_return_missed', 'fd_pair_unread']\n"
	"for d in docs:\n"
	"    assert sorted(d['lost']) == sorted(names)\n"
	"    for sec in ('heap', 'mmap'):\n"
	"        st = d[sec]['stacks']\n"
	"        sizes = [s['bytes'] for s in st]\n"
	"        assert sizes == sorted(sizes, reverse=True)\n"
	"        for s in st:\n"
	"            for fr in s['frames']:\n"
	"                assert fr['addr'].startswith('0x')\n"
	"                int(fr['addr'], 16)\n"
	"d = docs[0]\n"
	"if sys.argv[2] == 'fixture':\n"
	"    assert d['pid'] == 4242 and d['comm'] == 'demo' and d['final'] is True\n"
	"    assert d['lost']['unknown_free'] == 12\n"
	"    assert d['heap']['bytes'] == 525298 and len(d['heap']['stacks']) == 3\n"
	"    assert d['heap']['stacks'][2]['frames'][0]['symbol'] == 'weird;name\\nwith\\ttabs'\n"
	"    assert d['heap']['stacks'][2]['truncated'] is True\n"
	"    assert d['heap']['stacks'][0]['frames'][3]['symbol'] is None\n"
	"    assert d['heap']['stacks'][0]['frames'][0]['line'] == 42\n"
	"    assert d['mmap']['stacks'][0]['bytes'] == 8388608\n"
	"    assert d['duration_s'] == 0 and d['min_age_s'] == 0\n"
	"    assert d['heap']['stacks'][1]['oldest_age_s'] == -1\n";

static int check_json(const char *json, int ndocs, const char *what)
{
	char script[] = "/tmp/lt_test_json_XXXXXX", cmd[256];
	int fd, ret;

	fd = mkstemp(script);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, json_check_script, strlen(json_check_script)),
			 (ssize_t)strlen(json_check_script));
	close(fd);
	/* the cases meant to fail keep their tracebacks to themselves */
	snprintf(cmd, sizeof(cmd), "python3 %s %d %s%s", script, ndocs, what,
		 strcmp(what, "bad") ? "" : " 2>/dev/null");
	ret = pipe_to(cmd, json);
	unlink(script);
	return ret;
}

static void test_json_fixture_parses(void **state)
{
	struct lt_report r;
	char *out = NULL;

	if (!have("python3"))
		skip();
	make_fixture(&r);
	/* non-finite numbers must not reach the output */
	r.duration_s = NAN;
	r.min_age_s = INFINITY;
	heap_stacks[0].oldest_age_s = NAN;
	/* two reports in a row: JSON Lines */
	CAPTURE(out, lt_output__json(f, &r) || lt_output__json(f, &r));
	assert_int_equal(check_json(out, 2, "fixture"), 0);
	free(out);

	/* and the check does fail on bad input */
	assert_int_not_equal(check_json("{\"a\":NaN}\n", 1, "bad"), 0);
	assert_int_not_equal(check_json("{\"a\":1}{\"b\":2}\n", 1, "bad"), 0);
}

/* Every byte value in names, deep stacks, many of them. */
static void test_json_large_parses(void **state)
{
	enum {
		NSTACKS = 300,
		NAME_LEN = 40
	};
	struct lt_report_stack *stacks = calloc(NSTACKS, sizeof(*stacks));
	struct lt_sym *syms = calloc(NSTACKS * LT_MAX_FRAMES, sizeof(*syms));
	char *names = calloc(NSTACKS * LT_MAX_FRAMES, NAME_LEN + 1);
	struct lt_report r = { .pid = 1, .comm = "big\xe2\x82\xac" };
	unsigned int seed = 1;
	char *out = NULL;
	size_t i, j, k;

	if (!have("python3"))
		skip();
	assert_non_null(stacks);
	assert_non_null(syms);
	assert_non_null(names);
	for (i = 0; i < NSTACKS; i++) {
		stacks[i].stack_id = i + 1;
		stacks[i].bytes = (NSTACKS - i) * 1000;
		stacks[i].count = i + 1;
		stacks[i].oldest_age_s = i % 7 ? i * 0.1 : -1;
		stacks[i].flags = i % 3;
		stacks[i].nframes = LT_MAX_FRAMES;
		stacks[i].frames = i % 5 ? &syms[i * LT_MAX_FRAMES] : NULL;
		for (j = 0; j < LT_MAX_FRAMES; j++) {
			struct lt_sym *s = &syms[i * LT_MAX_FRAMES + j];
			char *name = &names[(i * LT_MAX_FRAMES + j) * (NAME_LEN + 1)];

			stacks[i].ips[j] = 0x400000 + i * 0x1000 + j;
			for (k = 0; k < NAME_LEN; k++)
				name[k] = (char)(1 + rand_r(&seed) % 255);
			s->addr = stacks[i].ips[j];
			s->symbol = j % 4 ? name : NULL;
			s->module = j % 3 ? name : NULL;
			s->file = j % 2 ? name : NULL;
			s->line = (int)j;
		}
	}
	r.heap = (struct lt_report_section){
		.bytes = 1, .count = 1, .stacks = stacks, .n = NSTACKS
	};
	r.mmap = (struct lt_report_section){ .bytes = 1, .count = 1, .stacks = stacks, .n = 20 };
	CAPTURE(out, lt_output__json(f, &r));
	assert_int_equal(pipe_to("python3 -c 'import json,sys; json.load(sys.stdin)'", out), 0);
	assert_int_equal(check_json(out, 1, "large"), 0);
	free(out);
	free(names);
	free(syms);
	free(stacks);
}

static void test_frame_name(void **state)
{
	struct lt_sym s = {
		.addr = 0x7f00dead, .symbol = "fn", .module = "/lib/libx.so", .module_off = 0x1234
	};
	char buf[64];

	assert_string_equal(lt_output__frame_name(&s, buf, sizeof(buf)), "fn");
	s.symbol = "";
	assert_string_equal(lt_output__frame_name(&s, buf, sizeof(buf)), "libx.so+0x1234");
	s.symbol = NULL;
	assert_string_equal(lt_output__frame_name(&s, buf, sizeof(buf)), "libx.so+0x1234");
	s.module = "[vdso]";
	assert_string_equal(lt_output__frame_name(&s, buf, sizeof(buf)), "[vdso]+0x1234");
	s.module = NULL;
	assert_string_equal(lt_output__frame_name(&s, buf, sizeof(buf)), "0x7f00dead");
}

/* JS frames: "[js]" and no offset in text, "_[j]" in folded, "js": true in JSON. */
static void test_js_frames(void **state)
{
	struct lt_sym frames[] = {
		{ .addr = 0x401136,
		  .symbol = "uv_alloc",
		  .sym_off = 0x16,
		  .module = "/usr/bin/node",
		  .module_off = 0x1136 },
		{ .addr = LT_JS_FRAME_TAG | 0x1234,
		  .symbol = "leakNativeBuffer",
		  .file = "/srv/app/server.js",
		  .js = true },
		{ .addr = 0x7f0000002000,
		  .symbol = "handleRequest",
		  .sym_off = 0x40,
		  .file = "/srv/app/server.js",
		  .line = 12,
		  .js = true },
	};
	struct lt_report_stack heap = { .stack_id = 7,
					.bytes = 100,
					.count = 1,
					.oldest_age_s = 1,
					.nframes = 3,
					.frames = frames };
	struct lt_report r = { .pid = 1,
			       .duration_s = 1,
			       .heap = { .bytes = 100, .count = 1, .stacks = &heap, .n = 1 } };
	char *out = NULL;

	CAPTURE(out, lt_output__text(f, &r, 10));
	assert_non_null(strstr(out, "    uv_alloc+0x16 [node]\n"
				    "    leakNativeBuffer [js] (server.js)\n"
				    "    handleRequest [js] (server.js:12)\n"));
	free(out);
	CAPTURE(out, lt_output__folded(f, &r));
	assert_string_equal(out, "handleRequest_[j];leakNativeBuffer_[j];uv_alloc 100\n");
	free(out);
	CAPTURE(out, lt_output__json(f, &r));
	assert_non_null(strstr(out, "\"symbol\":\"leakNativeBuffer\",\"module\":null,"
				    "\"file\":\"/srv/app/server.js\",\"line\":null,"
				    "\"addr\":\"0x8000000000001234\",\"offset\":null,"
				    "\"module_offset\":null,\"js\":true}"));
	free(out);
}

static void test_write_dispatch(void **state)
{
	struct lt_config cfg = { .top_n = 1 };
	struct lt_report r;
	char *out = NULL;
	FILE *full;

	make_fixture(&r);
	cfg.format = LT_FMT_TEXT;
	CAPTURE(out, lt_output__write(f, &r, &cfg));
	assert_true(strncmp(out, "leaktrace: pid 4242", 19) == 0);
	assert_non_null(strstr(out, "... 2 more stacks, 1010 B\n"));
	free(out);

	cfg.format = LT_FMT_FOLDED;
	out = NULL;
	CAPTURE(out, lt_output__write(f, &r, &cfg));
	assert_string_equal(out, fixture_folded);
	free(out);

	cfg.format = LT_FMT_JSON;
	out = NULL;
	CAPTURE(out, lt_output__write(f, &r, &cfg));
	assert_true(strncmp(out, "{\"pid\":4242,", 12) == 0);
	free(out);

	cfg.format = 99;
	assert_int_equal(lt_output__write(stdout, &r, &cfg), -EINVAL);
	assert_int_equal(lt_output__write(NULL, &r, &cfg), -EINVAL);

	/* a full disk is reported, not ignored */
	full = fopen("/dev/full", "w");
	if (full) {
		cfg.format = LT_FMT_JSON;
		assert_true(lt_output__write(full, &r, &cfg) < 0);
		fclose(full);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_text_exact),
		cmocka_unit_test(test_text_variants),
		cmocka_unit_test(test_text_units),
		cmocka_unit_test(test_folded_exact),
		cmocka_unit_test(test_folded_flamegraph_parse),
		cmocka_unit_test(test_json_exact),
		cmocka_unit_test(test_json_fixture_parses),
		cmocka_unit_test(test_json_large_parses),
		cmocka_unit_test(test_frame_name),
		cmocka_unit_test(test_js_frames),
		cmocka_unit_test(test_write_dispatch),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

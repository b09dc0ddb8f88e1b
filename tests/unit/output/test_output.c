// SPDX-License-Identifier: GPL-2.0
/* Unit tests of the text and folded writers and of format dispatch: exact output for the
 * fixture report, and folded output checked by flamegraph.pl's own parsing rules. */
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
#include "output_fixture.h"
#include "stackagg.h"

static const char fixture_text_top2[] =
	"leaktrace: pid 4242 (demo), 12.3 s traced, target exited\n"
	"leak suspects:\n"
	"  1. heap +41.5 KiB/s (R\u00b2 0.99, 12 s) leak_small (leaky.c:42) \u2190 main\n"
	"heap: 513.0 KiB outstanding in 515 allocations from 3 stacks\n"
	"mmap: 8.0 MiB outstanding in 3 mappings from 2 stacks\n"
	"\n"
	"heap: top 2 of 3 stacks by bytes, leaf frame first\n"
	"#1  512.0 KiB in 512 allocations (+41.5 KiB/s, growing), oldest 9.8 s\n"
	"    leak_small+0x1a (leaky.c:42) [demo_leaky]\n"
	"    main+0x40 (leaky.c:80) [demo_leaky]\n"
	"    libc.so.6+0x271ca\n"
	"    0xdeadbeef\n"
	"#2  1000 B in 2 allocations (stable), age unknown\n"
	"    0x401000\n"
	"    0x401100\n"
	"    [truncated at 128 frames: outer frames not recorded]\n"
	"... 1 more stack, 10 B\n"
	"\n"
	"mmap: top 2 of 2 stacks by bytes, leaf frame first\n"
	"#1  8.0 MiB in 2 mappings, oldest 3.0 s\n"
	"    std::vector<int, std::allocator<int> >::push_back(int const&)+0x10 [libstdc++.so.6]\n"
	"    main+0x50 (leaky.c:90) [demo_leaky]\n"
	"#2  4.0 KiB in 1 mapping, oldest 1.2 s\n"
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
	assert_non_null(strstr(out, "#3  10 B in 1 allocation, oldest 0.0 s\n"
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
	r.n_suspects = 0; /* and the trends looked for 30 s */
	r.looked_s = 30;
	out = NULL;
	CAPTURE(out, lt_output__text(f, &r, 10));
	assert_string_equal(out, "leaktrace: pid 4242, 0.0 s traced\n"
				 "leak suspects: nothing grows (looked for 30 s)\n"
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

/* A section left out by -t says "not traced", never an empty measurement; the heap's
 * reason when it is out of reach (a Go program). */
static void test_text_not_traced(void **state)
{
	struct lt_report r = { .pid = 1, .mmap_not_traced = true };
	char *out = NULL;

	CAPTURE(out, lt_output__text(f, &r, 10));
	if (!strstr(out, "\nmmap: not traced\n") || strstr(out, "mmap: 0 B") ||
	    !strstr(out, "heap: 0 B outstanding"))
		fail_msg("-t heap:\n%s", out);
	free(out);
	r = (struct lt_report){ .pid = 1,
				.heap_not_traced = true,
				.heap_off_reason = "a Go program" };
	out = NULL;
	CAPTURE(out, lt_output__text(f, &r, 10));
	if (!strstr(out, "\nheap: not traced: a Go program\n") || strstr(out, "heap: 0 B") ||
	    !strstr(out, "mmap: 0 B outstanding"))
		fail_msg("Go program:\n%s", out);
	free(out);
	out = NULL;
	CAPTURE(out, lt_output__json(f, &r));
	if (!strstr(out, "\"heap\":{\"traced\":false,\"off_reason\":\"a Go program\",") ||
	    !strstr(out, "\"mmap\":{\"traced\":true,\"off_reason\":null,"))
		fail_msg("JSON:\n%s", out);
	free(out);
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
		cmocka_unit_test(test_text_not_traced),
		cmocka_unit_test(test_folded_exact),
		cmocka_unit_test(test_folded_flamegraph_parse),
		cmocka_unit_test(test_frame_name),
		cmocka_unit_test(test_js_frames),
		cmocka_unit_test(test_write_dispatch),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

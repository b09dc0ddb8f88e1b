// SPDX-License-Identifier: GPL-2.0
/* Unit tests of the JSON writer: exact JSON for small reports, and the fixture and a large
 * report checked by the parser that will read them (python3's json). */
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

static const char json_small_expected[] =
	"{\"pid\":77,\"comm\":\"a\\\"b\\\\c\\u0001\xc3\xa9\\ufffd\\u007f\",\"duration_s\":1.500,"
	"\"final\":true,\"target_exited\":false,\"min_age_s\":0.250,\"sample_bytes\":0,"
	"\"execs\":0,\"exec_at_s\":0.000,\"exec_from\":null,\"untraced_children\":0,"
	"\"suspects\":[],\"trend_span_s\":0.000,\"rss_breakdown\":null,"
	"\"heap\":{\"traced\":true,\"off_reason\":null,\"bytes\":48,\"count\":3,\"mean_bytes_per_s\":32.000,\"stacks\":[{\"bytes\":48,"
	"\"count\":3,\"trend\":{\"verdict\":\"unknown\",\"per_s\":0.000,\"r2\":0.000,"
	"\"span_s\":0.000},\"oldest_age_s\":2.000,\"truncated\":false,\"frames\":["
	"{\"symbol\":\"leak\",\"module\":\"/tmp/prog\",\"file\":\"/tmp/prog.c\",\"line\":7,"
	"\"addr\":\"0x401136\",\"offset\":22,\"module_offset\":\"0x1136\",\"js\":false},"
	"{\"symbol\":null,\"module\":\"/lib/libc.so.6\",\"file\":null,\"line\":null,"
	"\"addr\":\"0x7f0000001000\",\"offset\":null,\"module_offset\":\"0x1000\",\"js\":false}],"
	"\"unwind_error\":false,\"stack_id\":\"0xabc\"}]},"
	"\"mmap\":{\"traced\":true,\"off_reason\":null,\"bytes\":4096,\"count\":1,\"mean_bytes_per_s\":2730.667,\"stacks\":[{"
	"\"bytes\":4096,\"count\":1,\"trend\":{\"verdict\":\"unknown\",\"per_s\":0.000,"
	"\"r2\":0.000,\"span_s\":0.000},\"oldest_age_s\":-1.000,\"truncated\":true,\"frames\":["
	"{\"symbol\":null,\"module\":null,\"file\":null,\"line\":null,\"addr\":\"0x1234\","
	"\"offset\":null,\"module_offset\":null,\"js\":false}],"
	"\"unwind_error\":true,\"stack_id\":\"0x1\"}]},"
	"\"not_loaded\":[],\"lost\":{\"alloc_map_full\":0,\"stack_map_full\":0,\"stack_unwind_cfi_read\":0,"
	"\"stack_unwind_native_fp\":0,\"stack_unwind_v8_fp\":0,"
	"\"stack_truncated\":0,\"return_probe_missed\":0,\"unknown_free\":3,"
	"\"nesting_too_deep\":0,\"totals_map_full\":0,\"ringbuf_full\":0,"
	"\"thread_map_full\":0,\"fd_close_missed\":0,\"sock_map_full\":0,"
	"\"js_frame_unnamed\":0,\"js_name_map_full\":0,"
	"\"gc_event_lost\":0,\"gc_return_missed\":0,\"fd_pair_unread\":0,\"thread_exit_free\":0,\"child_untraced\":0,\"push_failed\":0},"
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
	"names = ['alloc_map_full', 'stack_map_full', 'stack_unwind_cfi_read',\n"
	"         'stack_unwind_native_fp', 'stack_unwind_v8_fp', 'stack_truncated',\n"
	"         'return_probe_missed', 'unknown_free', 'nesting_too_deep', 'totals_map_full',\n"
	"         'ringbuf_full', 'thread_map_full', 'fd_close_missed', 'sock_map_full',\n"
	"         'js_frame_unnamed', 'js_name_map_full',\n"
	"         'gc_event_lost', 'gc_return_missed', 'fd_pair_unread', 'thread_exit_free', 'child_untraced', 'push_failed']\n"
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_json_exact),
		cmocka_unit_test(test_json_fixture_parses),
		cmocka_unit_test(test_json_large_parses),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

// SPDX-License-Identifier: GPL-2.0
/* Unit tests of the tracer's own cost: reading VmRSS and VmHWM from a status text, CPU
 * time that moves forward, the text footer line and the JSON object. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "output.h"
#include "report.h"
#include "tracer.h"

static const char status_text[] = "Name:\tleaktrace\n"
				  "VmPeak:\t  123456 kB\n"
				  "VmHWM:\t   48000 kB\n"
				  "VmRSS:\t   30000 kB\n"
				  "Threads:\t1\n";

static void test_parse_status(void **state)
{
	__u64 rss = 0, peak = 0;

	assert_int_equal(lt_tracer__parse_status(status_text, &rss, &peak), 0);
	assert_int_equal(rss, 30000ull * 1024);
	assert_int_equal(peak, 48000ull * 1024);
	/* VmRSS must not be taken from a longer key, nor a missing one assumed */
	assert_int_equal(lt_tracer__parse_status("VmRSSx: 1 kB\nVmHWM: 2 kB\n", &rss, &peak),
			 -ENOENT);
	assert_int_equal(lt_tracer__parse_status("VmRSS: 1 kB\n", &rss, &peak), -ENOENT);
	assert_int_equal(lt_tracer__parse_status(NULL, &rss, &peak), -ENOENT);
}

static void test_fill_self(void **state)
{
	struct lt_report_tracer t;
	volatile double x = 0;
	double before = lt_tracer__cpu_s();

	for (int i = 0; i < 20000000; i++)
		x += i;
	lt_tracer__fill(&t, before, NULL);
	assert_true(t.known);
	assert_true(t.cpu_s > 0 && t.cpu_s < 60);
	assert_true(t.attach_cpu_s == before);
	assert_true(t.rss_bytes > 0 && t.rss_bytes <= t.rss_peak_bytes);
	assert_int_equal(t.bpf_map_bytes, 0);
}

static char *capture(int (*write)(FILE *, const struct lt_report *), const struct lt_report *r)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	assert_int_equal(write(f, r), 0);
	fclose(f);
	return buf;
}

static int text_default(FILE *f, const struct lt_report *r)
{
	return lt_output__text(f, r, 10);
}

static void test_outputs(void **state)
{
	struct lt_report r = { .pid = 1, .comm = "x" };
	char *out;

	out = capture(text_default, &r);
	assert_null(strstr(out, "CPU attaching"));
	free(out);
	out = capture(lt_output__json, &r);
	assert_null(strstr(out, "\"tracer\""));
	free(out);

	r.tracer = (struct lt_report_tracer){ .known = true,
					      .attach_cpu_s = 0.414,
					      .cpu_s = 0.02,
					      .rss_bytes = 47ull << 20,
					      .rss_peak_bytes = 52ull << 20,
					      .bpf_map_bytes = 18ull << 20 };
	out = capture(text_default, &r);
	assert_non_null(strstr(out, "\nleaktrace: 0.41 s CPU attaching, 0.02 s since; RSS 47 MiB "
				    "(peak 52); BPF maps 18 MiB\n"));
	free(out);
	out = capture(lt_output__json, &r);
	assert_non_null(strstr(out, ",\"tracer\":{\"attach_cpu_s\":0.414,\"cpu_s\":0.020,"
				    "\"rss_bytes\":49283072,\"rss_peak_bytes\":54525952,"
				    "\"bpf_map_bytes\":18874368},\"version\":"));
	free(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_status),
		cmocka_unit_test(test_fill_self),
		cmocka_unit_test(test_outputs),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

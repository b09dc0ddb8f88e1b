// SPDX-License-Identifier: GPL-2.0
/* Unit tests of option parsing: every option, the positional INTERVAL COUNT, the "--"
 * command, and every error case with its one-line message. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include "config.h"

#define MAX_ARGS 48

/* argv must outlive the parse: cfg->argv and cfg->output point into it. */
static char *args[MAX_ARGS + 1];
static char captured_err[4096];
static char captured_out[8192];

static void read_back(FILE *tmp, char *buf, size_t len)
{
	size_t n;

	rewind(tmp);
	n = fread(buf, 1, len - 1, tmp);
	buf[n] = '\0';
}

/* Runs lt_config__parse on "leaktrace" followed by the given words (NULL-terminated),
 * with stdout and stderr captured into captured_out and captured_err. */
static int parse(struct lt_config *cfg, ...)
{
	FILE *terr = tmpfile(), *tout = tmpfile();
	int saved_err, saved_out, argc = 0, ret;
	const char *w;
	va_list ap;

	assert_non_null(terr);
	assert_non_null(tout);
	args[argc++] = "leaktrace";
	va_start(ap, cfg);
	while ((w = va_arg(ap, const char *)) != NULL) {
		assert_true(argc < MAX_ARGS);
		args[argc++] = (char *)w;
	}
	va_end(ap);
	args[argc] = NULL;

	fflush(stdout);
	fflush(stderr);
	saved_err = dup(STDERR_FILENO);
	saved_out = dup(STDOUT_FILENO);
	dup2(fileno(terr), STDERR_FILENO);
	dup2(fileno(tout), STDOUT_FILENO);
	ret = lt_config__parse(argc, args, cfg);
	fflush(stdout);
	fflush(stderr);
	dup2(saved_err, STDERR_FILENO);
	dup2(saved_out, STDOUT_FILENO);
	close(saved_err);
	close(saved_out);
	read_back(terr, captured_err, sizeof(captured_err));
	read_back(tout, captured_out, sizeof(captured_out));
	fclose(terr);
	fclose(tout);
	return ret;
}

/* A rejected command line: -EINVAL and exactly one "leaktrace: ..." line on stderr. */
#define assert_rejected(ret)                                                                       \
	do {                                                                                       \
		assert_int_equal((ret), -EINVAL);                                                  \
		assert_true(strncmp(captured_err, "leaktrace: ", 11) == 0);                        \
		assert_non_null(strchr(captured_err, '\n'));                                       \
		assert_string_equal(strchr(captured_err, '\n'), "\n");                             \
		assert_string_equal(captured_out, "");                                             \
	} while (0)

static void test_defaults(void **state)
{
	struct lt_config cfg;

	assert_int_equal(parse(&cfg, "-p", "42", NULL), 0);
	assert_int_equal(cfg.pid, 42);
	assert_null(cfg.argv);
	assert_true(cfg.duration_s == 0);
	assert_true(cfg.interval_s == 0);
	assert_int_equal(cfg.count, 0);
	assert_int_equal(cfg.format, LT_FMT_TEXT);
	assert_null(cfg.output);
	assert_true(cfg.min_age_s == 0);
	assert_int_equal(cfg.top_n, 10);
	assert_int_equal(cfg.verbose, 0);
	assert_int_equal(cfg.max_allocs, 262144);
	assert_int_equal(cfg.max_stacks, 16384);
	assert_true(cfg.trace_heap);
	assert_true(cfg.trace_mmap);
	assert_true(cfg.trace_gc);
	assert_string_equal(captured_err, "");
}

static void test_long_options(void **state)
{
	struct lt_config cfg;

	assert_int_equal(parse(&cfg, "--pid", "7", "--duration", "30", "--format", "json",
			       "--output", "heap.json", "--min-age", "2.5", "--top", "3",
			       "--verbose", "--max-allocs", "1000", "--max-stacks", "200",
			       "--trace", "heap", NULL),
			 0);
	assert_int_equal(cfg.pid, 7);
	assert_true(cfg.duration_s == 30);
	assert_int_equal(cfg.format, LT_FMT_JSON);
	assert_string_equal(cfg.output, "heap.json");
	assert_true(cfg.min_age_s == 2.5);
	assert_int_equal(cfg.top_n, 3);
	assert_int_equal(cfg.verbose, 1);
	assert_int_equal(cfg.max_allocs, 1000);
	assert_int_equal(cfg.max_stacks, 200);
	assert_true(cfg.trace_heap);
	assert_false(cfg.trace_mmap);
}

static void test_long_options_with_equals(void **state)
{
	struct lt_config cfg;

	assert_int_equal(parse(&cfg, "--pid=9", "--format=folded", "--min-age=0.5",
			       "--max-allocs=4294967295", "--trace=mmap", NULL),
			 0);
	assert_int_equal(cfg.pid, 9);
	assert_int_equal(cfg.format, LT_FMT_FOLDED);
	assert_true(cfg.min_age_s == 0.5);
	assert_int_equal(cfg.max_allocs, 4294967295u);
	assert_false(cfg.trace_heap);
	assert_true(cfg.trace_mmap);
}

static void test_short_options(void **state)
{
	struct lt_config cfg;

	assert_int_equal(parse(&cfg, "-p", "123", "-d", "1.5", "-f", "text", "-o", "out.txt", "-n",
			       "0", "-vvv", "-v", "-t", "heap,mmap", NULL),
			 0);
	assert_int_equal(cfg.pid, 123);
	assert_true(cfg.duration_s == 1.5);
	assert_int_equal(cfg.format, LT_FMT_TEXT);
	assert_string_equal(cfg.output, "out.txt");
	assert_int_equal(cfg.top_n, 0);
	assert_int_equal(cfg.verbose, 4);
	assert_true(cfg.trace_heap);
	assert_true(cfg.trace_mmap);

	/* attached argument: -p123 -ffolded */
	assert_int_equal(parse(&cfg, "-p123", "-ffolded", NULL), 0);
	assert_int_equal(cfg.pid, 123);
	assert_int_equal(cfg.format, LT_FMT_FOLDED);
}

static void test_trace_lists(void **state)
{
	struct lt_config cfg;

	assert_int_equal(parse(&cfg, "-p", "1", "-t", "mmap", NULL), 0);
	assert_false(cfg.trace_heap);
	assert_true(cfg.trace_mmap);

	/* repeated -t accumulate; only the first replaces the default "all" */
	assert_int_equal(parse(&cfg, "-p", "1", "-t", "heap", "-t", "mmap", NULL), 0);
	assert_true(cfg.trace_heap);
	assert_true(cfg.trace_mmap);

	assert_int_equal(parse(&cfg, "-p", "1", "-t", "heap,heap", NULL), 0);
	assert_true(cfg.trace_heap);
	assert_false(cfg.trace_mmap);
	assert_false(cfg.trace_gc);

	assert_int_equal(parse(&cfg, "-p", "1", "-t", "gc", NULL), 0);
	assert_false(cfg.trace_heap);
	assert_false(cfg.trace_mmap);
	assert_true(cfg.trace_gc);

	assert_int_equal(parse(&cfg, "-p", "1", "-t", "fd,sock", NULL), 0);
	assert_false(cfg.trace_heap || cfg.trace_mmap);
	assert_true(cfg.trace_fd && cfg.trace_sock);
	assert_rejected(parse(&cfg, "-p", "1", "-t", "fds", NULL));
	assert_non_null(strstr(captured_err, "'fds'"));
	assert_non_null(strstr(captured_err, "heap, mmap, fd, sock"));
	assert_rejected(parse(&cfg, "-p", "1", "-t", "heap,bogus", NULL));
	assert_non_null(strstr(captured_err, "'bogus'"));
	assert_rejected(parse(&cfg, "-p", "1", "-t", "heap,", NULL));
	assert_rejected(parse(&cfg, "-p", "1", "-t", ",heap", NULL));
	assert_rejected(parse(&cfg, "-p", "1", "-t", "", NULL));
	assert_rejected(parse(&cfg, "-p", "1", "-t", "HEAP", NULL));
}

static void test_interval_count(void **state)
{
	struct lt_config cfg;

	assert_int_equal(parse(&cfg, "-p", "42", "10", NULL), 0);
	assert_true(cfg.interval_s == 10);
	assert_int_equal(cfg.count, 0);

	assert_int_equal(parse(&cfg, "-p", "42", "0.5", "3", NULL), 0);
	assert_true(cfg.interval_s == 0.5);
	assert_int_equal(cfg.count, 3);

	/* options may follow the positionals, as with bcc's tools */
	assert_int_equal(parse(&cfg, "5", "2", "-p", "42", "-f", "json", NULL), 0);
	assert_true(cfg.interval_s == 5);
	assert_int_equal(cfg.count, 2);
	assert_int_equal(cfg.pid, 42);
	assert_int_equal(cfg.format, LT_FMT_JSON);
	assert_null(cfg.argv);
}

static void test_command(void **state)
{
	struct lt_config cfg;

	assert_int_equal(parse(&cfg, "--", "./prog", "arg1", "arg2", NULL), 0);
	assert_int_equal(cfg.pid, 0);
	assert_non_null(cfg.argv);
	assert_string_equal(cfg.argv[0], "./prog");
	assert_string_equal(cfg.argv[1], "arg1");
	assert_string_equal(cfg.argv[2], "arg2");
	assert_null(cfg.argv[3]);

	/* what follows "--" belongs to the command, options included */
	assert_int_equal(parse(&cfg, "-f", "json", "--", "./prog", "-p", "3", "--", "x", NULL), 0);
	assert_int_equal(cfg.pid, 0);
	assert_int_equal(cfg.format, LT_FMT_JSON);
	assert_string_equal(cfg.argv[0], "./prog");
	assert_string_equal(cfg.argv[1], "-p");
	assert_string_equal(cfg.argv[2], "3");
	assert_string_equal(cfg.argv[3], "--");
	assert_string_equal(cfg.argv[4], "x");
	assert_null(cfg.argv[5]);

	/* interval reports in launch mode */
	assert_int_equal(parse(&cfg, "2", "--", "./prog", NULL), 0);
	assert_true(cfg.interval_s == 2);
	assert_string_equal(cfg.argv[0], "./prog");
	assert_null(cfg.argv[1]);
}

static void test_help_and_version(void **state)
{
	struct lt_config cfg;

	assert_int_equal(parse(&cfg, "-V", NULL), 1);
	assert_string_equal(captured_out, "leaktrace " LT_VERSION "\n");
	assert_int_equal(parse(&cfg, "--version", NULL), 1);
	assert_string_equal(captured_out, "leaktrace " LT_VERSION "\n");

	assert_int_equal(parse(&cfg, "-h", NULL), 1);
	assert_string_equal(captured_err, "");
	assert_true(strncmp(captured_out, "Usage: leaktrace", 16) == 0);
	/* the help comes from the option table: every option is in it */
	assert_non_null(strstr(captured_out, "-p, --pid PID"));
	assert_non_null(strstr(captured_out, "-d, --duration SECONDS"));
	assert_non_null(strstr(captured_out, "-f, --format FORMAT"));
	assert_non_null(strstr(captured_out, "-o, --output FILE"));
	assert_non_null(strstr(captured_out, "    --min-age SECONDS"));
	assert_non_null(strstr(captured_out, "-n, --top N"));
	assert_non_null(strstr(captured_out, "-t, --trace LIST"));
	assert_non_null(strstr(captured_out, "    --max-allocs N"));
	assert_non_null(strstr(captured_out, "    --max-stacks N"));
	assert_non_null(strstr(captured_out, "-v, --verbose"));
	assert_non_null(strstr(captured_out, "-h, --help"));
	assert_non_null(strstr(captured_out, "-V, --version"));
	assert_non_null(strstr(captured_out, "INTERVAL [COUNT]"));

	/* help wins even without a target */
	assert_int_equal(parse(&cfg, "--help", NULL), 1);
}

static void test_bad_options(void **state)
{
	struct lt_config cfg;

	assert_rejected(parse(&cfg, "-p", "1", "-x", NULL));
	assert_non_null(strstr(captured_err, "'-x'"));
	assert_rejected(parse(&cfg, "-p", "1", "--bogus", NULL));
	assert_non_null(strstr(captured_err, "'--bogus'"));
	assert_rejected(parse(&cfg, "-p", "1", "--bogus=3", NULL));
	assert_rejected(parse(&cfg, "-p", NULL));
	assert_non_null(strstr(captured_err, "needs an argument"));
	assert_rejected(parse(&cfg, "--pid", NULL));
	assert_non_null(strstr(captured_err, "--pid"));
	assert_rejected(parse(&cfg, "-p", "1", "--min-age", NULL));
	assert_non_null(strstr(captured_err, "--min-age"));
	/* a flag takes no value */
	assert_rejected(parse(&cfg, "-p", "1", "--verbose=2", NULL));
	assert_non_null(strstr(captured_err, "--verbose takes no value"));
	assert_rejected(parse(&cfg, "-p", "1", "--m", "5", NULL));
	assert_non_null(strstr(captured_err, "ambiguous"));
}

static void test_bad_numbers(void **state)
{
	static const char *const cases[][2] = {
		{ "-p", "abc" },
		{ "-p", "0" },
		{ "-p", "12x" },
		{ "-p", "" },
		{ "-p", "99999999999" },
		{ "-p", "1.5" },
		{ "-p", " 5" },
		{ "-d", "-1" },
		{ "-d", "abc" },
		{ "-d", "inf" },
		{ "-d", "nan" },
		{ "-d", "" },
		{ "-d", "5s" },
		{ "-n", "-1" },
		{ "-n", "ten" },
		{ "--min-age", "-0.5" },
		{ "--min-age", "x" },
		{ "--max-allocs", "0" },
		{ "--max-allocs", "4294967296" },
		{ "--max-stacks", "0" },
		{ "--max-stacks", "1k" },
		{ "-f", "xml" },
		{ "-f", "" },
		{ "-o", "" },
		{ "--sample", "0" },
		{ "--sample", "5G" },
		{ "--sample", "4X" },
		{ "--sample", "-1" },
		{ "--sample", "" },
		{ "--sample", "K" },
	};
	struct lt_config cfg;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int ret;

		/* -p first so that only the bad value is wrong; "-p" cases override it */
		ret = parse(&cfg, "-p", "1", cases[i][0], cases[i][1], NULL);
		if (ret != -EINVAL)
			fail_msg("%s '%s' accepted", cases[i][0], cases[i][1]);
		assert_rejected(ret);
	}
	/* -p -5 reads "-5" as the value of -p */
	assert_rejected(parse(&cfg, "-p", "-5", NULL));
}

static void test_sample_sizes(void **state)
{
	static const struct {
		const char *arg;
		unsigned long long bytes;
	} cases[] = {
		{ "1", 1 },	     { "4096", 4096 },	 { "4K", 4096 },       { "4k", 4096 },
		{ "512KB", 524288 }, { "2M", 2u << 20 }, { "4G", 4ull << 30 },
	};
	struct lt_config cfg;

	assert_int_equal(parse(&cfg, "-p", "1", NULL), 0);
	assert_int_equal(cfg.sample_bytes, 0);
	assert_false(cfg.classic_probes);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(parse(&cfg, "-p", "1", "--sample", cases[i].arg, NULL), 0);
		assert_int_equal(cfg.sample_bytes, cases[i].bytes);
	}
	assert_int_equal(parse(&cfg, "-p", "1", "--classic-probes", NULL), 0);
	assert_true(cfg.classic_probes);
}

static void test_bad_target(void **state)
{
	struct lt_config cfg;

	assert_rejected(parse(&cfg, NULL));
	assert_non_null(strstr(captured_err, "nothing to trace"));
	assert_rejected(parse(&cfg, "-v", "-f", "json", NULL));
	assert_rejected(parse(&cfg, "--", NULL));
	assert_rejected(parse(&cfg, "-p", "1", "--", "./prog", NULL));
	assert_non_null(strstr(captured_err, "not both"));
	/* "--" with nothing after it is no command */
	assert_int_equal(parse(&cfg, "-p", "1", "--", NULL), 0);
	assert_null(cfg.argv);
}

static void test_bad_positionals(void **state)
{
	struct lt_config cfg;

	/* interval must be > 0, so "0 5" (a COUNT with no real INTERVAL) is refused */
	assert_rejected(parse(&cfg, "-p", "1", "0", NULL));
	assert_non_null(strstr(captured_err, "interval"));
	assert_rejected(parse(&cfg, "-p", "1", "0", "5", NULL));
	assert_rejected(parse(&cfg, "-p", "1", "-0.5", NULL));
	assert_rejected(parse(&cfg, "-p", "1", "abc", NULL));
	assert_rejected(parse(&cfg, "-p", "1", "inf", NULL));
	assert_rejected(parse(&cfg, "-p", "1", "10", "0", NULL));
	assert_non_null(strstr(captured_err, "count"));
	assert_rejected(parse(&cfg, "-p", "1", "10", "1.5", NULL));
	assert_rejected(parse(&cfg, "-p", "1", "10", "x", NULL));
	assert_rejected(parse(&cfg, "-p", "1", "10", "5", "3", NULL));
	assert_non_null(strstr(captured_err, "'3'"));
	/* a command given without "--" */
	assert_rejected(parse(&cfg, "./prog", NULL));
}

static void test_reusable(void **state)
{
	struct lt_config cfg;

	/* an error in the middle of a cluster leaves getopt half-way through "-xv" */
	assert_rejected(parse(&cfg, "-p", "1", "-xv", NULL));
	assert_int_equal(parse(&cfg, "-p", "2", NULL), 0);
	assert_int_equal(cfg.pid, 2);
	assert_int_equal(cfg.verbose, 0);
	assert_rejected(parse(&cfg, "-p", "1", "-vx", NULL));
	assert_int_equal(parse(&cfg, "-p", "2", NULL), 0);
	assert_int_equal(cfg.verbose, 0);
	assert_int_equal(parse(&cfg, "-p", "3", "-f", "json", "4", NULL), 0);
	assert_int_equal(cfg.pid, 3);
	assert_true(cfg.interval_s == 4);
	/* nothing carries over from the previous call */
	assert_int_equal(parse(&cfg, "-p", "5", NULL), 0);
	assert_int_equal(cfg.format, LT_FMT_TEXT);
	assert_true(cfg.interval_s == 0);
	assert_true(cfg.trace_heap && cfg.trace_mmap && cfg.trace_fd && cfg.trace_sock);
}

/* -f pprof and the --push options: labels checked one by one, nothing without --push. */
static void test_push_options(void **state)
{
	static const char *const bad_labels[] = { "bad key=x", "k=",   "=v",	  "k=v,w",
						  "k=v}",      "1k=v", "k=\"v\"", "k" };
	struct lt_config cfg;
	size_t i;

	assert_int_equal(parse(&cfg, "-p", "1", "-f", "pprof", "--push", "https://p:4040",
			       "--push-name", "svc.api", "--push-label", "env=prod", "--push-label",
			       "region=eu-1", "--push-token-file", "/t", "--push-timeout", "2.5",
			       NULL),
			 0);
	assert_int_equal(cfg.format, LT_FMT_PPROF);
	assert_string_equal(cfg.push_url, "https://p:4040");
	assert_string_equal(cfg.push_name, "svc.api");
	assert_int_equal(cfg.n_push_labels, 2);
	assert_string_equal(cfg.push_labels[1], "region=eu-1");
	assert_string_equal(cfg.push_token_file, "/t");
	assert_true(cfg.push_timeout_s == 2.5);
	assert_int_equal(parse(&cfg, "-p", "1", NULL), 0);
	assert_true(cfg.push_timeout_s == 10 && !cfg.push_url && !cfg.n_push_labels);

	for (i = 0; i < sizeof(bad_labels) / sizeof(bad_labels[0]); i++) {
		assert_rejected(parse(&cfg, "-p", "1", "--push", "http://x", "--push-label",
				      bad_labels[i], NULL));
		assert_non_null(strstr(captured_err, "--push-label"));
	}
	assert_rejected(parse(&cfg, "-p", "1", "--push", "http://x", "--push-name", "a b", NULL));
	assert_rejected(parse(&cfg, "-p", "1", "--push-label", "k=v", NULL));
	assert_non_null(strstr(captured_err, "need --push URL"));
	assert_rejected(parse(&cfg, "-p", "1", "--push", "http://x", "--push-timeout", "0", NULL));
	/* 16 labels at most */
	assert_rejected(parse(
		&cfg, "-p", "1", "--push", "http://x", "--push-label", "k0=v", "--push-label",
		"k1=v", "--push-label", "k2=v", "--push-label", "k3=v", "--push-label", "k4=v",
		"--push-label", "k5=v", "--push-label", "k6=v", "--push-label", "k7=v",
		"--push-label", "k8=v", "--push-label", "k9=v", "--push-label", "k10=v",
		"--push-label", "k11=v", "--push-label", "k12=v", "--push-label", "k13=v",
		"--push-label", "k14=v", "--push-label", "k15=v", "--push-label", "k16=v", NULL));
	assert_non_null(strstr(captured_err, "too many --push-label"));
}

/* The option table says whether an option takes a value: each one that does refuses to go
 * without, each flag refuses one, and the same value lands in the same field long or short. */
static void test_table_arguments(void **state)
{
	static const char *const valued[] = {
		"--pid", "--duration", "--format",     "--output",     "--min-age",
		"--top", "--trace",    "--max-allocs", "--max-stacks", "--sample",
	};
	static const char *const flags[] = {
		"--probe-floor", "--classic-probes", "--no-js-names",
		"--verbose",	 "--help",	     "--version",
	};
	char word[64];
	struct lt_config cfg;
	size_t i;

	for (i = 0; i < sizeof(valued) / sizeof(valued[0]); i++) {
		assert_rejected(parse(&cfg, "-p", "1", valued[i], NULL));
		assert_non_null(strstr(captured_err, "needs an argument"));
		assert_non_null(strstr(captured_err, valued[i]));
	}
	for (i = 0; i < sizeof(flags) / sizeof(flags[0]); i++) {
		snprintf(word, sizeof(word), "%s=1", flags[i]);
		assert_rejected(parse(&cfg, "-p", "1", word, NULL));
		assert_non_null(strstr(captured_err, "takes no value"));
		assert_non_null(strstr(captured_err, flags[i]));
	}
	assert_int_equal(parse(&cfg, "-p", "7", "-n", "3", "-d", "1.5", "-vvv", "--probe-floor",
			       "--classic-probes", "--no-js-names", "--sample", "2K",
			       "--max-allocs", "9", "--max-stacks", "8", "-o", "x", "--min-age",
			       "0.25", NULL),
			 0);
	assert_int_equal(cfg.pid, 7);
	assert_int_equal(cfg.top_n, 3);
	assert_true(cfg.duration_s == 1.5);
	assert_int_equal(cfg.verbose, 3);
	assert_true(cfg.probe_floor && cfg.classic_probes && cfg.no_js_names);
	assert_int_equal(cfg.sample_bytes, 2048);
	assert_int_equal(cfg.max_allocs, 9);
	assert_int_equal(cfg.max_stacks, 8);
	assert_string_equal(cfg.output, "x");
	assert_true(cfg.min_age_s == 0.25);
	/* limits are inclusive and the type's own: UINT32_MAX fits a __u32 field, one more not */
	assert_int_equal(parse(&cfg, "-p", "1", "--max-stacks", "4294967295", NULL), 0);
	assert_int_equal(cfg.max_stacks, 4294967295u);
	assert_rejected(parse(&cfg, "-p", "1", "--max-stacks", "4294967296", NULL));
	assert_int_equal(parse(&cfg, "-p", "1", "--sample", "4G", NULL), 0);
	assert_int_equal(cfg.sample_bytes, 4ull << 30);
	assert_rejected(parse(&cfg, "-p", "1", "--sample", "4097M", NULL));
}

static void test_all_frames(void **state)
{
	struct lt_config cfg;

	assert_int_equal(parse(&cfg, "-p", "1", NULL), 0);
	assert_false(cfg.all_frames);
	assert_int_equal(parse(&cfg, "-p", "1", "--all-frames", NULL), 0);
	assert_true(cfg.all_frames);
	assert_rejected(parse(&cfg, "-p", "1", "--all-frames=1", NULL));
	assert_non_null(strstr(captured_err, "option --all-frames takes no value"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_long_options),
		cmocka_unit_test(test_long_options_with_equals),
		cmocka_unit_test(test_short_options),
		cmocka_unit_test(test_trace_lists),
		cmocka_unit_test(test_interval_count),
		cmocka_unit_test(test_command),
		cmocka_unit_test(test_help_and_version),
		cmocka_unit_test(test_push_options),
		cmocka_unit_test(test_bad_options),
		cmocka_unit_test(test_bad_numbers),
		cmocka_unit_test(test_sample_sizes),
		cmocka_unit_test(test_bad_target),
		cmocka_unit_test(test_bad_positionals),
		cmocka_unit_test(test_reusable),
		cmocka_unit_test(test_table_arguments),
		cmocka_unit_test(test_all_frames),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

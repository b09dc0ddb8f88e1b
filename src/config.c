// SPDX-License-Identifier: GPL-2.0
/* Command-line parsing into struct lt_config. One table of option descriptors drives both
 * getopt_long and --help, and one table names the probe families accepted by -t; the --push
 * and --js-* options are checked in config_push.c and config_js.c. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "config.h"
#include "config_js.h"
#include "config_opt.h"
#include "config_push.h"
#include "leaktrace.h"

#define LT_DEFAULT_TOP_N 10
#define LT_DEFAULT_MAX_ALLOCS 262144
#define LT_DEFAULT_MAX_STACKS 16384

/* Values of long-only options; above any character getopt can return. */
enum {
	OPT_MIN_AGE = 256,
	OPT_MAX_ALLOCS,
	OPT_MAX_STACKS,
	OPT_PROBE_FLOOR,
	OPT_SAMPLE,
	OPT_CLASSIC_PROBES,
	OPT_NO_JS_NAMES,
	OPT_PUSH,
	OPT_PUSH_NAME,
	OPT_PUSH_LABEL,
	OPT_PUSH_TOKEN_FILE,
	OPT_PUSH_BASIC_FILE,
	OPT_PUSH_TIMEOUT,
	OPT_ALL_FRAMES,
	OPT_JS_SAMPLE_INTERVAL,
	OPT_JS_GC_PAUSE_MAX,
	OPT_JS_LISTENERS,
	OPT_NO_AUTO_HEAP,
};

/* What an option stores, and in which type, at its field of struct lt_config. */
enum lt_opt_type {
	LT_OPT_INT,	/* int, a decimal integer in [min, max] */
	LT_OPT_U32,	/* __u32, a decimal integer in [min, max] */
	LT_OPT_SECONDS, /* double, a decimal number of seconds >= min */
	LT_OPT_BYTES,	/* __u64, a byte count with K/M/G suffix in [min, max] */
	LT_OPT_STRING,	/* const char *, not empty */
	LT_OPT_FLAG,	/* bool, set */
	LT_OPT_COUNTER, /* int, incremented each time */
	LT_OPT_CALL,	/* apply() does the rest */
};

/* One row per option (xdp-tools' params.h shape): it drives getopt_long, --help and the
 * value's parsing. An option takes an argument exactly when it names one (arg_name). */
struct lt_opt {
	const char *name;
	int val;
	const char *arg_name;
	const char *help;
	enum lt_opt_type type;
	size_t field; /* offsetof in struct lt_config; not LT_OPT_CALL */
	long long min, max;
	const char *bad; /* the error for a value out of type or range */
	/* LT_OPT_CALL: 0 to go on, 1 to stop successfully (help, version), < 0 on a bad value */
	int (*apply)(struct parse_ctx *ctx, const char *arg);
};

/* A probe family accepted by -t; adding one is one row here plus its field in lt_config. */
struct lt_trace_kind {
	const char *name;
	size_t field; /* offsetof the bool in struct lt_config */
	const char *help;
	bool opt_in; /* not in the default set: only when -t names it */
};

static const struct lt_trace_kind trace_kinds[] = {
	{ "heap", offsetof(struct lt_config, trace_heap), "malloc, calloc, realloc, free, ..." },
	{ "mmap", offsetof(struct lt_config, trace_mmap), "anonymous mmap, munmap, mremap" },
	{ "fd", offsetof(struct lt_config, trace_fd), "file descriptors by opening stack" },
	{ "sock", offsetof(struct lt_config, trace_sock), "sockets by TCP state and peer" },
	{ "gc", offsetof(struct lt_config, trace_gc),
	  "V8 garbage collections and the JS-heap trend (Node.js; off without V8)" },
	{ "jsheap", offsetof(struct lt_config, trace_jsheap),
	  "live JS objects by allocation site, through Node's inspector (opt-in: opens a "
	  "local debugging port while tracing and forces a full GC per read; docs/jsheap.md)",
	  true },
};

static const struct {
	const char *name;
	enum lt_format format;
} formats[] = {
	{ "text", LT_FMT_TEXT },
	{ "folded", LT_FMT_FOLDED },
	{ "json", LT_FMT_JSON },
	{ "pprof", LT_FMT_PPROF },
};

int lt_config__bad(const char *what, const char *arg)
{
	fprintf(stderr, "leaktrace: %s: '%s'\n", what, arg);
	return -EINVAL;
}

/* A decimal number of seconds; strtod alone accepts "", "5x", "inf" and "nan". */
static int parse_seconds(const char *arg, double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(arg, &end);
	if (end == arg || *end || errno || !isfinite(v))
		return -EINVAL;
	*out = v;
	return 0;
}

/* A decimal integer in [min, max]; strtoll alone accepts "", " 5", "5x" and overflows. */
static int parse_int(const char *arg, long long min, long long max, long long *out)
{
	char *end;
	long long v;

	if (!*arg || *arg == ' ' || *arg == '\t' || *arg == '+')
		return -EINVAL;
	errno = 0;
	v = strtoll(arg, &end, 10);
	if (*end || errno || v < min || v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

static int apply_format(struct parse_ctx *ctx, const char *arg)
{
	size_t i;

	for (i = 0; i < sizeof(formats) / sizeof(formats[0]); i++) {
		if (!strcmp(arg, formats[i].name)) {
			ctx->cfg->format = formats[i].format;
			return 0;
		}
	}
	return lt_config__bad("unknown format (text, folded, json, pprof)", arg);
}

/* A byte count with an optional K, M or G suffix (powers of 1024). */
static int parse_bytes(const char *arg, unsigned long long *out)
{
	unsigned long long v, mult = 1;
	char *end;

	if (!*arg || *arg < '0' || *arg > '9')
		return -EINVAL;
	errno = 0;
	v = strtoull(arg, &end, 10);
	if (errno)
		return -EINVAL;
	switch (*end) {
	case 'k':
	case 'K':
		mult = 1ull << 10;
		end++;
		break;
	case 'm':
	case 'M':
		mult = 1ull << 20;
		end++;
		break;
	case 'g':
	case 'G':
		mult = 1ull << 30;
		end++;
		break;
	default:
		break;
	}
	if ((*end == 'b' || *end == 'B') && mult > 1)
		end++;
	if (*end || v > ULLONG_MAX / mult)
		return -EINVAL;
	*out = v * mult;
	return 0;
}

static int apply_trace_word(struct lt_config *cfg, const char *word, size_t len)
{
	size_t i;

	for (i = 0; i < sizeof(trace_kinds) / sizeof(trace_kinds[0]); i++) {
		if (strlen(trace_kinds[i].name) == len &&
		    !strncmp(word, trace_kinds[i].name, len)) {
			*(bool *)((char *)cfg + trace_kinds[i].field) = true;
			return 0;
		}
	}
	fprintf(stderr, "leaktrace: unknown trace kind '%.*s' (accepted:", (int)len, word);
	for (i = 0; i < sizeof(trace_kinds) / sizeof(trace_kinds[0]); i++)
		fprintf(stderr, "%s%s", i ? ", " : " ", trace_kinds[i].name);
	fprintf(stderr, ")\n");
	return -EINVAL;
}

static int apply_trace(struct parse_ctx *ctx, const char *arg)
{
	const char *p = arg, *comma;
	size_t i, len;
	int err;

	if (!ctx->trace_given) {
		for (i = 0; i < sizeof(trace_kinds) / sizeof(trace_kinds[0]); i++)
			*(bool *)((char *)ctx->cfg + trace_kinds[i].field) = false;
		ctx->trace_given = true;
		ctx->cfg->trace_default = false;
	}
	for (;;) {
		comma = strchr(p, ',');
		len = comma ? (size_t)(comma - p) : strlen(p);
		if (!len)
			return lt_config__bad("empty word in trace list", arg);
		err = apply_trace_word(ctx->cfg, p, len);
		if (err)
			return err;
		if (!comma)
			return 0;
		p = comma + 1;
	}
}

static int apply_help(struct parse_ctx *ctx, const char *arg)
{
	lt_config__help(stdout);
	return 1;
}

static int apply_version(struct parse_ctx *ctx, const char *arg)
{
	printf("leaktrace %s\n", LT_VERSION);
	return 1;
}

#define LT_CFG(member) offsetof(struct lt_config, member)

static const struct lt_opt opts[] = {
	{ "pid", 'p', "PID", "trace the running process PID", LT_OPT_INT, LT_CFG(pid), 1, INT_MAX,
	  "bad PID" },
	{ "duration", 'd', "SECONDS",
	  "stop after SECONDS (default: until Ctrl-C or the target exits)", LT_OPT_SECONDS,
	  LT_CFG(duration_s), 0, 0, "bad duration (seconds >= 0)" },
	{ "format", 'f', "FORMAT", "text (default), folded, json or pprof", LT_OPT_CALL,
	  .apply = apply_format },
	{ "output", 'o', "FILE", "write reports to FILE instead of stdout", LT_OPT_STRING,
	  LT_CFG(output), .bad = "empty output file name" },
	{ "min-age", OPT_MIN_AGE, "SECONDS", "report only allocations at least SECONDS old",
	  LT_OPT_SECONDS, LT_CFG(min_age_s), 0, 0, "bad minimum age (seconds >= 0)" },
	{ "top", 'n', "N", "stacks shown per section in text (default 10)", LT_OPT_INT,
	  LT_CFG(top_n), 0, INT_MAX, "bad number of stacks (integer >= 0)" },
	{ "trace", 't', "LIST",
	  "comma list of what to trace (default: all kinds below but the opt-in jsheap)",
	  LT_OPT_CALL, .apply = apply_trace },
	{ "max-allocs", OPT_MAX_ALLOCS, "N",
	  "outstanding allocations tracked at once (default 262144)", LT_OPT_U32,
	  LT_CFG(max_allocs), 1, UINT32_MAX, "bad --max-allocs (integer >= 1)" },
	{ "max-stacks", OPT_MAX_STACKS, "N", "distinct stacks stored (default 16384)", LT_OPT_U32,
	  LT_CFG(max_stacks), 1, UINT32_MAX, "bad --max-stacks (integer >= 1)" },
	{ "probe-floor", OPT_PROBE_FLOOR, NULL,
	  "attach every probe where it would go, with programs that do nothing (to measure "
	  "the cost of the traps alone; reports stay empty)",
	  LT_OPT_FLAG, LT_CFG(probe_floor) },
	{ "sample", OPT_SAMPLE, "BYTES",
	  "record about one allocation per BYTES allocated (K, M, G suffixes) and scale the "
	  "totals: estimates, at a fraction of the cost",
	  LT_OPT_BYTES, LT_CFG(sample_bytes), 1, LT_SAMPLE_MAX,
	  "bad --sample (bytes, 1 to 4G, K/M/G suffixes)" },
	{ "classic-probes", OPT_CLASSIC_PROBES, NULL,
	  "one uprobe and uretprobe per function even where the kernel has uprobe sessions",
	  LT_OPT_FLAG, LT_CFG(classic_probes) },
	{ "no-auto-heap", OPT_NO_AUTO_HEAP, NULL,
	  "without -t in a process with V8: never switch the native heap on (sampled) when "
	  "RSS grows outside the JS heap",
	  LT_OPT_FLAG, LT_CFG(no_auto_heap) },
	{ "no-js-names", OPT_NO_JS_NAMES, NULL,
	  "do not name V8 JS frames from the process (Node.js); a perf map is still read",
	  LT_OPT_FLAG, LT_CFG(no_js_names) },
	{ "push", OPT_PUSH, "URL",
	  "send each report to the Pyroscope server at URL as pprof (POST URL/ingest)",
	  LT_OPT_STRING, LT_CFG(push_url), .bad = "empty --push URL" },
	{ "push-name", OPT_PUSH_NAME, "NAME", "application name pushed (default leaktrace.COMM)",
	  LT_OPT_CALL, .apply = lt_config_push__apply_name },
	{ "push-label", OPT_PUSH_LABEL, "K=V", "a label on every pushed profile (repeatable)",
	  LT_OPT_CALL, .apply = lt_config_push__apply_label },
	{ "push-token-file", OPT_PUSH_TOKEN_FILE, "FILE",
	  "bearer token for --push, read from FILE (or $LEAKTRACE_PUSH_TOKEN)", LT_OPT_STRING,
	  LT_CFG(push_token_file), .bad = "empty --push-token-file" },
	{ "push-basic-auth-file", OPT_PUSH_BASIC_FILE, "FILE",
	  "user:password for --push, read from FILE (or $LEAKTRACE_PUSH_BASIC_AUTH)", LT_OPT_STRING,
	  LT_CFG(push_basic_file), .bad = "empty --push-basic-auth-file" },
	{ "push-timeout", OPT_PUSH_TIMEOUT, "SECONDS",
	  "longest one push attempt may take (default 10; 3 attempts, then dropped)",
	  LT_OPT_SECONDS, LT_CFG(push_timeout_s), 0, 0, "bad --push-timeout (seconds > 0)" },
	{ "all-frames", OPT_ALL_FRAMES, NULL,
	  "text: show every frame (runs of V8, Node and libuv frames are otherwise one line)",
	  LT_OPT_FLAG, LT_CFG(all_frames) },
	{ "verbose", 'v', NULL, "more diagnostics on stderr; repeat for more", LT_OPT_COUNTER,
	  LT_CFG(verbose) },
	{ "js-sample-interval", OPT_JS_SAMPLE_INTERVAL, "BYTES",
	  "-t jsheap: V8 samples one allocation per BYTES (default 512K; 32K is finer and "
	  "costs about 5% of throughput)",
	  LT_OPT_BYTES, LT_CFG(js_sample_interval), 1024, 1ull << 30,
	  "bad --js-sample-interval (bytes, 1K to 1G, K/M/G suffixes)" },
	{ "js-gc-pause-max", OPT_JS_GC_PAUSE_MAX, "MS",
	  "-t jsheap: skip a read whose forced full GC would pause the target longer than MS "
	  "milliseconds, estimated from the live JS heap (default 200)",
	  LT_OPT_INT, LT_CFG(js_gc_pause_max_ms), 1, 600000,
	  "bad --js-gc-pause-max (milliseconds, 1 to 600000)" },
	{ "js-listeners", OPT_JS_LISTENERS, NULL,
	  "-t jsheap: also count EventEmitter listeners by event and .on() call site, through a "
	  "hook installed in the process for the trace and removed after (docs/jsheap.md)",
	  LT_OPT_FLAG, LT_CFG(js_listeners) },
	{ "help", 'h', NULL, "show this help", LT_OPT_CALL, .apply = apply_help },
	{ "version", 'V', NULL, "print the version", LT_OPT_CALL, .apply = apply_version },
};

#define N_OPTS (sizeof(opts) / sizeof(opts[0]))

/* Parse arg as o's type into o's field of the configuration. */
static int apply_opt(struct parse_ctx *ctx, const struct lt_opt *o, const char *arg)
{
	void *field = (char *)ctx->cfg + o->field;
	unsigned long long bytes;
	long long v;
	double sec;

	switch (o->type) {
	case LT_OPT_INT:
	case LT_OPT_U32:
		if (parse_int(arg, o->min, o->max, &v))
			return lt_config__bad(o->bad, arg);
		if (o->type == LT_OPT_INT)
			*(int *)field = (int)v;
		else
			*(__u32 *)field = (__u32)v;
		return 0;
	case LT_OPT_SECONDS:
		if (parse_seconds(arg, &sec) || sec < o->min)
			return lt_config__bad(o->bad, arg);
		*(double *)field = sec;
		return 0;
	case LT_OPT_BYTES:
		if (parse_bytes(arg, &bytes) || bytes < (unsigned long long)o->min ||
		    bytes > (unsigned long long)o->max)
			return lt_config__bad(o->bad, arg);
		*(__u64 *)field = bytes;
		return 0;
	case LT_OPT_STRING:
		if (!*arg)
			return lt_config__bad(o->bad, arg);
		*(const char **)field = arg;
		return 0;
	case LT_OPT_FLAG:
		*(bool *)field = true;
		return 0;
	case LT_OPT_COUNTER:
		(*(int *)field)++;
		return 0;
	case LT_OPT_CALL:
		return o->apply(ctx, arg);
	}
	return -EINVAL;
}

static const struct lt_opt *opt_by_val(int val)
{
	size_t i;

	for (i = 0; i < N_OPTS; i++)
		if (opts[i].val == val)
			return &opts[i];
	return NULL;
}

void lt_config__help(FILE *f)
{
	char left[64];
	size_t i;

	fprintf(f, "Usage: leaktrace [OPTIONS] -p PID [INTERVAL [COUNT]]\n"
		   "       leaktrace [OPTIONS] [INTERVAL [COUNT]] -- COMMAND [ARG...]\n"
		   "\n"
		   "Report memory still allocated by a process, grouped by allocation stack.\n"
		   "With INTERVAL, a report every INTERVAL seconds, COUNT times at most.\n"
		   "\n"
		   "Options:\n");
	for (i = 0; i < N_OPTS; i++) {
		const struct lt_opt *o = &opts[i];

		const char *sep = o->arg_name ? " " : "", *arg = o->arg_name ? o->arg_name : "";

		if (o->val < 256)
			snprintf(left, sizeof(left), "-%c, --%s%s%s", o->val, o->name, sep, arg);
		else
			snprintf(left, sizeof(left), "    --%s%s%s", o->name, sep, arg);
		fprintf(f, "  %-24s %s\n", left, o->help);
	}
	fprintf(f, "\nTrace kinds (-t):\n");
	for (i = 0; i < sizeof(trace_kinds) / sizeof(trace_kinds[0]); i++)
		fprintf(f, "  %-24s %s\n", trace_kinds[i].name, trace_kinds[i].help);
	fprintf(f,
		"  without -t: all of them, but heap when -p names a process with V8 (Node.js)\n");
	fprintf(f, "\nExamples:\n"
		   "  leaktrace -p 1234                  trace until Ctrl-C, then report\n"
		   "  leaktrace -p 1234 10               a report every 10 s\n"
		   "  leaktrace -p 1234 -d 30 -f folded -o heap.folded\n"
		   "  flamegraph.pl --countname=bytes heap.folded > heap.svg\n"
		   "  leaktrace -p 1234 -d 30 -f json -o heap.json\n"
		   "  leaktrace -p 1234 -d 30 -f pprof -o heap.pb.gz   (+ heap.fds.pb.gz)\n"
		   "  leaktrace -p 1234 15 --push http://pyroscope:4040 --push-label env=prod\n"
		   "  leaktrace -- ./prog arg1 arg2      what is still allocated at exit\n");
}

static void set_defaults(struct lt_config *cfg)
{
	size_t i;

	memset(cfg, 0, sizeof(*cfg));
	cfg->format = LT_FMT_TEXT;
	cfg->top_n = LT_DEFAULT_TOP_N;
	cfg->max_allocs = LT_DEFAULT_MAX_ALLOCS;
	cfg->max_stacks = LT_DEFAULT_MAX_STACKS;
	lt_config_push__defaults(cfg);
	for (i = 0; i < sizeof(trace_kinds) / sizeof(trace_kinds[0]); i++)
		*(bool *)((char *)cfg + trace_kinds[i].field) = !trace_kinds[i].opt_in;
	lt_config_js__defaults(cfg);
	cfg->trace_default = true;
}

/* INTERVAL then COUNT, the bcc convention. */
static int apply_positional(struct lt_config *cfg, int nth, const char *arg)
{
	long long count;
	double v;

	if (nth == 0) {
		if (parse_seconds(arg, &v) || v <= 0)
			return lt_config__bad("bad interval (seconds > 0)", arg);
		cfg->interval_s = v;
		return 0;
	}
	if (nth == 1) {
		if (parse_int(arg, 1, LONG_MAX, &count))
			return lt_config__bad("bad count (integer >= 1)", arg);
		cfg->count = (long)count;
		return 0;
	}
	return lt_config__bad("unexpected argument (a command goes after \"--\")", arg);
}

/* getopt_long's '?' (unknown option, or a value given to one that takes none) or ':' (a
 * missing argument), told as one line naming the option; given is the word it stopped at. */
static int getopt_error(int c, const char *given)
{
	const struct lt_opt *o;

	if (c == '?') {
		/* glibc sets optopt for a long option given a value it does not take */
		o = optopt ? opt_by_val(optopt) : NULL;
		if (o && !strncmp(given, "--", 2))
			fprintf(stderr, "leaktrace: option --%s takes no value\n", o->name);
		else if (optopt && optopt < 256)
			fprintf(stderr, "leaktrace: unknown option '-%c' (see --help)\n", optopt);
		else
			fprintf(stderr,
				"leaktrace: unknown or ambiguous option '%s' (see --help)\n",
				given);
		return -EINVAL;
	}
	o = opt_by_val(optopt);
	if (o && o->val < 256)
		fprintf(stderr, "leaktrace: option -%c/--%s needs an argument\n", o->val, o->name);
	else if (o)
		fprintf(stderr, "leaktrace: option --%s needs an argument\n", o->name);
	else
		fprintf(stderr, "leaktrace: option '%s' needs an argument\n", given);
	return -EINVAL;
}

int lt_config__parse(int argc, char **argv, struct lt_config *cfg)
{
	struct option long_opts[N_OPTS + 1];
	/* "-": non-options come back in order as 1, so "--" is the only way the scan ends
	 * early; ":": a missing argument is told apart from an unknown option. */
	char short_opts[3 + 2 * N_OPTS + 1];
	struct parse_ctx ctx = { .cfg = cfg };
	const struct lt_opt *o;
	size_t i, n = 0;
	int c, err, npos = 0;

	set_defaults(cfg);
	short_opts[n++] = '-';
	short_opts[n++] = ':';
	for (i = 0; i < N_OPTS; i++) {
		int has_arg = opts[i].arg_name ? required_argument : no_argument;

		long_opts[i] = (struct option){ opts[i].name, has_arg, NULL, opts[i].val };
		if (opts[i].val < 256) {
			short_opts[n++] = (char)opts[i].val;
			if (has_arg == required_argument)
				short_opts[n++] = ':';
		}
	}
	long_opts[N_OPTS] = (struct option){ 0 };
	short_opts[n] = '\0';

	/* optind = 0 makes glibc reinitialize completely, including a half-scanned "-vv". */
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, short_opts, long_opts, NULL)) != -1) {
		if (c == 1) {
			err = apply_positional(cfg, npos++, optarg);
			if (err)
				return err;
			continue;
		}
		if (c == '?' || c == ':')
			return getopt_error(c, argv[optind - 1]);
		o = opt_by_val(c);
		if (!o)
			return -EINVAL;
		err = apply_opt(&ctx, o, optarg);
		if (err)
			return err;
	}

	/* Only "--" stops the scan before argc: the rest is the command. */
	if (optind < argc)
		cfg->argv = &argv[optind];

	if (cfg->pid && cfg->argv) {
		fprintf(stderr,
			"leaktrace: give either -p PID or a command after \"--\", not both\n");
		return -EINVAL;
	}
	err = lt_config_push__check(cfg);
	if (err)
		return err;
	err = lt_config_js__check(cfg);
	if (err)
		return err;
	if (!cfg->pid && !cfg->argv) {
		fprintf(stderr, "leaktrace: nothing to trace: give -p PID or \"-- COMMAND\" "
				"(see --help)\n");
		return -EINVAL;
	}
	return 0;
}

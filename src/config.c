// SPDX-License-Identifier: GPL-2.0
/* Command-line parsing into struct lt_config. One table of option descriptors drives both
 * getopt_long and --help, and one table names the probe families accepted by -t. */
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
};

/* State of one parse: -t lists accumulate, but the first one replaces the default. */
struct parse_ctx {
	struct lt_config *cfg;
	bool trace_given;
};

struct lt_opt {
	const char *name;
	int val;
	int has_arg;
	const char *arg_name;
	const char *help;
	/* 0 to go on, 1 to stop successfully (help, version), < 0 on a bad value */
	int (*apply)(struct parse_ctx *ctx, const char *arg);
};

/* A probe family accepted by -t; adding one is one row here plus its field in lt_config. */
struct lt_trace_kind {
	const char *name;
	size_t field;  /* offsetof the bool in struct lt_config */
	const char *help;
};

static const struct lt_trace_kind trace_kinds[] = {
	{ "heap", offsetof(struct lt_config, trace_heap), "malloc, calloc, realloc, free, ..." },
	{ "mmap", offsetof(struct lt_config, trace_mmap), "anonymous mmap, munmap, mremap" },
	{ "fd", offsetof(struct lt_config, trace_fd), "file descriptors by opening stack" },
	{ "sock", offsetof(struct lt_config, trace_sock), "sockets by TCP state and peer" },
	{ "gc", offsetof(struct lt_config, trace_gc),
	  "V8 garbage collections and the JS-heap trend (Node.js; off without V8)" },
};

static const struct {
	const char *name;
	enum lt_format format;
} formats[] = {
	{ "text", LT_FMT_TEXT },
	{ "folded", LT_FMT_FOLDED },
	{ "json", LT_FMT_JSON },
};

static int bad(const char *what, const char *arg)
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

static int apply_pid(struct parse_ctx *ctx, const char *arg)
{
	long long v;

	if (parse_int(arg, 1, INT_MAX, &v))
		return bad("bad PID", arg);
	ctx->cfg->pid = (int)v;
	return 0;
}

static int apply_duration(struct parse_ctx *ctx, const char *arg)
{
	double v;

	if (parse_seconds(arg, &v) || v < 0)
		return bad("bad duration (seconds >= 0)", arg);
	ctx->cfg->duration_s = v;
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
	return bad("unknown format (text, folded, json)", arg);
}

static int apply_output(struct parse_ctx *ctx, const char *arg)
{
	if (!*arg)
		return bad("empty output file name", arg);
	ctx->cfg->output = arg;
	return 0;
}

static int apply_min_age(struct parse_ctx *ctx, const char *arg)
{
	double v;

	if (parse_seconds(arg, &v) || v < 0)
		return bad("bad minimum age (seconds >= 0)", arg);
	ctx->cfg->min_age_s = v;
	return 0;
}

static int apply_top(struct parse_ctx *ctx, const char *arg)
{
	long long v;

	if (parse_int(arg, 0, INT_MAX, &v))
		return bad("bad number of stacks (integer >= 0)", arg);
	ctx->cfg->top_n = (int)v;
	return 0;
}

static int apply_verbose(struct parse_ctx *ctx, const char *arg)
{
	ctx->cfg->verbose++;
	return 0;
}

static int apply_max_allocs(struct parse_ctx *ctx, const char *arg)
{
	long long v;

	if (parse_int(arg, 1, UINT32_MAX, &v))
		return bad("bad --max-allocs (integer >= 1)", arg);
	ctx->cfg->max_allocs = (__u32)v;
	return 0;
}

static int apply_max_stacks(struct parse_ctx *ctx, const char *arg)
{
	long long v;

	if (parse_int(arg, 1, UINT32_MAX, &v))
		return bad("bad --max-stacks (integer >= 1)", arg);
	ctx->cfg->max_stacks = (__u32)v;
	return 0;
}

static int apply_probe_floor(struct parse_ctx *ctx, const char *arg)
{
	ctx->cfg->probe_floor = true;
	return 0;
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
	case 'k': case 'K': mult = 1ull << 10; end++; break;
	case 'm': case 'M': mult = 1ull << 20; end++; break;
	case 'g': case 'G': mult = 1ull << 30; end++; break;
	default: break;
	}
	if ((*end == 'b' || *end == 'B') && mult > 1)
		end++;
	if (*end || v > ULLONG_MAX / mult)
		return -EINVAL;
	*out = v * mult;
	return 0;
}

static int apply_sample(struct parse_ctx *ctx, const char *arg)
{
	unsigned long long v;

	if (parse_bytes(arg, &v) || v < 1 || v > LT_SAMPLE_MAX)
		return bad("bad --sample (bytes, 1 to 4G, K/M/G suffixes)", arg);
	ctx->cfg->sample_bytes = v;
	return 0;
}

static int apply_classic_probes(struct parse_ctx *ctx, const char *arg)
{
	ctx->cfg->classic_probes = true;
	return 0;
}

static int apply_no_js_names(struct parse_ctx *ctx, const char *arg)
{
	ctx->cfg->no_js_names = true;
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
	}
	for (;;) {
		comma = strchr(p, ',');
		len = comma ? (size_t)(comma - p) : strlen(p);
		if (!len)
			return bad("empty word in trace list", arg);
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

static const struct lt_opt opts[] = {
	{ "pid", 'p', required_argument, "PID", "trace the running process PID", apply_pid },
	{ "duration", 'd', required_argument, "SECONDS",
	  "stop after SECONDS (default: until Ctrl-C or the target exits)", apply_duration },
	{ "format", 'f', required_argument, "FORMAT", "text (default), folded or json",
	  apply_format },
	{ "output", 'o', required_argument, "FILE", "write reports to FILE instead of stdout",
	  apply_output },
	{ "min-age", OPT_MIN_AGE, required_argument, "SECONDS",
	  "report only allocations at least SECONDS old", apply_min_age },
	{ "top", 'n', required_argument, "N", "stacks shown per section in text (default 10)",
	  apply_top },
	{ "trace", 't', required_argument, "LIST",
	  "comma list of what to trace (default: all kinds below)", apply_trace },
	{ "max-allocs", OPT_MAX_ALLOCS, required_argument, "N",
	  "outstanding allocations tracked at once (default 262144)", apply_max_allocs },
	{ "max-stacks", OPT_MAX_STACKS, required_argument, "N",
	  "distinct stacks stored (default 16384)", apply_max_stacks },
	{ "probe-floor", OPT_PROBE_FLOOR, no_argument, NULL,
	  "attach every probe where it would go, with programs that do nothing (to measure "
	  "the cost of the traps alone; reports stay empty)", apply_probe_floor },
	{ "sample", OPT_SAMPLE, required_argument, "BYTES",
	  "record about one allocation per BYTES allocated (K, M, G suffixes) and scale the "
	  "totals: estimates, at a fraction of the cost", apply_sample },
	{ "classic-probes", OPT_CLASSIC_PROBES, no_argument, NULL,
	  "one uprobe and uretprobe per function even where the kernel has uprobe sessions",
	  apply_classic_probes },
	{ "no-js-names", OPT_NO_JS_NAMES, no_argument, NULL,
	  "do not name V8 JS frames from the process (Node.js); a perf map is still read",
	  apply_no_js_names },
	{ "verbose", 'v', no_argument, NULL, "more diagnostics on stderr; repeat for more",
	  apply_verbose },
	{ "help", 'h', no_argument, NULL, "show this help", apply_help },
	{ "version", 'V', no_argument, NULL, "print the version", apply_version },
};

#define N_OPTS (sizeof(opts) / sizeof(opts[0]))

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
	fprintf(f, "\nExamples:\n"
		   "  leaktrace -p 1234                  trace until Ctrl-C, then report\n"
		   "  leaktrace -p 1234 10               a report every 10 s\n"
		   "  leaktrace -p 1234 -d 30 -f folded -o heap.folded\n"
		   "  flamegraph.pl --countname=bytes heap.folded > heap.svg\n"
		   "  leaktrace -p 1234 -d 30 -f json -o heap.json\n"
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
	for (i = 0; i < sizeof(trace_kinds) / sizeof(trace_kinds[0]); i++)
		*(bool *)((char *)cfg + trace_kinds[i].field) = true;
}

/* INTERVAL then COUNT, the bcc convention. */
static int apply_positional(struct lt_config *cfg, int nth, const char *arg)
{
	long long count;
	double v;

	if (nth == 0) {
		if (parse_seconds(arg, &v) || v <= 0)
			return bad("bad interval (seconds > 0)", arg);
		cfg->interval_s = v;
		return 0;
	}
	if (nth == 1) {
		if (parse_int(arg, 1, LONG_MAX, &count))
			return bad("bad count (integer >= 1)", arg);
		cfg->count = (long)count;
		return 0;
	}
	return bad("unexpected argument (a command goes after \"--\")", arg);
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
		long_opts[i] = (struct option){ opts[i].name, opts[i].has_arg, NULL, opts[i].val };
		if (opts[i].val < 256) {
			short_opts[n++] = (char)opts[i].val;
			if (opts[i].has_arg == required_argument)
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
		if (c == '?') {
			/* glibc sets optopt for a long option given a value it does not take */
			o = optopt ? opt_by_val(optopt) : NULL;
			if (o && !strncmp(argv[optind - 1], "--", 2))
				fprintf(stderr, "leaktrace: option --%s takes no value\n", o->name);
			else if (optopt && optopt < 256)
				fprintf(stderr, "leaktrace: unknown option '-%c' (see --help)\n",
					optopt);
			else
				fprintf(stderr, "leaktrace: unknown or ambiguous option '%s' "
						"(see --help)\n",
					argv[optind - 1]);
			return -EINVAL;
		}
		if (c == ':') {
			o = opt_by_val(optopt);
			if (o && o->val < 256)
				fprintf(stderr, "leaktrace: option -%c/--%s needs an argument\n",
					o->val, o->name);
			else if (o)
				fprintf(stderr, "leaktrace: option --%s needs an argument\n",
					o->name);
			else
				fprintf(stderr, "leaktrace: option '%s' needs an argument\n",
					argv[optind - 1]);
			return -EINVAL;
		}
		o = opt_by_val(c);
		if (!o)
			return -EINVAL;
		err = o->apply(&ctx, optarg);
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
	if (!cfg->pid && !cfg->argv) {
		fprintf(stderr, "leaktrace: nothing to trace: give -p PID or \"-- COMMAND\" "
				"(see --help)\n");
		return -EINVAL;
	}
	return 0;
}

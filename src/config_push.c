// SPDX-License-Identifier: GPL-2.0
/* The --push options' values and checks: Pyroscope's name and label syntax, the label limit,
 * the options that need --push. Their rows are in config.c's table, which drives --help. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "config_push.h"

#define LT_DEFAULT_PUSH_TIMEOUT_S 10

void lt_config_push__defaults(struct lt_config *cfg)
{
	cfg->push_timeout_s = LT_DEFAULT_PUSH_TIMEOUT_S;
}

/* Pyroscope's name{k=v,...} syntax: keys as label names, values without separators. */
static bool push_word(const char *p, size_t n, bool key)
{
	size_t i;

	if (!n || (key && p[0] >= '0' && p[0] <= '9'))
		return false;
	for (i = 0; i < n; i++)
		if (!((p[i] >= 'a' && p[i] <= 'z') || (p[i] >= 'A' && p[i] <= 'Z') ||
		      (p[i] >= '0' && p[i] <= '9') || p[i] == '_' ||
		      (!key && strchr(".-:/", p[i]))))
			return false;
	return true;
}

int lt_config_push__apply_label(struct parse_ctx *ctx, const char *arg)
{
	const char *eq = strchr(arg, '=');

	if (!eq || !push_word(arg, eq - arg, true) || !push_word(eq + 1, strlen(eq + 1), false))
		return lt_config__bad(
			"bad --push-label (key=value: key [A-Za-z_][A-Za-z0-9_]*, value of "
			"letters, digits and _.-:/)",
			arg);
	if (ctx->cfg->n_push_labels == LT_PUSH_MAX_LABELS)
		return lt_config__bad("too many --push-label (16 at most)", arg);
	ctx->cfg->push_labels[ctx->cfg->n_push_labels++] = arg;
	return 0;
}

int lt_config_push__apply_name(struct parse_ctx *ctx, const char *arg)
{
	if (!push_word(arg, strlen(arg), false))
		return lt_config__bad("bad --push-name (letters, digits and _.-:/)", arg);
	ctx->cfg->push_name = arg;
	return 0;
}

int lt_config_push__check(const struct lt_config *cfg)
{
	if (!cfg->push_url && (cfg->push_name || cfg->n_push_labels || cfg->push_token_file ||
			       cfg->push_basic_file)) {
		fprintf(stderr, "leaktrace: --push-name, --push-label and the credentials need "
				"--push URL\n");
		return -EINVAL;
	}
	if (cfg->push_timeout_s <= 0) {
		fprintf(stderr, "leaktrace: bad --push-timeout (seconds > 0)\n");
		return -EINVAL;
	}
	return 0;
}

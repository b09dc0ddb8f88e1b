/* SPDX-License-Identifier: GPL-2.0 */
/* The --push options (Pyroscope): their defaults, the values the table hands over, and the
 * checks made once the whole command line is read. */
#ifndef LT_CONFIG_PUSH_H
#define LT_CONFIG_PUSH_H

#include "config.h"
#include "config_opt.h"

void lt_config_push__defaults(struct lt_config *cfg);
/* --push-label K=V and --push-name: 0, or -EINVAL after a one-line error. */
int lt_config_push__apply_label(struct parse_ctx *ctx, const char *arg);
int lt_config_push__apply_name(struct parse_ctx *ctx, const char *arg);
/* After parsing: the --push-* options need --push, and a positive timeout. */
int lt_config_push__check(const struct lt_config *cfg);

#endif

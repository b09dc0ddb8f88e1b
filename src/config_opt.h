/* SPDX-License-Identifier: GPL-2.0 */
/* What the option table's callbacks share with config.c: the state of one parse and the
 * one-line error for a bad value. Private to the config*.c files. */
#ifndef LT_CONFIG_OPT_H
#define LT_CONFIG_OPT_H

#include <stdbool.h>
#include "config.h"

/* State of one parse: -t lists accumulate, but the first one replaces the default. */
struct parse_ctx {
	struct lt_config *cfg;
	bool trace_given;
};

/* Print "leaktrace: WHAT: 'ARG'" and return -EINVAL. */
int lt_config__bad(const char *what, const char *arg);

#endif

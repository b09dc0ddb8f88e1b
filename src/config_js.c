// SPDX-License-Identifier: GPL-2.0
/* The -t jsheap options' defaults and their checks across options; their rows (and ranges)
 * are in config.c's table, which drives --help. */
#include <errno.h>
#include <stdio.h>
#include "config_js.h"

#define LT_DEFAULT_JS_SAMPLE_INTERVAL (512ull << 10)
#define LT_DEFAULT_JS_GC_PAUSE_MAX_MS 200

void lt_config_js__defaults(struct lt_config *cfg)
{
	cfg->js_sample_interval = LT_DEFAULT_JS_SAMPLE_INTERVAL;
	cfg->js_gc_pause_max_ms = LT_DEFAULT_JS_GC_PAUSE_MAX_MS;
}

int lt_config_js__check(const struct lt_config *cfg)
{
	if (cfg->js_listeners && !cfg->trace_jsheap) {
		fprintf(stderr, "leaktrace: --js-listeners needs -t jsheap\n");
		return -EINVAL;
	}
	return 0;
}

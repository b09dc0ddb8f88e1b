/* SPDX-License-Identifier: GPL-2.0 */
/* The -t jsheap options (--js-*): their defaults and the checks made once the whole command
 * line is read. */
#ifndef LT_CONFIG_JS_H
#define LT_CONFIG_JS_H

#include "config.h"

void lt_config_js__defaults(struct lt_config *cfg);
/* After parsing: --js-listeners needs -t jsheap. 0, or -EINVAL after a one-line error. */
int lt_config_js__check(const struct lt_config *cfg);

#endif

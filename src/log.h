/* SPDX-License-Identifier: GPL-2.0 */
/* Leveled messages on stderr: errors always, info unless quiet, debug with -v, libbpf's
 * own output with -vv. */
#ifndef LT_LOG_H
#define LT_LOG_H

#include <stdio.h>

extern int lt_log_level; /* 0 normal, 1 -v, 2 -vv */

#define lt_err(fmt, ...) fprintf(stderr, "leaktrace: " fmt "\n", ##__VA_ARGS__)
#define lt_warn(fmt, ...) fprintf(stderr, "leaktrace: warning: " fmt "\n", ##__VA_ARGS__)
#define lt_info(fmt, ...) fprintf(stderr, "leaktrace: " fmt "\n", ##__VA_ARGS__)
#define lt_debug(fmt, ...)                                                                         \
	do {                                                                                       \
		if (lt_log_level >= 1)                                                             \
			fprintf(stderr, "leaktrace: " fmt "\n", ##__VA_ARGS__);                    \
	} while (0)

#endif

/* SPDX-License-Identifier: GPL-2.0 */
/* Run jobs each on its own thread and wait for all: detaching a probe waits for the kernel
 * (a grace period, about 0.25 s), and waits that overlap cost one. */
#ifndef LT_SIDE_BY_SIDE_H
#define LT_SIDE_BY_SIDE_H

#include <stddef.h>

struct lt_job {
	void (*fn)(void *arg);
	void *arg;
};

/* A job whose thread cannot be created runs on the caller's thread. */
void lt_side_by_side__run(const struct lt_job *jobs, size_t n);

#endif

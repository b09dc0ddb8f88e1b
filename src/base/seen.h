/* SPDX-License-Identifier: GPL-2.0 */
/* The set of files already examined, by (dev, ino): each module is looked at once. */
#ifndef LT_SEEN_H
#define LT_SEEN_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

struct lt_seen {
	struct lt_seen_file {
		__u64 dev, ino;
	} * v;
	size_t n, cap;
};

bool lt_seen__has(const struct lt_seen *s, __u64 dev, __u64 ino);
/* Add (dev, ino) unless it is there: 1 when added, 0 when already seen, -ENOMEM. */
int lt_seen__add(struct lt_seen *s, __u64 dev, __u64 ino);
void lt_seen__free(struct lt_seen *s);

#endif

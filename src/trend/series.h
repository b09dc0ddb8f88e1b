/* SPDX-License-Identifier: GPL-2.0 */
/* The time series behind the trends: one point per sample (about a second) for every
 * stack of every family, every peer, and the totals, on one shared clock. Memory is bounded
 * whatever the run length: when LT_SERIES_POINTS are held, the older half is thinned to
 * every other point, so old history gets sparser and the latest stays one a second. */
#ifndef LT_SERIES_H
#define LT_SERIES_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

#define LT_SERIES_POINTS 64
#define LT_SERIES_MAX_KEYS (1u << 18) /* series beyond are not kept (counted) */

enum lt_series_kind {
	LT_SERIES_HEAP,	 /* key: stack id; value: outstanding bytes */
	LT_SERIES_MMAP,	 /* key: stack id; bytes mapped */
	LT_SERIES_FD,	 /* key: stack id; descriptors open */
	LT_SERIES_SOCK,	 /* key: lt_series__peer_key(peer); TCP sockets to that peer */
	LT_SERIES_TOTAL, /* key: enum lt_series_total */
	LT_SERIES__MAX,
};

/* Totals: heap, mmap and fd ones are the sums of their stacks' points, kept by add. */
enum lt_series_total {
	LT_TOTAL_HEAP,
	LT_TOTAL_MMAP,
	LT_TOTAL_FDS,
	LT_TOTAL_RSS,	  /* bytes resident, /proc/PID/statm */
	LT_TOTAL_JS_HEAP, /* V8's heap after each isolate's latest GC (v8gc.h), with gc traced */
};

struct lt_series_set;

struct lt_series_set *lt_series_set__new(void);
void lt_series_set__free(struct lt_series_set *s);
/* A new sample at t_s seconds (increasing): every series gets a point, 0 until added to. */
int lt_series_set__begin(struct lt_series_set *s, double t_s);
/* Add value to the latest point of (kind, key): 0, -ENOMEM, or -EINVAL before any begin.
 * A series past LT_SERIES_MAX_KEYS is not kept (0 returned, counted). */
int lt_series_set__add(struct lt_series_set *s, enum lt_series_kind kind, __u64 key, double value);
/* The sample times (seconds), *n of them; the latest sample's time is times[*n - 1]. */
const double *lt_series_set__times(const struct lt_series_set *s, size_t *n);
/* Copy the points of (kind, key) to y (as many as times); false when it has none. */
bool lt_series_set__values(const struct lt_series_set *s, enum lt_series_kind kind, __u64 key,
			   double *y);
/* Series not kept for want of room. */
size_t lt_series_set__dropped(const struct lt_series_set *s);
/* The key of a peer's series ("10.1.2.3:3306"). */
__u64 lt_series__peer_key(const char *peer);

#endif

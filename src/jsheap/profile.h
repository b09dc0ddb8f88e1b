/* SPDX-License-Identifier: GPL-2.0 */
/* V8 sampling heap profiles (HeapProfiler.getSamplingProfile / stopSampling) summed into
 * allocation sites: the innermost frame in a user script (not a builtin, not node:),
 * with its callers; and inclusively per user function and per file, so that functions
 * the JIT inlined into their callers do not scatter the figures (shared/JS-HEAP.md §7.2
 * step 10); and, for the samples below node:net's Socket constructor, per user function
 * that constructed the socket. Successive reads of one window add columns to the same rows. */
#ifndef LT_JSHEAP_PROFILE_H
#define LT_JSHEAP_PROFILE_H

#include <stddef.h>
#include <json-c/json.h>
#include "jsheap_report.h"

struct lt_js_table; /* rows of one kind, found by key */

struct lt_js_profile {
	struct lt_js_table *sites, *functions, *files;
	struct lt_js_table *sockets; /* samples below node:net's Socket, by constructing user
				      * function (the socket suspect's owner) */
	__u64 interval;		     /* the sampling interval: a sample of size s stands for
			 * 1 / (1 - exp(-s / interval)) objects */
	size_t nreads;
};

int lt_js_profile__init(struct lt_js_profile *p, __u64 interval);
/* Add read number p->nreads from the "profile" object of a reply; *samples gets its
 * number of live samples. -EINVAL for a profile without head or samples. */
int lt_js_profile__add_read(struct lt_js_profile *p, struct json_object *profile, size_t *samples);
/* Move the rows out into r (sites, functions, files, sockets), each with its trend over the reads
 * taken at t[0..p->nreads) seconds since the sampler started, sorted by growth. */
int lt_js_profile__finish(struct lt_js_profile *p, const double *t, struct lt_js_heap_report *r);
void lt_js_profile__free(struct lt_js_profile *p);

/* The verdict of one row from its reads (exposed for the unit tests). */
void lt_js_profile__trend(struct lt_js_site *s, const double *t, size_t nreads);

#endif

/* SPDX-License-Identifier: GPL-2.0 */
/* The answer first: what grows, from every section's trends, ranked (docs/trends.md). */
#ifndef LT_SUSPECTS_H
#define LT_SUSPECTS_H

#include "report.h"

/* Fill r->suspects from r's sections, whose trends are set; after every section is built
 * and before symbolization (the suspects' stacks are named with the first ones). */
void lt_suspects__build(struct lt_report *r);
/* Offer one candidate: kept when it ranks among the first LT_REPORT_MAX_SUSPECTS. A new
 * kind of suspect is one function that offers its candidates, in lt_suspect_sources. */
void lt_suspects__offer(struct lt_report *r, const struct lt_suspect *c);
/* "heap", "mmap", "fd", "socket", "js_heap", "js_site" (the JSON kind). */
const char *lt_suspect__kind_name(enum lt_suspect_kind k);
/* "bytes", "descriptors", "sockets". */
const char *lt_suspect__unit(enum lt_suspect_kind k);

#endif

/* SPDX-License-Identifier: GPL-2.0 */
/* A socket suspect joined with the JS heap: which JS function allocated the net.Socket
 * objects that own the growing sockets, where that can be said soundly (docs/jsheap.md). */
#ifndef LT_SUSPECT_JOIN_H
#define LT_SUSPECT_JOIN_H

#include "report.h"

/* Set the owner of every socket suspect of r from r->js_heap's socket rows; after the
 * suspects are built. */
void lt_suspect_join__owners(struct lt_report *r);

#endif

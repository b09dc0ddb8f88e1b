/* SPDX-License-Identifier: GPL-2.0 */
/* A socket suspect joined with the JS heap: which JS function allocated the net.Socket
 * objects that own the growing sockets, where that can be said soundly (docs/jsheap.md). */
#ifndef LT_SUSPECT_JOIN_H
#define LT_SUSPECT_JOIN_H

#include "report.h"

/* Set the owner of every socket suspect of r from r->js_heap's socket rows; after the
 * suspects are built. */
void lt_suspect_join__owners(struct lt_report *r);
/* The owner's state once the stacks are symbolized: a socket whose opening stack holds a JS
 * frame is a V8 target's even when V8 was not traced (-t fd,sock), and gets the -t jsheap
 * hint. What the writers print. */
enum lt_owner_state lt_suspect_join__state(const struct lt_suspect *s);

#endif

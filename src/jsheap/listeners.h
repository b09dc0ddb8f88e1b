/* SPDX-License-Identifier: GPL-2.0 */
/* --js-listeners: a reversible hook on EventEmitter.prototype.on/addListener and
 * prependListener that counts adds per (emitter, event) and samples their call sites
 * (shared/JS-HEAP.md §5). Installed and collected by fixed, reviewed expressions; removed
 * on every exit path: at collection, by the close, when the inspector is left open, and
 * by the dead-man timer if leaktrace dies. */
#ifndef LT_JSHEAP_LISTENERS_H
#define LT_JSHEAP_LISTENERS_H

#include "cdp.h"
#include "jsheap_report.h"

/* The expression that removes the hook (a no-op when it is not installed): part of every
 * close path in inspector.c. */
#define LT_JS_LISTENERS_RESTORE                                                                    \
	"(h=>h&&h.restore())(globalThis[Symbol.for('leaktrace.listeners')]);"

int lt_js_listeners__install(struct lt_cdp *c, char *err, size_t size);
/* Remove the hook and fill r->listeners with the emitters whose listener count grew by at
 * least 100 over window_s seconds, most first. */
int lt_js_listeners__collect(struct lt_cdp *c, double window_s, struct lt_js_heap_report *r,
			     char *err, size_t size);
/* Parse the collection's JSON text into r (exposed for the unit tests). */
int lt_js_listeners__parse(const char *json, double window_s, struct lt_js_heap_report *r);

#endif

/* SPDX-License-Identifier: GPL-2.0 */
/* Go programs: their heap is the Go runtime's own (mmap'ed arenas), never malloc's, so
 * uprobes on malloc see none of it. Found so that the report can say so. */
#ifndef LT_GO_HEAP_H
#define LT_GO_HEAP_H

#include <stdbool.h>

/* Whether the ELF file at path holds a Go runtime: a .go.buildinfo section (kept by
 * `go build` even in stripped binaries) or runtime.* function symbols. */
bool lt_go_heap__in(const char *path);

/* The one line a report and the attach message give. */
#define LT_GO_HEAP_REASON                                                                          \
	"a Go program: the Go heap is managed by the Go runtime, not malloc, and is not "          \
	"traced; what is: cgo's malloc (when a C library is linked), mmap, descriptors"

#endif

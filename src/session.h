/* SPDX-License-Identifier: GPL-2.0 */
/* A tracing session: the target, the loaded BPF object, the probes, the modules seen
 * so far, the mapping tracker and the symbolizer, kept in step as the target changes. */
#ifndef LT_SESSION_H
#define LT_SESSION_H

#include <stdio.h>
#include "config.h"
#include "target.h"

struct lt_session;

/* Start the target (launch mode) or check it (-p), load and attach. */
struct lt_session *lt_session__start(const struct lt_config *cfg);
/* Wait up to timeout_ms for events and handle them. */
int lt_session__poll(struct lt_session *s, int timeout_ms);
bool lt_session__target_exited(struct lt_session *s);
struct lt_target *lt_session__target(struct lt_session *s);
/* Snapshot, symbolize and write one report. */
int lt_session__report(struct lt_session *s, FILE *out, bool final);
/* Each report is also pushed through p (--push; push.h), which the caller keeps. */
struct lt_push;
void lt_session__set_push(struct lt_session *s, struct lt_push *p);
/* Detach everything and free. */
void lt_session__stop(struct lt_session *s);

#endif

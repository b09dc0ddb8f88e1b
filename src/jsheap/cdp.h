/* SPDX-License-Identifier: GPL-2.0 */
/* Chrome DevTools Protocol over the inspector's WebSocket: the target's id from
 * /json/list, then calls and their replies, parsed with json-c. */
#ifndef LT_CDP_H
#define LT_CDP_H

#include <stddef.h>
#include <json-c/json.h>
#include "ws.h"

/* A CDP profile nests about two levels per frame, up to 128 frames (json-c's default
 * depth of 32 fails on real profiles: shared/JS-HEAP.md §7.1). */
#define LT_CDP_JSON_DEPTH 600

struct lt_cdp {
	struct lt_ws ws;
	int next_id;
	unsigned local_port; /* of our connection: told apart from other clients' */
};

/* The id of the first "node" target in a /json/list reply body; -ENOENT if none. */
int lt_cdp__target_id(const char *body, size_t len, char *id, size_t size);
/* Parse text as JSON with the depth above; NULL if it is not. */
struct json_object *lt_cdp__parse(const char *text, size_t len);
/* Connect to the inspector at addr in pid's network namespace and open a session. */
int lt_cdp__open(struct lt_cdp *c, int pid, const char *addr, int timeout_ms);
/* Call method with params (a JSON object text, or NULL); *result (the reply's "result",
 * to json_object_put) on success; -EREMOTEIO when the reply is an error (said in err). */
int lt_cdp__call(struct lt_cdp *c, const char *method, const char *params, int timeout_ms,
		 struct json_object **result, char *err, size_t err_size);
/* Runtime.evaluate of a fixed expression with the command-line API (require in ESM);
 * *result (when not NULL) gets the reply's result object, to json_object_put. */
int lt_cdp__evaluate(struct lt_cdp *c, const char *expr, int timeout_ms,
		     struct json_object **result, char *err, size_t err_size);

#endif

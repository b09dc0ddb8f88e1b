// SPDX-License-Identifier: GPL-2.0
/* The listener hook (listeners.h). The wrapper never throws into the application (its
 * bookkeeping is in a try block), holds emitters only through WeakRefs, and keeps at most
 * LT_HOOK_KEYS (emitter, event) rows. Adds through a reference to .on taken before the
 * hook, and once(), are not seen. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "listeners.h"

#define LT_JS_LISTENERS_MAX 20

static const char lt_install_expr[] =
	"((EE,k)=>{if(globalThis[k])return 'installed';const P=EE.prototype,"
	"orig={on:P.on,addListener:P.addListener,prependListener:P.prependListener};"
	"const ids=new WeakMap(),table=new Map();let next=0;"
	"function wrap(f){const w=function(ev,fn){try{let id=ids.get(this);"
	"if(id===undefined){id=++next;ids.set(this,id);}const key=id+'\\u0000'+String(ev);"
	"let t=table.get(key);if(!t&&table.size<10000){t={emitter:((this.constructor&&"
	"this.constructor.name)||'Object')+'#'+id,event:String(ev),before:this.listenerCount(ev),"
	"adds:0,sites:new Map(),ref:new WeakRef(this)};table.set(key,t);}"
	"if(t){t.adds++;if(t.adds<=20||t.adds%64===0){const o={},l=Error.stackTraceLimit;"
	"Error.stackTraceLimit=2;Error.captureStackTrace(o,w);Error.stackTraceLimit=l;"
	"const s=String(o.stack).split('\\n').slice(1).map(x=>x.trim().replace(/^at /,''))"
	".join(' <- ');t.sites.set(s,(t.sites.get(s)||0)+1);}}}catch(e){}"
	"return f.apply(this,arguments);};return w;}"
	"const on=wrap(orig.on),pre=wrap(orig.prependListener);"
	"const restore=()=>{if(P.on===on)P.on=orig.on;if(P.addListener===on)"
	"P.addListener=orig.addListener;if(P.prependListener===pre)"
	"P.prependListener=orig.prependListener;delete globalThis[k];};"
	"globalThis[k]={table,restore};P.on=on;P.addListener=on;P.prependListener=pre;"
	"return 'ok';})(require('events'),Symbol.for('leaktrace.listeners'))";

static const char lt_collect_expr[] =
	"(k=>{const h=globalThis[k];if(!h)return '[]';h.restore();const out=[];"
	"for(const t of h.table.values()){const e=t.ref.deref();if(!e)continue;"
	"const after=e.listenerCount(t.event);if(after-t.before<100)continue;"
	"let site='',best=0,n=0;for(const[s,c]of t.sites){n+=c;if(c>best){best=c;site=s;}}"
	"out.push({emitter:t.emitter,event:t.event,before:t.before,after,adds:t.adds,site,"
	"sampled:n});}out.sort((a,b)=>(b.after-b.before)-(a.after-a.before));"
	"return JSON.stringify(out.slice(0,20));})(Symbol.for('leaktrace.listeners'))";

int lt_js_listeners__install(struct lt_cdp *c, char *err, size_t size)
{
	return lt_cdp__evaluate(c, lt_install_expr, 5000, NULL, err, size);
}

static char *lt_js_dup(struct json_object *o, const char *k)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, k, &v) || !json_object_is_type(v, json_type_string))
		return strdup("");
	return strdup(json_object_get_string(v));
}

static long lt_js_long(struct json_object *o, const char *k)
{
	struct json_object *v;

	return json_object_object_get_ex(o, k, &v) ? (long)json_object_get_int64(v) : 0;
}

int lt_js_listeners__parse(const char *json, double window_s, struct lt_js_heap_report *r)
{
	struct json_object *arr = lt_cdp__parse(json, strlen(json));
	size_t n;
	int err = 0;

	if (!arr || !json_object_is_type(arr, json_type_array)) {
		json_object_put(arr);
		return -EPROTO;
	}
	n = json_object_array_length(arr);
	if (n > LT_JS_LISTENERS_MAX)
		n = LT_JS_LISTENERS_MAX;
	r->listeners = calloc(n ? n : 1, sizeof(*r->listeners));
	if (!r->listeners) {
		err = -ENOMEM;
		goto cleanup;
	}
	for (size_t i = 0; i < n; i++) {
		struct json_object *o = json_object_array_get_idx(arr, i);
		struct lt_js_listener *l = &r->listeners[r->nlisteners++];

		l->emitter = lt_js_dup(o, "emitter");
		l->event = lt_js_dup(o, "event");
		l->site = lt_js_dup(o, "site");
		l->before = lt_js_long(o, "before");
		l->after = lt_js_long(o, "after");
		l->adds = lt_js_long(o, "adds");
		l->sampled = lt_js_long(o, "sampled");
		l->per_s = window_s > 0 ? (double)(l->after - l->before) / window_s : 0;
		if (!l->emitter || !l->event || !l->site) {
			err = -ENOMEM;
			break;
		}
	}
cleanup:
	json_object_put(arr);
	return err;
}

int lt_js_listeners__collect(struct lt_cdp *c, double window_s, struct lt_js_heap_report *r,
			     char *err, size_t size)
{
	struct json_object *res = NULL, *v;
	int e;

	e = lt_cdp__evaluate(c, lt_collect_expr, 10000, &res, err, size);
	if (!e && json_object_object_get_ex(res, "result", &v) &&
	    json_object_object_get_ex(v, "value", &v) && json_object_is_type(v, json_type_string))
		e = lt_js_listeners__parse(json_object_get_string(v), window_s, r);
	else if (!e)
		e = -EPROTO;
	json_object_put(res);
	return e;
}

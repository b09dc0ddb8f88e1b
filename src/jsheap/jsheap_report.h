/* SPDX-License-Identifier: GPL-2.0 */
/* -t jsheap: what the report shows of the JS heap by allocation site (V8's sampling heap
 * profiler read over Node's inspector) and of the inspector window that got it. */
#ifndef LT_JSHEAP_REPORT_H
#define LT_JSHEAP_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <linux/types.h>
#include "trend.h"

#define LT_JS_SITE_FRAMES 4 /* the site's function and up to three callers */
#define LT_JS_MAX_READS 3

struct lt_js_frame {
	char *symbol; /* "(anonymous)" for a function without a name */
	char *file;   /* the script's url, "" for builtins */
	int line;     /* 1-based: where the function starts (V8 records functions) */
	int column;   /* 1-based */
};

/* One allocation site (the innermost frame in a user script), or a user function or a
 * file with everything allocated below it (inclusive sums). */
struct lt_js_site {
	struct lt_js_frame frames[LT_JS_SITE_FRAMES];
	size_t nframes;
	char *leaf; /* the builtin that allocated ("Map", "repeat"), NULL when the site did */
	double bytes[LT_JS_MAX_READS]; /* V8's scaled estimate of live bytes at each read */
	double count[LT_JS_MAX_READS]; /* live objects, scaled the same way */
	size_t samples[LT_JS_MAX_READS];
	double survivors_first_half; /* share of the last read's survivors from the window's
				      * first half: ~0.5 accumulating, ~0 bounded churn */
	double oldest;		     /* where the oldest survivor lies in the window, 0..1 */
	struct lt_trend trend; /* per_s in bytes, fitted over the reads (0 at the window's start);
				* span_s from the sampler's start to the last read */
};

struct lt_js_read {
	double t_s;	     /* since the sampler started */
	double pause_ms;     /* round trip of the read: V8's forced mark-compact and the reply */
	double live_mib;     /* the live JS heap the budget was checked against */
	bool skipped;	     /* the predicted pause exceeded --js-gc-pause-max */
	double predicted_ms; /* that prediction */
	size_t samples;
};

/* An emitter whose listeners for one event grew (--js-listeners). */
struct lt_js_listener {
	char *emitter; /* "EventEmitter#3": its constructor and the hook's number for it */
	char *event;
	char *site; /* the most frequent sampled call site: "watchConfig (app.js:62:13) <- ..." */
	long before, after; /* listener counts at the first add seen and at collection */
	long adds, sampled; /* adds seen, and how many of them had their site sampled */
	double per_s;	    /* (after - before) over the hook's window */
};

struct lt_js_heap_report {
	bool traced;	    /* the sampler ran and at least one read was taken */
	const char *status; /* why not, or what was left as it was (NULL when nothing) */
	__u64 sampling_interval_bytes;
	struct lt_js_read reads[LT_JS_MAX_READS + 1];
	size_t nreads;
	double inspector_open_s; /* how long the inspector port was open because of us */
	bool opened_by_us;	 /* SIGUSR1 opened it; false: it was open before */
	bool closed;		 /* we closed it, and its port is gone */
	char address[64];	 /* "127.0.0.1:9229" */
	size_t forced_gcs;	 /* full GCs the reads forced */
	double max_pause_ms;
	struct lt_js_site *sites; /* growth first */
	size_t nsites;
	struct lt_js_site *functions; /* inclusive, per user function */
	size_t nfunctions;
	struct lt_js_site *files; /* inclusive, per file (frames[0].file only) */
	size_t nfiles;
	/* live objects allocated below node:net's Socket constructor, per the user function
	 * that constructed the socket (frames[0]; leaf "net.Socket"), growth first */
	struct lt_js_site *sockets;
	size_t nsockets;
	char warning[256];     /* "another inspector client is connected: ..." */
	bool listeners_hooked; /* --js-listeners: the hook was installed (and removed) */
	struct lt_js_listener *listeners;
	size_t nlisteners;
};

void lt_js_site__free(struct lt_js_site *s);
void lt_js_heap_report__free(struct lt_js_heap_report *r);

/* The text section and the JSON member ("js_heap":{...}, with its leading comma). */
void lt_js_heap__write_text(FILE *f, const struct lt_js_heap_report *r, int top_n);
void lt_js_heap__write_json(FILE *f, const struct lt_js_heap_report *r);
/* The one line telling how to see the sites, when the JS heap grows and -t jsheap was
 * not given (issue 12 item 5). */
extern const char lt_js_heap__suggestion[];

#endif

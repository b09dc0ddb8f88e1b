/* SPDX-License-Identifier: GPL-2.0 */
/* From V8 garbage collections to the JS-heap verdict: the log of collections, the
 * least-squares trend of the live heap after each mark-compact, and the summary reports show. */
#ifndef LT_GC_TREND_H
#define LT_GC_TREND_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>
#include "leaktrace.h"

/* The verdict needs this many mark-compacts with a live size... */
#define LT_GC_MIN_MARK_COMPACTS 3
/* ...and calls the heap growing when the fitted line explains this much of the variance
 * (R^2), */
#define LT_GC_GROWING_MIN_R2 0.6
/* and its rise over the span of the points is at least this fraction of their mean
 * live size and at least LT_GC_GROWING_MIN_BYTES (V8's live size after a full GC moves by
 * a few hundred KiB in a steady program: compiled code, feedback, caches). */
#define LT_GC_GROWING_MIN_FRACTION 0.05
#define LT_GC_GROWING_MIN_BYTES (1ull << 20)

struct lt_gc_collection {
	double t_s;	   /* when the GC began, seconds since tracing began */
	double pause_ms;   /* Heap::PerformGarbageCollection, entry to return */
	__u64 live_before; /* bytes (Heap::SizeOfObjects) when has_before */
	__u64 live_after;  /* when has_after */
	__u64 rss;	   /* process resident set when the event was read; 0 unknown */
	__u32 kind;	   /* enum lt_gc_kind; other values are kept as V8 gave them */
	__u32 reason;	   /* V8's GarbageCollectionReason */
	__u32 tid;
	bool has_before, has_after;
};

/* y = intercept + slope * t by least squares. */
struct lt_gc_fit {
	double slope; /* per second */
	double intercept;
	double r2; /* 0 when the points do not vary */
	size_t n;
	bool valid; /* at least two points at two different times */
};

enum lt_gc_verdict {
	LT_GC_VERDICT_UNKNOWN = 0,
	LT_GC_VERDICT_STABLE,
	LT_GC_VERDICT_GROWING,
};

struct lt_gc_report {
	bool traced;			      /* V8 was found and its GC probes attached */
	const char *off_reason;		      /* why not, when !traced */
	const char *module;		      /* the module carrying V8 */
	const char *v8_version;		      /* "" if unknown */
	struct lt_gc_collection *collections; /* the newest ones, oldest first */
	size_t n;
	size_t omitted;			   /* older collections not listed (still in every total) */
	__u64 counts[LT_GC_KIND__MAX + 1]; /* per kind; the last slot counts unknown kinds */
	__u64 total;
	double total_pause_ms, max_pause_ms;
	struct lt_gc_fit live;	    /* live after each mark-compact against time */
	__u32 trend_tid;	    /* the thread (isolate) whose mark-compacts were fitted */
	size_t other_mark_compacts; /* mark-compacts of other isolates (workers), not fitted */
	struct lt_gc_fit rss;	    /* RSS at the same mark-compacts */
	double first_t_s, last_t_s; /* of the mark-compacts in the fit */
	__u64 first_live, last_live, first_rss, last_rss;
	enum lt_gc_verdict verdict;
	char sentence[160]; /* "JS heap growing: +38.0 MiB/min over 12 mark-compacts ..." */
};

/* Least-squares fit of n points; -EINVAL for NULL arguments. */
int lt_gc_trend__fit(const double *t, const double *y, size_t n, struct lt_gc_fit *out);
/* The verdict for a fit of n mark-compacts' live sizes whose times span span_s and whose
 * mean live size is mean (see the thresholds above). */
enum lt_gc_verdict lt_gc_trend__verdict(const struct lt_gc_fit *fit, double span_s, double mean);
const char *lt_gc_trend__verdict_name(enum lt_gc_verdict v);
/* "scavenge", "mark-compact", "minor-mark-compact", or "unknown". */
const char *lt_gc_trend__kind_name(__u32 kind);
/* V8's own words for a GarbageCollectionReason ("allocation failure", "testing", as
 * --trace-gc prints them), or NULL for a value this build does not know. */
const char *lt_gc_trend__reason_name(__u32 reason);

/* Collections in arrival order. keep bounds the list a report shows (the newest ones);
 * counts, pauses and the mark-compact series behind the trend are kept whole. */
struct lt_gc_log;
struct lt_gc_log *lt_gc_log__new(size_t keep);
int lt_gc_log__add(struct lt_gc_log *l, const struct lt_gc_collection *c);
/* Fill out's collections, totals, fits, verdict and sentence (not traced, off_reason,
 * module, v8_version). Each isolate (worker) has its own heap and collects on its own
 * thread: the trend is that of main_tid's mark-compacts (Node's main isolate runs on the
 * process's main thread), or of the thread with the most of them if main_tid has none.
 * Free with lt_gc_report__free. */
int lt_gc_log__summarize(const struct lt_gc_log *l, __u32 main_tid, struct lt_gc_report *out);
void lt_gc_log__free(struct lt_gc_log *l);
void lt_gc_report__free(struct lt_gc_report *r);

#endif

/* SPDX-License-Identifier: GPL-2.0 */
/* From V8 garbage collections to the JS-heap verdict: the log of collections, the
 * least-squares trend of the live heap's lower envelope (the lowest size after any GC in
 * each stretch between two mark-compacts), and the summary reports show. */
#ifndef LT_GC_TREND_H
#define LT_GC_TREND_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>
#include "leaktrace.h"

/* The size after any GC bounds the live heap from above (a GC frees only garbage); after
 * a mark-compact it is the live heap. The verdict fits a line to the lowest size of each
 * stretch between a thread's mark-compacts (docs/node.md), and needs this many points,
 * at least one of them opened by a mark-compact... */
#define LT_GC_MIN_POINTS 2
/* ...and calls the heap growing when the fitted line explains this much of the variance
 * (R^2), */
#define LT_GC_GROWING_MIN_R2 0.6
/* and its rise over the span of the points is at least this fraction of their mean
 * live size and at least LT_GC_GROWING_MIN_BYTES (V8's live size after a full GC moves by
 * a few hundred KiB in a steady program: compiled code, feedback, caches). */
#define LT_GC_GROWING_MIN_FRACTION 0.05
#define LT_GC_GROWING_MIN_BYTES (1ull << 20)
/* Without any mark-compact, the heap after this many GCs over this long that stayed
 * within that same floor is stable: the old generation only grows between mark-compacts,
 * so a leak would have raised it. */
#define LT_GC_FLAT_MIN_GCS 3
#define LT_GC_FLAT_MIN_SPAN_S 10.0

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
	/* the live heap against time (bytes/s): the line through the lower envelope */
	struct lt_gc_fit live;
	__u32 trend_tid;	    /* the thread (isolate) whose collections were fitted */
	size_t other_mark_compacts; /* mark-compacts of other isolates (workers), not fitted */
	struct lt_gc_fit rss;	    /* RSS at trend_tid's mark-compacts */
	double first_t_s, last_t_s; /* of trend_tid's mark-compacts with a live size */
	__u64 first_live, last_live, first_rss, last_rss;
	enum lt_gc_verdict verdict;
	char sentence[160]; /* "JS heap growing: +38.0 MiB/min over 12.0 s, 12 mark-compacts..." */
	size_t mark_compacts; /* trend_tid's mark-compacts with a live size */
	size_t other_gcs;     /* trend_tid's other collections with a live size */
	double span_s;	      /* from the first point of the envelope to its last */
	double env_first_t_s; /* the envelope's first and last points */
	__u64 env_first, env_last;
	/* without mark-compacts: the range of the sizes after trend_tid's GCs */
	__u64 low_size, high_size;
};

/* Least-squares fit of n points; -EINVAL for NULL arguments. */
int lt_gc_trend__fit(const double *t, const double *y, size_t n, struct lt_gc_fit *out);
/* The verdict for a fit of the envelope's n points whose times span span_s and whose mean
 * size is mean (see the thresholds above). */
enum lt_gc_verdict lt_gc_trend__verdict(const struct lt_gc_fit *fit, double span_s, double mean);
const char *lt_gc_trend__verdict_name(enum lt_gc_verdict v);
/* "scavenge", "mark-compact", "minor-mark-compact", or "unknown". */
const char *lt_gc_trend__kind_name(__u32 kind);
/* V8's own words for a GarbageCollectionReason ("allocation failure", "testing", as
 * --trace-gc prints them), or NULL for a value this build does not know. */
const char *lt_gc_trend__reason_name(__u32 reason);

/* Collections in arrival order. keep bounds the list a report shows (the newest ones);
 * counts, pauses, the mark-compacts and one point per stretch between two of them (the
 * series behind the trend) are kept whole: memory grows with mark-compacts only. */
struct lt_gc_log;
struct lt_gc_log *lt_gc_log__new(size_t keep);
int lt_gc_log__add(struct lt_gc_log *l, const struct lt_gc_collection *c);
/* Fill out's collections, totals, fits, verdict and sentence (not traced, off_reason,
 * module, v8_version). Each isolate (worker) has its own heap and collects on its own
 * thread: the trend is that of main_tid's collections (Node's main isolate runs on the
 * process's main thread), or of the thread with the most mark-compacts if main_tid has
 * none of either.
 * Free with lt_gc_report__free. */
int lt_gc_log__summarize(const struct lt_gc_log *l, __u32 main_tid, struct lt_gc_report *out);
void lt_gc_log__free(struct lt_gc_log *l);
void lt_gc_report__free(struct lt_gc_report *r);

#endif

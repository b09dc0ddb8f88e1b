/* SPDX-License-Identifier: GPL-2.0 */
/* The report model: what a snapshot aggregates into and every output format writes. */
#ifndef LT_REPORT_H
#define LT_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>
#include "leaktrace.h"
#include "symbolize.h"
#include "trend.h"

struct lt_gc_report;
struct lt_js_heap_report;
struct lt_js_site;

struct lt_report_stack {
	__u64 stack_id;
	__s64 bytes;
	__s64 count;
	double oldest_age_s; /* age of the oldest outstanding allocation; < 0 if unknown */
	__u32 flags;	     /* LT_STACK_* */
	__u32 nframes;
	__u64 ips[LT_MAX_FRAMES]; /* leaf first: ips[0] is the allocator's caller */
	struct lt_sym *frames;	  /* nframes entries once symbolized, else NULL; malloc'ed and
				    * freed by lt_report_section__free (not the strings in it) */
	struct lt_trend trend;	  /* of the stack's series up to this report (trend.h) */
};

struct lt_report_section {
	__s64 bytes; /* totals over all stacks of the section */
	__s64 count;
	struct lt_report_stack *stacks; /* sorted by bytes, largest first */
	size_t n;
};

/* What an outstanding descriptor is, from /proc/PID/fd, fdinfo and net. */
enum lt_fd_kind {
	LT_FDK_UNKNOWN = 0,
	LT_FDK_FILE,
	LT_FDK_DIR,
	LT_FDK_SOCKET,
	LT_FDK_PIPE,
	LT_FDK_FIFO,
	LT_FDK_CHAR,
	LT_FDK_BLOCK,
	LT_FDK_EVENTFD,
	LT_FDK_EPOLL,
	LT_FDK_TIMERFD,
	LT_FDK_SIGNALFD,
	LT_FDK_INOTIFY,
	LT_FDK_MEMFD,
	LT_FDK_PIDFD,
	LT_FDK_ANON, /* another anonymous inode (bpf-map, userfaultfd, ...) */
	LT_FDK__MAX,
};

#define LT_FD_TEXT_MAX 256
#define LT_FD_ADDR_MAX 64
struct lt_fd_desc {
	enum lt_fd_kind kind;
	char path[LT_FD_TEXT_MAX]; /* readlink of /proc/PID/fd/N ("/etc/hosts", "pipe:[12]") */
	__u64 ino;		   /* of the open file (socket: its inode in sockfs) */
	/* sockets, from /proc/PID/net/{tcp,tcp6,udp,udp6,unix} */
	char proto[8];		    /* "tcp", "tcp6", "udp", "udp6", "unix"; "" unknown */
	char local[LT_FD_ADDR_MAX]; /* "127.0.0.1:40000", "[::1]:80", unix path */
	char peer[LT_FD_ADDR_MAX];  /* "" when not connected */
	int tcp_state;		    /* 1 ESTABLISHED .. 12; 0 unknown or not TCP */
};

/* Stable names: "file", "socket", ...; TCP states "ESTABLISHED", "CLOSE_WAIT", ... */
const char *lt_fd_kind__name(enum lt_fd_kind kind);
const char *lt_tcp_state__name(int state);
#define LT_TCP_NSTATES 13

#define LT_FD_EXAMPLES 3
struct lt_report_fd_extra {
	const char *kind; /* kind name of the stack's descriptors, or "mixed" */
	char examples[LT_FD_EXAMPLES][LT_FD_TEXT_MAX]; /* distinct paths or peers */
	size_t nexamples;
	__s64 opened, closed; /* births and deaths since the previous report */
};

struct lt_report_fd_item {
	int fd;
	struct lt_fd_desc desc;
};

struct lt_report_fds {
	bool traced;
	struct lt_report_section sec;	  /* outstanding descriptors opened while tracing, by
					* stack, most first; `count` per stack, bytes 0 */
	struct lt_report_fd_extra *extra; /* sec.n entries, parallel to sec.stacks */
	struct lt_report_fd_item *pre;	  /* open at attach and still open */
	size_t npre, pre_cap;
	__s64 opened, closed; /* since the previous report, every stack */
};

struct lt_report_peer {
	char peer[LT_FD_ADDR_MAX];
	__s64 count;
	__s64 states[LT_TCP_NSTATES]; /* by TCP state */
	__s64 established_change;     /* ESTABLISHED now minus at the previous report */
	struct lt_trend trend;	      /* of its TCP sockets' count (trend.h) */
};

/* Sockets in CLOSE_WAIT grouped by opening stack and peer. */
struct lt_report_close_wait {
	size_t fd_stack; /* index in fds.sec.stacks; (size_t)-1 without stack */
	char peer[LT_FD_ADDR_MAX];
	__s64 count;
	double oldest_s; /* longest time one has been in CLOSE_WAIT */
};

struct lt_report_socks {
	bool traced;
	struct lt_report_peer *by_peer; /* TCP sockets by peer, most first */
	size_t n, by_peer_cap;
	__s64 close_wait;
	struct lt_report_close_wait *cw; /* most first */
	size_t ncw, cw_cap;
};

#define LT_REPORT_MAX_NOT_LOADED 8

/* What grows, most suspect first (suspects.c builds it; docs/trends.md ranks it). */
enum lt_suspect_kind {
	LT_SUSPECT_HEAP,
	LT_SUSPECT_MMAP,
	LT_SUSPECT_FD,
	LT_SUSPECT_SOCKET,
	LT_SUSPECT_JS_HEAP,
	LT_SUSPECT_JS_SITE,
	LT_SUSPECT_JS_LISTENER,
	LT_SUSPECT__MAX,
};

/* A socket suspect's owner: the JS function that allocated the sockets' net.Socket
 * objects, joined from -t jsheap where that is sound (suspect_join.c, docs/jsheap.md). */
enum lt_owner_state {
	LT_OWNER_NONE = 0,   /* not a socket of a V8 target: its opening stack is the answer */
	LT_OWNER_JOINED,     /* sites[0] allocated them */
	LT_OWNER_SEVERAL,    /* sites[0..n) all allocate growing sockets: cannot pick */
	LT_OWNER_PEERS,	     /* sockets to several peers grow; V8's profile has no peers */
	LT_OWNER_UNSAMPLED,  /* -t jsheap traced, no growing net.Socket allocation sampled */
	LT_OWNER_NOT_TRACED, /* -t jsheap not given, or it did not trace */
};
#define LT_OWNER_MAX_SITES 3
struct lt_suspect_owner {
	enum lt_owner_state state;
	const struct lt_js_site *sites[LT_OWNER_MAX_SITES]; /* growing, fastest first */
	size_t nsites;					    /* all growing (may exceed the array) */
	size_t npeers;					    /* LT_OWNER_PEERS: growing TCP peers */
	__u64 interval;	    /* -t jsheap's sampling interval, bytes */
	const char *status; /* LT_OWNER_NOT_TRACED: why -t jsheap did not trace, or NULL */
};

struct lt_suspect {
	enum lt_suspect_kind kind;
	struct lt_trend trend;		       /* per_s in the kind's unit (lt_suspect__unit) */
	struct lt_report_stack *stack;	       /* heap, mmap, fd: the growing stack; else NULL */
	const struct lt_report_peer *peer;     /* socket: the peer whose sockets grow */
	const struct lt_js_site *site;	       /* js_site: the growing JS allocation site */
	const struct lt_js_listener *listener; /* js_listener: the emitter and event */
	double score;			       /* the ranking's (docs/trends.md) */
	struct lt_suspect_owner owner;	       /* socket (suspect_join.c) */
	const char *hint; /* how to see more, or NULL (js_heap without -t jsheap) */
};

#define LT_REPORT_MAX_SUSPECTS 5

/* RSS growth and where it goes, each a least-squares rate over the same samples. */
struct lt_report_rss {
	bool valid; /* RSS was sampled over a span a trend can be fitted to */
	bool js;    /* V8 traced: js_heap_per_s is known */
	double span_s;
	double rss_per_s, js_heap_per_s, native_heap_per_s, mmap_per_s, other_per_s;
};

/* What the tracer itself costs (report/tracer.c): CPU, resident memory, BPF maps. */
struct lt_report_tracer {
	bool known;	     /* filled: false in reports built by tests and tools */
	double attach_cpu_s; /* CPU of the tracer process until it was attached */
	double cpu_s;	     /* CPU since then (the attach not included) */
	__u64 rss_bytes, rss_peak_bytes;
	__u64 bpf_map_bytes; /* kernel memory of the BPF maps (their memlock) */
};

struct lt_report {
	int pid;
	const char *comm;  /* target command name, may be NULL */
	double duration_s; /* since attach */
	bool final;	   /* last report of the run */
	bool target_exited;
	double min_age_s;
	__u64 sample_bytes; /* --sample rate; heap figures are estimates when non-zero */
	struct lt_report_section heap;
	struct lt_report_section mmap;
	__u64 lost[LT_LOSS__MAX];
	struct lt_report_fds fds;
	struct lt_report_socks socks;
	bool memory_traced;	       /* heap or mmap traced: folded output is in bytes */
	const struct lt_gc_report *gc; /* V8 garbage collections (gc_trend.h); NULL: no section */
	const struct lt_js_heap_report *js_heap; /* -t jsheap (jsheap_report.h); NULL: not asked */
	/* families asked for whose programs this kernel refused, or left off by default */
	struct {
		const char *family; /* the -t word(s) */
		const char *reason;
	} not_loaded[LT_REPORT_MAX_NOT_LOADED];
	size_t n_not_loaded;
	/* heap and mmap sections not traced (-t left them out, or the heap is out of
	 * reach: heap_off_reason says why, or NULL); false, the default: traced */
	bool heap_not_traced, mmap_not_traced;
	const char *heap_off_reason;
	/* The native heap a V8 target's default left off (mem/heap_auto.c): state "armed"
	 * (switches itself on, sampled, on growth outside the JS heap), "on" (since on_s, for
	 * the growth given), "never" (--no-auto-heap) or "failed"; NULL when the heap was
	 * not left off. */
	struct {
		const char *state;
		__u64 sample_bytes;
		double on_s, outside_per_s, js_per_s, span_s;
	} heap_auto;
	/* The target exec'd while traced (a launched command's own first exec not counted):
	 * what the old image held is forgotten; the report is the new image's. */
	unsigned n_execs;
	double exec_s;	       /* seconds into the trace of the last exec */
	const char *exec_from; /* the command name before it */
	/* live child processes of the target: not traced; -1 unknown */
	int n_children;
	struct lt_suspect suspects[LT_REPORT_MAX_SUSPECTS];
	size_t n_suspects;
	double looked_s; /* the span the trends cover (the "nothing grows" line) */
	struct lt_report_rss rss;
	struct lt_report_tracer tracer;
};

/* Stable names of loss reasons, used as JSON keys and in text. */
const char *lt_loss__name(enum lt_loss loss);

/* Frees the stacks and their frames arrays, and zeroes s. */
void lt_report_section__free(struct lt_report_section *s);

/* Under --sample rate, what one recorded allocation of size bytes stands for: it was
 * recorded with probability p = min(1, size / rate) (always at LT_SAMPLE_ALWAYS bytes or
 * more), so it counts 1/p allocations and size/p bytes. rate 0: exact, weight 1. */
void lt_sample__weight(__u64 size, __u64 rate, __s64 *bytes, double *count);

/* Frees the descriptor and socket parts of a report and zeroes them. */
void lt_report_fds__free(struct lt_report_fds *f);
void lt_report_socks__free(struct lt_report_socks *s);

/* Say in r that family is not traced, and why; nothing when why is NULL (it is traced) or
 * the list is full (LT_REPORT_MAX_NOT_LOADED). */
void lt_report__not_loaded(struct lt_report *r, const char *family, const char *why);
/* Growth in bytes per second of what is still outstanding (0 under a second traced). */
double lt_report__rate(const struct lt_report *r, __s64 bytes);

#endif

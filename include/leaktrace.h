/* SPDX-License-Identifier: GPL-2.0 */
/* The ABI shared by the BPF programs and the userspace loader: map values, events,
 * loss reasons, unwind tables. Fixed-width types only; this header is included by both sides. */
#ifndef LEAKTRACE_H
#define LEAKTRACE_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

#define LT_MAX_FRAMES 128      /* frames kept per stack (a power of two): 127 and a mark */
#define LT_MAX_NEST 4	       /* allocator calls tracked nested in one thread */
#define LT_MAX_CFI_MODULES 32  /* modules with an unwind table */
#define LT_CFI_SEARCH_STEPS 22 /* binary search steps: 2^22 rows at most */

/* Why an event or a part of it was lost; counted per reason in the `losses` map. */
enum lt_loss {
	LT_LOSS_ALLOC_MAP_FULL = 0, /* allocation not recorded: allocs map full */
	LT_LOSS_STACK_MAP_FULL, /* stack not stored: stacks map full (alloc kept as unknown stack) */
	/* Unwinding stopped before the outermost frame, by the kind of frame it stopped at: */
	LT_LOSS_STACK_UNWIND_CFI_READ,	/* a frame with a CFI row: its saved rbp or return
					 * address was not readable */
	LT_LOSS_STACK_UNWIND_NATIVE_FP, /* native code without a CFI row: its frame pointer was
					 * misaligned, below sp, or its words unreadable */
	LT_LOSS_STACK_UNWIND_V8_FP,	/* V8 code (JS, builtins, stubs): the same for its frame
					 * pointer */
	LT_LOSS_STACK_TRUNCATED,	/* stack deeper than LT_MAX_FRAMES */
	LT_LOSS_RET_MISSED,		/* a return probe never fired (longjmp, uretprobe limit) */
	LT_LOSS_UNKNOWN_FREE,		/* free of a block allocated before attach (never seen) */
	LT_LOSS_NEST_TOO_DEEP,		/* allocator calls nested deeper than LT_MAX_NEST */
	LT_LOSS_TOTALS_MAP_FULL,	/* per-stack totals map full */
	LT_LOSS_RINGBUF_FULL,		/* event dropped: ring buffer full */
	LT_LOSS_THREAD_MAP_FULL,  /* per-thread state not kept: no memory, or fd_pending full */
	LT_LOSS_FD_CLOSE_MISSED,  /* a descriptor vanished without a close event (userspace) */
	LT_LOSS_SOCK_MAP_FULL,	  /* a TCP socket's state not followed: fd_socks map full */
	LT_LOSS_JS_FRAME_UNNAMED, /* a V8 JS frame could not be named: kept as its address */
	LT_LOSS_JS_NAME_MAP_FULL, /* a JS frame's name not stored: js_names full (address kept) */
	LT_LOSS_GC_RINGBUF_FULL,  /* a V8 GC event dropped: its ring buffer was full */
	LT_LOSS_GC_RET_MISSED,	  /* a V8 GC entry whose return probe never fired */
	LT_LOSS_FD_PAIR_UNREAD,	  /* pipe/socketpair result not readable at exit: no open events */
	LT_LOSS_THREAD_EXIT_FREE, /* free of a block never seen allocated, once its thread began
				   * exiting: glibc's thread cache flush (docs/allocators.md) */
	LT_LOSS_CHILD_UNTRACED,	  /* the target forked a child process: the child is not traced */
	LT_LOSS_PUSH_FAILED,	  /* a profile not pushed (--push): server failing, slow or away */
	LT_LOSS__MAX,
};

/* Allocator entry points; the probe table and the BPF programs agree on these ids. */
enum lt_alloc_fn {
	LT_FN_MALLOC = 0,
	LT_FN_CALLOC,
	LT_FN_REALLOC,
	LT_FN_REALLOCARRAY,
	LT_FN_POSIX_MEMALIGN,
	LT_FN_ALIGNED_ALLOC, /* also memalign: same signature (align, size) */
	LT_FN_VALLOC,
	LT_FN_PVALLOC,
	LT_FN_FREE,
	LT_FN_XALLOCX,	   /* jemalloc's in-place resize: (ptr, size, extra, flags) -> real size */
	LT_FN_THREAD_EXIT, /* glibc's __call_tls_dtors: the thread (or process) is exiting */
	LT_FN__MAX,
};

/* The uprobe cookie of an allocator probe: how far into the function the probe sits
 * (entry rsp = rsp + sp_adjust) and, for the session program that serves every
 * allocator function of a module from one link, which function it is. */
#define LT_COOKIE(fn, sp_adjust) (((__u64)(fn) << 16) | ((sp_adjust)&0xffff))
#define LT_COOKIE_SP_ADJUST(c) ((__u32)((c)&0xffff))
#define LT_COOKIE_FN(c) ((__u32)(((c) >> 16) & 0xff))

/* Sampling (--sample R): an allocation of s bytes is recorded when a uniform 32-bit
 * random number r satisfies r * R < s << 32, i.e. with probability min(1, s / R); a
 * recorded one then stands for R / s allocations and R bytes (unbiased). Allocations of
 * LT_SAMPLE_ALWAYS bytes or more are always recorded: glibc serves them with mmap, and
 * an unrecorded one would be seen by the mmap tracepoints outside any allocator call. */
#define LT_SAMPLE_MAX (1ull << 32)
#define LT_SAMPLE_ALWAYS (64 * 1024)

/* An outstanding block. */
struct lt_alloc {
	__u64 size;
	__u64 ts_ns;	/* bpf_ktime_get_ns() at allocation */
	__u64 stack_id; /* key into `stacks`; 0 = stack unknown */
};

/* The `allocs` table (bpf/alloc_table.bpf.h): an open-addressing hash table of buckets
 * in an array map, so that recording and forgetting a block take no lock and allocate
 * nothing. A block lives in its home bucket (a hash of its address) or, when that was
 * full, in one of the LT_ALLOC_PROBE - 1 buckets after it; `spilled` marks a bucket
 * that was found full, so that a search goes on past it. */
#define LT_ALLOC_SLOTS 7
#define LT_ALLOC_PROBE 4
#define LT_ALLOC_BUSY 1ull /* addr[] bit 0: the slot is being written */
struct lt_alloc_bucket {
	__u64 spilled;
	__u64 addr[LT_ALLOC_SLOTS]; /* 0 = free slot */
	struct lt_alloc blocks[LT_ALLOC_SLOTS];
	__u64 pad[3]; /* 256 bytes: the addresses share one cache line */
};

/* Value of the `stacks` map, keyed by a 64-bit hash of the frames. ips[0] is the
 * allocator's caller (the return address of the allocator call), then outward. */
#define LT_STACK_TRUNCATED (1u << 0)
#define LT_STACK_UNWIND_ERR (1u << 1)
struct lt_stack {
	__u32 nr;
	__u32 flags;
	__u64 ips[LT_MAX_FRAMES];
};

/* Value of the `heap_totals` map, keyed by stack id: outstanding heap per stack. */
struct lt_totals {
	__s64 bytes;
	__s64 count;
};

/* One row of a module's unwind table (from .eh_frame/.debug_frame), valid from `pc`
 * (an ELF virtual address of the module, truncated to 32 bits) to the next row. */
enum lt_cfa_reg {
	LT_CFA_NONE = 0, /* no rule here: stop unwinding (or fall back to frame pointers) */
	LT_CFA_RSP = 1,	 /* CFA = rsp + cfa_off */
	LT_CFA_RBP = 2,	 /* CFA = rbp + cfa_off */
	LT_CFA_PLT = 3,	 /* PLT stub: CFA = rsp + 8, +8 more when (pc & 15) >= 11 */
	LT_CFA_END = 4,	 /* outermost frame (undefined return address): the stack ends here */
};
struct lt_cfi_row {
	__u32 pc;
	__s16 cfa_off;
	__u8 cfa_reg;  /* enum lt_cfa_reg */
	__s8 rbp_off8; /* caller's rbp saved at CFA + 8 * rbp_off8; 0 = rbp unchanged */
};

/* A mapped module that has rows in the `cfi_rows` map. The walker finds the module
 * whose [start, end) holds the pc, then searches rows [first, first + count) for
 * pc - bias: only between two entries of the module's slice index when it has one. */
struct lt_cfi_module {
	__u64 start; /* runtime address range of the executable mapping */
	__u64 end;
	__u64 bias; /* runtime address = ELF vaddr + bias */
	__u32 first;
	__u32 count;
	__u32 idx_first; /* its slices in `cfi_index`: [idx_first, idx_first + idx_count) */
	__u32 idx_count; /* 0: no index, search all rows */
	__u32 idx_base;	 /* ELF vaddr where slice 0 starts (the first row's pc) */
	__u32 idx_shift; /* slice k: [idx_base + (k << idx_shift), + (1 << idx_shift)) */
};

/* Value of the `cfi_span` map: the lowest start and highest end of the modules in
 * `cfi_modules`. A pc outside (the main program and JIT code of Node, for instance) is
 * in no module with a table, known without looking at each. Only ever widened. */
struct lt_cfi_span {
	__u64 start;
	__u64 end;
};

/* Value of the `cfi_index` map: the row in effect at any pc of a slice of a module's text
 * is one of the rows [lo, hi] (indices into `cfi_rows`). The last slice runs to the end. */
struct lt_cfi_slice {
	__u32 lo;
	__u32 hi;
};

/* Ring buffer events, for the rare ones that need ordering in userspace. */
enum lt_event_type {
	LT_EV_MMAP = 1,		  /* anonymous mapping created: addr, len, stack_id */
	LT_EV_MUNMAP = 2,	  /* range unmapped: addr, len */
	LT_EV_MREMAP = 3,	  /* old_addr, old_len moved/resized to addr, len */
	LT_EV_EXEC_MAP = 4,	  /* a file was mapped executable: userspace re-reads the maps */
	LT_EV_EXIT = 5,		  /* the target's last thread is exiting */
	LT_EV_FD_OPEN = 6,	  /* struct lt_fd_event: a descriptor was born */
	LT_EV_FD_CLOSE = 7,	  /* struct lt_fd_event: close(fd) */
	LT_EV_FD_CLOSE_RANGE = 8, /* struct lt_fd_event: close_range(fd, last, flags) */
	LT_EV_FD_EXEC = 9,	  /* struct lt_fd_exec_event: descriptors left open by an exec */
	LT_EV_EXEC = 10,	  /* the target exec'd: a new address space */
};
struct lt_event {
	__u32 type;
	__u32 tid;
	__u64 ts_ns;
	__u64 addr;
	__u64 len;
	__u64 old_addr;
	__u64 old_len;
	__u64 stack_id;
};

/* How a descriptor was born: the tracepoint's attach cookie, and the open event's call. */
enum lt_fd_call {
	LT_FDC_OPEN = 0,
	LT_FDC_OPENAT,
	LT_FDC_OPENAT2,
	LT_FDC_CREAT,
	LT_FDC_SOCKET,
	LT_FDC_SOCKETPAIR,
	LT_FDC_ACCEPT,
	LT_FDC_ACCEPT4,
	LT_FDC_DUP,
	LT_FDC_DUP2,  /* may replace an open descriptor */
	LT_FDC_DUP3,  /* may replace an open descriptor */
	LT_FDC_FCNTL, /* F_DUPFD and F_DUPFD_CLOEXEC only */
	LT_FDC_PIPE,
	LT_FDC_PIPE2,
	LT_FDC_EVENTFD,
	LT_FDC_EVENTFD2,
	LT_FDC_TIMERFD_CREATE,
	LT_FDC_SIGNALFD,
	LT_FDC_SIGNALFD4,
	LT_FDC_EPOLL_CREATE,
	LT_FDC_EPOLL_CREATE1,
	LT_FDC_INOTIFY_INIT,
	LT_FDC_INOTIFY_INIT1,
	LT_FDC_MEMFD_CREATE,
	LT_FDC_PIDFD_OPEN,
	LT_FDC__MAX,
};

/* Ring buffer event of the descriptor family (the type field comes first, as in lt_event). */
struct lt_fd_event {
	__u32 type; /* LT_EV_FD_OPEN, LT_EV_FD_CLOSE, LT_EV_FD_CLOSE_RANGE */
	__u32 tid;
	__u64 ts_ns;
	__s32 fd;	/* close_range: the first descriptor */
	__u32 call;	/* open: enum lt_fd_call */
	__u32 last;	/* close_range: the last descriptor */
	__u32 flags;	/* close_range: its flags */
	__u64 stack_id; /* open: key into `stacks`; 0 = unknown */
	__u64 ino;	/* open: inode number of the new file, to tell a reused number apart */
	__u64 sk;	/* open: struct sock * of an inet TCP socket (key of fd_socks), else 0 */
};

/* After an exec: the open-descriptor bitmap of the new image (CLOEXEC ones are gone). */
#define LT_FD_EXEC_WORDS 64 /* descriptors 0..4095; higher ones are checked in /proc */
struct lt_fd_exec_event {
	__u32 type; /* LT_EV_FD_EXEC */
	__u32 tid;
	__u64 ts_ns;
	__u32 nbits; /* bits of open[] that are valid */
	__u32 pad;
	__u64 open[LT_FD_EXEC_WORDS];
};

/* Value of the `fd_socks` map, keyed by struct sock *: a TCP socket the target holds. */
struct lt_sock {
	__u64 since_ns; /* bpf_ktime_get_ns() of the last state change (or of registration) */
	__u32 state;	/* TCP_ESTABLISHED = 1 ... TCP_CLOSE_WAIT = 8 (include/net/tcp_states.h) */
	__u16 family;	/* AF_INET or AF_INET6 */
	__u16 sport;	/* local port, host order */
	__u16 dport;	/* peer port, host order */
	__u16 pad;
	/* low 32 bits of the ts_ns of the open event that registered it: a struct sock freed
	 * and reused by a newer socket is registered again under the same key, and the close
	 * of the old descriptor, handled later, must not delete the new one's record */
	__u32 reg;
	__u8 saddr[16]; /* AF_INET: the first 4 bytes */
	__u8 daddr[16];
};

/* V8 JS frames named in BPF (bpf/v8frames.bpf.h). A named frame's ips[] entry is
 * LT_JS_FRAME_TAG | 63-bit hash of its name, and the key of its name in `js_names`;
 * user addresses never have bit 63 set. */
#define LT_JS_FRAME_TAG (1ULL << 63)
#define LT_JS_NAME_MAX 64  /* raw bytes of a function name kept */
#define LT_JS_FILE_MAX 96  /* raw bytes of a script name kept: its tail */
#define LT_V8_MAX_RANGES 8 /* address ranges of V8 code (JIT, builtins) */

/* Raw V8 string contents as read: Latin-1 (one byte per char) or UTF-16LE. */
#define LT_JS_ENC_ONE_BYTE 0
#define LT_JS_ENC_TWO_BYTE 1
struct lt_js_name {
	__u16 name_len; /* bytes in name; 0: an anonymous function */
	__u16 file_len; /* bytes in file; 0: no script name */
	__u8 name_enc;	/* LT_JS_ENC_* */
	__u8 file_enc;
	__u8 name_cut; /* the name was longer than LT_JS_NAME_MAX bytes */
	__u8 file_cut; /* file holds the last LT_JS_FILE_MAX bytes of a longer name */
	char name[LT_JS_NAME_MAX];
	char file[LT_JS_FILE_MAX];
};

/* [start, end) of V8 generated code: JIT code space, embedded builtins. */
struct lt_v8_range {
	__u64 start;
	__u64 end;
};

/* How to read V8 objects, from the binary's own v8dbg_* constants (offsets are from the
 * untagged object start). Written by userspace once the V8 module is known. */
struct lt_v8_config {
	__u32 enabled;
	__u32 nranges; /* ranges[] in use */
	struct lt_v8_range ranges[LT_V8_MAX_RANGES];
	__s32 off_fp_function; /* [fp + off]: the frame's JSFunction (-16) */
	__u32 off_map_type;    /* Map::instance_type, a u16 */
	__u32 off_fn_shared;   /* JSFunction::shared */
	__u32 off_sfi_name;    /* SharedFunctionInfo::name_or_scope_info */
	__u32 off_sfi_script;  /* SharedFunctionInfo::script_or_debug_info */
	__u32 off_script_name; /* Script::name */
	__u32 off_str_length;  /* String::length, an i32 */
	__u32 off_seq_chars;   /* SeqOneByteString / SeqTwoByteString chars */
	__u32 off_thin_actual; /* ThinString::actual */
	__u16 type_fn_lo;      /* instance types of JSFunction and its subclasses */
	__u16 type_fn_hi;
	__u16 type_sfi;
	__u16 type_scope_info;
	__u16 type_script;
	__u16 first_nonstring_type;
	__u16 str_repr_mask;
	__u16 str_enc_mask;
	__u16 str_seq_tag;
	__u16 str_thin_tag;
	__u16 str_one_byte_tag;
	__u16 pad;
	/* ScopeInfo: slot i is at (i + 1) * 8 (flags are slot 0). */
	__u32 si_idx_nlocals;	  /* context_local_count, a Smi */
	__u32 si_idx_first_vars;  /* first slot of the variable part */
	__u32 si_max_inlined;	  /* at least this many context locals: one hashtable slot */
	__u32 si_bit_saved_class; /* ScopeFlags bits (not in v8dbg: see src/v8_frames.c) */
	__u32 si_shift_fn_var;
	__u32 si_bit_inferred;
};

/* V8's GarbageCollector enum, the second argument of Heap::PerformGarbageCollection
 * (the same values in Node 18 to 24). */
enum lt_gc_kind {
	LT_GC_SCAVENGE = 0,
	LT_GC_MARK_COMPACT = 1,
	LT_GC_MINOR_MARK_COMPACT = 2, /* Node 24 calls it minor mark-sweep */
	LT_GC_KIND__MAX,
};

/* One V8 garbage collection, from Heap::PerformGarbageCollection's entry to its return
 * (the pause), sent on the `gc_events` ring buffer. Heap::SizeOfObjects is called by
 * GCTracer::StartInSafepoint and StopInSafepoint inside that window: the first value
 * returned there is the live heap before the GC, the last one the live heap after. */
struct lt_gc_event {
	__u64 start_ns;	   /* bpf_ktime_get_ns() at entry */
	__u64 end_ns;	   /* at return */
	__u64 live_before; /* valid when nsizes >= 1 */
	__u64 live_after;  /* valid when nsizes >= 2 */
	__u32 kind;	   /* enum lt_gc_kind as V8 passed it (may be out of range) */
	__u32 reason;	   /* V8's GarbageCollectionReason */
	__u32 tid;
	__u32 nsizes; /* Heap::SizeOfObjects returns seen inside the GC */
};

#endif /* LEAKTRACE_H */

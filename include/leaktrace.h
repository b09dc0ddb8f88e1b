/* SPDX-License-Identifier: GPL-2.0 */
/* The ABI shared by the BPF programs and the userspace loader: map values, events,
 * loss reasons, unwind tables. Fixed-width types only; this header is included by both sides. */
#ifndef LEAKTRACE_H
#define LEAKTRACE_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

#define LT_MAX_FRAMES 64        /* frames kept per stack */
#define LT_MAX_NEST 4           /* allocator calls tracked nested in one thread */
#define LT_MAX_CFI_MODULES 32   /* modules with an unwind table */
#define LT_CFI_SEARCH_STEPS 22  /* binary search steps: 2^22 rows at most */

/* Why an event or a part of it was lost; counted per reason in the `losses` map. */
enum lt_loss {
	LT_LOSS_ALLOC_MAP_FULL = 0,  /* allocation not recorded: allocs map full */
	LT_LOSS_STACK_MAP_FULL,      /* stack not stored: stacks map full (alloc kept as unknown stack) */
	LT_LOSS_STACK_UNWIND,        /* unwinding stopped before the outermost frame */
	LT_LOSS_STACK_TRUNCATED,     /* stack deeper than LT_MAX_FRAMES */
	LT_LOSS_RET_MISSED,          /* a return probe never fired (longjmp, uretprobe limit) */
	LT_LOSS_UNKNOWN_FREE,        /* free of an address not allocated while tracing */
	LT_LOSS_NEST_TOO_DEEP,       /* allocator calls nested deeper than LT_MAX_NEST */
	LT_LOSS_TOTALS_MAP_FULL,     /* per-stack totals map full */
	LT_LOSS_RINGBUF_FULL,        /* event dropped: ring buffer full */
	LT_LOSS_THREAD_MAP_FULL,     /* per-thread state map full */
	LT_LOSS_GC_RINGBUF_FULL,     /* a V8 GC event dropped: its ring buffer was full */
	LT_LOSS_GC_RET_MISSED,       /* a V8 GC entry whose return probe never fired */
	LT_LOSS__MAX,
};

/* Allocator entry points; the probe table and the BPF programs agree on these ids. */
enum lt_alloc_fn {
	LT_FN_MALLOC = 0,
	LT_FN_CALLOC,
	LT_FN_REALLOC,
	LT_FN_REALLOCARRAY,
	LT_FN_POSIX_MEMALIGN,
	LT_FN_ALIGNED_ALLOC,   /* also memalign: same signature (align, size) */
	LT_FN_VALLOC,
	LT_FN_PVALLOC,
	LT_FN_FREE,
	LT_FN__MAX,
};

/* Key of the `allocs` map is the address (__u64). */
struct lt_alloc {
	__u64 size;
	__u64 ts_ns;     /* bpf_ktime_get_ns() at allocation */
	__u64 stack_id;  /* key into `stacks`; 0 = stack unknown */
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
	LT_CFA_NONE = 0,  /* no rule here: stop unwinding (or fall back to frame pointers) */
	LT_CFA_RSP = 1,   /* CFA = rsp + cfa_off */
	LT_CFA_RBP = 2,   /* CFA = rbp + cfa_off */
	LT_CFA_PLT = 3,   /* PLT stub: CFA = rsp + 8, +8 more when (pc & 15) >= 11 */
	LT_CFA_END = 4,   /* outermost frame (undefined return address): the stack ends here */
};
struct lt_cfi_row {
	__u32 pc;
	__s16 cfa_off;
	__u8 cfa_reg;     /* enum lt_cfa_reg */
	__s8 rbp_off8;    /* caller's rbp saved at CFA + 8 * rbp_off8; 0 = rbp unchanged */
};

/* A mapped module that has rows in the `cfi_rows` map. The walker finds the module
 * whose [start, end) holds the pc, then searches rows [first, first + count) for
 * pc - bias. */
struct lt_cfi_module {
	__u64 start;  /* runtime address range of the executable mapping */
	__u64 end;
	__u64 bias;   /* runtime address = ELF vaddr + bias */
	__u32 first;
	__u32 count;
};

/* Ring buffer events, for the rare ones that need ordering in userspace. */
enum lt_event_type {
	LT_EV_MMAP = 1,     /* anonymous mapping created: addr, len, stack_id */
	LT_EV_MUNMAP = 2,   /* range unmapped: addr, len */
	LT_EV_MREMAP = 3,   /* old_addr, old_len moved/resized to addr, len */
	LT_EV_EXEC_MAP = 4, /* a file was mapped executable: userspace re-reads the maps */
	LT_EV_EXIT = 5,     /* the target's last thread is exiting */
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

/* V8's GarbageCollector enum, the second argument of Heap::PerformGarbageCollection
 * (the same values in Node 18 to 24). */
enum lt_gc_kind {
	LT_GC_SCAVENGE = 0,
	LT_GC_MARK_COMPACT = 1,
	LT_GC_MINOR_MARK_COMPACT = 2,  /* Node 24 calls it minor mark-sweep */
	LT_GC_KIND__MAX,
};

/* One V8 garbage collection, from Heap::PerformGarbageCollection's entry to its return
 * (the pause), sent on the `gc_events` ring buffer. Heap::SizeOfObjects is called by
 * GCTracer::StartInSafepoint and StopInSafepoint inside that window: the first value
 * returned there is the live heap before the GC, the last one the live heap after. */
struct lt_gc_event {
	__u64 start_ns;     /* bpf_ktime_get_ns() at entry */
	__u64 end_ns;       /* at return */
	__u64 live_before;  /* valid when nsizes >= 1 */
	__u64 live_after;   /* valid when nsizes >= 2 */
	__u32 kind;         /* enum lt_gc_kind as V8 passed it (may be out of range) */
	__u32 reason;       /* V8's GarbageCollectionReason */
	__u32 tid;
	__u32 nsizes;       /* Heap::SizeOfObjects returns seen inside the GC */
};

#endif /* LEAKTRACE_H */

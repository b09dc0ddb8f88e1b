/* SPDX-License-Identifier: GPL-2.0 */
/* Maps and read-only configuration shared by every leaktrace BPF object. Defined once
 * (in heap.bpf.c, which sets LT_DEFINE_MAPS) and declared extern elsewhere; the BPF
 * static linker (bpftool gen object) joins them into one skeleton. */
#ifndef LT_MAPS_BPF_H
#define LT_MAPS_BPF_H

#include "leaktrace.h"

#ifdef LT_DEFINE_MAPS
#define LT_MAP(def, name) def name SEC(".maps")
#define LT_RODATA(type, name) const volatile type name = 0
#else
#define LT_MAP(def, name) extern def name SEC(".maps")
#define LT_RODATA(type, name) extern const volatile type name
#endif

/* One allocator call in flight in a thread. Calls nest (realloc -> malloc, malloc ->
 * mmap, reallocarray tail-calling realloc), so each thread keeps a small stack of them. */
struct lt_call {
	__u64 sp;        /* stack pointer at function entry */
	__u64 args[3];
	__u32 fn;        /* enum lt_alloc_fn */
	__u16 have_old;  /* realloc: the old block was tracked and is saved in old */
	__u16 record;    /* the sampling draw chose this call (always, without --sample) */
	__u64 old_addr;
	struct lt_alloc old;
};

struct lt_thread {
	__u32 depth;
	__u32 pad;
	struct lt_call calls[LT_MAX_NEST];
};

/* Sizes are defaults; the loader sets the real ones before load. */
/* Outstanding blocks: buckets of an open-addressing table (alloc_table.bpf.h). The
 * loader sizes it from --max-allocs and sets alloc_bucket_mask to match. */
LT_MAP(struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct lt_alloc_bucket);
}, allocs);

LT_MAP(struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, __u64);
	__type(value, struct lt_stack);
}, stacks);

LT_MAP(struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16385);
	__type(key, __u64);
	__type(value, struct lt_totals);
}, heap_totals);

/* Per-thread state lives in the task itself: found without hashing, freed when the
 * thread exits, never full. */
LT_MAP(struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct lt_thread);
}, threads);

LT_MAP(struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, LT_LOSS__MAX);
	__type(key, __u32);
	__type(value, __u64);
}, losses);

LT_MAP(struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct lt_stack);
}, stack_scratch);

/* Per CPU, ids of stacks already in `stacks` (a direct-mapped cache): most allocations
 * come from a few stacks, and a hash lookup costs more than the rest of storing one. */
#define LT_STACK_KNOWN 1024
struct lt_stack_known {
	__u64 ids[LT_STACK_KNOWN];
};
LT_MAP(struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct lt_stack_known);
}, stack_known);

/* Unwind tables: rows of every module, written by userspace through mmap. */
LT_MAP(struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__uint(map_flags, BPF_F_MMAPABLE);
	__type(key, __u32);
	__type(value, struct lt_cfi_row);
}, cfi_rows);

LT_MAP(struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, LT_MAX_CFI_MODULES);
	__uint(map_flags, BPF_F_MMAPABLE);
	__type(key, __u32);
	__type(value, struct lt_cfi_module);
}, cfi_modules);

LT_MAP(struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct lt_cfi_span);
}, cfi_span);

/* Slice index of each module's rows (struct lt_cfi_module idx_*), written by userspace
 * through mmap. */
LT_MAP(struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__uint(map_flags, BPF_F_MMAPABLE);
	__type(key, __u32);
	__type(value, struct lt_cfi_slice);
}, cfi_index);

/* A copy of part of the user stack being walked (bpf/unwind.bpf.h): one bulk read serves
 * the loads of several frames. owner is the thread whose walk filled it: uprobe programs
 * can be preempted, and another thread's walk on the same CPU may refill it meanwhile. */
#define LT_STACK_WINDOW 1024
struct lt_stack_window {
	__u64 owner;
	__u8 bytes[LT_STACK_WINDOW];
};
LT_MAP(struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct lt_stack_window);
}, stack_window);

LT_MAP(struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 * 1024);
}, events);

/* Descriptors (fd.bpf.c). A libc wrapper entered by a thread: the stack taken there,
 * waiting for the syscall's exit; sp tells whether that exit is still inside the call. */
struct lt_fd_pending {
	__u64 sp;
	__u64 stack_id;
};

LT_MAP(struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, __u32);
	__type(value, struct lt_fd_pending);
}, fd_pending);

/* TCP sockets the target holds, keyed by struct sock *; userspace removes an entry when
 * the last descriptor of its socket is closed. */
LT_MAP(struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__type(key, __u64);
	__type(value, struct lt_sock);
}, fd_socks);
/* V8 JS frame naming (v8frames.bpf.h): how to read V8 objects and where V8 code lives,
 * written by userspace once the V8 module is known (and again as code ranges change). */
LT_MAP(struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct lt_v8_config);
}, v8_config);

/* Names of JS frames, keyed by the tagged value that stands for the frame in ips[]. */
LT_MAP(struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, __u64);
	__type(value, struct lt_js_name);
}, js_names);

/* (JSFunction, SharedFunctionInfo) addresses -> tagged name: a function seen before costs
 * two reads. The name belongs to the SharedFunctionInfo (closures share it); what would
 * make an entry wrong is the GC moving both objects and placing another function and
 * another SharedFunctionInfo at exactly those two addresses. */
struct lt_js_cache_key {
	__u64 fn, sfi;
};
LT_MAP(struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, struct lt_js_cache_key);
	__type(value, __u64);
}, js_frame_cache);

LT_MAP(struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct lt_js_name);
}, js_scratch);

LT_RODATA(__u32, target_tgid);
/* Launch mode only: stop the target when it maps new code until userspace has read its
 * modules (the process is ours and may exit before we could look otherwise). */
LT_RODATA(__u32, pause_on_exec_map);
/* --probe-floor: every program returns at once, to measure the cost of the traps. */
LT_RODATA(__u32, probe_floor);
/* --sample BYTES: record an allocation of size s with probability min(1, s / BYTES);
 * 0 records every allocation. */
LT_RODATA(__u64, sample_bytes);
/* Buckets of `allocs` minus one (a power of two minus one). */
LT_RODATA(__u32, alloc_bucket_mask);

static __always_inline void lt_count_loss(enum lt_loss loss)
{
	__u32 key = loss;
	__u64 *v = bpf_map_lookup_elem(&losses, &key);

	if (v)
		*v += 1;
}

/* The current thread's allocator calls in flight, or NULL if it has made none. */
static __always_inline struct lt_thread *lt_thread_current(void)
{
	return bpf_task_storage_get(&threads, bpf_get_current_task_btf(), NULL, 0);
}

static __always_inline bool lt_is_target(void)
{
	if (probe_floor)
		return false;
	return (bpf_get_current_pid_tgid() >> 32) == target_tgid;
}

#endif

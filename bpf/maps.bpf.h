/* SPDX-License-Identifier: GPL-2.0 */
/* Maps and read-only configuration shared by the leaktrace BPF objects: their types and
 * extern declarations. Each is defined once, in leaktrace.bpf.c; the BPF static linker
 * (bpftool gen object) resolves the externs of the other objects to those. A map only one
 * family touches lives in that family's .bpf.c. */
#ifndef LT_MAPS_BPF_H
#define LT_MAPS_BPF_H

#include "leaktrace.h"

/* One allocator call in flight in a thread. Calls nest (realloc -> malloc, malloc ->
 * mmap, reallocarray tail-calling realloc), so each thread keeps a small stack of them. */
struct lt_call {
	__u64 sp; /* stack pointer at function entry */
	__u64 args[3];
	__u32 fn;	/* enum lt_alloc_fn */
	__u16 have_old; /* realloc: the old block was tracked and is saved in old */
	__u16 record;	/* the sampling draw chose this call (always, without --sample) */
	__u64 old_addr;
	struct lt_alloc old;
};

struct lt_thread {
	__u32 depth;
	__u32 pad;
	struct lt_call calls[LT_MAX_NEST];
	__u64 last_freed; /* the last block a free-like probe forgot in this thread */
	__u32 exiting;	  /* __call_tls_dtors ran: the thread is exiting */
	__u32 pad2;
};

/* Sizes are defaults; the loader sets the real ones before load. */
/* Outstanding blocks: buckets of an open-addressing table (alloc_table.bpf.h). The
 * loader sizes it from --max-allocs and sets alloc_bucket_mask to match. */
struct lt_allocs_map {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct lt_alloc_bucket);
};
extern struct lt_allocs_map allocs SEC(".maps");

struct lt_stacks_map {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, __u64);
	__type(value, struct lt_stack);
};
extern struct lt_stacks_map stacks SEC(".maps");

struct lt_heap_totals_map {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16385);
	__type(key, __u64);
	__type(value, struct lt_totals);
};
extern struct lt_heap_totals_map heap_totals SEC(".maps");

/* Per-thread state lives in the task itself: found without hashing, freed when the
 * thread exits, never full. */
struct lt_threads_map {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct lt_thread);
};
extern struct lt_threads_map threads SEC(".maps");

struct lt_losses_map {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, LT_LOSS__MAX);
	__type(key, __u32);
	__type(value, __u64);
};
extern struct lt_losses_map losses SEC(".maps");

struct lt_stack_scratch_map {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct lt_stack);
};
extern struct lt_stack_scratch_map stack_scratch SEC(".maps");

/* Per CPU, ids of stacks already in `stacks` (a direct-mapped cache): most allocations
 * come from a few stacks, and a hash lookup costs more than the rest of storing one. */
#define LT_STACK_KNOWN 1024
struct lt_stack_known {
	__u64 ids[LT_STACK_KNOWN];
};
struct lt_stack_known_map {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct lt_stack_known);
};
extern struct lt_stack_known_map stack_known SEC(".maps");

/* Unwind tables: rows of every module, written by userspace through mmap. */
struct lt_cfi_rows_map {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__uint(map_flags, BPF_F_MMAPABLE);
	__type(key, __u32);
	__type(value, struct lt_cfi_row);
};
extern struct lt_cfi_rows_map cfi_rows SEC(".maps");

struct lt_cfi_modules_map {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, LT_MAX_CFI_MODULES);
	__uint(map_flags, BPF_F_MMAPABLE);
	__type(key, __u32);
	__type(value, struct lt_cfi_module);
};
extern struct lt_cfi_modules_map cfi_modules SEC(".maps");

struct lt_cfi_span_map {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct lt_cfi_span);
};
extern struct lt_cfi_span_map cfi_span SEC(".maps");

/* Slice index of each module's rows (struct lt_cfi_module idx_*), written by userspace
 * through mmap. */
struct lt_cfi_index_map {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__uint(map_flags, BPF_F_MMAPABLE);
	__type(key, __u32);
	__type(value, struct lt_cfi_slice);
};
extern struct lt_cfi_index_map cfi_index SEC(".maps");

/* Per CPU, the CFI row found last for a pc (a direct-mapped cache in front of the search
 * of lt_cfi_row_of): the return addresses of hot stacks repeat. A hit holds only while the
 * module slot it was found in still describes the same table: same start, end, first row
 * and row count (userspace appends rows and publishes a module's entry after them; a
 * forgotten table's slot is cleared first). chk ties the words together against a program
 * that preempted a write on this CPU. */
#define LT_CFI_SLOTS 512 /* 24 KiB: a per-CPU value is at most 32 KiB */
struct lt_cfi_slot {
	__u64 pc, start, end;
	__u32 first, count;
	__u32 row, mod; /* index in cfi_rows, slot in cfi_modules */
	__u64 chk;
};
struct lt_cfi_slots {
	struct lt_cfi_slot s[LT_CFI_SLOTS];
};
struct lt_cfi_slots_map {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct lt_cfi_slots);
};
extern struct lt_cfi_slots_map cfi_slots SEC(".maps");

static __always_inline __u64 lt_cfi_slot_chk(const struct lt_cfi_slot *e)
{
	__u64 h = e->pc * 0x9e3779b97f4a7c15ULL;

	h = (h ^ e->start ^ (e->end << 7)) * 0xff51afd7ed558ccdULL;
	h = (h ^ e->first ^ ((__u64)e->count << 32)) * 0xc4ceb9fe1a85ec53ULL;
	return (h ^ e->row ^ ((__u64)e->mod << 32)) | 1;
}

/* A copy of part of the user stack being walked (bpf/unwind.bpf.h): one bulk read serves
 * the loads of several frames. owner is the thread whose walk filled it: uprobe programs
 * can be preempted, and another thread's walk on the same CPU may refill it meanwhile. */
#define LT_STACK_WINDOW 4096
struct lt_stack_window {
	__u64 owner;
	__u8 bytes[LT_STACK_WINDOW];
};
struct lt_stack_window_map {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct lt_stack_window);
};
extern struct lt_stack_window_map stack_window SEC(".maps");

struct lt_events_map {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 * 1024);
};
extern struct lt_events_map events SEC(".maps");

/* V8 JS frame naming (v8frames.bpf.h): how to read V8 objects and where V8 code lives,
 * written by userspace once the V8 module is known (and again as code ranges change). */
struct lt_v8_config_map {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct lt_v8_config);
};
extern struct lt_v8_config_map v8_config SEC(".maps");

/* Names of JS frames, keyed by the tagged value that stands for the frame in ips[]. */
struct lt_js_names_map {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, __u64);
	__type(value, struct lt_js_name);
};
extern struct lt_js_names_map js_names SEC(".maps");

/* (JSFunction, SharedFunctionInfo) addresses -> tagged name and the GC epoch it was named
 * in (lt_gc_epoch_now). With the GC probes an entry is trusted only in its epoch; without
 * them (epoch 0) the pair is compared, which a GC can defeat by placing another function
 * and another SharedFunctionInfo at exactly those two addresses (it does, for functions
 * made at run time in a loop: docs/node.md). */
struct lt_js_cache_key {
	__u64 fn, sfi;
};
struct lt_js_cached {
	__u64 tag;
	__u64 epoch; /* lt_gc_epoch_now() when it was named: trusted only in that epoch */
};
struct lt_js_frame_cache_map {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, struct lt_js_cache_key);
	__type(value, struct lt_js_cached);
};
extern struct lt_js_frame_cache_map js_frame_cache SEC(".maps");

/* Per CPU, in front of js_frame_cache: a direct-mapped cache of the functions named last,
 * looked up without hashing or locking, trusted as js_frame_cache's entries are (by epoch,
 * or by the SharedFunctionInfo read again when epoch is 0). chk ties the fields together:
 * a program that preempted another on this CPU mid-write leaves a slot whose chk does not
 * match, read as a miss. */
#define LT_JS_SLOTS 512 /* 20 KiB: a per-CPU value is at most 32 KiB */
struct lt_js_slot {
	__u64 fn, sfi, tag, epoch, chk;
};
struct lt_js_slots {
	struct lt_js_slot s[LT_JS_SLOTS];
};
struct lt_js_slots_map {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct lt_js_slots);
};
extern struct lt_js_slots_map js_slots SEC(".maps");

static __always_inline __u64 lt_js_slot_chk(__u64 fn, __u64 sfi, __u64 tag, __u64 epoch)
{
	__u64 h = ((fn ^ (sfi * 0x9e3779b97f4a7c15ULL)) + tag) * 0xff51afd7ed558ccdULL;

	return (h ^ epoch) * 0xc4ceb9fe1a85ec53ULL | 1;
}

static __always_inline __u32 lt_js_slot_of(__u64 fn)
{
	return ((fn >> 3) * 0x9e3779b97f4a7c15ULL) >> 55; /* 9 bits: LT_JS_SLOTS */
}

/* V8 collections of the target begun and ended (v8gc.bpf.c, on Heap::PerformGarbageCollection
 * entry and return, every isolate): V8 moves objects only inside a collection, and frees
 * memory for reuse only after one. While no collection runs, a JS function at an address
 * found named since the last one began is the same function: a per-CPU slot filled in this
 * epoch needs no read to be trusted. 0 begun: the GC probes are not attached (or no
 * collection was seen yet), the slots are checked by reading. A return that was never
 * seen leaves ended behind for good: back to reading, never a wrong name. */
struct lt_gc_epoch {
	__u64 begun, ended;
};
struct lt_gc_epoch_map {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct lt_gc_epoch);
};
extern struct lt_gc_epoch_map gc_epoch SEC(".maps");

/* A collection begins (entry probe) or ends (return probe). */
static __always_inline void lt_gc_epoch_mark(bool begin)
{
	struct lt_gc_epoch *e;
	__u32 zero = 0;

	e = bpf_map_lookup_elem(&gc_epoch, &zero);
	if (e)
		__sync_fetch_and_add(begin ? &e->begun : &e->ended, 1);
}

/* The epoch the JS name caches are in: 0 when the GC probes have seen no collection (not
 * attached, or none yet: entries are checked by reading), -1 while a collection runs (no
 * entry is trusted), else the number of collections begun. */
static __always_inline __u64 lt_gc_epoch_now(void)
{
	struct lt_gc_epoch *e;
	__u32 zero = 0;
	__u64 b;

	e = bpf_map_lookup_elem(&gc_epoch, &zero);
	if (!e)
		return -1;
	b = *(volatile __u64 *)&e->begun;
	if (!b)
		return 0;
	return *(volatile __u64 *)&e->ended == b ? b : (__u64)-1;
}

struct lt_js_scratch_map {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct lt_js_name);
};
extern struct lt_js_scratch_map js_scratch SEC(".maps");

extern const volatile __u32 target_tgid;
/* Launch mode only: stop the target when it maps new code until userspace has read its
 * modules (the process is ours and may exit before we could look otherwise). */
extern const volatile __u32 pause_on_exec_map;
/* --probe-floor: every program returns at once, to measure the cost of the traps. */
extern const volatile __u32 probe_floor;
/* --sample BYTES: record an allocation of size s with probability min(1, s / BYTES);
 * 0 records every allocation. */
extern const volatile __u64 sample_bytes;
/* Buckets of `allocs` minus one (a power of two minus one). */
extern const volatile __u32 alloc_bucket_mask;

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

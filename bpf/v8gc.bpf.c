// SPDX-License-Identifier: GPL-2.0
/* V8 garbage collections: uprobes on Heap::PerformGarbageCollection (entry and return)
 * time each GC and note its collector and reason; a return probe on Heap::SizeOfObjects
 * picks up the live heap before and after it. One event per GC goes to userspace. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "maps.bpf.h"

/* A GC in progress in one thread (each isolate collects on its own thread). */
struct lt_gc_inflight {
	__u64 start_ns;
	__u64 live_before;
	__u64 live_after;
	__u32 kind;
	__u32 reason;
	__u32 nsizes;
	__u32 pad;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, __u32);
	__type(value, struct lt_gc_inflight);
} gc_inflight SEC(".maps");

/* Apart from `events`, so that a burst of mmap events cannot crowd GCs out. A GC takes
 * a millisecond at least: 64 KiB holds over a thousand of them between two polls. */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 64 * 1024);
} gc_events SEC(".maps");

SEC("uprobe")
int uprobe_v8_perform_gc(struct pt_regs *ctx)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct lt_gc_inflight g = {};

	if (!lt_is_target())
		return 0;
	lt_gc_epoch_mark(true);
	/* V8 never nests collections in one thread: an entry still here lost its return */
	if (bpf_map_lookup_elem(&gc_inflight, &tid))
		lt_count_loss(LT_LOSS_GC_RET_MISSED);
	g.start_ns = bpf_ktime_get_ns();
	/* this is the first argument; then GarbageCollector, GarbageCollectionReason */
	g.kind = (__u32)PT_REGS_PARM2(ctx);
	g.reason = (__u32)PT_REGS_PARM3(ctx);
	if (bpf_map_update_elem(&gc_inflight, &tid, &g, BPF_ANY))
		lt_count_loss(LT_LOSS_THREAD_MAP_FULL);
	return 0;
}

SEC("uretprobe")
int uretprobe_v8_size_of_objects(struct pt_regs *ctx)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct lt_gc_inflight *g;

	if (!lt_is_target())
		return 0;
	/* calls outside a GC (heap statistics, process.memoryUsage()) are not ours */
	g = bpf_map_lookup_elem(&gc_inflight, &tid);
	if (!g)
		return 0;
	if (g->nsizes == 0)
		g->live_before = PT_REGS_RC(ctx);
	else
		g->live_after = PT_REGS_RC(ctx);
	g->nsizes++;
	return 0;
}

SEC("uretprobe")
int uretprobe_v8_perform_gc(struct pt_regs *ctx)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct lt_gc_inflight *g;
	struct lt_gc_event *e;

	if (!lt_is_target())
		return 0;
	g = bpf_map_lookup_elem(&gc_inflight, &tid);
	if (!g)
		return 0; /* the GC began before we attached */
	/* only the end of a collection whose beginning was counted: ended never passes
	 * begun, so it equals begun only when no collection runs */
	lt_gc_epoch_mark(false);
	e = bpf_ringbuf_reserve(&gc_events, sizeof(*e), 0);
	if (e) {
		e->start_ns = g->start_ns;
		e->end_ns = bpf_ktime_get_ns();
		e->live_before = g->live_before;
		e->live_after = g->live_after;
		e->kind = g->kind;
		e->reason = g->reason;
		e->tid = tid;
		e->nsizes = g->nsizes;
		bpf_ringbuf_submit(e, 0);
	} else {
		lt_count_loss(LT_LOSS_GC_RINGBUF_FULL);
	}
	bpf_map_delete_elem(&gc_inflight, &tid);
	return 0;
}

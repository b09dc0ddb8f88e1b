// SPDX-License-Identifier: GPL-2.0
/* What every leaktrace BPF object shares, defined once: the license, the shared maps and
 * read-only configuration (their types and comments: maps.bpf.h), and the global functions
 * of the stack walker, which the verifier checks once each (declared in unwind.bpf.h and
 * v8frames.bpf.h). */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "maps.bpf.h"
#include "events.bpf.h"
#include "unwind.bpf.h"
#include "v8frames.bpf.h"

char LICENSE[] SEC("license") = "GPL";

struct lt_allocs_map allocs SEC(".maps");
struct lt_stacks_map stacks SEC(".maps");
struct lt_heap_totals_map heap_totals SEC(".maps");
struct lt_threads_map threads SEC(".maps");
struct lt_losses_map losses SEC(".maps");
struct lt_stack_scratch_map stack_scratch SEC(".maps");
struct lt_stack_known_map stack_known SEC(".maps");
struct lt_cfi_rows_map cfi_rows SEC(".maps");
struct lt_cfi_modules_map cfi_modules SEC(".maps");
struct lt_cfi_span_map cfi_span SEC(".maps");
struct lt_cfi_slots_map cfi_slots SEC(".maps");
struct lt_cfi_index_map cfi_index SEC(".maps");
struct lt_stack_window_map stack_window SEC(".maps");
struct lt_events_map events SEC(".maps");
struct lt_v8_config_map v8_config SEC(".maps");
struct lt_js_names_map js_names SEC(".maps");
struct lt_js_frame_cache_map js_frame_cache SEC(".maps");
struct lt_js_slots_map js_slots SEC(".maps");
struct lt_gc_epoch_map gc_epoch SEC(".maps");
struct lt_js_scratch_map js_scratch SEC(".maps");

const volatile __u32 target_tgid = 0;
const volatile __u32 pause_on_exec_map = 0;
const volatile __u32 probe_floor = 0;
const volatile __u64 sample_bytes = 0;
const volatile __u32 alloc_bucket_mask = 0;

/* Global functions keep default visibility: libbpf verifies a __hidden one as a static
 * subprogram, in the context of each call, which is what these exist to avoid. */

/* unwind.bpf.h */
__noinline __u32 lt_cfi_row_of(__u64 pc, __u32 *hint)
{
	struct lt_cfi_slot *e = NULL;
	struct lt_cfi_slots *slots;
	struct lt_cfi_module *m;
	struct lt_cfi_slice *s;
	struct lt_cfi_row *r;
	__u32 i, lo, n, k, h = 0, zero = 0;

	if (!hint)
		return 0;
	slots = bpf_map_lookup_elem(&cfi_slots, &zero);
	e = slots ? &slots->s[((pc * 0x9e3779b97f4a7c15ULL) >> 55) & (LT_CFI_SLOTS - 1)] : NULL;
	if (e && e->pc == pc) {
		k = e->mod;
		m = bpf_map_lookup_elem(&cfi_modules, &k);
		if (m && m->start == e->start && m->end == e->end && m->first == e->first &&
		    m->count == e->count && pc >= m->start && pc < m->end &&
		    e->chk == lt_cfi_slot_chk(e)) {
			*hint = e->mod;
			return e->row + 1;
		}
	}
	h = *hint;
	m = lt_cfi_module_of(pc, &h);
	*hint = h;
	if (!m || !m->count)
		return 0;

	/* Last row with row.pc <= pc within [first, first + count): only among the rows of
	 * pc's slice of text when the module has an index. */
	__u32 rel = (__u32)(pc - m->bias);
	lo = m->first;
	n = m->count;
	if (m->idx_count) {
		if (rel < m->idx_base)
			return 0;
		k = (__u64)(rel - m->idx_base) >> (m->idx_shift & 63);
		if (k >= m->idx_count)
			k = m->idx_count - 1;
		k += m->idx_first;
		s = bpf_map_lookup_elem(&cfi_index, &k);
		if (!s)
			return 0;
		lo = s->lo;
		n = s->hi - s->lo + 1;
	}
	for (i = 0; i < LT_CFI_SEARCH_STEPS && n > 1; i++) {
		__u32 half = n / 2, mid = lo + half;

		r = bpf_map_lookup_elem(&cfi_rows, &mid);
		if (!r)
			return 0;
		if (r->pc <= rel)
			lo = mid;
		n -= half;
	}
	r = bpf_map_lookup_elem(&cfi_rows, &lo);
	if (!r || r->pc > rel)
		return 0;
	if (e) {
		e->chk = 0;
		e->pc = pc;
		e->start = m->start;
		e->end = m->end;
		e->first = m->first;
		e->count = m->count;
		e->row = lo;
		e->mod = h;
		e->chk = lt_cfi_slot_chk(e);
	}
	return lo + 1;
}

/* unwind.bpf.h */
__noinline int lt_stack_load(struct lt_window_pos *pos, __u64 addr, __u64 *dst)
{
	struct lt_stack_window *w;
	__u32 zero = 0, len;
	__u64 off;

	if (!pos || !dst)
		return -LT_EFAULT;
	w = bpf_map_lookup_elem(&stack_window, &zero);
	if (!w || addr < pos->base)
		goto single;
	off = addr - pos->base;
	if (off < pos->len && pos->len - off >= 8 && lt_window_word(w, pos->tid, off, dst))
		return 0;
	/* Past the window, or the window was taken over: fill it from addr. */
	pos->base = addr;
	pos->len = 0;
	w->owner = pos->tid;
	if (!bpf_probe_read_user(w->bytes, LT_STACK_WINDOW, (const void *)addr)) {
		pos->len = LT_STACK_WINDOW;
	} else {
		len = 4096 - (addr & 4095);
		if (len < LT_STACK_WINDOW &&
		    !bpf_probe_read_user(w->bytes, len, (const void *)addr))
			pos->len = len;
	}
	if (pos->len >= 8 && lt_window_word(w, pos->tid, 0, dst))
		return 0;
single:
	return bpf_probe_read_user(dst, sizeof(*dst), (const void *)addr) ? -LT_EFAULT : 0;
}

/* v8frames.bpf.h */
__noinline __u64 lt_v8_name_frame(__u64 fn, __u64 context)
{
	struct lt_js_slot *slot = NULL;
	struct lt_js_cache_key key;
	struct lt_js_slots *slots;
	struct lt_v8_config *c;
	struct lt_js_name *n;
	struct lt_js_cached cached, *hit;
	__u64 str, sname, tag, nosi, script, epoch;
	__u32 zero = 0;
	int len;
	long err;

	c = bpf_map_lookup_elem(&v8_config, &zero);
	if (!c || !c->enabled)
		return 0;
	/* Typed frames (stubs, entry, exit) keep a Smi frame-type marker where a JS frame
	 * keeps its context. */
	key.fn = fn;
	if (!lt_v8_is_obj(key.fn) || !lt_v8_is_obj(context))
		return 0;
	slots = bpf_map_lookup_elem(&js_slots, &zero);
	slot = slots ? &slots->s[lt_js_slot_of(key.fn) & (LT_JS_SLOTS - 1)] : NULL;
	/* With the GC probes (epoch > 0): no collection since an entry was filled, the same
	 * function, trusted without a read; the epoch is read again after the slot, so a
	 * collection begun meanwhile is seen. While one runs (-1), no entry is trusted. */
	epoch = lt_gc_epoch_now();
	if (epoch == (__u64)-1)
		slot = NULL;
	if (slot && epoch && slot->fn == key.fn && slot->epoch == epoch) {
		tag = slot->tag;
		if (slot->chk == lt_js_slot_chk(key.fn, slot->sfi, tag, epoch) &&
		    lt_gc_epoch_now() == epoch)
			return tag;
	}
	if (!lt_v8_get(&key.sfi, sizeof(key.sfi), key.fn - 1 + c->off_fn_shared))
		return 0;
	/* Without them (epoch 0), an entry is checked by the SharedFunctionInfo read again;
	 * not proof (see js_frame_cache). */
	if (slot && !epoch && slot->fn == key.fn && slot->sfi == key.sfi && !slot->epoch &&
	    slot->chk == lt_js_slot_chk(key.fn, key.sfi, slot->tag, 0))
		return slot->tag;
	hit = epoch == (__u64)-1 ? NULL : bpf_map_lookup_elem(&js_frame_cache, &key);
	if (hit && hit->epoch == epoch && lt_gc_epoch_now() == epoch) {
		tag = hit->tag;
		goto named;
	}
	len = lt_v8_type(c, key.fn);
	if (len < c->type_fn_lo || len > c->type_fn_hi)
		return 0;

	/* From here on it is a JS frame: whatever stops us is counted. */
	if (lt_v8_type(c, key.sfi) != c->type_sfi ||
	    !lt_v8_get(&nosi, sizeof(nosi), key.sfi - 1 + c->off_sfi_name) ||
	    !lt_v8_get(&script, sizeof(script), key.sfi - 1 + c->off_sfi_script))
		goto unnamed;

	n = bpf_map_lookup_elem(&js_scratch, &zero);
	if (!n)
		goto unnamed;
	__builtin_memset(n, 0, sizeof(*n));
	if (lt_v8_name_string(c, nosi, &str))
		goto unnamed;
	if (str) {
		len = lt_v8_string(c, str, n->name, LT_JS_NAME_MAX, false, &n->name_enc,
				   &n->name_cut);
		if (len < 0)
			goto unnamed;
		n->name_len = len;
	}
	/* The script's name is a help, not a must: without it the frame is still named. */
	if (lt_v8_type(c, script) == c->type_script &&
	    lt_v8_get(&sname, sizeof(sname), script - 1 + c->off_script_name)) {
		len = lt_v8_string(c, sname, n->file, LT_JS_FILE_MAX, true, &n->file_enc,
				   &n->file_cut);
		if (len > 0) {
			n->file_len = len;
		} else {
			__builtin_memset(n->file, 0, sizeof(n->file));
			n->file_enc = n->file_cut = 0;
		}
	}

	tag = LT_JS_FRAME_TAG | (lt_v8_hash_name(n) >> 1);
	if (!bpf_map_lookup_elem(&js_names, &tag)) {
		err = bpf_map_update_elem(&js_names, &tag, n, BPF_NOEXIST);
		if (err && err != -LT_EEXIST) {
			lt_count_loss(LT_LOSS_JS_NAME_MAP_FULL);
			return 0;
		}
	}
	/* filled only if no collection began since the first look: the name is of the
	 * function that was at fn all along */
	if (epoch == (__u64)-1 || lt_gc_epoch_now() != epoch)
		return tag;
	cached.tag = tag;
	cached.epoch = epoch;
	bpf_map_update_elem(&js_frame_cache, &key, &cached, BPF_ANY);
named:
	if (slot) {
		slot->chk = 0;
		slot->fn = key.fn;
		slot->sfi = key.sfi;
		slot->tag = tag;
		slot->epoch = epoch;
		slot->chk = lt_js_slot_chk(key.fn, key.sfi, tag, epoch);
	}
	return tag;
unnamed:
	lt_count_loss(LT_LOSS_JS_FRAME_UNNAMED);
	return 0;
}

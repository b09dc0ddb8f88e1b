/* SPDX-License-Identifier: GPL-2.0 */
/* JS function names for V8 frames, read while the stack is taken (the GC moves the objects
 * afterwards): a frame whose pc is in V8 code and whose [fp-16] holds a JSFunction is
 * stored as LT_JS_FRAME_TAG | a hash of its name, and the name goes into `js_names`. */
#ifndef LT_V8FRAMES_BPF_H
#define LT_V8FRAMES_BPF_H

#include "maps.bpf.h"

/* V8 tags heap object pointers with 1 in the low two bits; Smis have a 0 low bit. */
static __always_inline bool lt_v8_is_obj(__u64 v)
{
	return (v & 3) == 1;
}

static __always_inline bool lt_v8_get(void *dst, __u32 size, __u64 addr)
{
	return bpf_probe_read_user(dst, size, (const void *)addr) == 0;
}

/* Instance type of a heap object from its map, or -1. */
static __always_inline int lt_v8_type(const struct lt_v8_config *c, __u64 obj)
{
	__u64 map;
	__u16 type;

	if (!lt_v8_is_obj(obj) || !lt_v8_get(&map, sizeof(map), obj - 1) || !lt_v8_is_obj(map))
		return -1;
	if (!lt_v8_get(&type, sizeof(type), map - 1 + c->off_map_type))
		return -1;
	return type;
}

static __always_inline bool lt_v8_in_code(const struct lt_v8_config *c, __u64 pc)
{
	for (__u32 i = 0; i < LT_V8_MAX_RANGES; i++) {
		if (i >= c->nranges)
			break;
		if (pc >= c->ranges[i].start && pc < c->ranges[i].end)
			return true;
	}
	return false;
}

/* Copy the chars of a sequential (or thin -> sequential) string into dst, at most max
 * bytes, the last ones when tail. Returns the bytes copied or -1 for a string it does not
 * read (cons, sliced, external: not worth the reads for a name). */
static __always_inline int lt_v8_string(const struct lt_v8_config *c, __u64 str, char *dst,
					__u32 max, bool tail, __u8 *enc, __u8 *cut)
{
	for (int hop = 0; hop < 2; hop++) {
		int type = lt_v8_type(c, str);
		__u64 bytes, skip = 0;
		__s32 len;
		__u32 n;

		if (type < 0 || type >= c->first_nonstring_type)
			return -1;
		if ((type & c->str_repr_mask) == c->str_thin_tag) {
			if (!lt_v8_get(&str, sizeof(str), str - 1 + c->off_thin_actual))
				return -1;
			continue;
		}
		if ((type & c->str_repr_mask) != c->str_seq_tag)
			return -1;
		if (!lt_v8_get(&len, sizeof(len), str - 1 + c->off_str_length) || len < 0)
			return -1;
		*enc = (type & c->str_enc_mask) == c->str_one_byte_tag ? LT_JS_ENC_ONE_BYTE
								       : LT_JS_ENC_TWO_BYTE;
		bytes = (__u64)len << *enc;
		if (bytes > max) {
			*cut = 1;
			if (tail)
				skip = bytes - max;
			bytes = max;
		}
		n = bytes;
		/* Kept, and next to the read: 6.1's verifier loses the bound of a value
		 * spilled before its check (seen with the check folded into the clamp). */
		barrier_var(n);
		if (n > max)
			return -1;
		if (n && !lt_v8_get(dst, n, str - 1 + c->off_seq_chars + skip))
			return -1;
		return n;
	}
	return -1;
}

/* The function-name String of a SharedFunctionInfo's name_or_scope_info: the string itself
 * before compilation; afterwards the ScopeInfo's function-name slot, or its inferred name
 * ("obj.method") for an anonymous function. *str = 0 for an anonymous function. Returns
 * -1 when the object is not what the layout says. */
static __always_inline int lt_v8_name_string(const struct lt_v8_config *c, __u64 nosi, __u64 *str)
{
	__u64 head[4], v[3], nloc, pos, next;
	__u32 flags;
	int type;

	*str = 0;
	if (nosi == 0)
		return 0; /* kNoSharedNameSentinel, Smi 0: anonymous */
	type = lt_v8_type(c, nosi);
	if (type < 0)
		return -1;
	if (type < c->first_nonstring_type) {
		*str = nosi;
		return 0;
	}
	if (type != c->type_scope_info)
		return -1;
	/* slots 0-3: flags (a Smi, or a u32 with padding), then Smis */
	if (!lt_v8_get(head, sizeof(head), nosi - 1 + 8))
		return -1;
	flags = (__u32)head[0] ? (__u32)head[0] : (__u32)(head[0] >> 32);
	nloc = head[c->si_idx_nlocals & 3];
	if (nloc & 1)
		return -1;
	nloc >>= 32;
	if (nloc > 0xffff)
		return -1;
	pos = c->si_idx_first_vars + (nloc < c->si_max_inlined ? 2 * nloc : nloc + 1);
	pos += (flags >> c->si_bit_saved_class) & 1;
	if (!lt_v8_get(v, sizeof(v), nosi - 1 + 8 * (pos + 1)))
		return -1;
	next = v[0];
	if ((flags >> c->si_shift_fn_var) & 3) {
		/* FunctionVariableInfo: name (String or Smi 0), then a Smi slot index */
		if (v[1] & 1)
			return -1;
		if (v[0]) {
			type = lt_v8_type(c, v[0]);
			if (type < 0 || type >= c->first_nonstring_type)
				return -1;
			*str = v[0];
			return 0;
		}
		next = v[2];
	}
	if ((flags >> c->si_bit_inferred) & 1) {
		type = lt_v8_type(c, next);
		if (type >= 0 && type < c->first_nonstring_type)
			*str = next;
	}
	return 0;
}

static __always_inline __u64 lt_v8_hash_name(const struct lt_js_name *n)
{
	const __u64 *w = (const __u64 *)n;
	__u64 h = 0xcbf29ce484222325ULL;

	for (int i = 0; i < (int)(sizeof(*n) / 8); i++) {
		h = (h ^ w[i]) * 0x100000001b3ULL;
		h ^= h >> 29;
	}
	return h;
}

/* The tagged value standing for the JS frame of a frame in V8 code whose function and
 * context slots hold fn and context, or 0 to keep the pc (not a JS frame, or one that
 * could not be named: counted). The walker reads the two slots, from its copy of the
 * stack. A global function, so that the verifier checks it once rather than in every
 * state of the walker's loop; defined in leaktrace.bpf.c. */
extern __u64 lt_v8_name_frame(__u64 fn, __u64 context);

#endif

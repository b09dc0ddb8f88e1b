// SPDX-License-Identifier: GPL-2.0
/* V8 object layout for naming JS frames in BPF, read from the binary's v8dbg_* constants,
 * and where the target keeps V8 generated code (JIT code space, embedded builtins). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "v8_frames.h"

/*
 * ScopeFlags bits that v8dbg does not export. They have kept these places from V8 9 to
 * V8 13 (Node 16 to 24): has_saved_class_variable at bit 10, function_variable (2 bits) at
 * 12, has_inferred_function_name at 14; kScopeInfoMaxInlinedLocalNamesSize is 75. The BPF
 * reader checks the types of what it finds there, so a future change leaves frames unnamed
 * (counted), not misnamed.
 */
#define LT_SI_BIT_SAVED_CLASS 10
#define LT_SI_SHIFT_FN_VAR 12
#define LT_SI_BIT_INFERRED 14
#define LT_SI_MAX_INLINED 75
/* JSFunction's instance types: JS_FUNCTION_TYPE and the constructor subclasses after it
 * (class, array, promise, typed array constructors). The BPF reader also requires a
 * SharedFunctionInfo in the `shared` field, which no other object has. */
#define LT_V8_FN_TYPES 32

struct want {
	const char *name; /* full name, or a prefix when it ends in "__" */
	long long *dst;
	bool optional; /* V8 leaves out constants that are 0 (kSeqStringTag) */
	bool found;
};

struct collect {
	struct lt_elf *e;
	struct want *w;
	size_t n;
};

static int read_value(struct lt_elf *e, const struct lt_elf_sym *sym, long long *v)
{
	__s32 v32;
	__s64 v64;

	if (sym->size == 8) {
		if (lt_elf__read(e, sym->vaddr, &v64, sizeof(v64)))
			return -EINVAL;
		*v = v64;
	} else {
		if (lt_elf__read(e, sym->vaddr, &v32, sizeof(v32)))
			return -EINVAL;
		*v = v32;
	}
	return 0;
}

static int collect_one(const struct lt_elf_sym *sym, void *ctx)
{
	struct collect *c = ctx;

	for (size_t i = 0; i < c->n; i++) {
		struct want *w = &c->w[i];
		size_t len = strlen(w->name);
		bool prefix = len > 2 && !strcmp(w->name + len - 2, "__");

		if (w->found ||
		    (prefix ? strncmp(sym->name, w->name, len) : strcmp(sym->name, w->name)))
			continue;
		if (!read_value(c->e, sym, w->dst))
			w->found = true;
	}
	return 0;
}

struct exact {
	const char *name;
	struct lt_elf_sym *out;
	bool found;
};

static int exact_one(const struct lt_elf_sym *sym, void *ctx)
{
	struct exact *x = ctx;

	if (strcmp(sym->name, x->name))
		return 0;
	*x->out = *sym;
	x->found = true;
	return 1;
}

/* Any defined symbol, function or data, named exactly name. */
static int find_exact(struct lt_elf *e, const char *name, struct lt_elf_sym *out)
{
	struct exact x = { name, out, false };

	lt_elf__for_each(e, name, exact_one, &x);
	return x.found ? 0 : -ENOENT;
}

/* Builtins embedded in the binary (V8 7.3 and later): its code and a u32 size. */
static void read_embedded_blob(struct lt_elf *e, struct lt_v8_blob *blob)
{
	struct lt_elf_sym sym;
	__u32 size32;

	if (find_exact(e, "v8_Default_embedded_blob_code_", &sym))
		return;
	blob->vaddr = sym.vaddr;
	if (!find_exact(e, "v8_Default_embedded_blob_code_size_", &sym) &&
	    !lt_elf__read(e, sym.vaddr, &size32, sizeof(size32)))
		blob->size = size32;
}

/* Long on purpose: one table of the constants read and, below it, where each one goes;
 * split in two, a constant and its use would sit in different functions. */
int lt_v8_frames__read_config(struct lt_elf *e, struct lt_v8_config *cfg, struct lt_v8_blob *blob,
			      const char **missing)
{
	long long fp_fn, fp_ctx, map_type, fn_shared, sfi_name, sfi_script, script_name, str_len,
		seq1, seq2, thin, t_fn, t_sfi, t_si, t_script, nonstr, repr, enc, seq_tag, thin_tag,
		one_tag, nlocals, first_vars, tagged;
	struct want w[] = {
		{ "v8dbg_off_fp_function", &fp_fn },
		{ "v8dbg_off_fp_context", &fp_ctx },
		{ "v8dbg_class_Map__instance_type__", &map_type },
		{ "v8dbg_class_JSFunction__shared__", &fn_shared },
		{ "v8dbg_class_SharedFunctionInfo__name_or_scope_info__", &sfi_name },
		{ "v8dbg_class_SharedFunctionInfo__script_or_debug_info__", &sfi_script },
		{ "v8dbg_class_Script__name__", &script_name },
		{ "v8dbg_class_String__length__", &str_len },
		{ "v8dbg_class_SeqOneByteString__chars__", &seq1 },
		{ "v8dbg_class_SeqTwoByteString__chars__", &seq2 },
		{ "v8dbg_class_ThinString__actual__", &thin },
		{ "v8dbg_type_JSFunction__JS_FUNCTION_TYPE", &t_fn },
		{ "v8dbg_type_SharedFunctionInfo__SHARED_FUNCTION_INFO_TYPE", &t_sfi },
		{ "v8dbg_type_ScopeInfo__SCOPE_INFO_TYPE", &t_si },
		{ "v8dbg_type_Script__SCRIPT_TYPE", &t_script },
		{ "v8dbg_FirstNonstringType", &nonstr },
		{ "v8dbg_StringRepresentationMask", &repr },
		{ "v8dbg_StringEncodingMask", &enc },
		{ "v8dbg_SeqStringTag", &seq_tag, true },
		{ "v8dbg_ThinStringTag", &thin_tag },
		{ "v8dbg_OneByteStringTag", &one_tag },
		{ "v8dbg_scopeinfo_idx_ncontextlocals", &nlocals },
		{ "v8dbg_scopeinfo_idx_first_vars", &first_vars },
		{ "v8dbg_TaggedSize", &tagged },
	};
	struct collect c = { e, w, sizeof(w) / sizeof(w[0]) };

	*missing = NULL;
	seq_tag = 0;
	memset(cfg, 0, sizeof(*cfg));
	memset(blob, 0, sizeof(*blob));
	lt_elf__for_each(e, "v8dbg_", collect_one, &c);
	for (size_t i = 0; i < c.n; i++) {
		if (!w[i].found && !w[i].optional) {
			*missing = w[i].name;
			return -ENOENT;
		}
	}
	/* The reader takes [fp-16] and [fp-8] in one read, full 64-bit tagged values (no
	 * pointer compression), and ScopeInfo's context-local count among its first slots. */
	if (fp_ctx != fp_fn + 8 || tagged != 8 || nlocals < 0 || nlocals > 3 || first_vars < 0 ||
	    first_vars > 64 || seq1 != seq2 || t_fn < 0 || t_fn + LT_V8_FN_TYPES > 0xffff)
		return -EINVAL;
	cfg->enabled = 1;
	cfg->off_fp_function = fp_fn;
	cfg->off_map_type = map_type;
	cfg->off_fn_shared = fn_shared;
	cfg->off_sfi_name = sfi_name;
	cfg->off_sfi_script = sfi_script;
	cfg->off_script_name = script_name;
	cfg->off_str_length = str_len;
	cfg->off_seq_chars = seq1;
	cfg->off_thin_actual = thin;
	cfg->type_fn_lo = t_fn;
	cfg->type_fn_hi = t_fn + LT_V8_FN_TYPES - 1;
	cfg->type_sfi = t_sfi;
	cfg->type_scope_info = t_si;
	cfg->type_script = t_script;
	cfg->first_nonstring_type = nonstr;
	cfg->str_repr_mask = repr;
	cfg->str_enc_mask = enc;
	cfg->str_seq_tag = seq_tag;
	cfg->str_thin_tag = thin_tag;
	cfg->str_one_byte_tag = one_tag;
	cfg->si_idx_nlocals = nlocals;
	cfg->si_idx_first_vars = first_vars;
	cfg->si_max_inlined = LT_SI_MAX_INLINED;
	cfg->si_bit_saved_class = LT_SI_BIT_SAVED_CLASS;
	cfg->si_shift_fn_var = LT_SI_SHIFT_FN_VAR;
	cfg->si_bit_inferred = LT_SI_BIT_INFERRED;
	read_embedded_blob(e, blob);
	return 0;
}

static bool is_anon(const struct lt_mapping *m)
{
	return !m->path && !m->ino;
}

/* A mapping of the V8 file that is not part of its primary load: builtins remapped. */
static bool is_v8_copy(const struct lt_mapping *m, const struct lt_module *v8)
{
	return m->path && m->dev == v8->dev && m->ino == v8->ino &&
	       (m->end <= v8->start || m->start >= v8->end);
}

static int cmp_range(const void *a, const void *b)
{
	const struct lt_v8_range *x = a, *y = b;

	return x->start < y->start ? -1 : x->start > y->start;
}

size_t lt_v8_frames__code_ranges(const struct lt_maps *maps, const struct lt_module *v8,
				 const struct lt_v8_blob *blob, struct lt_v8_range *out, size_t max)
{
	size_t n = 0, i, k, j;

	if (!max)
		return 0;
	if (v8 && blob && blob->size)
		out[n++] = (struct lt_v8_range){ blob->vaddr + v8->bias,
						 blob->vaddr + v8->bias + blob->size };
	for (i = 0; i < maps->n && n < max; i++) {
		const struct lt_mapping *m = &maps->v[i];
		size_t lo = i, hi = i;

		if (!(m->prot & PROT_EXEC) || !(is_anon(m) || (v8 && is_v8_copy(m, v8))))
			continue;
		/* V8 reserves its code range up front and commits pages inside it as code
		 * grows: the reservation's neighbours belong to the range. Only executable
		 * pages can hold a pc, so taking in data pages is harmless. */
		while (lo > 0 && maps->v[lo - 1].end == maps->v[lo].start &&
		       (is_anon(&maps->v[lo - 1]) || (v8 && is_v8_copy(&maps->v[lo - 1], v8))))
			lo--;
		while (hi + 1 < maps->n && maps->v[hi + 1].start == maps->v[hi].end &&
		       (is_anon(&maps->v[hi + 1]) || (v8 && is_v8_copy(&maps->v[hi + 1], v8))))
			hi++;
		out[n++] = (struct lt_v8_range){ maps->v[lo].start, maps->v[hi].end };
		i = hi;
	}
	qsort(out, n, sizeof(*out), cmp_range);
	/* merge overlaps (the blob may lie inside a remapped run) */
	for (k = 0, j = 0; k < n; k++) {
		if (j && out[k].start <= out[j - 1].end) {
			if (out[k].end > out[j - 1].end)
				out[j - 1].end = out[k].end;
			continue;
		}
		out[j++] = out[k];
	}
	return j;
}

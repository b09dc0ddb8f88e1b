// SPDX-License-Identifier: GPL-2.0
/* Runtime addresses of a target to function, file and line through libdwfl. Module files are
 * opened up front so that a target that has exited still symbolizes; DWARF loads on demand. */
#include <elfutils/libdw.h>
#include <elfutils/libdwfl.h>
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "array.h"
#include "js_names.h"
#include "perf_map.h"
#include "procmaps.h"
#include "ranges.h"
#include "inline.h"
#include "symbolize.h"

/* From libstdc++ (abi::__cxa_demangle); C needs no extern "C" to reach it. */
char *__cxa_demangle(const char *mangled, char *buf, size_t *len, int *status);

/* One function symbol of a module's symbol table, at its runtime address. */
struct fn_sym {
	__u64 addr, size;
	const char *name; /* libdwfl's, lives as long as the Dwfl */
	int rank;	  /* among aliases at one address, the lowest is shown */
};

struct sym_module {
	struct lt_module m;
	Dwfl_Module *dwmod; /* NULL when the file could not be opened as ELF */
	/* libdwfl scans the whole symbol table on every lookup, milliseconds for node's 100k+
	 * symbols; sorted once on first use, a lookup is a binary search. */
	struct fn_sym *syms;
	size_t nsyms;
	bool syms_loaded;
	/* Another mapping of a file already reported (Node maps V8's embedded builtins a
	 * second time near its JIT code): libdwfl keeps one module per file, so lookups go
	 * to that module, shifted by the difference of the two biases. */
	struct sym_module *alias;
};

struct cache_slot {
	bool used;
	bool is_return;
	struct lt_sym sym;
};

struct lt_symbolizer {
	int pid;
	Dwfl *dwfl;
	Dwfl_Callbacks callbacks; /* libdwfl keeps a pointer to it */
	char *debuginfo_path;
	/* Modules the address lookup sees, sorted by start. A module replaced by a later
	 * mapping at the same addresses moves to retired: cached results still point into it. */
	struct sym_module **mods;
	size_t nmods, mods_cap;
	struct sym_module **retired;
	size_t nretired, retired_cap;
	struct cache_slot *cache;
	size_t cache_cap, cache_n;
	char **owned; /* demangled names handed out in cached results */
	size_t nowned, owned_cap;
	struct lt_js_names *js; /* not owned */
	/* JIT code outside every module, named by the target's perf map when it writes one */
	struct lt_perf_map *perf_map;
};

/* Every module is reported with its file already open, so libdwfl never needs to find one. */
static int no_find_elf(Dwfl_Module *mod, void **userdata, const char *modname, Dwarf_Addr base,
		       char **file_name, Elf **elfp)
{
	return -1;
}

static void sym_module__free(struct sym_module *sm)
{
	if (!sm)
		return;
	free(sm->m.path);
	free(sm->m.host_path);
	free(sm->syms);
	free(sm);
}

/* By hand rather than LT_RANGE_FIND, which needs the intervals in the array: mods holds
 * pointers to the modules. */
static struct sym_module *find_module(const struct lt_symbolizer *s, __u64 addr)
{
	size_t lo = 0, hi = s->nmods;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (addr < s->mods[mid]->m.start)
			hi = mid;
		else if (addr >= s->mods[mid]->m.end)
			lo = mid + 1;
		else
			return s->mods[mid];
	}
	return NULL;
}

static bool same_module(const struct lt_module *a, const struct lt_module *b)
{
	return a->dev == b->dev && a->ino == b->ino && a->bias == b->bias && a->start == b->start;
}

static int cmp_mod_ptr(const void *a, const void *b)
{
	const struct sym_module *x = *(const struct sym_module **)a;
	const struct sym_module *y = *(const struct sym_module **)b;

	return x->m.start < y->m.start ? -1 : x->m.start > y->m.start;
}

static void cache_reset(struct lt_symbolizer *s)
{
	memset(s->cache, 0, s->cache_cap * sizeof(*s->cache));
	s->cache_n = 0;
}

/* Copies mod (the caller keeps its own). Opens the file now: the process may be gone later. */
static int add_module(struct lt_symbolizer *s, const struct lt_module *mod)
{
	struct sym_module *sm;
	size_t i, j;
	int fd;

	sm = calloc(1, sizeof(*sm));
	if (!sm)
		return -ENOMEM;
	sm->m = *mod;
	sm->m.path = strdup(mod->path);
	sm->m.host_path = strdup(mod->host_path);
	if (!sm->m.path || !sm->m.host_path)
		goto nomem;

	/* Room for the worst case up front, so that nothing fails half way through the swap. */
	if (LT_ENSURE(&s->mods, &s->mods_cap, s->nmods + 1) ||
	    LT_ENSURE(&s->retired, &s->retired_cap, s->nretired + s->nmods + 1))
		goto nomem;

	for (i = 0; i < s->nmods && !sm->alias; i++)
		if (s->mods[i]->dwmod && !s->mods[i]->alias && s->mods[i]->m.dev == sm->m.dev &&
		    s->mods[i]->m.ino == sm->m.ino)
			sm->alias = s->mods[i];
	fd = sm->alias ? -1 : open(sm->m.host_path, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		/* The name libdwfl sees is the path inside the target, so that .gnu_debuglink
		 * directories are searched as the target's; fd is consumed on success. */
		sm->dwmod = dwfl_report_elf(s->dwfl, sm->m.path, sm->m.path, fd, sm->m.bias, true);
		if (!sm->dwmod)
			close(fd);
	}

	/* A library dlclose()d and replaced by another at the same addresses. */
	for (i = 0, j = 0; i < s->nmods; i++) {
		struct sym_module *old = s->mods[i];

		if (old->m.start < sm->m.end && sm->m.start < old->m.end) {
			s->retired[s->nretired++] = old;
			continue;
		}
		s->mods[j++] = old;
	}
	s->nmods = j;
	s->mods[s->nmods++] = sm;
	qsort(s->mods, s->nmods, sizeof(*s->mods), cmp_mod_ptr);
	return 0;
nomem:
	sym_module__free(sm);
	return -ENOMEM;
}

/* Adds the modules of mods not known yet. */
static int add_modules(struct lt_symbolizer *s, const struct lt_modules *mods)
{
	size_t i, k, added = 0;
	int err = 0;

	dwfl_report_begin_add(s->dwfl);
	for (i = 0; i < mods->n; i++) {
		bool known = false;

		for (k = 0; k < s->nmods && !known; k++)
			known = same_module(&s->mods[k]->m, &mods->v[i]);
		if (known)
			continue;
		err = add_module(s, &mods->v[i]);
		if (err)
			break;
		added++;
	}
	if (dwfl_report_end(s->dwfl, NULL, NULL) && !err)
		err = -EINVAL;
	/* Addresses seen outside any module, or in a replaced one, may belong to the new ones.
	 * Cached strings stay valid: nothing they point into is freed before the symbolizer. */
	if (added)
		cache_reset(s);
	return err;
}

/* The caller's modules, or (NULL) the ones in pid's maps now: a caller that has none. */
static int load_modules(struct lt_symbolizer *s, const struct lt_modules *given)
{
	struct lt_maps maps = {};
	struct lt_modules mods = {};
	int err;

	if (given)
		return add_modules(s, given);
	err = lt_procmaps__read(s->pid, &maps);
	if (err)
		return err;
	err = lt_modules__from_maps(s->pid, &maps, &mods);
	if (!err)
		err = add_modules(s, &mods);
	lt_modules__free(&mods);
	lt_procmaps__free(&maps);
	return err;
}

struct lt_symbolizer *lt_symbolizer__new(int pid, const struct lt_modules *mods)
{
	struct lt_symbolizer *s;
	int err = -ENOMEM;

	s = calloc(1, sizeof(*s));
	if (!s)
		goto cleanup;
	s->pid = pid;
	/* Host debug files first, then the target's own (a container), while it lives. */
	if (asprintf(&s->debuginfo_path, "+:.debug:/usr/lib/debug:/proc/%d/root/usr/lib/debug",
		     pid) < 0) {
		s->debuginfo_path = NULL;
		goto cleanup;
	}
	s->callbacks.find_elf = no_find_elf;
	s->callbacks.find_debuginfo = dwfl_standard_find_debuginfo;
	s->callbacks.section_address = dwfl_offline_section_address;
	s->callbacks.debuginfo_path = &s->debuginfo_path;
	s->dwfl = dwfl_begin(&s->callbacks);
	if (!s->dwfl)
		goto cleanup;
	s->cache_cap = 1024;
	s->cache = calloc(s->cache_cap, sizeof(*s->cache));
	if (!s->cache)
		goto cleanup;
	err = load_modules(s, mods);
	if (err)
		goto cleanup;
	/* Read while the process lives; ENOENT (no perf map) is the common case. */
	s->perf_map = lt_perf_map__open(pid);
	return s;
cleanup:
	lt_symbolizer__free(s);
	errno = -err;
	return NULL;
}

int lt_symbolizer__refresh(struct lt_symbolizer *s, const struct lt_modules *mods)
{
	int err = load_modules(s, mods);

	/* Nothing new can appear in a process that is gone. */
	if (err == -ENOENT || err == -ESRCH)
		return 0;
	return err;
}

static size_t cache_hash(__u64 addr, bool is_return, size_t cap)
{
	return ((addr ^ is_return) * 0x9E3779B97F4A7C15ull >> 17) & (cap - 1);
}

static struct cache_slot *cache_slot(struct cache_slot *tab, size_t cap, __u64 addr, bool is_return)
{
	size_t i = cache_hash(addr, is_return, cap);

	while (tab[i].used && (tab[i].sym.addr != addr || tab[i].is_return != is_return))
		i = (i + 1) & (cap - 1);
	return &tab[i];
}

static int cache_grow(struct lt_symbolizer *s)
{
	size_t cap = s->cache_cap * 2, i;
	struct cache_slot *tab;

	tab = calloc(cap, sizeof(*tab));
	if (!tab)
		return -ENOMEM;
	for (i = 0; i < s->cache_cap; i++)
		if (s->cache[i].used)
			*cache_slot(tab, cap, s->cache[i].sym.addr, s->cache[i].is_return) =
				s->cache[i];
	free(s->cache);
	s->cache = tab;
	s->cache_cap = cap;
	return 0;
}

static const char *own(struct lt_symbolizer *s, char *str)
{
	if (LT_ENSURE(&s->owned, &s->owned_cap, s->nowned + 1)) {
		free(str);
		return NULL;
	}
	s->owned[s->nowned++] = str;
	return str;
}

/* Prefer what a reader knows an alias by: malloc over __libc_malloc, a global function over
 * a local label. */
static int alias_rank(const GElf_Sym *sym, const char *name)
{
	int bind = GELF_ST_BIND(sym->st_info), rank = 0;

	rank += bind == STB_GLOBAL ? 0 : bind == STB_WEAK ? 1000 : 2000;
	rank += GELF_ST_TYPE(sym->st_info) == STT_NOTYPE ? 500 : 0;
	while (*name++ == '_')
		rank += 10;
	return rank;
}

static int cmp_fn_sym(const void *a, const void *b)
{
	const struct fn_sym *x = a, *y = b;

	if (x->addr != y->addr)
		return x->addr < y->addr ? -1 : 1;
	return x->rank - y->rank;
}

static void load_fn_syms(struct sym_module *sm)
{
	int n, i;
	size_t k;

	sm->syms_loaded = true;
	n = dwfl_module_getsymtab(sm->dwmod);
	if (n <= 0)
		return;
	sm->syms = calloc(n, sizeof(*sm->syms));
	if (!sm->syms)
		return;
	for (i = 1; i < n; i++) {
		const char *name;
		GElf_Word shndx;
		GElf_Addr addr;
		GElf_Sym sym;
		int type;

		name = dwfl_module_getsym_info(sm->dwmod, i, &sym, &addr, &shndx, NULL, NULL);
		type = GELF_ST_TYPE(sym.st_info);
		if (!name || !*name || shndx == SHN_UNDEF || sym.st_shndx == SHN_ABS)
			continue;
		if (type != STT_FUNC && type != STT_GNU_IFUNC && type != STT_NOTYPE)
			continue;
		sm->syms[sm->nsyms++] =
			(struct fn_sym){ addr, sym.st_size, name, alias_rank(&sym, name) };
	}
	if (sm->nsyms) /* qsort(NULL, 0) is undefined */
		qsort(sm->syms, sm->nsyms, sizeof(*sm->syms), cmp_fn_sym);
	/* Keep the best-ranked alias per address; sorting put it first. */
	for (i = 0, k = 0; (size_t)i < sm->nsyms; i++)
		if (k == 0 || sm->syms[k - 1].addr != sm->syms[i].addr)
			sm->syms[k++] = sm->syms[i];
	sm->nsyms = k;
}

/* The function containing pc; a sizeless symbol (assembly) covers up to the next symbol. */
static const struct fn_sym *find_fn_sym(struct sym_module *sm, __u64 pc)
{
	size_t lo, i, steps;

	if (!sm->syms_loaded)
		load_fn_syms(sm);
	/* lo: the first symbol above pc */
	lo = LT_RANGE_FLOOR(sm->syms, sm->nsyms, addr, pc) + 1;
	if (lo == 0)
		return NULL;
	if (!sm->syms[lo - 1].size)
		return &sm->syms[lo - 1];
	/* A symbol inside a bigger one (a label, a nested alias) may precede pc. */
	for (i = lo, steps = 0; i-- > 0 && steps < 16; steps++) {
		const struct fn_sym *f = &sm->syms[i];

		if (pc < f->addr + f->size)
			return f;
	}
	return NULL;
}

/* Names in the detached debug file's .symtab that the file libdwfl chose for symbols lacks
 * (a main file with a partial .symtab hides the debug file's static functions). */
static const char *debug_symtab_name(Dwfl_Module *dwmod, __u64 addr, __u64 *start)
{
	Dwarf_Addr bias;
	Elf_Scn *scn = NULL;
	Dwarf *dw;
	Elf *elf;

	dw = dwfl_module_getdwarf(dwmod, &bias);
	if (!dw)
		return NULL;
	elf = dwarf_getelf(dw);
	while (elf && (scn = elf_nextscn(elf, scn))) {
		GElf_Shdr shdr;
		Elf_Data *data;
		size_t i, n;

		if (!gelf_getshdr(scn, &shdr) || shdr.sh_type != SHT_SYMTAB || !shdr.sh_entsize)
			continue;
		data = elf_getdata(scn, NULL);
		if (!data)
			return NULL;
		n = shdr.sh_size / shdr.sh_entsize;
		for (i = 0; i < n; i++) {
			GElf_Sym sym;

			if (!gelf_getsym(data, i, &sym) || GELF_ST_TYPE(sym.st_info) != STT_FUNC)
				continue;
			if (sym.st_shndx == SHN_UNDEF || addr - bias < sym.st_value ||
			    addr - bias >= sym.st_value + sym.st_size)
				continue;
			*start = sym.st_value + bias;
			return elf_strptr(elf, shdr.sh_link, sym.st_name);
		}
	}
	return NULL;
}

/* An address missing from the perf map may be code compiled since it was read; re-reading
 * costs an open and a stat when the file has not grown. */
static void perf_map_reread(struct lt_symbolizer *s)
{
	if (s->perf_map)
		lt_perf_map__refresh(s->perf_map);
	else
		s->perf_map = lt_perf_map__open(s->pid);
}

static void perf_map_lookup(struct lt_symbolizer *s, __u64 addr, __u64 pc, struct lt_sym *out)
{
	struct lt_perf_sym ps;

	if (lt_perf_map__lookup(s->perf_map, pc, &ps)) {
		perf_map_reread(s);
		if (lt_perf_map__lookup(s->perf_map, pc, &ps))
			return;
	}
	out->symbol = ps.name;
	out->sym_off = addr - ps.start;
	out->file = ps.file;
	out->line = ps.line;
	out->js = ps.js;
}

static void lookup(struct lt_symbolizer *s, __u64 addr, bool is_return, struct lt_sym *out)
{
	__u64 pc = is_return && addr ? addr - 1 : addr;
	const char *name = NULL, *file;
	const struct fn_sym *fn;
	struct sym_module *sm;
	Dwfl_Line *line;
	__u64 start = 0, delta = 0;
	int lineno = 0;

	memset(out, 0, sizeof(*out));
	out->addr = addr;
	sm = find_module(s, pc);
	if (!sm) {
		perf_map_lookup(s, addr, pc, out);
		return;
	}
	out->module = sm->m.path;
	out->module_off = addr - sm->m.bias;
	if (sm->alias) {
		delta = sm->alias->m.bias - sm->m.bias;
		sm = sm->alias;
		pc += delta;
	}
	if (!sm->dwmod)
		return;

	fn = find_fn_sym(sm, pc);
	if (fn) {
		name = fn->name;
		start = fn->addr;
	}
	if (!name)
		name = debug_symtab_name(sm->dwmod, pc, &start);
	start -= delta;
	if (name && *name) {
		const char *at = strchr(name, '@');
		char *demangled = NULL;
		int status = -1;

		/* __libc_start_main@@GLIBC_2.34: the version is not part of the name */
		if (at && at != name)
			name = own(s, strndup(name, at - name)) ?: name;

		if (name[0] == '_' && name[1] == 'Z')
			demangled = __cxa_demangle(name, NULL, NULL, &status);
		out->mangled = name;
		if (demangled && status == 0)
			name = own(s, demangled) ?: name;
		else
			free(demangled);
		out->symbol = name;
		out->sym_off = addr - start;
	}

	line = dwfl_module_getsrc(sm->dwmod, pc);
	if (line) {
		file = dwfl_lineinfo(line, NULL, &lineno, NULL, NULL, NULL);
		if (file && lineno > 0) {
			out->file = file;
			out->line = lineno;
		}
	}
	/* the chain is the symbolizer's: cached results point into it */
	if (out->symbol && !own(s, (char *)lt_inline__add(sm->dwmod, pc, out))) {
		out->inl = NULL;
		out->ninl = 0;
	}
}

int lt_symbolizer__resolve(struct lt_symbolizer *s, __u64 addr, bool is_return, struct lt_sym *out)
{
	struct cache_slot *slot;

	if (addr & LT_JS_FRAME_TAG) {
		lt_js_names__resolve(s->js, addr, out);
		return 0;
	}
	slot = cache_slot(s->cache, s->cache_cap, addr, is_return);
	if (slot->used) {
		*out = slot->sym;
		return 0;
	}
	lookup(s, addr, is_return, out);
	/* JIT code unnamed now may be in the perf map by the next report */
	if (!out->symbol && !out->module)
		return 0;
	/* Without memory for the cache the answer is still right, only not remembered. */
	if ((s->cache_n + 1) * 2 > s->cache_cap && cache_grow(s))
		return 0;
	slot = cache_slot(s->cache, s->cache_cap, addr, is_return);
	slot->used = true;
	slot->is_return = is_return;
	slot->sym = *out;
	s->cache_n++;
	return 0;
}

void lt_symbolizer__set_js_names(struct lt_symbolizer *s, struct lt_js_names *t)
{
	s->js = t;
}

void lt_symbolizer__free(struct lt_symbolizer *s)
{
	size_t i;

	if (!s)
		return;
	/* libdwfl closes the module files it was given. */
	if (s->dwfl)
		dwfl_end(s->dwfl);
	for (i = 0; i < s->nmods; i++)
		sym_module__free(s->mods[i]);
	for (i = 0; i < s->nretired; i++)
		sym_module__free(s->retired[i]);
	for (i = 0; i < s->nowned; i++)
		free(s->owned[i]);
	free(s->mods);
	free(s->retired);
	free(s->owned);
	free(s->cache);
	free(s->debuginfo_path);
	lt_perf_map__free(s->perf_map);
	free(s);
}

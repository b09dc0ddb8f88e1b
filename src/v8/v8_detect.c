// SPDX-License-Identifier: GPL-2.0
/* V8 detection: which module defines V8's C++ symbols (in .symtab as well as .dynsym:
 * Node 24 keeps its internal ones only there), its version, and the GC entry points. */
#include <errno.h>
#include <gelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "v8_detect.h"
#include "elf_symbols.h"

#define LT_V8_ANY_PREFIX "_ZN2v88internal"
#define LT_V8_PERFORM_GC_PREFIX "_ZN2v88internal4Heap24PerformGarbageCollectionE"
#define LT_V8_SIZE_OF_OBJECTS_PREFIX "_ZN2v88internal4Heap13SizeOfObjectsEv"

static int lt_v8_any(const struct lt_elf_sym *sym, void *ctx)
{
	return sym->vaddr ? 1 : 0;
}

/* Whether the file defines anything of V8's: stops at the first such symbol. */
static bool lt_v8_carried(struct lt_elf *e)
{
	return lt_elf__for_each(e, LT_V8_ANY_PREFIX, lt_v8_any, NULL) == 1;
}

static int lt_v8_clone(const struct lt_elf_sym *sym, void *ctx)
{
	struct lt_v8_func *f = ctx;
	const char *tail;

	if (sym->type != STT_FUNC || !sym->vaddr || strstr(sym->name, ".cold"))
		return 0;
	/* the prefix ends the mangled name or its parameter list; anything after a dot
	 * is a clone suffix */
	tail = strchr(sym->name, '.');
	if (tail && strncmp(tail, ".constprop", 10) && strncmp(tail, ".isra", 5) &&
	    strncmp(tail, ".part", 5))
		return 0;
	for (size_t i = 0; i < f->n; i++)
		if (f->vaddrs[i] == sym->vaddr)
			return 0; /* listed by both .dynsym and .symtab */
	if (f->n == LT_V8_MAX_CLONES)
		return 0;
	f->names[f->n] = strdup(sym->name);
	if (!f->names[f->n])
		return -ENOMEM;
	f->vaddrs[f->n++] = sym->vaddr;
	return 0;
}

struct lt_v8_int {
	struct lt_elf *e;
	const char *name;
	int value;
	bool found;
};

/* Version::major_ and friends are initialised ints in the file's .data. */
static const char *const lt_v8_version_parts[] = {
	"_ZN2v88internal7Version6major_E",
	"_ZN2v88internal7Version6minor_E",
	"_ZN2v88internal7Version6build_E",
	"_ZN2v88internal7Version6patch_E",
};

#define LT_V8_NPARTS (sizeof(lt_v8_version_parts) / sizeof(lt_v8_version_parts[0]))

/* Everything examined in one walk over V8's symbols (one walk of node's 185k symbols
 * costs a few ms; six of them, twice per attach, were a tenth of its CPU). */
struct lt_v8_scan {
	struct lt_elf *e;
	struct lt_v8_int parts[LT_V8_NPARTS];
	struct lt_v8_func *perform_gc, *size_of_objects;
};

static bool lt_v8_starts(const char *s, const char *prefix)
{
	return !strncmp(s, prefix, strlen(prefix));
}

static int lt_v8_int_sym(struct lt_v8_int *want, const struct lt_elf_sym *sym)
{
	if (want->found || sym->type != STT_OBJECT || sym->size != sizeof(int) ||
	    strcmp(sym->name, want->name))
		return 0;
	want->found = !lt_elf__read(want->e, sym->vaddr, &want->value, sizeof(int));
	return 0;
}

static int lt_v8_scan_one(const struct lt_elf_sym *sym, void *ctx)
{
	struct lt_v8_scan *sc = ctx;

	if (lt_v8_starts(sym->name, LT_V8_PERFORM_GC_PREFIX))
		return lt_v8_clone(sym, sc->perform_gc);
	if (lt_v8_starts(sym->name, LT_V8_SIZE_OF_OBJECTS_PREFIX))
		return lt_v8_clone(sym, sc->size_of_objects);
	for (size_t i = 0; i < LT_V8_NPARTS; i++)
		lt_v8_int_sym(&sc->parts[i], sym);
	return 0;
}

static int lt_v8_scan(struct lt_elf *e, struct lt_v8_module *out)
{
	struct lt_v8_scan sc = {
		.e = e,
		.perform_gc = &out->perform_gc,
		.size_of_objects = &out->size_of_objects,
	};
	int err;

	for (size_t i = 0; i < LT_V8_NPARTS; i++)
		sc.parts[i] = (struct lt_v8_int){ .e = e, .name = lt_v8_version_parts[i] };
	out->perform_gc.what = "Heap::PerformGarbageCollection";
	out->size_of_objects.what = "Heap::SizeOfObjects";
	err = lt_elf__for_each(e, LT_V8_ANY_PREFIX, lt_v8_scan_one, &sc);
	if (err)
		return err;
	out->version[0] = '\0';
	for (size_t i = 0; i < LT_V8_NPARTS; i++)
		if (!sc.parts[i].found)
			return 0;
	snprintf(out->version, sizeof(out->version), "%d.%d.%d.%d", sc.parts[0].value,
		 sc.parts[1].value, sc.parts[2].value, sc.parts[3].value);
	return 0;
}

static int lt_v8_fill_module(struct lt_v8_module *out, const struct lt_module *m)
{
	out->path = strdup(m->path);
	out->host_path = strdup(m->host_path);
	if (!out->path || !out->host_path)
		return -ENOMEM;
	out->start = m->start;
	out->end = m->end;
	out->bias = m->bias;
	out->dev = m->dev;
	out->ino = m->ino;
	return 0;
}

/* Examine one module known to carry V8. */
static int lt_v8_examine(struct lt_elf *e, const struct lt_module *m, struct lt_v8_module *out)
{
	struct lt_v8_func *missing = NULL;
	int err;

	err = lt_v8_fill_module(out, m);
	if (err)
		return err;
	err = lt_v8_scan(e, out);
	if (err)
		return err;
	if (!out->perform_gc.n)
		missing = &out->perform_gc;
	else if (!out->size_of_objects.n)
		missing = &out->size_of_objects;
	if (!missing)
		return 0;
	snprintf(out->why, sizeof(out->why), "%s not found in V8 %s (%s)", missing->what,
		 out->version[0] ? out->version : "of unknown version", m->path);
	return -EOPNOTSUPP;
}

int lt_v8__detect(const struct lt_modules *mods, struct lt_v8_module *out)
{
	int err = -ENOENT;

	if (!mods || !out)
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	for (size_t i = 0; i < mods->n; i++) {
		struct lt_elf *e = lt_elf__open(mods->v[i].host_path);

		if (!e)
			continue;
		if (!lt_v8_carried(e)) {
			lt_elf__close(e);
			continue;
		}
		/* a second V8 in one process (rare) is looked at only if the first lacks
		 * what we need */
		lt_v8__free(out);
		err = lt_v8_examine(e, &mods->v[i], out);
		lt_elf__close(e);
		if (err != -EOPNOTSUPP)
			break;
	}
	if (err == -ENOENT)
		snprintf(out->why, sizeof(out->why), "no V8 symbols in this process");
	else if (err && err != -EOPNOTSUPP)
		snprintf(out->why, sizeof(out->why), "reading V8's symbols failed: %s",
			 strerror(-err));
	return err;
}

static void lt_v8_func_free(struct lt_v8_func *f)
{
	for (size_t i = 0; i < f->n; i++)
		free(f->names[i]);
	memset(f, 0, sizeof(*f));
}

void lt_v8__free(struct lt_v8_module *m)
{
	if (!m)
		return;
	free(m->path);
	free(m->host_path);
	lt_v8_func_free(&m->perform_gc);
	lt_v8_func_free(&m->size_of_objects);
	memset(m, 0, sizeof(*m));
}

bool lt_v8__in_process(int pid)
{
	struct lt_maps maps = {};
	struct lt_modules mods = {};
	bool found = false;

	if (lt_procmaps__read(pid, &maps))
		return false;
	if (lt_modules__from_maps(pid, &maps, &mods))
		goto cleanup;
	for (size_t i = 0; i < mods.n && !found; i++) {
		struct lt_elf *e = lt_elf__open(mods.v[i].host_path);

		if (!e)
			continue;
		found = lt_v8_carried(e);
		lt_elf__close(e);
	}
cleanup:
	lt_modules__free(&mods);
	lt_procmaps__free(&maps);
	return found;
}

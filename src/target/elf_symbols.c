// SPDX-License-Identifier: GPL-2.0
/* ELF symbol lookup: exact and mangled-prefix function names over .dynsym and .symtab,
 * data symbol values, and address translation for uprobe attach. */

#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "elf_symbols.h"

#define VERSYM_HIDDEN 0x8000

struct lt_elf {
	int fd;
	Elf *elf;
};

struct lt_elf *lt_elf__open(const char *path)
{
	struct lt_elf *e;
	int err;

	if (!path) {
		errno = EINVAL;
		return NULL;
	}
	if (elf_version(EV_CURRENT) == EV_NONE) {
		errno = EINVAL;
		return NULL;
	}
	e = calloc(1, sizeof(*e));
	if (!e)
		return NULL;
	e->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (e->fd < 0) {
		err = errno;
		goto fail;
	}
	e->elf = elf_begin(e->fd, ELF_C_READ_MMAP, NULL);
	if (!e->elf || elf_kind(e->elf) != ELF_K_ELF) {
		err = ENOEXEC;
		goto fail;
	}
	return e;
fail:
	lt_elf__close(e);
	errno = err;
	return NULL;
}

void lt_elf__close(struct lt_elf *e)
{
	if (!e)
		return;
	if (e->elf)
		elf_end(e->elf);
	if (e->fd >= 0)
		close(e->fd);
	free(e);
}

void *lt_elf__handle(struct lt_elf *e)
{
	return e->elf;
}

int lt_elf__fd(struct lt_elf *e)
{
	return e->fd;
}

/* "free" matches "free", "free@GLIBC_2.2.5" and "free@@GLIBC_2.2.5" (.symtab spells
 * versions into names; .dynsym keeps them in .gnu.version). */
static bool base_name_matches(const char *symname, const char *want)
{
	size_t n = strlen(want);

	return strncmp(symname, want, n) == 0 && (symname[n] == '\0' || symname[n] == '@');
}

/* Prefer exported over local symbols (a static function may share a name with another
 * file's), and the default version over a hidden old one. */
static int sym_rank(const GElf_Sym *sym, const char *symname, bool hidden_version)
{
	int rank = 0;

	if (GELF_ST_BIND(sym->st_info) != STB_LOCAL)
		rank += 2;
	if (!hidden_version && (!strchr(symname, '@') || strstr(symname, "@@")))
		rank += 1;
	return rank;
}

static Elf_Data *versym_data(Elf *elf)
{
	Elf_Scn *scn = NULL;
	GElf_Shdr sh;

	while ((scn = elf_nextscn(elf, scn))) {
		if (gelf_getshdr(scn, &sh) && sh.sh_type == SHT_GNU_versym)
			return elf_getdata(scn, NULL);
	}
	return NULL;
}

static void fill(struct lt_elf_sym *out, const GElf_Sym *sym, const char *name)
{
	out->name = name;
	out->vaddr = sym->st_value;
	out->size = sym->st_size;
	out->type = GELF_ST_TYPE(sym->st_info);
	out->local = GELF_ST_BIND(sym->st_info) == STB_LOCAL;
}

/* Search one symbol table. Returns 0 (found a function), -EOPNOTSUPP (only an IFUNC
 * matched: its address is the resolver, which runs once at relocation, not the
 * implementation), or -ENOENT. */
static int symtab_find(Elf *elf, Elf_Scn *scn, const GElf_Shdr *sh, const char *name,
		       struct lt_elf_sym *out)
{
	Elf_Data *data = elf_getdata(scn, NULL);
	Elf_Data *vers = sh->sh_type == SHT_DYNSYM ? versym_data(elf) : NULL;
	size_t i, n;
	bool ifunc = false;
	int best = -1;

	if (!data || !sh->sh_entsize)
		return -ENOENT;
	n = sh->sh_size / sh->sh_entsize;
	for (i = 1; i < n; i++) {
		GElf_Sym sym;
		GElf_Versym vs = 0;
		const char *symname;
		int type, rank;

		if (!gelf_getsym(data, i, &sym) || sym.st_shndx == SHN_UNDEF || !sym.st_value)
			continue;
		type = GELF_ST_TYPE(sym.st_info);
		if (type != STT_FUNC && type != STT_GNU_IFUNC)
			continue;
		symname = elf_strptr(elf, sh->sh_link, sym.st_name);
		if (!symname || !base_name_matches(symname, name) || strstr(symname, ".cold"))
			continue;
		if (type == STT_GNU_IFUNC) {
			ifunc = true;
			continue;
		}
		if (vers)
			gelf_getversym(vers, i, &vs);
		rank = sym_rank(&sym, symname, vs & VERSYM_HIDDEN);
		if (rank > best) {
			best = rank;
			fill(out, &sym, symname);
		}
	}
	if (best >= 0)
		return 0;
	return ifunc ? -EOPNOTSUPP : -ENOENT;
}

int lt_elf__find_func(struct lt_elf *e, const char *name, struct lt_elf_sym *out)
{
	static const Elf64_Word order[] = { SHT_DYNSYM, SHT_SYMTAB };
	int err = -ENOENT;
	size_t k;

	if (!e || !name || !*name || !out)
		return -EINVAL;
	for (k = 0; k < sizeof(order) / sizeof(order[0]); k++) {
		Elf_Scn *scn = NULL;
		GElf_Shdr sh;

		while ((scn = elf_nextscn(e->elf, scn))) {
			int r;

			if (!gelf_getshdr(scn, &sh) || sh.sh_type != order[k])
				continue;
			r = symtab_find(e->elf, scn, &sh, name, out);
			if (!r)
				return 0;
			if (r == -EOPNOTSUPP)
				err = r;
		}
	}
	return err;
}

int lt_elf__for_each(struct lt_elf *e, const char *prefix,
		     int (*fn)(const struct lt_elf_sym *sym, void *ctx), void *ctx)
{
	size_t plen = prefix ? strlen(prefix) : 0;
	Elf_Scn *scn = NULL;
	GElf_Shdr sh;

	if (!e || !fn)
		return -EINVAL;
	while ((scn = elf_nextscn(e->elf, scn))) {
		Elf_Data *data;
		size_t i, n;

		if (!gelf_getshdr(scn, &sh) || !sh.sh_entsize ||
		    (sh.sh_type != SHT_DYNSYM && sh.sh_type != SHT_SYMTAB))
			continue;
		data = elf_getdata(scn, NULL);
		if (!data)
			continue;
		n = sh.sh_size / sh.sh_entsize;
		for (i = 1; i < n; i++) {
			struct lt_elf_sym s;
			const char *name;
			GElf_Sym sym;
			int r;

			if (!gelf_getsym(data, i, &sym) || sym.st_shndx == SHN_UNDEF)
				continue;
			name = elf_strptr(e->elf, sh.sh_link, sym.st_name);
			if (!name || strncmp(name, prefix ? prefix : "", plen))
				continue;
			fill(&s, &sym, name);
			r = fn(&s, ctx);
			if (r)
				return r;
		}
	}
	return 0;
}

struct prefix_search {
	struct lt_elf_sym best;
	size_t best_len;
	bool found;
};

static int prefix_candidate(const struct lt_elf_sym *sym, void *ctx)
{
	struct prefix_search *ps = ctx;
	size_t len;

	if (sym->type != STT_FUNC || !sym->vaddr || strstr(sym->name, ".cold"))
		return 0;
	len = strlen(sym->name);
	if (!ps->found || len < ps->best_len) {
		ps->best = *sym;
		ps->best_len = len;
		ps->found = true;
	}
	return 0;
}

int lt_elf__find_func_prefix(struct lt_elf *e, const char *prefix, struct lt_elf_sym *out)
{
	struct prefix_search ps = {};
	int err;

	if (!e || !prefix || !*prefix || !out)
		return -EINVAL;
	err = lt_elf__for_each(e, prefix, prefix_candidate, &ps);
	if (err)
		return err;
	if (!ps.found)
		return -ENOENT;
	*out = ps.best;
	return 0;
}

int lt_elf__read(struct lt_elf *e, __u64 vaddr, void *buf, size_t size)
{
	Elf_Scn *scn = NULL;
	GElf_Shdr sh;

	if (!e || !buf)
		return -EINVAL;
	while ((scn = elf_nextscn(e->elf, scn))) {
		Elf_Data *data;
		__u64 off;

		if (!gelf_getshdr(scn, &sh) || !(sh.sh_flags & SHF_ALLOC))
			continue;
		if (vaddr < sh.sh_addr || vaddr >= sh.sh_addr + sh.sh_size)
			continue;
		if (sh.sh_type == SHT_NOBITS)
			return -ENOENT;
		off = vaddr - sh.sh_addr;
		if (off + size > sh.sh_size)
			return -ERANGE;
		data = elf_getdata(scn, NULL);
		if (!data || !data->d_buf || off + size > data->d_size)
			return -ENOENT;
		memcpy(buf, (const char *)data->d_buf + off, size);
		return 0;
	}
	return -ENOENT;
}

int lt_elf__exec_offset(struct lt_elf *e, __u64 vaddr, __u64 *off, __u64 *avail)
{
	size_t i, n;

	if (elf_getphdrnum(e->elf, &n))
		return -ENOEXEC;
	for (i = 0; i < n; i++) {
		GElf_Phdr ph;

		if (!gelf_getphdr(e->elf, i, &ph) || ph.p_type != PT_LOAD)
			continue;
		if (vaddr < ph.p_vaddr || vaddr >= ph.p_vaddr + ph.p_filesz)
			continue;
		if (!(ph.p_flags & PF_X))
			return -ENOEXEC;
		*off = vaddr - ph.p_vaddr + ph.p_offset;
		if (avail)
			*avail = ph.p_vaddr + ph.p_filesz - vaddr;
		return 0;
	}
	return -ENOEXEC;
}

static int next_start(const struct lt_elf_sym *sym, void *ctx)
{
	__u64 *range = ctx; /* lo, next */

	if (sym->type != STT_FUNC && sym->type != STT_GNU_IFUNC && sym->type != STT_NOTYPE)
		return 0;
	if (sym->vaddr > range[0] && sym->vaddr < range[1])
		range[1] = sym->vaddr;
	return 0;
}

__u64 lt_elf__next_symbol(struct lt_elf *e, __u64 lo, __u64 hi)
{
	__u64 range[2] = { lo, hi };

	lt_elf__for_each(e, NULL, next_start, range);
	return range[1];
}

// SPDX-License-Identifier: GPL-2.0
/* Recognising a Go program (or a Go c-shared library) from its ELF file. */
#include <gelf.h>
#include <libelf.h>
#include <string.h>

#include "elf_symbols.h"
#include "go_heap.h"

static bool lt_go_has_buildinfo(Elf *elf)
{
	Elf_Scn *scn = NULL;
	size_t shstrndx;

	if (elf_getshdrstrndx(elf, &shstrndx) != 0)
		return false;
	while ((scn = elf_nextscn(elf, scn))) {
		GElf_Shdr sh;
		const char *name;

		if (!gelf_getshdr(scn, &sh))
			continue;
		name = elf_strptr(elf, shstrndx, sh.sh_name);
		if (name && !strcmp(name, ".go.buildinfo"))
			return true;
	}
	return false;
}

bool lt_go_heap__in(const char *path)
{
	struct lt_elf *e = lt_elf__open(path);
	struct lt_elf_sym sym;
	bool go;

	if (!e)
		return false;
	go = lt_go_has_buildinfo(lt_elf__handle(e)) ||
	     !lt_elf__find_func(e, "runtime.mallocgc", &sym);
	lt_elf__close(e);
	return go;
}

// SPDX-License-Identifier: GPL-2.0
/* ELF symbol tables of the target's files: every lookup leaktrace does on them (probe
 * placement by name and prefix, data reads, file offsets, next symbol). */
#include <string.h>
#include <unistd.h>
#include "elf_symbols.h"
#include "fuzz.h"

struct walk {
	struct lt_elf *e;
	size_t names;
};

static int visit(const struct lt_elf_sym *sym, void *ctx)
{
	struct walk *w = ctx;
	__u64 off, avail;
	char buf[8];

	w->names += strlen(sym->name);
	lt_elf__read(w->e, sym->vaddr, buf, sizeof(buf));
	lt_elf__exec_offset(w->e, sym->vaddr, &off, &avail);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct walk w = {};
	struct lt_elf_sym sym;
	struct lt_elf *e;
	char path[64];
	int fd;

	fd = lt_fuzz_file(data, size, path, sizeof(path));
	if (fd < 0)
		return 0;
	e = lt_elf__open(path);
	if (e) {
		w.e = e;
		lt_elf__find_func(e, "malloc", &sym);
		lt_elf__find_func(e, "free", &sym);
		lt_elf__find_func_prefix(e, "_Zn", &sym);
		lt_elf__for_each(e, "", visit, &w);
		lt_elf__next_symbol(e, 0, ~0ull);
		lt_elf__close(e);
	}
	close(fd);
	return 0;
}

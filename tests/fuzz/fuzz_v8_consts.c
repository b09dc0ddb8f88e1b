// SPDX-License-Identifier: GPL-2.0
/* What leaktrace reads of V8 from a node binary's ELF: the v8dbg_* constants and embedded
 * blob (v8_frames.c), V8's version ints and the functions it probes (v8_detect.c). */
#include <unistd.h>
#include "elf_symbols.h"
#include "fuzz.h"
#include "v8_detect.h"
#include "v8_frames.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct lt_module mod = { .path = "node", .start = 0x400000, .end = 0x800000 };
	struct lt_modules mods = { &mod, 1 };
	struct lt_v8_module v8;
	struct lt_v8_config cfg;
	struct lt_v8_blob blob;
	const char *missing;
	struct lt_elf *e;
	char path[64];
	int fd;

	fd = lt_fuzz_file(data, size, path, sizeof(path));
	if (fd < 0)
		return 0;
	e = lt_elf__open(path);
	if (e) {
		lt_v8_frames__read_config(e, &cfg, &blob, &missing);
		lt_elf__close(e);
	}
	mod.host_path = path;
	lt_v8__detect(&mods, &v8);
	lt_v8__free(&v8);
	close(fd);
	return 0;
}

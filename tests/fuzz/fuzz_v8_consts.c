// SPDX-License-Identifier: GPL-2.0
/* V8's v8dbg_* constants and embedded blob symbols, read from a node binary's ELF. */
#include <unistd.h>
#include "elf_symbols.h"
#include "fuzz.h"
#include "v8_frames.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
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
	close(fd);
	return 0;
}

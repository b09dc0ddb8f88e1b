// SPDX-License-Identifier: GPL-2.0
/* A JIT's perf map (written by the target's user): parsed, then each entry looked up, in
 * two reads (the file grows while leaktrace runs) when the input holds a NUL byte. */
#include <string.h>
#include <unistd.h>
#include "fuzz.h"
#include "perf_map.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *cut = memchr(data, '\0', size);
	size_t first = cut ? (size_t)(cut - data) : size;
	struct lt_perf_sym sym;
	struct lt_perf_map *m;
	char path[64];
	int fd;

	fd = lt_fuzz_file(data, first, path, sizeof(path));
	if (fd < 0)
		return 0;
	m = lt_perf_map__open_path(path, geteuid());
	if (m && cut) {
		if (write(fd, cut + 1, size - first - 1) >= 0)
			lt_perf_map__refresh(m);
	}
	if (m) {
		for (__u64 a = 0; a < 1 << 16; a += 0x1001)
			lt_perf_map__lookup(m, a, &sym);
		lt_perf_map__lookup(m, ~0ull, &sym);
		lt_perf_map__count(m);
		lt_perf_map__free(m);
	}
	close(fd);
	return 0;
}

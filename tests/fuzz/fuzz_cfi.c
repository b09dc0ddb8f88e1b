// SPDX-License-Identifier: GPL-2.0
/* .eh_frame and .debug_frame of the target's files, read into unwind rows, then searched. */
#include <stdlib.h>
#include <unistd.h>
#include "cfi.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct lt_cfi_row *rows = NULL;
	size_t nrows = 0;
	char path[64];
	int fd;

	fd = lt_fuzz_file(data, size, path, sizeof(path));
	if (fd < 0)
		return 0;
	if (!lt_cfi__build(path, &rows, &nrows)) {
		for (size_t i = 0; i < nrows; i += 1 + nrows / 64)
			lt_cfi__lookup(rows, nrows, rows[i].pc);
		lt_cfi__lookup(rows, nrows, 0);
		lt_cfi__lookup(rows, nrows, ~0ull);
	}
	free(rows);
	close(fd);
	return 0;
}

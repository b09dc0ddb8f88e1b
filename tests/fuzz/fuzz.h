/* SPDX-License-Identifier: GPL-2.0 */
/* What the fuzz entry points share: the libFuzzer entry point's prototype, and the input
 * as a stream or as a file with a path (parsers that open files by name). */
#ifndef LT_FUZZ_H
#define LT_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The input as a read-only stream (NULL for an empty input: fmemopen refuses size 0). */
static inline FILE *lt_fuzz_stream(const uint8_t *data, size_t size)
{
	return size ? fmemopen((void *)data, size, "r") : NULL;
}

/* The input in a memory file; path receives a name that opens it. -1 on failure. */
static inline int lt_fuzz_file(const uint8_t *data, size_t size, char *path, size_t len)
{
	int fd = memfd_create("lt-fuzz", MFD_CLOEXEC);
	size_t done = 0;

	if (fd < 0)
		return -1;
	while (done < size) {
		ssize_t n = write(fd, data + done, size - done);

		if (n <= 0) {
			close(fd);
			return -1;
		}
		done += n;
	}
	snprintf(path, len, "/proc/self/fd/%d", fd);
	return fd;
}

#endif

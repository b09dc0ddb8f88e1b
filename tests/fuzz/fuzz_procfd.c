// SPDX-License-Identifier: GPL-2.0
/* The link text of /proc/PID/fd/N (what readlink returns: any bytes but NUL, up to the
 * buffer lt_procfd__describe reads into) with the st_mode of the file it names: the first
 * two input bytes pick the mode's type. */
#include <string.h>
#include <sys/stat.h>
#include "fuzz.h"
#include "procfd.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const unsigned int types[] = { 0,       S_IFREG, S_IFDIR,  S_IFCHR,
					      S_IFBLK, S_IFIFO, S_IFSOCK, S_IFLNK };
	struct lt_fd_desc desc;
	char link[sizeof(desc.path)];
	unsigned int mode;

	if (size < 1)
		return 0;
	mode = types[data[0] % 8] | 0644;
	size--;
	if (size > sizeof(link) - 1)
		size = sizeof(link) - 1;
	memcpy(link, data + 1, size);
	link[size] = '\0';
	lt_procfd__classify(link, mode);
	return 0;
}

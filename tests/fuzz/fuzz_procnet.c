// SPDX-License-Identifier: GPL-2.0
/* /proc/PID/net/{tcp,tcp6,udp,udp6,unix}: the first input byte picks the table's format. */
#include "fuzz.h"
#include "procnet.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct lt_net_socks socks = {};
	FILE *f;
	int kind;

	if (size < 1)
		return 0;
	kind = data[0] % 3;
	f = lt_fuzz_stream(data + 1, size - 1);
	if (!f)
		return 0;
	if (kind == 2)
		lt_procnet__parse_unix(f, &socks);
	else
		lt_procnet__parse_inet(f, kind ? "tcp6" : "tcp", kind == 1, &socks);
	for (size_t i = 0; i < socks.n; i++)
		lt_procnet__find(&socks, socks.v[i].ino);
	lt_procnet__free(&socks);
	fclose(f);
	return 0;
}

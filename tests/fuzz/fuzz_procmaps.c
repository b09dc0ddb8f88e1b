// SPDX-License-Identifier: GPL-2.0
/* /proc/PID/maps text, as lt_procmaps__parse reads it, then looked up. */
#include "fuzz.h"
#include "procmaps.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct lt_maps maps = {};
	FILE *f = lt_fuzz_stream(data, size);

	if (!f)
		return 0;
	if (!lt_procmaps__parse(f, &maps)) {
		for (size_t i = 0; i < maps.n; i++) {
			lt_procmaps__find(&maps, maps.v[i].start);
			lt_procmaps__find(&maps, maps.v[i].end - 1);
		}
		lt_procmaps__find(&maps, 0);
	}
	lt_procmaps__free(&maps);
	fclose(f);
	return 0;
}

// SPDX-License-Identifier: GPL-2.0
/* Runs a fuzz entry point once on each file of the directories and files named on the
 * command line, without libFuzzer: the regression check of `make check`, replaying the
 * committed corpus (seeds and every input that once crashed a parser). */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "fuzz.h"

static int replay_file(const char *path)
{
	size_t cap = 4096, n = 0;
	uint8_t *buf = malloc(cap);
	FILE *f = fopen(path, "rb");
	size_t got;

	if (!f || !buf) {
		fprintf(stderr, "replay: cannot read %s: %s\n", path, strerror(errno));
		free(buf);
		if (f)
			fclose(f);
		return -1;
	}
	while ((got = fread(buf + n, 1, cap - n, f)) > 0) {
		n += got;
		if (n == cap) {
			uint8_t *grown = realloc(buf, cap * 2);

			if (!grown) {
				free(buf);
				fclose(f);
				return -1;
			}
			buf = grown;
			cap *= 2;
		}
	}
	fclose(f);
	LLVMFuzzerTestOneInput(buf, n);
	free(buf);
	return 0;
}

int main(int argc, char **argv)
{
	int inputs = 0, failed = 0;

	for (int i = 1; i < argc; i++) {
		struct dirent *d;
		struct stat st;
		DIR *dp;

		if (stat(argv[i], &st) || !S_ISDIR(st.st_mode)) {
			failed += replay_file(argv[i]) != 0;
			inputs++;
			continue;
		}
		dp = opendir(argv[i]);
		if (!dp) {
			failed++;
			continue;
		}
		while ((d = readdir(dp))) {
			char path[4096];

			if (d->d_name[0] == '.')
				continue;
			snprintf(path, sizeof(path), "%s/%s", argv[i], d->d_name);
			failed += replay_file(path) != 0;
			inputs++;
		}
		closedir(dp);
	}
	printf("replay %s: %d inputs, %d unreadable\n", argc > 0 ? argv[0] : "?", inputs, failed);
	return failed ? 1 : 0;
}

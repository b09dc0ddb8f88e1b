// SPDX-License-Identifier: GPL-2.0
/* Unit tests of the call-frame section reader on this process's libc: its executable
 * segments, the .eh_frame choice, and FDE ranges that cover malloc and stay in the segments. */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <link.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "cfi_fde.h"

#define LIBC_FALLBACK "/lib/x86_64-linux-gnu/libc.so.6"

static int find_libc(struct dl_phdr_info *info, size_t size, void *arg)
{
	struct dl_phdr_info *out = arg;

	if (info->dlpi_name && strstr(info->dlpi_name, "/libc.so.6")) {
		*out = *info;
		return 1;
	}
	return 0;
}

static void test_libc_sections(void **state)
{
	struct lt_pc_range *segs = NULL, *fdes = NULL;
	size_t nsegs = 0, nfdes = 0, i;
	struct dl_phdr_info libc = {};
	struct lt_cfi_src src = {};
	Dwarf_CFI *cfi = NULL;
	Dwarf *dw = NULL;
	const char *path;
	__u64 malloc_vaddr;
	bool covered = false;
	void *handle;
	Elf *elf;
	int fd;

	path = dl_iterate_phdr(find_libc, &libc) ? libc.dlpi_name : LIBC_FALLBACK;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	elf_version(EV_CURRENT);
	elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	assert_non_null(elf);

	assert_int_equal(lt_cfi_fde__exec_segments(elf, &segs, &nsegs), 0);
	assert_true(nsegs >= 1);
	for (i = 0; i < nsegs; i++) {
		assert_true(segs[i].lo < segs[i].hi);
		if (i)
			assert_true(segs[i - 1].hi <= segs[i].lo);
	}

	/* libc is built with unwind tables: .eh_frame, read through libelf, no Dwarf */
	assert_int_equal(lt_cfi_fde__open(elf, &src, &dw, &cfi), 0);
	assert_non_null(cfi);
	assert_null(dw);
	assert_true(src.eh_frame);
	assert_non_null(src.data);

	assert_int_equal(lt_cfi_fde__collect(&src, segs, nsegs, &fdes, &nfdes), 0);
	assert_true(nfdes > 100);
	/* libc's own malloc, even where a sanitizer interposes another */
	handle = dlopen("libc.so.6", RTLD_NOW | RTLD_NOLOAD);
	assert_non_null(handle);
	malloc_vaddr = (uintptr_t)dlsym(handle, "malloc") - libc.dlpi_addr;
	dlclose(handle);
	for (i = 0; i < nfdes; i++) {
		size_t k;
		bool inside = false;

		assert_true(fdes[i].lo < fdes[i].hi);
		if (i)
			assert_true(fdes[i - 1].lo <= fdes[i].lo);
		for (k = 0; k < nsegs; k++)
			inside |= fdes[i].lo >= segs[k].lo && fdes[i].lo < segs[k].hi;
		assert_true(inside);
		if (libc.dlpi_name && malloc_vaddr >= fdes[i].lo && malloc_vaddr < fdes[i].hi)
			covered = true;
	}
	if (libc.dlpi_name)
		assert_true(covered);

	free(fdes);
	free(segs);
	dwarf_cfi_end(cfi);
	elf_end(elf);
	close(fd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_libc_sections),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

// SPDX-License-Identifier: GPL-2.0
/* symbolize: addresses of this very process (its own functions, libc, libstdc++, anonymous
 * memory, a library dlopen()ed later) and of a child that has exited. */
#include <dlfcn.h>
#include <elf.h>
#include <errno.h>
#include <limits.h>
#include <link.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "modules.h"
#include "procmaps.h"
#include "report.h"
#include "symbolize.h"

/* A symbolizer over pid's modules as the session reads them; it keeps copies of them. */
static struct lt_symbolizer *symbolizer_of(int pid)
{
	struct lt_modules mods = {};
	struct lt_maps maps = {};
	struct lt_symbolizer *s;

	assert_int_equal(lt_procmaps__read(pid, &maps), 0);
	assert_int_equal(lt_modules__from_maps(pid, &maps, &mods), 0);
	s = lt_symbolizer__new(pid, &mods);
	lt_modules__free(&mods);
	lt_procmaps__free(&maps);
	return s;
}

/* Hands pid's modules read now to lt_symbolizer__refresh. */
static int refresh_from(struct lt_symbolizer *s, int pid)
{
	struct lt_modules mods = {};
	struct lt_maps maps = {};
	int err;

	assert_int_equal(lt_procmaps__read(pid, &maps), 0);
	assert_int_equal(lt_modules__from_maps(pid, &maps, &mods), 0);
	err = lt_symbolizer__refresh(s, &mods);
	lt_modules__free(&mods);
	lt_procmaps__free(&maps);
	return err;
}

#define noinline __attribute__((noinline))

static void *main_return_address; /* inside libc's static __libc_start_call_main */
static volatile int sink;
static int caller_line;

static const int target_fn_line = __LINE__ + 1;
static noinline int target_fn(int x)
{
	sink = x * 3;
	return sink + 1;
}

static noinline void *get_return_address(void)
{
	return __builtin_return_address(0);
}

static noinline void *caller_fn(void)
{
	void *ra;

	ra = get_return_address();
	caller_line = __LINE__ - 1;
	sink++;
	return ra;
}

static const char *basename_of(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? slash + 1 : path;
}

static void check_target_fn(const struct lt_sym *sym, __u64 addr)
{
	assert_int_equal(sym->addr, addr);
	assert_non_null(sym->symbol);
	assert_string_equal(sym->symbol, "target_fn");
	assert_int_equal(sym->sym_off, addr - (uintptr_t)target_fn);
	assert_non_null(sym->module);
	assert_non_null(strstr(sym->module, "test_symbolize"));
	assert_non_null(sym->file);
	assert_string_equal(basename_of(sym->file), "test_symbolize.c");
	assert_in_range(sym->line, target_fn_line, target_fn_line + 4);
}

static void check_caller_fn(const struct lt_sym *sym, __u64 ra)
{
	assert_int_equal(sym->addr, ra);
	assert_non_null(sym->symbol);
	assert_string_equal(sym->symbol, "caller_fn");
	assert_int_equal(sym->sym_off, ra - (uintptr_t)caller_fn);
	assert_non_null(sym->file);
	assert_string_equal(basename_of(sym->file), "test_symbolize.c");
	assert_int_equal(sym->line, caller_line);
}

static int find_build_id(struct dl_phdr_info *info, size_t size, void *data)
{
	char *path = data;
	int i;

	if (!strstr(info->dlpi_name, "/libc.so"))
		return 0;
	for (i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		const char *p, *end;

		if (ph->p_type != PT_NOTE)
			continue;
		p = (const char *)(info->dlpi_addr + ph->p_vaddr);
		end = p + ph->p_memsz;
		while (p + sizeof(ElfW(Nhdr)) <= end) {
			const ElfW(Nhdr) *n = (const void *)p;
			const unsigned char *desc;
			int len, k;

			desc = (const unsigned char *)(n + 1) + ((n->n_namesz + 3) & ~3);
			if (n->n_type == NT_GNU_BUILD_ID && n->n_namesz == 4 && n->n_descsz > 1) {
				len = sprintf(path, "/usr/lib/debug/.build-id/%02x/", desc[0]);
				for (k = 1; k < (int)n->n_descsz; k++)
					len += sprintf(path + len, "%02x", desc[k]);
				strcpy(path + len, ".debug");
				return 1;
			}
			p = (const char *)desc + ((n->n_descsz + 3) & ~3);
		}
	}
	return 0;
}

/* Static libc functions are named only with libc's detached debug file (libc6-dbg). */
static bool have_libc_debug(void)
{
	char path[PATH_MAX] = "";

	dl_iterate_phdr(find_build_id, path);
	return path[0] && access(path, R_OK) == 0;
}

static void test_own_functions(void **state)
{
	struct lt_symbolizer *s;
	struct lt_sym sym, again;
	void *ra;

	target_fn(1);
	ra = caller_fn();
	s = symbolizer_of(getpid());
	assert_non_null(s);

	assert_int_equal(lt_symbolizer__resolve(s, (uintptr_t)target_fn, false, &sym), 0);
	check_target_fn(&sym, (uintptr_t)target_fn);

	/* The return address names the call's line, not what follows it. */
	assert_int_equal(lt_symbolizer__resolve(s, (uintptr_t)ra, true, &sym), 0);
	check_caller_fn(&sym, (uintptr_t)ra);

	/* Cached: the very same strings come back. */
	assert_int_equal(lt_symbolizer__resolve(s, (uintptr_t)ra, true, &again), 0);
	assert_ptr_equal(again.symbol, sym.symbol);
	assert_ptr_equal(again.file, sym.file);
	lt_symbolizer__free(s);
}

static void test_libc_and_cxx(void **state)
{
	void *libc, *cxx, *malloc_addr, *throw_addr;
	struct lt_symbolizer *s;
	struct lt_sym sym;

	libc = dlopen("libc.so.6", RTLD_NOW | RTLD_NOLOAD);
	cxx = dlopen("libstdc++.so.6", RTLD_NOW);
	assert_non_null(libc);
	assert_non_null(cxx);
	malloc_addr = dlsym(libc, "malloc");
	throw_addr = dlsym(cxx, "_ZSt17__throw_bad_allocv");
	assert_non_null(malloc_addr);
	assert_non_null(throw_addr);
	s = symbolizer_of(getpid());
	assert_non_null(s);

	assert_int_equal(lt_symbolizer__resolve(s, (uintptr_t)malloc_addr + 4, false, &sym), 0);
	assert_non_null(sym.symbol);
	assert_string_equal(sym.symbol, "malloc");
	assert_int_equal(sym.sym_off, 4);
	assert_non_null(sym.module);
	assert_non_null(strstr(sym.module, "libc.so.6"));

	assert_int_equal(lt_symbolizer__resolve(s, (uintptr_t)throw_addr, false, &sym), 0);
	assert_non_null(sym.symbol);
	assert_string_equal(sym.symbol, "std::__throw_bad_alloc()");
	assert_non_null(strstr(sym.module, "libstdc++"));

	if (have_libc_debug()) {
		assert_int_equal(
			lt_symbolizer__resolve(s, (uintptr_t)main_return_address, true, &sym), 0);
		assert_non_null(sym.symbol);
		assert_string_equal(sym.symbol, "__libc_start_call_main");
		assert_non_null(sym.file);
		assert_true(sym.line > 0);
	} else {
		print_message("libc6-dbg missing: __libc_start_call_main not checked\n");
	}
	lt_symbolizer__free(s);
	dlclose(cxx);
	dlclose(libc);
}

static void test_outside_modules(void **state)
{
	struct lt_symbolizer *s;
	struct lt_sym sym;
	void *anon;

	anon = mmap(NULL, 4096, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1,
		    0);
	assert_ptr_not_equal(anon, MAP_FAILED);
	s = symbolizer_of(getpid());
	assert_non_null(s);
	memset(&sym, 0xff, sizeof(sym));
	assert_int_equal(lt_symbolizer__resolve(s, (uintptr_t)anon + 16, true, &sym), 0);
	assert_int_equal(sym.addr, (uintptr_t)anon + 16);
	assert_null(sym.symbol);
	assert_null(sym.module);
	assert_null(sym.file);
	assert_int_equal(sym.line, 0);
	lt_symbolizer__free(s);
	munmap(anon, 4096);

	assert_null(lt_symbolizer__new(-1, NULL));
	/* without modules given, the symbolizer reads the maps itself */
	s = lt_symbolizer__new(getpid(), NULL);
	assert_non_null(s);
	assert_int_equal(lt_symbolizer__resolve(s, (uintptr_t)target_fn, false, &sym), 0);
	check_target_fn(&sym, (uintptr_t)target_fn);
	lt_symbolizer__free(s);
}

/* A module resolved before a refresh keeps resolving, without a duplicate; a library dlopen()ed
 * after the symbolizer was made appears only with the refresh. */
static void test_refresh(void **state)
{
	struct lt_sym before, after, lib;
	struct lt_symbolizer *s;
	void *handle, *fn;

	s = symbolizer_of(getpid());
	assert_non_null(s);
	assert_int_equal(lt_symbolizer__resolve(s, (uintptr_t)target_fn, false, &before), 0);
	check_target_fn(&before, (uintptr_t)target_fn);

	handle = dlopen("libthread_db.so.1", RTLD_LAZY | RTLD_NOLOAD);
	assert_null(handle); /* nothing in this test links it */
	handle = dlopen("libthread_db.so.1", RTLD_LAZY);
	assert_non_null(handle);
	fn = dlsym(handle, "td_init");
	assert_non_null(fn);
	assert_int_equal(lt_symbolizer__resolve(s, (uintptr_t)fn, false, &lib), 0);
	assert_null(lib.module);

	assert_int_equal(refresh_from(s, getpid()), 0);
	assert_int_equal(lt_symbolizer__resolve(s, (uintptr_t)target_fn + 1, false, &after), 0);
	check_target_fn(&after, (uintptr_t)target_fn + 1);
	assert_ptr_equal(after.module, before.module);
	assert_int_equal(lt_symbolizer__resolve(s, (uintptr_t)fn, false, &lib), 0);
	assert_non_null(lib.module);
	assert_non_null(strstr(lib.module, "libthread_db.so.1"));
	assert_non_null(lib.symbol);
	assert_non_null(strstr(lib.symbol, "td_init"));
	assert_int_equal(refresh_from(s, getpid()), 0);
	assert_int_equal(lt_symbolizer__refresh(s, NULL), 0);
	lt_symbolizer__free(s);
	dlclose(handle);
}

/* Launch mode reports after the target exited: everything must already be open. */
static void test_exited_child(void **state)
{
	struct lt_symbolizer *s;
	struct lt_sym sym;
	void *ra;
	pid_t pid;

	ra = caller_fn();
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		for (;;)
			pause();
	}
	s = symbolizer_of(pid);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	assert_non_null(s);
	assert_int_equal(kill(pid, 0), -1);

	/* Nothing resolved before the exit: DWARF is loaded only now. */
	assert_int_equal(lt_symbolizer__resolve(s, (uintptr_t)target_fn, false, &sym), 0);
	check_target_fn(&sym, (uintptr_t)target_fn);
	assert_int_equal(lt_symbolizer__resolve(s, (uintptr_t)ra, true, &sym), 0);
	check_caller_fn(&sym, (uintptr_t)ra);
	assert_int_equal(lt_symbolizer__refresh(s, NULL), 0);
	assert_int_equal(lt_symbolizer__resolve(s, (uintptr_t)target_fn + 2, false, &sym), 0);
	check_target_fn(&sym, (uintptr_t)target_fn + 2);
	if (have_libc_debug()) {
		assert_int_equal(
			lt_symbolizer__resolve(s, (uintptr_t)main_return_address, true, &sym), 0);
		assert_non_null(sym.symbol);
		assert_string_equal(sym.symbol, "__libc_start_call_main");
	}
	lt_symbolizer__free(s);
}

/* The report step: the first limit stacks of each section are named, the rest left alone;
 * a stack already named keeps its frames. */
static void test_report_sections(void **state)
{
	struct lt_report_stack stacks[3] = {}, mstack = {};
	struct lt_report r = {};
	struct lt_symbolizer *s;
	struct lt_sym *kept;
	size_t i;

	for (i = 0; i < 3; i++) {
		stacks[i].nframes = 1;
		stacks[i].ips[0] = (uintptr_t)target_fn + 1;
	}
	kept = calloc(1, sizeof(*kept));
	assert_non_null(kept);
	stacks[1].frames = kept;
	mstack.nframes = 1;
	mstack.ips[0] = (uintptr_t)target_fn + 1;
	r.heap.stacks = stacks;
	r.heap.n = 3;
	r.mmap.stacks = &mstack;
	r.mmap.n = 1;
	s = symbolizer_of(getpid());
	assert_non_null(s);
	assert_int_equal(lt_symbolizer__report(s, &r, 2), 0);
	assert_non_null(stacks[0].frames);
	check_target_fn(&stacks[0].frames[0], (uintptr_t)target_fn + 1);
	assert_ptr_equal(stacks[1].frames, kept);
	assert_null(stacks[2].frames);
	assert_non_null(mstack.frames);
	check_target_fn(&mstack.frames[0], (uintptr_t)target_fn + 1);
	/* limit 0: all */
	assert_int_equal(lt_symbolizer__report(s, &r, 0), 0);
	assert_non_null(stacks[2].frames);
	for (i = 0; i < 3; i++)
		free(stacks[i].frames);
	free(mstack.frames);
	lt_symbolizer__free(s);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_own_functions),	cmocka_unit_test(test_libc_and_cxx),
		cmocka_unit_test(test_outside_modules), cmocka_unit_test(test_refresh),
		cmocka_unit_test(test_report_sections), cmocka_unit_test(test_exited_child),
	};

	main_return_address = __builtin_return_address(0);
	return cmocka_run_group_tests(tests, NULL, NULL);
}

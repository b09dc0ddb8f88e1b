// SPDX-License-Identifier: GPL-2.0
/* modules: module bias on this process, on synthetic layouts of this binary and on a non-PIE
 * child. */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <limits.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "modules.h"
#include "procmaps.h"

static char fixture_dir[1024];

/* Fixtures sit next to this source file; make runs tests from the repository root. */
static const char *fixture(const char *name, char *buf, size_t len)
{
	snprintf(buf, len, "%s/%s", fixture_dir, name);
	return buf;
}

/* st_value of name in file's symbol table of type sh_type, or 0. */
static __u64 elf_sym_value(const char *file, Elf64_Word sh_type, const char *name)
{
	Elf_Scn *scn = NULL;
	__u64 value = 0;
	Elf *elf;
	int fd;

	fd = open(file, O_RDONLY);
	if (fd < 0)
		return 0;
	elf_version(EV_CURRENT);
	elf = elf_begin(fd, ELF_C_READ, NULL);
	while (elf && !value && (scn = elf_nextscn(elf, scn))) {
		GElf_Shdr shdr;
		Elf_Data *data;
		size_t i;

		if (!gelf_getshdr(scn, &shdr) || shdr.sh_type != sh_type || !shdr.sh_entsize)
			continue;
		data = elf_getdata(scn, NULL);
		for (i = 0; data && i < shdr.sh_size / shdr.sh_entsize; i++) {
			GElf_Sym sym;
			const char *s;

			if (!gelf_getsym(data, i, &sym) || sym.st_shndx == SHN_UNDEF)
				continue;
			s = elf_strptr(elf, shdr.sh_link, sym.st_name);
			if (s && !strcmp(s, name)) {
				value = sym.st_value;
				break;
			}
		}
	}
	elf_end(elf);
	close(fd);
	return value;
}

static void test_modules_self(void **state)
{
	struct lt_modules mods = {};
	struct lt_maps maps = {};
	const struct lt_module *libc, *exe;
	void *handle, *malloc_addr;
	char buf[PATH_MAX];
	__u64 st_value;
	size_t i;

	assert_int_equal(lt_procmaps__read(getpid(), &maps), 0);
	assert_int_equal(lt_modules__from_maps(getpid(), &maps, &mods), 0);
	assert_true(mods.n >= 2);
	for (i = 1; i < mods.n; i++)
		assert_true(mods.v[i - 1].end <= mods.v[i].start);

	libc = lt_modules__by_name(&mods, "libc.so");
	assert_non_null(libc);
	assert_non_null(strstr(libc->path, "libc.so.6"));
	snprintf(buf, sizeof(buf), "/proc/%d/root%s", getpid(), libc->path);
	assert_string_equal(libc->host_path, buf);

	handle = dlopen("libc.so.6", RTLD_NOW | RTLD_NOLOAD);
	assert_non_null(handle);
	malloc_addr = dlsym(handle, "malloc");
	assert_non_null(malloc_addr);
	assert_ptr_equal(lt_modules__find(&mods, (uintptr_t)malloc_addr), libc);
	assert_int_equal(libc->bias & 0xfff, 0);
	st_value = elf_sym_value(libc->host_path, SHT_DYNSYM, "malloc");
	assert_int_not_equal(st_value, 0);
	assert_int_equal((uintptr_t)malloc_addr - libc->bias, st_value);
	dlclose(handle);

	/* The PIE test binary itself, checked against its own .symtab. */
	exe = lt_modules__find(&mods, (uintptr_t)test_modules_self);
	assert_non_null(exe);
	assert_non_null(strstr(exe->path, "test_modules"));
	st_value = elf_sym_value(exe->host_path, SHT_SYMTAB, "test_modules_self");
	assert_int_not_equal(st_value, 0);
	assert_int_equal((uintptr_t)test_modules_self - exe->bias, st_value);

	assert_null(lt_modules__find(&mods, 0x1000));
	assert_null(lt_modules__by_name(&mods, "no-such-module"));
	lt_modules__free(&mods);
	lt_procmaps__free(&maps);
}

struct load_layout {
	__u64 first_off, first_vaddr; /* first PT_LOAD, page aligned */
	__u64 x_off, x_vaddr, x_len;  /* the executable PT_LOAD, page aligned */
};

static void read_load_layout(const char *file, struct load_layout *l)
{
	size_t phnum, i;
	bool first = true;
	Elf *elf;
	int fd;

	memset(l, 0, sizeof(*l));
	fd = open(file, O_RDONLY);
	assert_true(fd >= 0);
	elf_version(EV_CURRENT);
	elf = elf_begin(fd, ELF_C_READ, NULL);
	assert_non_null(elf);
	assert_int_equal(elf_getphdrnum(elf, &phnum), 0);
	for (i = 0; i < phnum; i++) {
		GElf_Phdr ph;

		assert_non_null(gelf_getphdr(elf, i, &ph));
		if (ph.p_type != PT_LOAD)
			continue;
		if (first) {
			l->first_off = ph.p_offset & ~0xfffull;
			l->first_vaddr = ph.p_vaddr & ~0xfffull;
			first = false;
		}
		if ((ph.p_flags & PF_X) && !l->x_len) {
			l->x_off = ph.p_offset & ~0xfffull;
			l->x_vaddr = ph.p_vaddr & ~0xfffull;
			l->x_len = ((ph.p_vaddr + ph.p_memsz + 0xfff) & ~0xfffull) - l->x_vaddr;
		}
	}
	elf_end(elf);
	close(fd);
	assert_false(first);
	assert_int_not_equal(l->x_len, 0);
}

/* This binary mapped at made-up addresses: loaded twice (as dlmopen() does) and once more with
 * only its executable segment visible, which needs the fallback from the segment itself. */
static void test_modules_synthetic_layout(void **state)
{
	const __u64 lone = 0x100000000, one = 0x200000000, two = 0x300000000;
	struct lt_modules mods = {};
	struct lt_maps maps = {};
	struct load_layout l;
	char exe[PATH_MAX], text[8192];
	const char *hdr = "%llx-%llx %s %08llx %02x:%02x %llu %s\n";
	struct stat st;
	size_t len = 0;
	ssize_t n;
	FILE *f;
	int i;

	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	assert_true(n > 0);
	exe[n] = 0;
	assert_int_equal(stat(exe, &st), 0);
	read_load_layout(exe, &l);
	assert_true(l.x_off > l.first_off); /* a modern layout with a separate text segment */

	len += snprintf(text + len, sizeof(text) - len, hdr, (unsigned long long)(lone + l.x_vaddr),
			(unsigned long long)(lone + l.x_vaddr + l.x_len), "r-xp",
			(unsigned long long)l.x_off, major(st.st_dev), minor(st.st_dev),
			(unsigned long long)st.st_ino, exe);
	for (i = 0; i < 2; i++) {
		__u64 base = i ? two : one;

		len += snprintf(text + len, sizeof(text) - len, hdr,
				(unsigned long long)(base + l.first_vaddr),
				(unsigned long long)(base + l.first_vaddr + 0x1000), "r--p",
				(unsigned long long)l.first_off, major(st.st_dev), minor(st.st_dev),
				(unsigned long long)st.st_ino, exe);
		len += snprintf(text + len, sizeof(text) - len, hdr,
				(unsigned long long)(base + l.x_vaddr),
				(unsigned long long)(base + l.x_vaddr + l.x_len), "r-xp",
				(unsigned long long)l.x_off, major(st.st_dev), minor(st.st_dev),
				(unsigned long long)st.st_ino, exe);
		/* Something else between the instances, so grouping is by file, not adjacency. */
		len += snprintf(text + len, sizeof(text) - len,
				"%llx-%llx rw-p 00000000 00:00 0 \n",
				(unsigned long long)(base + 0x8000000),
				(unsigned long long)(base + 0x8001000));
	}
	f = fmemopen(text, len, "r");
	assert_non_null(f);
	assert_int_equal(lt_procmaps__parse(f, &maps), 0);
	fclose(f);
	assert_int_equal(maps.n, 7);

	assert_int_equal(lt_modules__from_maps(getpid(), &maps, &mods), 0);
	assert_int_equal(mods.n, 3);
	assert_int_equal(mods.v[0].bias, lone);
	assert_int_equal(mods.v[1].bias, one);
	assert_int_equal(mods.v[2].bias, two);
	for (i = 0; i < 3; i++) {
		assert_string_equal(mods.v[i].path, exe);
		assert_int_equal(mods.v[i].start, mods.v[i].bias + l.x_vaddr);
		assert_int_equal(mods.v[i].end, mods.v[i].bias + l.x_vaddr + l.x_len);
		assert_int_equal(mods.v[i].ino, st.st_ino);
	}
	assert_ptr_equal(lt_modules__find(&mods, two + l.x_vaddr + 5), &mods.v[2]);
	lt_modules__free(&mods);
	lt_procmaps__free(&maps);
}

/* A non-PIE executable (ET_EXEC) has bias 0: compiled here, since no system one is certain. */
static void test_modules_non_pie(void **state)
{
	char src[PATH_MAX], bin[] = "/tmp/lt_nopie_XXXXXX", cmd[2 * PATH_MAX + 64];
	struct lt_modules mods = {};
	struct lt_maps maps = {};
	const struct lt_module *m;
	__u64 main_value;
	int fd, tries;
	pid_t pid;

	fd = mkstemp(bin);
	assert_true(fd >= 0);
	close(fd);
	snprintf(cmd, sizeof(cmd), "cc -no-pie -O1 -o %s %s 2>/dev/null", bin,
		 fixture("nopie_target.c", src, sizeof(src)));
	if (system(cmd) != 0) {
		unlink(bin);
		skip(); /* no compiler here */
	}
	main_value = elf_sym_value(bin, SHT_SYMTAB, "main");
	assert_true(main_value > 0x400000);

	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		execl(bin, bin, (char *)NULL);
		_exit(127);
	}
	/* Wait until the child has exec'd (its maps show the new binary). */
	for (tries = 0; tries < 200; tries++) {
		assert_int_equal(lt_procmaps__read(pid, &maps), 0);
		assert_int_equal(lt_modules__from_maps(pid, &maps, &mods), 0);
		m = lt_modules__by_name(&mods, "lt_nopie_");
		if (m)
			break;
		lt_modules__free(&mods);
		lt_procmaps__free(&maps);
		usleep(10000);
	}
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	unlink(bin);
	assert_non_null(m);
	assert_int_equal(m->bias, 0);
	assert_ptr_equal(lt_modules__find(&mods, main_value), m);
	lt_modules__free(&mods);
	lt_procmaps__free(&maps);
}

/* A library unlinked after dlopen() (an upgrade under a running service) is still reachable
 * through /proc/PID/map_files, for root; anyone else must get no module rather than a wrong one. */
static void test_modules_deleted_library(void **state)
{
	const char *src = "/usr/lib/x86_64-linux-gnu/libpcprofile.so";
	char copy[] = "/tmp/lt_deleted_XXXXXX", cmd[256];
	struct lt_modules mods = {};
	struct lt_maps maps = {};
	const struct lt_module *mod;
	const struct lt_mapping *m;
	void *handle, *fn;
	__u64 st_value;
	int fd;

	if (access(src, R_OK))
		skip();
	st_value = elf_sym_value(src, SHT_DYNSYM, "__cyg_profile_func_enter");
	assert_int_not_equal(st_value, 0);
	fd = mkstemp(copy);
	assert_true(fd >= 0);
	close(fd);
	snprintf(cmd, sizeof(cmd), "cp %s %s", src, copy);
	assert_int_equal(system(cmd), 0);
	handle = dlopen(copy, RTLD_NOW);
	unlink(copy);
	assert_non_null(handle);
	fn = dlsym(handle, "__cyg_profile_func_enter");
	assert_non_null(fn);

	assert_int_equal(lt_procmaps__read(getpid(), &maps), 0);
	m = lt_procmaps__find(&maps, (uintptr_t)fn);
	assert_non_null(m);
	assert_true(m->deleted);
	assert_string_equal(m->path, copy);
	assert_int_equal(lt_modules__from_maps(getpid(), &maps, &mods), 0);
	mod = lt_modules__find(&mods, (uintptr_t)fn);
	if (mod) {
		assert_string_equal(mod->path, copy);
		assert_non_null(strstr(mod->host_path, "/map_files/"));
		assert_int_equal((uintptr_t)fn - mod->bias, st_value);
	} else {
		assert_int_not_equal(geteuid(), 0);
	}
	lt_modules__free(&mods);
	lt_procmaps__free(&maps);
	dlclose(handle);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_modules_self),
		cmocka_unit_test(test_modules_synthetic_layout),
		cmocka_unit_test(test_modules_non_pie),
		cmocka_unit_test(test_modules_deleted_library),
	};
	const char *slash = strrchr(__FILE__, '/');

	snprintf(fixture_dir, sizeof(fixture_dir), "%.*s/../fixtures",
		 slash ? (int)(slash - __FILE__) : 1, slash ? __FILE__ : ".");
	return cmocka_run_group_tests(tests, NULL, NULL);
}

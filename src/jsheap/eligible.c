// SPDX-License-Identifier: GPL-2.0
/* The checks before SIGUSR1 (eligible.h). SigCgt says only that some handler exists: an
 * application's process.on('SIGUSR1') installs libuv's, and the signal would then run the
 * application's code and open nothing. The handler's address, read by a BPF task iterator
 * (bpf/jsheap.bpf.c), must be Node's StartIoThreadWakeup in the module that maps it. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "eligible.h"
#include "elf_symbols.h"
#include "modules.h"
#include "procfile.h"
#include "procmaps.h"

#define LT_SIGUSR1_BIT (1ull << (SIGUSR1 - 1))

int lt_jsheap_eligible__sigmasks(int pid, bool *caught, bool *blocked)
{
	unsigned long long cgt = 0, blk = 0;
	int found = 0;
	char path[64], line[256];
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "SigCgt: %llx", &cgt) == 1 ||
		    sscanf(line, "SigBlk: %llx", &blk) == 1)
			found++;
	}
	fclose(f);
	if (found < 2)
		return -EINVAL;
	*caught = cgt & LT_SIGUSR1_BIT;
	*blocked = blk & LT_SIGUSR1_BIT;
	return 0;
}

bool lt_jsheap_eligible__disabled_in(const char *args, size_t len, char sep)
{
	static const char opt[] = "--disable-sigusr1";
	size_t i = 0;

	while (i < len) {
		size_t j = i;

		while (j < len && args[j] != sep && args[j])
			j++;
		if (j - i == sizeof(opt) - 1 && !memcmp(args + i, opt, j - i))
			return true;
		/* node's options end where the script's arguments begin */
		if (j > i && args[i] != '-' && sep == '\0' && i)
			return false;
		i = j + 1;
	}
	return false;
}

/* --disable-sigusr1 on the command line or in NODE_OPTIONS. */
static bool lt_jsheap_disabled(int pid)
{
	static char buf[1 << 16];
	ssize_t n = lt_procfile__read(pid, "cmdline", buf, sizeof(buf));

	if (n > 0 && lt_jsheap_eligible__disabled_in(buf, (size_t)n, '\0'))
		return true;
	n = lt_procfile__read(pid, "environ", buf, sizeof(buf));
	for (ssize_t i = 0; i < n;) {
		size_t len = strnlen(buf + i, (size_t)(n - i));

		if (!strncmp(buf + i, "NODE_OPTIONS=", 13) &&
		    lt_jsheap_eligible__disabled_in(buf + i + 13, len - 13, ' '))
			return true;
		i += (ssize_t)len + 1;
	}
	return false;
}

/* SIGUSR1's sa_handler in pid's main thread, from the kernel. */
static int lt_jsheap_handler(struct bpf_program *iter, __u64 *handler)
{
	struct bpf_link *link;
	int fd, err = 0;
	ssize_t n;

	link = bpf_program__attach_iter(iter, NULL);
	if (!link)
		return -errno;
	fd = bpf_iter_create(bpf_link__fd(link));
	if (fd < 0) {
		err = -errno;
		goto cleanup;
	}
	n = read(fd, handler, sizeof(*handler));
	err = n == sizeof(*handler) ? 0 : n < 0 ? -errno : -ESRCH;
	close(fd);
cleanup:
	bpf_link__destroy(link);
	return err;
}

struct lt_jsheap_sym_match {
	__u64 vaddr;
	const char *name; /* the symbol at vaddr, if any */
	bool node_wakeup; /* Node's inspector wakeup is at vaddr */
};

static int lt_jsheap_sym(const struct lt_elf_sym *sym, void *ctx)
{
	struct lt_jsheap_sym_match *m = ctx;

	if (sym->vaddr != m->vaddr || !sym->name[0])
		return 0;
	m->name = sym->name;
	/* node::inspector::(anonymous namespace)::StartIoThreadWakeup(int, siginfo_t*, void*),
	 * "L19" with GCC's internal-linkage mangling, "19" with clang's */
	if (strstr(sym->name, "_ZN4node9inspector") && strstr(sym->name, "19StartIoThreadWakeup"))
		m->node_wakeup = true;
	return m->node_wakeup;
}

/* Name the handler's address and tell whether it is Node's wakeup. */
static int lt_jsheap_name_handler(int pid, __u64 handler, char *why, size_t size)
{
	struct lt_jsheap_sym_match m = {};
	struct lt_maps maps = {};
	struct lt_modules mods = {};
	const struct lt_module *mod;
	struct lt_elf *e = NULL;
	int err;

	err = lt_procmaps__read(pid, &maps);
	if (!err)
		err = lt_modules__from_maps(pid, &maps, &mods);
	if (err)
		goto cleanup;
	mod = lt_modules__find(&mods, handler);
	e = mod ? lt_elf__open(mod->host_path) : NULL;
	if (!e) {
		snprintf(why, size, "its SIGUSR1 handler (0x%llx) is in no ELF module",
			 (unsigned long long)handler);
		err = -EPERM;
		goto cleanup;
	}
	m.vaddr = handler - mod->bias;
	lt_elf__for_each(e, "", lt_jsheap_sym, &m);
	if (m.node_wakeup)
		goto cleanup;
	err = -EPERM;
	if (m.name && strstr(m.name, "uv__signal_handler"))
		snprintf(why, size,
			 "its SIGUSR1 handler is the application's (libuv's uv__signal_handler: "
			 "process.on('SIGUSR1')), not Node's inspector: the signal would run the "
			 "application's code");
	else
		snprintf(why, size,
			 "its SIGUSR1 handler (%s in %s) is not Node's inspector wakeup "
			 "(StartIoThreadWakeup; a stripped node cannot be checked)",
			 m.name ? m.name : "no symbol", mod->path);
cleanup:
	lt_elf__close(e);
	lt_modules__free(&mods);
	lt_procmaps__free(&maps);
	return err;
}

int lt_jsheap_eligible__check(struct bpf_program *iter, int pid, char *why, size_t size)
{
	bool caught = false, blocked = false;
	__u64 handler = 0;
	int err;

	err = lt_jsheap_eligible__sigmasks(pid, &caught, &blocked);
	if (err) {
		snprintf(why, size, "cannot read /proc/%d/status: %s", pid, strerror(-err));
		return err;
	}
	if (lt_jsheap_disabled(pid)) {
		snprintf(why, size, "its inspector is disabled by --disable-sigusr1");
		return -EPERM;
	}
	if (!caught) {
		snprintf(why, size,
			 "it does not catch SIGUSR1%s: the signal would %s it, not open Node's "
			 "inspector",
			 blocked ? " (blocked)" : "", blocked ? "stay pending in" : "kill");
		return -EPERM;
	}
	err = lt_jsheap_handler(iter, &handler);
	if (err) {
		snprintf(why, size, "cannot read its SIGUSR1 handler from the kernel: %s",
			 strerror(-err));
		return err;
	}
	return lt_jsheap_name_handler(pid, handler, why, size);
}

// SPDX-License-Identifier: GPL-2.0
/* Kernel features checked before anything is loaded, so that a kernel below the floor
 * gets a sentence naming what it lacks instead of a bare EINVAL from map creation. */
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <fcntl.h>
#include <sys/mount.h>
#include <sys/statfs.h>
#include <sys/utsname.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>

#include "kernel.h"
#include "log.h"

const char *lt_kernel__release(void)
{
	static struct utsname u;

	if (!u.release[0] && uname(&u))
		return "unknown";
	return u.release;
}

#define LT_TRACEFS_MAGIC 0x74726163

/* Tracepoints are found through tracefs, which a minimal system may not mount. */
static int lt_ensure_tracefs(void)
{
	struct statfs fs;

	static const char *const dirs[] = { "/sys/kernel/tracing/events",
					    "/sys/kernel/debug/tracing/events" };

	/* opened, not access(): for a non-root user access() ignores the capabilities
	 * (CAP_DAC_READ_SEARCH) that the open checks */
	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		int fd = open(dirs[i], O_RDONLY | O_DIRECTORY | O_CLOEXEC);

		if (fd >= 0) {
			close(fd);
			return 0;
		}
	}
	if (!statfs("/sys/kernel/tracing", &fs) && fs.f_type == LT_TRACEFS_MAGIC) {
		lt_err("tracefs on /sys/kernel/tracing is not readable by us: run as root, or add "
		       "CAP_DAC_READ_SEARCH to CAP_BPF and CAP_PERFMON");
		return -EACCES;
	}
	if (mount("tracefs", "/sys/kernel/tracing", "tracefs", 0, NULL)) {
		lt_err("tracefs is not mounted and mounting it on /sys/kernel/tracing failed: %s",
		       strerror(errno));
		return -errno;
	}
	lt_debug("mounted tracefs on /sys/kernel/tracing");
	return 0;
}

struct lt_feature {
	const char *what;
	const char *since;
	int (*probe)(void);
};

static int lt_has_btf(void)
{
	return !access("/sys/kernel/btf/vmlinux", R_OK);
}

static int lt_has_uprobes(void)
{
	return !access("/sys/bus/event_source/devices/uprobe/type", R_OK);
}

static int lt_has_ringbuf(void)
{
	return libbpf_probe_bpf_map_type(BPF_MAP_TYPE_RINGBUF, NULL) == 1;
}

static int lt_has_task_storage(void)
{
	return libbpf_probe_bpf_map_type(BPF_MAP_TYPE_TASK_STORAGE, NULL) == 1;
}

static int lt_has_bpf_loop(void)
{
	return libbpf_probe_bpf_helper(BPF_PROG_TYPE_KPROBE, BPF_FUNC_loop, NULL) == 1;
}

static int lt_has_task_pt_regs(void)
{
	return libbpf_probe_bpf_helper(BPF_PROG_TYPE_KPROBE, BPF_FUNC_task_pt_regs, NULL) == 1;
}

/* In the order a kernel gained them, so the first one missing is the telling one. */
static const struct lt_feature lt_features[] = {
	{ "uprobes (CONFIG_UPROBES)", "any", lt_has_uprobes },
	{ "BTF (CONFIG_DEBUG_INFO_BTF, /sys/kernel/btf/vmlinux)", "5.4", lt_has_btf },
	{ "BPF ring buffers", "5.8", lt_has_ringbuf },
	{ "BPF task storage", "5.11", lt_has_task_storage },
	{ "the bpf_task_pt_regs helper", "5.15", lt_has_task_pt_regs },
	{ "the bpf_loop helper", "5.17", lt_has_bpf_loop },
};

int lt_kernel__check(void)
{
	for (size_t i = 0; i < sizeof(lt_features) / sizeof(lt_features[0]); i++) {
		const struct lt_feature *f = &lt_features[i];

		if (f->probe())
			continue;
		lt_err("kernel %s lacks %s (Linux %s and later); leaktrace needs Linux %s or later",
		       lt_kernel__release(), f->what, f->since, LT_KERNEL_MIN);
		return -ENOTSUP;
	}
	return lt_ensure_tracefs();
}

/* Parsing the kernel's BTF costs about 10 ms of CPU: the feature checks share one copy
 * until the object is loaded (libbpf parses its own for CO-RE). */
static struct btf *lt_vmlinux_btf;

const struct btf *lt_kernel__btf(void)
{
	if (!lt_vmlinux_btf)
		lt_vmlinux_btf = btf__load_vmlinux_btf();
	return lt_vmlinux_btf;
}

void lt_kernel__btf_release(void)
{
	btf__free(lt_vmlinux_btf);
	lt_vmlinux_btf = NULL;
}

enum lt_session_kfunc lt_kernel__session_kfunc(void)
{
	static int kind = -1;
	const struct btf_type *t;
	const struct btf *btf;
	__s32 id;

	if (kind >= 0)
		return kind;
	kind = LT_SESSION_KFUNC_NONE;
	btf = lt_kernel__btf();
	if (!btf)
		return kind;
	id = btf__find_by_name_kind(btf, "bpf_session_is_return", BTF_KIND_FUNC);
	t = id > 0 ? btf__type_by_id(btf, id) : NULL;
	t = t ? btf__type_by_id(btf, t->type) : NULL;
	if (t && btf_is_func_proto(t)) {
		if (btf_vlen(t) == 0)
			kind = LT_SESSION_KFUNC_VOID;
		else if (btf_vlen(t) == 1 && btf_is_ptr(btf__type_by_id(btf, btf_params(t)->type)))
			kind = LT_SESSION_KFUNC_CTX;
		else
			lt_debug("bpf_session_is_return has a prototype we do not know: "
				 "no uprobe sessions");
	}
	return kind;
}

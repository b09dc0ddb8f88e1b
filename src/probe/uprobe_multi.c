// SPDX-License-Identifier: GPL-2.0
/* uprobe_multi links and uprobe sessions by hand. The uapi numbers and layout are
 * stable; whether the running kernel knows them is read from its BTF. */
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>

#include "kernel.h"
#include "uprobe_multi.h"

#define LT_BPF_TRACE_UPROBE_MULTI 48   /* enum bpf_attach_type, Linux 6.6 */
#define LT_BPF_TRACE_UPROBE_SESSION 57 /* enum bpf_attach_type, Linux 6.13 */

/* link_create's attributes for uprobe_multi (and session) links. */
struct lt_link_create_uprobe_multi {
	__u32 prog_fd;
	__u32 target_fd;
	__u32 attach_type;
	__u32 flags;
	__u64 path;
	__u64 offsets;
	__u64 ref_ctr_offsets;
	__u64 cookies;
	__u32 cnt;
	__u32 multi_flags;
	__u32 pid;
};

static int has_multi = -1, has_session = -1;

static bool kernel_knows(const char *enum_name, const char *value_name, __u32 value)
{
	const struct btf *btf = lt_kernel__btf();
	bool found = false;
	__s32 id;

	if (!btf)
		return false;
	id = btf__find_by_name_kind(btf, enum_name, BTF_KIND_ENUM);
	if (id > 0) {
		const struct btf_type *t = btf__type_by_id(btf, id);
		const struct btf_enum *e = btf_enum(t);

		for (int k = 0; k < btf_vlen(t) && !found; k++, e++)
			found = e->val == (__s32)value &&
				!strcmp(btf__name_by_offset(btf, e->name_off), value_name);
	}
	return found;
}

bool lt_uprobe_multi__has_multi(void)
{
	if (has_multi < 0)
		has_multi = kernel_knows("bpf_attach_type", "BPF_TRACE_UPROBE_MULTI",
					 LT_BPF_TRACE_UPROBE_MULTI);
	return has_multi;
}

bool lt_uprobe_multi__has_session(void)
{
	if (has_session < 0)
		has_session = kernel_knows("bpf_attach_type", "BPF_TRACE_UPROBE_SESSION",
					   LT_BPF_TRACE_UPROBE_SESSION);
	return has_session;
}

int lt_uprobe_multi__set_type(struct bpf_program *prog, bool session)
{
	if (!(session ? lt_uprobe_multi__has_session() : lt_uprobe_multi__has_multi()))
		return -EOPNOTSUPP;
	return bpf_program__set_expected_attach_type(prog, session ? LT_BPF_TRACE_UPROBE_SESSION
								   : LT_BPF_TRACE_UPROBE_MULTI);
}

int lt_uprobe_multi__attach(int prog_fd, bool session, const char *path, const __u64 *offsets,
			    const __u64 *cookies, __u32 n, int pid)
{
	struct lt_link_create_uprobe_multi attr = {
		.prog_fd = prog_fd,
		.attach_type = session ? LT_BPF_TRACE_UPROBE_SESSION : LT_BPF_TRACE_UPROBE_MULTI,
		.path = (__u64)(unsigned long)path,
		.offsets = (__u64)(unsigned long)offsets,
		.cookies = (__u64)(unsigned long)cookies,
		.cnt = n,
		.pid = pid,
	};
	long fd;

	if (!(session ? lt_uprobe_multi__has_session() : lt_uprobe_multi__has_multi()))
		return -EOPNOTSUPP;
	if (!path || !offsets || !n)
		return -EINVAL;
	fd = syscall(__NR_bpf, BPF_LINK_CREATE, &attr, sizeof(attr));
	return fd < 0 ? -errno : (int)fd;
}

/* SPDX-License-Identifier: GPL-2.0 */
/* Sockets of the target's network namespace (/proc/PID/net/{tcp,tcp6,udp,udp6,unix}),
 * found by inode, and the address formatting shared with the BPF socket records. */
#ifndef LT_PROCNET_H
#define LT_PROCNET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <linux/types.h>
#include "report.h"

struct lt_net_sock {
	__u64 ino;
	char proto[8];
	char local[LT_FD_ADDR_MAX];
	char peer[LT_FD_ADDR_MAX]; /* "" when unconnected */
	int state;		   /* TCP state; 0 for others */
};

struct lt_net_socks {
	struct lt_net_sock *v;
	size_t n, cap;
};

/* Append the lines of one /proc/net/{tcp,tcp6,udp,udp6} file; proto names them. */
int lt_procnet__parse_inet(FILE *f, const char *proto, bool v6, struct lt_net_socks *out);
/* Append the lines of /proc/net/unix. */
int lt_procnet__parse_unix(FILE *f, struct lt_net_socks *out);
/* All five tables of pid's namespace; a missing one (no IPv6) is skipped. */
int lt_procnet__read(int pid, struct lt_net_socks *out);
/* The TCP tables alone (tcp, then tcp6): tcp must be readable, tcp6 may be absent (no IPv6). */
int lt_procnet__read_tcp(int pid, struct lt_net_socks *out);
const struct lt_net_sock *lt_procnet__find(const struct lt_net_socks *s, __u64 ino);
void lt_procnet__free(struct lt_net_socks *s);
/* "1.2.3.4:80" or "[::1]:80" from network-order address bytes and a host-order port. */
void lt_procnet__format(int family, const __u8 *addr, __u16 port, char *buf, size_t len);

#endif

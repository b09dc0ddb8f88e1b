/* SPDX-License-Identifier: GPL-2.0 */
/* The inspector as the kernel sees it: the target's TCP sockets (its descriptors' inodes
 * matched in its own network namespace's /proc/PID/net/tcp{,6}), and a socket made inside
 * that namespace to reach it. */
#ifndef LT_INSPECTOR_NET_H
#define LT_INSPECTOR_NET_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>
#include "procnet.h"

#define LT_TCP_ESTABLISHED 1
#define LT_TCP_LISTEN 10

/* The TCP sockets pid has open (tcp and tcp6 entries whose inode is one of its
 * descriptors). Free with lt_procnet__free. */
int lt_inspector_net__socks(int pid, struct lt_net_socks *out);
/* Whether s holds a LISTEN socket with inode ino. */
bool lt_inspector_net__has_listen(const struct lt_net_socks *s, __u64 ino);
/* ESTABLISHED sockets of s on local port port, except the one whose peer port is
 * skip_peer_port (our own connection; 0 to skip none). */
size_t lt_inspector_net__clients(const struct lt_net_socks *s, unsigned port,
				 unsigned skip_peer_port);
/* The port of "1.2.3.4:80" or "[::1]:80"; 0 if unreadable. */
unsigned lt_inspector_net__port(const char *addr);
/* Who else listens on port in pid's namespace (for a message): "" when nobody. */
void lt_inspector_net__holder(int pid, unsigned port, char *buf, size_t size);
/* The inode of pid's network namespace. */
int lt_inspector_net__ns_ino(int pid, __u64 *ino);
/* A TCP socket connected to addr ("127.0.0.1:9229", "[::1]:9229") made in pid's network
 * namespace (from a short-lived thread that enters it: the socket keeps the namespace it
 * was made in), with send/receive timeouts of timeout_ms. Returns the fd or -errno. */
int lt_inspector_net__connect(int pid, const char *addr, int timeout_ms);
/* The local port of a connected socket. */
unsigned lt_inspector_net__local_port(int fd);

#endif

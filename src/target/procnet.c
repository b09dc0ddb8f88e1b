// SPDX-License-Identifier: GPL-2.0
/* Parses the socket tables of the target's network namespace (/proc/PID/net/...) so that a
 * socket descriptor, known by its inode, gets its protocol, addresses and TCP state. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include "array.h"
#include "procnet.h"

static struct lt_net_sock *lt_net_add(struct lt_net_socks *s)
{
	if (LT_ENSURE(&s->v, &s->cap, s->n + 1))
		return NULL;
	memset(&s->v[s->n], 0, sizeof(s->v[0]));
	return &s->v[s->n++];
}

void lt_procnet__format(int family, const __u8 *addr, __u16 port, char *buf, size_t len)
{
	char ip[INET6_ADDRSTRLEN] = "?";

	inet_ntop(family, addr, ip, sizeof(ip));
	if (family == AF_INET6)
		snprintf(buf, len, "[%s]:%u", ip, port);
	else
		snprintf(buf, len, "%s:%u", ip, port);
}

/* "0100007F:0CEA": each 32-bit group printed as a host-order word (little-endian here). */
static int lt_parse_addr(const char *s, bool v6, char *buf, size_t len, bool *any)
{
	__u8 addr[16] = {};
	unsigned int port, words = v6 ? 4 : 1;
	char hex[9] = {};

	for (unsigned int w = 0; w < words; w++) {
		__u32 v;

		memcpy(hex, s + 8 * w, 8);
		if (strspn(hex, "0123456789abcdefABCDEF") != 8)
			return -EINVAL;
		v = (__u32)strtoul(hex, NULL, 16);
		memcpy(addr + 4 * w, &v, 4);
	}
	if (s[8 * words] != ':' || sscanf(s + 8 * words + 1, "%x", &port) != 1 || port > 65535)
		return -EINVAL;
	*any = port == 0;
	for (unsigned int i = 0; i < 4 * words; i++)
		*any = *any && !addr[i];
	lt_procnet__format(v6 ? AF_INET6 : AF_INET, addr, (__u16)port, buf, len);
	return 0;
}

int lt_procnet__parse_inet(FILE *f, const char *proto, bool v6, struct lt_net_socks *out)
{
	char line[512], local[64], remote[64];
	unsigned long long ino;
	unsigned int state;
	bool any;

	if (!fgets(line, sizeof(line), f))
		return 0; /* empty: no header either */
	while (fgets(line, sizeof(line), f)) {
		struct lt_net_sock *s;

		/* sl local rem st tx:rx tr:when retrnsmt uid timeout inode */
		if (sscanf(line, " %*d: %63s %63s %x %*s %*s %*s %*u %*d %llu", local, remote,
			   &state, &ino) != 4)
			return -EINVAL;
		s = lt_net_add(out);
		if (!s)
			return -ENOMEM;
		s->ino = ino;
		snprintf(s->proto, sizeof(s->proto), "%s", proto);
		if (lt_parse_addr(local, v6, s->local, sizeof(s->local), &any) ||
		    lt_parse_addr(remote, v6, s->peer, sizeof(s->peer), &any)) {
			out->n--;
			return -EINVAL;
		}
		if (any)
			s->peer[0] = '\0';
		s->state = !strncmp(proto, "tcp", 3) ? (int)state : 0;
	}
	return 0;
}

int lt_procnet__parse_unix(FILE *f, struct lt_net_socks *out)
{
	char line[512];
	unsigned long long ino;
	int path_at = 0;

	if (!fgets(line, sizeof(line), f))
		return 0;
	while (fgets(line, sizeof(line), f)) {
		struct lt_net_sock *s;

		/* Num RefCount Protocol Flags Type St Inode [Path] */
		path_at = 0;
		if (sscanf(line, "%*s %*s %*s %*s %*s %*s %llu %n", &ino, &path_at) < 1)
			return -EINVAL;
		s = lt_net_add(out);
		if (!s)
			return -ENOMEM;
		s->ino = ino;
		snprintf(s->proto, sizeof(s->proto), "unix");
		if (path_at) {
			line[strcspn(line, "\n")] = '\0';
			snprintf(s->local, sizeof(s->local), "%s", line + path_at);
		}
	}
	return 0;
}

static FILE *lt_procnet_open(int pid, const char *table)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/net/%s", pid, table);
	return fopen(path, "re");
}

int lt_procnet__read(int pid, struct lt_net_socks *out)
{
	static const struct {
		const char *name;
		bool v6;
	} tables[] = { { "tcp", false }, { "tcp6", true }, { "udp", false }, { "udp6", true } };
	FILE *f;
	int err = 0;

	for (size_t i = 0; i < sizeof(tables) / sizeof(tables[0]) && !err; i++) {
		f = lt_procnet_open(pid, tables[i].name);
		if (!f)
			continue;
		err = lt_procnet__parse_inet(f, tables[i].name, tables[i].v6, out);
		fclose(f);
	}
	f = err ? NULL : lt_procnet_open(pid, "unix");
	if (f) {
		err = lt_procnet__parse_unix(f, out);
		fclose(f);
	}
	return err;
}

int lt_procnet__read_tcp(int pid, struct lt_net_socks *out)
{
	FILE *f;
	int err = 0;

	for (int v6 = 0; v6 <= 1 && !err; v6++) {
		const char *name = v6 ? "tcp6" : "tcp";

		f = lt_procnet_open(pid, name);
		if (!f)
			return errno == ENOENT && v6 ? 0 : -errno;
		err = lt_procnet__parse_inet(f, name, v6, out);
		fclose(f);
	}
	return err;
}

const struct lt_net_sock *lt_procnet__find(const struct lt_net_socks *s, __u64 ino)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->v[i].ino == ino)
			return &s->v[i];
	return NULL;
}

void lt_procnet__free(struct lt_net_socks *s)
{
	free(s->v);
	memset(s, 0, sizeof(*s));
}

// SPDX-License-Identifier: GPL-2.0
/* Opening and closing the inspector (inspector.h). */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/file.h>
#include <sys/stat.h>

#include "inspector.h"
#include "eligible.h"
#include "inspector_net.h"
#include "listeners.h"
#include "log.h"

#define LT_INSPECTOR_LOCK_DIR "/run/leaktrace"
#define LT_INSPECTOR_WAIT_MS 2000
#define LT_INSPECTOR_IO_MS 5000

/* The dead-man close: re-armed on each call, unref'd so it never keeps the target alive,
 * and harmless when it fires after we closed (shared/JS-HEAP.md §7.2 step 8.1). */
static const char lt_deadman_fmt[] =
	"((r,k)=>{clearTimeout(globalThis[k]);globalThis[k]=setTimeout(()=>{delete "
	"globalThis[k];" LT_JS_LISTENERS_RESTORE
	"r?r('inspector').close():process._debugEnd()},%d).unref()})(typeof "
	"require==='function'?require:null,Symbol.for('leaktrace.close'))";
/* Deferred so that the reply leaves first; the server then sends its close frame. */
static const char lt_close_expr[] = LT_JS_LISTENERS_RESTORE
	"(r=>{clearTimeout(globalThis[Symbol.for('leaktrace.close')]);setImmediate(()=>r?r("
	"'inspector').close():process._debugEnd())})(typeof require==='function'?require:null)";
static const char lt_disarm_expr[] = "clearTimeout(globalThis[Symbol.for('leaktrace.close')])";

double lt_inspector__now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static int lt_inspector_lock(struct lt_inspector *in, char *why, size_t size)
{
	char path[128];
	__u64 ino;
	int err;

	err = lt_inspector_net__ns_ino(in->pid, &ino);
	if (err) {
		snprintf(why, size, "cannot read its network namespace: %s", strerror(-err));
		return err;
	}
	mkdir(LT_INSPECTOR_LOCK_DIR, 0700);
	snprintf(path, sizeof(path), LT_INSPECTOR_LOCK_DIR "/jsheap-netns-%llu.lock",
		 (unsigned long long)ino);
	in->lock_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (in->lock_fd < 0) {
		err = -errno;
		snprintf(why, size, "cannot open %s: %s", path, strerror(errno));
		return err;
	}
	if (flock(in->lock_fd, LOCK_EX | LOCK_NB)) {
		err = -errno;
		snprintf(
			why, size,
			err == -EWOULDBLOCK
				? "another leaktrace has an inspector open in its network namespace "
				  "(%s): one at a time, since they would share the port"
				: "cannot lock %s",
			path);
		close(in->lock_fd);
		in->lock_fd = -1;
		return err == -EWOULDBLOCK ? -EBUSY : err;
	}
	return 0;
}

/* An inspector already listening among socks: connect to it as an extra session. */
static bool lt_inspector_existing(struct lt_inspector *in, const struct lt_net_socks *socks)
{
	for (size_t i = 0; i < socks->n; i++) {
		const char *a = socks->v[i].local;

		/* only where an inspector can be: on loopback (its default) or port 9229, so
		 * that the application's other ports never see our request */
		if (socks->v[i].state != LT_TCP_LISTEN ||
		    (strncmp(a, "127.", 4) && strncmp(a, "[::1]", 5) &&
		     lt_inspector_net__port(a) != 9229))
			continue;
		if (lt_cdp__open(&in->cdp, in->pid, socks->v[i].local, 500))
			continue;
		in->listen_ino = socks->v[i].ino;
		snprintf(in->address, sizeof(in->address), "%s", socks->v[i].local);
		return true;
	}
	return false;
}

/* After SIGUSR1: the new LISTEN socket of the target, polled every 5 ms (and however
 * long a read of a namespace with many sockets takes) until the deadline. */
static int lt_inspector_wait_listen(struct lt_inspector *in, const struct lt_net_socks *before)
{
	double deadline = lt_inspector__now() + LT_INSPECTOR_WAIT_MS / 1e3;

	while (lt_inspector__now() < deadline) {
		struct lt_net_socks now = {};

		usleep(5000);
		if (lt_inspector_net__socks(in->pid, &now))
			return -ESRCH;
		for (size_t i = 0; i < now.n; i++) {
			if (now.v[i].state != LT_TCP_LISTEN ||
			    lt_inspector_net__has_listen(before, now.v[i].ino))
				continue;
			in->listen_ino = now.v[i].ino;
			snprintf(in->address, sizeof(in->address), "%s", now.v[i].local);
			lt_procnet__free(&now);
			return 0;
		}
		lt_procnet__free(&now);
	}
	return -ETIMEDOUT;
}

int lt_inspector__open(struct lt_inspector *in, struct bpf_program *iter, int pid, char *why,
		       size_t size)
{
	struct lt_net_socks before = {};
	char holder[128];
	int err;

	memset(in, 0, sizeof(*in));
	in->pid = pid;
	in->lock_fd = -1;
	in->cdp.ws.fd = -1;
	err = lt_jsheap_eligible__check(iter, pid, why, size);
	if (err)
		return err;
	err = lt_inspector_lock(in, why, size);
	if (err)
		return err;
	err = lt_inspector_net__socks(pid, &before);
	if (err) {
		snprintf(why, size, "cannot read its sockets: %s", strerror(-err));
		goto fail;
	}
	in->opened_at = lt_inspector__now();
	if (!lt_inspector_existing(in, &before)) {
		if (kill(pid, SIGUSR1)) {
			err = -errno;
			snprintf(why, size, "cannot send SIGUSR1: %s", strerror(errno));
			goto fail;
		}
		in->opened_by_us = true;
		err = lt_inspector_wait_listen(in, &before);
		if (err) {
			lt_inspector_net__holder(pid, 9229, holder, sizeof(holder));
			snprintf(why, size,
				 "no inspector port appeared within %d ms of SIGUSR1%s%s (the "
				 "target's stderr says why)",
				 LT_INSPECTOR_WAIT_MS,
				 holder[0] ? "; the default port is held by " : "", holder);
			in->opened_by_us = false;
			goto fail;
		}
		err = lt_cdp__open(&in->cdp, pid, in->address, LT_INSPECTOR_IO_MS);
		if (err) {
			snprintf(why, size,
				 "cannot connect to its inspector at %s: %s; the inspector SIGUSR1 "
				 "opened stays open (no dead-man close could be armed)",
				 in->address, strerror(-err));
			goto fail;
		}
	}
	in->connected = true;
	if (in->opened_by_us) {
		err = lt_inspector__rearm(in);
		if (err) {
			snprintf(why, size, "cannot arm the dead-man close: %s", strerror(-err));
			goto fail;
		}
	}
	lt_procnet__free(&before);
	return 0;
fail:
	lt_procnet__free(&before);
	lt_inspector__close(in);
	return err;
}

int lt_inspector__rearm(struct lt_inspector *in)
{
	char expr[sizeof(lt_deadman_fmt) + 16], err[256];
	int e;

	if (!in->opened_by_us || !in->connected)
		return 0;
	snprintf(expr, sizeof(expr), lt_deadman_fmt, LT_INSPECTOR_DEADMAN_MS);
	e = lt_cdp__evaluate(&in->cdp, expr, LT_INSPECTOR_IO_MS, NULL, err, sizeof(err));
	if (e == -EREMOTEIO)
		lt_warn("-t jsheap: %s", err);
	return e;
}

/* Whether the LISTEN socket is gone, waiting up to 2 s. */
static bool lt_inspector_gone(struct lt_inspector *in)
{
	double deadline = lt_inspector__now() + LT_INSPECTOR_WAIT_MS / 1e3;

	while (lt_inspector__now() < deadline) {
		struct lt_net_socks now = {};
		bool there;

		if (lt_inspector_net__socks(in->pid, &now))
			return true; /* the target is gone */
		there = lt_inspector_net__has_listen(&now, in->listen_ino);
		lt_procnet__free(&now);
		if (!there)
			return true;
		usleep(10000);
	}
	return false;
}

void lt_inspector__close(struct lt_inspector *in)
{
	struct lt_net_socks socks = {};
	char err[256];
	size_t others = 0;

	if (in->connected) {
		if (!lt_inspector_net__socks(in->pid, &socks))
			others = lt_inspector_net__clients(
				&socks, lt_inspector_net__port(in->address), in->cdp.local_port);
		lt_procnet__free(&socks);
		if (in->opened_by_us && others) {
			snprintf(in->warning, sizeof(in->warning),
				 "another inspector client is connected to %s: the inspector was "
				 "left open, since closing it would block the target until that "
				 "client leaves",
				 in->address);
			lt_warn("-t jsheap: %s", in->warning);
			lt_cdp__evaluate(&in->cdp, lt_disarm_expr, LT_INSPECTOR_IO_MS, NULL, err,
					 sizeof(err));
		}
		if (in->opened_by_us && !others &&
		    !lt_cdp__evaluate(&in->cdp, lt_close_expr, LT_INSPECTOR_IO_MS, NULL, err,
				      sizeof(err))) {
			/* never the first close frame: wait for the server's */
			if (lt_ws__finish(&in->cdp.ws, LT_INSPECTOR_IO_MS))
				lt_warn("-t jsheap: the inspector did not close its WebSocket "
					"within %d ms",
					LT_INSPECTOR_IO_MS);
			in->closed = lt_inspector_gone(in);
			if (!in->closed)
				lt_warn("-t jsheap: the inspector still listens on %s; its dead-man "
					"timer closes it within %d s",
					in->address, LT_INSPECTOR_DEADMAN_MS / 1000);
		} else {
			lt_ws__drop(&in->cdp.ws); /* nothing pending in the target */
		}
		in->connected = false;
		in->closed_at = lt_inspector__now();
	}
	if (in->lock_fd >= 0)
		close(in->lock_fd);
	in->lock_fd = -1;
}

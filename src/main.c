// SPDX-License-Identifier: GPL-2.0
/* leaktrace: the run loop. Parse options, start a session, report at each interval and
 * at the end (Ctrl-C, SIGTERM, -d elapsed, target exited), detach. A second Ctrl-C
 * exits at once; the kernel drops the probes with our file descriptors. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <linux/capability.h>

#include "config.h"
#include "log.h"
#include "outfile.h"
#include "push.h"
#include "session.h"

static volatile sig_atomic_t lt_stop_requested;

static void lt_on_signal(int sig)
{
	if (lt_stop_requested) {
		static const char msg[] = "leaktrace: interrupted again, exiting now\n";

		if (write(STDERR_FILENO, msg, sizeof(msg) - 1) < 0)
			_exit(130);
		_exit(130);
	}
	lt_stop_requested = sig;
}

static double lt_now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Root, or the capabilities BPF tracing of another process needs. */
static bool lt_privileged(void)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[2] = {};
	__u64 eff;

	if (geteuid() == 0)
		return true;
	if (syscall(SYS_capget, &hdr, data))
		return false;
	eff = data[0].effective | ((__u64)data[1].effective << 32);
	if (eff & (1ull << CAP_SYS_ADMIN))
		return true;
	return (eff & (1ull << CAP_BPF)) && (eff & (1ull << CAP_PERFMON));
}

/* One report to stdout, or to the -o file (outfile.h: a new file renamed into place; a
 * folded file holds one profile, the latest, so with reopen it is replaced; text and JSON
 * reports are appended to it). A report that cannot be written says so here; the session
 * tells its other failures itself. */
static int lt_write_report(struct lt_session *s, const struct lt_config *cfg, struct lt_outfile *of,
			   bool reopen, bool final)
{
	FILE *f = stdout;
	int err;

	if (cfg->output) {
		f = lt_outfile__begin(of, reopen && (cfg->format == LT_FMT_FOLDED ||
						     cfg->format == LT_FMT_PPROF));
		if (!f)
			return -EIO;
	}
	err = lt_session__report(s, f, final);
	if (err && ferror(f))
		lt_err("cannot write %s: %s", cfg->output ? cfg->output : "the standard output",
		       strerror(-err));
	if (cfg->output) {
		if (err)
			lt_outfile__close(of); /* an incomplete report never replaces the last */
		else
			err = lt_outfile__commit(of);
	}
	return err;
}

/* Reports every INTERVAL until COUNT, the duration, a signal or the target's exit, then the
 * final one (unless COUNT's last report was it). Returns 0, or nonzero after a failure. */
static int lt_run(struct lt_session *s, const struct lt_config *cfg, struct lt_outfile *out)
{
	double start = lt_now_s(), next_report = start + cfg->interval_s;
	long reports = 0;
	int err = 0;

	while (!lt_stop_requested) {
		err = lt_session__poll(s, 100);
		if (err) {
			lt_err("reading events failed: %s", strerror(-err));
			break;
		}
		if (lt_session__target_exited(s)) {
			lt_info("process %d exited", lt_session__target(s)->pid);
			break;
		}
		if (cfg->duration_s > 0 && lt_now_s() - start >= cfg->duration_s)
			break;
		if (cfg->interval_s > 0 && lt_now_s() >= next_report) {
			bool last = cfg->count > 0 && reports + 1 >= cfg->count;

			reports++;
			err = lt_write_report(s, cfg, out, true, last);
			/* a report that cannot be written ends the run: the next would fail too */
			if (err || last)
				return err;
			next_report += cfg->interval_s;
		}
	}
	/* The final report still goes out after a failed poll, and the run still failed. */
	return lt_write_report(s, cfg, out, reports > 0, true) || err;
}

/* Launch mode: the command's own status once it has exited (128 + the signal that killed
 * it, as a shell says), so that CI fails with the command; -1 while it runs. */
static int lt_command_status(struct lt_session *s)
{
	struct lt_target *t = lt_session__target(s);

	if (!t->launched || !lt_session__target_exited(s))
		return -1;
	if (WIFEXITED(t->status))
		return WEXITSTATUS(t->status);
	if (WIFSIGNALED(t->status))
		return 128 + WTERMSIG(t->status);
	return -1;
}

int main(int argc, char **argv)
{
	struct lt_config cfg;
	struct lt_session *s = NULL;
	struct lt_push *push = NULL;
	struct sigaction sa = { .sa_handler = lt_on_signal };
	struct lt_outfile out = {};
	int err, status = -1;

	err = lt_config__parse(argc, argv, &cfg);
	if (err)
		return err > 0 ? 0 : 2;
	lt_log_level = cfg.verbose;
	if (!lt_privileged()) {
		lt_err("needs root (or CAP_BPF and CAP_PERFMON) to load BPF programs");
		return 1;
	}
	/* bad credentials are told before anything is attached */
	push = lt_push__new(&cfg);
	if (!push && errno)
		return 1;
	if (cfg.output && lt_outfile__init(&out, cfg.output)) {
		lt_push__free(push);
		return 1;
	}
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	s = lt_session__start(&cfg);
	if (!s) {
		err = 1;
		goto cleanup;
	}
	/* libdw would fetch missing debug info over the network when DEBUGINFOD_URLS is
	 * set (node's can be gigabytes); a leak report uses what is on the machine. Unset
	 * only now, so that a launched command still sees its own environment. */
	unsetenv("DEBUGINFOD_URLS");
	lt_session__set_push(s, push);
	err = lt_run(s, &cfg, &out);
	status = lt_command_status(s);
cleanup:
	lt_debug("detaching");
	lt_session__stop(s);
	lt_debug("detached");
	/* after the final report: its pushes get a bounded time, the probes are gone */
	lt_push__free(push);
	lt_outfile__close(&out);
	/* exit status: 1 a runtime failure (2, a usage error, is returned above); else the
	 * launched command's status when it has exited; else 0 */
	if (err)
		return 1;
	return status >= 0 ? status : 0;
}

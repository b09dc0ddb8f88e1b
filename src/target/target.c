// SPDX-License-Identifier: GPL-2.0
/* The traced process: validates -p PID, or starts a command held before exec until the
 * probes are in place, and tells when it has exited. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "target.h"
#include "log.h"
#include "procfile.h"

static int lt_pidfd_open(pid_t pid)
{
	return syscall(SYS_pidfd_open, pid, 0);
}

void lt_target__refresh_comm(struct lt_target *t)
{
	char buf[sizeof(t->comm)];

	/* an empty or unreadable comm keeps the one known */
	if (lt_procfile__read(t->pid, "comm", buf, sizeof(buf)) <= 0)
		return;
	buf[strcspn(buf, "\n")] = 0;
	memcpy(t->comm, buf, sizeof(buf));
}

char lt_target__proc_state(pid_t pid)
{
	char buf[512], *p;

	if (lt_procfile__read(pid, "stat", buf, sizeof(buf)) <= 0)
		return 0;
	/* after the last ')': a comm may hold anything */
	p = strrchr(buf, ')');
	return p && p[1] == ' ' ? p[2] : 0;
}

bool lt_target__say_if_gone(pid_t pid)
{
	static bool said;
	char st = lt_target__proc_state(pid);

	if (st && st != 'Z' && st != 'X')
		return false;
	if (!said)
		lt_err("process %d exited while leaktrace was attaching: nothing to trace", pid);
	said = true;
	return true;
}

int lt_target__children(const struct lt_target *t)
{
	char path[96];
	struct dirent *d;
	int n = 0, c;
	DIR *dir;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/task", t->pid);
	dir = opendir(path);
	if (!dir)
		return -1;
	while ((d = readdir(dir))) {
		if (d->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/%d/task/%.20s/children", t->pid, d->d_name);
		f = fopen(path, "r");
		if (!f)
			continue;
		while (fscanf(f, "%d", &c) == 1)
			n += c != t->guard.pid; /* our guard is leaktrace's child, never its */
		fclose(f);
	}
	closedir(dir);
	return n;
}

/* The process a task id belongs to (Tgid in /proc/ID/status); 0 when unknown. */
static pid_t lt_target_tgid(pid_t id)
{
	char path[64], line[128];
	pid_t tgid = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", id);
	f = fopen(path, "r");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "Tgid: %d", &tgid) == 1)
			break;
	fclose(f);
	return tgid;
}

int lt_target__open_pid(struct lt_target *t, pid_t pid)
{
	char path[64], buf[64];
	pid_t tgid;
	FILE *f;

	memset(t, 0, sizeof(*t));
	t->pid = pid;
	t->pidfd = t->go_fd = t->err_fd = t->guard.life_fd = -1;
	if (pid <= 0) {
		lt_err("invalid pid %d", pid);
		return -EINVAL;
	}
	if (pid == getpid()) {
		lt_err("refusing to trace leaktrace itself");
		return -EINVAL;
	}
	if (kill(pid, 0) && errno == ESRCH) {
		lt_err("no such process: %d", pid);
		return -ESRCH;
	}
	tgid = lt_target_tgid(pid);
	if (tgid > 0 && tgid != pid) {
		/* Refused, not traced in its place: the user may think only that thread's
		 * allocations would be reported, and every thread shares one heap. */
		lt_err("%d is a thread of process %d, not a process: trace the process, -p %d", pid,
		       tgid, tgid);
		return -EINVAL;
	}
	/* Kernel threads have no user memory: /proc/PID/maps is empty for them. */
	snprintf(path, sizeof(path), "/proc/%d/maps", pid);
	f = fopen(path, "r");
	if (!f) {
		int err = -errno;

		lt_err("cannot read %s: %s", path, strerror(errno));
		return err;
	}
	if (!fgets(buf, sizeof(buf), f)) {
		fclose(f);
		/* a process that has exited (a zombie its parent has not reaped) has none either */
		if (lt_target__say_if_gone(pid))
			return -ESRCH;
		lt_err("process %d has no user address space (a kernel thread)", pid);
		return -EINVAL;
	}
	fclose(f);
	t->pidfd = lt_pidfd_open(pid);
	if (t->pidfd < 0) {
		int err = -errno;

		lt_err("cannot watch process %d: %s", pid, strerror(errno));
		return err;
	}
	lt_target__refresh_comm(t);
	return 0;
}

char *lt_target__resolve_command(const char *cmd)
{
	char *dirs, *save = NULL, *path = NULL;
	const char *env = getenv("PATH");

	if (strchr(cmd, '/'))
		return strdup(cmd);
	dirs = strdup(env ? env : "/usr/local/bin:/usr/bin:/bin");
	for (char *d = dirs ? strtok_r(dirs, ":", &save) : NULL; d;
	     d = strtok_r(NULL, ":", &save)) {
		if (asprintf(&path, "%s/%s", d, cmd) < 0) {
			path = NULL;
			break;
		}
		if (!access(path, X_OK))
			break;
		free(path);
		path = NULL;
	}
	free(dirs);
	return path;
}

int lt_target__spawn(struct lt_target *t, char *const argv[])
{
	int go[2] = { -1, -1 }, errp[2] = { -1, -1 }, err;
	pid_t pid;

	memset(t, 0, sizeof(*t));
	t->pidfd = t->go_fd = t->err_fd = t->guard.life_fd = -1;
	if (pipe2(go, O_CLOEXEC) || pipe2(errp, O_CLOEXEC)) {
		err = -errno;
		goto cleanup;
	}
	pid = fork();
	if (pid < 0) {
		err = -errno;
		goto cleanup;
	}
	if (pid == 0) {
		char c;
		int e;

		/* Wait for the tracer; a closed pipe without a byte means it gave up. */
		close(go[1]);
		close(errp[0]);
		if (read(go[0], &c, 1) != 1)
			_exit(127);
		execvp(argv[0], argv);
		e = errno;
		if (write(errp[1], &e, sizeof(e)) < 0)
			_exit(127);
		_exit(127);
	}
	close(go[0]);
	close(errp[1]);
	t->pid = pid;
	t->launched = true;
	t->go_fd = go[1];
	t->err_fd = errp[0];
	t->pidfd = lt_pidfd_open(pid);
	snprintf(t->comm, sizeof(t->comm), "%s", argv[0]);
	err = lt_guard__start(&t->guard, pid);
	if (err)
		lt_warn("no guard for process %d (%s): if leaktrace is killed while the command "
			"is paused, resume it with kill -CONT %d",
			pid, strerror(-err), pid);
	return 0;
cleanup:
	for (int i = 0; i < 2; i++) {
		if (go[i] >= 0)
			close(go[i]);
		if (errp[i] >= 0)
			close(errp[i]);
	}
	return err;
}

int lt_target__release(struct lt_target *t)
{
	int e = 0;
	ssize_t n;

	if (!t->launched || t->go_fd < 0)
		return 0;
	if (write(t->go_fd, "g", 1) != 1)
		return -errno;
	close(t->go_fd);
	t->go_fd = -1;
	/* The exec-error pipe closes on a successful exec (O_CLOEXEC) or carries errno. */
	n = read(t->err_fd, &e, sizeof(e));
	close(t->err_fd);
	t->err_fd = -1;
	if (n == sizeof(e)) {
		waitpid(t->pid, &t->status, 0);
		t->exited = true;
		return -e;
	}
	lt_target__refresh_comm(t);
	return 0;
}

bool lt_target__exited(struct lt_target *t)
{
	struct pollfd p = { .fd = t->pidfd, .events = POLLIN };

	if (t->exited)
		return true;
	if (t->launched) {
		if (waitpid(t->pid, &t->status, WNOHANG) == t->pid)
			t->exited = true;
		return t->exited;
	}
	if (t->pidfd >= 0) {
		if (poll(&p, 1, 0) == 1)
			t->exited = true;
	} else if (kill(t->pid, 0) && errno == ESRCH) {
		t->exited = true;
	}
	return t->exited;
}

void lt_target__resume(struct lt_target *t)
{
	int r;

	if (!t->launched || t->exited)
		return;
	r = lt_guard__resume_stopped(t->pidfd, t->pid);
	if (r > 0)
		lt_debug("process %d was paused: resumed", t->pid);
	else if (r < 0)
		lt_warn("cannot resume process %d: %s", t->pid, strerror(-r));
}

void lt_target__close(struct lt_target *t)
{
	if (t->go_fd >= 0) {
		/* Never released: the child sees the pipe close and exits without running
		 * the command (lt_target__spawn). */
		close(t->go_fd);
		t->go_fd = -1;
		if (t->launched && waitpid(t->pid, &t->status, 0) == t->pid)
			t->exited = true;
	}
	if (t->err_fd >= 0)
		close(t->err_fd);
	lt_target__resume(t);
	if (t->pidfd >= 0)
		close(t->pidfd);
	t->go_fd = t->err_fd = t->pidfd = -1;
	lt_guard__stop(&t->guard);
	/* A launched command that outlives the trace keeps running: it is never harmed. */
	if (t->launched && !t->exited)
		lt_info("process %d keeps running untraced", t->pid);
}

unsigned long long lt_target__rss(pid_t pid)
{
	char buf[128];
	unsigned long long size, resident;

	if (lt_procfile__read(pid, "statm", buf, sizeof(buf)) <= 0)
		return 0;
	if (sscanf(buf, "%llu %llu", &size, &resident) != 2)
		return 0;
	return resident * (unsigned long long)sysconf(_SC_PAGESIZE);
}

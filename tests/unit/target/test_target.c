// SPDX-License-Identifier: GPL-2.0
/* target: launch mode without BPF or root. A spawned command runs only once released and is
 * reaped with its exit status; one closed before release never runs; an exec failure comes
 * back from release; resolve_command searches PATH like execvp and copies paths with a slash. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "target.h"

/* Polls lt_target__exited() for up to 10 s. */
static void wait_exited(struct lt_target *t)
{
	struct timespec ts = { 0, 10 * 1000 * 1000 };

	for (int i = 0; i < 1000 && !lt_target__exited(t); i++)
		nanosleep(&ts, NULL);
	assert_true(t->exited);
}

static void test_spawn_release_exit_status(void **state)
{
	char *argv[] = { "sh", "-c", "exit 3", NULL };
	struct lt_target t;

	assert_int_equal(lt_target__spawn(&t, argv), 0);
	assert_true(t.launched);
	assert_true(t.pid > 0);
	assert_true(t.go_fd >= 0);
	assert_true(t.pidfd >= 0);
	assert_string_equal(t.comm, "sh");
	/* held before exec: it has not exited on its own */
	assert_false(lt_target__exited(&t));
	assert_int_equal(lt_target__release(&t), 0);
	assert_int_equal(t.go_fd, -1);
	wait_exited(&t);
	assert_true(WIFEXITED(t.status));
	assert_int_equal(WEXITSTATUS(t.status), 3);
	lt_target__close(&t);
	assert_int_equal(t.pidfd, -1);
	assert_int_equal(t.err_fd, -1);
}

static void test_close_without_release_never_runs(void **state)
{
	char dir[] = "/tmp/lt_test_target_XXXXXX", marker[64], script[128];
	struct lt_target t;
	pid_t pid;

	assert_non_null(mkdtemp(dir));
	snprintf(marker, sizeof(marker), "%s/ran", dir);
	snprintf(script, sizeof(script), "echo ran > %s", marker);
	char *argv[] = { "sh", "-c", script, NULL };

	assert_int_equal(lt_target__spawn(&t, argv), 0);
	pid = t.pid;
	lt_target__close(&t);
	/* the child saw the pipe close, exited 127 without exec, and was reaped by close */
	assert_true(t.exited);
	assert_true(WIFEXITED(t.status));
	assert_int_equal(WEXITSTATUS(t.status), 127);
	assert_int_equal(waitpid(pid, NULL, WNOHANG), -1);
	assert_int_equal(errno, ECHILD);
	assert_int_equal(access(marker, F_OK), -1);
	assert_int_equal(errno, ENOENT);
	assert_int_equal(rmdir(dir), 0);
}

static void test_release_reports_exec_error(void **state)
{
	char *argv[] = { "/nonexistent/leaktrace-unit-prog", NULL };
	struct lt_target t;

	assert_int_equal(lt_target__spawn(&t, argv), 0);
	assert_int_equal(lt_target__release(&t), -ENOENT);
	assert_true(t.exited);
	assert_true(WIFEXITED(t.status));
	assert_int_equal(WEXITSTATUS(t.status), 127);
	lt_target__close(&t);
}

static void test_resolve_command(void **state)
{
	char dir[] = "/tmp/lt_test_target_XXXXXX", exe[64], plain[64], want[64];
	const char *old = getenv("PATH");
	char *saved = old ? strdup(old) : NULL, *p, path[256];
	const char *cmd = "./no/such/prog";
	int fd;

	/* sh is on the PATH of any machine that builds this */
	p = lt_target__resolve_command("sh");
	assert_non_null(p);
	assert_true(strlen(p) > 3 && !strcmp(p + strlen(p) - 3, "/sh"));
	assert_int_equal(access(p, X_OK), 0);
	free(p);

	/* a name with a slash is not searched: a copy comes back, existing or not */
	p = lt_target__resolve_command(cmd);
	assert_non_null(p);
	assert_ptr_not_equal(p, cmd);
	assert_string_equal(p, cmd);
	free(p);

	/* PATH is searched in order, and a file that is not executable is passed over */
	assert_non_null(mkdtemp(dir));
	snprintf(exe, sizeof(exe), "%s/lt-exe", dir);
	snprintf(plain, sizeof(plain), "%s/lt-plain", dir);
	fd = open(exe, O_CREAT | O_WRONLY, 0755);
	assert_true(fd >= 0);
	close(fd);
	fd = open(plain, O_CREAT | O_WRONLY, 0644);
	assert_true(fd >= 0);
	close(fd);
	snprintf(path, sizeof(path), "/nonexistent-dir:%s", dir);
	assert_int_equal(setenv("PATH", path, 1), 0);
	p = lt_target__resolve_command("lt-exe");
	snprintf(want, sizeof(want), "%s/lt-exe", dir);
	assert_non_null(p);
	assert_string_equal(p, want);
	free(p);
	assert_null(lt_target__resolve_command("lt-plain"));
	assert_null(lt_target__resolve_command("lt-missing"));

	if (saved)
		setenv("PATH", saved, 1);
	else
		unsetenv("PATH");
	free(saved);
	unlink(exe);
	unlink(plain);
	assert_int_equal(rmdir(dir), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_spawn_release_exit_status),
		cmocka_unit_test(test_close_without_release_never_runs),
		cmocka_unit_test(test_release_reports_exec_error),
		cmocka_unit_test(test_resolve_command),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

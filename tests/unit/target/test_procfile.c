// SPDX-License-Identifier: GPL-2.0
/* procfile: a /proc/PID file read once, bounded by the buffer and NUL-terminated, errors as
 * negative errno with the buffer untouched; and the target's readers built on it (state, RSS,
 * comm), on this very process. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <cmocka.h>

#include "procfile.h"
#include "target.h"

static void test_read_whole_and_truncated(void **state)
{
	char buf[4096], small[8];
	ssize_t n;

	n = lt_procfile__read(getpid(), "stat", buf, sizeof(buf));
	assert_true(n > 0);
	assert_int_equal(strlen(buf), (size_t)n);
	assert_int_equal(buf[n - 1], '\n');
	/* a buffer smaller than the file: size - 1 bytes and the NUL, never more */
	memset(small, 'x', sizeof(small));
	assert_int_equal(lt_procfile__read(getpid(), "stat", small, sizeof(small)), 7);
	assert_int_equal(small[7], '\0');
	assert_memory_equal(small, buf, 7);
	assert_int_equal(lt_procfile__read(getpid(), "stat", small, 1), 0);
	assert_int_equal(small[0], '\0');
}

static void test_errors_leave_buffer(void **state)
{
	char buf[16] = "keep";

	assert_int_equal(lt_procfile__read(getpid(), "no-such-file", buf, sizeof(buf)), -ENOENT);
	assert_string_equal(buf, "keep");
	assert_int_equal(lt_procfile__read(getpid(), "stat", buf, 0), -EINVAL);
	assert_string_equal(buf, "keep");
	/* a directory opens but does not read */
	assert_int_equal(lt_procfile__read(getpid(), "fd", buf, sizeof(buf)), -EISDIR);
	assert_string_equal(buf, "keep");
	assert_true(lt_procfile__read(getpid(),
				      "a-name-that-does-not-fit-in-the-path-buffer-of-64-bytes",
				      buf, sizeof(buf)) < 0);
	assert_string_equal(buf, "keep");
}

static void test_target_readers(void **state)
{
	struct lt_target t = { .pid = getpid() };

	assert_int_equal(lt_target__proc_state(getpid()), 'R');
	assert_true(lt_target__rss(getpid()) > 0);
	assert_int_equal(lt_target__rss(-1), 0);
	assert_int_equal(lt_target__proc_state(-1), 0);
	/* the comm after the last ')', whatever it holds; cut at a newline */
	assert_int_equal(prctl(PR_SET_NAME, "a) Z\nb", 0, 0, 0), 0);
	assert_int_equal(lt_target__proc_state(getpid()), 'R');
	lt_target__refresh_comm(&t);
	assert_string_equal(t.comm, "a) Z");
	/* an unreadable comm keeps the one known */
	t.pid = -1;
	lt_target__refresh_comm(&t);
	assert_string_equal(t.comm, "a) Z");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_read_whole_and_truncated),
		cmocka_unit_test(test_errors_leave_buffer),
		cmocka_unit_test(test_target_readers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

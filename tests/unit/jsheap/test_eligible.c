// SPDX-License-Identifier: GPL-2.0
/* eligible: --disable-sigusr1 found among node's options on the command line and in
 * NODE_OPTIONS, not among the script's arguments; SIGUSR1's caught and blocked bits read
 * from /proc/self/status as this process changes them. */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "eligible.h"

static bool cmdline(const char *s, size_t len)
{
	return lt_jsheap_eligible__disabled_in(s, len, '\0');
}

static void test_disabled_in_cmdline(void **state)
{
	static const char on[] = "node\0--disable-sigusr1\0app.js";
	static const char after[] = "node\0--max-old-space-size=512\0--disable-sigusr1\0a.js";
	static const char script_arg[] = "node\0app.js\0--disable-sigusr1";
	static const char prefix[] = "node\0--disable-sigusr10\0app.js";
	static const char none[] = "node\0app.js";

	assert_true(cmdline(on, sizeof(on)));
	assert_true(cmdline(after, sizeof(after)));
	assert_false(cmdline(script_arg, sizeof(script_arg)));
	assert_false(cmdline(prefix, sizeof(prefix)));
	assert_false(cmdline(none, sizeof(none)));
	assert_false(cmdline("", 0));
}

static void test_disabled_in_node_options(void **state)
{
	static const char on[] = "--max-old-space-size=512 --disable-sigusr1";
	static const char off[] = "--max-old-space-size=512 --enable-source-maps";

	assert_true(lt_jsheap_eligible__disabled_in(on, strlen(on), ' '));
	assert_false(lt_jsheap_eligible__disabled_in(off, strlen(off), ' '));
}

static void on_usr1(int sig)
{
}

static void test_sigmasks(void **state)
{
	struct sigaction sa = { .sa_handler = on_usr1 }, old;
	bool caught, blocked;
	sigset_t set, prev;

	assert_int_equal(lt_jsheap_eligible__sigmasks(getpid(), &caught, &blocked), 0);
	assert_false(caught);
	assert_int_equal(sigaction(SIGUSR1, &sa, &old), 0);
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	assert_int_equal(sigprocmask(SIG_BLOCK, &set, &prev), 0);
	assert_int_equal(lt_jsheap_eligible__sigmasks(getpid(), &caught, &blocked), 0);
	assert_true(caught);
	assert_true(blocked);
	sigprocmask(SIG_SETMASK, &prev, NULL);
	sigaction(SIGUSR1, &old, NULL);
	assert_int_equal(lt_jsheap_eligible__sigmasks(-1, &caught, &blocked) < 0, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_disabled_in_cmdline),
		cmocka_unit_test(test_disabled_in_node_options),
		cmocka_unit_test(test_sigmasks),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

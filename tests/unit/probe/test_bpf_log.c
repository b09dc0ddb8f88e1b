// SPDX-License-Identifier: GPL-2.0
/* bpf_log: the one line a verifier rejection is told in. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "bpf_log.h"

/* The tail of the 6.1 verifier's log for uretprobe_malloc before the bound fix. */
static const char log_61[] =
	"; if (c->sp != entry_sp || c->fn != fn)\n"
	"127: (bf) r2 = r3        ; R2_w=scalar(id=318,umax=4294967295,var_off=(0x0; 0xffffffff))\n"
	"128: (27) r2 *= 72\n"
	"129: (bf) r4 = r8\n"
	"130: (0f) r4 += r2\n"
	"131: (79) r5 = *(u64 *)(r4 +8)\n"
	"R4 unbounded memory access, make sure to bounds check any such access\n"
	"processed 6224 insns (limit 1000000) max_states_per_insn 11 total_states 295 "
	"peak_states 264 mark_read 35\n"
	"-- END PROG LOAD LOG --\n";

static void test_complaint_before_processed(void **state)
{
	char out[256];

	assert_true(lt_bpf_log__parse_complaint(log_61, out, sizeof(out)));
	assert_string_equal(out, "R4 unbounded memory access, make sure to bounds check any "
				 "such access");
}

static void test_complaint_without_summary(void **state)
{
	char out[256];

	/* a log cut short (buffer full) has no summary: its last line is the best guess */
	assert_true(lt_bpf_log__parse_complaint("0: (b7) r0 = 0\ninvalid func unknown#195\n\n", out,
						sizeof(out)));
	assert_string_equal(out, "invalid func unknown#195");
	assert_false(lt_bpf_log__parse_complaint("", out, sizeof(out)));
	assert_false(
		lt_bpf_log__parse_complaint("\n\n-- END PROG LOAD LOG --\n", out, sizeof(out)));
	assert_false(lt_bpf_log__parse_complaint(NULL, out, sizeof(out)));
}

static void test_complaint_truncated_to_buffer(void **state)
{
	char out[8];

	assert_true(lt_bpf_log__parse_complaint(log_61, out, sizeof(out)));
	assert_string_equal(out, "R4 unbo");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_complaint_before_processed),
		cmocka_unit_test(test_complaint_without_summary),
		cmocka_unit_test(test_complaint_truncated_to_buffer),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

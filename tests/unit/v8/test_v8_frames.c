// SPDX-License-Identifier: GPL-2.0
/* v8_frames: V8 code ranges from a process map, and the layout read from a real Node. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "v8_frames.h"

/* Node 20's layout as measured: the binary's load, a data mapping, a heap page, then the
 * code range: reservation, JIT pages, builtins remapped from the binary, reservation. */
static const char maps_text[] =
	"00400000-00b6f000 r--p 00000000 fe:00 247823 /usr/bin/node\n"
	"00b6f000-025fe000 r-xp 0076f000 fe:00 247823 /usr/bin/node\n"
	"025fe000-02700000 r--p 021fe000 fe:00 247823 /usr/bin/node\n"
	"04000000-04100000 rw-p 00000000 00:00 0 [heap]\n"
	"7f3520000000-7f3520021000 rw-p 00000000 00:00 0\n"
	"7f352f7c2000-7f352f7c3000 ---p 00000000 00:00 0\n"
	"7f352f7c3000-7f352f7ff000 rwxp 00000000 00:00 0\n"
	"7f352f7ff000-7f354f600000 ---p 00000000 00:00 0\n"
	"7f354f600000-7f354f792000 r-xp 014c4000 fe:00 247823 /usr/bin/node\n"
	"7f354f792000-7f354f7c0000 ---p 00000000 00:00 0\n"
	"7f3556544000-7f355669a000 r-xp 00026000 fe:00 332835 /usr/lib/libc.so.6\n"
	"7f3556a40000-7f3556a42000 r-xp 00000000 00:00 0 [vdso]\n";

static void test_code_ranges(void **state)
{
	struct lt_module v8 = { .start = 0xb6f000, .end = 0x25fe000, .bias = 0 };
	struct lt_v8_blob blob = { .vaddr = 0x18c4000, .size = 0x191a40 };
	struct lt_v8_range r[LT_V8_MAX_RANGES];
	struct lt_maps maps;
	FILE *f = fmemopen((void *)maps_text, sizeof(maps_text) - 1, "r");
	size_t n;

	assert_non_null(f);
	assert_int_equal(lt_procmaps__parse(f, &maps), 0);
	fclose(f);
	v8.dev = maps.v[0].dev;
	v8.ino = maps.v[0].ino;

	n = lt_v8_frames__code_ranges(&maps, &v8, &blob, r, LT_V8_MAX_RANGES);
	assert_int_equal(n, 2);
	/* builtins at their load address, inside the binary's text */
	assert_int_equal(r[0].start, 0x18c4000);
	assert_int_equal(r[0].end, 0x18c4000 + 0x191a40);
	/* the whole code range: JIT pages, remapped builtins and the reservation around
	 * them, not the unrelated data mapping before it nor libc or the vdso after */
	assert_int_equal(r[1].start, 0x7f352f7c2000);
	assert_int_equal(r[1].end, 0x7f354f7c0000);

	/* room for one range only: the first found is kept */
	assert_int_equal(lt_v8_frames__code_ranges(&maps, &v8, &blob, r, 1), 1);
	/* no V8 module: anonymous executable code still counts */
	n = lt_v8_frames__code_ranges(&maps, NULL, NULL, r, LT_V8_MAX_RANGES);
	assert_int_equal(n, 1);
	assert_int_equal(r[0].start, 0x7f352f7c2000);
	assert_int_equal(r[0].end, 0x7f354f600000);
	lt_procmaps__free(&maps);
}

static void test_config_not_v8(void **state)
{
	struct lt_elf *e = lt_elf__open("/proc/self/exe");
	struct lt_v8_config c;
	struct lt_v8_blob b;
	const char *missing = NULL;

	assert_non_null(e);
	assert_int_equal(lt_v8_frames__read_config(e, &c, &b, &missing), -ENOENT);
	assert_non_null(missing);
	assert_int_equal(strncmp(missing, "v8dbg_", 6), 0);
	assert_int_equal(c.enabled, 0);
	lt_elf__close(e);
}

static void test_config_node(void **state)
{
	struct lt_elf *e = lt_elf__open("/usr/bin/node");
	struct lt_v8_config c;
	struct lt_v8_blob b;
	const char *missing = NULL;

	if (!e)
		skip();
	assert_int_equal(lt_v8_frames__read_config(e, &c, &b, &missing), 0);
	assert_int_equal(c.enabled, 1);
	/* x64 JS frames: function at fp-16, context at fp-8 */
	assert_int_equal(c.off_fp_function, -16);
	assert_true(c.type_fn_lo <= c.type_fn_hi);
	assert_true(c.first_nonstring_type > 0 && c.first_nonstring_type < c.type_sfi);
	assert_true(c.off_fn_shared > 0 && c.off_sfi_name > 0 && c.off_seq_chars > 0);
	assert_true(b.vaddr > 0 && b.size > 0);
	lt_elf__close(e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_code_ranges),
		cmocka_unit_test(test_config_not_v8),
		cmocka_unit_test(test_config_node),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

// SPDX-License-Identifier: GPL-2.0
/* Unit tests of the outstanding-block table's userspace side: its size for a number of
 * blocks, and which slots of a bucket hold blocks. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>
#include "alloc_table.h"

static void test_bucket_layout(void **state)
{
	/* the BPF side relies on it: addresses in the first cache line, buckets aligned */
	assert_int_equal(sizeof(struct lt_alloc_bucket), 256);
	assert_true(offsetof(struct lt_alloc_bucket, addr) + sizeof(__u64) * LT_ALLOC_SLOTS <= 64);
}

static void test_buckets_sizing(void **state)
{
	static const __u64 max[] = { 1, 4, 5, 100, 1000, 262144, 1000000 };

	for (size_t i = 0; i < sizeof(max) / sizeof(max[0]); i++) {
		__u32 n = lt_alloc_table__buckets(max[i]);

		assert_true(n > 0);
		assert_int_equal(n & (n - 1), 0); /* a power of two: the hash masks it */
		/* max blocks fill at most 2/3 of the slots ... */
		assert_true((__u64)n * LT_ALLOC_SLOTS * 2 >= max[i] * 3);
		/* ... and the table is not twice bigger than that needs */
		if (n > 1)
			assert_true((__u64)(n / 2) * LT_ALLOC_SLOTS * 2 < max[i] * 3);
	}
	assert_int_equal(lt_alloc_table__buckets(1), 1);
	assert_int_equal(lt_alloc_table__buckets(262144), 65536);
	/* more than one array map can hold: refused, not truncated */
	assert_int_equal(lt_alloc_table__buckets(4294967295ull), 0);
	assert_true(lt_alloc_table__buckets(1u << 24) > 0);
	assert_true(lt_alloc_table__buckets(lt_alloc_table__max_allocs()) > 0);
	assert_int_equal(lt_alloc_table__buckets(lt_alloc_table__max_allocs() + 1), 0);
}

struct seen {
	int n;
	__u64 addr[LT_ALLOC_SLOTS];
	__u64 size[LT_ALLOC_SLOTS];
	int stop_after;
};

static int record(__u64 addr, const struct lt_alloc *a, void *ctx)
{
	struct seen *s = ctx;

	s->addr[s->n] = addr;
	s->size[s->n] = a->size;
	s->n++;
	return s->n == s->stop_after ? -42 : 0;
}

static void test_visit_skips_free_and_busy(void **state)
{
	struct lt_alloc_bucket b;
	struct seen s = { 0 };

	memset(&b, 0, sizeof(b));
	b.addr[0] = 0x1000;
	b.blocks[0].size = 10;
	b.addr[2] = 0x2000 | LT_ALLOC_BUSY; /* being written: its fields are not yet right */
	b.blocks[2].size = 20;
	b.addr[6] = 0x3000;
	b.blocks[6].size = 30;
	b.blocks[3].size = 99; /* a free slot keeps whatever its last block left */

	assert_int_equal(lt_alloc_table__visit(&b, record, &s), 0);
	assert_int_equal(s.n, 2);
	assert_int_equal(s.addr[0], 0x1000);
	assert_int_equal(s.size[0], 10);
	assert_int_equal(s.addr[1], 0x3000);
	assert_int_equal(s.size[1], 30);
}

static void test_visit_stops_on_error(void **state)
{
	struct lt_alloc_bucket b;
	struct seen s = { .stop_after = 1 };

	memset(&b, 0, sizeof(b));
	for (int i = 0; i < LT_ALLOC_SLOTS; i++)
		b.addr[i] = 0x1000 * (i + 1);
	assert_int_equal(lt_alloc_table__visit(&b, record, &s), -42);
	assert_int_equal(s.n, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bucket_layout),
		cmocka_unit_test(test_buckets_sizing),
		cmocka_unit_test(test_visit_skips_free_and_busy),
		cmocka_unit_test(test_visit_stops_on_error),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

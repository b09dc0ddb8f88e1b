// SPDX-License-Identifier: GPL-2.0
/* The pprof writer on the shared fixture report, decoded back with the same generated
 * protobuf-c code: types, one location per pc, markers, labels, comments, descriptors. */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <zlib.h>
/* the fixture's helpers for other writers' tests */
#pragma GCC diagnostic ignored "-Wunused-function"
#include "output_fixture.h"
#include "pprof.h"
#include "profile.pb-c.h"

typedef Perftools__Profiles__Profile pp_profile;

static pp_profile *decode(const struct lt_report *r, enum lt_pprof_kind kind)
{
	z_stream z = { 0 };
	static unsigned char raw[1 << 20];
	void *buf = NULL;
	size_t len = 0;
	pp_profile *p;

	assert_int_equal(lt_pprof__encode(r, kind, 1700000000ull * 1000000000ull, &buf, &len), 0);
	assert_true(len > 2);
	assert_int_equal(((unsigned char *)buf)[0], 0x1f); /* gzip, not zlib */
	assert_int_equal(inflateInit2(&z, 15 + 16), Z_OK);
	z.next_in = buf;
	z.avail_in = (uInt)len;
	z.next_out = raw;
	z.avail_out = sizeof(raw);
	assert_int_equal(inflate(&z, Z_FINISH), Z_STREAM_END);
	p = perftools__profiles__profile__unpack(NULL, z.total_out, raw);
	inflateEnd(&z);
	free(buf);
	assert_non_null(p);
	assert_string_equal(p->string_table[0], "");
	return p;
}

static const char *str(const pp_profile *p, int64_t i)
{
	assert_true(i >= 0 && (size_t)i < p->n_string_table);
	return p->string_table[i];
}

static const Perftools__Profiles__Location *loc(const pp_profile *p, uint64_t id)
{
	assert_true(id >= 1 && id <= p->n_location);
	assert_int_equal(p->location[id - 1]->id, id);
	return p->location[id - 1];
}

static const char *loc_name(const pp_profile *p, uint64_t id)
{
	const Perftools__Profiles__Location *l = loc(p, id);
	uint64_t fn;

	assert_int_equal(l->n_line, 1);
	fn = l->line[0]->function_id;
	assert_true(fn >= 1 && fn <= p->n_function);
	return str(p, p->function[fn - 1]->name);
}

static const char *label_str(const pp_profile *p, const Perftools__Profiles__Sample *s,
			     const char *key, int64_t *num)
{
	size_t i;

	for (i = 0; i < s->n_label; i++) {
		if (strcmp(str(p, s->label[i]->key), key))
			continue;
		if (num)
			*num = s->label[i]->num;
		return str(p, s->label[i]->str);
	}
	return NULL;
}

static void test_memory_types(void **state)
{
	struct lt_report r;
	pp_profile *p;

	make_fixture(&r);
	p = decode(&r, LT_PPROF_MEMORY);
	assert_int_equal(p->n_sample_type, 2);
	assert_string_equal(str(p, p->sample_type[0]->type), "inuse_objects");
	assert_string_equal(str(p, p->sample_type[0]->unit), "count");
	assert_string_equal(str(p, p->sample_type[1]->type), "inuse_space");
	assert_string_equal(str(p, p->sample_type[1]->unit), "bytes");
	assert_string_equal(str(p, p->default_sample_type), "inuse_space");
	assert_string_equal(str(p, p->period_type->type), "space");
	assert_string_equal(str(p, p->period_type->unit), "bytes");
	assert_int_equal(p->period, 1);
	assert_int_equal(p->duration_nanos, 12340000000ll);
	assert_int_equal(p->time_nanos + p->duration_nanos, 1700000000ll * 1000000000ll);
	perftools__profiles__profile__free_unpacked(p, NULL);

	r.sample_bytes = 65536;
	p = decode(&r, LT_PPROF_MEMORY);
	assert_int_equal(p->period, 65536);
	perftools__profiles__profile__free_unpacked(p, NULL);
}

static void test_memory_samples(void **state)
{
	const Perftools__Profiles__Sample *s;
	struct lt_report r;
	int64_t num = 0;
	size_t i, mains = 0;
	pp_profile *p;

	make_fixture(&r);
	p = decode(&r, LT_PPROF_MEMORY);
	assert_int_equal(p->n_sample, 5); /* three heap stacks, two mmap ones */
	s = p->sample[0];
	assert_int_equal(s->n_value, 2);
	assert_int_equal(s->value[0], 512);
	assert_int_equal(s->value[1], 524288);
	assert_int_equal(s->n_location_id, 4); /* leaf first */
	assert_string_equal(loc_name(p, s->location_id[0]), "leak_small");
	assert_int_equal(loc(p, s->location_id[0])->line[0]->line, 42);
	assert_int_equal(loc(p, s->location_id[0])->address, 0x40115a);
	assert_string_equal(loc_name(p, s->location_id[2]), "libc.so.6+0x271ca");
	assert_int_equal(loc(p, s->location_id[3])->mapping_id, 0); /* in no module */
	assert_non_null(label_str(p, s, "bytes", &num));
	assert_int_equal(num, 1024);
	assert_string_equal(label_str(p, s, "age", NULL), "1s-10s");
	assert_null(label_str(p, s, "js", NULL));

	/* the truncated stack hangs under [truncated], mmap stacks under [mmap] */
	s = p->sample[1];
	assert_string_equal(loc_name(p, s->location_id[s->n_location_id - 1]), "[truncated]");
	assert_null(label_str(p, s, "age", NULL)); /* age unknown */
	for (i = 3; i < 5; i++) {
		s = p->sample[i];
		assert_string_equal(loc_name(p, s->location_id[s->n_location_id - 1]), "[mmap]");
	}
	assert_int_equal(p->sample[3]->value[1], 8 * MIB);

	/* one location per pc, one function per (name, file): main twice, at two pcs */
	for (i = 0; i < p->n_function; i++)
		mains += !strcmp(str(p, p->function[i]->name), "main");
	assert_int_equal(mains, 1);
	for (i = 1; i < p->n_location; i++)
		assert_true(p->location[i]->address == 0 ||
			    p->location[i]->address != p->location[i - 1]->address);
	perftools__profiles__profile__free_unpacked(p, NULL);
}

static void test_mappings_and_comments(void **state)
{
	const Perftools__Profiles__Mapping *m = NULL;
	struct lt_report r;
	bool lost = false;
	pp_profile *p;
	size_t i;

	make_fixture(&r);
	p = decode(&r, LT_PPROF_MEMORY);
	for (i = 0; i < p->n_mapping; i++) {
		assert_int_equal(p->mapping[i]->id, i + 1);
		if (!strcmp(str(p, p->mapping[i]->filename), "/opt/demo/demo_leaky"))
			m = p->mapping[i];
	}
	assert_non_null(m);
	/* the file is not there: the bounds of the frames seen in it */
	assert_true(m->memory_start <= 0x40115a && m->memory_limit > 0x401500);
	assert_false(m->has_filenames); /* "odd 12" has no file */
	assert_string_equal(str(p, m->build_id), "");
	for (i = 0; i < p->n_comment; i++)
		lost |= !strcmp(str(p, p->comment[i]), "lost: unknown_free=12 ringbuf_full=1");
	assert_true(lost);
	perftools__profiles__profile__free_unpacked(p, NULL);
}

static void test_fds_profile(void **state)
{
	struct lt_report_fd_extra extra = { .kind = "socket", .nexamples = 1 };
	struct lt_report r;
	pp_profile *p;

	make_fixture(&r);
	strcpy(extra.examples[0], "10.0.0.7:5432");
	r.fds.traced = true;
	r.fds.sec = (struct lt_report_section){ .count = 512, .stacks = heap_stacks, .n = 1 };
	r.fds.extra = &extra;
	assert_true(lt_pprof__has(&r, LT_PPROF_FDS));
	p = decode(&r, LT_PPROF_FDS);
	assert_int_equal(p->n_sample_type, 1);
	assert_string_equal(str(p, p->sample_type[0]->type), "open_fds");
	assert_string_equal(str(p, p->sample_type[0]->unit), "count");
	assert_string_equal(str(p, p->default_sample_type), "open_fds");
	assert_int_equal(p->n_sample, 1);
	assert_int_equal(p->sample[0]->n_value, 1);
	assert_int_equal(p->sample[0]->value[0], 512);
	assert_string_equal(label_str(p, p->sample[0], "kind", NULL), "socket");
	assert_string_equal(label_str(p, p->sample[0], "peer", NULL), "10.0.0.7:5432");
	assert_null(label_str(p, p->sample[0], "bytes", NULL));
	perftools__profiles__profile__free_unpacked(p, NULL);
}

static void test_inline_lines(void **state)
{
	static const struct lt_sym_inline chain[] = {
		{ "make_record", "/src/rec.h", 15 },
		{ "leak_small", "/src/demo/leaky.c", 24 },
	};
	const Perftools__Profiles__Location *l;
	struct lt_report r;
	pp_profile *p;

	make_fixture(&r);
	frames_a[0].inl = chain;
	frames_a[0].ninl = 2;
	p = decode(&r, LT_PPROF_MEMORY);
	frames_a[0].inl = NULL;
	frames_a[0].ninl = 0;
	l = loc(p, p->sample[0]->location_id[0]);
	assert_int_equal(l->n_line, 2); /* the inlined callee first, the real function last */
	assert_string_equal(str(p, p->function[l->line[0]->function_id - 1]->name), "make_record");
	assert_string_equal(str(p, p->function[l->line[0]->function_id - 1]->filename),
			    "/src/rec.h");
	assert_int_equal(l->line[0]->line, 15);
	assert_string_equal(str(p, p->function[l->line[1]->function_id - 1]->name), "leak_small");
	assert_int_equal(l->line[1]->line, 24);
	assert_true(p->mapping[l->mapping_id - 1]->has_inline_frames);
	perftools__profiles__profile__free_unpacked(p, NULL);
}

static void test_fds_path(void **state)
{
	char buf[64];

	assert_int_equal(lt_pprof__fds_path("x.pb.gz", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "x.fds.pb.gz");
	assert_int_equal(lt_pprof__fds_path("/tmp/heap", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "/tmp/heap.fds.pb.gz");
	assert_int_equal(lt_pprof__fds_path("a-name-far-too-long-for-the-buffer.pb.gz", buf, 16),
			 -ENAMETOOLONG);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_memory_types),	      cmocka_unit_test(test_memory_samples),
		cmocka_unit_test(test_mappings_and_comments), cmocka_unit_test(test_fds_profile),
		cmocka_unit_test(test_inline_lines),	      cmocka_unit_test(test_fds_path),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

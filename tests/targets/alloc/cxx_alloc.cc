// SPDX-License-Identifier: GPL-2.0
/* C++ leaks through every form of operator new, and pairs freed through every form of
 * operator delete. Built against glibc's libstdc++ and linked with jemalloc, tcmalloc and
 * mimalloc (Makefile), each of which brings its own operator new. */
#include <new>
#include <string>
#include "../target.h"

#define N 100
#define N_SMALL 10
#define FREED 200

struct alignas(64) Aligned {
	char c[100];
};

struct Sized {
	long v[5];
};

static char *volatile chars[N];
static std::string *volatile strings[N];
static Aligned *volatile aligned[N_SMALL];
static char *volatile nothrow[N_SMALL];

/* The program: 100 x new char[1000] and 100 x new std::string(200, 'x'). */
LT_NOINLINE void leak_chars(void)
{
	for (int i = 0; i < N; i++)
		chars[i] = new char[1000];
}

LT_NOINLINE void leak_strings(void)
{
	for (int i = 0; i < N; i++)
		strings[i] = new std::string(200, 'x');
}

/* new with align_val_t (the type is over-aligned) */
LT_NOINLINE void leak_aligned(void)
{
	for (int i = 0; i < N_SMALL; i++)
		aligned[i] = new Aligned();
}

LT_NOINLINE void leak_nothrow(void)
{
	for (int i = 0; i < N_SMALL; i++)
		nothrow[i] = new (std::nothrow) char[300];
}

/* Every delete form: plain, array, sized (Sized is complete, -fsized-deallocation),
 * aligned, sized + aligned, nothrow. Nothing of this is outstanding. */
LT_NOINLINE void free_all_forms(void)
{
	for (int i = 0; i < FREED; i++) {
		char *a = new char[64];
		Sized *s = new Sized();
		Aligned *al = new Aligned();
		Aligned *ala = new Aligned[2];
		char *nt = new (std::nothrow) char[32];
		void *raw = ::operator new(48);
		void *rawal = ::operator new(256, std::align_val_t(128));
		std::string *str = new std::string(100, 'y');

		LT_KEEP(a);
		LT_KEEP(s);
		LT_KEEP(al);
		LT_KEEP(ala);
		LT_KEEP(nt);
		LT_KEEP(raw);
		LT_KEEP(rawal);
		delete[] a;
		delete s;
		delete al;
		delete[] ala;
		::operator delete[](nt, std::nothrow);
		::operator delete(raw, (size_t)48);
		::operator delete(rawal, std::align_val_t(128));
		delete str;
	}
}

int main(int argc, char **argv)
{
	lt_target__init(argc, argv);
	lt_target__ready();

	free_all_forms();
	leak_chars();
	leak_strings();
	leak_aligned();
	leak_nothrow();

	lt_target__truth_begin("cxx_alloc");
	lt_target__leak("leak_chars", "heap", N * 1000L, N, "", 0, "main");
	lt_target__leak("leak_strings", "heap", N * (long)sizeof(std::string), N, "", 0, "main");
	/* the string's own buffer, allocated inside libstdc++ for the caller */
	lt_target__leak("leak_strings", "heap", N * 201L, N, "cxxlib", 0, "main");
	lt_target__leak("leak_aligned", "heap", N_SMALL * (long)sizeof(Aligned), N_SMALL, "", 0,
			"main");
	lt_target__leak("leak_nothrow", "heap", N_SMALL * 300L, N_SMALL, "", 0, "main");
	lt_target__truth_end("free_all_forms", 0, 0);
	lt_target__done(NULL);
	return 0;
}

// SPDX-License-Identifier: GPL-2.0
/* A C++ class that leaks through operator new and through std::vector growth, to check
 * demangled names and that the caller sits right above libstdc++'s frames. */
#include <cstdlib>
#include <vector>
#include "target.h"

#define RECORDS 100
#define SCRATCH_N 300

struct Session {
	int id;
	char user[44];
	long created;
	explicit Session(int i) : id(i), user(), created(i * 1000L)
	{
	}
};

struct Scratch {
	char buf[200];
};

class SessionStore
{
      public:
	LT_NOINLINE void record(int id);
	LT_NOINLINE void touch(int id);
	size_t log_bytes() const
	{
		return log_.capacity() * sizeof(log_[0]);
	}

      private:
	std::vector<long> log_;
};

/* Bug on purpose: the Session is never deleted. log_ only grows: its last buffer is
 * outstanding, the earlier ones were freed by the vector itself. */
void SessionStore::record(int id)
{
	Session *s = new Session(id);

	LT_KEEP(s);
	log_.push_back(s->created);
}

void SessionStore::touch(int id)
{
	Scratch *tmp = new Scratch();

	tmp->buf[0] = (char)id;
	LT_KEEP(tmp);
	delete tmp;
}

int main(int argc, char **argv)
{
	lt_target__init(argc, argv);
	/* Allocated before attach, empty vector: nothing of the store itself is reported. */
	SessionStore *store = new SessionStore();
	LT_KEEP(store);
	lt_target__ready();

	for (int i = 0; i < SCRATCH_N; i++)
		store->touch(i);
	for (int i = 0; i < RECORDS; i++)
		store->record(i);

	lt_target__truth_begin("session_store");
	lt_target__leak("SessionStore::record", "heap", RECORDS * (long)sizeof(Session), RECORDS,
			"new", 0, "main");
	lt_target__leak("SessionStore::record", "heap", (long)store->log_bytes(), 1, "vector", 0,
			"main");
	lt_target__truth_end("SessionStore::touch", 0, 0);
	lt_target__done(NULL);
	return 0;
}

// SPDX-License-Identifier: GPL-2.0
/* The set of files already examined. A target maps tens of modules: a list is enough. */
#include <errno.h>
#include <stdlib.h>

#include "array.h"
#include "seen.h"

bool lt_seen__has(const struct lt_seen *s, __u64 dev, __u64 ino)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->v[i].dev == dev && s->v[i].ino == ino)
			return true;
	return false;
}

int lt_seen__add(struct lt_seen *s, __u64 dev, __u64 ino)
{
	int err;

	if (lt_seen__has(s, dev, ino))
		return 0;
	err = LT_ENSURE(&s->v, &s->cap, s->n + 1);
	if (err)
		return err;
	s->v[s->n].dev = dev;
	s->v[s->n].ino = ino;
	s->n++;
	return 1;
}

void lt_seen__free(struct lt_seen *s)
{
	free(s->v);
	*s = (struct lt_seen){};
}

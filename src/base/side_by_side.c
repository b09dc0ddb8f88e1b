// SPDX-License-Identifier: GPL-2.0
/* Jobs run side by side on threads of their own. */
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>

#include "side_by_side.h"

static void *lt_job_thread(void *arg)
{
	const struct lt_job *j = arg;

	j->fn(j->arg);
	return NULL;
}

void lt_side_by_side__run(const struct lt_job *jobs, size_t n)
{
	pthread_t *tids = calloc(n ? n : 1, sizeof(*tids));
	bool *started = calloc(n ? n : 1, sizeof(*started));

	for (size_t i = 0; i < n; i++)
		if (tids && started &&
		    !pthread_create(&tids[i], NULL, lt_job_thread, (void *)&jobs[i]))
			started[i] = true;
		else
			jobs[i].fn(jobs[i].arg);
	for (size_t i = 0; i < n; i++)
		if (started && started[i])
			pthread_join(tids[i], NULL);
	free(tids);
	free(started);
}

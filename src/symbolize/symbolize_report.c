// SPDX-License-Identifier: GPL-2.0
/* The symbolization step of a report: each section's stacks get their frames resolved. */
#include <errno.h>
#include <stdlib.h>

#include "report.h"
#include "symbolize.h"

static int lt_symbolize_stack(struct lt_symbolizer *sym, struct lt_report_stack *rs)
{
	if (rs->frames || !rs->nframes)
		return 0;
	rs->frames = calloc(rs->nframes, sizeof(*rs->frames));
	if (!rs->frames)
		return -ENOMEM;
	for (__u32 k = 0; k < rs->nframes; k++)
		lt_symbolizer__resolve(sym, rs->ips[k], true, &rs->frames[k]);
	return 0;
}

static int lt_symbolize_section(struct lt_symbolizer *sym, struct lt_report_section *sec,
				size_t limit)
{
	size_t n = limit && limit < sec->n ? limit : sec->n;
	int err = 0;

	for (size_t i = 0; i < n && !err; i++)
		err = lt_symbolize_stack(sym, &sec->stacks[i]);
	return err;
}

int lt_symbolizer__report(struct lt_symbolizer *sym, struct lt_report *r, size_t limit)
{
	int err = lt_symbolize_section(sym, &r->heap, limit);

	if (!err)
		err = lt_symbolize_section(sym, &r->mmap, limit);
	/* a suspect is named wherever its stack ranks by size */
	for (size_t i = 0; i < r->n_suspects && !err; i++)
		if (r->suspects[i].stack)
			err = lt_symbolize_stack(sym, r->suspects[i].stack);
	/* CLOSE_WAIT groups point at any descriptor stack: name them all */
	return err ? err : lt_symbolize_section(sym, &r->fds.sec, r->socks.ncw ? 0 : limit);
}

// SPDX-License-Identifier: GPL-2.0
/* The symbolization step of a report: each section's stacks get their frames resolved. */
#include <errno.h>
#include <stdlib.h>

#include "report.h"
#include "symbolize.h"

static int lt_symbolize_section(struct lt_symbolizer *sym, struct lt_report_section *sec,
				size_t limit)
{
	size_t n = limit && limit < sec->n ? limit : sec->n;

	for (size_t i = 0; i < n; i++) {
		struct lt_report_stack *rs = &sec->stacks[i];

		if (rs->frames || !rs->nframes)
			continue;
		rs->frames = calloc(rs->nframes, sizeof(*rs->frames));
		if (!rs->frames)
			return -ENOMEM;
		for (__u32 k = 0; k < rs->nframes; k++)
			lt_symbolizer__resolve(sym, rs->ips[k], true, &rs->frames[k]);
	}
	return 0;
}

int lt_symbolizer__report(struct lt_symbolizer *sym, struct lt_report *r, size_t limit)
{
	int err = lt_symbolize_section(sym, &r->heap, limit);

	if (!err)
		err = lt_symbolize_section(sym, &r->mmap, limit);
	/* CLOSE_WAIT groups point at any descriptor stack: name them all */
	return err ? err : lt_symbolize_section(sym, &r->fds.sec, r->socks.ncw ? 0 : limit);
}

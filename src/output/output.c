// SPDX-License-Identifier: GPL-2.0
/* Picks the report writer for the configured format, and names frames the same way
 * for all of them. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include "output.h"

int lt_output__write(FILE *f, const struct lt_report *r, const struct lt_config *cfg)
{
	int err;

	if (!f || !r || !cfg)
		return -EINVAL;
	switch (cfg->format) {
	case LT_FMT_TEXT:
		err = lt_output__text_frames(f, r, cfg->top_n, cfg->all_frames);
		break;
	case LT_FMT_FOLDED:
		err = lt_output__folded(f, r);
		break;
	case LT_FMT_JSON:
		err = lt_output__json(f, r);
		break;
	case LT_FMT_PPROF:
		err = lt_output__pprof(f, r, cfg->output);
		break;
	default:
		return -EINVAL;
	}
	if (err)
		return err;
	/* interval reports go to pipes and files that are watched while we run */
	if (fflush(f))
		return errno ? -errno : -EIO;
	return 0;
}

/* The symbol alone, without offset, so that calls from different lines of one function
 * fold together; the module basename keeps unnamed frames short but still placeable. */
const char *lt_output__frame_name(const struct lt_sym *s, char *buf, size_t len)
{
	const char *base;

	if (s->symbol && *s->symbol)
		return s->symbol;
	if (s->module && *s->module) {
		base = strrchr(s->module, '/');
		snprintf(buf, len, "%s+0x%llx", base && base[1] ? base + 1 : s->module,
			 (unsigned long long)s->module_off);
	} else {
		snprintf(buf, len, "0x%llx", (unsigned long long)s->addr);
	}
	return buf;
}

const char *lt_output__human_bytes(__s64 v, char *buf, size_t len)
{
	static const char *const units[] = { "KiB", "MiB", "GiB", "TiB", "PiB", "EiB" };
	double d = (double)v;
	int u = -1;

	if (v < 1024 && v > -1024) {
		snprintf(buf, len, "%lld B", (long long)v);
		return buf;
	}
	/* 1023.95 and up would print as "1024.0" of the smaller unit */
	while (fabs(d) >= 1023.95 && u < 5) {
		d /= 1024;
		u++;
	}
	snprintf(buf, len, "%.1f %s", d, units[u]);
	return buf;
}

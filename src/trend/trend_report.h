/* SPDX-License-Identifier: GPL-2.0 */
/* The trends of a report: each stack's and peer's from its series, and the RSS breakdown. */
#ifndef LT_TREND_REPORT_H
#define LT_TREND_REPORT_H

#include "report.h"
#include "series.h"

/* Smallest rise over a segment that counts as growth, per unit (docs/trends.md). */
#define LT_TREND_MIN_RISE_BYTES 1024.0
#define LT_TREND_MIN_RISE_MMAP (2 * 4096.0)
#define LT_TREND_MIN_RISE_DESCRIPTORS 2.0

/* Set the trend of every heap, mmap and descriptor stack and of every peer of r, r->looked_s
 * and r->rss, from the series as of their latest sample. Returns 0 or -ENOMEM. */
int lt_trend_report__fill(const struct lt_series_set *set, struct lt_report *r);

#endif

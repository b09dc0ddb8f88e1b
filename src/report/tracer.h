/* SPDX-License-Identifier: GPL-2.0 */
/* The tracer's own cost for the report: its CPU time, resident set and BPF maps. */
#ifndef LT_TRACER_H
#define LT_TRACER_H

#include <linux/types.h>
#include "report.h"

struct bpf_object;

/* CPU seconds (user + system) this process has used so far. */
double lt_tracer__cpu_s(void);
/* VmRSS and VmHWM of a /proc/PID/status text, in bytes; -ENOENT without them. */
int lt_tracer__parse_status(const char *text, __u64 *rss, __u64 *peak);
/* Sum of the memlock (kernel memory) of obj's maps, from their fdinfo; 0 for NULL. */
__u64 lt_tracer__map_bytes(const struct bpf_object *obj);
/* Fill t: attach_cpu_s as measured when attached, the rest now. */
void lt_tracer__fill(struct lt_report_tracer *t, double attach_cpu_s, const struct bpf_object *obj);

#endif

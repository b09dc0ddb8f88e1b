/* SPDX-License-Identifier: GPL-2.0 */
/* Whether SIGUSR1 would open Node's inspector in the target, decided before any signal
 * (shared/JS-HEAP.md §2.2): its handler must be Node's StartIoThreadWakeup (read from the
 * kernel), the signal neither blocked nor disabled by --disable-sigusr1. */
#ifndef LT_JSHEAP_ELIGIBLE_H
#define LT_JSHEAP_ELIGIBLE_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

struct bpf_program;

/* SIGUSR1's bit in /proc/PID/status's SigCgt (caught) and SigBlk (blocked). */
int lt_jsheap_eligible__sigmasks(int pid, bool *caught, bool *blocked);
/* Whether a NUL-separated argument list (cmdline, or NODE_OPTIONS split on spaces)
 * carries --disable-sigusr1. */
bool lt_jsheap_eligible__disabled_in(const char *args, size_t len, char sep);
/* 0 when SIGUSR1 would start Node's inspector in pid; else -EPERM (or another errno) with
 * the reason in why. iter is bpf/jsheap.bpf.c's task iterator, loaded. */
int lt_jsheap_eligible__check(struct bpf_program *iter, int pid, char *why, size_t size);

#endif

/* SPDX-License-Identifier: GPL-2.0 */
/* libbpf's messages: shown by verbosity, and while the object loads, kept so that a
 * rejection can be told in one line (which program, the verifier's complaint). */
#ifndef LT_BPF_LOG_H
#define LT_BPF_LOG_H

#include <stdarg.h>
#include <stdbool.h>

/* Install the print callback (idempotent). */
void lt_bpf_log__init(void);
/* Between start and stop, libbpf's warnings are kept instead of printed (printed as well
 * with -v); start forgets what an earlier load kept. */
void lt_bpf_log__start(void);
void lt_bpf_log__stop(void);
/* The program whose load failed last, NULL when no program was refused. */
const char *lt_bpf_log__failed_prog(void);
/* The first line of the verifier's complaint about it, NULL when none was logged. */
const char *lt_bpf_log__complaint(void);
/* The last warning libbpf gave (without "libbpf: " and the newline), NULL when none. */
const char *lt_bpf_log__last_warning(void);

/* The complaint of a verifier log: the line before "processed N insns", or the last
 * non-empty line. Writes at most size - 1 characters to out; false when there is none. */
bool lt_bpf_log__parse_complaint(const char *log, char *out, size_t size);

#endif

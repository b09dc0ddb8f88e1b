// SPDX-License-Identifier: GPL-2.0
/* The report model's small functions: stable names of loss reasons, sample weights, growth
 * rates and freeing a section (aggregation into sections is stackagg.c). */
#include <stdlib.h>
#include <string.h>
#include "report.h"

static const char *const loss_names[LT_LOSS__MAX] = {
	[LT_LOSS_ALLOC_MAP_FULL] = "alloc_map_full",
	[LT_LOSS_STACK_MAP_FULL] = "stack_map_full",
	[LT_LOSS_STACK_UNWIND_CFI_READ] = "stack_unwind_cfi_read",
	[LT_LOSS_STACK_UNWIND_NATIVE_FP] = "stack_unwind_native_fp",
	[LT_LOSS_STACK_UNWIND_V8_FP] = "stack_unwind_v8_fp",
	[LT_LOSS_STACK_TRUNCATED] = "stack_truncated",
	[LT_LOSS_RET_MISSED] = "return_probe_missed",
	[LT_LOSS_UNKNOWN_FREE] = "unknown_free",
	[LT_LOSS_NEST_TOO_DEEP] = "nesting_too_deep",
	[LT_LOSS_TOTALS_MAP_FULL] = "totals_map_full",
	[LT_LOSS_RINGBUF_FULL] = "ringbuf_full",
	[LT_LOSS_THREAD_MAP_FULL] = "thread_map_full",
	[LT_LOSS_FD_CLOSE_MISSED] = "fd_close_missed",
	[LT_LOSS_SOCK_MAP_FULL] = "sock_map_full",
	[LT_LOSS_JS_FRAME_UNNAMED] = "js_frame_unnamed",
	[LT_LOSS_JS_NAME_MAP_FULL] = "js_name_map_full",
	[LT_LOSS_GC_RINGBUF_FULL] = "gc_event_lost",
	[LT_LOSS_GC_RET_MISSED] = "gc_return_missed",
	[LT_LOSS_FD_PAIR_UNREAD] = "fd_pair_unread",
	[LT_LOSS_THREAD_EXIT_FREE] = "thread_exit_free",
	[LT_LOSS_CHILD_UNTRACED] = "child_untraced",
	[LT_LOSS_PUSH_FAILED] = "push_failed",
};

const char *lt_loss__name(enum lt_loss loss)
{
	if ((unsigned)loss >= LT_LOSS__MAX || !loss_names[loss])
		return "unknown";
	return loss_names[loss];
}

void lt_report_section__free(struct lt_report_section *s)
{
	size_t i;

	if (!s)
		return;
	for (i = 0; i < s->n; i++)
		free(s->stacks[i].frames);
	free(s->stacks);
	memset(s, 0, sizeof(*s));
}

void lt_sample__weight(__u64 size, __u64 rate, __s64 *bytes, double *count)
{
	if (!rate || size >= rate || size >= LT_SAMPLE_ALWAYS || !size) {
		/* size 0 is never drawn (probability 0) unless exact: counted as itself */
		*bytes = size;
		*count = 1;
		return;
	}
	*bytes = rate;
	*count = (double)rate / size;
}

double lt_report__rate(const struct lt_report *r, __s64 bytes)
{
	/* Everything reported was allocated since attach: what is still held over the time
	 * traced is how fast it grew. Too short a trace says nothing. */
	if (!r || !(r->duration_s >= 1.0) || bytes <= 0)
		return 0;
	return bytes / r->duration_s;
}

void lt_report__not_loaded(struct lt_report *r, const char *family, const char *why)
{
	if (!why || r->n_not_loaded >= LT_REPORT_MAX_NOT_LOADED)
		return;
	r->not_loaded[r->n_not_loaded].family = family;
	r->not_loaded[r->n_not_loaded++].reason = why;
}

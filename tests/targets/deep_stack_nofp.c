// SPDX-License-Identifier: GPL-2.0
/* deep_stack built without frame pointers: the same 120-frame stack walked by CFI. */
#define DEEP_NAME "deep_stack_nofp"
#include "deep_stack.c"

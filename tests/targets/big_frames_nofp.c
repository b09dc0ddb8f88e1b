// SPDX-License-Identifier: GPL-2.0
/* big_frames built without frame pointers: the same stacks walked by CFI. */
#define BIG_NAME "big_frames_nofp"
#include "big_frames.c"

/* SPDX-License-Identifier: GPL-2.0 */
/* The descriptor family (-t fd, -t sock): descriptors and sockets by opening stack. */
#ifndef LT_FD_FAMILY_H
#define LT_FD_FAMILY_H

#include "family.h"

extern const struct lt_family lt_fd_family;

#endif

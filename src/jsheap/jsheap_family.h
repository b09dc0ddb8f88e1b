/* SPDX-License-Identifier: GPL-2.0 */
/* -t jsheap: live JS objects by allocation site (docs/jsheap.md). */
#ifndef LT_JSHEAP_FAMILY_H
#define LT_JSHEAP_FAMILY_H

#include "family.h"

extern const struct lt_family lt_jsheap_family;

#endif

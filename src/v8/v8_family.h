/* SPDX-License-Identifier: GPL-2.0 */
/* The V8 family: GC tracing (-t gc) and JS frame naming (on unless --no-js-names). */
#ifndef LT_V8_FAMILY_H
#define LT_V8_FAMILY_H

#include "family.h"

extern const struct lt_family lt_v8_family;

#endif

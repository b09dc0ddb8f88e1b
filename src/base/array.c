// SPDX-License-Identifier: GPL-2.0
/* Growable arrays. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"

int lt_array__ensure(void **data, size_t *cap, size_t elem, size_t need)
{
	size_t n = *cap;
	void *v;

	if (need <= *cap)
		return 0;
	if (!elem)
		return -EINVAL;
	if (!n)
		n = 16;
	while (n < need) {
		if (n > SIZE_MAX / 2)
			return -ENOMEM;
		n *= 2;
	}
	if (n > SIZE_MAX / elem)
		return -ENOMEM;
	v = realloc(*data, n * elem);
	if (!v)
		return -ENOMEM;
	memset((char *)v + *cap * elem, 0, (n - *cap) * elem);
	*data = v;
	*cap = n;
	return 0;
}

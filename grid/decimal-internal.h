/* grid/decimal-internal.h -- strict decimal numbers in caps and URI
 * extension blocks.  Internal to grid/. */
#ifndef GRID_DECIMAL_INTERNAL_H
#define GRID_DECIMAL_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Parse 'len' bytes of 'p' as a decimal number no greater than 'max' into
 * *v.  Only the canonical form is accepted: ASCII digits, at least one, no
 * sign, no leading zero (except "0" itself), so every number has exactly
 * one spelling and formatting it gives back the same bytes.  On failure
 * *v is 0. */
static inline bool
grid_decimal_parse(const char *p, size_t len, uint64_t max, uint64_t *v)
{
	uint64_t x = 0;
	size_t i;

	*v = 0;
	if (len == 0 || len > 20 || (p[0] == '0' && len > 1))
		return false;
	for (i = 0; i < len; i++) {
		unsigned d;

		if (p[i] < '0' || p[i] > '9')
			return false;
		d = (unsigned)(p[i] - '0');
		if (x > (max - d) / 10)
			return false;
		x = x * 10 + d;
	}
	*v = x;
	return true;
}

#endif

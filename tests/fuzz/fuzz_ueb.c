/* tests/fuzz/fuzz_ueb.c -- libFuzzer target for grid_ueb_parse().
 *
 * Any input either fails with a one-line GRID_ERROR and a zeroed record,
 * or parses; a block with all eleven fields packs into bytes that parse
 * back to the same record. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "grid/gm.h"
#include "grid/ueb.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const grid_ueb zero;
	grid_ueb u, v;
	GError *err = NULL;
	GByteArray *b;

	if (!grid_ueb_parse(data, size, &u, &err)) {
		if (err == NULL || err->domain != GRID_ERROR ||
		    strchr(err->message, '\n') != NULL ||
		    memcmp(&u, &zero, sizeof(u)) != 0)
			abort();
		g_error_free(err);
		return 0;
	}
	if (err != NULL)
		abort();
	if (u.present != GRID_UEB_ALL)
		return 0;
	b = grid_ueb_pack(&u);
	if (!grid_ueb_parse(b->data, b->len, &v, NULL) ||
	    memcmp(&u, &v, sizeof(u)) != 0)
		abort();
	g_byte_array_unref(b);
	return 0;
}

/* tests/fuzz/fuzz_cap.c -- libFuzzer target for grid_uri_parse().
 *
 * Any input either fails with a one-line GRID_ERROR, or parses into a cap
 * whose text is exactly the input (only canonical spellings are accepted)
 * and which parses again to the same cap. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "grid/gm.h"
#include "grid/uri.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	grid_uri u, v;
	GError *err = NULL;
	char *s;

	if (!grid_uri_parse((const char *)data, size, &u, &err)) {
		if (err == NULL || err->domain != GRID_ERROR ||
		    strchr(err->message, '\n') != NULL || u.kind != 0 ||
		    u.lit != NULL)
			abort();
		g_error_free(err);
		return 0;
	}
	if (err != NULL)
		abort();
	s = grid_uri_to_string(&u);
	if (strlen(s) != size || memcmp(s, data, size) != 0)
		abort();
	if (!grid_uri_parse(s, strlen(s), &v, NULL) || v.kind != u.kind ||
	    v.k != u.k || v.n != u.n || v.size != u.size ||
	    v.lit_len != u.lit_len ||
	    memcmp(v.ueb_hash, u.ueb_hash, sizeof(u.ueb_hash)) != 0 ||
	    memcmp(v.si, u.si, sizeof(u.si)) != 0)
		abort();
	if (u.kind == GRID_URI_CHK_VERIFIER || u.kind == GRID_URI_CHK) {
		grid_uri w;
		char *ws;

		grid_uri_to_verifier(&u, &w);
		ws = grid_uri_to_string(&w);
		if (strncmp(ws, "URI:CHK-Verifier:", 17) != 0)
			abort();
		g_free(ws);
		grid_uri_clear(&w);
	}
	g_free(s);
	grid_uri_clear(&u);
	grid_uri_clear(&v);
	return 0;
}

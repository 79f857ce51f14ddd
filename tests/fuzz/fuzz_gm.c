/* tests/fuzz/fuzz_gm.c -- libFuzzer target: grid-manager configuration and
 * certificate files as a user or a peer could hand them over.  The first
 * byte picks the parser. */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "grid/gm.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t keys[32];
	const char *text = (const char *)data + 1;

	if (size < 1)
		return 0;
	if (data[0] & 1) {
		grid_gm *gm = grid_gm_parse(text, size - 1, NULL);

		if (gm != NULL) {
			char *json = grid_gm_to_json(gm);
			grid_gm *again = grid_gm_parse(json, strlen(json),
			    NULL);

			/* What we write, we read back. */
			if (again == NULL)
				abort();
			grid_gm_free(again);
			g_free(json);
			grid_gm_free(gm);
		}
	} else {
		grid_cert *c = grid_cert_parse(text, size - 1, NULL);

		if (c != NULL) {
			char *why = NULL;

			(void)grid_cert_check(c, keys, 1, keys, 0, &why);
			g_free(why);
			grid_cert_free(c);
		}
	}
	return 0;
}

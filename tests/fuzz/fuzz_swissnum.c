/* tests/fuzz/fuzz_swissnum.c -- libFuzzer target for acct_mac_check(),
 * the check every account and PSS lookup runs on an untrusted name.
 *
 * Invariant: an input (without NUL) is accepted only if it is exactly the
 * swissnum acct_mac_swissnum() makes for the number it carries, under the
 * key (32 bytes of 0x07, doc/protocol.md §11.1's vector key). */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "account/mac.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t key[ACCT_SECRET_LEN];
	char *s;
	guint32 num = 99;

	/* A name holding a NUL never reaches a lookup handler (the tub
	 * answers not-found itself, doc/protocol.md §5.4). */
	if (memchr(data, 0, size) != NULL)
		return 0;
	s = g_strndup((const char *)data, size);
	memset(key, 7, sizeof(key));
	if (acct_mac_check(key, s, &num)) {
		char *want = acct_mac_swissnum(key, num);

		if (strlen(s) != size || strcmp(want, s) != 0)
			abort();
		g_free(want);
	} else if (num != 0) {
		abort();
	}
	g_free(s);
	return 0;
}

/* tests/unit/grid_testutil.h -- small helpers shared by the CHK unit
 * tests: hex decoding of expected values and SHA-256 of byte strings. */
#ifndef TESTS_UNIT_GRID_TESTUTIL_H
#define TESTS_UNIT_GRID_TESTUTIL_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <glib.h>

/* Decode the hex string 'hex' into 'out' (strlen(hex) / 2 bytes). */
static inline void
tu_unhex(const char *hex, uint8_t *out)
{
	size_t i, n = strlen(hex) / 2;

	for (i = 0; i < n; i++)
		out[i] = (uint8_t)(g_ascii_xdigit_value(hex[2 * i]) << 4 |
		    g_ascii_xdigit_value(hex[2 * i + 1]));
}

/* Lower-case hex of 'n' bytes; caller g_free()s. */
static inline char *
tu_hex(const uint8_t *p, size_t n)
{
	char *s = g_malloc(2 * n + 1);
	size_t i;

	for (i = 0; i < n; i++)
		g_snprintf(s + 2 * i, 3, "%02x", p[i]);
	s[2 * n] = '\0';
	return s;
}

/* Hex SHA-256 of 'n' bytes; caller g_free()s. */
static inline char *
tu_sha256_hex(const void *p, size_t n)
{
	return g_compute_checksum_for_data(G_CHECKSUM_SHA256, p, n);
}

/* The content of the files of tests/interop/chk-vectors.txt: the first
 * 'size' bytes of SHA-256("tahoe-c chk vector %d" % c) for c = 0, 1, ...
 * Caller g_free()s. */
static inline uint8_t *
tu_vector_content(size_t size)
{
	uint8_t *out = g_malloc(size + 32);
	size_t off = 0, c = 0;

	while (off < size) {
		char in[64];
		GChecksum *ck = g_checksum_new(G_CHECKSUM_SHA256);
		gsize dl = 32;

		g_snprintf(in, sizeof(in), "tahoe-c chk vector %zu", c++);
		g_checksum_update(ck, (const guchar *)in, (gssize)strlen(in));
		g_checksum_get_digest(ck, out + off, &dl);
		g_checksum_free(ck);
		off += 32;
	}
	return out;
}

#endif

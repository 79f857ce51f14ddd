/* grid/uri.h -- immutable-file caps, as Tahoe-LAFS's uri.py writes them:
 *
 *   URI:CHK:KEY:UEBHASH:K:N:SIZE            read cap of a CHK file
 *   URI:CHK-Verifier:SI:UEBHASH:K:N:SIZE    verify cap (no key)
 *   URI:LIT:DATA                            a small file held in the cap
 *
 * KEY and SI are 16 bytes, UEBHASH 32, DATA any bytes, each in lower-case
 * unpadded base32.  A cap is a secret (it reads the file): never log one. */
#ifndef GRID_URI_H
#define GRID_URI_H

#include <stddef.h>
#include <stdint.h>

#include <glib.h>

#include "grid/hashutil.h"

/* Limits on what grid_uri_parse() accepts.  Tahoe-LAFS makes LIT caps
 * for files of at most 55 bytes (upload.py, URI_LIT_SIZE_THRESHOLD); a
 * longer LIT cap is legal but anything past GRID_URI_LIT_MAX is refused
 * here, which also bounds every cap's text. */
#define GRID_URI_LIT_THRESHOLD	55
#define GRID_URI_LIT_MAX	4096
#define GRID_URI_TEXT_MAX	(8 + (GRID_URI_LIT_MAX * 8 + 4) / 5)
#define GRID_URI_MAX_SHARES	256

typedef enum {
	GRID_URI_CHK = 1,
	GRID_URI_CHK_VERIFIER,
	GRID_URI_LIT,
} grid_uri_kind;

/* A parsed cap: a plain record.  For GRID_URI_LIT only 'lit' and
 * 'lit_len' are meaningful; otherwise 'key' (CHK) or 'si' (verifier),
 * 'ueb_hash', 'k', 'n' and 'size'. */
typedef struct grid_uri {
	grid_uri_kind	 kind;
	uint8_t		 key[GRID_KEY_LEN];
	uint8_t		 si[GRID_SI_LEN];
	uint8_t		 ueb_hash[GRID_HASH_LEN];
	unsigned	 k, n;
	uint64_t	 size;
	uint8_t		*lit;		/* owned; g_free()d by clear */
	size_t		 lit_len;
} grid_uri;

/* Parse 'len' bytes of 'text' (no NUL needed).  On success fill *out (the
 * caller frees it with grid_uri_clear()) and return TRUE; for a CHK cap
 * 'si' is derived from the key.  On failure *out is cleared and 'error'
 * set (GRID_ERROR, GRID_E_FORMAT; GRID_E_RANGE for k/n outside
 * 1 <= k <= n <= 256 or a LIT cap over GRID_URI_LIT_MAX bytes).  Only the
 * canonical spelling is accepted: the forms above exactly, lower-case
 * base32 with zero padding bits, numbers without leading zeros, nothing
 * after the size. */
gboolean grid_uri_parse(const char *text, size_t len, grid_uri *out,
	    GError **error);

/* The cap's text; caller g_free()s. */
char	*grid_uri_to_string(const grid_uri *u);

/* The verify cap of a CHK or verify cap into *out (clear it when done). */
void	 grid_uri_to_verifier(const grid_uri *u, grid_uri *out);

/* Free what 'u' owns and zero it (wiping the key).  NULL: no-op. */
void	 grid_uri_clear(grid_uri *u);

#endif

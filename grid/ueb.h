/* grid/ueb.h -- the URI extension block (UEB) of a CHK file
 * (docs/specifications/URI-extension.rst, uri.pack_extension): the file's
 * encoding parameters and root hashes, stored at the end of every share
 * and pinned by the cap, which holds its hash.
 *
 * Its bytes are, for each key in sorted order, KEY ":" netstring(VALUE);
 * numbers are decimal.  The keys Tahoe-LAFS writes today are the eleven
 * fields below. */
#ifndef GRID_UEB_H
#define GRID_UEB_H

#include <stddef.h>
#include <stdint.h>

#include <glib.h>

#include "grid/hashutil.h"

/* Largest UEB accepted.  Tahoe-LAFS's are about 330 bytes (older ones with
 * plaintext hashes about 500); 4 KiB leaves room and bounds the work. */
#define GRID_UEB_MAX		4096
#define GRID_UEB_MAX_KEY	64	/* longest key accepted */

/* Codec parameters "SEGSIZE-K-N" (codec.CRSEncoder's serialized form). */
typedef struct grid_ueb_codec {
	uint64_t	segsize;
	unsigned	k, n;
} grid_ueb_codec;

/* Bits of grid_ueb.present: which fields the block held. */
enum {
	GRID_UEB_SIZE			= 1 << 0,
	GRID_UEB_SEGMENT_SIZE		= 1 << 1,
	GRID_UEB_NUM_SEGMENTS		= 1 << 2,
	GRID_UEB_NEEDED_SHARES		= 1 << 3,
	GRID_UEB_TOTAL_SHARES		= 1 << 4,
	GRID_UEB_CODEC_NAME		= 1 << 5,
	GRID_UEB_CODEC_PARAMS		= 1 << 6,
	GRID_UEB_TAIL_CODEC_PARAMS	= 1 << 7,
	GRID_UEB_SHARE_ROOT_HASH	= 1 << 8,
	GRID_UEB_CRYPTTEXT_HASH		= 1 << 9,
	GRID_UEB_CRYPTTEXT_ROOT_HASH	= 1 << 10,
	GRID_UEB_ALL			= (1 << 11) - 1,
};

/* A plain record; codec_name is always "crs" when present. */
typedef struct grid_ueb {
	uint32_t	present;
	uint64_t	size, segment_size, num_segments;
	unsigned	needed_shares, total_shares;
	grid_ueb_codec	codec_params, tail_codec_params;
	uint8_t		share_root_hash[GRID_HASH_LEN];
	uint8_t		crypttext_hash[GRID_HASH_LEN];
	uint8_t		crypttext_root_hash[GRID_HASH_LEN];
} grid_ueb;

/* Serialise a UEB with every field (present must be GRID_UEB_ALL) exactly
 * as Tahoe-LAFS does.  Caller owns; free with g_byte_array_unref(). */
GByteArray *grid_ueb_pack(const grid_ueb *u);

/* Parse 'len' bytes (borrowed) into *out.  Every entry must be
 * KEY ":" LEN ":" VALUE "," with KEY of [a-zA-Z_-] (at most
 * GRID_UEB_MAX_KEY), keys strictly ascending, no bytes left over; the known
 * keys must have their type (canonical decimal numbers, 32-byte hashes,
 * codec "crs", params "S-K-N" with 1 <= K <= N <= 256); unknown keys are
 * skipped, as Tahoe-LAFS's reader does.  segment_size, share_root_hash
 * and crypttext_root_hash, which a download needs, are required.  On
 * failure *out is zeroed and 'error' set (GRID_ERROR, GRID_E_FORMAT, or
 * GRID_E_RANGE for a block over GRID_UEB_MAX). */
gboolean grid_ueb_parse(const uint8_t *p, size_t len, grid_ueb *out,
	    GError **error);

/* tagged_hash(UEB_TAG, bytes): the hash the cap holds. */
void	 grid_ueb_hash(const uint8_t *p, size_t len,
	    uint8_t out[GRID_HASH_LEN]);

#endif

/* grid/chk.h -- Tahoe-LAFS CHK immutable files: the encoder that turns a
 * file into a cap and n shares, byte for byte as Tahoe-LAFS's
 * immutable/upload.py and encode.py do, and the decoder that checks every
 * hash before it uses a byte.  No network and no storage here: shares are
 * handed to a write callback and read back from memory. */
#ifndef GRID_CHK_H
#define GRID_CHK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <glib.h>

#include "grid/hashutil.h"
#include "grid/uri.h"

/* Tahoe-LAFS's default maximum segment size since 1.19
 * (interfaces.DEFAULT_IMMUTABLE_MAX_SEGMENT_SIZE); older releases used
 * 128 KiB, which changes every key and cap. */
#define GRID_CHK_DEFAULT_MAX_SEGMENT	(1024 * 1024)
/* Largest maximum segment size accepted: a segment and its blocks are held
 * in memory. */
#define GRID_CHK_MAX_SEGMENT_LIMIT	(64 * 1024 * 1024)

/* Encoding parameters: shares.needed, shares.happy, shares.total and the
 * maximum segment size.  'happy' does not change the bytes; it is carried
 * for the uploader. */
typedef struct grid_chk_params {
	unsigned	k, happy, n;
	uint64_t	max_segment_size;
} grid_chk_params;

/* The sizes that follow from the parameters and the file size (size > 0):
 * segment_size = next_multiple(min(max_segment_size, size), k), the size
 * the convergence key is derived with. */
typedef struct grid_chk_sizes {
	uint64_t	size, segment_size, num_segments, block_size;
	uint64_t	tail_size, tail_padded, tail_block_size, share_data;
} grid_chk_sizes;

/* Check 'p' (1 <= k <= n <= 256, 1 <= happy <= n, 1 <= max_segment_size
 * <= GRID_CHK_MAX_SEGMENT_LIMIT) and 'size' (> 0) and fill *out.  FALSE
 * and 'error' (GRID_ERROR, GRID_E_RANGE) otherwise. */
gboolean grid_chk_sizes_init(const grid_chk_params *p, uint64_t size,
	    grid_chk_sizes *out, GError **error);

/* The convergent key hasher for a file of 'size' bytes: feed it the whole
 * plaintext, then grid_hasher_final() gives the 16-byte key.  Caller owns;
 * free with grid_hasher_free().  NULL and 'error' on bad parameters. */
grid_hasher *grid_chk_key_hasher_new(const grid_chk_params *p, uint64_t size,
		    const void *secret, size_t secretlen, GError **error);

/* Called with consecutive pieces of share 'shnum' in file order, offsets
 * from 0 to the share size with no gaps (what a bucket writer receives).
 * 'p' is borrowed for the call. */
typedef void grid_chk_write_fn(unsigned shnum, uint64_t offset,
    const uint8_t *p, size_t len, void *arg);

/* A streaming encoder: memory is one segment and its n blocks plus 32
 * bytes per segment per share for the hash trees, whatever the file size.
 * Not thread-safe; one file per encoder. */
typedef struct grid_chk_encoder grid_chk_encoder;

/* Start encoding a file of 'size' (> 0) bytes under 'key' (borrowed; the
 * convergent key, or a random one).  Writes the share headers at once.
 * Caller owns; free with grid_chk_encoder_free().  NULL and 'error'
 * (GRID_E_RANGE) on bad parameters. */
grid_chk_encoder *grid_chk_encoder_new(const grid_chk_params *p,
		    uint64_t size, const uint8_t key[GRID_KEY_LEN],
		    grid_chk_write_fn *fn, void *arg, GError **error);
void	grid_chk_encoder_free(grid_chk_encoder *e);		/* NULL: no-op */
G_DEFINE_AUTOPTR_CLEANUP_FUNC(grid_chk_encoder, grid_chk_encoder_free)

/* Bytes each share will have, and the storage index (borrowed). */
uint64_t	 grid_chk_encoder_share_size(const grid_chk_encoder *e);
const uint8_t	*grid_chk_encoder_storage_index(const grid_chk_encoder *e);
const grid_chk_sizes *grid_chk_encoder_sizes(const grid_chk_encoder *e);

/* Feed the next 'len' bytes of plaintext; blocks are written as segments
 * fill.  FALSE and 'error' (GRID_E_RANGE) if more than 'size' bytes in
 * all would be fed (nothing is consumed then). */
gboolean grid_chk_encoder_write(grid_chk_encoder *e, const void *p,
	    size_t len, GError **error);

/* After exactly 'size' bytes: write the hash trees and UEB of every share
 * and fill *cap (clear it with grid_uri_clear()).  FALSE and 'error'
 * (GRID_E_RANGE) if fewer bytes were fed. */
gboolean grid_chk_encoder_finish(grid_chk_encoder *e, grid_uri *cap,
	    GError **error);

/* What `tahoe put` does with a buffer: a LIT cap for at most
 * GRID_URI_LIT_THRESHOLD bytes (no shares written), else the convergent
 * key from 'secret' and a CHK encoding.  Fill *cap. */
gboolean grid_chk_encode_buffer(const grid_chk_params *p, const void *secret,
	    size_t secretlen, const uint8_t *data, size_t size,
	    grid_chk_write_fn *fn, void *arg, grid_uri *cap, GError **error);

/* ---- decoding ---- */

/* One share offered to the decoder: its number and all its bytes
 * (borrowed; the share as written, without the server's container). */
typedef struct grid_chk_share_in {
	unsigned	 shnum;
	const uint8_t	*p;
	size_t		 len;
} grid_chk_share_in;

/* Called with consecutive pieces of verified plaintext (borrowed). */
typedef void grid_chk_read_fn(const uint8_t *p, size_t len, void *arg);

/* Decode the file of CHK cap 'cap' from 'nshares' shares.  Each share's
 * UEB must hash to the cap's, its block hash tree must lead through its
 * share-hash chain to the UEB's share root, every block must match its
 * block hash, and every decoded segment its crypttext hash, before any
 * plaintext is handed to 'fn'.  A share failing a check is dropped and
 * another used; its number is added to 'bad' (if not NULL).  FALSE and
 * 'error' (GRID_ERROR: GRID_E_CORRUPT when fewer than k good shares
 * remain, GRID_E_FORMAT for a cap that is not URI:CHK) otherwise; the
 * plaintext given to 'fn' before a failure is verified but incomplete. */
gboolean grid_chk_decode(const grid_uri *cap, const grid_chk_share_in *shares,
	    size_t nshares, grid_chk_read_fn *fn, void *arg, GArray *bad,
	    GError **error);

/* ---- streaming decoding, for downloads ----
 *
 * The same checks as grid_chk_decode(), with shares offered as a
 * downloader fetches them: each share's head (its layout header) and tail
 * (crypttext tree, block hashes, share-hash chain and UEB), then the
 * blocks of each segment.  Memory: the tails of the shares in use plus one
 * segment. */
typedef struct grid_chk_dec grid_chk_dec;

/* A decoder for CHK cap 'cap' (copied).  NULL with GRID_E_FORMAT for a
 * cap that is not URI:CHK. */
grid_chk_dec *grid_chk_dec_new(const grid_uri *cap, GError **error);
void	grid_chk_dec_free(grid_chk_dec *d);			/* NULL: no-op */
G_DEFINE_AUTOPTR_CLEANUP_FUNC(grid_chk_dec, grid_chk_dec_free)

/* From the first 'len' bytes of a share (at least its header:
 * GRID_LAYOUT_V2_HEADER bytes, or all there is), the range to fetch as the
 * share's tail: from the crypttext tree to the end of the UEB (the UEB's
 * length is not known yet, so up to GRID_UEB_MAX bytes of it).  FALSE if
 * the header is not one. */
gboolean grid_chk_dec_tail_range(const uint8_t *head, size_t len,
	    uint64_t *off, uint64_t *tail_len);

/* Offer share 'shnum': 'head' (its first bytes, as above) and 'tail'
 * ('tail_len' bytes from share offset 'tail_off'; may be shorter than
 * asked when the share ends), both copied.  The UEB must hash to the
 * cap's (the first good one is adopted), the layout must be the one the
 * UEB implies and the block tree must lead to the UEB's share root.
 * FALSE and 'error': GRID_E_CORRUPT if this share fails (drop it; others
 * may do), GRID_E_FORMAT if the UEB the cap pins is unusable (no share
 * will do), or for a share number offered twice or beyond n. */
gboolean grid_chk_dec_add_share(grid_chk_dec *d, unsigned shnum,
	    const uint8_t *head, size_t head_len, const uint8_t *tail,
	    uint64_t tail_off, size_t tail_len, GError **error);

/* The file's sizes once a share was accepted, else NULL. */
const grid_chk_sizes *grid_chk_dec_sizes(const grid_chk_dec *d);
/* Whether share 'shnum' was accepted and has not failed since. */
gboolean grid_chk_dec_share_ok(const grid_chk_dec *d, unsigned shnum);
/* Where the block of segment 'seg' lies in accepted share 'shnum'. */
gboolean grid_chk_dec_block_range(const grid_chk_dec *d, unsigned shnum,
	    uint64_t seg, uint64_t *off, uint64_t *len);
/* Check a block against its share's block tree; FALSE (and the share is
 * failed from then on) if it does not match. */
gboolean grid_chk_dec_check_block(grid_chk_dec *d, unsigned shnum,
	    uint64_t seg, const uint8_t *p, size_t len);
/* Decode segment 'seg' from k checked blocks (from shares 'nums'), check
 * it against the crypttext hash tree, decrypt it and hand the plaintext
 * (borrowed) to 'fn'.  Segments may come in any order; in order from 0,
 * grid_chk_dec_finish() also checks the flat crypttext hash. */
gboolean grid_chk_dec_segment(grid_chk_dec *d, uint64_t seg,
	    const uint8_t *const *blocks, const unsigned *nums,
	    grid_chk_read_fn *fn, void *arg, GError **error);
gboolean grid_chk_dec_finish(grid_chk_dec *d, GError **error);

#endif

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

/* Called with consecutive pieces of verified plaintext (borrowed). */
typedef void grid_chk_read_fn(const uint8_t *p, size_t len, void *arg);

/* A reader checks the pieces of a CHK file's shares as a downloader
 * fetches them, so that nothing unverified is ever used and memory stays
 * at one segment:
 *
 *  1. read the first GRID_LAYOUT_V2_HEADER bytes of a share (its header);
 *  2. grid_chk_reader_meta_range() names the range to read next (the hash
 *     trees and the URI extension block; the read may come back short at
 *     the end of the share);
 *  3. grid_chk_reader_add_share() checks them against the cap and returns
 *     an id for the share;
 *  4. for each segment, read k blocks (grid_chk_reader_block_range()),
 *     check each (grid_chk_reader_check_block()), and hand k good ones to
 *     grid_chk_reader_segment(), which decodes, checks the segment against
 *     the crypttext hash tree, decrypts and passes the plaintext on.
 *
 * Segments may be read in any order (for ranges).  As Tahoe-LAFS's
 * downloader, the reader does not check the flat crypttext hash of the
 * UEB: the crypttext hash tree, whose root the cap pins, has vouched for
 * every segment before it is decrypted and handed on, and a check of the
 * whole could only fail after the last byte was out.  Not thread-safe. */
typedef struct grid_chk_reader grid_chk_reader;

/* A reader for URI:CHK cap 'cap' (borrowed; the key is copied).  Caller
 * owns; free with grid_chk_reader_free().  NULL and 'error' (GRID_ERROR,
 * GRID_E_FORMAT) for another kind of cap or k/n out of range. */
grid_chk_reader *grid_chk_reader_new(const grid_uri *cap, GError **error);
void	grid_chk_reader_free(grid_chk_reader *r);		/* NULL: no-op */
G_DEFINE_AUTOPTR_CLEANUP_FUNC(grid_chk_reader, grid_chk_reader_free)

/* From the start of a share ('len' bytes, at least its header) the range
 * [*off, *off + *len) to read next.  FALSE and 'error' (GRID_ERROR,
 * GRID_E_FORMAT or GRID_E_VERSION) for a bad header. */
gboolean grid_chk_reader_meta_range(const uint8_t *hdr, size_t len,
	    uint64_t *off, uint64_t *mlen, GError **error);

/* Offer share 'shnum': its header and the 'mlen' bytes read from offset
 * 'moff' (all borrowed).  Its URI extension block must hash to the cap's
 * (the first such block fixes the file's sizes), its header must hold
 * exactly the offsets those sizes give, and its block-tree root must lead
 * through its share-hash chain to the share root.  On success store the
 * share's id (>= 0) in *id.  Otherwise *id = -1 and 'error' (GRID_ERROR,
 * GRID_E_CORRUPT; GRID_E_FORMAT or GRID_E_VERSION for its header or a
 * URI extension block whose sizes cannot be used). */
gboolean grid_chk_reader_add_share(grid_chk_reader *r, unsigned shnum,
	    const uint8_t *hdr, size_t hdrlen, uint64_t moff,
	    const uint8_t *meta, size_t mlen, int *id, GError **error);

/* The file's sizes, once a share was accepted (else NULL; borrowed). */
const grid_chk_sizes *grid_chk_reader_sizes(const grid_chk_reader *r);

/* Share number of share 'id'; whether it failed a check (or was marked
 * bad by the caller). */
unsigned grid_chk_reader_shnum(const grid_chk_reader *r, int id);
bool	 grid_chk_reader_is_bad(const grid_chk_reader *r, int id);
void	 grid_chk_reader_mark_bad(grid_chk_reader *r, int id);

/* Where block 'seg' of share 'id' lies in the share. */
void	grid_chk_reader_block_range(const grid_chk_reader *r, int id,
	    uint64_t seg, uint64_t *off, uint64_t *len);

/* Check block 'seg' of share 'id' ('len' bytes, borrowed) against the
 * share's block hash tree.  FALSE, the share marked bad and 'error'
 * (GRID_ERROR, GRID_E_CORRUPT) if it does not match. */
gboolean grid_chk_reader_check_block(grid_chk_reader *r, int id,
	    uint64_t seg, const uint8_t *block, size_t len, GError **error);

/* Decode segment 'seg' from k checked blocks 'blocks' (borrowed) of the
 * shares 'ids' (k different share numbers), check it against the
 * crypttext hash tree, decrypt it and pass it to 'fn'.  FALSE and 'error'
 * (GRID_ERROR: GRID_E_CORRUPT if the segment does not verify,
 * GRID_E_FORMAT if two ids have the same share number). */
gboolean grid_chk_reader_segment(grid_chk_reader *r, uint64_t seg,
	    const int *ids, const uint8_t *const *blocks,
	    grid_chk_read_fn *fn, void *arg, GError **error);

/* One share held in memory: its number and all its bytes (borrowed; the
 * share as written, without the server's container). */
typedef struct grid_chk_share_in {
	unsigned	 shnum;
	const uint8_t	*p;
	size_t		 len;
} grid_chk_share_in;

/* Decode the file of CHK cap 'cap' from 'nshares' shares in memory,
 * through a reader: every check above before any plaintext is handed to
 * 'fn'.  A share failing a check is dropped and another used (several
 * copies of one share number may be given); its number is added to 'bad'
 * (if not NULL).  FALSE and 'error' (GRID_ERROR: GRID_E_CORRUPT when
 * fewer than k good shares remain, GRID_E_FORMAT for a cap that is not
 * URI:CHK); the plaintext given to 'fn' before a failure is verified but
 * incomplete. */
gboolean grid_chk_decode(const grid_uri *cap, const grid_chk_share_in *shares,
	    size_t nshares, grid_chk_read_fn *fn, void *arg, GArray *bad,
	    GError **error);

#endif

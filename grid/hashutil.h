/* grid/hashutil.h -- Tahoe-LAFS's tagged SHA-256d hashes and netstrings
 * (allmydata/util/hashutil.py), the hashes every CHK cap, tree and share
 * rests on.  A change here changes every cap: compare with the vectors in
 * tests/interop/chk-vectors.txt before touching it. */
#ifndef GRID_HASHUTIL_H
#define GRID_HASHUTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <glib.h>

#include "grid/err.h"

#define GRID_HASH_LEN	32	/* SHA-256d output (hashutil.CRYPTO_VAL_SIZE) */
#define GRID_KEY_LEN	16	/* AES-128 key (hashutil.KEYLEN) */
#define GRID_SI_LEN	16	/* storage index: SHA-256d truncated */
#define GRID_NODEID_LEN	20	/* Tahoe's binary server id in bucket secrets */

/* The tags Tahoe-LAFS hashes under (hashutil.py). */
#define GRID_TAG_STORAGE_INDEX	"allmydata_immutable_key_to_storage_index_v1"
#define GRID_TAG_BLOCK		"allmydata_encoded_subshare_v1"
#define GRID_TAG_UEB		"allmydata_uri_extension_v1"
#define GRID_TAG_PLAINTEXT	"allmydata_plaintext_v1"
#define GRID_TAG_CRYPTTEXT	"allmydata_crypttext_v1"
#define GRID_TAG_CRYPTTEXT_SEG	"allmydata_crypttext_segment_v1"
#define GRID_TAG_PLAINTEXT_SEG	"allmydata_plaintext_segment_v1"
#define GRID_TAG_CONVERGENT \
	"allmydata_immutable_content_to_key_with_added_secret_v1+"
#define GRID_TAG_CLIENT_RENEWAL	"allmydata_client_renewal_secret_v1"
#define GRID_TAG_CLIENT_CANCEL	"allmydata_client_cancel_secret_v1"
#define GRID_TAG_FILE_RENEWAL	"allmydata_file_renewal_secret_v1"
#define GRID_TAG_FILE_CANCEL	"allmydata_file_cancel_secret_v1"
#define GRID_TAG_BUCKET_RENEWAL	"allmydata_bucket_renewal_secret_v1"
#define GRID_TAG_BUCKET_CANCEL	"allmydata_bucket_cancel_secret_v1"
#define GRID_TAG_MERKLE_EMPTY	"Merkle tree empty leaf"
#define GRID_TAG_MERKLE_NODE	"Merkle tree internal node"


/* An incremental tagged SHA-256d: SHA-256(SHA-256(netstring(tag) || data)),
 * optionally truncated.  Opaque; allocation failure aborts. */
typedef struct grid_hasher grid_hasher;

/* Start a hasher over netstring(tag).  'truncate' is the output length,
 * 1..GRID_HASH_LEN.  Caller owns; free with grid_hasher_free(). */
grid_hasher	*grid_hasher_new(const void *tag, size_t taglen, size_t truncate);
void		 grid_hasher_update(grid_hasher *h, const void *p, size_t n);
/* Write the digest (the truncate length given at creation) to 'out'.  The
 * hasher cannot be updated afterwards. */
void		 grid_hasher_final(grid_hasher *h, uint8_t *out);
void		 grid_hasher_free(grid_hasher *h);		/* NULL: no-op */
G_DEFINE_AUTOPTR_CLEANUP_FUNC(grid_hasher, grid_hasher_free)

/* Append netstring(p[0..n)) ("%d:" p ",") to 's'. */
void	grid_netstring_append(GString *s, const void *p, size_t n);

/* tagged_hash(tag, val)[:truncate] into 'out'. */
void	grid_tagged_hash(const char *tag, const void *val, size_t vlen,
	    size_t truncate, uint8_t *out);
/* Same, with a binary tag of 'taglen' bytes. */
void	grid_tagged_hash_bin(const void *tag, size_t taglen, const void *val,
	    size_t vlen, size_t truncate, uint8_t *out);
/* tagged_pair_hash(tag, a, b)[:truncate]: the tag and both values each as
 * a netstring. */
void	grid_tagged_pair_hash(const char *tag, const void *a, size_t alen,
	    const void *b, size_t blen, size_t truncate, uint8_t *out);

/* The convergent-encryption key hasher (hashutil.convergence_hasher): its
 * tag holds the secret and "k,n,segsize"; feed it the whole plaintext and
 * take the 16-byte key.  Return NULL and set 'error' (GRID_ERROR,
 * GRID_E_RANGE) unless 1 <= k <= n <= 256. */
grid_hasher	*grid_convergence_hasher_new(unsigned k, unsigned n,
		    uint64_t segsize, const void *secret, size_t secretlen,
		    GError **error);

/* storage index = tagged_hash(STORAGE_INDEX_TAG, key)[:16]. */
void	grid_storage_index(const uint8_t key[GRID_KEY_LEN],
	    uint8_t si[GRID_SI_LEN]);

/* Lease secrets (hashutil.py): the client's renewal/cancel secrets from its
 * lease secret, then per file (storage index), then per server (its 20-byte
 * binary id).  Each output is GRID_HASH_LEN bytes. */
void	grid_client_renewal_secret(const void *lease_secret, size_t len,
	    uint8_t out[GRID_HASH_LEN]);
void	grid_client_cancel_secret(const void *lease_secret, size_t len,
	    uint8_t out[GRID_HASH_LEN]);
void	grid_file_renewal_secret(const uint8_t client[GRID_HASH_LEN],
	    const uint8_t si[GRID_SI_LEN], uint8_t out[GRID_HASH_LEN]);
void	grid_file_cancel_secret(const uint8_t client[GRID_HASH_LEN],
	    const uint8_t si[GRID_SI_LEN], uint8_t out[GRID_HASH_LEN]);
void	grid_bucket_renewal_secret(const uint8_t file[GRID_HASH_LEN],
	    const uint8_t nodeid[GRID_NODEID_LEN], uint8_t out[GRID_HASH_LEN]);
void	grid_bucket_cancel_secret(const uint8_t file[GRID_HASH_LEN],
	    const uint8_t nodeid[GRID_NODEID_LEN], uint8_t out[GRID_HASH_LEN]);

#endif

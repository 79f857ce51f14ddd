/* grid/hashutil.c -- tagged SHA-256d hashes and netstrings.
 *
 * Every hash Tahoe-LAFS puts in a cap or a share is SHA-256d ("hash the
 * output again", Ferguson and Schneier) over netstring(tag) || data, the
 * tag naming what is hashed so no two uses can collide.  SHA-256 comes from
 * OpenSSL's EVP (several times faster than a portable C SHA-256 on the
 * block hashes of large files).  This module knows nothing of files or
 * trees; it only has to hash exactly as hashutil.py does. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>

#include "grid/gm.h"
#include "grid/hashutil.h"

struct grid_hasher {
	EVP_MD_CTX	*ctx;
	size_t		 truncate;
};

static void
sha256_init(EVP_MD_CTX *ctx)
{
	if (EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1)
		g_error("EVP_DigestInit_ex(SHA-256) failed");
}

static void
update_netstring(EVP_MD_CTX *ctx, const void *p, size_t n)
{
	char len[32];
	int l;

	l = snprintf(len, sizeof(len), "%zu:", n);
	EVP_DigestUpdate(ctx, len, (size_t)l);
	EVP_DigestUpdate(ctx, p, n);
	EVP_DigestUpdate(ctx, ",", 1);
}

grid_hasher *
grid_hasher_new(const void *tag, size_t taglen, size_t truncate)
{
	grid_hasher *h;

	g_return_val_if_fail(truncate >= 1 && truncate <= GRID_HASH_LEN, NULL);
	h = g_new0(grid_hasher, 1);
	if ((h->ctx = EVP_MD_CTX_new()) == NULL)
		g_error("EVP_MD_CTX_new: out of memory");
	h->truncate = truncate;
	sha256_init(h->ctx);
	update_netstring(h->ctx, tag, taglen);
	return h;
}

void
grid_hasher_update(grid_hasher *h, const void *p, size_t n)
{
	if (n > 0)
		EVP_DigestUpdate(h->ctx, p, n);
}

void
grid_hasher_final(grid_hasher *h, uint8_t *out)
{
	uint8_t d[GRID_HASH_LEN];
	unsigned int dl = 0;

	EVP_DigestFinal_ex(h->ctx, d, &dl);
	sha256_init(h->ctx);
	EVP_DigestUpdate(h->ctx, d, sizeof(d));
	EVP_DigestFinal_ex(h->ctx, d, &dl);
	memcpy(out, d, h->truncate);
}

void
grid_hasher_free(grid_hasher *h)
{
	if (h == NULL)
		return;
	EVP_MD_CTX_free(h->ctx);
	g_free(h);
}

void
grid_netstring_append(GString *s, const void *p, size_t n)
{
	g_string_append_printf(s, "%zu:", n);
	g_string_append_len(s, p, (gssize)n);
	g_string_append_c(s, ',');
}

void
grid_tagged_hash_bin(const void *tag, size_t taglen, const void *val,
    size_t vlen, size_t truncate, uint8_t *out)
{
	g_autoptr(grid_hasher) h = grid_hasher_new(tag, taglen, truncate);

	grid_hasher_update(h, val, vlen);
	grid_hasher_final(h, out);
}

void
grid_tagged_hash(const char *tag, const void *val, size_t vlen,
    size_t truncate, uint8_t *out)
{
	grid_tagged_hash_bin(tag, strlen(tag), val, vlen, truncate, out);
}

void
grid_tagged_pair_hash(const char *tag, const void *a, size_t alen,
    const void *b, size_t blen, size_t truncate, uint8_t *out)
{
	g_autoptr(grid_hasher) h = grid_hasher_new(tag, strlen(tag), truncate);

	update_netstring(h->ctx, a, alen);
	update_netstring(h->ctx, b, blen);
	grid_hasher_final(h, out);
}

/* zfec's limit on shares, which hashutil also enforces. */
#define CONVERGENCE_MAX_SHARES	256

grid_hasher *
grid_convergence_hasher_new(unsigned k, unsigned n, uint64_t segsize,
    const void *secret, size_t secretlen, GError **error)
{
	g_autoptr(GString) tag = g_string_new(GRID_TAG_CONVERGENT);
	char params[64];
	int l;

	if (k < 1 || n < 1 || k > n || n > CONVERGENCE_MAX_SHARES) {
		g_set_error(error, GRID_ERROR, GRID_E_RANGE,
		    "shares needed/total %u/%u: need 1 <= needed <= total "
		    "<= %d", k, n, CONVERGENCE_MAX_SHARES);
		return NULL;
	}
	grid_netstring_append(tag, secret, secretlen);
	l = snprintf(params, sizeof(params), "%u,%u,%" G_GUINT64_FORMAT, k,
	    n, segsize);
	grid_netstring_append(tag, params, (size_t)l);
	return grid_hasher_new(tag->str, tag->len, GRID_KEY_LEN);
}

void
grid_storage_index(const uint8_t key[GRID_KEY_LEN], uint8_t si[GRID_SI_LEN])
{
	grid_tagged_hash(GRID_TAG_STORAGE_INDEX, key, GRID_KEY_LEN,
	    GRID_SI_LEN, si);
}

/* my_renewal_secret_hash: here the secret is the tag and the constant the
 * value, as hashutil.py has it. */
void
grid_client_renewal_secret(const void *lease_secret, size_t len,
    uint8_t out[GRID_HASH_LEN])
{
	grid_tagged_hash_bin(lease_secret, len, GRID_TAG_CLIENT_RENEWAL,
	    strlen(GRID_TAG_CLIENT_RENEWAL), GRID_HASH_LEN, out);
}

void
grid_client_cancel_secret(const void *lease_secret, size_t len,
    uint8_t out[GRID_HASH_LEN])
{
	grid_tagged_hash_bin(lease_secret, len, GRID_TAG_CLIENT_CANCEL,
	    strlen(GRID_TAG_CLIENT_CANCEL), GRID_HASH_LEN, out);
}

void
grid_file_renewal_secret(const uint8_t client[GRID_HASH_LEN],
    const uint8_t si[GRID_SI_LEN], uint8_t out[GRID_HASH_LEN])
{
	grid_tagged_pair_hash(GRID_TAG_FILE_RENEWAL, client, GRID_HASH_LEN,
	    si, GRID_SI_LEN, GRID_HASH_LEN, out);
}

void
grid_file_cancel_secret(const uint8_t client[GRID_HASH_LEN],
    const uint8_t si[GRID_SI_LEN], uint8_t out[GRID_HASH_LEN])
{
	grid_tagged_pair_hash(GRID_TAG_FILE_CANCEL, client, GRID_HASH_LEN,
	    si, GRID_SI_LEN, GRID_HASH_LEN, out);
}

void
grid_bucket_renewal_secret(const uint8_t file[GRID_HASH_LEN],
    const uint8_t nodeid[GRID_NODEID_LEN], uint8_t out[GRID_HASH_LEN])
{
	grid_tagged_pair_hash(GRID_TAG_BUCKET_RENEWAL, file, GRID_HASH_LEN,
	    nodeid, GRID_NODEID_LEN, GRID_HASH_LEN, out);
}

void
grid_bucket_cancel_secret(const uint8_t file[GRID_HASH_LEN],
    const uint8_t nodeid[GRID_NODEID_LEN], uint8_t out[GRID_HASH_LEN])
{
	grid_tagged_pair_hash(GRID_TAG_BUCKET_CANCEL, file, GRID_HASH_LEN,
	    nodeid, GRID_NODEID_LEN, GRID_HASH_LEN, out);
}

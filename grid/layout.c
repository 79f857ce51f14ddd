/* grid/layout.c -- share layouts and share-file containers.
 *
 * Pure arithmetic and parsing: the encoder and decoder (grid/chk.c) and
 * the storage server use it; no file is touched here.  Share bytes come
 * from untrusted servers and share files from disk, so every field is read
 * with the checked reader and checked before use. */
#include "config.h"

#include <string.h>

#include <sodium.h>

#include "grid/gm.h"
#include "grid/layout.h"
#include "rpc/rbuf.h"

/* Add to *x without wrapping; false on overflow. */
static bool
add_ok(uint64_t *x, uint64_t y)
{
	if (*x > UINT64_MAX - y)
		return false;
	*x += y;
	return true;
}

static bool
try_layout(grid_layout *l, unsigned version, uint64_t data_size,
    uint64_t block_size, uint64_t seg_hash_size, uint64_t share_hash_size,
    uint64_t ueb_size)
{
	uint64_t x, limit = version == 1 ? UINT32_MAX : UINT64_MAX;

	if (block_size > limit || data_size > limit)
		return false;
	l->version = version;
	l->block_size = block_size;
	l->data_size = data_size;
	l->ueb_size = ueb_size;
	x = version == 1 ? GRID_LAYOUT_V1_HEADER : GRID_LAYOUT_V2_HEADER;
	l->offset[GRID_LAYOUT_DATA] = x;
	if (!add_ok(&x, data_size))
		return false;
	l->offset[GRID_LAYOUT_PLAINTEXT_TREE] = x;
	if (!add_ok(&x, seg_hash_size))
		return false;
	l->offset[GRID_LAYOUT_CRYPTTEXT_TREE] = x;
	if (!add_ok(&x, seg_hash_size))
		return false;
	l->offset[GRID_LAYOUT_BLOCK_HASHES] = x;
	if (!add_ok(&x, seg_hash_size))
		return false;
	l->offset[GRID_LAYOUT_SHARE_HASHES] = x;
	if (!add_ok(&x, share_hash_size))
		return false;
	l->offset[GRID_LAYOUT_UEB] = x;
	/* layout.py bounds the offset of the UEB only (its length field
	 * and bytes may pass 2^32 in v1); the whole share must still be
	 * addressable here */
	if (x > limit || !add_ok(&x, (version == 1 ? 4 : 8)) ||
	    !add_ok(&x, ueb_size))
		return false;
	return true;
}

gboolean
grid_layout_init_version(grid_layout *l, unsigned version,
    uint64_t data_size, uint64_t block_size, uint64_t num_segments,
    unsigned num_share_hashes, uint64_t ueb_size, GError **error)
{
	uint64_t p = 1, seg_hash_size;
	unsigned v;

	memset(l, 0, sizeof(*l));
	/* 2^56 segments: the trees' sizes cannot overflow below that */
	while (p < num_segments && p <= ((uint64_t)1 << 56))
		p *= 2;
	if (p < num_segments || version > 2) {
		g_set_error(error, GRID_ERROR, GRID_E_RANGE,
		    "too many segments: %" G_GUINT64_FORMAT, num_segments);
		return FALSE;
	}
	seg_hash_size = (2 * p - 1) * GRID_HASH_LEN;
	for (v = version ? version : 1; v <= (version ? version : 2); v++)
		if (try_layout(l, v, data_size, block_size, seg_hash_size,
		    (uint64_t)num_share_hashes * GRID_LAYOUT_SHARE_HASH_ENTRY,
		    ueb_size))
			return TRUE;
	memset(l, 0, sizeof(*l));
	g_set_error(error, GRID_ERROR, GRID_E_RANGE,
	    "share of %" G_GUINT64_FORMAT " bytes is too large", data_size);
	return FALSE;
}

gboolean
grid_layout_init(grid_layout *l, uint64_t data_size, uint64_t block_size,
    uint64_t num_segments, unsigned num_share_hashes, uint64_t ueb_size,
    GError **error)
{
	return grid_layout_init_version(l, 0, data_size, block_size,
	    num_segments, num_share_hashes, ueb_size, error);
}

size_t
grid_layout_header(const grid_layout *l, uint8_t *out)
{
	size_t i;

	rpc_poke_u32be(out, l->version);
	if (l->version == 1) {
		rpc_poke_u32be(out + 4, (uint32_t)l->block_size);
		rpc_poke_u32be(out + 8, (uint32_t)l->data_size);
		for (i = 0; i < GRID_LAYOUT_N_OFFSETS; i++)
			rpc_poke_u32be(out + 12 + 4 * i, (uint32_t)l->offset[i]);
		return GRID_LAYOUT_V1_HEADER;
	}
	rpc_poke_u64be(out + 4, l->block_size);
	rpc_poke_u64be(out + 12, l->data_size);
	for (i = 0; i < GRID_LAYOUT_N_OFFSETS; i++)
		rpc_poke_u64be(out + 20 + 8 * i, l->offset[i]);
	return GRID_LAYOUT_V2_HEADER;
}

size_t
grid_layout_ueb_field(const grid_layout *l)
{
	return l->version == 1 ? 4 : 8;
}

uint64_t
grid_layout_ueb_len_get(const grid_layout *l, const uint8_t *field)
{
	return l->version == 1 ? rpc_peek_u32be(field) :
	    rpc_peek_u64be(field);
}

void
grid_layout_ueb_len_put(const grid_layout *l, uint8_t *field, uint64_t len)
{
	if (l->version == 1)
		rpc_poke_u32be(field, (uint32_t)len);
	else
		rpc_poke_u64be(field, len);
}

uint64_t
grid_layout_share_size(const grid_layout *l)
{
	return l->offset[GRID_LAYOUT_UEB] + grid_layout_ueb_field(l) +
	    l->ueb_size;
}

gboolean
grid_layout_parse(const uint8_t *p, size_t len, uint64_t share_len,
    grid_layout *out, GError **error)
{
	rpc_rbuf b;
	uint32_t version = 0, v32 = 0;
	uint64_t prev;
	size_t i;
	int r = 0;

	memset(out, 0, sizeof(*out));
	rpc_rbuf_init(&b, p, len);
	if (rpc_rbuf_get_u32be(&b, &version) != 0) {
		g_set_error(error, GRID_ERROR, GRID_E_FORMAT,
		    "share shorter than its version field");
		return FALSE;
	}
	if (version != 1 && version != 2) {
		g_set_error(error, GRID_ERROR, GRID_E_VERSION,
		    "share layout version %u (only 1 and 2 exist)", version);
		return FALSE;
	}
	out->version = version;
	if (version == 1) {
		if ((r = rpc_rbuf_get_u32be(&b, &v32)) == 0)
			out->block_size = v32;
		if (r == 0 && (r = rpc_rbuf_get_u32be(&b, &v32)) == 0)
			out->data_size = v32;
		for (i = 0; r == 0 && i < GRID_LAYOUT_N_OFFSETS; i++)
			if ((r = rpc_rbuf_get_u32be(&b, &v32)) == 0)
				out->offset[i] = v32;
	} else {
		if ((r = rpc_rbuf_get_u64be(&b, &out->block_size)) == 0)
			r = rpc_rbuf_get_u64be(&b, &out->data_size);
		for (i = 0; r == 0 && i < GRID_LAYOUT_N_OFFSETS; i++)
			r = rpc_rbuf_get_u64be(&b, &out->offset[i]);
	}
	if (r != 0) {
		memset(out, 0, sizeof(*out));
		g_set_error(error, GRID_ERROR, GRID_E_FORMAT,
		    "share shorter than its v%u header", version);
		return FALSE;
	}
	prev = version == 1 ? GRID_LAYOUT_V1_HEADER : GRID_LAYOUT_V2_HEADER;
	if (out->offset[GRID_LAYOUT_DATA] != prev)
		goto bad;
	for (i = 1; i < GRID_LAYOUT_N_OFFSETS; i++) {
		if (out->offset[i] < out->offset[i - 1])
			goto bad;
	}
	if (share_len != 0 && (out->offset[GRID_LAYOUT_UEB] > share_len ||
	    share_len - out->offset[GRID_LAYOUT_UEB] <
	    grid_layout_ueb_field(out)))
		goto bad;
	return TRUE;
bad:
	memset(out, 0, sizeof(*out));
	g_set_error(error, GRID_ERROR, GRID_E_FORMAT,
	    "share header offsets out of order or outside the share");
	return FALSE;
}

void
grid_container_header(uint64_t max_size, uint32_t num_leases,
    uint8_t out[GRID_CONTAINER_HEADER])
{
	rpc_poke_u32be(out, GRID_CONTAINER_VERSION);
	rpc_poke_u32be(out + 4, max_size > UINT32_MAX ? UINT32_MAX :
	    (uint32_t)max_size);
	rpc_poke_u32be(out + 8, num_leases);
}

gboolean
grid_container_parse(const uint8_t *p, size_t len, grid_container *out,
    GError **error)
{
	rpc_rbuf b;
	uint32_t version = 0, unused = 0, n = 0;

	memset(out, 0, sizeof(*out));
	rpc_rbuf_init(&b, p, len);
	if (rpc_rbuf_get_u32be(&b, &version) != 0 ||
	    rpc_rbuf_get_u32be(&b, &unused) != 0 ||
	    rpc_rbuf_get_u32be(&b, &n) != 0) {
		g_set_error(error, GRID_ERROR, GRID_E_FORMAT,
		    "share file shorter than its 12-byte header");
		return FALSE;
	}
	if (version != 1 && version != 2) {
		g_set_error(error, GRID_ERROR, GRID_E_VERSION,
		    "share file version %u (only 1 and 2 exist)", version);
		return FALSE;
	}
	if ((uint64_t)n * GRID_CONTAINER_LEASE > b.len) {
		g_set_error(error, GRID_ERROR, GRID_E_FORMAT,
		    "share file of %zu bytes cannot hold %u leases", len, n);
		return FALSE;
	}
	out->version = version;
	out->num_leases = n;
	out->share = b.p;
	out->share_len = b.len - (uint64_t)n * GRID_CONTAINER_LEASE;
	out->leases = b.p + out->share_len;
	return TRUE;
}

void
grid_container_lease(const grid_container *c, uint32_t i, grid_lease *out)
{
	rpc_rbuf b;

	memset(out, 0, sizeof(*out));
	g_return_if_fail(i < c->num_leases);
	rpc_rbuf_init(&b, c->leases + (size_t)i * GRID_CONTAINER_LEASE,
	    GRID_CONTAINER_LEASE);
	/* the 72 bytes were checked by grid_container_parse() */
	(void)(rpc_rbuf_get_u32be(&b, &out->owner) ||
	    rpc_rbuf_get_bytes(&b, out->renew, GRID_HASH_LEN) ||
	    rpc_rbuf_get_bytes(&b, out->cancel, GRID_HASH_LEN) ||
	    rpc_rbuf_get_u32be(&b, &out->expiry));
}

static void
stored_secret(unsigned version, const uint8_t in[GRID_HASH_LEN],
    uint8_t out[GRID_HASH_LEN])
{
	if (version >= 2)
		crypto_generichash(out, GRID_HASH_LEN, in, GRID_HASH_LEN,
		    NULL, 0);
	else
		memcpy(out, in, GRID_HASH_LEN);
}

void
grid_container_lease_pack(unsigned version, uint32_t owner,
    const uint8_t renew[GRID_HASH_LEN], const uint8_t cancel[GRID_HASH_LEN],
    uint32_t expiry, uint8_t out[GRID_CONTAINER_LEASE])
{
	rpc_poke_u32be(out, owner);
	stored_secret(version, renew, out + 4);
	stored_secret(version, cancel, out + 4 + GRID_HASH_LEN);
	rpc_poke_u32be(out + 4 + 2 * GRID_HASH_LEN, expiry);
}

bool
grid_container_secret_matches(unsigned version,
    const uint8_t stored[GRID_HASH_LEN], const uint8_t secret[GRID_HASH_LEN])
{
	uint8_t h[GRID_HASH_LEN];
	bool ok;

	stored_secret(version, secret, h);
	ok = sodium_memcmp(h, stored, GRID_HASH_LEN) == 0;
	sodium_memzero(h, sizeof(h));
	return ok;
}

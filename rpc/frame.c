/* rpc/frame.c -- sealing and opening of length-prefixed AEAD frames.
 * conn.c owns buffering; this file owns nonces and tags. */
#include "config.h"

#include <string.h>

#include <sodium.h>

#include "rpc/err.h"
#include "rpc/frame.h"
#include "rpc/rbuf.h"

void
rpc_aead_init(rpc_aead *a, const uint8_t *key)
{
	memcpy(a->key, key, sizeof(a->key));
	a->counter = 0;
}

void
rpc_aead_clear(rpc_aead *a)
{
	sodium_memzero(a, sizeof(*a));
}

static void
make_nonce(uint64_t counter, uint8_t *nonce)
{
	int i;

	memset(nonce, 0, 4);
	for (i = 0; i < 8; i++)
		nonce[4 + i] = (uint8_t)(counter >> (56 - 8 * i));
}

size_t
rpc_frame_size(size_t ptlen)
{
	return RPC_FRAME_HDR + ptlen + RPC_FRAME_TAG;
}

int
rpc_frame_seal(rpc_aead *a, const uint8_t *pt, size_t ptlen, uint8_t *out)
{
	return rpc_frame_seal_part(a, pt, ptlen, false, out);
}

bool
rpc_frame_is_more(const uint8_t *hdr)
{
	return (rpc_peek_u32be(hdr) & RPC_FRAME_MORE) != 0;
}

int
rpc_frame_seal_part(rpc_aead *a, const uint8_t *pt, size_t ptlen, bool more,
    uint8_t *out)
{
	uint8_t nonce[crypto_aead_chacha20poly1305_IETF_NPUBBYTES];
	unsigned long long clen = 0;

	if (ptlen > (RPC_FRAME_MORE - 1) - RPC_FRAME_TAG)
		return RPC_E_TOOBIG;
	rpc_poke_u32be(out, (uint32_t)(ptlen + RPC_FRAME_TAG) |
	    (more ? RPC_FRAME_MORE : 0));
	make_nonce(a->counter, nonce);
	crypto_aead_chacha20poly1305_ietf_encrypt(out + RPC_FRAME_HDR, &clen,
	    pt, ptlen, out, RPC_FRAME_HDR, NULL, nonce, a->key);
	a->counter++;
	return 0;
}

int
rpc_frame_peek(const uint8_t *p, size_t len, size_t max_plain, size_t *ctlen)
{
	rpc_rbuf b;
	uint32_t n;
	int r;

	*ctlen = 0;
	rpc_rbuf_init(&b, p, len);
	if ((r = rpc_rbuf_get_u32be(&b, &n)) != 0)
		return r;
	n &= ~RPC_FRAME_MORE;
	if (n < RPC_FRAME_TAG)
		return RPC_E_FORMAT;
	if (n - RPC_FRAME_TAG > max_plain)
		return RPC_E_TOOBIG;
	*ctlen = n;
	return 0;
}

int
rpc_frame_open(rpc_aead *a, const uint8_t *hdr, size_t ctlen, uint8_t *pt)
{
	uint8_t nonce[crypto_aead_chacha20poly1305_IETF_NPUBBYTES];
	unsigned long long plen = 0;

	make_nonce(a->counter, nonce);
	if (crypto_aead_chacha20poly1305_ietf_decrypt(pt, &plen, NULL,
	    hdr + RPC_FRAME_HDR, ctlen, hdr, RPC_FRAME_HDR, nonce,
	    a->key) != 0)
		return RPC_E_CRYPTO;
	a->counter++;
	return 0;
}

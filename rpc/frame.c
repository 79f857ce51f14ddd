/* rpc/frame.c -- sealing and opening of length-prefixed AEAD frames.
 * conn.c owns buffering; this file owns nonces and tags.  The cipher is
 * ChaCha20-Poly1305 (IETF) computed by OpenSSL's EVP interface: the wire
 * bytes are those of libsodium's construction (doc/protocol.md §4), but
 * OpenSSL's implementation is the faster one (doc/dependencies.md). */
#include "config.h"

#include <limits.h>
#include <string.h>

#include <glib.h>
#include <openssl/evp.h>
#include <sodium.h>

#include "rpc/err.h"
#include "rpc/frame.h"
#include "rpc/rbuf.h"

#define NONCE_LEN	12

void
rpc_aead_init(rpc_aead *a, const uint8_t *key)
{
	a->counter = 0;
	a->ctx = EVP_CIPHER_CTX_new();
	if (a->ctx == NULL)
		g_error("EVP_CIPHER_CTX_new: out of memory");
	/* The key is scheduled once here; rpc_frame_seal_part() and
	 * rpc_frame_open() pass only a nonce.  Encryption or decryption
	 * is chosen per frame by the Init call there, so one context can
	 * serve either direction (the unit tests use both on one). */
	if (EVP_CipherInit_ex(a->ctx, EVP_chacha20_poly1305(), NULL, key,
	    NULL, 1) != 1)
		g_error("EVP_CipherInit_ex(chacha20-poly1305) failed");
}

void
rpc_aead_clear(rpc_aead *a)
{
	/* EVP_CIPHER_CTX_free() cleanses the key schedule. */
	EVP_CIPHER_CTX_free(a->ctx);
	a->ctx = NULL;
	a->counter = 0;
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
	uint8_t nonce[NONCE_LEN];
	int n = 0;

	if (ptlen > (RPC_FRAME_MORE - 1) - RPC_FRAME_TAG)
		return RPC_E_TOOBIG;
	rpc_poke_u32be(out, (uint32_t)(ptlen + RPC_FRAME_TAG) |
	    (more ? RPC_FRAME_MORE : 0));
	make_nonce(a->counter, nonce);
	/* With a valid context and lengths below 2^31 (checked above)
	 * none of these calls can fail; a failure is a broken library. */
	if (EVP_EncryptInit_ex(a->ctx, NULL, NULL, NULL, nonce) != 1 ||
	    EVP_EncryptUpdate(a->ctx, NULL, &n, out, RPC_FRAME_HDR) != 1 ||
	    EVP_EncryptUpdate(a->ctx, out + RPC_FRAME_HDR, &n, pt,
	    (int)ptlen) != 1 ||
	    EVP_EncryptFinal_ex(a->ctx, out + RPC_FRAME_HDR + n, &n) != 1 ||
	    EVP_CIPHER_CTX_ctrl(a->ctx, EVP_CTRL_AEAD_GET_TAG, RPC_FRAME_TAG,
	    out + RPC_FRAME_HDR + ptlen) != 1)
		g_error("ChaCha20-Poly1305 seal failed");
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
	uint8_t nonce[NONCE_LEN];
	uint8_t tag[RPC_FRAME_TAG];
	size_t ptlen;
	int n = 0;

	if (ctlen < RPC_FRAME_TAG || ctlen - RPC_FRAME_TAG > INT_MAX)
		return RPC_E_CRYPTO;
	ptlen = ctlen - RPC_FRAME_TAG;
	make_nonce(a->counter, nonce);
	memcpy(tag, hdr + RPC_FRAME_HDR + ptlen, sizeof(tag));
	if (EVP_DecryptInit_ex(a->ctx, NULL, NULL, NULL, nonce) != 1 ||
	    EVP_DecryptUpdate(a->ctx, NULL, &n, hdr, RPC_FRAME_HDR) != 1 ||
	    EVP_DecryptUpdate(a->ctx, pt, &n, hdr + RPC_FRAME_HDR,
	    (int)ptlen) != 1 ||
	    EVP_CIPHER_CTX_ctrl(a->ctx, EVP_CTRL_AEAD_SET_TAG, RPC_FRAME_TAG,
	    tag) != 1 ||
	    EVP_DecryptFinal_ex(a->ctx, pt + n, &n) != 1) {
		/* OpenSSL writes the plaintext before it checks the tag
		 * (libsodium does not): leave no forged bytes behind. */
		sodium_memzero(pt, ptlen);
		return RPC_E_CRYPTO;
	}
	a->counter++;
	return 0;
}

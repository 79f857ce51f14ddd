/* rpc/hs.c -- key agreement and mutual authentication of the tub/1
 * handshake.  conn.c moves the bytes and keeps the deadline; this file
 * decides what the bytes must be. */
#include "config.h"

#include <string.h>

#include <sodium.h>

#include "rpc/err.h"
#include "rpc/hs.h"
#include "rpc/rbuf.h"

#define LABEL_TRANSCRIPT	"tub/1 transcript"
#define LABEL_KEYS		"tub/1 keys"
#define LABEL_SERVER		"tub/1 server auth"
#define LABEL_CLIENT		"tub/1 client auth"
#define LABEL_MAX		32

void
rpc_hs_init(rpc_hs *hs, rpc_hs_role role, const uint8_t *eph_seed)
{
	uint8_t seed[32];

	memset(hs, 0, sizeof(*hs));
	hs->role = role;
	if (eph_seed != NULL)
		memcpy(seed, eph_seed, sizeof(seed));
	else
		randombytes_buf(seed, sizeof(seed));
	/* The X25519 secret is the seed itself (libsodium clamps it). */
	memcpy(hs->eph_sk, seed, sizeof(seed));
	crypto_scalarmult_base(hs->eph_pk, hs->eph_sk);
	sodium_memzero(seed, sizeof(seed));
}

void
rpc_hs_clear(rpc_hs *hs)
{
	sodium_memzero(hs, sizeof(*hs));
}

void
rpc_hs_hello(const rpc_hs *hs, uint8_t *out)
{
	memcpy(out, RPC_HS_MAGIC, 4);
	out[4] = RPC_HS_VERSION;
	memcpy(out + 5, hs->eph_pk, 32);
}

int
rpc_hs_read_hello(rpc_hs *hs, const uint8_t *in, size_t len)
{
	const uint8_t *e_c, *e_s, *peer;
	uint8_t shared[32], okm[64], version;
	crypto_generichash_state st;
	rpc_rbuf b;

	/* HELLO is magic 4, version 1, key 32 (doc/protocol.md §3.1). */
	rpc_rbuf_init(&b, in, len);
	if (rpc_rbuf_expect(&b, RPC_HS_MAGIC, 4) != 0 ||
	    rpc_rbuf_get_u8(&b, &version) != 0 ||
	    rpc_rbuf_get_view(&b, 32, &peer) != 0 ||
	    rpc_rbuf_end(&b) != 0)
		return RPC_E_FORMAT;
	if (version != RPC_HS_VERSION)
		return RPC_E_CRYPTO;
	/* Fails for keys of small order, whose shared secret is all zero. */
	if (crypto_scalarmult(shared, hs->eph_sk, peer) != 0)
		return RPC_E_CRYPTO;
	e_c = hs->role == RPC_HS_CLIENT ? hs->eph_pk : peer;
	e_s = hs->role == RPC_HS_CLIENT ? peer : hs->eph_pk;

	crypto_generichash_init(&st, NULL, 0, 32);
	crypto_generichash_update(&st, (const uint8_t *)LABEL_TRANSCRIPT,
	    strlen(LABEL_TRANSCRIPT));
	crypto_generichash_update(&st, e_c, 32);
	crypto_generichash_update(&st, e_s, 32);
	crypto_generichash_final(&st, hs->h, 32);

	crypto_generichash_init(&st, shared, sizeof(shared), sizeof(okm));
	crypto_generichash_update(&st, (const uint8_t *)LABEL_KEYS,
	    strlen(LABEL_KEYS));
	crypto_generichash_update(&st, e_c, 32);
	crypto_generichash_update(&st, e_s, 32);
	crypto_generichash_final(&st, okm, sizeof(okm));
	if (hs->role == RPC_HS_CLIENT) {
		memcpy(hs->k_send, okm, 32);
		memcpy(hs->k_recv, okm + 32, 32);
	} else {
		memcpy(hs->k_recv, okm, 32);
		memcpy(hs->k_send, okm + 32, 32);
	}
	sodium_memzero(shared, sizeof(shared));
	sodium_memzero(okm, sizeof(okm));
	return 0;
}

/* The message a side signs: label || h [|| target tubid hash]. */
static size_t
signed_message(const rpc_hs *hs, rpc_hs_role signer, const uint8_t *target,
    uint8_t *m)
{
	const char *label = signer == RPC_HS_SERVER ? LABEL_SERVER :
	    LABEL_CLIENT;
	size_t n = strlen(label);

	memcpy(m, label, n);
	memcpy(m + n, hs->h, 32);
	n += 32;
	if (signer == RPC_HS_CLIENT) {
		memcpy(m + n, target, 32);
		n += 32;
	}
	return n;
}

void
rpc_hs_auth(const rpc_hs *hs, const rpc_ident *me,
    const uint8_t *incarnation, const uint8_t *target, uint8_t *out)
{
	uint8_t m[LABEL_MAX + 64];
	size_t mlen = signed_message(hs, hs->role, target, m);

	memcpy(out, rpc_ident_pk(me), RPC_PK_LEN);
	memcpy(out + RPC_PK_LEN, incarnation, RPC_INCARNATION_LEN);
	crypto_sign_detached(out + RPC_PK_LEN + RPC_INCARNATION_LEN, NULL, m,
	    mlen, rpc_ident_sk(me));
}

int
rpc_hs_check_auth(const rpc_hs *hs, const uint8_t *in, size_t len,
    const uint8_t *target, uint8_t *peer_pk, uint8_t *peer_inc)
{
	rpc_hs_role peer = hs->role == RPC_HS_CLIENT ? RPC_HS_SERVER :
	    RPC_HS_CLIENT;
	const uint8_t *pk, *inc, *sig;
	uint8_t m[LABEL_MAX + 64];
	size_t mlen;
	rpc_rbuf b;

	/* AUTH is key 32, incarnation 16, signature 64 (§3.2). */
	rpc_rbuf_init(&b, in, len);
	if (rpc_rbuf_get_view(&b, RPC_PK_LEN, &pk) != 0 ||
	    rpc_rbuf_get_view(&b, RPC_INCARNATION_LEN, &inc) != 0 ||
	    rpc_rbuf_get_view(&b, RPC_SIG_LEN, &sig) != 0 ||
	    rpc_rbuf_end(&b) != 0)
		return RPC_E_FORMAT;
	mlen = signed_message(hs, peer, target, m);
	if (crypto_sign_verify_detached(sig, m, mlen, pk) != 0)
		return RPC_E_CRYPTO;
	memcpy(peer_pk, pk, RPC_PK_LEN);
	memcpy(peer_inc, inc, RPC_INCARNATION_LEN);
	return 0;
}

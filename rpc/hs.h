/* rpc/hs.h -- the tub/1 handshake, as pure computation (no I/O), so that
 * doc/protocol.md's test vectors can be checked byte for byte.  See
 * doc/protocol.md §3.
 *
 * Both sides send HELLO ("TUB1", version 1, an ephemeral X25519 key) at
 * once.  From the two ephemeral keys each derives the transcript hash h and
 * one ChaCha20-Poly1305 key per direction; then each sends, as its first
 * encrypted frame, AUTH = static Ed25519 key || incarnation || signature.
 * The server signs "tub/1 server auth" || h; the client signs
 * "tub/1 client auth" || h || the tubid it meant to reach. */
#ifndef RPC_HS_H
#define RPC_HS_H

#include <stdint.h>

#include "rpc/ident.h"

#define RPC_HS_MAGIC		"TUB1"
#define RPC_HS_VERSION		1
#define RPC_HS_HELLO_LEN	37	/* magic 4, version 1, key 32 */
#define RPC_INCARNATION_LEN	16
#define RPC_HS_AUTH_LEN		(RPC_PK_LEN + RPC_INCARNATION_LEN + RPC_SIG_LEN)

typedef enum { RPC_HS_CLIENT = 0, RPC_HS_SERVER = 1 } rpc_hs_role;

typedef struct rpc_hs {
	rpc_hs_role	role;
	uint8_t		eph_pk[32];
	uint8_t		eph_sk[32];	/* secret; wiped by rpc_hs_clear() */
	uint8_t		h[32];		/* transcript hash, after HELLOs */
	uint8_t		k_send[32];	/* secret */
	uint8_t		k_recv[32];	/* secret */
} rpc_hs;

/* Start a handshake.  'eph_seed' (32 bytes) fixes the ephemeral key for
 * test vectors; NULL draws it from randombytes_buf(). */
void rpc_hs_init(rpc_hs *hs, rpc_hs_role role, const uint8_t *eph_seed);
void rpc_hs_clear(rpc_hs *hs);

/* Write this side's HELLO (RPC_HS_HELLO_LEN bytes) into 'out'. */
void rpc_hs_hello(const rpc_hs *hs, uint8_t *out);

/* Read the peer's HELLO (exactly RPC_HS_HELLO_LEN bytes) and derive h and
 * the keys.  Return 0; RPC_E_FORMAT for bad magic or length; RPC_E_CRYPTO
 * for an unsupported version or a key of small order. */
int rpc_hs_read_hello(rpc_hs *hs, const uint8_t *in, size_t len);

/* Write this side's AUTH plaintext (RPC_HS_AUTH_LEN bytes) into 'out'.  A
 * client passes the tubid hash it meant to reach in 'target' (32 bytes); a
 * server passes NULL. */
void rpc_hs_auth(const rpc_hs *hs, const rpc_ident *me,
    const uint8_t *incarnation, const uint8_t *target, uint8_t *out);

/* Check the peer's AUTH plaintext.  A server passes its own tubid hash in
 * 'target'; a client passes NULL and compares the peer's tubid itself.  On
 * success store the peer's key (32 bytes) and incarnation (16 bytes) and
 * return 0; else RPC_E_FORMAT (length) or RPC_E_CRYPTO (signature). */
int rpc_hs_check_auth(const rpc_hs *hs, const uint8_t *in, size_t len,
    const uint8_t *target, uint8_t *peer_pk, uint8_t *peer_inc);

#endif

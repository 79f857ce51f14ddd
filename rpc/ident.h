/* rpc/ident.h -- a tub's identity: an Ed25519 key pair and the tubid
 * derived from its public key.  See doc/protocol.md §1.
 *
 * tubid = lower-case base32 of BLAKE2b-256("tub/1 tubid" || public key).
 * Key text follows Tahoe-LAFS: "priv-v0-" + base32(32-byte seed) and
 * "pub-v0-" + base32(32-byte public key). */
#ifndef RPC_IDENT_H
#define RPC_IDENT_H

#include <stdint.h>

#include <glib.h>

#define RPC_PK_LEN	32
#define RPC_SEED_LEN	32
#define RPC_SK_LEN	64
#define RPC_SIG_LEN	64

typedef struct rpc_ident rpc_ident;

/* A new random identity (caller owns; free with rpc_ident_free()). */
rpc_ident *rpc_ident_new(void);
/* The identity whose Ed25519 seed is 'seed' (32 bytes, copied). */
rpc_ident *rpc_ident_new_from_seed(const uint8_t *seed);
void rpc_ident_free(rpc_ident *id);		/* NULL is a no-op; wipes keys */
G_DEFINE_AUTOPTR_CLEANUP_FUNC(rpc_ident, rpc_ident_free)

const uint8_t *rpc_ident_pk(const rpc_ident *id);	/* 32 bytes */
const uint8_t *rpc_ident_sk(const rpc_ident *id);	/* 64 bytes, secret */
const char *rpc_ident_tubid(const rpc_ident *id);	/* 52 chars */
const uint8_t *rpc_ident_tubid_raw(const rpc_ident *id); /* 32 bytes */

/* Store in 'raw' (32 bytes) the tubid hash of public key 'pk'. */
void rpc_tubid_from_pk(const uint8_t *pk, uint8_t *raw);

/* "pub-v0-..." text of the public key; caller g_free()s. */
char *rpc_ident_pubkey_text(const rpc_ident *id);

/* Parse "pub-v0-..." into 'pk' (32 bytes).  FALSE with a one-line error
 * (RPC_ERROR, RPC_E_FORMAT) for anything else. */
gboolean rpc_pubkey_parse(const char *text, uint8_t *pk, GError **error);

/* Read a private key file holding "priv-v0-..." (one line, optional
 * trailing newline).  The error names the file but never its contents. */
rpc_ident *rpc_ident_load(const char *path, GError **error);

/* Write the private key to 'path' with mode 0600: a temporary name in the
 * same directory, fsync, rename, so a crash never leaves a partial key. */
gboolean rpc_ident_save(const rpc_ident *id, const char *path,
    GError **error);

/* Load 'path' if it exists, else create a new identity and save it there. */
rpc_ident *rpc_ident_load_or_create(const char *path, GError **error);

#endif

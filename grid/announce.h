/* grid/announce.h -- signed announcements, as nodes publish them through
 * the introducer.  See doc/protocol.md §10.
 *
 * On the wire an announcement is [msg (bin), sig (bin), key (str)]: 'msg'
 * is a UTF-8 JSON object (the fields below, Tahoe-LAFS's names), 'sig' the
 * Ed25519 signature by the node key of GRID_ANN_CONTEXT followed by 'msg',
 * 'key' the node key as "pub-v0-...".  Nothing but the signed bytes is
 * trusted: every receiver verifies, the introducer included. */
#ifndef GRID_ANNOUNCE_H
#define GRID_ANNOUNCE_H

#include <stdint.h>

#include <glib.h>

#include "rpc/ident.h"
#include "rpc/pack.h"

#define GRID_ANN_CONTEXT	"tahoe-c announcement v1\n"
/* Bytes of msg: what a storage announcement needs (its fields, a
 * nickname, and up to GRID_ANN_CERTS_MAX grid-manager certificates of
 * about 350 bytes each: under 8 KiB) with room to spare; a larger one is
 * more likely an attempt on the introducer's memory than a node. */
#define GRID_ANN_MAX		(16 * 1024)
#define GRID_ANN_NICK_MAX	256
#define GRID_ANN_CERTS_MAX	16
#define GRID_ANN_SERVICE_MAX	64

typedef struct grid_ann {
	char		*service;	/* "storage" */
	char		*nickname;
	char		*furl;		/* anonymous-storage-FURL or NULL */
	char		*perm_seed;	/* permutation-seed-base32 */
	guint64		 seqnum;
	GPtrArray	*certs;		/* certificate JSON texts (char *) */
	uint8_t		 key[RPC_PK_LEN];
	char		*key_text;	/* "pub-v0-..." */
	GBytes		*msg;		/* the signed JSON */
	uint8_t		 sig[RPC_SIG_LEN];
} grid_ann;

/* Make and sign an announcement with 'id' (borrowed).  'furl' may be
 * NULL; 'certs' is a NULL-terminated list of certificate JSON texts (each
 * a parsed-and-checked certificate file) or NULL.  Caller owns the
 * result. */
grid_ann *grid_ann_sign(const rpc_ident *id, const char *service,
    const char *nickname, const char *furl, const char *perm_seed,
    guint64 seqnum, char *const *certs);

/* Check and parse a received announcement.  NULL with a one-line
 * GRID_E_FORMAT error (never quoting the FURL) for a bad key, a bad
 * signature, malformed JSON, a field of the wrong type or size, or a FURL
 * whose tubid is not the key's. */
grid_ann *grid_ann_verify(const uint8_t *msg, size_t msg_len,
    const uint8_t *sig, size_t sig_len, const char *key, size_t key_len,
    GError **error);

void grid_ann_free(grid_ann *a);			/* NULL is a no-op */
G_DEFINE_AUTOPTR_CLEANUP_FUNC(grid_ann, grid_ann_free)

/* Append [msg, sig, key] to 'p'. */
void grid_ann_pack(const grid_ann *a, rpc_pack *p);

#endif

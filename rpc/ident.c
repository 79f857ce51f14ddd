/* rpc/ident.c -- Ed25519 identities, their tubids and key files.
 *
 * This module only holds keys and reads and writes key text; signing during
 * the handshake is done in hs.c with the keys it hands out. */
#include "config.h"

#include <string.h>

#include <sodium.h>

#include "rpc/base32.h"
#include "rpc/err.h"
#include "rpc/file.h"
#include "rpc/ident.h"

#define PRIV_PREFIX	"priv-v0-"
#define PUB_PREFIX	"pub-v0-"
#define TUBID_LABEL	"tub/1 tubid"
/* A key file is one line of at most this many bytes (the text is 60). */
#define KEYFILE_MAX	256

struct rpc_ident {
	uint8_t	pk[RPC_PK_LEN];
	uint8_t	sk[RPC_SK_LEN];
	uint8_t	tubid_raw[32];
	char	tubid[64];
};

void
rpc_tubid_from_pk(const uint8_t *pk, uint8_t *raw)
{
	crypto_generichash_state st;

	crypto_generichash_init(&st, NULL, 0, 32);
	crypto_generichash_update(&st, (const uint8_t *)TUBID_LABEL,
	    strlen(TUBID_LABEL));
	crypto_generichash_update(&st, pk, RPC_PK_LEN);
	crypto_generichash_final(&st, raw, 32);
}

static rpc_ident *
ident_finish(rpc_ident *id)
{
	rpc_tubid_from_pk(id->pk, id->tubid_raw);
	rpc_base32_encode_to(id->tubid, sizeof(id->tubid), id->tubid_raw, 32);
	return id;
}

rpc_ident *
rpc_ident_new(void)
{
	rpc_ident *id = g_new0(rpc_ident, 1);

	if (sodium_init() < 0)
		g_error("libsodium failed to initialise");
	crypto_sign_keypair(id->pk, id->sk);
	return ident_finish(id);
}

rpc_ident *
rpc_ident_new_from_seed(const uint8_t *seed)
{
	rpc_ident *id = g_new0(rpc_ident, 1);

	if (sodium_init() < 0)
		g_error("libsodium failed to initialise");
	crypto_sign_seed_keypair(id->pk, id->sk, seed);
	return ident_finish(id);
}

void
rpc_ident_free(rpc_ident *id)
{
	if (id == NULL)
		return;
	sodium_memzero(id, sizeof(*id));
	g_free(id);
}

const uint8_t *
rpc_ident_pk(const rpc_ident *id)
{
	return id->pk;
}

const uint8_t *
rpc_ident_sk(const rpc_ident *id)
{
	return id->sk;
}

const char *
rpc_ident_tubid(const rpc_ident *id)
{
	return id->tubid;
}

const uint8_t *
rpc_ident_tubid_raw(const rpc_ident *id)
{
	return id->tubid_raw;
}

char *
rpc_ident_pubkey_text(const rpc_ident *id)
{
	g_autofree char *b = rpc_base32_encode(id->pk, RPC_PK_LEN);

	return g_strconcat(PUB_PREFIX, b, NULL);
}

gboolean
rpc_pubkey_parse(const char *text, uint8_t *pk, GError **error)
{
	size_t n = 0, plen = strlen(PUB_PREFIX);

	if (strncmp(text, PUB_PREFIX, plen) != 0)
		return rpc_set_error(error, RPC_E_FORMAT,
		    "public key does not start with '%s'", PUB_PREFIX);
	if (rpc_base32_decode(text + plen, strlen(text + plen), pk,
	    RPC_PK_LEN, &n) != 0 || n != RPC_PK_LEN)
		return rpc_set_error(error, RPC_E_FORMAT,
		    "public key is not 32 bytes of base32 after '%s'",
		    PUB_PREFIX);
	return TRUE;
}

rpc_ident *
rpc_ident_load(const char *path, GError **error)
{
	g_autofree char *text = NULL;
	uint8_t seed[RPC_SEED_LEN];
	size_t len = 0, n = 0, plen = strlen(PRIV_PREFIX);
	g_autoptr(GError) e = NULL;
	rpc_ident *id;

	if (!rpc_file_read_capped(path, KEYFILE_MAX, &text, &len, &e)) {
		if (g_error_matches(e, RPC_ERROR, RPC_E_TOOBIG))
			rpc_set_error(error, RPC_E_FORMAT,
			    "%s: not a private key file", path);
		else
			rpc_set_error(error, RPC_E_SYSTEM, "%s", e->message);
		return NULL;
	}
	if (strlen(text) != len) {
		sodium_memzero(text, len);
		rpc_set_error(error, RPC_E_FORMAT,
		    "%s: not a private key file", path);
		return NULL;
	}
	if (len > 0 && text[len - 1] == '\n')
		text[--len] = '\0';
	if (len < plen || strncmp(text, PRIV_PREFIX, plen) != 0 ||
	    rpc_base32_decode(text + plen, len - plen, seed, sizeof(seed),
	    &n) != 0 || n != RPC_SEED_LEN) {
		sodium_memzero(text, len);
		rpc_set_error(error, RPC_E_FORMAT,
		    "%s: expected '%s' and 32 bytes of base32", path,
		    PRIV_PREFIX);
		return NULL;
	}
	sodium_memzero(text, len);
	id = rpc_ident_new_from_seed(seed);
	sodium_memzero(seed, sizeof(seed));
	return id;
}

gboolean
rpc_ident_save(const rpc_ident *id, const char *path, GError **error)
{
	char b[64];
	char text[80];
	gboolean ok;

	/* The first 32 bytes of a libsodium secret key are the seed. */
	rpc_base32_encode_to(b, sizeof(b), id->sk, RPC_SEED_LEN);
	g_snprintf(text, sizeof(text), "%s%s\n", PRIV_PREFIX, b);
	ok = rpc_file_write_atomic(path, text, strlen(text), 0600, error);
	sodium_memzero(b, sizeof(b));
	sodium_memzero(text, sizeof(text));
	return ok;
}

rpc_ident *
rpc_ident_load_or_create(const char *path, GError **error)
{
	rpc_ident *id;

	if (g_file_test(path, G_FILE_TEST_EXISTS))
		return rpc_ident_load(path, error);
	id = rpc_ident_new();
	if (!rpc_ident_save(id, path, error)) {
		rpc_ident_free(id);
		return NULL;
	}
	return id;
}

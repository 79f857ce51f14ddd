/* grid/announce.c -- making, signing and checking announcements.
 *
 * The JSON text is produced once, signed, and from then on only carried:
 * a receiver verifies the exact bytes it got, then parses them, so no
 * re-serialisation can change what was signed.  The signed bytes start
 * with a context string, so a signature made for an announcement can never
 * be passed off as one made by the same key elsewhere (the handshake). */
#include "config.h"

#include <string.h>

#include <sodium.h>

#include "grid/announce.h"
#include "grid/gm.h"
#include "grid/json.h"
#include "rpc/furl.h"

void
grid_ann_free(grid_ann *a)
{
	if (a == NULL)
		return;
	g_free(a->service);
	g_free(a->nickname);
	if (a->furl != NULL)
		sodium_memzero(a->furl, strlen(a->furl));
	g_free(a->furl);
	g_free(a->perm_seed);
	if (a->certs != NULL)
		g_ptr_array_unref(a->certs);
	g_free(a->key_text);
	if (a->msg != NULL)
		g_bytes_unref(a->msg);
	g_free(a);
}

/* The bytes a signature covers: the context, then 'msg'.  Caller
 * g_free()s; *n is their length. */
static uint8_t *
signed_bytes(const uint8_t *msg, size_t len, size_t *n)
{
	size_t clen = strlen(GRID_ANN_CONTEXT);
	uint8_t *buf = g_malloc(clen + len);

	memcpy(buf, GRID_ANN_CONTEXT, clen);
	memcpy(buf + clen, msg, len);
	*n = clen + len;
	return buf;
}

static void
ed25519_sign_msg(const rpc_ident *id, const uint8_t *msg, size_t len,
    uint8_t *sig)
{
	size_t n;
	g_autofree uint8_t *buf = signed_bytes(msg, len, &n);

	crypto_sign_detached(sig, NULL, buf, n, rpc_ident_sk(id));
}

grid_ann *
grid_ann_sign(const rpc_ident *id, const char *service, const char *nickname,
    const char *furl, const char *perm_seed, guint64 seqnum,
    char *const *certs)
{
	g_autoptr(json_t) root = NULL;
	json_t *list;
	grid_ann *a = g_new0(grid_ann, 1);
	char *text;
	size_t i, len;

	a->service = g_strdup(service);
	a->nickname = g_strdup(nickname != NULL ? nickname : "");
	a->furl = g_strdup(furl);
	a->perm_seed = g_strdup(perm_seed != NULL ? perm_seed : "");
	a->seqnum = seqnum;
	a->certs = g_ptr_array_new_with_free_func(g_free);
	memcpy(a->key, rpc_ident_pk(id), RPC_PK_LEN);
	a->key_text = rpc_ident_pubkey_text(id);

	/* Receivers check the bytes as signed and never re-serialise, so
	 * jansson's compact layout is as good as any. */
	grid_json_init();
	root = json_object();
	list = json_array();
	json_object_set_new(root, "service-name", json_string(a->service));
	json_object_set_new(root, "nickname", json_string(a->nickname));
	if (furl != NULL)
		json_object_set_new(root, "anonymous-storage-FURL",
		    json_string(furl));
	json_object_set_new(root, "permutation-seed-base32",
	    json_string(a->perm_seed));
	json_object_set_new(root, "seqnum", json_integer((json_int_t)seqnum));
	json_object_set_new(root, "my-version",
	    json_string("tahoe-c/" PACKAGE_VERSION));
	for (i = 0; certs != NULL && certs[i] != NULL; i++) {
		json_t *c = json_loads(certs[i], JSON_REJECT_DUPLICATES, NULL);

		if (!json_is_object(c)) {	/* checked by the caller */
			json_decref(c);
			continue;
		}
		json_array_append_new(list, c);
		g_ptr_array_add(a->certs, g_strdup(certs[i]));
	}
	json_object_set_new(root, "grid-manager-certificates", list);
	text = grid_json_dump(root);
	len = strlen(text);
	a->msg = g_bytes_new_take(text, len);
	ed25519_sign_msg(id, (const uint8_t *)text, len, a->sig);
	return a;
}

void
grid_ann_pack(const grid_ann *a, rpc_pack *p)
{
	gsize len;
	const void *data = g_bytes_get_data(a->msg, &len);

	rpc_pack_array(p, 3);
	rpc_pack_bin(p, data, len);
	rpc_pack_bin(p, a->sig, sizeof(a->sig));
	rpc_pack_str(p, a->key_text);
}

/* A string member of at most 'max' bytes; NULL if absent or wrong. */
static const char *
str_member(const json_t *o, const char *name, size_t max, gboolean *bad)
{
	const json_t *n = json_object_get(o, name);

	if (n == NULL)
		return NULL;
	if (!json_is_string(n) || json_string_length(n) > max) {
		*bad = TRUE;
		return NULL;
	}
	return json_string_value(n);
}

static grid_ann *
fail(grid_ann *a, GError **error, const char *what)
{
	grid_ann_free(a);
	g_set_error(error, GRID_ERROR, GRID_E_FORMAT, "bad announcement: %s",
	    what);
	return NULL;
}

grid_ann *
grid_ann_verify(const uint8_t *msg, size_t msg_len, const uint8_t *sig,
    size_t sig_len, const char *key, size_t key_len, GError **error)
{
	g_autoptr(json_t) o = NULL;
	g_autofree char *keytext = NULL;
	g_autofree uint8_t *buf = NULL;
	size_t blen;
	g_autoptr(GError) jerr = NULL;
	json_t *n;
	grid_ann *a = g_new0(grid_ann, 1);
	gboolean bad = FALSE;
	const char *s;
	char *p;

	a->certs = g_ptr_array_new_with_free_func(g_free);
	if (msg_len > GRID_ANN_MAX)
		return fail(a, error, "too long");
	if (key_len > 128 || memchr(key, '\0', key_len) != NULL)
		return fail(a, error, "bad key");
	keytext = g_strndup(key, key_len);
	if (!rpc_pubkey_parse(keytext, a->key, NULL))
		return fail(a, error, "bad key");
	if (sig_len != RPC_SIG_LEN)
		return fail(a, error, "bad signature length");
	buf = signed_bytes(msg, msg_len, &blen);
	if (crypto_sign_verify_detached(sig, buf, blen, a->key) != 0)
		return fail(a, error, "signature does not verify");
	memcpy(a->sig, sig, RPC_SIG_LEN);
	a->key_text = g_steal_pointer(&keytext);
	a->msg = g_bytes_new(msg, msg_len);

	o = grid_json_load((const char *)msg, msg_len, "announcement", &jerr);
	if (o == NULL)
		return fail(a, error, "not a strict JSON object");

	s = str_member(o, "service-name", GRID_ANN_SERVICE_MAX, &bad);
	if (s == NULL)
		return fail(a, error, "no service-name");
	a->service = g_strdup(s);
	s = str_member(o, "nickname", GRID_ANN_NICK_MAX, &bad);
	a->nickname = g_strdup(s != NULL ? s : "");
	/* Shown in terminals and tables: no control characters. */
	for (p = a->nickname; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
	s = str_member(o, "permutation-seed-base32", 128, &bad);
	a->perm_seed = g_strdup(s != NULL ? s : "");
	s = str_member(o, "anonymous-storage-FURL", 2048, &bad);
	if (bad)
		return fail(a, error, "a field has the wrong type or size");
	if (s != NULL) {
		rpc_furl *f = NULL;
		uint8_t raw[32];
		gboolean same;

		if (!rpc_furl_parse(s, &f, NULL))
			return fail(a, error, "bad storage FURL");
		rpc_tubid_from_pk(a->key, raw);
		same = sodium_memcmp(raw, rpc_furl_tubid_raw(f), 32) == 0;
		rpc_furl_free(f);
		if (!same)
			return fail(a, error,
			    "storage FURL's tubid is not the node key's");
		a->furl = g_strdup(s);
	}
	n = json_object_get(o, "seqnum");
	if (!json_is_integer(n) || json_integer_value(n) < 0)
		return fail(a, error, "seqnum missing or not a count");
	a->seqnum = (guint64)json_integer_value(n);
	n = json_object_get(o, "grid-manager-certificates");
	if (n != NULL) {
		json_t *c;
		size_t i;

		if (!json_is_array(n) ||
		    json_array_size(n) > GRID_ANN_CERTS_MAX)
			return fail(a, error, "bad certificate list");
		json_array_foreach(n, i, c) {
			char *text;

			if (!json_is_object(c))
				return fail(a, error,
				    "a certificate is not an object");
			text = grid_json_dump(c);
			if (strlen(text) > GRID_CERT_MAX) {
				g_free(text);
				return fail(a, error,
				    "a certificate is too long");
			}
			g_ptr_array_add(a->certs, text);
		}
	}
	return a;
}

/* grid/announce.c -- making, signing and checking announcements.
 *
 * The JSON text is produced once, signed, and from then on only carried:
 * a receiver verifies the exact bytes it got, then parses them, so no
 * re-serialisation can change what was signed.  The signed bytes start
 * with a context string, so a signature made for an announcement can never
 * be passed off as one made by the same key elsewhere (the handshake). */
#include "config.h"

#include <string.h>

#include <json-glib/json-glib.h>
#include <sodium.h>

#include "grid/announce.h"
#include "grid/gm.h"
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
	g_autoptr(JsonBuilder) b = json_builder_new();
	g_autoptr(JsonGenerator) gen = json_generator_new();
	g_autoptr(JsonNode) root = NULL;
	grid_ann *a = g_new0(grid_ann, 1);
	char *text;
	gsize len;
	size_t i;

	a->service = g_strdup(service);
	a->nickname = g_strdup(nickname != NULL ? nickname : "");
	a->furl = g_strdup(furl);
	a->perm_seed = g_strdup(perm_seed != NULL ? perm_seed : "");
	a->seqnum = seqnum;
	a->certs = g_ptr_array_new_with_free_func(g_free);
	memcpy(a->key, rpc_ident_pk(id), RPC_PK_LEN);
	a->key_text = rpc_ident_pubkey_text(id);

	json_builder_begin_object(b);
	json_builder_set_member_name(b, "service-name");
	json_builder_add_string_value(b, a->service);
	json_builder_set_member_name(b, "nickname");
	json_builder_add_string_value(b, a->nickname);
	if (furl != NULL) {
		json_builder_set_member_name(b, "anonymous-storage-FURL");
		json_builder_add_string_value(b, furl);
	}
	json_builder_set_member_name(b, "permutation-seed-base32");
	json_builder_add_string_value(b, a->perm_seed);
	json_builder_set_member_name(b, "seqnum");
	json_builder_add_int_value(b, (gint64)seqnum);
	json_builder_set_member_name(b, "my-version");
	json_builder_add_string_value(b, "tahoe-c/" PACKAGE_VERSION);
	json_builder_set_member_name(b, "grid-manager-certificates");
	json_builder_begin_array(b);
	for (i = 0; certs != NULL && certs[i] != NULL; i++) {
		g_autoptr(JsonNode) c = json_from_string(certs[i], NULL);

		if (c == NULL || !JSON_NODE_HOLDS_OBJECT(c))
			continue;	/* checked by the caller */
		json_builder_add_value(b, g_steal_pointer(&c));
		g_ptr_array_add(a->certs, g_strdup(certs[i]));
	}
	json_builder_end_array(b);
	json_builder_end_object(b);
	root = json_builder_get_root(b);
	json_generator_set_root(gen, root);
	text = json_generator_to_data(gen, &len);
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
str_member(JsonObject *o, const char *name, size_t max, gboolean *bad)
{
	JsonNode *n = json_object_get_member(o, name);
	const char *s;

	if (n == NULL)
		return NULL;
	if (!JSON_NODE_HOLDS_VALUE(n) ||
	    json_node_get_value_type(n) != G_TYPE_STRING ||
	    strlen(s = json_node_get_string(n)) > max) {
		*bad = TRUE;
		return NULL;
	}
	return s;
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
	g_autoptr(JsonParser) parser = NULL;
	g_autofree char *keytext = NULL;
	g_autofree uint8_t *buf = NULL;
	size_t blen;
	g_autoptr(GError) jerr = NULL;
	JsonObject *o = NULL;
	JsonNode *n;
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

	parser = grid_json_load((const char *)msg, msg_len, "announcement",
	    &o, &jerr);
	if (parser == NULL)
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
	n = json_object_get_member(o, "seqnum");
	if (n == NULL || !JSON_NODE_HOLDS_VALUE(n) ||
	    json_node_get_value_type(n) != G_TYPE_INT64 ||
	    json_node_get_int(n) < 0)
		return fail(a, error, "seqnum missing or not a count");
	a->seqnum = (guint64)json_node_get_int(n);
	n = json_object_get_member(o, "grid-manager-certificates");
	if (n != NULL) {
		JsonArray *arr;
		guint i;

		if (!JSON_NODE_HOLDS_ARRAY(n) ||
		    json_array_get_length(arr = json_node_get_array(n)) >
		    GRID_ANN_CERTS_MAX)
			return fail(a, error, "bad certificate list");
		for (i = 0; i < json_array_get_length(arr); i++) {
			JsonNode *c = json_array_get_element(arr, i);
			char *text;

			if (!JSON_NODE_HOLDS_OBJECT(c))
				return fail(a, error,
				    "a certificate is not an object");
			text = json_to_string(c, FALSE);
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

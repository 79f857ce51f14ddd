/* account/client.c -- a client's account: servers from the account
 * manager, kept on disk, handed to the storage broker.
 *
 * Each server is given to the broker as an announcement made here from
 * what the manager said (key, nickname, PSS FURL); the FURL must name the
 * tub of that key, and the tub checks the key in the handshake, so a
 * connected server is that node whoever listed it.  The permutation seed
 * is derived from the key as a storage node derives its own
 * (grid/gnode.c), so files land where Tahoe's placement puts them. */
#include "config.h"

#include <stdarg.h>
#include <string.h>

#include <sodium.h>

#include "account/client.h"
#include "account/err.h"
#include "account/mac.h"
#include "account/mgr.h"
#include "grid/announce.h"
#include "grid/json.h"
#include "grid/owner.h"
#include "node/status.h"
#include "rpc/base32.h"
#include "rpc/common.h"
#include "rpc/conn.h"
#include "rpc/err.h"
#include "rpc/file.h"
#include "rpc/furl.h"
#include "rpc/ident.h"
#include "rpc/reconnect.h"

#define KEY_TEXT_MAX	128
#define NICK_MAX	GRID_ANN_NICK_MAX

struct known {
	char	*key;
	char	*nickname;
	char	*furl;		/* secret */
};

enum { Q_USAGE, Q_SERVERS, Q_SUBSCRIBE };

/* One outstanding call's context: forgotten if the client goes first. */
struct q {
	acct_client	*c;
	int		 kind;
};

struct acct_client {
	rpc_tub		*tub;		/* borrowed */
	grid_broker	*b;		/* borrowed */
	char		*servers_path;
	rpc_reconnector	*rc;
	rpc_obj		*observer;
	GHashTable	*known;		/* key -> struct known */
	GPtrArray	*pending;	/* struct q */
	guint64		 seq;		/* of announcements made here */
	guint32		 num;		/* from the FURL */
	char		*name;		/* from get_usage */
	char		*status;
	char		*last_error;
	guint		 n_updates;
	gint64		 updated_us;
};

static void
known_free(void *p)
{
	struct known *k = p;

	g_free(k->key);
	g_free(k->nickname);
	if (k->furl != NULL)
		sodium_memzero(k->furl, strlen(k->furl));
	g_free(k->furl);
	g_free(k);
}

/* Hand one server to the broker. */
static void
announce(acct_client *c, const struct known *k)
{
	grid_ann *a = g_new0(grid_ann, 1);
	g_autofree char *text = NULL;

	if (!rpc_pubkey_parse(k->key, a->key, NULL)) {
		grid_ann_free(a);
		return;
	}
	text = rpc_base32_encode(a->key, RPC_PK_LEN);
	a->service = g_strdup("storage");
	a->nickname = g_strdup(k->nickname);
	a->furl = g_strdup(k->furl);
	a->perm_seed = rpc_base32_encode((const uint8_t *)text,
	    strlen(text));
	a->seqnum = ++c->seq;
	a->certs = g_ptr_array_new_with_free_func(g_free);
	a->key_text = g_strdup(k->key);
	a->msg = g_bytes_new(NULL, 0);
	grid_broker_announce(c->b, a);
	grid_ann_free(a);
}

/* Check one server of a list (from the manager or the file) and take it
 * in; TRUE if it is new or changed. */
static gboolean
take(acct_client *c, const char *key, const char *nick, const char *furl,
    GError **error)
{
	uint8_t pk[RPC_PK_LEN], raw[32];
	g_autoptr(rpc_furl) f = NULL;
	struct known *k;

	if (strlen(key) > KEY_TEXT_MAX || strlen(nick) > NICK_MAX ||
	    strlen(furl) > ACCT_FURL_MAX ||
	    !rpc_pubkey_parse(key, pk, NULL) ||
	    !rpc_furl_parse(furl, &f, NULL)) {
		g_set_error(error, ACCT_ERROR, ACCT_E_FORMAT, "a server entry "
		    "with a bad key, nickname or FURL");
		return FALSE;
	}
	rpc_tubid_from_pk(pk, raw);
	if (sodium_memcmp(raw, rpc_furl_tubid_raw(f), 32) != 0) {
		g_set_error(error, ACCT_ERROR, ACCT_E_FORMAT, "server %s: its "
		    "FURL names another tub than its key", nick);
		return FALSE;
	}
	k = g_hash_table_lookup(c->known, key);
	if (k != NULL && strcmp(k->nickname, nick) == 0 &&
	    strcmp(k->furl, furl) == 0)
		return FALSE;
	if (k == NULL) {
		if (g_hash_table_size(c->known) >= ACCT_CLIENT_MAX_SERVERS) {
			g_set_error(error, ACCT_ERROR, ACCT_E_FORMAT, "more "
			    "than %d servers", ACCT_CLIENT_MAX_SERVERS);
			return FALSE;
		}
		k = g_new0(struct known, 1);
		k->key = g_strdup(key);
		g_hash_table_insert(c->known, k->key, k);
	}
	g_free(k->nickname);
	k->nickname = g_strdup(nick);
	if (k->furl != NULL)
		sodium_memzero(k->furl, strlen(k->furl));
	g_free(k->furl);
	k->furl = g_strdup(furl);
	announce(c, k);
	return TRUE;
}

static gboolean
save(acct_client *c, GError **error)
{
	g_autoptr(json_t) root = json_object();
	json_t *list = json_array();
	g_autoptr(GList) keys = g_list_sort(g_hash_table_get_keys(c->known),
	    (GCompareFunc)strcmp);
	g_autofree char *text = NULL;
	gboolean ok;
	GList *l;

	for (l = keys; l != NULL; l = l->next) {
		const struct known *k = g_hash_table_lookup(c->known, l->data);
		json_t *o = json_object();

		json_object_set_new(o, "key", json_string(k->key));
		json_object_set_new(o, "nickname", json_string(k->nickname));
		json_object_set_new(o, "pss_furl", json_string(k->furl));
		json_array_append_new(list, o);
	}
	json_object_set_new(root, "servers", list);
	text = json_dumps(root, JSON_INDENT(1) | JSON_SORT_KEYS);
	ok = rpc_file_write_atomic(c->servers_path, text, strlen(text), 0600,
	    error);
	sodium_memzero(text, strlen(text));
	return ok;
}

static gboolean
load(acct_client *c, GError **error)
{
	g_autofree char *text = NULL;
	g_autoptr(json_t) root = NULL;
	g_autoptr(GError) e = NULL;
	json_t *list, *o;
	size_t len = 0, i;

	if (!rpc_file_read_capped(c->servers_path, ACCT_SERVERS_FILE_MAX,
	    &text, &len, &e)) {
		if (g_error_matches(e, G_FILE_ERROR, G_FILE_ERROR_NOENT))
			return TRUE;
		g_propagate_error(error, g_steal_pointer(&e));
		return FALSE;
	}
	root = grid_json_load(text, len, c->servers_path, error);
	sodium_memzero(text, len);
	if (root == NULL)
		return FALSE;
	list = json_object_get(root, "servers");
	if (!json_is_array(list)) {
		g_set_error(error, ACCT_ERROR, ACCT_E_FORMAT, "%s: no "
		    "\"servers\" list", c->servers_path);
		return FALSE;
	}
	json_array_foreach(list, i, o) {
		const char *k = grid_json_str(o, "key");
		const char *n = grid_json_str(o, "nickname");
		const char *f = grid_json_str(o, "pss_furl");

		if (k == NULL || n == NULL || f == NULL ||
		    (!take(c, k, n, f, &e) && e != NULL)) {
			g_set_error(error, ACCT_ERROR, ACCT_E_FORMAT, "%s: "
			    "server %zu: %s", c->servers_path, i,
			    e != NULL ? e->message : "missing member");
			return FALSE;
		}
	}
	return TRUE;
}

static void G_GNUC_PRINTF(2, 3)
set_error(acct_client *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	g_free(c->last_error);
	c->last_error = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	g_warning("account: %s", c->last_error);
}

/* [{key, nickname, pss_furl}...] from get_storage_servers(). */
static void
got_servers(acct_client *c, const msgpack_object *result)
{
	g_autoptr(GError) e = NULL;
	gboolean changed = FALSE;
	rpc_mp it;
	uint32_t i;

	if (rpc_mp_open(&it, result, 0, ACCT_CLIENT_MAX_SERVERS) != 0) {
		set_error(c, "the server list is not a list");
		return;
	}
	for (i = 0; i < it.n; i++) {
		const msgpack_object *m = NULL;
		const char *f[3] = { "key", "nickname", "pss_furl" };
		size_t lim[3] = { KEY_TEXT_MAX, NICK_MAX, ACCT_FURL_MAX };
		char *s[3] = { NULL, NULL, NULL };
		guint j;

		if (rpc_mp_map(&it, 8, &m) != 0) {
			set_error(c, "a server entry is not a map");
			return;
		}
		/* UTF-8 without NUL: they go into the JSON file that the
		 * next start reads. */
		for (j = 0; j < 3; j++)
			if ((s[j] = rpc_mp_obj_strdup(rpc_mp_map_get(m, f[j]),
			    lim[j])) == NULL)
				break;
		if (j == 3 && take(c, s[0], s[1], s[2], &e))
			changed = TRUE;
		if (j < 3 || e != NULL)
			set_error(c, "a server entry was refused: %s",
			    e != NULL ? e->message : "missing member");
		g_clear_error(&e);
		g_free(s[0]);
		g_free(s[1]);
		if (s[2] != NULL)
			sodium_memzero(s[2], strlen(s[2]));
		g_free(s[2]);
	}
	c->n_updates++;
	c->updated_us = g_get_real_time();
	if (changed && !save(c, &e))
		g_warning("account: %s", e->message);
}

static void
got_usage(acct_client *c, const msgpack_object *result)
{
	char *n, *s;

	if (result->type != MSGPACK_OBJECT_MAP)
		return;
	if ((n = rpc_mp_obj_strdup(rpc_mp_map_get(result, "name"),
	    ACCT_FURL_MAX)) != NULL) {
		g_free(c->name);
		c->name = n;
	}
	if ((s = rpc_mp_obj_strdup(rpc_mp_map_get(result, "status"),
	    16)) != NULL) {
		g_free(c->status);
		c->status = s;
	}
}

/* The one answer callback of this module. */
static void
answered(const msgpack_object *result, const rpc_refctx *refs,
    const GError *err, void *arg)
{
	struct q *q = arg;
	acct_client *c = q->c;

	RPC_UNUSED(refs);
	if (c != NULL)
		g_ptr_array_remove_fast(c->pending, q);
	if (c == NULL || (err != NULL && g_error_matches(err, RPC_ERROR,
	    RPC_E_CANCELLED))) {
		g_free(q);
		return;
	}
	if (err != NULL)
		set_error(c, "the account manager: %s", err->message);
	else if (q->kind == Q_SERVERS)
		got_servers(c, result);
	else if (q->kind == Q_USAGE)
		got_usage(c, result);
	g_free(q);
}

static void
ask(acct_client *c, rpc_ref *ref, int kind, const char *method,
    rpc_pack *args)
{
	struct q *q = g_new0(struct q, 1);

	q->c = c;
	q->kind = kind;
	g_ptr_array_add(c->pending, q);
	rpc_ref_call(ref, method, args, answered, q);
}

static void
observer_changed(rpc_incall *call, rpc_mp *args, void *data)
{
	acct_client *c = grid_owner_get(data, call);
	rpc_ref *ref;

	RPC_UNUSED(args);
	if (c == NULL)
		return;
	rpc_incall_return(call, NULL);
	ref = rpc_reconnector_ref(c->rc);
	if (ref != NULL)
		ask(c, ref, Q_SERVERS, "get_storage_servers", NULL);
}

static const rpc_schema no_args[] = { RPC_S_NIL };

static const rpc_method observer_methods[] = {
	{ "servers_changed", observer_changed, no_args, 0, NULL },
};

static const rpc_iface observer_iface = {
	"acct.observer", observer_methods, G_N_ELEMENTS(observer_methods),
};

static void
connected(rpc_ref *ref, void *arg)
{
	acct_client *c = arg;
	rpc_pack *p = rpc_pack_new();

	g_clear_pointer(&c->last_error, g_free);
	ask(c, ref, Q_USAGE, "get_usage", NULL);
	ask(c, ref, Q_SERVERS, "get_storage_servers", NULL);
	rpc_pack_array(p, 1);
	rpc_pack_obj(p, c->observer);
	ask(c, ref, Q_SUBSCRIBE, "subscribe", p);
}

acct_client *
acct_client_new(rpc_tub *tub, grid_broker *b, const char *account_furl,
    const char *servers_path, GError **error)
{
	acct_client *c = g_new0(acct_client, 1);
	g_autoptr(rpc_furl) f = NULL;
	const char *sw;

	c->tub = tub;
	c->b = b;
	c->servers_path = g_strdup(servers_path);
	c->known = g_hash_table_new_full(g_str_hash, g_str_equal, NULL,
	    known_free);
	c->pending = g_ptr_array_new();
	if (!rpc_furl_parse(account_furl, &f, error)) {
		g_prefix_error(error, "account.furl: ");
		goto fail;
	}
	sw = rpc_furl_swissnum(f);
	if (!acct_mac_swissnum_num(sw, &c->num)) {
		g_set_error(error, ACCT_ERROR, ACCT_E_FORMAT, "account.furl: "
		    "not an account FURL (NUM-MAC swissnum)");
		goto fail;
	}
	if (!load(c, error))
		goto fail;
	c->observer = grid_owned_obj_new(&observer_iface, c);
	{
		rpc_backoff bo;

		rpc_backoff_init(&bo);
		bo.max = ACCT_RETRY_MAX;
		c->rc = rpc_reconnector_new_furl(tub, f, &bo, connected, c);
	}
	return c;
fail:
	acct_client_free(c);
	return NULL;
}

void
acct_client_free(acct_client *c)
{
	guint i;

	if (c == NULL)
		return;
	for (i = 0; i < c->pending->len; i++)
		((struct q *)g_ptr_array_index(c->pending, i))->c = NULL;
	g_ptr_array_unref(c->pending);
	rpc_reconnector_free(c->rc);
	grid_owned_obj_release(c->observer);
	g_hash_table_unref(c->known);
	g_free(c->servers_path);
	g_free(c->name);
	g_free(c->status);
	g_free(c->last_error);
	g_free(c);
}

guint
acct_client_n_servers(const acct_client *c)
{
	return g_hash_table_size(c->known);
}

guint
acct_client_n_updates(const acct_client *c)
{
	return c->n_updates;
}

void
acct_client_status(acct_client *c, json_t *st)
{
	json_t *o = json_object();
	const char *err = c->last_error != NULL ? c->last_error :
	    rpc_reconnector_state(c->rc) != RPC_RC_CONNECTED ?
	    rpc_reconnector_last_error(c->rc) : NULL;

	json_object_set_new(o, "number", json_integer(c->num));
	if (c->name != NULL)
		node_status_set_str(o, "name", c->name);
	else
		json_object_set_new(o, "name", json_null());
	if (c->status != NULL)
		node_status_set_str(o, "status", c->status);
	node_status_set_str(o, "state", rpc_reconnector_state_name(
	    rpc_reconnector_state(c->rc)));
	if (err != NULL)
		node_status_set_str(o, "last_error", err);
	else
		json_object_set_new(o, "last_error", json_null());
	json_object_set_new(o, "servers_known",
	    json_integer(g_hash_table_size(c->known)));
	if (c->updated_us != 0)
		json_object_set_new(o, "updated", json_real(
		    (double)c->updated_us / G_USEC_PER_SEC));
	else
		json_object_set_new(o, "updated", json_null());
	json_object_set_new(st, "account", o);
}

/* grid/broker.c -- servers known from announcements.
 *
 * One entry per node key.  The reconnector does the connecting; this
 * module checks each fresh reference with get_version (a server that does
 * not answer it is not usable), and records times for the status page.
 * An announcement's FURL is checked (in grid/announce.c) to name the tub
 * of the key that signed it, and the tub checks the key during the
 * handshake, so a connected entry really is that node. */
#include "config.h"

#include <string.h>

#include <sodium.h>

#include "grid/broker.h"
#include "grid/gm.h"
#include "grid/storage.h"
#include "grid/upload.h"
#include "node/status.h"
#include "rpc/base32.h"
#include "rpc/common.h"
#include "rpc/conn.h"
#include "rpc/err.h"
#include "rpc/furl.h"
#include "rpc/reconnect.h"

/* Each server costs a connection (a file descriptor) and a reconnector;
 * an introducer announcing more is more likely hostile than a big grid.
 * When the table is full a newcomer takes the place of the least useful
 * server only if it is more useful (see rank()). */
#define BROKER_MAX_SERVERS	500
/* New connections are started at most this many per second, after a
 * burst of as many: a flood of announcements must not make the client
 * dial hundreds of addresses at once. */
#define BROKER_DIALS_PER_S	20

struct grid_broker {
	rpc_tub		*tub;		/* borrowed */
	GArray		*gm_keys;	/* uint8_t[32] each, flattened */
	GPtrArray	*gm_names;	/* char *, one per key */
	GHashTable	*servers;	/* key_text -> struct server */
	GQueue		 to_dial;	/* struct server* waiting to dial */
	double		 tokens;	/* dials allowed now */
	ev_timer	 dial_timer;
	gint64		 next_order;	/* first-seen order of servers */
};

struct server {
	char		*key_text;
	uint8_t		 key[RPC_PK_LEN];
	char		*nickname;
	char		*furl;		/* secret */
	char		*address;
	guint64		 seqnum;
	GPtrArray	*certs;		/* grid_cert * */
	gboolean	 self;
	rpc_reconnector	*rc;
	rpc_ref		*ref;		/* verified reference, or NULL */
	guint		 watch_id;
	rpc_call	*version_call;
	struct version_ctx *version_ctx;	/* of version_call */
	gint64		 since_us;	/* connected, or lost, at */
	gint64		 last_seen_us;
	char		*last_error;
	guint64		 max_share;	/* from get_version */
	grid_broker	*b;		/* borrowed */
	gint64		 order;		/* when first seen (a counter) */
	rpc_furl	*pending;	/* to dial once a token comes */
	GBytes		*perm_seed;	/* bytes for the permuted ring */
	uint8_t		 tubid[32];	/* raw, of its FURL */
};

/* A cancelled call still completes, perhaps after its server is freed
 * (at shutdown the tub completes it), so the callback gets this small
 * context, which forgets the server when the call is given up. */
struct version_ctx {
	struct server	*s;		/* NULL once given up */
};

static void
server_drop_ref(struct server *s)
{
	if (s->version_call != NULL) {
		s->version_ctx->s = NULL;
		rpc_call_cancel(s->version_call);
		s->version_call = NULL;
		s->version_ctx = NULL;
	}
	if (s->ref != NULL) {
		rpc_ref_dont_notify(s->ref, s->watch_id);
		rpc_ref_unref(g_steal_pointer(&s->ref));
	}
}

static void
server_free(void *p)
{
	struct server *s = p;

	server_drop_ref(s);
	rpc_reconnector_free(s->rc);
	if (s->pending != NULL) {
		g_queue_remove(&s->b->to_dial, s);
		rpc_furl_free(s->pending);
	}
	g_free(s->key_text);
	g_free(s->nickname);
	if (s->furl != NULL)
		sodium_memzero(s->furl, strlen(s->furl));
	g_free(s->furl);
	g_free(s->address);
	g_ptr_array_unref(s->certs);
	g_free(s->last_error);
	if (s->perm_seed != NULL)
		g_bytes_unref(s->perm_seed);
	g_free(s);
}

static void
server_lost(void *arg)
{
	struct server *s = arg;

	rpc_ref_unref(g_steal_pointer(&s->ref));
	s->since_us = s->last_seen_us = g_get_real_time();
	g_free(s->last_error);
	s->last_error = g_strdup("connection lost");
	g_message("lost storage server %s (%.16s...)", s->nickname,
	    s->key_text + 7);
}

static void
version_done(const msgpack_object *result, const rpc_refctx *refs,
    const GError *err, void *arg)
{
	struct version_ctx *ctx = arg;
	struct server *s = ctx->s;
	rpc_ref *ref;

	RPC_UNUSED(refs);
	g_free(ctx);
	if (s == NULL)
		return;			/* given up */
	ref = s->ref;
	s->version_call = NULL;
	s->version_ctx = NULL;
	if (err != NULL) {
		g_free(s->last_error);
		s->last_error = g_strdup_printf("get_version failed: %s",
		    err->message);
		g_warning("storage server %s: %s", s->nickname,
		    s->last_error);
		return;
	}
	if (ref == NULL || rpc_mp_map_get(result, GRID_SS_PROTOCOL) == NULL) {
		g_free(s->last_error);
		s->last_error = g_strdup("does not speak the storage "
		    "protocol");
		return;
	}
	{
		const msgpack_object *v1 = rpc_mp_map_get(result,
		    GRID_SS_PROTOCOL);
		const msgpack_object *m = v1->type == MSGPACK_OBJECT_MAP ?
		    rpc_mp_map_get(v1, "maximum-immutable-share-size") : NULL;

		/* Tahoe treats a server that does not say as unlimited. */
		s->max_share = m != NULL &&
		    m->type == MSGPACK_OBJECT_POSITIVE_INTEGER ? m->via.u64 :
		    G_MAXUINT64;
	}
	s->since_us = s->last_seen_us = g_get_real_time();
	g_clear_pointer(&s->last_error, g_free);
	g_message("connected to storage server %s (%.16s...)", s->nickname,
	    s->key_text + 7);
}

static void
server_connected(rpc_ref *ref, void *arg)
{
	struct server *s = arg;

	server_drop_ref(s);
	s->ref = rpc_ref_ref(ref);
	s->watch_id = rpc_ref_notify_on_disconnect(ref, server_lost, s);
	s->version_ctx = g_new0(struct version_ctx, 1);
	s->version_ctx->s = s;
	s->version_call = rpc_ref_call(ref, "get_version", NULL,
	    version_done, s->version_ctx);
}

/* Start the reconnector of a server whose turn came. */
static void
dial(grid_broker *b, struct server *s)
{
	rpc_furl *f = g_steal_pointer(&s->pending);

	s->rc = rpc_reconnector_new_furl(b->tub, f, NULL, server_connected,
	    s);
	rpc_furl_free(f);
}

static void
dial_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	grid_broker *b = RPC_CONTAINER_OF(w, grid_broker, dial_timer);
	struct server *s;

	RPC_UNUSED(revents);
	b->tokens = MIN(b->tokens + 1, BROKER_DIALS_PER_S);
	while (b->tokens >= 1 && (s = g_queue_pop_head(&b->to_dial)) != NULL) {
		b->tokens -= 1;
		dial(b, s);
	}
	if (g_queue_is_empty(&b->to_dial) && b->tokens >= BROKER_DIALS_PER_S)
		ev_timer_stop(loop, w);
}

/* Dial now if a token is left, else in turn. */
static void
dial_paced(grid_broker *b, struct server *s, rpc_furl *f)
{
	struct ev_loop *loop = rpc_tub_loop(b->tub);

	s->pending = f;
	if (b->tokens >= 1 && g_queue_is_empty(&b->to_dial)) {
		b->tokens -= 1;
		dial(b, s);
	} else {
		g_queue_push_tail(&b->to_dial, s);
	}
	if (!ev_is_active(&b->dial_timer))
		ev_timer_again(loop, &b->dial_timer);
}

/* How much a server is worth keeping when the table is full: certified by
 * a trusted grid manager (or no manager trusted) first, then connected;
 * among equals, the one known longer. */
static int
rank(grid_broker *b, const uint8_t *key, GPtrArray *certs, gboolean conn)
{
	size_t nk = b->gm_keys->len / RPC_PK_LEN;
	gboolean cert = nk > 0 && grid_upload_permitted(
	    (const uint8_t *)b->gm_keys->data, nk, key,
	    (grid_cert *const *)certs->pdata, certs->len, g_get_real_time());

	return (cert ? 2 : 0) + (conn ? 1 : 0);
}

static const char *server_state(const struct server *s);

/* The table is full: make room for a newcomer worth more than the least
 * useful server (lowest rank, and of those the latest known).  FALSE if
 * the newcomer is worth no more than any. */
static gboolean
make_room(grid_broker *b, const grid_ann *a)
{
	g_autoptr(GPtrArray) certs = g_ptr_array_new_with_free_func(
	    (GDestroyNotify)grid_cert_free);
	struct server *worst = NULL;
	int worst_rank = 0, mine;
	GHashTableIter it;
	gpointer v;
	guint i;

	for (i = 0; i < a->certs->len; i++) {
		const char *t = g_ptr_array_index(a->certs, i);
		grid_cert *c = grid_cert_parse(t, strlen(t), NULL);

		if (c != NULL)
			g_ptr_array_add(certs, c);
	}
	mine = rank(b, a->key, certs, FALSE);
	g_hash_table_iter_init(&it, b->servers);
	while (g_hash_table_iter_next(&it, NULL, &v)) {
		struct server *s = v;
		int r;

		if (s->self)
			continue;
		r = rank(b, s->key, s->certs,
		    strcmp(server_state(s), "connected") == 0);
		if (worst == NULL || r < worst_rank ||
		    (r == worst_rank && s->order > worst->order)) {
			worst = s;
			worst_rank = r;
		}
	}
	if (worst == NULL || mine <= worst_rank)
		return FALSE;
	g_info("storage server %s replaces %s in a full table", a->nickname,
	    worst->nickname);
	g_hash_table_remove(b->servers, worst->key_text);
	return TRUE;
}

grid_broker *
grid_broker_new(rpc_tub *tub, const uint8_t *gm_keys, size_t n_gm_keys)
{
	grid_broker *b = g_new0(grid_broker, 1);

	b->tub = tub;
	b->tokens = BROKER_DIALS_PER_S;
	g_queue_init(&b->to_dial);
	ev_timer_init(&b->dial_timer, dial_cb, 0.0, 1.0 / BROKER_DIALS_PER_S);
	b->gm_keys = g_array_new(FALSE, FALSE, 1);
	b->gm_names = g_ptr_array_new_with_free_func(g_free);
	grid_broker_set_gm_keys(b, gm_keys, n_gm_keys, NULL);
	b->servers = g_hash_table_new_full(g_str_hash, g_str_equal, NULL,
	    server_free);
	return b;
}

void
grid_broker_free(grid_broker *b)
{
	if (b == NULL)
		return;
	ev_timer_stop(rpc_tub_loop(b->tub), &b->dial_timer);
	g_hash_table_unref(b->servers);
	g_queue_clear(&b->to_dial);
	g_array_unref(b->gm_keys);
	g_ptr_array_unref(b->gm_names);
	g_free(b);
}

void
grid_broker_set_gm_keys(grid_broker *b, const uint8_t *gm_keys,
    size_t n_gm_keys, char *const *names)
{
	size_t i;

	g_array_set_size(b->gm_keys, 0);
	g_array_append_vals(b->gm_keys, gm_keys, n_gm_keys * RPC_PK_LEN);
	g_ptr_array_set_size(b->gm_names, 0);
	for (i = 0; i < n_gm_keys; i++)
		g_ptr_array_add(b->gm_names, names != NULL ?
		    g_strdup(names[i]) : g_strdup_printf("%zu", i + 1));
}

void
grid_broker_gm_status(grid_broker *b, json_t *out)
{
	guint i;

	for (i = 0; i < b->gm_names->len; i++) {
		json_t *o = json_object();
		g_autofree char *k = rpc_base32_encode(
		    (const uint8_t *)b->gm_keys->data + i * RPC_PK_LEN,
		    RPC_PK_LEN);
		g_autofree char *key = g_strconcat("pub-v0-", k, NULL);

		node_status_set_str(o, "name",
		    g_ptr_array_index(b->gm_names, i));
		node_status_set_str(o, "key", key);
		json_array_append_new(out, o);
	}
}

/* The bytes that place a server on the ring permuted by storage index,
 * as Tahoe's storage_client._parse_announcement: the base32-decoded
 * permutation-seed-base32, or without one the raw node key. */
static GBytes *
perm_seed_bytes(const grid_ann *a)
{
	uint8_t buf[128];
	size_t n = 0;

	if (a->perm_seed != NULL && a->perm_seed[0] != '\0' &&
	    rpc_base32_decode(a->perm_seed, strlen(a->perm_seed), buf,
	    sizeof(buf), &n) == 0 && n > 0)
		return g_bytes_new(buf, n);
	return g_bytes_new(a->key, RPC_PK_LEN);
}

void
grid_broker_announce(grid_broker *b, const grid_ann *a)
{
	struct server *s = g_hash_table_lookup(b->servers, a->key_text);
	gboolean self = sodium_memcmp(a->key,
	    rpc_ident_pk(rpc_tub_ident(b->tub)), RPC_PK_LEN) == 0;
	g_autoptr(GError) err = NULL;
	g_autoptr(rpc_furl) f = NULL;
	guint i;

	if (a->furl == NULL)
		return;
	if (s != NULL && s->seqnum >= a->seqnum)
		return;
	if (s == NULL) {
		if (g_hash_table_size(b->servers) >= BROKER_MAX_SERVERS &&
		    !make_room(b, a)) {
			g_warning("ignoring storage server %s: already %d "
			    "servers worth as much", a->nickname,
			    BROKER_MAX_SERVERS);
			return;
		}
		s = g_new0(struct server, 1);
		s->b = b;
		s->order = b->next_order++;
		s->key_text = g_strdup(a->key_text);
		memcpy(s->key, a->key, RPC_PK_LEN);
		s->certs = g_ptr_array_new_with_free_func(
		    (GDestroyNotify)grid_cert_free);
		s->self = self;
		g_hash_table_insert(b->servers, s->key_text, s);
	}
	s->seqnum = a->seqnum;
	if (s->perm_seed != NULL)
		g_bytes_unref(s->perm_seed);
	s->perm_seed = perm_seed_bytes(a);
	g_free(s->nickname);
	s->nickname = g_strdup(a->nickname);
	g_ptr_array_set_size(s->certs, 0);
	for (i = 0; i < a->certs->len; i++) {
		const char *t = g_ptr_array_index(a->certs, i);
		grid_cert *c = grid_cert_parse(t, strlen(t), NULL);

		if (c != NULL)
			g_ptr_array_add(s->certs, c);
	}
	if (s->furl != NULL && strcmp(s->furl, a->furl) == 0)
		return;
	g_info("storage server %s (%.16s...) announced, seqnum %"
	    G_GUINT64_FORMAT, a->nickname, a->key_text + 7, a->seqnum);
	server_drop_ref(s);
	rpc_reconnector_free(g_steal_pointer(&s->rc));
	if (s->pending != NULL) {
		g_queue_remove(&b->to_dial, s);
		rpc_furl_free(g_steal_pointer(&s->pending));
	}
	if (s->furl != NULL)
		sodium_memzero(s->furl, strlen(s->furl));
	g_free(s->furl);
	s->furl = g_strdup(a->furl);
	g_free(s->address);
	/* Parsed once here; the reconnector keeps the parsed copy. */
	s->address = rpc_furl_parse(s->furl, &f, &err) ?
	    rpc_furl_location(f) : g_strdup("");
	if (f != NULL)
		memcpy(s->tubid, rpc_furl_tubid_raw(f), sizeof(s->tubid));
	if (s->self) {
		s->since_us = s->last_seen_us = g_get_real_time();
		return;
	}
	if (f == NULL) {
		g_free(s->last_error);
		s->last_error = g_strdup(err->message);
		return;
	}
	dial_paced(b, s, g_steal_pointer(&f));
}

static const char *
server_state(const struct server *s)
{
	if (s->self)
		return "connected";
	if (s->ref != NULL && s->version_call == NULL && s->last_error == NULL)
		return "connected";
	if (s->pending != NULL)
		return "waiting to dial";
	if (s->rc == NULL)
		return "failed";
	if (s->ref != NULL)
		return "connecting";
	return rpc_reconnector_state_name(rpc_reconnector_state(s->rc)) ;
}

guint
grid_broker_usable(grid_broker *b, gboolean for_upload, GArray *out)
{
	GHashTableIter it;
	gpointer v;
	size_t nk = b->gm_keys->len / RPC_PK_LEN;
	gint64 now = g_get_real_time();
	guint n = 0;

	g_hash_table_iter_init(&it, b->servers);
	while (g_hash_table_iter_next(&it, NULL, &v)) {
		struct server *s = v;
		grid_upload_server u;

		if (s->self || strcmp(server_state(s), "connected") != 0)
			continue;
		/* Judged at every upload: a certificate that has expired
		 * stops uploads from that moment. */
		if (for_upload && nk > 0 && !grid_upload_permitted(
		    (const uint8_t *)b->gm_keys->data, nk, s->key,
		    (grid_cert *const *)s->certs->pdata, s->certs->len, now))
			continue;
		memset(&u, 0, sizeof(u));
		u.ref = s->ref;
		u.name = s->nickname;
		u.tubid = s->tubid;
		u.perm_seed = g_bytes_get_data(s->perm_seed, &u.perm_seed_len);
		u.max_share = s->max_share;
		g_array_append_val(out, u);
		n++;
	}
	return n;
}

guint
grid_broker_n_servers(const grid_broker *b)
{
	return g_hash_table_size(b->servers);
}

guint
grid_broker_n_connected(const grid_broker *b)
{
	GHashTableIter it;
	gpointer v;
	guint n = 0;

	g_hash_table_iter_init(&it, b->servers);
	while (g_hash_table_iter_next(&it, NULL, &v))
		if (strcmp(server_state(v), "connected") == 0)
			n++;
	return n;
}

static void
set_time(json_t *o, const char *name, gint64 us)
{
	if (us != 0)
		json_object_set_new(o, name,
		    json_real((double)us / G_USEC_PER_SEC));
	else
		json_object_set_new(o, name, json_null());
}

static int
cmp_servers(gconstpointer pa, gconstpointer pb)
{
	const struct server *a = *(struct server *const *)pa;
	const struct server *b = *(struct server *const *)pb;
	int r = strcmp(a->nickname, b->nickname);

	return r != 0 ? r : strcmp(a->key_text, b->key_text);
}

/* "grid_manager": null without trusted managers; else "certified: valid
 * until DATE, valid for N days, by grid manager NAME" for the valid
 * certificate that lasts longest, or "not certified: REASON" with the
 * reason of the last certificate judged ("no certificate" without one);
 * "certified_by" and "certificate_expires" hold the manager's name and
 * the expiry of that certificate (null when not certified). */
static void
set_gm_verdict(json_t *o, const struct server *s, const grid_broker *b)
{
	const uint8_t *keys = (const uint8_t *)b->gm_keys->data;
	size_t nk = b->gm_keys->len / RPC_PK_LEN;
	g_autofree char *best = NULL, *last = NULL;
	const grid_cert *bc = NULL;
	gint64 now = g_get_real_time();
	guint i;

	if (nk == 0) {
		json_object_set_new(o, "grid_manager", json_null());
		return;
	}
	for (i = 0; i < s->certs->len; i++) {
		const grid_cert *c = g_ptr_array_index(s->certs, i);
		char *why = NULL;

		if (grid_cert_check(c, keys, nk, s->key, now, &why) ==
		    GRID_CERT_VALID && (bc == NULL ||
		    c->expires_us > bc->expires_us)) {
			g_free(best);
			best = why;
			bc = c;
		} else {
			g_free(last);
			last = why;
		}
	}
	if (bc != NULL) {
		int k = grid_cert_signer(bc, keys, nk);
		const char *name = k >= 0 && (guint)k < b->gm_names->len ?
		    g_ptr_array_index(b->gm_names, k) : "?";
		g_autofree char *left = grid_duration_human(bc->expires_us -
		    now);
		g_autofree char *t = g_strdup_printf("certified: %s, valid "
		    "for %s, by grid manager %s", best, left, name);

		node_status_set_str(o, "grid_manager", t);
		node_status_set_str(o, "certified_by", name);
		set_time(o, "certificate_expires", bc->expires_us);
	} else {
		g_autofree char *t = g_strdup_printf("not certified: %s",
		    last != NULL ? last : "no certificate");

		node_status_set_str(o, "grid_manager", t);
		json_object_set_new(o, "certified_by", json_null());
		json_object_set_new(o, "certificate_expires", json_null());
	}
}

void
grid_broker_status(grid_broker *b, json_t *servers)
{
	g_autoptr(GPtrArray) list = g_ptr_array_new();
	GHashTableIter it;
	gpointer v;
	guint i;

	g_hash_table_iter_init(&it, b->servers);
	while (g_hash_table_iter_next(&it, NULL, &v))
		g_ptr_array_add(list, v);
	g_ptr_array_sort(list, cmp_servers);
	for (i = 0; i < list->len; i++) {
		struct server *s = g_ptr_array_index(list, i);
		json_t *o = json_object();
		const char *state = server_state(s);
		node_status_set_str(o, "nickname", s->nickname);
		node_status_set_str(o, "node_id", s->key_text);
		node_status_set_str(o, "address", s->address);
		node_status_set_str(o, "state", state);
		set_time(o, "since", s->since_us);
		/* A connected server is seen now; a lost one was last seen
		 * when its connection went. */
		set_time(o, "last_seen", strcmp(state, "connected") == 0 ?
		    g_get_real_time() : s->last_seen_us);
		if (s->last_error != NULL)
			node_status_set_str(o, "last_error",
			    s->last_error);
		else if (s->rc != NULL &&
		    strcmp(state, "connected") != 0 &&
		    rpc_reconnector_last_error(s->rc) != NULL)
			node_status_set_str(o, "last_error",
			    rpc_reconnector_last_error(s->rc));
		else
			json_object_set_new(o, "last_error", json_null());
		json_object_set_new(o, "this_node", json_boolean(s->self));
		set_gm_verdict(o, s, b);
		json_array_append_new(servers, o);
	}
}

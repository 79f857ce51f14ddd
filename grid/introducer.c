/* grid/introducer.c -- the introducer service.
 *
 * State is two tables: announcements by (service, node key), also kept in
 * the order they arrived (a serial number each), and the subscribers as
 * remote references, each forgotten when its connection goes.  Nothing is
 * persisted: after a restart every node republishes through its
 * reconnector, as with Tahoe-LAFS's introducer.
 *
 * A subscriber is sent the announcements past its cursor, one batch at a
 * time: the next batch goes when it has answered the last, so a
 * subscriber that does not read holds one batch, not the whole table.
 * An announcement whose publisher has had no connection for
 * 'expiry' seconds is forgotten (checked every expiry/4 seconds, at most
 * every minute), so fresh identities that come and go cannot hold the
 * table. */
#include "config.h"

#include <string.h>

#include <sodium.h>

#include "grid/introducer.h"
#include "grid/owner.h"
#include "node/status.h"
#include "rpc/common.h"
#include "rpc/conn.h"
#include "rpc/err.h"
#include "rpc/base32.h"
#include "rpc/file.h"
#include "rpc/furl.h"

struct grid_intro {
	rpc_tub		*tub;		/* borrowed */
	rpc_obj		*obj;
	char		*name;		/* registered swissnum */
	GHashTable	*anns;		/* "service key" -> struct entry */
	GTree		*order;		/* &serial -> struct entry */
	guint64		 next_serial;
	GPtrArray	*subs;		/* struct sub */
	guint		 n_published, n_dropped, n_expired;
	guint		 max_subs;
	gsize		 bytes;		/* of the kept announcements */
	double		 expiry;	/* seconds; 0: never */
	ev_timer	 sweep;
};

/* A kept announcement. */
struct entry {
	grid_ann	*a;
	guint64		 serial;	/* order of arrival */
	char		*tubid;		/* the publisher's (its key's) */
	ev_tstamp	 gone_since;	/* 0: its publisher is connected */
};

struct sub {
	grid_intro	*in;
	rpc_ref		*ref;		/* NULL once gone */
	char		*service;
	char		*peer;		/* tubid */
	guint		 obs;
	int		 refs;		/* the table's, and a batch's */
	guint64		 cursor;	/* serials up to here were sent */
	gboolean	 in_flight;	/* a batch is unanswered */
};

static void
entry_free(void *p)
{
	struct entry *e = p;

	grid_ann_free(e->a);
	g_free(e->tubid);
	g_free(e);
}

static gint
cmp_serial(gconstpointer a, gconstpointer b, gpointer unused)
{
	guint64 x = *(const guint64 *)a, y = *(const guint64 *)b;

	RPC_UNUSED(unused);
	return x < y ? -1 : x > y;
}

static void
sub_unref(struct sub *s)
{
	if (--s->refs > 0)
		return;
	g_free(s->service);
	g_free(s->peer);
	g_free(s);
}

/* Out of the table (the table's free function). */
static void
sub_free(void *p)
{
	struct sub *s = p;

	if (s->ref != NULL) {
		rpc_ref_dont_notify(s->ref, s->obs);
		rpc_ref_unref(g_steal_pointer(&s->ref));
	}
	sub_unref(s);
}

static void pump(struct sub *s);

static void
announce_done(const msgpack_object *result, const rpc_refctx *refs,
    const GError *err, void *arg)
{
	struct sub *s = arg;

	RPC_UNUSED(refs);
	RPC_UNUSED(result);
	s->in_flight = FALSE;
	if (err != NULL && !g_error_matches(err, RPC_ERROR, RPC_E_CLOSED))
		g_info("a subscriber refused announcements: %s",
		    err->message);
	if (s->ref != NULL)
		pump(s);
	sub_unref(s);
}

/* Send the subscriber its next batch, unless one is unanswered: the
 * announcements for its service past its cursor, at most
 * GRID_INTRO_BATCH of them and GRID_INTRO_BATCH_BYTES bytes, so a batch
 * always fits in a frame whatever the announcements weigh. */
static void
pump(struct sub *s)
{
	GTreeNode *node;
	guint64 last = s->cursor;
	gsize bytes = 0;
	g_autoptr(GPtrArray) batch = g_ptr_array_new();
	rpc_pack *p;
	guint j;

	if (s->ref == NULL || s->in_flight)
		return;
	for (node = g_tree_upper_bound(s->in->order, &s->cursor);
	    node != NULL && batch->len < GRID_INTRO_BATCH;
	    node = g_tree_node_next(node)) {
		struct entry *e = g_tree_node_value(node);
		gsize len = g_bytes_get_size(e->a->msg) + 256;

		if (strcmp(e->a->service, s->service) == 0) {
			if (batch->len > 0 &&
			    bytes + len > GRID_INTRO_BATCH_BYTES)
				break;
			bytes += len;
			g_ptr_array_add(batch, e->a);
		}
		last = e->serial;
	}
	s->cursor = last;
	if (batch->len == 0)
		return;
	p = rpc_pack_new();
	rpc_pack_array(p, 1);
	rpc_pack_array(p, batch->len);
	for (j = 0; j < batch->len; j++)
		grid_ann_pack(g_ptr_array_index(batch, j), p);
	s->in_flight = TRUE;
	s->refs++;
	rpc_ref_call(s->ref, "announce", p, announce_done, s);
}

static void
sub_gone(void *arg)
{
	struct sub *s = arg;

	g_info("a subscriber to '%s' disconnected", s->service);
	rpc_ref_unref(g_steal_pointer(&s->ref));
	g_ptr_array_remove(s->in->subs, s);
}

/* Forget the announcements of publishers gone for 'expiry' seconds. */
static void
sweep_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	grid_intro *in = RPC_CONTAINER_OF(w, grid_intro, sweep);
	ev_tstamp now = ev_now(loop);
	GHashTableIter it;
	gpointer v;
	guint n = 0;

	RPC_UNUSED(revents);
	g_hash_table_iter_init(&it, in->anns);
	while (g_hash_table_iter_next(&it, NULL, &v)) {
		struct entry *e = v;

		if (rpc_tub_is_connected(in->tub, e->tubid)) {
			e->gone_since = 0;
			continue;
		}
		if (e->gone_since == 0) {
			e->gone_since = now;
			continue;
		}
		if (now - e->gone_since < in->expiry)
			continue;
		in->bytes -= g_bytes_get_size(e->a->msg);
		g_tree_remove(in->order, &e->serial);
		g_hash_table_iter_remove(&it);
		n++;
	}
	if (n > 0) {
		in->n_expired += n;
		g_info("forgot %u announcement(s) of nodes gone for %.0f s",
		    n, in->expiry);
	}
}

/* Was 'a' signed by the key of the tub 'peer' (tubid text)?  One key per
 * node makes the publisher's tub and its announcements the same node, so
 * one connection cannot publish for a crowd of made-up keys. */
static gboolean
is_peers_key(const grid_ann *a, const char *peer)
{
	uint8_t raw[32];
	g_autofree char *tubid = NULL;

	rpc_tubid_from_pk(a->key, raw);
	tubid = rpc_base32_encode(raw, sizeof(raw));
	return strcmp(tubid, peer) == 0;
}

static void
intro_publish(rpc_incall *call, rpc_mp *args, void *data)
{
	grid_intro *in = grid_owner_get(data, call);
	const uint8_t *msg, *sig;
	const char *key;
	size_t msg_len, sig_len, key_len;
	g_autoptr(GError) err = NULL;
	g_autofree char *k = NULL;
	grid_ann *a, *old;
	struct entry *e, *oe;
	guint i;

	if (in == NULL)
		return;
	if (rpc_mp_bin(args, GRID_ANN_MAX, &msg, &msg_len) != 0 ||
	    rpc_mp_bin(args, RPC_SIG_LEN, &sig, &sig_len) != 0 ||
	    rpc_mp_str(args, 128, &key, &key_len) != 0) {
		rpc_incall_fail(call, "violation", "bad arguments");
		return;
	}
	a = grid_ann_verify(msg, msg_len, sig, sig_len, key, key_len, &err);
	if (a == NULL) {
		/* Warn about the first few; a hostile peer must not be
		 * able to fill the operator's terminal or disk. */
		if (++in->n_dropped <= 10 || in->n_dropped % 1000 == 0)
			g_warning("dropped an announcement from tub %.8s... "
			    "(%u so far): %s", rpc_incall_peer(call),
			    in->n_dropped, err->message);
		rpc_incall_fail(call, "grid.BadAnnouncement", "%s",
		    err->message);
		return;
	}
	if (!grid_intro_known_service(a->service, strlen(a->service))) {
		in->n_dropped++;
		grid_ann_free(a);
		rpc_incall_fail(call, "grid.UnknownService", "this introducer "
		    "relays only 'storage' announcements");
		return;
	}
	if (!is_peers_key(a, rpc_incall_peer(call))) {
		in->n_dropped++;
		g_info("refused an announcement for another node's key from "
		    "tub %.8s...", rpc_incall_peer(call));
		grid_ann_free(a);
		rpc_incall_fail(call, "grid.BadAnnouncement", "a node may "
		    "announce only its own key (the key of its tub)");
		return;
	}
	k = g_strdup_printf("%s %s", a->service, a->key_text);
	oe = g_hash_table_lookup(in->anns, k);
	old = oe != NULL ? oe->a : NULL;
	if (old != NULL && old->seqnum >= a->seqnum) {
		g_info("ignored announcement seqnum %" G_GUINT64_FORMAT
		    " from %s: have %" G_GUINT64_FORMAT, a->seqnum,
		    a->nickname, old->seqnum);
		grid_ann_free(a);
		rpc_incall_return(call, NULL);
		return;
	}
	if ((old == NULL && g_hash_table_size(in->anns) >=
	    GRID_INTRO_MAX_ANNS) || in->bytes + g_bytes_get_size(a->msg) -
	    (old != NULL ? g_bytes_get_size(old->msg) : 0) >
	    GRID_INTRO_MAX_BYTES) {
		grid_ann_free(a);
		rpc_incall_fail(call, "grid.Overloaded",
		    "too many announcements");
		return;
	}
	in->bytes += g_bytes_get_size(a->msg);
	if (old != NULL) {
		in->bytes -= g_bytes_get_size(old->msg);
		g_tree_remove(in->order, &oe->serial);
	}
	in->n_published++;
	g_message("announcement from %s (%.16s...) for '%s', seqnum %"
	    G_GUINT64_FORMAT, a->nickname, a->key_text + 7, a->service,
	    a->seqnum);
	e = g_new0(struct entry, 1);
	e->a = a;
	e->serial = ++in->next_serial;
	e->tubid = g_strdup(rpc_incall_peer(call));
	g_hash_table_replace(in->anns, g_steal_pointer(&k), e);
	g_tree_insert(in->order, &e->serial, e);
	for (i = 0; i < in->subs->len; i++) {
		struct sub *s = g_ptr_array_index(in->subs, i);

		if (strcmp(s->service, a->service) == 0)
			pump(s);
	}
	rpc_incall_return(call, NULL);
}

static void
intro_subscribe(rpc_incall *call, rpc_mp *args, void *data)
{
	grid_intro *in = grid_owner_get(data, call);
	rpc_ref *ref = NULL;
	char *service = NULL;
	struct sub *s;
	guint i;

	if (in == NULL)
		return;
	if (rpc_arg_ref(args, &ref, NULL) != 0 ||
	    rpc_mp_strdup(args, GRID_ANN_SERVICE_MAX, &service) != 0) {
		rpc_incall_fail(call, "violation", "bad arguments");
		return;
	}
	/* Only known services: one connection must not fill the table
	 * with subscriptions to made-up names. */
	if (!grid_intro_known_service(service, strlen(service))) {
		g_free(service);
		rpc_incall_fail(call, "grid.UnknownService", "this introducer "
		    "relays only 'storage' announcements");
		return;
	}
	/* A peer subscribing again (after a reconnection, or a second time
	 * on one connection) replaces its earlier subscription. */
	for (i = 0; i < in->subs->len; i++) {
		struct sub *old = g_ptr_array_index(in->subs, i);

		if (strcmp(old->peer, rpc_incall_peer(call)) == 0 &&
		    strcmp(old->service, service) == 0) {
			g_ptr_array_remove_index(in->subs, i);
			break;
		}
	}
	if (in->subs->len >= in->max_subs) {
		g_free(service);
		rpc_incall_fail(call, "grid.Overloaded", "too many subscribers");
		return;
	}
	s = g_new0(struct sub, 1);
	s->in = in;
	s->refs = 1;
	s->ref = rpc_ref_ref(ref);
	s->service = service;
	s->peer = g_strdup(rpc_incall_peer(call));
	s->obs = rpc_ref_notify_on_disconnect(s->ref, sub_gone, s);
	g_ptr_array_add(in->subs, s);
	g_info("tub %.8s... subscribed to '%s'", rpc_incall_peer(call),
	    service);
	pump(s);
	rpc_incall_return(call, NULL);
}

static const rpc_schema publish_args[] = {
	RPC_S_BIN(GRID_ANN_MAX), RPC_S_BIN(RPC_SIG_LEN), RPC_S_STR(128),
};
static const rpc_schema subscribe_args[] = {
	RPC_S_REF, RPC_S_STR(GRID_ANN_SERVICE_MAX),
};
static const rpc_schema nil_result = RPC_S_NIL;

static const rpc_method intro_methods[] = {
	{ "publish", intro_publish, publish_args, 3, &nil_result },
	{ "subscribe", intro_subscribe, subscribe_args, 2, &nil_result },
};

static const rpc_iface intro_iface = {
	"grid.introducer", intro_methods, G_N_ELEMENTS(intro_methods),
};

grid_intro *
grid_intro_new(rpc_tub *tub, const char *furl_file, GError **error)
{
	grid_intro *in = g_new0(grid_intro, 1);
	g_autofree char *furl = NULL;

	in->tub = tub;
	in->anns = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
	    entry_free);
	in->order = g_tree_new_full(cmp_serial, NULL, NULL, NULL);
	ev_init(&in->sweep, sweep_cb);
	grid_intro_set_expiry(in, GRID_INTRO_EXPIRY);
	in->subs = g_ptr_array_new_with_free_func(sub_free);
	in->max_subs = GRID_INTRO_MAX_SUBS;
	in->obj = grid_owned_obj_new(&intro_iface, in);
	furl = rpc_tub_register(tub, in->obj, NULL, furl_file, error);
	if (furl == NULL) {
		grid_intro_free(in);
		return NULL;
	}
	{
		rpc_furl *f = NULL;

		if (rpc_furl_parse(furl, &f, NULL))
			in->name = g_strdup(rpc_furl_swissnum(f));
		rpc_furl_free(f);
	}
	sodium_memzero(furl, strlen(furl));
	return in;
}

gboolean
grid_intro_write_furl(const char *furl_file, const rpc_ident *id,
    const char *location, GError **error)
{
	uint8_t rnd[GRID_INTRO_SWISS_BYTES];
	g_autofree char *swiss = NULL, *furl = NULL, *line = NULL;
	gboolean ok;

	randombytes_buf(rnd, sizeof(rnd));
	swiss = rpc_base32_encode(rnd, sizeof(rnd));
	sodium_memzero(rnd, sizeof(rnd));
	furl = rpc_furl_build(rpc_ident_tubid(id), location, swiss, error);
	sodium_memzero(swiss, strlen(swiss));
	if (furl == NULL)
		return FALSE;
	line = g_strconcat(furl, "\n", NULL);
	sodium_memzero(furl, strlen(furl));
	ok = rpc_file_write_atomic(furl_file, line, strlen(line), 0600, error);
	sodium_memzero(line, strlen(line));
	return ok;
}

gboolean
grid_intro_known_service(const char *service, size_t len)
{
	static const char *const known[] = { "storage" };
	guint i;

	for (i = 0; i < G_N_ELEMENTS(known); i++)
		if (len == strlen(known[i]) && memcmp(service, known[i], len) ==
		    0)
			return TRUE;
	return FALSE;
}

void
grid_intro_set_max_subs(grid_intro *in, guint max)
{
	in->max_subs = MIN(max, GRID_INTRO_MAX_SUBS);
}

void
grid_intro_set_expiry(grid_intro *in, double seconds)
{
	struct ev_loop *loop = rpc_tub_loop(in->tub);

	in->expiry = seconds;
	ev_timer_stop(loop, &in->sweep);
	if (seconds <= 0)
		return;
	ev_timer_set(&in->sweep, 0.0, CLAMP(seconds / 4, 0.1, 60.0));
	ev_timer_again(loop, &in->sweep);
}

void
grid_intro_free(grid_intro *in)
{
	if (in == NULL)
		return;
	ev_timer_stop(rpc_tub_loop(in->tub), &in->sweep);
	if (in->name != NULL) {
		rpc_tub_unregister(in->tub, in->name);
		sodium_memzero(in->name, strlen(in->name));
		g_free(in->name);
	}
	g_ptr_array_unref(in->subs);
	g_tree_destroy(in->order);
	g_hash_table_unref(in->anns);
	grid_owned_obj_release(in->obj);
	g_free(in);
}

void
grid_intro_status(grid_intro *in, json_t *status)
{
	json_t *list = json_array();
	GHashTableIter it;
	gpointer v;

	guint n = 0;

	g_hash_table_iter_init(&it, in->anns);
	while (g_hash_table_iter_next(&it, NULL, &v) &&
	    n++ < GRID_INTRO_STATUS_MAX) {
		grid_ann *a = ((struct entry *)v)->a;
		json_t *o = json_object();

		node_status_set_str(o, "nickname", a->nickname);
		node_status_set_str(o, "node_id", a->key_text);
		node_status_set_str(o, "service", a->service);
		json_object_set_new(o, "seqnum",
		    json_integer((json_int_t)a->seqnum));
		json_array_append_new(list, o);
	}
	json_object_set_new(status, "announcements_kept",
	    json_integer(g_hash_table_size(in->anns)));
	json_object_set_new(status, "subscribers",
	    json_integer(in->subs->len));
	json_object_set_new(status, "announcements_dropped",
	    json_integer((json_int_t)in->n_dropped));
	json_object_set_new(status, "announcements_expired",
	    json_integer((json_int_t)in->n_expired));
	json_object_set_new(status, "announcements", list);
}

/* rpc/sess.c -- the RPC state of one connection: exports, imports and
 * the remote references themselves, gifts, batched releases, the table of
 * calls waiting for answers, and the back-pressure that pauses reading.
 *
 * A session lives exactly as long as its connection (it is the
 * connection's upper data), so everything that keeps a session keeps a
 * reference to the connection.  Decoding messages and dispatching them is
 * for values.c and call.c; names and dialling for the tub, reached through
 * the owner hooks. */
#include "config.h"

#include <string.h>

#include <sodium.h>

#include "rpc/common.h"
#include "rpc/err.h"
#include "rpc/msg.h"
#include "rpc/sess-internal.h"

struct rpci_sess {
	rpc_conn		*conn;		/* owns this session */
	const rpci_sess_owner	*ops;		/* NULL once detached */
	void			*owner;
	rpc_prescan_limits	 scan;
	GHashTable		*pending;	/* qid -> call (call.c's) */
	uint64_t		 next_qid;
	GHashTable		*exports;	/* id -> struct export* */
	GHashTable		*export_ids;	/* rpc_obj* -> id */
	uint32_t		 next_export;
	GHashTable		*imports;	/* id -> rpc_ref* (weak) */
	GArray			*decrefs;	/* pending (id, count) pairs */
	uint32_t		 n_inflight;	/* incalls not yet finished */
	GHashTable		*gifts;		/* gift id -> rpc_ref* (owned) */
	uint32_t		 next_gift;
	GQueue			 held;		/* values.c's held messages */
	size_t			 held_bytes;	/* their plaintext */
	uint32_t		 n_redeeming;	/* gifts being redeemed */
	GHashTable		*observers;	/* id -> struct observer* */
};

struct rpc_ref {
	int		 refcnt;
	rpc_conn	*conn;		/* owned reference */
	uint32_t	 id;
	uint64_t	 received;	/* times the peer sent this id */
	rpc_furl	*furl;		/* the object's FURL, if known (secret) */
	char		 tubid[RPC_TUBID_LEN + 1];
};

struct export {
	rpc_obj		*obj;		/* owned reference */
	uint32_t	 id;
	uint64_t	 count;		/* times sent, less DECREFs */
};

struct observer {
	guint			 id;
	rpc_disconnect_fn	*fn;
	void			*arg;
	rpc_conn		*conn;	/* owned while a notice is queued */
};

static void
export_free(void *p)
{
	struct export *ex = p;

	rpc_obj_unref(ex->obj);
	g_free(ex);
}

static void
sess_free(void *p)
{
	rpci_sess *s = p;

	g_hash_table_destroy(s->pending);
	g_hash_table_destroy(s->exports);
	g_hash_table_destroy(s->export_ids);
	g_hash_table_destroy(s->imports);
	g_array_free(s->decrefs, TRUE);
	g_hash_table_destroy(s->gifts);
	g_hash_table_destroy(s->observers);
	g_assert(g_queue_is_empty(&s->held));
	g_free(s);
}

rpci_sess *
rpci_sess_new(rpc_conn *c, const rpci_sess_owner *ops, void *owner)
{
	rpci_sess *s = g_new0(rpci_sess, 1);
	const rpc_limits *lim = rpci_conn_limits(c);

	s->conn = c;
	s->ops = ops;
	s->owner = owner;
	s->scan.max_depth = lim->max_depth;
	s->scan.max_elems = lim->max_elems;
	s->scan.max_ext = RPC_PRESCAN_EXT;
	s->scan.ext_ok = 1u << RPC_EXT_MYREF | 1u << RPC_EXT_YOURREF |
	    1u << RPC_EXT_THEIRREF;
	s->next_qid = 1;
	s->next_export = 1;
	s->pending = g_hash_table_new(g_int64_hash, g_int64_equal);
	s->exports = g_hash_table_new_full(g_int_hash, g_int_equal, NULL,
	    export_free);
	s->export_ids = g_hash_table_new(g_direct_hash, g_direct_equal);
	s->imports = g_hash_table_new(g_int_hash, g_int_equal);
	s->decrefs = g_array_new(FALSE, FALSE, sizeof(uint64_t) * 2);
	s->gifts = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL,
	    (GDestroyNotify)rpc_ref_unref);
	s->next_gift = 1;
	g_queue_init(&s->held);
	s->observers = g_hash_table_new_full(g_direct_hash, g_direct_equal,
	    NULL, g_free);
	rpci_conn_set_upper(c, s, sess_free);
	return s;
}

rpci_sess *
rpci_sess_of(const rpc_conn *c)
{
	return rpci_conn_upper(c);
}

rpc_conn *
rpci_sess_conn(const rpci_sess *s)
{
	return s->conn;
}

void
rpci_sess_detach(rpci_sess *s)
{
	s->ops = NULL;
	s->owner = NULL;
}

const rpc_prescan_limits *
rpci_sess_scan(const rpci_sess *s)
{
	return &s->scan;
}

/* ---- the owner's hooks ---- */

const char *
rpci_sess_own_tubid(rpci_sess *s)
{
	return s->ops != NULL ? s->ops->tubid(s->owner) : NULL;
}

rpc_obj *
rpci_sess_find_object(rpci_sess *s, const char *swissnum, size_t len)
{
	return s->ops != NULL ? s->ops->find_object(s->owner, swissnum, len) :
	    NULL;
}

char *
rpci_sess_furl_for_obj(rpci_sess *s, rpc_obj *obj)
{
	return s->ops != NULL ? s->ops->furl_for_obj(s->owner, obj) : NULL;
}

struct redeem {
	rpci_sess	*s;
	rpci_ref_fn	*fn;
	void		*arg;
};

static void
redeem_cb(rpc_ref *ref, const GError *err, void *arg)
{
	struct redeem *r = arg;

	/* The waiting message holds the connection, so 's' is alive. */
	r->s->n_redeeming--;
	r->fn(ref, err, r->arg);
	g_free(r);
}

int
rpci_sess_get_ref(rpci_sess *s, rpc_furl *furl, rpci_ref_fn *fn, void *arg)
{
	struct redeem *r;
	int rc;

	if (s->ops == NULL)
		return RPC_E_CLOSED;
	if (s->n_redeeming >= rpci_conn_limits(s->conn)->max_gift_dials)
		return RPC_E_TOOBIG;
	r = g_new0(struct redeem, 1);
	r->s = s;
	r->fn = fn;
	r->arg = arg;
	if ((rc = s->ops->get_ref(s->owner, furl, redeem_cb, r)) != 0) {
		g_free(r);
		return rc;
	}
	s->n_redeeming++;
	return 0;
}

/* ---- exports and imports ---- */

uint32_t
rpci_sess_export(rpci_sess *s, rpc_obj *obj)
{
	gpointer idp = g_hash_table_lookup(s->export_ids, obj);
	struct export *ex;

	if (idp != NULL) {
		uint32_t id = GPOINTER_TO_UINT(idp);

		ex = g_hash_table_lookup(s->exports, &id);
		ex->count++;
		return id;
	}
	if (g_hash_table_size(s->exports) >=
	    rpci_conn_limits(s->conn)->max_exports)
		return 0;
	ex = g_new0(struct export, 1);
	do {
		ex->id = s->next_export++;
	} while (ex->id == 0 || g_hash_table_contains(s->exports, &ex->id));
	ex->obj = rpc_obj_ref(obj);
	ex->count = 1;
	g_hash_table_insert(s->exports, &ex->id, ex);
	g_hash_table_insert(s->export_ids, obj, GUINT_TO_POINTER(ex->id));
	return ex->id;
}

rpc_obj *
rpci_sess_exported(rpci_sess *s, uint32_t id)
{
	struct export *ex = g_hash_table_lookup(s->exports, &id);

	return ex != NULL ? ex->obj : NULL;
}

const char *
rpci_sess_release(rpci_sess *s, uint32_t id, uint64_t count)
{
	struct export *ex = g_hash_table_lookup(s->exports, &id);

	if (ex == NULL)
		return "DECREF of an id not exported";
	if (count == 0)
		return "DECREF with a count of 0";
	if (count > ex->count)
		return "DECREF of more receipts than were sent";
	ex->count -= count;
	if (ex->count == 0) {
		g_hash_table_remove(s->export_ids, ex->obj);
		g_hash_table_remove(s->exports, &id);
	}
	return NULL;
}

rpc_ref *
rpci_sess_import(rpci_sess *s, uint32_t id, rpc_furl *furl)
{
	rpc_ref *ref = g_hash_table_lookup(s->imports, &id);

	if (ref != NULL) {
		ref->received++;
		rpc_ref_ref(ref);
	} else {
		if (g_hash_table_size(s->imports) >=
		    rpci_conn_limits(s->conn)->max_imports) {
			rpc_furl_free(furl);
			return NULL;
		}
		ref = g_new0(rpc_ref, 1);
		ref->refcnt = 1;
		ref->conn = rpci_conn_ref(s->conn);
		ref->id = id;
		ref->received = 1;
		g_strlcpy(ref->tubid, rpci_conn_peer_tubid(s->conn),
		    sizeof(ref->tubid));
		g_hash_table_insert(s->imports, &ref->id, ref);
	}
	rpci_ref_set_furl(ref, furl);
	return ref;
}

bool
rpci_sess_has_decrefs(const rpci_sess *s)
{
	return s->decrefs->len > 0;
}

void
rpci_sess_send_decrefs(rpci_sess *s)
{
	msgpack_packer *pk = rpci_conn_packer(s->conn);
	guint i, n;

	while (s->decrefs->len > 0 &&
	    rpci_conn_state_of(s->conn) == RPCI_CONN_OPEN) {
		n = MIN(s->decrefs->len, RPC_DECREF_MAX);
		msgpack_pack_array(pk, 2);
		msgpack_pack_uint8(pk, RPC_MSG_DECREF);
		msgpack_pack_array(pk, n);
		for (i = 0; i < n; i++) {
			uint64_t *pair = &g_array_index(s->decrefs, uint64_t,
			    i * 2);

			msgpack_pack_array(pk, 2);
			msgpack_pack_uint64(pk, pair[0]);
			msgpack_pack_uint64(pk, pair[1]);
		}
		g_array_remove_range(s->decrefs, 0, n);
		rpci_conn_send_built(s->conn);
	}
}

/* ---- references ---- */

rpc_conn *
rpci_ref_conn(const rpc_ref *ref)
{
	return ref->conn;
}

uint32_t
rpci_ref_id(const rpc_ref *ref)
{
	return ref->id;
}

bool
rpci_ref_is_live(const rpc_ref *ref)
{
	rpci_sess *s = rpci_sess_of(ref->conn);

	return g_hash_table_lookup(s->imports, &ref->id) == ref;
}

const rpc_furl *
rpci_ref_furl(const rpc_ref *ref)
{
	return ref->furl;
}

void
rpci_ref_set_furl(rpc_ref *ref, rpc_furl *furl)
{
	if (ref->furl == NULL)
		ref->furl = furl;
	else
		rpc_furl_free(furl);
}

rpc_ref *
rpc_ref_ref(rpc_ref *ref)
{
	g_return_val_if_fail(ref != NULL && ref->refcnt > 0, NULL);
	ref->refcnt++;
	return ref;
}

void
rpc_ref_unref(rpc_ref *ref)
{
	rpci_sess *s;
	rpc_conn *c;

	if (ref == NULL)
		return;
	g_assert(ref->refcnt > 0);
	if (--ref->refcnt > 0)
		return;
	c = ref->conn;
	s = rpci_sess_of(c);
	if (g_hash_table_lookup(s->imports, &ref->id) == ref) {
		g_hash_table_remove(s->imports, &ref->id);
		if (rpci_conn_state_of(c) == RPCI_CONN_OPEN) {
			uint64_t pair[2] = { ref->id, ref->received };

			g_array_append_vals(s->decrefs, pair, 1);
			rpci_conn_want_flush(c);
		}
	}
	rpci_conn_unref(c);
	rpc_furl_free(ref->furl);
	g_free(ref);
}

gboolean
rpc_ref_is_connected(const rpc_ref *ref)
{
	return rpci_conn_is_open(ref->conn) && rpci_ref_is_live(ref);
}

const char *
rpc_ref_tubid(const rpc_ref *ref)
{
	return ref->tubid;
}

/* ---- gifts ---- */

int
rpci_sess_give(rpci_sess *s, rpc_ref *ref, uint32_t *gid)
{
	uint32_t g;

	*gid = 0;
	if (g_hash_table_size(s->gifts) >=
	    rpci_conn_limits(s->conn)->max_gifts)
		return RPC_E_TOOBIG;
	do {
		g = s->next_gift++;
	} while (g == 0 || g_hash_table_contains(s->gifts,
	    GUINT_TO_POINTER(g)));
	g_hash_table_insert(s->gifts, GUINT_TO_POINTER(g), rpc_ref_ref(ref));
	*gid = g;
	return 0;
}

bool
rpci_sess_gift_released(rpci_sess *s, uint64_t gid, uint64_t count)
{
	rpc_ref *ref = g_hash_table_lookup(s->gifts, GUINT_TO_POINTER(gid));

	if (ref == NULL || count != 1)
		return false;
	g_hash_table_remove(s->gifts, GUINT_TO_POINTER(gid));
	return true;
}

/* ---- disconnect observers ---- */

static void
observer_deferred_cb(void *arg)
{
	struct observer *o = arg;
	rpc_conn *c = o->conn;
	rpci_sess *s = rpci_sess_of(c);

	/* Skip observers removed after the notice was queued. */
	if (g_hash_table_lookup(s->observers, GUINT_TO_POINTER(o->id)) == o) {
		g_hash_table_steal(s->observers, GUINT_TO_POINTER(o->id));
		o->fn(o->arg);
	}
	g_free(o);
	rpci_conn_unref(c);
}

/* Tell 'o' that its connection is gone: later, or now if the tub is
 * shutting down. */
static void
observer_notify(rpc_conn *c, struct observer *o)
{
	rpci_sched *sched = rpci_conn_sched(c);

	o->conn = rpci_conn_ref(c);
	if (sched != NULL && !rpci_sched_stopping(sched))
		rpci_sched_defer(sched, observer_deferred_cb, o);
	else
		observer_deferred_cb(o);
}

guint
rpc_ref_notify_on_disconnect(rpc_ref *ref, rpc_disconnect_fn *fn, void *arg)
{
	static guint next_id;
	struct observer *o;
	rpc_conn *c = ref->conn;
	rpci_sess *s = rpci_sess_of(c);

	g_return_val_if_fail(fn != NULL, 0);
	o = g_new0(struct observer, 1);
	do {
		o->id = ++next_id;
	} while (o->id == 0);
	o->fn = fn;
	o->arg = arg;
	g_hash_table_insert(s->observers, GUINT_TO_POINTER(o->id), o);
	/* Already gone: tell the observer, later, as for a live one. */
	if (rpci_conn_is_closed(c))
		observer_notify(c, o);
	return o->id;
}

void
rpc_ref_dont_notify(rpc_ref *ref, guint id)
{
	rpci_sess *s = rpci_sess_of(ref->conn);
	struct observer *o = g_hash_table_lookup(s->observers,
	    GUINT_TO_POINTER(id));

	if (o == NULL)
		return;
	g_hash_table_steal(s->observers, GUINT_TO_POINTER(id));
	/* A queued notice finds it missing and frees it. */
	if (o->conn == NULL)
		g_free(o);
}

void
rpci_sess_closed(rpci_sess *s)
{
	GHashTableIter it;
	gpointer k, v;

	/* References into this connection stay allocated but dead. */
	g_hash_table_remove_all(s->imports);
	g_array_set_size(s->decrefs, 0);
	g_hash_table_remove_all(s->gifts);
	g_hash_table_iter_init(&it, s->observers);
	while (g_hash_table_iter_next(&it, &k, &v))
		observer_notify(s->conn, v);
	g_hash_table_remove_all(s->export_ids);
	g_hash_table_remove_all(s->exports);
}

/* ---- calls waiting for answers ---- */

uint64_t
rpci_sess_new_qid(rpci_sess *s)
{
	uint64_t q = s->next_qid++;

	if (s->next_qid > UINT32_MAX)
		s->next_qid = 1;
	return q;
}

bool
rpci_sess_qid_issued(const rpci_sess *s, uint64_t qid)
{
	return qid < s->next_qid;
}

void
rpci_sess_pending_add(rpci_sess *s, const uint64_t *qid, void *call)
{
	g_hash_table_insert(s->pending, (gpointer)qid, call);
}

void *
rpci_sess_pending_get(rpci_sess *s, uint64_t qid)
{
	return g_hash_table_lookup(s->pending, &qid);
}

void *
rpci_sess_pending_take(rpci_sess *s, uint64_t qid)
{
	void *call = g_hash_table_lookup(s->pending, &qid);

	if (call != NULL)
		g_hash_table_remove(s->pending, &qid);
	return call;
}

guint
rpci_sess_pending_count(const rpci_sess *s)
{
	return g_hash_table_size(s->pending);
}

GList *
rpci_sess_pending_take_all(rpci_sess *s)
{
	GList *calls = g_hash_table_get_values(s->pending);

	g_hash_table_remove_all(s->pending);
	return calls;
}

/* ---- back-pressure ---- */

GQueue *
rpci_sess_held(rpci_sess *s)
{
	return &s->held;
}

void
rpci_sess_inflight(rpci_sess *s, int delta)
{
	if (delta > 0)
		s->n_inflight++;
	else
		s->n_inflight--;
}

void
rpci_sess_resume_reading(rpci_sess *s)
{
	const rpc_limits *lim = rpci_conn_limits(s->conn);

	if (!rpci_conn_attached(s->conn))
		return;
	rpci_conn_set_reading(s->conn, s->n_inflight < lim->max_inflight &&
	    g_queue_get_length(&s->held) < RPCI_HELD_MAX &&
	    s->held_bytes < lim->max_outbuf / 2);
}

void
rpci_sess_held_account(rpci_sess *s, int sign, size_t len)
{
	if (sign > 0)
		s->held_bytes += len;
	else
		s->held_bytes -= MIN(len, s->held_bytes);
}

size_t
rpci_sess_held_bytes(const rpci_sess *s)
{
	return s->held_bytes;
}

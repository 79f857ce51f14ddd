/* rpc/values.c -- references inside values: writing the references a pack
 * holds as my-ref, your-ref or their-ref (doc/protocol.md §5.1), turning
 * the references in a received value into live objects before a handler or
 * callback sees it, and holding back a message whose gifts (their-refs)
 * are still being redeemed, together with every message behind it.
 *
 * sess.c owns the export and import tables and call.c dispatches the
 * messages (through the rpci_values_sink it hands in); this file only
 * translates between wire references and live ones. */
#include "config.h"

#include <string.h>

#include <sodium.h>

#include "rpc/conn.h"
#include "rpc/err.h"
#include "rpc/msg.h"
#include "rpc/obj.h"
#include "rpc/rbuf.h"
#include "rpc/sess-internal.h"
#include "rpc/values-internal.h"

/* What an ext value holds once the connection has resolved it: the bytes
 * of the ext are replaced by this record (in the frame's zone), an index
 * into the references of the message being delivered.  No pointer ever
 * sits in a value, so a handler that packs a received value as it is
 * (instead of with rpc_value_pack()) sends nothing that reveals memory,
 * and the FURL a reference carried is gone from the zone. */
#define VALREF_MAGIC	0x72656621u

struct valref {
	uint32_t	 magic;
	uint32_t	 index;		/* into the context's 'refs' */
};

/* One resolved reference of a delivery. */
struct refent {
	const msgpack_object	*where;	/* the ext value it replaced */
	void			*p;	/* rpc_ref* ('r') or rpc_obj* ('o') */
	char			 kind;
};

/* The references of one message being delivered, handed to the handler
 * (in its argument cursor) or to the answer callback.  It lives on the
 * stack of rpci_values_deliver() for the duration of the dispatch. */
struct rpc_refctx {
	GArray			*refs;	/* struct refent */
};

/* A message waiting for its gifts. */
struct held {
	int		 refcnt;
	rpc_conn	*conn;		/* owned */
	const rpci_values_sink *sink;	/* where it goes once complete */
	uint8_t		*pt;		/* copy of the plaintext */
	size_t		 len;
	bool		 started;	/* gifts scanned and requested */
	bool		 starting;	/* inside start_gifts() */
	guint		 pending;	/* gifts not yet resolved */
	GPtrArray	*resolved;	/* rpc_ref* / rpc_obj* in order, or
					 * NULL entries for failures */
	GArray		*kinds;		/* 'r' ref, 'o' obj, 0 failed */
	char		*failure;	/* first failure, for the caller */
};

struct gift_wait {
	struct held	*h;
	guint		 index;
};

/* The payload of a reference ext value (doc/protocol.md §5.1): the id
 * (u32, big-endian), then the object's FURL as text: optional in a my-ref,
 * required in a their-ref, absent from a your-ref. */
#define REF_ID_LEN	4

/* ---- sending ---- */

void
rpci_values_pack_ref(msgpack_packer *pk, int8_t type, uint32_t id,
    const char *furl)
{
	size_t flen = furl != NULL ? strlen(furl) : 0;
	uint8_t idb[REF_ID_LEN];

	rpc_poke_u32be(idb, id);
	msgpack_pack_ext(pk, sizeof(idb) + flen, type);
	msgpack_pack_ext_body(pk, idb, sizeof(idb));
	if (flen > 0)
		msgpack_pack_ext_body(pk, furl, flen);
}


bool
rpci_values_render(rpc_conn *c, rpc_pack *p, GError **err)
{
	rpci_sess *s = rpci_sess_of(c);
	const rpc_limits *lim = rpci_conn_limits(c);
	msgpack_packer *pk = rpci_conn_packer(c);
	const uint8_t *data;
	size_t len, pos = 0, i, n = rpc_pack_n_slots(p);

	data = rpc_pack_data(p, &len);
	for (i = 0; i < n; i++) {
		size_t off;
		rpc_obj *obj;
		rpc_ref *ref;

		rpc_pack_slot(p, i, &off, &obj, &ref);
		rpci_conn_build_raw(c, data + pos, off - pos);
		pos = off + RPC_PACK_SLOT;
		if (obj != NULL) {
			g_autofree char *furl = NULL;
			uint32_t id = rpci_sess_export(s, obj);

			if (id == 0)
				return rpc_set_error(err, RPC_E_TOOBIG,
				    "overloaded: too many objects exported "
				    "to %s",
				    rpci_conn_peer_tubid(c));
			furl = rpci_sess_furl_for_obj(s, obj);
			if (furl == NULL)
				return rpc_set_error(err, RPC_E_CLOSED,
				    "the tub is shutting down");
			rpci_values_pack_ref(pk, RPC_EXT_MYREF, id, furl);
			sodium_memzero(furl, strlen(furl));
		} else if (rpci_ref_conn(ref) == c) {
			rpci_values_pack_ref(pk, RPC_EXT_YOURREF,
			    rpci_ref_id(ref), NULL);
		} else {
			g_autofree char *text = NULL;
			uint32_t gid;

			if (rpci_ref_furl(ref) == NULL)
				return rpc_set_error(err, RPC_E_FORMAT,
				    "cannot pass on a reference to %s: its "
				    "exporter gave no FURL for it",
				    rpc_ref_tubid(ref));
			if (!lim->accept_gifts)
				return rpc_set_error(err, RPC_E_FORMAT,
				    "gifts are disabled on this tub");
			if (rpci_sess_give(s, ref, &gid) != 0)
				return rpc_set_error(err, RPC_E_TOOBIG,
				    "overloaded: too many gifts to %s",
				    rpci_conn_peer_tubid(c));
			text = rpc_furl_to_string(rpci_ref_furl(ref));
			rpci_values_pack_ref(pk, RPC_EXT_THEIRREF, gid, text);
			sodium_memzero(text, strlen(text));
		}
	}
	rpci_conn_build_raw(c, data + pos, len - pos);
	return true;
}

/* ---- receiving ---- */

/* Split the payload of the reference ext value 'o' into its id and the
 * FURL text after it (borrowed from the frame; *flen 0 when absent).
 * Return 0, or RPC_E_FORMAT if the payload is shorter than an id. */
static int
ref_payload(const msgpack_object *o, uint32_t *id, const char **furl,
    size_t *flen)
{
	const uint8_t *rest;
	rpc_rbuf b;
	int r;

	*furl = NULL;
	*flen = 0;
	rpc_rbuf_init(&b, (const uint8_t *)o->via.ext.ptr, o->via.ext.size);
	if ((r = rpc_rbuf_get_u32be(&b, id)) != 0 ||
	    (r = rpc_rbuf_get_rest(&b, &rest, flen)) != 0)
		return RPC_E_FORMAT;
	*furl = (const char *)rest;
	return 0;
}

/* Check a FURL sent inside a reference; NULL (and a reason) if bad. */
static rpc_furl *
parse_ref_furl(const char *p, size_t n, GError **err)
{
	char buf[RPC_FURL_MAX + 1];
	rpc_furl *f = NULL;

	if (n > RPC_FURL_MAX) {
		rpc_set_error(err, RPC_E_TOOBIG, "FURL in reference too long");
		return NULL;
	}
	memcpy(buf, p, n);
	buf[n] = '\0';
	rpc_furl_parse(buf, &f, err);
	sodium_memzero(buf, n);
	return f;
}

/* Walk 'o', replacing each reference with a struct valref.  Gifts take
 * their resolved values from 'h' in order.  Every reference taken is
 * appended to 'ctx' (rpc_ref* with kind 'r', rpc_obj* with kind 'o'),
 * with the address of the ext value it stands for. */
static bool
materialize(rpc_conn *c, msgpack_object *o, msgpack_zone *zone,
    struct held *h, guint *gift_i, rpc_refctx *ctx, GError **err)
{
	struct valref *vr;
	struct refent ent;
	uint32_t i;
	char kind;

	switch (o->type) {
	case MSGPACK_OBJECT_ARRAY:
		for (i = 0; i < o->via.array.size; i++)
			if (!materialize(c, &o->via.array.ptr[i], zone, h,
			    gift_i, ctx, err))
				return false;
		return true;
	case MSGPACK_OBJECT_MAP:
		for (i = 0; i < o->via.map.size; i++)
			if (!materialize(c, &o->via.map.ptr[i].key, zone, h,
			    gift_i, ctx, err) ||
			    !materialize(c, &o->via.map.ptr[i].val, zone, h,
			    gift_i, ctx, err))
				return false;
		return true;
	case MSGPACK_OBJECT_EXT:
		break;
	default:
		return true;
	}
	rpc_ref *vref = NULL;
	rpc_obj *vobj = NULL;

	vr = msgpack_zone_malloc(zone, sizeof(*vr));
	if (vr == NULL)
		g_error("out of memory");
	vr->magic = VALREF_MAGIC;
	vr->index = ctx->refs->len;
	if (o->via.ext.type == RPC_EXT_MYREF) {
		g_autoptr(rpc_furl) f = NULL;
		const char *text;
		size_t tlen;
		uint32_t id;

		if (ref_payload(o, &id, &text, &tlen) != 0)
			return rpc_set_error(err, RPC_E_FORMAT,
			    "my-ref shorter than 4 bytes");
		if (tlen > 0) {
			f = parse_ref_furl(text, tlen, err);
			if (f == NULL)
				return false;
			if (strcmp(rpc_furl_tubid(f),
			    rpci_conn_peer_tubid(c)) != 0)
				return rpc_set_error(err, RPC_E_FORMAT,
				    "my-ref names another tub's object");
		}
		vref = rpci_sess_import(rpci_sess_of(c), id,
		    g_steal_pointer(&f));
		if (vref == NULL)
			return rpc_set_error(err, RPC_E_TOOBIG,
			    "too many references imported from %s",
			    rpci_conn_peer_tubid(c));
		kind = 'r';
	} else if (o->via.ext.type == RPC_EXT_YOURREF) {
		const char *text;
		size_t tlen;
		uint32_t id;

		if (ref_payload(o, &id, &text, &tlen) != 0 || tlen != 0)
			return rpc_set_error(err, RPC_E_FORMAT,
			    "your-ref is not 4 bytes");
		vobj = rpci_sess_exported(rpci_sess_of(c), id);
		if (vobj == NULL)
			return rpc_set_error(err, RPC_E_FORMAT,
			    "your-ref to an object not exported");
		rpc_obj_ref(vobj);
		kind = 'o';
	} else if (o->via.ext.type == RPC_EXT_THEIRREF) {
		guint k = (*gift_i)++;
		char gk;

		if (h == NULL || k >= h->resolved->len)
			return rpc_set_error(err, RPC_E_FORMAT,
			    "unexpected gift");
		gk = g_array_index(h->kinds, char, k);
		if (gk == 'r')
			vref = rpc_ref_ref(g_ptr_array_index(h->resolved,
			    k));
		else if (gk == 'o')
			vobj = rpc_obj_ref(g_ptr_array_index(h->resolved,
			    k));
		else
			return rpc_set_error(err, RPC_E_REMOTE,
			    "gift could not be redeemed: %s", h->failure);
		kind = gk;
	} else {
		return rpc_set_error(err, RPC_E_FORMAT, "unknown ext type %d",
		    o->via.ext.type);
	}
	ent.where = o;
	ent.p = kind == 'r' ? (void *)vref : (void *)vobj;
	ent.kind = kind;
	g_array_append_val(ctx->refs, ent);
	o->via.ext.ptr = (const char *)vr;
	o->via.ext.size = sizeof(*vr);
	return true;
}

static void
release_refs(rpc_refctx *ctx)
{
	guint i;

	for (i = 0; i < ctx->refs->len; i++) {
		struct refent *e = &g_array_index(ctx->refs, struct refent, i);

		if (e->kind == 'r')
			rpc_ref_unref(e->p);
		else
			rpc_obj_unref(e->p);
	}
	g_array_free(ctx->refs, TRUE);
}

/* Count the gifts in 'o' and append their (gift id, FURL) ext values. */
static void
find_gifts(const msgpack_object *o, GPtrArray *gifts)
{
	uint32_t i;

	if (o->type == MSGPACK_OBJECT_ARRAY) {
		for (i = 0; i < o->via.array.size; i++)
			find_gifts(&o->via.array.ptr[i], gifts);
	} else if (o->type == MSGPACK_OBJECT_MAP) {
		for (i = 0; i < o->via.map.size; i++) {
			find_gifts(&o->via.map.ptr[i].key, gifts);
			find_gifts(&o->via.map.ptr[i].val, gifts);
		}
	} else if (o->type == MSGPACK_OBJECT_EXT &&
	    o->via.ext.type == RPC_EXT_THEIRREF) {
		g_ptr_array_add(gifts, (void *)o);
	}
}

static struct held *
held_ref(struct held *h)
{
	h->refcnt++;
	return h;
}

static void
held_unref(struct held *h)
{
	guint i;

	if (--h->refcnt > 0)
		return;
	for (i = 0; i < h->resolved->len; i++) {
		char k = g_array_index(h->kinds, char, i);

		if (k == 'r')
			rpc_ref_unref(g_ptr_array_index(h->resolved, i));
		else if (k == 'o')
			rpc_obj_unref(g_ptr_array_index(h->resolved, i));
	}
	g_ptr_array_free(h->resolved, TRUE);
	g_array_free(h->kinds, TRUE);
	sodium_memzero(h->pt, h->len);
	g_free(h->pt);
	g_free(h->failure);
	rpci_conn_unref(h->conn);
	g_free(h);
}

static void drain(rpc_conn *c);

static void
gift_resolved(struct held *h, guint index, rpc_ref *ref, rpc_obj *obj,
    const char *failure)
{
	if (ref != NULL) {
		g_ptr_array_index(h->resolved, index) = rpc_ref_ref(ref);
		g_array_index(h->kinds, char, index) = 'r';
	} else if (obj != NULL) {
		g_ptr_array_index(h->resolved, index) = obj;	/* taken */
		g_array_index(h->kinds, char, index) = 'o';
	} else if (h->failure == NULL) {
		h->failure = g_strdup(failure);
	}
	/* drain() itself delivers what start_gifts() resolves at once. */
	if (--h->pending == 0 && !h->starting &&
	    rpci_conn_state_of(h->conn) == RPCI_CONN_OPEN)
		drain(h->conn);
}

static void
gift_getref_cb(rpc_ref *ref, const GError *err, void *arg)
{
	struct gift_wait *w = arg;
	struct held *h = w->h;

	gift_resolved(h, w->index, ref, NULL, err != NULL ? err->message :
	    NULL);
	rpc_ref_unref(ref);
	g_free(w);
	held_unref(h);
}

/* Redeem every gift of 'h' (parsed as 'm'); return the number pending. */
static guint
start_gifts(rpc_conn *c, struct held *h, const msgpack_object *value)
{
	rpci_sess *s = rpci_sess_of(c);
	msgpack_packer *pk = rpci_conn_packer(c);
	const char *own;
	g_autoptr(GPtrArray) gifts = g_ptr_array_new();
	guint i;

	find_gifts(value, gifts);
	g_ptr_array_set_size(h->resolved, gifts->len);
	g_array_set_size(h->kinds, gifts->len);
	h->pending = gifts->len;
	h->started = true;
	h->starting = true;
	for (i = 0; i < gifts->len; i++) {
		const msgpack_object *o = g_ptr_array_index(gifts, i);
		g_autoptr(GError) err = NULL;
		g_autoptr(rpc_furl) f = NULL;
		const char *ftext;
		size_t flen;
		uint32_t gid;

		g_array_index(h->kinds, char, i) = 0;
		/* A their-ref without a FURL names nothing. */
		if (ref_payload(o, &gid, &ftext, &flen) != 0 || flen == 0 ||
		    (f = parse_ref_furl(ftext, flen, &err)) == NULL) {
			gift_resolved(h, i, NULL, NULL, "malformed gift");
			continue;
		}
		/* Redeemed or not, the giver may now let go. */
		msgpack_pack_array(pk, 3);
		msgpack_pack_uint8(pk, RPC_MSG_DECGIFT);
		msgpack_pack_uint32(pk, gid);
		msgpack_pack_uint8(pk, 1);
		rpci_conn_send_built(c);
		if (!rpci_conn_limits(c)->accept_gifts) {
			gift_resolved(h, i, NULL, NULL,
			    "this tub does not accept gifts");
			continue;
		}
		own = rpci_sess_own_tubid(s);
		if (own != NULL && strcmp(rpc_furl_tubid(f), own) == 0) {
			/* One of our own objects, coming home. */
			const char *sw = rpc_furl_swissnum(f);
			rpc_obj *obj = rpci_sess_find_object(s, sw,
			    strlen(sw));

			gift_resolved(h, i, NULL, obj, obj == NULL ?
			    "the gift names an object this tub no longer has" :
			    NULL);
			continue;
		}
		{
			struct gift_wait *w = g_new0(struct gift_wait, 1);

			w->h = held_ref(h);
			w->index = i;
			int r = rpci_sess_get_ref(s, f, gift_getref_cb, w);

			if (r != 0) {
				held_unref(h);
				g_free(w);
				gift_resolved(h, i, NULL, NULL,
				    r == RPC_E_TOOBIG ? "overloaded: too "
				    "many gifts being redeemed" :
				    "the tub is shutting down");
				continue;
			}
			f = NULL;	/* taken */
		}
	}
	h->starting = false;
	return h->pending;
}

/* Deliver queued messages in order until one must wait for gifts. */
static void
drain(rpc_conn *c)
{
	rpci_sess *s = rpci_sess_of(c);
	struct held *h;

	rpci_conn_ref(c);
	while (rpci_conn_is_open(c) &&
	    (h = g_queue_peek_head(rpci_sess_held(s))) != NULL) {
		msgpack_unpacked up;
		rpc_msg m;
		int r;

		if (h->started && h->pending > 0)
			break;
		msgpack_unpacked_init(&up);
		r = rpc_msg_parse(h->pt, h->len, rpci_sess_scan(s), &up, &m);
		if (r != 0) {
			msgpack_unpacked_destroy(&up);
			rpci_conn_abort(c, "bad message");
			break;
		}
		if (!h->started) {
			const msgpack_object *v = m.type == RPC_MSG_CALL ?
			    &up.data.via.array.ptr[4] : m.type ==
			    RPC_MSG_ANSWER ? m.value : NULL;

			if (v != NULL && start_gifts(c, h, v) > 0) {
				msgpack_unpacked_destroy(&up);
				break;
			}
		}
		g_queue_pop_head(rpci_sess_held(s));
		rpci_sess_held_account(s, -1, h->len);
		rpci_values_deliver(c, &m, &up, h, h->sink);
		msgpack_unpacked_destroy(&up);
		held_unref(h);
	}
	/* Reading pauses while messages wait (sess.c checks the queue). */
	rpci_sess_resume_reading(s);
	rpci_conn_unref(c);
}

void
rpci_values_hold(rpc_conn *c, const uint8_t *pt, size_t len,
    const rpci_values_sink *sink)
{
	GQueue *held = rpci_sess_held(rpci_sess_of(c));
	struct held *h = g_new0(struct held, 1);

	h->refcnt = 1;
	h->conn = rpci_conn_ref(c);
	h->sink = sink;
	h->pt = g_memdup2(pt, len);
	h->len = len;
	h->resolved = g_ptr_array_new();
	h->kinds = g_array_new(FALSE, TRUE, sizeof(char));
	g_queue_push_tail(held, h);
	rpci_sess_held_account(rpci_sess_of(c), +1, len);
	if (g_queue_get_length(held) == 1)
		drain(c);
}

void
rpci_values_drop_held(rpc_conn *c)
{
	struct held *h;

	rpci_sess *s = rpci_sess_of(c);

	while ((h = g_queue_pop_head(rpci_sess_held(s))) != NULL) {
		rpci_sess_held_account(s, -1, h->len);
		held_unref(h);
	}
}

bool
rpci_values_has_gifts(const msgpack_object *v)
{
	uint32_t i;

	switch (v->type) {
	case MSGPACK_OBJECT_ARRAY:
		for (i = 0; i < v->via.array.size; i++)
			if (rpci_values_has_gifts(&v->via.array.ptr[i]))
				return true;
		return false;
	case MSGPACK_OBJECT_MAP:
		for (i = 0; i < v->via.map.size; i++)
			if (rpci_values_has_gifts(&v->via.map.ptr[i].key) ||
			    rpci_values_has_gifts(&v->via.map.ptr[i].val))
				return true;
		return false;
	case MSGPACK_OBJECT_EXT:
		return v->via.ext.type == RPC_EXT_THEIRREF;
	default:
		return false;
	}
}

void
rpci_values_deliver(rpc_conn *c, rpc_msg *m, msgpack_unpacked *up,
    struct held *h, const rpci_values_sink *sink)
{
	rpc_refctx ctx;
	msgpack_object *v = NULL;
	GError *err = NULL;
	guint gift_i = 0;

	ctx.refs = g_array_new(FALSE, FALSE, sizeof(struct refent));
	if (m->type == RPC_MSG_CALL)
		v = &up->data.via.array.ptr[4];
	else if (m->type == RPC_MSG_ANSWER)
		v = (msgpack_object *)m->value;
	if (v != NULL && !materialize(c, v, up->zone, h, &gift_i, &ctx,
	    &err)) {
		sink->failed(c, m, err);
		g_error_free(err);
	} else {
		sink->dispatch(c, m, &ctx);
	}
	release_refs(&ctx);
}

/* ---- accessors ---- */

gboolean
rpc_value_ref(const rpc_refctx *ctx, const msgpack_object *o, rpc_ref **ref,
    rpc_obj **obj)
{
	const struct valref *vr;
	const struct refent *e;

	*ref = NULL;
	if (obj != NULL)
		*obj = NULL;
	if (ctx == NULL || o == NULL || o->type != MSGPACK_OBJECT_EXT ||
	    o->via.ext.size != sizeof(struct valref))
		return FALSE;
	vr = (const struct valref *)(const void *)o->via.ext.ptr;
	if (vr->magic != VALREF_MAGIC || vr->index >= ctx->refs->len)
		return FALSE;
	e = &g_array_index(ctx->refs, struct refent, vr->index);
	/* A copy of the value, or a value of another message, is not the
	 * ext value this entry replaced. */
	if (e->where != o)
		return FALSE;
	if (e->kind == 'o' && obj == NULL)
		return FALSE;
	if (e->kind == 'r')
		*ref = e->p;
	else
		*obj = e->p;
	return TRUE;
}

gboolean
rpc_value_pack(rpc_pack *p, const rpc_refctx *ctx, const msgpack_object *o)
{
	rpc_ref *ref;
	rpc_obj *obj;
	uint32_t i;

	switch (o->type) {
	case MSGPACK_OBJECT_ARRAY:
		rpc_pack_array(p, o->via.array.size);
		for (i = 0; i < o->via.array.size; i++)
			if (!rpc_value_pack(p, ctx, &o->via.array.ptr[i]))
				return FALSE;
		return TRUE;
	case MSGPACK_OBJECT_MAP:
		rpc_pack_map(p, o->via.map.size);
		for (i = 0; i < o->via.map.size; i++)
			if (!rpc_value_pack(p, ctx, &o->via.map.ptr[i].key) ||
			    !rpc_value_pack(p, ctx, &o->via.map.ptr[i].val))
				return FALSE;
		return TRUE;
	case MSGPACK_OBJECT_EXT:
		if (!rpc_value_ref(ctx, o, &ref, &obj))
			return FALSE;	/* a stale or foreign reference */
		if (ref != NULL)
			rpc_pack_ref(p, ref);
		else
			rpc_pack_obj(p, obj);
		return TRUE;
	default:
		msgpack_pack_object(rpc_pack_mp(p), *o);
		return TRUE;
	}
}

int
rpc_arg_ref(rpc_mp *it, rpc_ref **ref, rpc_obj **obj)
{
	const msgpack_object *o = NULL;

	*ref = NULL;
	if (obj != NULL)
		*obj = NULL;
	if (it->i >= it->n)
		return RPC_E_FORMAT;
	o = &it->items[it->i];
	if (!rpc_value_ref(it->refs, o, ref, obj))
		return RPC_E_FORMAT;
	it->i++;
	return 0;
}

/* grid/intro_client.c -- publishing and subscribing through the
 * introducer.
 *
 * The subscriber object lives as long as the client; each (re)connection
 * passes a reference to it in subscribe().  Announcements are checked
 * here again: the introducer is a relay, not an authority. */
#include "config.h"

#include <string.h>

#include "grid/intro_client.h"
#include "grid/owner.h"
#include "node/status.h"
#include "rpc/common.h"
#include "rpc/conn.h"
#include "rpc/err.h"
#include "rpc/furl.h"
#include "rpc/reconnect.h"

#define SUB_MAX_BATCH	1000	/* matches the introducer's batches */
/* A refused or failed publish or subscribe is tried again, while the
 * connection stays up, after 1 s, then twice as long each time up to
 * 5 minutes (a new connection starts again at 1 s). */
#define RETRY_FIRST	1.0
#define RETRY_MAX	300.0

struct grid_ic {
	rpc_tub		*tub;		/* borrowed */
	rpc_reconnector	*rc;
	char		*address;	/* hints only */
	GPtrArray	*pubs;		/* grid_ann * */
	char		*service;	/* subscribed service or NULL */
	grid_ann_fn	*fn;
	void		*arg;
	rpc_obj		*subscriber;
	gint64		 since_us;	/* connected or lost at */
	rpc_ref		*watched;	/* the reference ic_lost watches */
	guint		 watch_id;
	guint		 n_received, n_bad;
	struct ev_loop	*loop;		/* borrowed */
	ev_timer	 retry;		/* a refused call again */
	double		 backoff;
	gboolean	 redo_sub, redo_pub;
	GPtrArray	*pending;	/* struct call_ctx* outstanding */
};

/* An outstanding publish or subscribe: forgets its client if the client
 * goes first. */
struct call_ctx {
	grid_ic		*ic;		/* NULL once the client is freed */
	gboolean	 sub;		/* subscribe, else publish */
};

static struct call_ctx *
ctx_new(grid_ic *ic, gboolean sub)
{
	struct call_ctx *c = g_new0(struct call_ctx, 1);

	c->ic = ic;
	c->sub = sub;
	g_ptr_array_add(ic->pending, c);
	return c;
}

/* Try the refused call again later, with backoff. */
static void
schedule_retry(grid_ic *ic, gboolean sub)
{
	if (sub)
		ic->redo_sub = TRUE;
	else
		ic->redo_pub = TRUE;
	if (ev_is_active(&ic->retry))
		return;
	ev_timer_set(&ic->retry, ic->backoff, 0.0);
	ev_timer_start(ic->loop, &ic->retry);
	ic->backoff = MIN(ic->backoff * 2, RETRY_MAX);
}

static void
call_done(const msgpack_object *result, const rpc_refctx *refs,
    const GError *err, void *arg)
{
	struct call_ctx *c = arg;
	grid_ic *ic = c->ic;
	gboolean sub = c->sub;

	RPC_UNUSED(refs);
	RPC_UNUSED(result);
	if (ic != NULL)
		g_ptr_array_remove_fast(ic->pending, c);
	g_free(c);
	if (ic == NULL || (err != NULL && (g_error_matches(err, RPC_ERROR,
	    RPC_E_CLOSED) || g_error_matches(err, RPC_ERROR,
	    RPC_E_CANCELLED))))
		return;		/* a new connection sends them again */
	if (err == NULL) {
		if (!ev_is_active(&ic->retry))
			ic->backoff = RETRY_FIRST;
		return;
	}
	g_warning("the introducer refused our %s: %s (trying again in "
	    "%.0f s)", sub ? "subscription" : "announcement", err->message,
	    ev_is_active(&ic->retry) ? ev_timer_remaining(ic->loop,
	    &ic->retry) : ic->backoff);
	schedule_retry(ic, sub);
}

static void
publish_one(grid_ic *ic, rpc_ref *ref, const grid_ann *a)
{
	rpc_pack *p = rpc_pack_new();

	/* The arguments of publish() are the announcement's three parts. */
	grid_ann_pack(a, p);
	rpc_ref_call(ref, "publish", p, call_done, ctx_new(ic, FALSE));
}

static void
subscribe_one(grid_ic *ic, rpc_ref *ref)
{
	rpc_pack *p = rpc_pack_new();

	rpc_pack_array(p, 2);
	rpc_pack_obj(p, ic->subscriber);
	rpc_pack_str(p, ic->service);
	rpc_ref_call(ref, "subscribe", p, call_done, ctx_new(ic, TRUE));
}

static void
retry_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	grid_ic *ic = RPC_CONTAINER_OF(w, grid_ic, retry);
	guint i;

	RPC_UNUSED(loop);
	RPC_UNUSED(revents);
	if (ic->watched == NULL)
		return;		/* the next connection sends everything */
	if (ic->redo_pub)
		for (i = 0; i < ic->pubs->len; i++)
			publish_one(ic, ic->watched,
			    g_ptr_array_index(ic->pubs, i));
	if (ic->redo_sub && ic->service != NULL)
		subscribe_one(ic, ic->watched);
	ic->redo_pub = ic->redo_sub = FALSE;
}

static void
unwatch(grid_ic *ic)
{
	if (ic->watched != NULL) {
		rpc_ref_dont_notify(ic->watched, ic->watch_id);
		rpc_ref_unref(g_steal_pointer(&ic->watched));
	}
}

static void
ic_lost(void *arg)
{
	grid_ic *ic = arg;

	rpc_ref_unref(g_steal_pointer(&ic->watched));

	ic->since_us = g_get_real_time();
	g_warning("lost the connection to the introducer");
}

static void
ic_connected(rpc_ref *ref, void *arg)
{
	grid_ic *ic = arg;
	guint i;

	ic->since_us = g_get_real_time();
	g_message("connected to the introducer at %s", ic->address);
	unwatch(ic);
	ic->watched = rpc_ref_ref(ref);
	ic->watch_id = rpc_ref_notify_on_disconnect(ref, ic_lost, ic);
	/* Everything goes now: no retry is owed on a new connection. */
	ev_timer_stop(ic->loop, &ic->retry);
	ic->redo_pub = ic->redo_sub = FALSE;
	ic->backoff = RETRY_FIRST;
	for (i = 0; i < ic->pubs->len; i++)
		publish_one(ic, ref, g_ptr_array_index(ic->pubs, i));
	if (ic->service != NULL)
		subscribe_one(ic, ref);
}

static void
sub_announce(rpc_incall *call, rpc_mp *args, void *data)
{
	grid_ic *ic = grid_owner_get(data, call);
	rpc_mp list;

	if (ic == NULL)
		return;
	if (rpc_mp_sub(args, &list, 0, SUB_MAX_BATCH) != 0) {
		rpc_incall_fail(call, "violation", "bad arguments");
		return;
	}
	while (list.i < list.n) {
		rpc_mp one;
		const uint8_t *msg = NULL, *sig = NULL;
		const char *key = NULL;
		size_t ml = 0, sl = 0, kl = 0;
		g_autoptr(GError) err = NULL;
		g_autoptr(grid_ann) a = NULL;

		if (rpc_mp_sub(&list, &one, 3, 3) != 0 ||
		    rpc_mp_bin(&one, GRID_ANN_MAX, &msg, &ml) != 0 ||
		    rpc_mp_bin(&one, RPC_SIG_LEN, &sig, &sl) != 0 ||
		    rpc_mp_str(&one, 128, &key, &kl) != 0) {
			rpc_incall_fail(call, "violation",
			    "bad announcement shape");
			return;
		}
		a = grid_ann_verify(msg, ml, sig, sl, key, kl, &err);
		if (a == NULL) {
			ic->n_bad++;
			g_warning("dropped an announcement relayed by the "
			    "introducer: %s", err->message);
			continue;
		}
		ic->n_received++;
		if (ic->fn != NULL && ic->service != NULL &&
		    strcmp(a->service, ic->service) == 0)
			ic->fn(a, ic->arg);
	}
	rpc_incall_return(call, NULL);
}

static const rpc_schema announce_args[] = {
	RPC_S_LIST(SUB_MAX_BATCH, NULL),
};
static const rpc_schema nil_result = RPC_S_NIL;
static const rpc_method sub_methods[] = {
	{ "announce", sub_announce, announce_args, 1, &nil_result },
};
static const rpc_iface sub_iface = {
	"grid.subscriber", sub_methods, G_N_ELEMENTS(sub_methods),
};

grid_ic *
grid_ic_new(rpc_tub *tub, const char *furl, GError **error)
{
	grid_ic *ic;
	rpc_furl *f = NULL;
	char *location;

	if (!rpc_furl_parse(furl, &f, error)) {
		g_prefix_error(error, "introducer.furl: ");
		return NULL;
	}
	location = rpc_furl_location(f);
	ic = g_new0(grid_ic, 1);
	ic->tub = tub;
	ic->loop = rpc_tub_loop(tub);
	ic->backoff = RETRY_FIRST;
	ic->pending = g_ptr_array_new();
	ev_init(&ic->retry, retry_cb);
	ic->address = location;
	ic->pubs = g_ptr_array_new_with_free_func(
	    (GDestroyNotify)grid_ann_free);
	ic->subscriber = grid_owned_obj_new(&sub_iface, ic);
	ic->rc = rpc_reconnector_new_furl(tub, f, NULL, ic_connected, ic);
	rpc_furl_free(f);
	return ic;
}

void
grid_ic_free(grid_ic *ic)
{
	guint i;

	if (ic == NULL)
		return;
	ev_timer_stop(ic->loop, &ic->retry);
	for (i = 0; i < ic->pending->len; i++)
		((struct call_ctx *)g_ptr_array_index(ic->pending, i))->ic =
		    NULL;
	g_ptr_array_unref(ic->pending);
	unwatch(ic);
	rpc_reconnector_free(ic->rc);
	g_ptr_array_unref(ic->pubs);
	grid_owned_obj_release(ic->subscriber);
	g_free(ic->service);
	g_free(ic->address);
	g_free(ic);
}

void
grid_ic_publish(grid_ic *ic, grid_ann *a)
{
	rpc_ref *ref = rpc_reconnector_ref(ic->rc);
	guint i;

	for (i = 0; i < ic->pubs->len; i++)
		if (strcmp(((grid_ann *)g_ptr_array_index(ic->pubs, i))->
		    service, a->service) == 0) {
			g_ptr_array_remove_index(ic->pubs, i);
			break;
		}
	g_ptr_array_add(ic->pubs, a);
	if (ref != NULL)
		publish_one(ic, ref, a);
}

void
grid_ic_subscribe(grid_ic *ic, const char *service, grid_ann_fn *fn,
    void *arg)
{
	rpc_ref *ref = rpc_reconnector_ref(ic->rc);

	g_free(ic->service);
	ic->service = g_strdup(service);
	ic->fn = fn;
	ic->arg = arg;
	if (ref != NULL)
		subscribe_one(ic, ref);
}

void
grid_ic_status(grid_ic *ic, json_t *o)
{
	rpc_rc_state st = rpc_reconnector_state(ic->rc);
	const char *why = rpc_reconnector_last_error(ic->rc);

	node_status_set_str(o, "state",
	    rpc_reconnector_state_name(st));
	node_status_set_str(o, "address", ic->address);
	if (ic->since_us != 0)
		json_object_set_new(o, "since",
		    json_real((double)ic->since_us / G_USEC_PER_SEC));
	else
		json_object_set_new(o, "since", json_null());
	if (why != NULL && st != RPC_RC_CONNECTED)
		node_status_set_str(o, "last_error", why);
	else
		json_object_set_new(o, "last_error", json_null());
	if (st == RPC_RC_WAITING)
		json_object_set_new(o, "next_try_in",
		    json_real(rpc_reconnector_next_try(ic->rc)));
	json_object_set_new(o, "connections",
	    json_integer(rpc_reconnector_n_connects(ic->rc)));
	json_object_set_new(o, "announcements_received",
	    json_integer((json_int_t)ic->n_received));
	json_object_set_new(o, "announcements_dropped",
	    json_integer((json_int_t)ic->n_bad));
}

/* rpc/reconnect.c -- the reconnector: retries with capped exponential
 * backoff, over rpc_tub_get_ref() and disconnect observers.  It holds no
 * connection state of its own beyond the current reference. */
#include "config.h"

#include <math.h>

#include "rpc/common.h"
#include "rpc/err.h"
#include "rpc/furl.h"
#include "rpc/reconnect.h"

struct attempt;

struct rpc_reconnector {
	rpc_tub			*tub;
	rpc_furl		*furl;		/* secret; wiped on free */
	rpc_backoff		 b;
	rpc_connected_fn	*fn;
	void			*arg;
	rpc_rc_state		 state;
	double			 delay;		/* next wait, before jitter */
	ev_tstamp		 next_at;	/* when WAITING ends */
	ev_timer		 timer;
	struct attempt		*attempt;	/* in progress, or NULL */
	rpc_ref			*ref;		/* while CONNECTED */
	guint			 observer;
	char			*last_error;
	guint			 n_connects;
};

/* One rpc_tub_get_ref() in flight; outlives the reconnector if it is
 * freed meanwhile (then 'r' is NULL and the result is dropped). */
struct attempt {
	rpc_reconnector	*r;
};

static void start_attempt(rpc_reconnector *r);

void
rpc_backoff_init(rpc_backoff *b)
{
	b->initial = 1.0;
	b->factor = M_E;
	b->max = 3600.0;
	b->jitter = 0.1196;
}

static void
timer_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	rpc_reconnector *r = RPC_CONTAINER_OF(w, rpc_reconnector, timer);

	RPC_UNUSED(loop);
	RPC_UNUSED(revents);
	start_attempt(r);
}

static void
wait_then_retry(rpc_reconnector *r, double wait)
{
	struct ev_loop *loop = rpc_tub_loop(r->tub);

	r->state = RPC_RC_WAITING;
	r->next_at = ev_now(loop) + wait;
	ev_timer_stop(loop, &r->timer);
	ev_timer_set(&r->timer, wait, 0.);
	ev_timer_start(loop, &r->timer);
}

static void
disconnected_cb(void *arg)
{
	rpc_reconnector *r = arg;

	r->observer = 0;
	g_clear_pointer(&r->ref, rpc_ref_unref);
	g_free(r->last_error);
	r->last_error = g_strdup("connection lost");
	/* Foolscap reconnects at once after a loss, with the wait reset. */
	r->delay = r->b.initial;
	wait_then_retry(r, 0.);
}

static void
attempt_cb(rpc_ref *ref, const GError *err, void *arg)
{
	struct attempt *a = arg;
	rpc_reconnector *r = a->r;
	double wait;

	g_free(a);
	if (r == NULL) {
		rpc_ref_unref(ref);
		return;
	}
	r->attempt = NULL;
	if (ref == NULL) {
		g_free(r->last_error);
		r->last_error = g_strdup(err->message);
		wait = r->delay;
		if (r->b.jitter > 0)
			wait *= g_random_double_range(1.0 - r->b.jitter,
			    1.0 + r->b.jitter);
		r->delay = MIN(r->delay * r->b.factor, r->b.max);
		wait_then_retry(r, wait);
		return;
	}
	r->ref = ref;
	r->state = RPC_RC_CONNECTED;
	r->delay = r->b.initial;
	r->n_connects++;
	r->observer = rpc_ref_notify_on_disconnect(ref, disconnected_cb, r);
	r->fn(ref, r->arg);
}

static void
start_attempt(rpc_reconnector *r)
{
	struct attempt *a = g_new0(struct attempt, 1);

	a->r = r;
	r->attempt = a;
	r->state = RPC_RC_CONNECTING;
	rpc_tub_get_ref_furl(r->tub, r->furl, attempt_cb, a);
}

rpc_reconnector *
rpc_reconnector_new(rpc_tub *tub, const char *furl, const rpc_backoff *b,
    rpc_connected_fn *fn, void *arg, GError **error)
{
	g_autoptr(rpc_furl) f = NULL;

	g_return_val_if_fail(tub != NULL && furl != NULL && fn != NULL, NULL);
	if (!rpc_furl_parse(furl, &f, error))
		return NULL;
	return rpc_reconnector_new_furl(tub, f, b, fn, arg);
}

rpc_reconnector *
rpc_reconnector_new_furl(rpc_tub *tub, const rpc_furl *furl,
    const rpc_backoff *b, rpc_connected_fn *fn, void *arg)
{
	rpc_reconnector *r;

	g_return_val_if_fail(tub != NULL && furl != NULL && fn != NULL, NULL);
	r = g_new0(rpc_reconnector, 1);
	r->tub = tub;
	r->furl = rpc_furl_copy(furl);
	if (b != NULL)
		r->b = *b;
	else
		rpc_backoff_init(&r->b);
	r->fn = fn;
	r->arg = arg;
	r->delay = r->b.initial;
	ev_timer_init(&r->timer, timer_cb, 0., 0.);
	wait_then_retry(r, 0.);
	r->state = RPC_RC_CONNECTING;
	return r;
}

void
rpc_reconnector_free(rpc_reconnector *r)
{
	if (r == NULL)
		return;
	ev_timer_stop(rpc_tub_loop(r->tub), &r->timer);
	if (r->attempt != NULL)
		r->attempt->r = NULL;
	if (r->ref != NULL) {
		rpc_ref_dont_notify(r->ref, r->observer);
		rpc_ref_unref(r->ref);
	}
	rpc_furl_free(r->furl);
	g_free(r->last_error);
	g_free(r);
}

rpc_rc_state
rpc_reconnector_state(const rpc_reconnector *r)
{
	return r->state;
}

const char *
rpc_reconnector_state_name(rpc_rc_state s)
{
	switch (s) {
	case RPC_RC_CONNECTING:	return "connecting";
	case RPC_RC_CONNECTED:	return "connected";
	case RPC_RC_WAITING:	return "waiting";
	}
	return "?";
}

double
rpc_reconnector_next_try(const rpc_reconnector *r)
{
	double left;

	if (r->state != RPC_RC_WAITING)
		return 0.;
	left = r->next_at - ev_now(rpc_tub_loop(r->tub));
	return left > 0 ? left : 0.;
}

const char *
rpc_reconnector_last_error(const rpc_reconnector *r)
{
	return r->last_error;
}

rpc_ref *
rpc_reconnector_ref(const rpc_reconnector *r)
{
	return r->state == RPC_RC_CONNECTED ? r->ref : NULL;
}

guint
rpc_reconnector_n_connects(const rpc_reconnector *r)
{
	return r->n_connects;
}

void
rpc_reconnector_reset(rpc_reconnector *r)
{
	r->delay = r->b.initial;
	if (r->state == RPC_RC_WAITING)
		wait_then_retry(r, 0.);
}

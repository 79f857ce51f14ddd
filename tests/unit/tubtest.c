/* tests/unit/tubtest.c -- helpers for tests that run tubs on one loop. */
#include "config.h"

#include <string.h>

#include "rpc/common.h"
#include "rpc/err.h"
#include "rpc/pack.h"
#include "tests/unit/tubtest.h"

static void
deadline_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	RPC_UNUSED(loop);
	RPC_UNUSED(revents);
	*(bool *)w->data = true;
}

bool
tt_run_until(struct ev_loop *loop, const bool *flag, double timeout)
{
	ev_timer t;
	bool expired = false;

	ev_timer_init(&t, deadline_cb, timeout, 0.);
	t.data = &expired;
	ev_timer_start(loop, &t);
	while (!*flag && !expired)
		ev_run(loop, EVRUN_ONCE);
	ev_timer_stop(loop, &t);
	return *flag;
}

void
tt_run_for(struct ev_loop *loop, double seconds)
{
	bool never = false;

	tt_run_until(loop, &never, seconds);
}

rpc_tub *
tt_tub_listening(struct ev_loop *loop, const rpc_limits *lim)
{
	rpc_tub *tub = rpc_tub_new(loop, rpc_ident_new(), lim);
	g_autoptr(GError) err = NULL;

	if (!rpc_tub_listen(tub, "127.0.0.1", 0, &err))
		g_error("listen: %s", err->message);
	return tub;
}

struct getref_wait {
	bool	 done;
	rpc_ref	*ref;
	GError	*err;
};

static void
getref_cb(rpc_ref *ref, const GError *err, void *arg)
{
	struct getref_wait *w = arg;

	w->done = true;
	w->ref = ref;
	if (err != NULL)
		w->err = g_error_copy(err);
}

rpc_ref *
tt_get_ref(rpc_tub *tub, const char *furl, GError **err)
{
	struct getref_wait w = { 0 };

	rpc_tub_get_ref(tub, furl, getref_cb, &w);
	if (w.done)
		g_error("get_ref completed inside rpc_tub_get_ref()");
	if (!tt_run_until(rpc_tub_loop(tub), &w.done, 5.0)) {
		g_set_error(err, RPC_ERROR, RPC_E_TIMEOUT, "get_ref timed out");
		return NULL;
	}
	if (w.err != NULL)
		g_propagate_error(err, w.err);
	return w.ref;
}

void
tt_answer_init(tt_answer *a)
{
	memset(a, 0, sizeof(*a));
	msgpack_unpacked_init(&a->result);
	msgpack_sbuffer_init(&a->bytes);
}

void
tt_answer_clear(tt_answer *a)
{
	g_clear_error(&a->err);
	msgpack_unpacked_destroy(&a->result);
	msgpack_unpacked_init(&a->result);
	msgpack_sbuffer_destroy(&a->bytes);
	msgpack_sbuffer_init(&a->bytes);
	a->done = false;
	a->times = 0;
}

void
tt_answer_cb(const msgpack_object *result, const rpc_refctx *refs,
    const GError *err, void *arg)
{
	tt_answer *a = arg;

	RPC_UNUSED(refs);
	a->done = true;
	a->times++;
	if (err != NULL) {
		g_clear_error(&a->err);
		a->err = g_error_copy(err);
		return;
	}
	{
		msgpack_packer pk;

		/* The unpacked copy points into 'bytes' (msgpack-c does not
		 * copy str and bin), so 'bytes' lives as long as it does. */
		msgpack_unpacked_destroy(&a->result);
		msgpack_unpacked_init(&a->result);
		msgpack_sbuffer_clear(&a->bytes);
		msgpack_packer_init(&pk, &a->bytes, msgpack_sbuffer_write);
		msgpack_pack_object(&pk, *result);
		msgpack_unpack_next(&a->result, a->bytes.data, a->bytes.size,
		    NULL);
	}
}

bool
tt_call(struct ev_loop *loop, rpc_ref *ref, const char *method,
    rpc_pack *args, tt_answer *a)
{
	rpc_ref_call(ref, method, args, tt_answer_cb, a);
	if (a->done)
		g_error("answer callback ran inside rpc_ref_call()");
	return tt_run_until(loop, &a->done, 5.0);
}

rpc_pack *
tt_args_ints(int64_t a, int64_t b)
{
	rpc_pack *p = rpc_pack_new();

	rpc_pack_array(p, 2);
	rpc_pack_int(p, a);
	rpc_pack_int(p, b);
	return p;
}

static void
calc_add(rpc_incall *call, rpc_mp *args, void *data)
{
	int64_t a, b;
	rpc_pack *r;

	RPC_UNUSED(data);
	if (rpc_mp_int(args, INT32_MIN, INT32_MAX, &a) != 0 ||
	    rpc_mp_int(args, INT32_MIN, INT32_MAX, &b) != 0 ||
	    rpc_mp_end(args) != 0) {
		rpc_incall_fail(call, "violation", "add takes two ints");
		return;
	}
	r = rpc_pack_new();
	rpc_pack_int(r, a + b);
	rpc_incall_return(call, r);
}

static void
calc_echo(rpc_incall *call, rpc_mp *args, void *data)
{
	const msgpack_object *o;
	rpc_pack *r;

	RPC_UNUSED(data);
	if (rpc_mp_any(args, &o) != 0 || rpc_mp_end(args) != 0) {
		rpc_incall_fail(call, "violation", "echo takes one value");
		return;
	}
	r = rpc_pack_new();
	rpc_value_pack(r, args->refs, o);
	rpc_incall_return(call, r);
}

static void
calc_fail(rpc_incall *call, rpc_mp *args, void *data)
{
	g_autofree char *type = NULL, *msg = NULL;

	RPC_UNUSED(data);
	if (rpc_mp_strdup(args, 64, &type) != 0 ||
	    rpc_mp_strdup(args, 256, &msg) != 0) {
		rpc_incall_fail(call, "violation", "fail takes two strs");
		return;
	}
	rpc_incall_fail(call, type, "%s", msg);
}

static void
calc_hold(rpc_incall *call, rpc_mp *args, void *data)
{
	tt_calc *st = data;

	RPC_UNUSED(args);
	st->held = call;
}

static void
calc_note(rpc_incall *call, rpc_mp *args, void *data)
{
	tt_calc *st = data;

	RPC_UNUSED(args);
	st->notes++;
	rpc_incall_return(call, NULL);
}

struct callback_wait {
	rpc_incall	*call;
};

static void
callback_answer_cb(const msgpack_object *result, const rpc_refctx *refs,
    const GError *err, void *arg)
{
	struct callback_wait *w = arg;
	rpc_pack *r;

	if (err != NULL) {
		rpc_incall_fail(w->call, "callback-failed", "%s", err->message);
	} else {
		r = rpc_pack_new();
		rpc_value_pack(r, refs, result);
		rpc_incall_return(w->call, r);
	}
	g_free(w);
}

static void
calc_callback(rpc_incall *call, rpc_mp *args, void *data)
{
	struct callback_wait *w;
	rpc_ref *ref;
	int64_t a;

	RPC_UNUSED(data);
	if (rpc_arg_ref(args, &ref, NULL) != 0 ||
	    rpc_mp_int(args, INT32_MIN, INT32_MAX, &a) != 0) {
		rpc_incall_fail(call, "violation", "callback takes ref, int");
		return;
	}
	w = g_new0(struct callback_wait, 1);
	w->call = call;
	rpc_ref_call(ref, "add", tt_args_ints(a, 1), callback_answer_cb, w);
}

static void
calc_store(rpc_incall *call, rpc_mp *args, void *data)
{
	tt_calc *st = data;
	rpc_ref *ref;
	rpc_obj *obj;

	if (rpc_arg_ref(args, &ref, &obj) != 0) {
		rpc_incall_fail(call, "violation", "store takes a reference");
		return;
	}
	rpc_ref_unref(st->stored);
	rpc_obj_unref(st->stored_obj);
	st->stored = ref != NULL ? rpc_ref_ref(ref) : NULL;
	st->stored_obj = obj != NULL ? rpc_obj_ref(obj) : NULL;
	rpc_incall_return(call, NULL);
}

static void
calc_same(rpc_incall *call, rpc_mp *args, void *data)
{
	tt_calc *st = data;
	rpc_ref *ref;
	rpc_obj *obj;
	rpc_pack *r;

	if (rpc_arg_ref(args, &ref, &obj) != 0) {
		rpc_incall_fail(call, "violation", "same takes a reference");
		return;
	}
	r = rpc_pack_new();
	rpc_pack_bool(r, (ref != NULL && ref == st->stored) ||
	    (obj != NULL && obj == st->stored_obj));
	rpc_incall_return(call, r);
}

static void
calc_drop(rpc_incall *call, rpc_mp *args, void *data)
{
	tt_calc *st = data;

	RPC_UNUSED(args);
	g_clear_pointer(&st->stored, rpc_ref_unref);
	g_clear_pointer(&st->stored_obj, rpc_obj_unref);
	rpc_incall_return(call, NULL);
}

static void
calc_make(rpc_incall *call, rpc_mp *args, void *data)
{
	tt_calc *st = data;
	rpc_obj *obj = tt_calc_new(st->made);
	rpc_pack *r = rpc_pack_new();

	RPC_UNUSED(args);
	rpc_pack_obj(r, obj);
	rpc_obj_unref(obj);
	rpc_incall_return(call, r);
}

static void
calc_give_back(rpc_incall *call, rpc_mp *args, void *data)
{
	rpc_ref *ref;
	rpc_obj *obj;
	rpc_pack *r;

	RPC_UNUSED(data);
	if (rpc_arg_ref(args, &ref, &obj) != 0) {
		rpc_incall_fail(call, "violation", "give_back takes a ref");
		return;
	}
	r = rpc_pack_new();
	if (ref != NULL)
		rpc_pack_ref(r, ref);
	else
		rpc_pack_obj(r, obj);
	rpc_incall_return(call, r);
}

static const rpc_method calc_methods[] = {
	{ .name = "callback", .fn = calc_callback },
	{ .name = "store", .fn = calc_store },
	{ .name = "same", .fn = calc_same },
	{ .name = "drop", .fn = calc_drop },
	{ .name = "make", .fn = calc_make },
	{ .name = "give_back", .fn = calc_give_back },
	{ .name = "add", .fn = calc_add },
	{ .name = "echo", .fn = calc_echo },
	{ .name = "fail", .fn = calc_fail },
	{ .name = "hold", .fn = calc_hold },
	{ .name = "note", .fn = calc_note },
};

static const rpc_iface calc_iface = {
	"calc", calc_methods, G_N_ELEMENTS(calc_methods),
};

static void
calc_destroy(void *data)
{
	tt_calc *st = data;

	if (st != NULL) {
		st->destroyed++;
		/* Only the state's owner clears what it stored. */
	}
}

rpc_obj *
tt_calc_new(tt_calc *state)
{
	return rpc_obj_new(&calc_iface, state, calc_destroy);
}

void
tt_calc_release(tt_calc *state)
{
	if (state->held != NULL) {
		rpc_incall_return(state->held, NULL);
		state->held = NULL;
	}
}

void
tt_calc_clear(tt_calc *state)
{
	g_clear_pointer(&state->stored, rpc_ref_unref);
	g_clear_pointer(&state->stored_obj, rpc_obj_unref);
}

/* ---- two tubs ---- */

void
tt_pair_init(tt_pair *p, const tt_pair_opts *o)
{
	static const tt_pair_opts defaults = {
		NULL, NULL, false, NULL, true,
	};
	g_autoptr(rpc_obj) calc = NULL;
	g_autoptr(GError) err = NULL;

	if (o == NULL)
		o = &defaults;
	p->loop = ev_loop_new(EVFLAG_AUTO);
	p->server = tt_tub_listening(p->loop, o->server_lim);
	p->client = o->client_listens ?
	    tt_tub_listening(p->loop, o->client_lim) :
	    rpc_tub_new(p->loop, rpc_ident_new(), o->client_lim);
	if (o->obj == NULL)
		calc = tt_calc_new(&p->calc);
	p->furl = rpc_tub_register(p->server, o->obj != NULL ? o->obj : calc,
	    NULL, NULL, &err);
	if (p->furl == NULL)
		g_error("register: %s", err->message);
	if (o->connect) {
		p->ref = tt_get_ref(p->client, p->furl, &err);
		if (p->ref == NULL)
			g_error("get_ref: %s", err->message);
	}
}

void
tt_pair_fini(tt_pair *p)
{
	g_clear_pointer(&p->ref, rpc_ref_unref);
	rpc_tub_free(p->client);
	rpc_tub_free(p->server);
	ev_loop_destroy(p->loop);
	g_free(p->furl);
	p->furl = NULL;
}

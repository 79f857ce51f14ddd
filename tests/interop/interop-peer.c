/* tests/interop/interop-peer.c -- the C side of the interop test against
 * an independent implementation of doc/protocol.md (tests/interop/peer.py).
 *
 *   interop-peer serve --furl-file PATH [--key-file PATH] [--port N]
 *	serves "calc" (methods below) until SIGTERM; with --key-file the
 *	identity persists (created if missing), and with the same FURL file
 *	the FURL stays the same across restarts;
 *   interop-peer client --furl-file PATH
 *	calls a peer's "calc" and checks every answer; exit 0 if all pass.
 *
 * calc's methods (both implementations serve the same ones):
 *   add(int a, int b) -> a + b		(schema: two ints in [-2^31, 2^31))
 *   echo(x) -> x			(str stays str, bin stays bin)
 *   callback(ref r, int a) -> r.add(a, 1)
 *   make() -> a new counter object: incr() -> 1, 2, 3, ...
 *   give_back(ref r) -> r
 *   is_mine(ref r) -> true if r is one of this tub's own objects
 *   live_counters() -> number of counters made and not yet released
 *   fail() -> ERROR of type "test.Failure" */
#include "config.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rpc/common.h"
#include "rpc/err.h"
#include "rpc/pack.h"
#include "rpc/tub.h"

static int live_counters;

/* ---- the counter made by make() ---- */

static void
counter_incr(rpc_incall *call, rpc_mp *args, void *data)
{
	int64_t *n = data;
	rpc_pack *r = rpc_pack_new();

	RPC_UNUSED(args);
	rpc_pack_int(r, ++*n);
	rpc_incall_return(call, r);
}

static const rpc_method counter_methods[] = {
	{ .name = "incr", .fn = counter_incr },
};
static const rpc_iface counter_iface = { "counter", counter_methods, 1 };

static void
counter_free(void *data)
{
	live_counters--;
	g_free(data);
}

/* ---- calc ---- */

struct pending {
	rpc_incall	*call;
};

static void
callback_done(const msgpack_object *result, const rpc_refctx *refs,
    const GError *err, void *arg)
{
	struct pending *p = arg;
	rpc_pack *r;

	if (err != NULL) {
		rpc_incall_fail(p->call, "test.CallbackFailed", "%s",
		    err->message);
	} else {
		r = rpc_pack_new();
		rpc_value_pack(r, refs, result);
		rpc_incall_return(p->call, r);
	}
	g_free(p);
}

static void
calc_add(rpc_incall *call, rpc_mp *args, void *data)
{
	int64_t a, b;
	rpc_pack *r = rpc_pack_new();

	RPC_UNUSED(data);
	rpc_mp_int(args, INT32_MIN, INT32_MAX, &a);
	rpc_mp_int(args, INT32_MIN, INT32_MAX, &b);
	rpc_pack_int(r, a + b);
	rpc_incall_return(call, r);
}

static void
calc_echo(rpc_incall *call, rpc_mp *args, void *data)
{
	const msgpack_object *o;
	rpc_pack *r = rpc_pack_new();

	RPC_UNUSED(data);
	rpc_mp_any(args, &o);
	rpc_value_pack(r, args->refs, o);
	rpc_incall_return(call, r);
}

static void
calc_callback(rpc_incall *call, rpc_mp *args, void *data)
{
	struct pending *p = g_new0(struct pending, 1);
	rpc_pack *a = rpc_pack_new();
	rpc_ref *ref;
	int64_t n;

	RPC_UNUSED(data);
	if (rpc_arg_ref(args, &ref, NULL) != 0) {
		rpc_incall_fail(call, "violation", "callback needs a remote "
		    "reference");
		rpc_pack_free(a);
		g_free(p);
		return;
	}
	rpc_mp_int(args, INT32_MIN, INT32_MAX, &n);
	p->call = call;
	rpc_pack_array(a, 2);
	rpc_pack_int(a, n);
	rpc_pack_int(a, 1);
	rpc_ref_call(ref, "add", a, callback_done, p);
}

static void
calc_make(rpc_incall *call, rpc_mp *args, void *data)
{
	rpc_obj *obj = rpc_obj_new(&counter_iface, g_new0(int64_t, 1),
	    counter_free);
	rpc_pack *r = rpc_pack_new();

	RPC_UNUSED(args);
	RPC_UNUSED(data);
	live_counters++;
	rpc_pack_obj(r, obj);
	rpc_obj_unref(obj);
	rpc_incall_return(call, r);
}

static void
calc_give_back(rpc_incall *call, rpc_mp *args, void *data)
{
	rpc_pack *r = rpc_pack_new();
	rpc_ref *ref;
	rpc_obj *obj;

	RPC_UNUSED(data);
	rpc_arg_ref(args, &ref, &obj);
	if (ref != NULL)
		rpc_pack_ref(r, ref);
	else
		rpc_pack_obj(r, obj);
	rpc_incall_return(call, r);
}

static void
calc_is_mine(rpc_incall *call, rpc_mp *args, void *data)
{
	rpc_pack *r = rpc_pack_new();
	rpc_ref *ref;
	rpc_obj *obj;

	RPC_UNUSED(data);
	rpc_arg_ref(args, &ref, &obj);
	rpc_pack_bool(r, obj != NULL);
	rpc_incall_return(call, r);
}

static void
calc_live(rpc_incall *call, rpc_mp *args, void *data)
{
	rpc_pack *r = rpc_pack_new();

	RPC_UNUSED(args);
	RPC_UNUSED(data);
	rpc_pack_int(r, live_counters);
	rpc_incall_return(call, r);
}

static void
calc_fail(rpc_incall *call, rpc_mp *args, void *data)
{
	RPC_UNUSED(args);
	RPC_UNUSED(data);
	rpc_incall_fail(call, "test.Failure", "failed on purpose");
}

static const rpc_schema int_s = RPC_S_INT(INT32_MIN, INT32_MAX);
static const rpc_schema add_args[] = {
	RPC_S_INT(INT32_MIN, INT32_MAX), RPC_S_INT(INT32_MIN, INT32_MAX),
};
static const rpc_schema any_args[] = { RPC_S_ANY };
static const rpc_schema ref_args[] = { RPC_S_REF };
static const rpc_schema callback_args[] = {
	RPC_S_REF, RPC_S_INT(INT32_MIN, INT32_MAX),
};

static const rpc_method calc_methods[] = {
	{ "add", calc_add, add_args, 2, &int_s },
	{ "echo", calc_echo, any_args, 1, NULL },
	{ "callback", calc_callback, callback_args, 2, NULL },
	{ "make", calc_make, NULL, 0, NULL },
	{ "give_back", calc_give_back, ref_args, 1, NULL },
	{ "is_mine", calc_is_mine, ref_args, 1, NULL },
	{ "live_counters", calc_live, NULL, 0, NULL },
	{ "fail", calc_fail, NULL, 0, NULL },
};
static const rpc_iface calc_iface = {
	"calc", calc_methods, G_N_ELEMENTS(calc_methods),
};

/* ---- serve ---- */

static void
stop_cb(struct ev_loop *loop, ev_signal *w, int revents)
{
	RPC_UNUSED(w);
	RPC_UNUSED(revents);
	ev_break(loop, EVBREAK_ALL);
}

static int
serve(const char *furl_file, const char *key_file, uint16_t port)
{
	struct ev_loop *loop = ev_default_loop(0);
	g_autoptr(GError) err = NULL;
	rpc_ident *id = key_file != NULL ?
	    rpc_ident_load_or_create(key_file, &err) : rpc_ident_new();
	rpc_tub *tub;
	rpc_obj *obj;
	g_autofree char *furl = NULL;
	ev_signal term, intr;

	if (id == NULL) {
		fprintf(stderr, "interop-peer: %s\n", err->message);
		return 1;
	}
	tub = rpc_tub_new(loop, id, NULL);
	obj = rpc_obj_new(&calc_iface, NULL, NULL);
	if (!rpc_tub_listen(tub, "127.0.0.1", port, &err) ||
	    (furl = rpc_tub_register(tub, obj, NULL, furl_file, &err)) ==
	    NULL) {
		fprintf(stderr, "interop-peer: %s\n", err->message);
		return 1;
	}
	ev_signal_init(&term, stop_cb, SIGTERM);
	ev_signal_init(&intr, stop_cb, SIGINT);
	ev_signal_start(loop, &term);
	ev_signal_start(loop, &intr);
	ev_run(loop, 0);
	rpc_obj_unref(obj);
	rpc_tub_free(tub);
	return 0;
}

/* ---- client ---- */

typedef struct answer {
	bool		 done;
	GError		*err;
	msgpack_sbuffer	 copy;		/* the result, re-packed */
	rpc_ref		*ref;
	rpc_obj		*obj;
} answer;

static struct ev_loop *cloop;
static int failures;

static void
answer_cb(const msgpack_object *result, const rpc_refctx *refs,
    const GError *err, void *arg)
{
	answer *a = arg;
	msgpack_packer pk;

	a->done = true;
	if (err != NULL) {
		a->err = g_error_copy(err);
		return;
	}
	msgpack_sbuffer_init(&a->copy);
	msgpack_packer_init(&pk, &a->copy, msgpack_sbuffer_write);
	msgpack_pack_object(&pk, *result);
	if (rpc_value_ref(refs, result, &a->ref, &a->obj)) {
		if (a->ref != NULL)
			rpc_ref_ref(a->ref);
		if (a->obj != NULL)
			rpc_obj_ref(a->obj);
	}
}

static void
timeout_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	RPC_UNUSED(w);
	RPC_UNUSED(revents);
	ev_break(loop, EVBREAK_ONE);
}

/* Call and wait up to 10 s; the answer's result is unpacked into *up. */
static void
call(rpc_ref *ref, const char *method, rpc_pack *args, answer *a,
    msgpack_unpacked *up)
{
	ev_timer t;

	memset(a, 0, sizeof(*a));
	rpc_ref_call(ref, method, args, answer_cb, a);
	ev_timer_init(&t, timeout_cb, 10., 0.);
	ev_timer_start(cloop, &t);
	while (!a->done && ev_is_active(&t))
		ev_run(cloop, EVRUN_ONCE);
	ev_timer_stop(cloop, &t);
	msgpack_unpacked_init(up);
	if (a->done && a->err == NULL)
		msgpack_unpack_next(up, a->copy.data, a->copy.size, NULL);
}

static void
answer_clear(answer *a, msgpack_unpacked *up)
{
	if (a->done && a->err == NULL)
		msgpack_sbuffer_destroy(&a->copy);
	g_clear_error(&a->err);
	rpc_ref_unref(a->ref);
	rpc_obj_unref(a->obj);
	msgpack_unpacked_destroy(up);
}

static void
check(bool ok, const char *what)
{
	printf("%s: %s\n", ok ? "ok" : "FAIL", what);
	if (!ok)
		failures++;
}

static bool
is_int(const msgpack_unpacked *up, const answer *a, int64_t v)
{
	return a->done && a->err == NULL &&
	    ((up->data.type == MSGPACK_OBJECT_POSITIVE_INTEGER && v >= 0 &&
	    up->data.via.u64 == (uint64_t)v) ||
	    (up->data.type == MSGPACK_OBJECT_NEGATIVE_INTEGER &&
	    up->data.via.i64 == v));
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

static rpc_pack *
ints(int64_t a, int64_t b)
{
	rpc_pack *p = rpc_pack_new();

	rpc_pack_array(p, 2);
	rpc_pack_int(p, a);
	rpc_pack_int(p, b);
	return p;
}

static int
client(const char *furl_file)
{
	rpc_tub *tub;
	rpc_obj *mine = rpc_obj_new(&calc_iface, NULL, NULL);
	struct getref_wait w = { 0 };
	g_autofree char *furl = NULL;
	msgpack_unpacked up;
	rpc_ref *calc, *counter = NULL;
	rpc_pack *p;
	answer a;
	ev_timer t;

	cloop = ev_default_loop(0);
	tub = rpc_tub_new(cloop, rpc_ident_new(), NULL);
	if (!g_file_get_contents(furl_file, &furl, NULL, NULL)) {
		fprintf(stderr, "interop-peer: cannot read %s\n", furl_file);
		return 1;
	}
	g_strchomp(furl);
	rpc_tub_get_ref(tub, furl, getref_cb, &w);
	ev_timer_init(&t, timeout_cb, 10., 0.);
	ev_timer_start(cloop, &t);
	while (!w.done && ev_is_active(&t))
		ev_run(cloop, EVRUN_ONCE);
	ev_timer_stop(cloop, &t);
	if (w.ref == NULL) {
		fprintf(stderr, "interop-peer: connect failed: %s\n",
		    w.err != NULL ? w.err->message : "timed out");
		return 1;
	}
	calc = w.ref;
	check(true, "connected and looked up the peer's calc");

	call(calc, "add", ints(2, 3), &a, &up);
	check(is_int(&up, &a, 5), "add(2, 3) = 5");
	answer_clear(&a, &up);
	call(calc, "add", ints(-7, 2), &a, &up);
	check(is_int(&up, &a, -5), "add(-7, 2) = -5");
	answer_clear(&a, &up);

	p = rpc_pack_new();
	rpc_pack_array(p, 1);
	rpc_pack_bin(p, "\x00\xff", 2);
	call(calc, "echo", p, &a, &up);
	check(a.err == NULL && up.data.type == MSGPACK_OBJECT_BIN &&
	    up.data.via.bin.size == 2, "echo(bin) stays bin");
	answer_clear(&a, &up);
	p = rpc_pack_new();
	rpc_pack_array(p, 1);
	rpc_pack_str(p, "h\xc3\xa9llo");
	call(calc, "echo", p, &a, &up);
	check(a.err == NULL && up.data.type == MSGPACK_OBJECT_STR &&
	    up.data.via.str.size == 6, "echo(str) stays str");
	answer_clear(&a, &up);

	p = rpc_pack_new();
	rpc_pack_array(p, 2);
	rpc_pack_obj(p, mine);
	rpc_pack_int(p, 41);
	call(calc, "callback", p, &a, &up);
	check(is_int(&up, &a, 42), "callback: the peer called our object");
	answer_clear(&a, &up);

	call(calc, "make", NULL, &a, &up);
	check(a.err == NULL && a.ref != NULL, "make() returned a reference");
	if (a.ref != NULL)
		counter = rpc_ref_ref(a.ref);
	answer_clear(&a, &up);
	if (counter != NULL) {
		call(counter, "incr", NULL, &a, &up);
		check(is_int(&up, &a, 1), "counter.incr() = 1");
		answer_clear(&a, &up);
		call(counter, "incr", NULL, &a, &up);
		check(is_int(&up, &a, 2), "counter.incr() = 2");
		answer_clear(&a, &up);
		p = rpc_pack_new();
		rpc_pack_array(p, 1);
		rpc_pack_ref(p, counter);
		call(calc, "is_mine", p, &a, &up);
		check(a.err == NULL && up.data.type ==
		    MSGPACK_OBJECT_BOOLEAN && up.data.via.boolean,
		    "the peer's own object came home to it");
		answer_clear(&a, &up);
	}

	p = rpc_pack_new();
	rpc_pack_array(p, 1);
	rpc_pack_obj(p, mine);
	call(calc, "give_back", p, &a, &up);
	check(a.err == NULL && a.obj == mine,
	    "give_back(our object) returned our very object");
	answer_clear(&a, &up);

	call(calc, "fail", NULL, &a, &up);
	check(a.err != NULL && g_strcmp0(rpc_remote_error_type(a.err),
	    "test.Failure") == 0, "fail() raised test.Failure");
	answer_clear(&a, &up);
	call(calc, "nonesuch", NULL, &a, &up);
	check(a.err != NULL && g_strcmp0(rpc_remote_error_type(a.err),
	    "no-such-method") == 0, "unknown method: no-such-method");
	answer_clear(&a, &up);

	/* Dropping our reference must let the peer release the counter. */
	if (counter != NULL) {
		int64_t before = -1;

		call(calc, "live_counters", NULL, &a, &up);
		if (a.err == NULL)
			before = (int64_t)up.data.via.u64;
		answer_clear(&a, &up);
		rpc_ref_unref(counter);
		call(calc, "live_counters", NULL, &a, &up);
		check(before >= 1 && is_int(&up, &a, before - 1),
		    "DECREF released the peer's counter");
		answer_clear(&a, &up);
	}
	rpc_ref_unref(calc);
	rpc_obj_unref(mine);
	rpc_tub_free(tub);
	printf("%d failed\n", failures);
	return failures == 0 ? 0 : 1;
}

int
main(int argc, char **argv)
{
	const char *furl_file = NULL, *key_file = NULL;
	long port = 0;
	int i;

	signal(SIGPIPE, SIG_IGN);
	for (i = 2; i + 1 < argc; i += 2) {
		if (strcmp(argv[i], "--furl-file") == 0)
			furl_file = argv[i + 1];
		else if (strcmp(argv[i], "--key-file") == 0)
			key_file = argv[i + 1];
		else if (strcmp(argv[i], "--port") == 0)
			port = strtol(argv[i + 1], NULL, 10);
		else
			break;
	}
	if (argc >= 2 && i == argc && furl_file != NULL && port >= 0 &&
	    port <= 65535) {
		if (strcmp(argv[1], "serve") == 0)
			return serve(furl_file, key_file, (uint16_t)port);
		if (strcmp(argv[1], "client") == 0 && key_file == NULL)
			return client(furl_file);
	}
	fprintf(stderr, "usage: interop-peer serve --furl-file PATH "
	    "[--key-file PATH] [--port N]\n"
	    "       interop-peer client --furl-file PATH\n");
	return 2;
}

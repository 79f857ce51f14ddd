/* tests/unit/test_rpc_refs.c -- references in motion: objects passed in
 * arguments and results, references coming home, one import per object,
 * DECREF releasing exports, gifts to a third tub, limits, disconnect
 * observers and keepalive. */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "rpc/common.h"
#include "rpc/err.h"
#include "rpc/pack.h"
#include "rpc/tub.h"
#include "tests/unit/tubtest.h"

/* Both tubs listen; the client holds a reference to the server's calc
 * (whose make() fills in 'made') and has a calc of its own. */
typedef struct fixture {
	tt_pair		 p;
	tt_calc		 ccalc, made;
	rpc_obj		*cobj;		/* the client's own calc */
} fixture;

static int
setup_lim(void **state, const rpc_limits *slim)
{
	tt_pair_opts opts = { slim, NULL, true, NULL, true };
	fixture *f = g_new0(fixture, 1);

	f->p.calc.made = &f->made;
	tt_pair_init(&f->p, &opts);
	f->cobj = tt_calc_new(&f->ccalc);
	*state = f;
	return 0;
}

static int
setup(void **state)
{
	return setup_lim(state, NULL);
}

static int
teardown(void **state)
{
	fixture *f = *state;

	tt_calc_clear(&f->p.calc);
	tt_calc_clear(&f->ccalc);
	g_clear_pointer(&f->p.ref, rpc_ref_unref);
	rpc_obj_unref(f->cobj);
	tt_pair_fini(&f->p);
	g_free(f);
	return 0;
}

static rpc_pack *
args_obj(rpc_obj *obj, bool with_int, int64_t v)
{
	rpc_pack *p = rpc_pack_new();

	rpc_pack_array(p, with_int ? 2 : 1);
	rpc_pack_obj(p, obj);
	if (with_int)
		rpc_pack_int(p, v);
	return p;
}

static rpc_pack *
args_ref(rpc_ref *ref, bool with_int, int64_t v)
{
	rpc_pack *p = rpc_pack_new();

	rpc_pack_array(p, with_int ? 2 : 1);
	rpc_pack_ref(p, ref);
	if (with_int)
		rpc_pack_int(p, v);
	return p;
}

static void
test_object_argument_arrives_live(void **state)
{
	fixture *f = *state;
	tt_answer a;

	/* The server calls back into the client's object. */
	tt_answer_init(&a);
	assert_true(tt_call(f->p.loop, f->p.ref, "callback",
	    args_obj(f->cobj, true, 41), &a));
	assert_null(a.err);
	assert_int_equal(a.result.data.via.u64, 42);
	tt_answer_clear(&a);
}

/* An answer callback that keeps the reference in a result. */
typedef struct capture {
	bool	 done;
	GError	*err;
	rpc_ref	*ref;
	rpc_obj	*obj;
	bool	 boolean;
} capture;

static void
capture_cb(const msgpack_object *result, const rpc_refctx *refs,
    const GError *err, void *arg)
{
	capture *c = arg;
	rpc_ref *r;
	rpc_obj *o;

	c->done = true;
	if (err != NULL) {
		c->err = g_error_copy(err);
		return;
	}
	if (result->type == MSGPACK_OBJECT_BOOLEAN)
		c->boolean = result->via.boolean;
	if (rpc_value_ref(refs, result, &r, &o)) {
		c->ref = r != NULL ? rpc_ref_ref(r) : NULL;
		c->obj = o != NULL ? rpc_obj_ref(o) : NULL;
	}
}

static void
capture_call(fixture *f, rpc_ref *ref, const char *method, rpc_pack *args,
    capture *c)
{
	memset(c, 0, sizeof(*c));
	rpc_ref_call(ref, method, args, capture_cb, c);
	assert_true(tt_run_until(f->p.loop, &c->done, 5.0));
}

static void
capture_clear(capture *c)
{
	g_clear_error(&c->err);
	g_clear_pointer(&c->ref, rpc_ref_unref);
	g_clear_pointer(&c->obj, rpc_obj_unref);
}

static void
test_reference_comes_home_as_the_object(void **state)
{
	fixture *f = *state;
	capture c;

	capture_call(f, f->p.ref, "give_back", args_obj(f->cobj, false, 0), &c);
	assert_null(c.err);
	assert_null(c.ref);
	assert_ptr_equal(c.obj, f->cobj);	/* the very same object */
	capture_clear(&c);
}

static void
test_echoed_references_stay_references(void **state)
{
	fixture *f = *state;
	rpc_pack *p = rpc_pack_new();
	capture c, made;

	/* Our object, echoed back as a value, comes home as itself. */
	rpc_pack_array(p, 1);
	rpc_pack_obj(p, f->cobj);
	capture_call(f, f->p.ref, "echo", p, &c);
	assert_null(c.err);
	assert_ptr_equal(c.obj, f->cobj);
	capture_clear(&c);
	/* The server's object, echoed, is the same remote reference. */
	capture_call(f, f->p.ref, "make", NULL, &made);
	p = rpc_pack_new();
	rpc_pack_array(p, 1);
	rpc_pack_ref(p, made.ref);
	capture_call(f, f->p.ref, "echo", p, &c);
	assert_null(c.err);
	assert_ptr_equal(c.ref, made.ref);
	capture_clear(&c);
	capture_clear(&made);
}

static void
test_value_kept_past_callback_resolves_to_nothing(void **state)
{
	fixture *f = *state;
	tt_answer a;
	rpc_ref *r;
	rpc_obj *o;

	/* tt_answer copies the raw value: outside the callback there is
	 * no context to resolve the reference in it (and it holds no
	 * pointer). */
	tt_answer_init(&a);
	assert_true(tt_call(f->p.loop, f->p.ref, "make", NULL, &a));
	assert_null(a.err);
	assert_int_equal(a.result.data.type, MSGPACK_OBJECT_EXT);
	assert_false(rpc_value_ref(NULL, &a.result.data, &r, &o));
	assert_int_equal(a.result.data.via.ext.size, 8);
	tt_answer_clear(&a);
}

/* What the answer callback below saw. */
typedef struct copycheck {
	bool	 done;
	bool	 original;	/* the value itself resolved */
	bool	 copy;		/* a copy of it resolved */
} copycheck;

static void
copycheck_cb(const msgpack_object *result, const rpc_refctx *refs,
    const GError *err, void *arg)
{
	copycheck *k = arg;
	msgpack_object copy;
	rpc_ref *r;
	rpc_obj *o;

	k->done = true;
	if (err != NULL)
		return;
	copy = *result;
	k->original = rpc_value_ref(refs, result, &r, &o);
	k->copy = rpc_value_ref(refs, &copy, &r, &o);
}

static void
test_copied_value_does_not_resolve_in_its_context(void **state)
{
	fixture *f = *state;
	copycheck k = { 0 };

	/* The context resolves the ext values of its own message only,
	 * not bytes that merely look like one of them. */
	rpc_ref_call(f->p.ref, "make", NULL, copycheck_cb, &k);
	assert_true(tt_run_until(f->p.loop, &k.done, 5.0));
	assert_true(k.original);
	assert_false(k.copy);
}

static void
test_result_object_arrives_live(void **state)
{
	fixture *f = *state;
	capture c;
	tt_answer a;

	capture_call(f, f->p.ref, "make", NULL, &c);
	assert_null(c.err);
	assert_non_null(c.ref);
	tt_answer_init(&a);
	assert_true(tt_call(f->p.loop, c.ref, "add", tt_args_ints(1, 2), &a));
	assert_int_equal(a.result.data.via.u64, 3);
	tt_answer_clear(&a);
	/* Dropping the last reference lets the server free the object. */
	assert_int_equal(f->made.destroyed, 0);
	capture_clear(&c);
	tt_run_for(f->p.loop, 0.1);
	assert_int_equal(f->made.destroyed, 1);
}

static void
test_same_object_twice_is_one_reference(void **state)
{
	fixture *f = *state;
	capture c;

	capture_call(f, f->p.ref, "store", args_obj(f->cobj, false, 0), &c);
	assert_null(c.err);
	capture_clear(&c);
	capture_call(f, f->p.ref, "same", args_obj(f->cobj, false, 0), &c);
	assert_null(c.err);
	assert_true(c.boolean);
	capture_clear(&c);
}

static void
test_decref_releases_export(void **state)
{
	fixture *f = *state;
	/* Static: objects made on it may live until teardown. */
	static tt_calc tmp;
	rpc_obj *obj = tt_calc_new(&tmp);
	capture c;

	capture_call(f, f->p.ref, "store", args_obj(obj, false, 0), &c);
	capture_clear(&c);
	rpc_obj_unref(obj);		/* now only the export holds it */
	tt_run_for(f->p.loop, 0.05);
	assert_int_equal(tmp.destroyed, 0);
	capture_call(f, f->p.ref, "drop", NULL, &c);
	capture_clear(&c);
	tt_run_for(f->p.loop, 0.1);
	assert_int_equal(tmp.destroyed, 1);
}

static void
test_gift_to_third_tub_connects_directly(void **state)
{
	fixture *f = *state;
	rpc_tub *third = tt_tub_listening(f->p.loop, NULL);
	/* Static: objects made on it may live until teardown. */
	static tt_calc tcalc;
	g_autoptr(rpc_obj) tobj = tt_calc_new(&tcalc);
	g_autofree char *tfurl = rpc_tub_register(third, tobj, NULL, NULL,
	    NULL);
	rpc_ref *tref = tt_get_ref(f->p.client, tfurl, NULL);
	tt_answer a;

	assert_non_null(tref);
	assert_int_equal(rpc_tub_n_connections(f->p.server), 1);
	/* client gives the server a reference to the third tub's object;
	 * the server calls it, through its own connection to that tub. */
	tt_answer_init(&a);
	assert_true(tt_call(f->p.loop, f->p.ref, "callback",
	    args_ref(tref, true, 9), &a));
	assert_null(a.err);
	assert_int_equal(a.result.data.via.u64, 10);
	tt_answer_clear(&a);
	assert_int_equal(rpc_tub_n_connections(f->p.server), 2);
	rpc_ref_unref(tref);
	rpc_tub_free(third);
}

static void
test_gift_of_receivers_own_object_comes_home(void **state)
{
	fixture *f = *state;
	capture c;
	rpc_ref *made;

	/* The server made an object; the client passes its reference back
	 * over the same connection: it arrives as the server's object. */
	capture_call(f, f->p.ref, "make", NULL, &c);
	made = rpc_ref_ref(c.ref);
	capture_clear(&c);
	capture_call(f, f->p.ref, "store", args_ref(made, false, 0), &c);
	assert_null(c.err);
	capture_clear(&c);
	assert_null(f->p.calc.stored);
	assert_non_null(f->p.calc.stored_obj);
	rpc_ref_unref(made);
}

static int
setup_nogifts(void **state)
{
	rpc_limits lim;

	rpc_limits_init(&lim);
	lim.accept_gifts = false;
	return setup_lim(state, &lim);
}

static void
test_gifts_refused_when_disabled(void **state)
{
	fixture *f = *state;
	rpc_tub *third = tt_tub_listening(f->p.loop, NULL);
	/* Static: objects made on it may live until teardown. */
	static tt_calc tcalc;
	g_autoptr(rpc_obj) tobj = tt_calc_new(&tcalc);
	g_autofree char *tfurl = rpc_tub_register(third, tobj, NULL, NULL,
	    NULL);
	rpc_ref *tref = tt_get_ref(f->p.client, tfurl, NULL);
	tt_answer a;

	tt_answer_init(&a);
	assert_true(tt_call(f->p.loop, f->p.ref, "callback",
	    args_ref(tref, true, 9), &a));
	assert_string_equal(rpc_remote_error_type(a.err), "gift-failed");
	tt_answer_clear(&a);
	/* The connection survives a refused gift. */
	assert_true(tt_call(f->p.loop, f->p.ref, "add", tt_args_ints(1, 1), &a));
	assert_null(a.err);
	tt_answer_clear(&a);
	rpc_ref_unref(tref);
	rpc_tub_free(third);
}

static int
setup_few_exports(void **state)
{
	fixture *f;
	int r = setup(state);

	f = *state;
	/* The client may export only two objects to the server. */
	((rpc_limits *)rpc_tub_limits(f->p.client))->max_exports = 2;
	return r;
}

static void
test_export_limit_is_a_clear_error(void **state)
{
	fixture *f = *state;
	/* Static: the two objects that were exported live until teardown
	 * closes the connection, and their destructor counts into it. */
	static tt_calc t;
	rpc_obj *objs[3];
	rpc_pack *p = rpc_pack_new();
	tt_answer a;
	int i;

	rpc_pack_array(p, 3);
	for (i = 0; i < 3; i++) {
		objs[i] = tt_calc_new(&t);
		rpc_pack_obj(p, objs[i]);
	}
	tt_answer_init(&a);
	assert_true(tt_call(f->p.loop, f->p.ref, "echo", p, &a));
	assert_true(g_error_matches(a.err, RPC_ERROR, RPC_E_TOOBIG));
	assert_non_null(strstr(a.err->message, "too many objects"));
	tt_answer_clear(&a);
	for (i = 0; i < 3; i++)
		rpc_obj_unref(objs[i]);
}

static void
observer_cb(void *arg)
{
	(*(int *)arg)++;
}

static void
test_disconnect_observers(void **state)
{
	fixture *f = *state;
	int fired = 0, removed = 0;
	guint id;

	rpc_ref_notify_on_disconnect(f->p.ref, observer_cb, &fired);
	id = rpc_ref_notify_on_disconnect(f->p.ref, observer_cb, &removed);
	rpc_ref_dont_notify(f->p.ref, id);
	tt_run_for(f->p.loop, 0.05);
	assert_int_equal(fired, 0);
	rpc_tub_free(f->p.server);
	f->p.server = tt_tub_listening(f->p.loop, NULL);
	tt_run_for(f->p.loop, 0.2);
	assert_int_equal(fired, 1);
	assert_int_equal(removed, 0);
	/* On a dead reference an observer is told on the next pass. */
	rpc_ref_notify_on_disconnect(f->p.ref, observer_cb, &fired);
	assert_int_equal(fired, 1);
	tt_run_for(f->p.loop, 0.05);
	assert_int_equal(fired, 2);
}

static int
setup_keepalive(void **state)
{
	rpc_limits lim;

	rpc_limits_init(&lim);
	lim.keepalive = 0.05;
	lim.disconnect_timeout = 0.3;
	return setup_lim(state, &lim);
}

static void
test_keepalive_keeps_idle_connection(void **state)
{
	fixture *f = *state;
	tt_answer a;

	/* The client answers PINGs, so 1 s of silence is not a timeout. */
	tt_run_for(f->p.loop, 1.0);
	assert_true(rpc_ref_is_connected(f->p.ref));
	tt_answer_init(&a);
	assert_true(tt_call(f->p.loop, f->p.ref, "add", tt_args_ints(1, 1), &a));
	assert_null(a.err);
	tt_answer_clear(&a);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
		    test_object_argument_arrives_live, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_reference_comes_home_as_the_object, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_result_object_arrives_live, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_echoed_references_stay_references, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_value_kept_past_callback_resolves_to_nothing, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    test_copied_value_does_not_resolve_in_its_context, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    test_same_object_twice_is_one_reference, setup, teardown),
		cmocka_unit_test_setup_teardown(test_decref_releases_export,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_gift_to_third_tub_connects_directly, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_gift_of_receivers_own_object_comes_home, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    test_gifts_refused_when_disabled, setup_nogifts, teardown),
		cmocka_unit_test_setup_teardown(
		    test_export_limit_is_a_clear_error, setup_few_exports,
		    teardown),
		cmocka_unit_test_setup_teardown(test_disconnect_observers,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_keepalive_keeps_idle_connection, setup_keepalive,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* tests/unit/test_rpc_reconnect.c -- the reconnector: connects, notices a
 * loss, backs off while the server is down, reconnects when it returns on
 * the same port and key, and is silent after being freed. */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "rpc/common.h"
#include "rpc/err.h"
#include "rpc/reconnect.h"
#include "rpc/tub.h"
#include "tests/unit/tubtest.h"

static const uint8_t server_seed[32] = { 42 };

typedef struct fixture {
	struct ev_loop	*loop;
	rpc_tub		*server, *client;
	tt_calc		 calc;
	char		*furl;
	uint16_t	 port;
	int		 connects;
	rpc_ref		*last;
} fixture;

/* The server on 'port' (0: any) with the same key and name every time. */
static void
start_server(fixture *f, uint16_t port)
{
	g_autoptr(rpc_obj) obj = tt_calc_new(&f->calc);
	g_autoptr(GError) err = NULL;

	f->server = rpc_tub_new(f->loop,
	    rpc_ident_new_from_seed(server_seed), NULL);
	if (!rpc_tub_listen(f->server, "127.0.0.1", port, &err))
		fail_msg("listen: %s", err->message);
	f->port = rpc_tub_port(f->server);
	g_free(f->furl);
	f->furl = rpc_tub_register(f->server, obj, "calc", NULL, &err);
	assert_non_null(f->furl);
}

static int
setup(void **state)
{
	fixture *f = g_new0(fixture, 1);

	f->loop = ev_loop_new(EVFLAG_AUTO);
	start_server(f, 0);
	f->client = rpc_tub_new(f->loop, rpc_ident_new(), NULL);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	fixture *f = *state;

	rpc_ref_unref(f->last);
	rpc_tub_free(f->client);
	rpc_tub_free(f->server);
	ev_loop_destroy(f->loop);
	g_free(f->furl);
	g_free(f);
	return 0;
}

static void
connected_cb(rpc_ref *ref, void *arg)
{
	fixture *f = arg;

	f->connects++;
	rpc_ref_unref(f->last);
	f->last = rpc_ref_ref(ref);
}

static bool
wait_connects(fixture *f, int n, double timeout)
{
	double end = ev_time() + timeout;

	while (f->connects < n && ev_time() < end)
		tt_run_for(f->loop, 0.01);
	return f->connects >= n;
}

static void
test_reconnects_after_server_restart(void **state)
{
	fixture *f = *state;
	rpc_backoff b = { 0.05, 2.0, 0.2, 0.0 };
	rpc_reconnector *r = rpc_reconnector_new(f->client, f->furl, &b,
	    connected_cb, f, NULL);
	tt_answer a;

	assert_int_equal(f->connects, 0);	/* never inside _new */
	assert_true(wait_connects(f, 1, 5.0));
	assert_int_equal(rpc_reconnector_state(r), RPC_RC_CONNECTED);
	tt_answer_init(&a);
	assert_true(tt_call(f->loop, f->last, "add", tt_args_ints(1, 2), &a));
	assert_null(a.err);
	tt_answer_clear(&a);

	/* The server goes away: the reconnector notices and waits. */
	rpc_tub_free(f->server);
	f->server = NULL;
	tt_run_for(f->loop, 0.3);
	assert_int_not_equal(rpc_reconnector_state(r), RPC_RC_CONNECTED);
	assert_non_null(rpc_reconnector_last_error(r));
	/* Back on the same port with the same key: connected again. */
	start_server(f, f->port);
	assert_true(wait_connects(f, 2, 5.0));
	assert_true(tt_call(f->loop, f->last, "add", tt_args_ints(2, 2), &a));
	assert_null(a.err);
	assert_int_equal(a.result.data.via.u64, 4);
	tt_answer_clear(&a);
	assert_int_equal(rpc_reconnector_n_connects(r), 2);
	rpc_reconnector_free(r);
}

/* A reconnector made from a parsed FURL connects, and keeps its own copy:
 * the caller may free the parsed FURL at once. */
static void
test_reconnector_from_parsed_furl(void **state)
{
	fixture *f = *state;
	rpc_backoff b = { 0.05, 2.0, 0.2, 0.0 };
	rpc_furl *parsed = NULL;
	rpc_reconnector *r;

	assert_true(rpc_furl_parse(f->furl, &parsed, NULL));
	r = rpc_reconnector_new_furl(f->client, parsed, &b, connected_cb, f);
	rpc_furl_free(parsed);
	assert_non_null(r);
	assert_int_equal(f->connects, 0);	/* never inside _new */
	assert_true(wait_connects(f, 1, 5.0));
	assert_int_equal(rpc_reconnector_state(r), RPC_RC_CONNECTED);
	rpc_reconnector_free(r);
}

static void
test_backoff_grows_to_cap(void **state)
{
	fixture *f = *state;
	rpc_backoff b = { 0.02, 2.0, 0.1, 0.0 };
	rpc_reconnector *r;
	double waits[6];
	int i;

	rpc_tub_free(f->server);
	f->server = NULL;
	r = rpc_reconnector_new(f->client, f->furl, &b, connected_cb, f,
	    NULL);
	/* Record the wait announced after each failed attempt. */
	for (i = 0; i < 6; i++) {
		double end = ev_time() + 5.0;

		while (rpc_reconnector_state(r) != RPC_RC_WAITING &&
		    ev_time() < end)
			ev_run(f->loop, EVRUN_ONCE);
		ev_now_update(f->loop);
		waits[i] = rpc_reconnector_next_try(r);
		while (rpc_reconnector_state(r) == RPC_RC_WAITING &&
		    ev_time() < end)
			ev_run(f->loop, EVRUN_ONCE);
	}
	/* 0.02, 0.04, 0.08, then capped at 0.1. */
	assert_true(waits[0] <= 0.021);
	assert_true(waits[1] > 0.03 && waits[1] <= 0.041);
	assert_true(waits[2] > 0.07 && waits[2] <= 0.081);
	assert_true(waits[4] > 0.09 && waits[4] <= 0.101);
	assert_true(waits[5] > 0.09 && waits[5] <= 0.101);
	assert_int_equal(f->connects, 0);
	rpc_reconnector_free(r);
}

static void
test_no_callback_after_free(void **state)
{
	fixture *f = *state;
	rpc_reconnector *r = rpc_reconnector_new(f->client, f->furl, NULL,
	    connected_cb, f, NULL);

	/* Free while the first attempt is in flight. */
	ev_run(f->loop, EVRUN_NOWAIT);
	rpc_reconnector_free(r);
	tt_run_for(f->loop, 0.3);
	assert_int_equal(f->connects, 0);
}

static void
test_bad_furl_refused(void **state)
{
	fixture *f = *state;
	g_autoptr(GError) err = NULL;

	assert_null(rpc_reconnector_new(f->client, "pb://x", NULL,
	    connected_cb, f, &err));
	assert_true(g_error_matches(err, RPC_ERROR, RPC_E_FORMAT));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
		    test_reconnects_after_server_restart, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_reconnector_from_parsed_furl, setup, teardown),
		cmocka_unit_test_setup_teardown(test_backoff_grows_to_cap,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_callback_after_free,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_furl_refused, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

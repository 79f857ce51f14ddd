/* tests/unit/test_rpc_tub.c -- two (or three) tubs on one loop over
 * 127.0.0.1: calls, answers, errors, lookups, name-lookup handlers,
 * one-way calls, cancellation, shared and crossed connections, and FURL
 * files. */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include <glib/gstdio.h>

#include "rpc/common.h"
#include "rpc/err.h"
#include "rpc/frame.h"
#include "rpc/furl.h"
#include "rpc/pack.h"
#include "rpc/tub.h"
#include "tests/unit/tubtest.h"

/* A server with a calc and a client not yet connected to it: the tests
 * connect themselves. */
typedef tt_pair fixture;

static int
setup(void **state)
{
	static const tt_pair_opts opts = { NULL, NULL, false, NULL, false };
	fixture *f = g_new0(fixture, 1);

	tt_pair_init(f, &opts);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	fixture *f = *state;

	tt_pair_fini(f);
	g_free(f);
	return 0;
}

static rpc_ref *
connect_calc(fixture *f)
{
	g_autoptr(GError) err = NULL;
	rpc_ref *ref = tt_get_ref(f->client, f->furl, &err);

	if (ref == NULL)
		fail_msg("get_ref: %s", err->message);
	return ref;
}

static int64_t
answer_int(const tt_answer *a)
{
	const msgpack_object *o = &a->result.data;

	if (o->type == MSGPACK_OBJECT_POSITIVE_INTEGER)
		return (int64_t)o->via.u64;
	assert_int_equal(o->type, MSGPACK_OBJECT_NEGATIVE_INTEGER);
	return o->via.i64;
}

static void
test_call_returns_result(void **state)
{
	fixture *f = *state;
	g_autoptr(rpc_ref) ref = connect_calc(f);
	tt_answer a;

	tt_answer_init(&a);
	assert_true(tt_call(f->loop, ref, "add", tt_args_ints(2, 3), &a));
	assert_null(a.err);
	assert_int_equal(answer_int(&a), 5);
	assert_int_equal(a.times, 1);
	tt_answer_clear(&a);
	assert_true(tt_call(f->loop, ref, "add", tt_args_ints(-7, 3), &a));
	assert_int_equal(answer_int(&a), -4);
	tt_answer_clear(&a);
}

static void
test_str_and_bin_stay_distinct(void **state)
{
	fixture *f = *state;
	g_autoptr(rpc_ref) ref = connect_calc(f);
	rpc_pack *args;
	tt_answer a;

	tt_answer_init(&a);
	args = rpc_pack_new();
	rpc_pack_array(args, 1);
	rpc_pack_bin(args, "abc", 3);
	assert_true(tt_call(f->loop, ref, "echo", args, &a));
	assert_null(a.err);
	assert_int_equal(a.result.data.type, MSGPACK_OBJECT_BIN);
	tt_answer_clear(&a);
	args = rpc_pack_new();
	rpc_pack_array(args, 1);
	rpc_pack_str(args, "abc");
	assert_true(tt_call(f->loop, ref, "echo", args, &a));
	assert_int_equal(a.result.data.type, MSGPACK_OBJECT_STR);
	tt_answer_clear(&a);
}

static void
test_large_message_crosses_in_parts(void **state)
{
	fixture *f = *state;
	g_autoptr(rpc_ref) ref = connect_calc(f);
	size_t n = 3 * 1024 * 1024 + 17, i;
	uint8_t *big = g_malloc(n);
	rpc_pack *args = rpc_pack_new();
	tt_answer a;

	/* Over 3 MiB: dozens of frames each way, under the 4 MiB limit. */
	for (i = 0; i < n; i++)
		big[i] = (uint8_t)(i * 7 + (i >> 13));
	rpc_pack_array(args, 1);
	rpc_pack_bin(args, big, n);
	tt_answer_init(&a);
	assert_true(tt_call(f->loop, ref, "echo", args, &a));
	assert_null(a.err);
	assert_int_equal(a.result.data.type, MSGPACK_OBJECT_BIN);
	assert_int_equal(a.result.data.via.bin.size, n);
	assert_memory_equal(a.result.data.via.bin.ptr, big, n);
	tt_answer_clear(&a);
	/* And the connection carries small calls afterwards. */
	assert_true(tt_call(f->loop, ref, "add", tt_args_ints(1, 2), &a));
	assert_int_equal(answer_int(&a), 3);
	tt_answer_clear(&a);
	g_free(big);
}

static void
test_message_over_limit_fails_locally(void **state)
{
	fixture *f = *state;
	g_autoptr(rpc_ref) ref = connect_calc(f);
	size_t n = RPC_MAX_FRAME + 1;
	uint8_t *big = g_malloc0(n);
	rpc_pack *args = rpc_pack_new();
	tt_answer a;

	rpc_pack_array(args, 1);
	rpc_pack_bin(args, big, n);
	g_free(big);
	tt_answer_init(&a);
	assert_true(tt_call(f->loop, ref, "echo", args, &a));
	assert_true(g_error_matches(a.err, RPC_ERROR, RPC_E_TOOBIG));
	tt_answer_clear(&a);
	assert_true(rpc_ref_is_connected(ref));
}

static void
test_remote_error_carries_type(void **state)
{
	fixture *f = *state;
	g_autoptr(rpc_ref) ref = connect_calc(f);
	rpc_pack *args = rpc_pack_new();
	tt_answer a;

	tt_answer_init(&a);
	rpc_pack_array(args, 2);
	rpc_pack_str(args, "grid.QuotaExceeded");
	rpc_pack_str(args, "account 7 is over quota");
	assert_true(tt_call(f->loop, ref, "fail", args, &a));
	assert_true(g_error_matches(a.err, RPC_ERROR, RPC_E_REMOTE));
	assert_string_equal(rpc_remote_error_type(a.err),
	    "grid.QuotaExceeded");
	assert_non_null(strstr(a.err->message, "account 7 is over quota"));
	tt_answer_clear(&a);
}

static void
test_unknown_method_is_distinct_error(void **state)
{
	fixture *f = *state;
	g_autoptr(rpc_ref) ref = connect_calc(f);
	tt_answer a;

	tt_answer_init(&a);
	assert_true(tt_call(f->loop, ref, "mul", tt_args_ints(2, 3), &a));
	assert_string_equal(rpc_remote_error_type(a.err), "no-such-method");
	tt_answer_clear(&a);
}

static void
test_malformed_arguments_are_violation(void **state)
{
	fixture *f = *state;
	g_autoptr(rpc_ref) ref = connect_calc(f);
	rpc_pack *args = rpc_pack_new();
	tt_answer a;

	tt_answer_init(&a);
	rpc_pack_array(args, 2);
	rpc_pack_str(args, "2");
	rpc_pack_int(args, 3);
	assert_true(tt_call(f->loop, ref, "add", args, &a));
	assert_string_equal(rpc_remote_error_type(a.err), "violation");
	tt_answer_clear(&a);
}

static void
test_unknown_swissnum_not_found(void **state)
{
	fixture *f = *state;
	g_autoptr(GError) err = NULL;
	g_autofree char *guess = rpc_tub_furl_for_name(f->server,
	    "zzguessedswissnumberzzzzzzzzzzzz");
	rpc_ref *ref = tt_get_ref(f->client, guess, &err);

	assert_null(ref);
	assert_string_equal(rpc_remote_error_type(err), "not-found");
	/* At most two characters of the secret come back. */
	assert_null(strstr(err->message, "zzg"));
}

static rpc_obj *
mint_handler(rpc_tub *tub, const char *swissnum, void *arg)
{
	tt_calc *calc = arg;

	RPC_UNUSED(tub);
	if (g_str_has_prefix(swissnum, "acct-"))
		return tt_calc_new(calc);
	return NULL;
}

static rpc_obj *
second_handler(rpc_tub *tub, const char *swissnum, void *arg)
{
	int *asked = arg;

	RPC_UNUSED(tub);
	RPC_UNUSED(swissnum);
	(*asked)++;
	return NULL;
}

static void
test_lookup_handler_mints_and_refuses(void **state)
{
	fixture *f = *state;
	/* Static: objects made on it may live until teardown. */
	static tt_calc minted;
	int asked = 0;
	g_autoptr(GError) err = NULL;
	g_autofree char *good = rpc_tub_furl_for_name(f->server, "acct-17");
	g_autofree char *bad = rpc_tub_furl_for_name(f->server, "other-17");
	rpc_ref *ref;
	tt_answer a;

	rpc_tub_add_lookup_handler(f->server, mint_handler, &minted);
	rpc_tub_add_lookup_handler(f->server, second_handler, &asked);
	ref = tt_get_ref(f->client, good, &err);
	assert_non_null(ref);
	assert_int_equal(asked, 0);	/* first handler answered */
	tt_answer_init(&a);
	assert_true(tt_call(f->loop, ref, "add", tt_args_ints(1, 1), &a));
	assert_int_equal(answer_int(&a), 2);
	tt_answer_clear(&a);
	/* Dropping the last reference releases the minted object. */
	rpc_ref_unref(ref);
	tt_run_for(f->loop, 0.2);
	assert_int_equal(minted.destroyed, 1);

	ref = tt_get_ref(f->client, bad, &err);
	assert_null(ref);
	assert_string_equal(rpc_remote_error_type(err), "not-found");
	assert_int_equal(asked, 1);	/* refused by both, in order */
}

static void
test_registered_name_beats_handler(void **state)
{
	fixture *f = *state;
	/* Static: objects made on it may live until teardown. */
	static tt_calc minted, named;
	g_autoptr(rpc_obj) obj = tt_calc_new(&named);
	g_autoptr(GError) err = NULL;
	g_autofree char *furl = NULL;
	rpc_ref *ref;
	tt_answer a;

	rpc_tub_add_lookup_handler(f->server, mint_handler, &minted);
	furl = rpc_tub_register(f->server, obj, "acct-1", NULL, &err);
	assert_non_null(furl);
	ref = tt_get_ref(f->client, furl, &err);
	assert_non_null(ref);
	tt_answer_init(&a);
	assert_true(tt_call(f->loop, ref, "note", NULL, &a));
	tt_answer_clear(&a);
	assert_int_equal(named.notes, 1);
	assert_int_equal(minted.notes, 0);
	rpc_ref_unref(ref);
}

static void
test_oneway_call_runs_in_order(void **state)
{
	fixture *f = *state;
	g_autoptr(rpc_ref) ref = connect_calc(f);
	tt_answer a;

	rpc_ref_call_oneway(ref, "note", NULL);
	rpc_ref_call_oneway(ref, "note", NULL);
	/* Calls start in arrival order: both notes ran before this. */
	tt_answer_init(&a);
	assert_true(tt_call(f->loop, ref, "add", tt_args_ints(0, 0), &a));
	assert_int_equal(f->calc.notes, 2);
	tt_answer_clear(&a);
}

static void
test_tubid_mismatch_refused(void **state)
{
	fixture *f = *state;
	g_autoptr(rpc_ident) other = rpc_ident_new();
	g_autoptr(rpc_furl) real = NULL;
	g_autoptr(GError) err = NULL;
	g_autofree char *forged = NULL;
	char loc[64];

	assert_true(rpc_furl_parse(f->furl, &real, NULL));
	g_snprintf(loc, sizeof(loc), "tcp:127.0.0.1:%u",
	    rpc_tub_port(f->server));
	forged = rpc_furl_build(rpc_ident_tubid(other), loc,
	    rpc_furl_swissnum(real), NULL);
	assert_null(tt_get_ref(f->client, forged, &err));
	assert_true(g_error_matches(err, RPC_ERROR, RPC_E_MISMATCH));
	assert_non_null(strstr(err->message, "tubid mismatch"));
}

struct twoway {
	int	 done;
	rpc_ref	*ref;
};

static void
twoway_cb(rpc_ref *ref, const GError *err, void *arg)
{
	struct twoway *t = arg;

	if (err != NULL)
		fail_msg("get_ref: %s", err->message);
	t->ref = ref;
	t->done++;
}

/* rpc_tub_get_ref_furl() copies the parsed FURL: it may be freed before
 * the lookup completes. */
static void
test_get_ref_from_parsed_furl(void **state)
{
	fixture *f = *state;
	struct twoway t = { 0 };
	rpc_furl *parsed = NULL;
	bool done = false;
	tt_answer a;
	int i;

	assert_true(rpc_furl_parse(f->furl, &parsed, NULL));
	rpc_tub_get_ref_furl(f->client, parsed, twoway_cb, &t);
	rpc_furl_free(parsed);
	assert_int_equal(t.done, 0);		/* never inside the call */
	for (i = 0; i < 500 && !done; i++) {
		tt_run_for(f->loop, 0.01);
		done = t.done == 1;
	}
	assert_true(done);
	assert_non_null(t.ref);
	tt_answer_init(&a);
	assert_true(tt_call(f->loop, t.ref, "add", tt_args_ints(2, 3), &a));
	assert_null(a.err);
	assert_int_equal(a.result.data.via.u64, 5);
	tt_answer_clear(&a);
	rpc_ref_unref(t.ref);
}

/* Arguments over the caller's own frame limit are not sent: the call
 * fails locally with RPC_E_TOOBIG, "overloaded" (doc/protocol.md §6, §8),
 * and the connection stays up. */
static void
test_arguments_over_frame_limit_fail_overloaded(void **state)
{
	fixture *f = *state;
	rpc_limits lim;
	rpc_tub *small;
	g_autoptr(rpc_ref) ref = NULL;
	static uint8_t big[2048];
	rpc_pack *p;
	tt_answer a;

	rpc_limits_init(&lim);
	lim.max_frame = 1024;
	small = rpc_tub_new(f->loop, rpc_ident_new(), &lim);
	ref = tt_get_ref(small, f->furl, NULL);
	assert_non_null(ref);
	p = rpc_pack_new();
	rpc_pack_array(p, 1);
	rpc_pack_bin(p, big, sizeof(big));
	tt_answer_init(&a);
	assert_true(tt_call(f->loop, ref, "echo", p, &a));
	assert_true(g_error_matches(a.err, RPC_ERROR, RPC_E_TOOBIG));
	assert_true(g_str_has_prefix(a.err->message, "overloaded:"));
	assert_non_null(strstr(a.err->message, "frame limit"));
	tt_answer_clear(&a);
	assert_true(tt_call(f->loop, ref, "add", tt_args_ints(1, 2), &a));
	assert_null(a.err);
	tt_answer_clear(&a);
	g_clear_pointer(&ref, rpc_ref_unref);
	rpc_tub_free(small);
}

static void
test_one_connection_per_pair(void **state)
{
	fixture *f = *state;
	/* Static: objects made on it may live until teardown. */
	static tt_calc second;
	g_autoptr(rpc_obj) obj = tt_calc_new(&second);
	g_autofree char *furl2 = rpc_tub_register(f->server, obj, NULL, NULL,
	    NULL);
	g_autoptr(rpc_ref) r1 = connect_calc(f);
	g_autoptr(rpc_ref) r2 = tt_get_ref(f->client, furl2, NULL);

	assert_non_null(r2);
	assert_int_equal(rpc_tub_n_connections(f->client), 1);
	assert_int_equal(rpc_tub_n_connections(f->server), 1);
}

static void
test_crossed_dials_end_with_one_connection(void **state)
{
	fixture *f = *state;
	rpc_tub *other = tt_tub_listening(f->loop, NULL);
	/* Static: objects made on it may live until teardown. */
	static tt_calc calc2;
	g_autoptr(rpc_obj) obj = tt_calc_new(&calc2);
	g_autofree char *furl2 = rpc_tub_register(other, obj, NULL, NULL,
	    NULL);
	struct twoway a = { 0 }, b = { 0 };
	bool both = false;
	tt_answer ans;
	int i;

	/* Each tub dials the other in the same loop pass. */
	rpc_tub_get_ref(other, f->furl, twoway_cb, &a);
	rpc_tub_get_ref(f->server, furl2, twoway_cb, &b);
	for (i = 0; i < 500 && !both; i++) {
		tt_run_for(f->loop, 0.01);
		both = a.done == 1 && b.done == 1;
	}
	assert_true(both);
	tt_run_for(f->loop, 0.2);
	assert_int_equal(rpc_tub_n_connections(other), 1);
	assert_int_equal(rpc_tub_n_connections(f->server), 1);
	/* References obtained during the race keep working when they were
	 * made on the surviving connection; fetch again to be sure. */
	rpc_ref_unref(a.ref);
	rpc_ref_unref(b.ref);
	a.ref = tt_get_ref(other, f->furl, NULL);
	b.ref = tt_get_ref(f->server, furl2, NULL);
	assert_non_null(a.ref);
	assert_non_null(b.ref);
	tt_answer_init(&ans);
	assert_true(tt_call(f->loop, a.ref, "add", tt_args_ints(1, 2), &ans));
	assert_null(ans.err);
	tt_answer_clear(&ans);
	assert_true(tt_call(f->loop, b.ref, "add", tt_args_ints(1, 2), &ans));
	assert_null(ans.err);
	tt_answer_clear(&ans);
	rpc_ref_unref(a.ref);
	rpc_ref_unref(b.ref);
	rpc_tub_free(other);
}

static void
test_pending_call_fails_on_disconnect(void **state)
{
	fixture *f = *state;
	rpc_ref *ref = connect_calc(f);
	tt_answer a, b;

	tt_answer_init(&a);
	tt_answer_init(&b);
	rpc_ref_call(ref, "hold", NULL, tt_answer_cb, &a);
	tt_run_for(f->loop, 0.1);
	assert_false(a.done);
	assert_non_null(f->calc.held);
	/* The server goes away: the call in flight fails once. */
	rpc_tub_free(f->server);
	f->server = NULL;
	assert_true(tt_run_until(f->loop, &a.done, 5.0));
	assert_true(g_error_matches(a.err, RPC_ERROR, RPC_E_CLOSED));
	assert_false(rpc_ref_is_connected(ref));
	/* A call on the dead reference fails too, but never inside. */
	rpc_ref_call(ref, "add", tt_args_ints(1, 2), tt_answer_cb, &b);
	assert_false(b.done);
	assert_true(tt_run_until(f->loop, &b.done, 1.0));
	assert_true(g_error_matches(b.err, RPC_ERROR, RPC_E_CLOSED));
	tt_run_for(f->loop, 0.1);
	assert_int_equal(a.times, 1);
	assert_int_equal(b.times, 1);
	/* Answering the orphaned incall is harmless. */
	tt_calc_release(&f->calc);
	tt_answer_clear(&a);
	tt_answer_clear(&b);
	rpc_ref_unref(ref);
	f->server = tt_tub_listening(f->loop, NULL);
}

static void
test_cancel_completes_once(void **state)
{
	fixture *f = *state;
	g_autoptr(rpc_ref) ref = connect_calc(f);
	rpc_call *call;
	tt_answer a;

	tt_answer_init(&a);
	call = rpc_ref_call(ref, "hold", NULL, tt_answer_cb, &a);
	rpc_call_cancel(call);
	assert_false(a.done);
	assert_true(tt_run_until(f->loop, &a.done, 1.0));
	assert_true(g_error_matches(a.err, RPC_ERROR, RPC_E_CANCELLED));
	/* The late answer is dropped, not delivered a second time. */
	tt_calc_release(&f->calc);
	tt_run_for(f->loop, 0.1);
	assert_int_equal(a.times, 1);
	tt_answer_clear(&a);
}

static void
test_bad_furl_fails_later(void **state)
{
	fixture *f = *state;
	g_autoptr(GError) err = NULL;

	assert_null(tt_get_ref(f->client, "pb://nope", &err));
	assert_true(g_error_matches(err, RPC_ERROR, RPC_E_FORMAT));
}

static void
test_connection_refused(void **state)
{
	fixture *f = *state;
	g_autoptr(GError) err = NULL;
	g_autoptr(rpc_furl) real = NULL;
	g_autofree char *dead = NULL;
	rpc_tub *gone = tt_tub_listening(f->loop, NULL);
	char loc[64];

	g_snprintf(loc, sizeof(loc), "tcp:127.0.0.1:%u", rpc_tub_port(gone));
	dead = rpc_furl_build(rpc_tub_tubid(gone), loc, "abc", NULL);
	rpc_tub_free(gone);
	assert_null(tt_get_ref(f->client, dead, &err));
	assert_true(g_error_matches(err, RPC_ERROR, RPC_E_SYSTEM));
}

static void
test_furl_file_keeps_furl_across_restart(void **state)
{
	fixture *f = *state;
	g_autofree char *dir = g_dir_make_tmp("tubtest-XXXXXX", NULL);
	g_autofree char *keyfile = g_build_filename(dir, "key", NULL);
	g_autofree char *furlfile = g_build_filename(dir, "obj.furl", NULL);
	g_autofree char *furl1 = NULL, *furl2 = NULL;
	g_autoptr(GError) err = NULL;
	/* Static: objects made on it may live until teardown. */
	static tt_calc c;
	g_autoptr(rpc_obj) obj = tt_calc_new(&c);
	rpc_tub *t;
	GStatBuf st;

	t = rpc_tub_new(f->loop, rpc_ident_load_or_create(keyfile, NULL),
	    NULL);
	assert_true(rpc_tub_set_location(t, "tcp:127.0.0.1:1234", NULL));
	furl1 = rpc_tub_register(t, obj, NULL, furlfile, &err);
	assert_non_null(furl1);
	assert_int_equal(g_stat(furlfile, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	rpc_tub_free(t);

	t = rpc_tub_new(f->loop, rpc_ident_load_or_create(keyfile, NULL),
	    NULL);
	assert_true(rpc_tub_set_location(t, "tcp:127.0.0.1:1234", NULL));
	furl2 = rpc_tub_register(t, obj, NULL, furlfile, &err);
	assert_non_null(furl2);
	assert_string_equal(furl1, furl2);
	rpc_tub_free(t);

	/* Another key may not adopt the file. */
	t = rpc_tub_new(f->loop, rpc_ident_new(), NULL);
	assert_null(rpc_tub_register(t, obj, NULL, furlfile, &err));
	assert_true(g_error_matches(err, RPC_ERROR, RPC_E_MISMATCH));
	rpc_tub_free(t);
	unlink(furlfile);
	unlink(keyfile);
	g_rmdir(dir);
}

static void
test_register_rejects_duplicate_and_bad_names(void **state)
{
	fixture *f = *state;
	/* Static: objects made on it may live until teardown. */
	static tt_calc c;
	g_autoptr(rpc_obj) obj = tt_calc_new(&c);
	g_autofree char *furl = NULL;
	GError *err = NULL;

	furl = rpc_tub_register(f->server, obj, "name1", NULL, &err);
	assert_non_null(furl);
	assert_null(rpc_tub_register(f->server, obj, "name1", NULL, &err));
	g_clear_error(&err);
	assert_null(rpc_tub_register(f->server, obj, "a/b", NULL, &err));
	g_clear_error(&err);
	assert_true(rpc_tub_unregister(f->server, "name1"));
	assert_false(rpc_tub_unregister(f->server, "name1"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_call_returns_result,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_str_and_bin_stay_distinct,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_large_message_crosses_in_parts, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_message_over_limit_fails_locally, setup, teardown),
		cmocka_unit_test_setup_teardown(test_remote_error_carries_type,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_unknown_method_is_distinct_error, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_malformed_arguments_are_violation, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_unknown_swissnum_not_found, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_lookup_handler_mints_and_refuses, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_registered_name_beats_handler, setup, teardown),
		cmocka_unit_test_setup_teardown(test_oneway_call_runs_in_order,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_tubid_mismatch_refused,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_get_ref_from_parsed_furl,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_arguments_over_frame_limit_fail_overloaded, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_one_connection_per_pair,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_crossed_dials_end_with_one_connection, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    test_pending_call_fails_on_disconnect, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cancel_completes_once,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_furl_fails_later,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_connection_refused,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_furl_file_keeps_furl_across_restart, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_register_rejects_duplicate_and_bad_names, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

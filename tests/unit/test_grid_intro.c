/* tests/unit/test_grid_intro.c -- announcements, the introducer and its
 * client, on tubs in one process: signatures and tampering, seqnum
 * replacement, and subscribers that check what a relay hands them. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>
#include <glib/gstdio.h>
#include <sodium.h>

#include "grid/announce.h"
#include "grid/broker.h"
#include "grid/gm.h"
#include "grid/intro_client.h"
#include "grid/introducer.h"
#include "grid/storage.h"
#include "node/dir.h"
#include "rpc/common.h"
#include "rpc/err.h"
#include "tests/unit/tubtest.h"

static const char *OTHER_FURL_SWISS = "abcdefghijklmnopqrstuvwxyz234567";

/* A storage FURL for 'id' (its own tubid). */
static char *
furl_for(const rpc_ident *id)
{
	return g_strdup_printf("pb://%s@tcp:127.0.0.1:1/%s",
	    rpc_ident_tubid(id), OTHER_FURL_SWISS);
}

static grid_ann *
verify_ann(const grid_ann *a, GError **err)
{
	gsize len;
	const uint8_t *m = g_bytes_get_data(a->msg, &len);

	return grid_ann_verify(m, len, a->sig, sizeof(a->sig), a->key_text,
	    strlen(a->key_text), err);
}

static void
test_ann_roundtrip(void **state)
{
	g_autoptr(rpc_ident) id = rpc_ident_new();
	g_autofree char *furl = furl_for(id);
	char *certs[] = { (char *)"{\"certificate\":\"x\",\"signature\":\"y\"}",
	    NULL };
	g_autoptr(grid_ann) a = grid_ann_sign(id, "storage", "storage0",
	    furl, "seed", 7, certs);
	g_autoptr(GError) err = NULL;
	g_autoptr(grid_ann) b = verify_ann(a, &err);

	RPC_UNUSED(state);
	assert_non_null(b);
	assert_string_equal(b->service, "storage");
	assert_string_equal(b->nickname, "storage0");
	assert_string_equal(b->furl, furl);
	assert_string_equal(b->perm_seed, "seed");
	assert_int_equal(b->seqnum, 7);
	assert_int_equal(b->certs->len, 1);
	assert_memory_equal(b->key, rpc_ident_pk(id), 32);
}

/* Flipping any single byte of the message breaks the signature. */
static void
test_ann_tampered_bytes(void **state)
{
	g_autoptr(rpc_ident) id = rpc_ident_new();
	g_autofree char *furl = furl_for(id);
	g_autoptr(grid_ann) a = grid_ann_sign(id, "storage", "s", furl, "",
	    1, NULL);
	gsize len, i;
	const uint8_t *m = g_bytes_get_data(a->msg, &len);
	g_autofree uint8_t *copy = g_memdup2(m, len);

	RPC_UNUSED(state);
	for (i = 0; i < len; i++) {
		g_autoptr(GError) err = NULL;
		grid_ann *b;

		copy[i] ^= 0x01;
		b = grid_ann_verify(copy, len, a->sig, 64, a->key_text,
		    strlen(a->key_text), &err);
		assert_null(b);
		assert_true(g_error_matches(err, GRID_ERROR, GRID_E_FORMAT));
		copy[i] ^= 0x01;
	}
}

static void
test_ann_bad_key_and_sig(void **state)
{
	g_autoptr(rpc_ident) id = rpc_ident_new();
	g_autoptr(rpc_ident) other = rpc_ident_new();
	g_autofree char *furl = furl_for(id);
	g_autofree char *otherkey = rpc_ident_pubkey_text(other);
	g_autoptr(grid_ann) a = grid_ann_sign(id, "storage", "s", furl, "",
	    1, NULL);
	gsize len;
	const uint8_t *m = g_bytes_get_data(a->msg, &len);
	g_autoptr(GError) e1 = NULL, e2 = NULL, e3 = NULL, e4 = NULL;

	RPC_UNUSED(state);
	/* Another node's key. */
	assert_null(grid_ann_verify(m, len, a->sig, 64, otherkey,
	    strlen(otherkey), &e1));
	assert_non_null(strstr(e1->message, "signature"));
	/* A short signature, key text that is not a key, an empty one. */
	assert_null(grid_ann_verify(m, len, a->sig, 63, a->key_text,
	    strlen(a->key_text), &e2));
	assert_null(grid_ann_verify(m, len, a->sig, 64, "pub-v0-zz", 9, &e3));
	assert_null(grid_ann_verify(m, len, a->sig, 64, "", 0, &e4));
	assert_non_null(strstr(e3->message, "key"));
}

/* A node may announce only a FURL of its own tub. */
static void
test_ann_furl_of_another_tub(void **state)
{
	g_autoptr(rpc_ident) id = rpc_ident_new();
	g_autoptr(rpc_ident) other = rpc_ident_new();
	g_autofree char *furl = furl_for(other);
	g_autoptr(grid_ann) a = grid_ann_sign(id, "storage", "s", furl, "",
	    1, NULL);
	g_autoptr(GError) err = NULL;

	RPC_UNUSED(state);
	assert_null(verify_ann(a, &err));
	assert_non_null(strstr(err->message, "tubid"));
	assert_null(strstr(err->message, OTHER_FURL_SWISS));
}

/* Validly signed bytes that are not a well-formed announcement. */
static void
test_ann_signed_garbage(void **state)
{
	static const char *bad[] = {
		"not json",
		"[1,2]",
		"{\"nickname\":\"x\",\"seqnum\":1}",		/* no service */
		"{\"service-name\":\"storage\"}",		/* no seqnum */
		"{\"service-name\":\"storage\",\"seqnum\":-1}",
		"{\"service-name\":\"storage\",\"seqnum\":\"1\"}",
		"{\"service-name\":7,\"seqnum\":1}",
		"{\"service-name\":\"storage\",\"seqnum\":1,"
		    "\"nickname\":[]}",
		"{\"service-name\":\"storage\",\"seqnum\":1,"
		    "\"grid-manager-certificates\":[1]}",
		"{\"service-name\":\"storage\",\"seqnum\":1,"
		    "\"anonymous-storage-FURL\":\"pb://x\"}",
	};
	g_autoptr(rpc_ident) id = rpc_ident_new();
	g_autofree char *key = rpc_ident_pubkey_text(id);
	size_t i;

	RPC_UNUSED(state);
	for (i = 0; i < G_N_ELEMENTS(bad); i++) {
		size_t clen = strlen(GRID_ANN_CONTEXT), len = strlen(bad[i]);
		g_autofree uint8_t *buf = g_malloc(clen + len);
		uint8_t sig[64];
		g_autoptr(GError) err = NULL;

		memcpy(buf, GRID_ANN_CONTEXT, clen);
		memcpy(buf + clen, bad[i], len);
		crypto_sign_detached(sig, NULL, buf, clen + len,
		    rpc_ident_sk(id));
		assert_null(grid_ann_verify((const uint8_t *)bad[i], len, sig,
		    64, key, strlen(key), &err));
		assert_true(g_error_matches(err, GRID_ERROR, GRID_E_FORMAT));
	}
}

/* Control characters in a nickname never reach a terminal or a table. */
static void
test_ann_nickname_control_chars(void **state)
{
	g_autoptr(rpc_ident) id = rpc_ident_new();
	g_autoptr(grid_ann) a = grid_ann_sign(id, "storage",
	    "evil\x1b[2J\nnext", NULL, "", 1, NULL);
	g_autoptr(GError) err = NULL;
	g_autoptr(grid_ann) b = verify_ann(a, &err);

	RPC_UNUSED(state);
	assert_non_null(b);
	assert_string_equal(b->nickname, "evil?[2J?next");
}

/* ---- the introducer and its clients on one loop ---- */

struct seen {
	GPtrArray	*nicks;		/* "nickname/seqnum" */
};

/* An introducer on 'itub', its FURL in *ifurl (the FURL file is gone
 * again). */
static grid_intro *
intro_start(rpc_tub *itub, char **ifurl)
{
	g_autofree char *dir = g_dir_make_tmp("gi-XXXXXX", NULL);
	g_autofree char *ff = g_build_filename(dir, "i.furl", NULL);
	g_autoptr(GError) err = NULL;
	grid_intro *in = grid_intro_new(itub, ff, &err);

	assert_non_null(in);
	assert_true(g_file_get_contents(ff, ifurl, NULL, NULL));
	g_strstrip(*ifurl);
	g_unlink(ff);
	g_rmdir(dir);
	return in;
}

/* 'n' nodes on their own tubs publish storage announcements padded with
 * 15 certificate-shaped strings of ~930 bytes (~14 KB each, near
 * GRID_ANN_MAX); wait until the introducer 'in' keeps them all. */
static void
publish_heavy(struct ev_loop *loop, grid_intro *in, const char *ifurl,
    rpc_tub **pubs, grid_ic **ics, int n)
{
	g_autofree char *cert = g_strdup_printf("{\"certificate\":\"%0*d\","
	    "\"signature\":\"x\"}", 900, 0);
	g_autoptr(GError) err = NULL;
	char *certs[16];
	int i;

	for (i = 0; i < 15; i++)
		certs[i] = cert;
	certs[15] = NULL;
	for (i = 0; i < n; i++) {
		g_autofree char *sf = NULL, *nick = NULL;

		pubs[i] = tt_tub_listening(loop, NULL);
		ics[i] = grid_ic_new(pubs[i], ifurl, &err);
		sf = furl_for(rpc_tub_ident(pubs[i]));
		nick = g_strdup_printf("n%d", i);
		grid_ic_publish(ics[i], grid_ann_sign(rpc_tub_ident(pubs[i]),
		    "storage", nick, sf, "", 1, certs));
	}
	for (i = 0; i < 400; i++) {
		json_t *st = json_object();
		json_int_t kept;

		grid_intro_status(in, st);
		kept = json_integer_value(json_object_get(st,
		    "announcements_kept"));
		json_decref(st);
		if (kept == n)
			return;
		tt_run_for(loop, 0.05);
	}
	fail_msg("the introducer did not keep %d announcements", n);
}

static void
seen_cb(const grid_ann *a, void *arg)
{
	struct seen *s = arg;

	g_ptr_array_add(s->nicks, g_strdup_printf("%s/%" G_GUINT64_FORMAT,
	    a->nickname, a->seqnum));
}

static bool
seen_has(struct seen *s, const char *what)
{
	guint i;

	for (i = 0; i < s->nicks->len; i++)
		if (strcmp(g_ptr_array_index(s->nicks, i), what) == 0)
			return true;
	return false;
}

static void
run_until_seen(struct ev_loop *loop, struct seen *s, const char *what)
{
	int i;

	for (i = 0; i < 100 && !seen_has(s, what); i++)
		tt_run_for(loop, 0.05);
}

static void
test_intro_publish_subscribe(void **state)
{
	struct ev_loop *loop = ev_loop_new(EVFLAG_AUTO);
	rpc_tub *itub = tt_tub_listening(loop, NULL);
	rpc_tub *pub = tt_tub_listening(loop, NULL);
	rpc_tub *sub = tt_tub_listening(loop, NULL);
	g_autoptr(GError) err = NULL;
	grid_intro *in;
	g_autofree char *ifurl = NULL, *sfurl = NULL;
	struct seen s = { g_ptr_array_new_with_free_func(g_free) };
	grid_ic *pic, *sic;
	rpc_ref *raw;
	tt_answer ans;
	rpc_pack *p;
	gsize len;
	const uint8_t *m;
	g_autoptr(grid_ann) good = NULL;
	g_autofree uint8_t *bad = NULL;

	RPC_UNUSED(state);
	/* The introducer's FURL is written to its FURL file. */
	in = intro_start(itub, &ifurl);
	sic = grid_ic_new(sub, ifurl, &err);
	assert_non_null(sic);
	grid_ic_subscribe(sic, "storage", seen_cb, &s);
	pic = grid_ic_new(pub, ifurl, &err);
	assert_non_null(pic);
	sfurl = furl_for(rpc_tub_ident(pub));
	grid_ic_publish(pic, grid_ann_sign(rpc_tub_ident(pub), "storage",
	    "storage0", sfurl, "", 5, NULL));
	run_until_seen(loop, &s, "storage0/5");
	assert_true(seen_has(&s, "storage0/5"));

	/* An older seqnum changes nothing; a newer one reaches the
	 * subscriber. */
	grid_ic_publish(pic, grid_ann_sign(rpc_tub_ident(pub), "storage",
	    "old", sfurl, "", 4, NULL));
	grid_ic_publish(pic, grid_ann_sign(rpc_tub_ident(pub), "storage",
	    "storage0", sfurl, "", 6, NULL));
	run_until_seen(loop, &s, "storage0/6");
	assert_true(seen_has(&s, "storage0/6"));
	assert_false(seen_has(&s, "old/4"));
	/* An equal seqnum changes nothing either (the introducer keeps the
	 * first): only the later 7 arrives. */
	grid_ic_publish(pic, grid_ann_sign(rpc_tub_ident(pub), "storage",
	    "same", sfurl, "", 6, NULL));
	grid_ic_publish(pic, grid_ann_sign(rpc_tub_ident(pub), "storage",
	    "storage0", sfurl, "", 7, NULL));
	run_until_seen(loop, &s, "storage0/7");
	assert_true(seen_has(&s, "storage0/7"));
	assert_false(seen_has(&s, "same/6"));

	/* A tampered announcement sent straight to the introducer is
	 * refused and never relayed. */
	raw = tt_get_ref(pub, ifurl, &err);
	assert_non_null(raw);
	good = grid_ann_sign(rpc_tub_ident(pub), "storage", "evil", sfurl, "",
	    9, NULL);
	m = g_bytes_get_data(good->msg, &len);
	bad = g_memdup2(m, len);
	bad[len / 2] ^= 0x20;
	p = rpc_pack_new();
	rpc_pack_array(p, 3);
	rpc_pack_bin(p, bad, len);
	rpc_pack_bin(p, good->sig, 64);
	rpc_pack_str(p, good->key_text);
	tt_answer_init(&ans);
	assert_true(tt_call(loop, raw, "publish", p, &ans));
	assert_non_null(ans.err);
	assert_string_equal(rpc_remote_error_type(ans.err),
	    "grid.BadAnnouncement");
	tt_answer_clear(&ans);
	tt_run_for(loop, 0.2);
	assert_false(seen_has(&s, "evil/9"));

	rpc_ref_unref(raw);
	grid_ic_free(pic);
	grid_ic_free(sic);
	grid_intro_free(in);
	rpc_tub_free(sub);
	rpc_tub_free(pub);
	rpc_tub_free(itub);
	ev_loop_destroy(loop);
	g_ptr_array_unref(s.nicks);
}

/* Announcements weighing more than a frame in all reach a new subscriber
 * (in several batches), and a node may publish only its own key. */
#define HEAVY_NODES	320		/* x ~14 KB > the 4 MiB frame */

static void
test_intro_heavy_and_foreign(void **state)
{
	struct ev_loop *loop = ev_loop_new(EVFLAG_AUTO);
	rpc_tub *itub = tt_tub_listening(loop, NULL);
	rpc_tub *pubs[HEAVY_NODES];
	rpc_tub *sub = tt_tub_listening(loop, NULL);
	g_autofree char *ifurl = NULL;
	g_autoptr(GError) err = NULL;
	grid_intro *in = intro_start(itub, &ifurl);
	struct seen s = { g_ptr_array_new_with_free_func(g_free) };
	grid_ic *ics[HEAVY_NODES], *sic;
	g_autoptr(grid_ann) foreign = NULL;
	g_autofree char *ffurl = NULL;
	rpc_ref *raw;
	rpc_pack *p;
	tt_answer ans;
	int i;

	RPC_UNUSED(state);
	/* Subscribe only once the introducer holds them all, so that they
	 * go out in batches to one subscriber. */
	publish_heavy(loop, in, ifurl, pubs, ics, HEAVY_NODES);
	sic = grid_ic_new(sub, ifurl, &err);
	grid_ic_subscribe(sic, "storage", seen_cb, &s);
	for (i = 0; i < 200 && s.nicks->len < HEAVY_NODES; i++)
		tt_run_for(loop, 0.05);
	assert_int_equal(s.nicks->len, HEAVY_NODES);

	/* pubs[0] publishes an announcement signed by pubs[1]'s key. */
	ffurl = furl_for(rpc_tub_ident(pubs[1]));
	foreign = grid_ann_sign(rpc_tub_ident(pubs[1]), "storage", "foreign",
	    ffurl, "", 99, NULL);
	raw = tt_get_ref(pubs[0], ifurl, &err);
	assert_non_null(raw);
	p = rpc_pack_new();
	grid_ann_pack(foreign, p);
	tt_answer_init(&ans);
	assert_true(tt_call(loop, raw, "publish", p, &ans));
	assert_non_null(ans.err);
	assert_string_equal(rpc_remote_error_type(ans.err),
	    "grid.BadAnnouncement");
	assert_non_null(strstr(ans.err->message, "own key"));
	tt_answer_clear(&ans);
	rpc_ref_unref(raw);

	grid_ic_free(sic);
	for (i = 0; i < HEAVY_NODES; i++)
		grid_ic_free(ics[i]);
	grid_intro_free(in);
	for (i = 0; i < HEAVY_NODES; i++)
		rpc_tub_free(pubs[i]);
	rpc_tub_free(sub);
	rpc_tub_free(itub);
	ev_loop_destroy(loop);
	g_ptr_array_unref(s.nicks);
}

/* A lying introducer: its subscribe() hands the subscriber one good and
 * one forged announcement.  Only the good one gets through. */
static grid_ann *liar_good, *liar_forged;

static void
liar_subscribe(rpc_incall *call, rpc_mp *args, void *data)
{
	rpc_ref *ref = NULL;
	rpc_pack *p = rpc_pack_new();

	RPC_UNUSED(data);
	assert_int_equal(rpc_arg_ref(args, &ref, NULL), 0);
	rpc_pack_array(p, 1);
	rpc_pack_array(p, 2);
	grid_ann_pack(liar_forged, p);
	grid_ann_pack(liar_good, p);
	rpc_ref_call_oneway(ref, "announce", p);
	rpc_incall_return(call, NULL);
}

static void
liar_publish(rpc_incall *call, rpc_mp *args, void *data)
{
	RPC_UNUSED(args);
	RPC_UNUSED(data);
	rpc_incall_return(call, NULL);
}

static const rpc_method liar_methods[] = {
	{ "subscribe", liar_subscribe, NULL, 0, NULL },
	{ "publish", liar_publish, NULL, 0, NULL },
};
static const rpc_iface liar_iface = { "liar", liar_methods, 2 };

static void
test_subscriber_checks_relayed(void **state)
{
	struct ev_loop *loop = ev_loop_new(EVFLAG_AUTO);
	rpc_tub *ltub = tt_tub_listening(loop, NULL);
	rpc_tub *sub = tt_tub_listening(loop, NULL);
	g_autoptr(rpc_ident) node = rpc_ident_new();
	g_autofree char *sfurl = furl_for(node), *lfurl = NULL;
	g_autoptr(GError) err = NULL;
	struct seen s = { g_ptr_array_new_with_free_func(g_free) };
	rpc_obj *liar = rpc_obj_new(&liar_iface, NULL, NULL);
	json_t *st = json_object();
	grid_ic *ic;

	RPC_UNUSED(state);
	liar_good = grid_ann_sign(node, "storage", "honest", sfurl, "", 1,
	    NULL);
	liar_forged = grid_ann_sign(node, "storage", "forged", sfurl, "", 2,
	    NULL);
	liar_forged->sig[0] ^= 1;
	lfurl = rpc_tub_register(ltub, liar, NULL, NULL, &err);
	assert_non_null(lfurl);
	ic = grid_ic_new(sub, lfurl, &err);
	grid_ic_subscribe(ic, "storage", seen_cb, &s);
	run_until_seen(loop, &s, "honest/1");
	assert_true(seen_has(&s, "honest/1"));
	assert_false(seen_has(&s, "forged/2"));
	grid_ic_status(ic, st);
	assert_int_equal(json_integer_value(json_object_get(st,
	    "announcements_dropped")), 1);
	json_decref(st);
	grid_ic_free(ic);
	rpc_obj_unref(liar);
	grid_ann_free(liar_good);
	grid_ann_free(liar_forged);
	rpc_tub_free(sub);
	rpc_tub_free(ltub);
	ev_loop_destroy(loop);
	g_ptr_array_unref(s.nicks);
}

/* A client shut down while a server has not answered get_version (a
 * hung or hostile server): the broker goes first, then the tub completes
 * the cancelled call.  Under ASan this was a use after free. */
static rpc_incall *slow_held;

static void
slow_version(rpc_incall *call, rpc_mp *args, void *data)
{
	RPC_UNUSED(args);
	RPC_UNUSED(data);
	slow_held = call;
}

static const rpc_method slow_methods[] = {
	{ "get_version", slow_version, NULL, 0, NULL },
};
static const rpc_iface slow_iface = { "slow", slow_methods, 1 };

static void
test_broker_stops_with_version_pending(void **state)
{
	struct ev_loop *loop = ev_loop_new(EVFLAG_AUTO);
	rpc_tub *srv = tt_tub_listening(loop, NULL);
	rpc_tub *cli = tt_tub_listening(loop, NULL);
	rpc_obj *o = rpc_obj_new(&slow_iface, NULL, NULL);
	g_autofree char *furl = rpc_tub_register(srv, o, NULL, NULL, NULL);
	grid_broker *b = grid_broker_new(cli, NULL, 0);
	grid_ann *a = grid_ann_sign(rpc_tub_ident(srv), "storage", "slow",
	    furl, "", 1, NULL);
	json_t *servers = json_array();
	int i;

	RPC_UNUSED(state);
	slow_held = NULL;
	grid_broker_announce(b, a);
	for (i = 0; i < 100 && slow_held == NULL; i++)
		tt_run_for(loop, 0.02);
	assert_non_null(slow_held);
	/* Connected but unanswered: not usable yet. */
	grid_broker_status(b, servers);
	assert_string_equal(json_string_value(json_object_get(
	    json_array_get(servers, 0), "state")), "connecting");
	assert_int_equal(grid_broker_n_connected(b), 0);
	json_decref(servers);
	grid_broker_free(b);
	rpc_tub_free(cli);
	rpc_incall_return(slow_held, NULL);
	rpc_tub_free(srv);
	rpc_obj_unref(o);
	grid_ann_free(a);
	ev_loop_destroy(loop);
}

/* One connection cannot fill the subscriber table: made-up service names
 * are refused and a peer has one subscription per known service; a
 * client whose subscription was refused (the table full) tries again,
 * with backoff, and gets announcements once there is room. */
static void
test_intro_subscription_limits_and_retry(void **state)
{
	struct ev_loop *loop = ev_loop_new(EVFLAG_AUTO);
	rpc_tub *itub = tt_tub_listening(loop, NULL);
	rpc_tub *pub = tt_tub_listening(loop, NULL);
	rpc_tub *hog = tt_tub_listening(loop, NULL);
	rpc_tub *late = tt_tub_listening(loop, NULL);
	g_autoptr(GError) err = NULL;
	g_autofree char *ifurl = NULL, *sfurl = NULL;
	struct seen s = { g_ptr_array_new_with_free_func(g_free) };
	json_t *st = json_object();
	grid_intro *in;
	grid_ic *pic, *lic;
	rpc_obj *sub_obj;
	rpc_ref *raw;
	int i, refused = 0;

	RPC_UNUSED(state);
	in = intro_start(itub, &ifurl);
	grid_intro_set_max_subs(in, 1);
	/* The hog subscribes raw, with a reference to an object of its own,
	 * under 30 names. */
	raw = tt_get_ref(hog, ifurl, &err);
	assert_non_null(raw);
	sub_obj = tt_calc_new(NULL);
	for (i = 0; i < 30; i++) {
		g_autofree char *name = i == 0 ? g_strdup("storage") :
		    g_strdup_printf("made-up-%d", i);
		rpc_pack *p = rpc_pack_new();
		tt_answer a;

		rpc_pack_array(p, 2);
		rpc_pack_obj(p, sub_obj);
		rpc_pack_str(p, name);
		tt_answer_init(&a);
		assert_true(tt_call(loop, raw, "subscribe", p, &a));
		if (a.err != NULL) {
			assert_string_equal(rpc_remote_error_type(a.err),
			    "grid.UnknownService");
			refused++;
		}
		tt_answer_clear(&a);
	}
	assert_int_equal(refused, 29);
	grid_intro_status(in, st);
	assert_int_equal(json_integer_value(json_object_get(st,
	    "subscribers")), 1);
	json_decref(st);
	/* The table (of 1) is full: a real client is refused, and tries
	 * again. */
	lic = grid_ic_new(late, ifurl, &err);
	assert_non_null(lic);
	grid_ic_subscribe(lic, "storage", seen_cb, &s);
	pic = grid_ic_new(pub, ifurl, &err);
	sfurl = furl_for(rpc_tub_ident(pub));
	grid_ic_publish(pic, grid_ann_sign(rpc_tub_ident(pub), "storage",
	    "storage0", sfurl, "", 1, NULL));
	tt_run_for(loop, 0.5);
	assert_false(seen_has(&s, "storage0/1"));
	/* The hog goes: the next try finds room. */
	rpc_ref_unref(raw);
	rpc_tub_free(hog);
	for (i = 0; i < 100 && !seen_has(&s, "storage0/1"); i++)
		tt_run_for(loop, 0.05);
	assert_true(seen_has(&s, "storage0/1"));
	grid_ic_free(pic);
	grid_ic_free(lic);
	grid_intro_free(in);
	rpc_obj_unref(sub_obj);
	rpc_tub_free(late);
	rpc_tub_free(pub);
	rpc_tub_free(itub);
	ev_loop_destroy(loop);
	g_ptr_array_unref(s.nicks);
}

/* A full server table keeps the servers that matter: a certified
 * newcomer takes the place of an uncertified server that is not
 * connected, an uncertified newcomer does not; and new servers are dialled
 * a few at a time, not all at once. */
#define FLOOD	500		/* BROKER_MAX_SERVERS */
static void
test_broker_full_table_and_dial_pace(void **state)
{
	struct ev_loop *loop = ev_loop_new(EVFLAG_AUTO);
	rpc_tub *cli = tt_tub_listening(loop, NULL);
	grid_gm *gm = grid_gm_new();
	g_autofree char *gm_text = grid_gm_public_identity(gm);
	uint8_t gm_key[32];
	grid_broker *b;
	json_t *servers;
	guint i, waiting = 0;
	gboolean found_cert = FALSE, found_plain = FALSE;
	rpc_ident *good_id = rpc_ident_new(), *plain_id = rpc_ident_new();
	g_autofree char *good_key = rpc_ident_pubkey_text(good_id);
	g_autofree char *cert = NULL, *gfurl = NULL, *pfurl = NULL;
	char *certs[2];
	grid_ann *a;

	RPC_UNUSED(state);
	assert_true(rpc_pubkey_parse(gm_text, gm_key, NULL));
	b = grid_broker_new(cli, gm_key, 1);
	for (i = 0; i < FLOOD; i++) {
		rpc_ident *id = rpc_ident_new();
		g_autofree char *furl = g_strdup_printf("pb://%s@tcp:127.0.0.1:"
		    "1/x", rpc_ident_tubid(id));
		g_autofree char *nick = g_strdup_printf("sybil%u", i);

		a = grid_ann_sign(id, "storage", nick, furl, "", 1, NULL);
		grid_broker_announce(b, a);
		grid_ann_free(a);
		rpc_ident_free(id);
	}
	assert_int_equal(grid_broker_n_servers(b), FLOOD);
	/* Paced: most are still waiting for their turn to dial. */
	servers = json_array();
	grid_broker_status(b, servers);
	for (i = 0; i < json_array_size(servers); i++)
		waiting += strcmp(json_string_value(json_object_get(
		    json_array_get(servers, i), "state")), "waiting to dial") ==
		    0;
	json_decref(servers);
	assert_true(waiting >= FLOOD - 40);
	/* An uncertified newcomer is worth no more than any: ignored. */
	pfurl = g_strdup_printf("pb://%s@tcp:127.0.0.1:1/x",
	    rpc_ident_tubid(plain_id));
	a = grid_ann_sign(plain_id, "storage", "plain", pfurl, "", 1, NULL);
	grid_broker_announce(b, a);
	grid_ann_free(a);
	/* A server certified by the trusted manager gets a place. */
	assert_true(grid_gm_add(gm, "good", good_key, NULL));
	cert = grid_gm_sign(gm, "good", g_get_real_time(), 30, NULL);
	assert_non_null(cert);
	certs[0] = cert;
	certs[1] = NULL;
	gfurl = g_strdup_printf("pb://%s@tcp:127.0.0.1:1/x",
	    rpc_ident_tubid(good_id));
	a = grid_ann_sign(good_id, "storage", "certified", gfurl, "", 1, certs);
	grid_broker_announce(b, a);
	grid_ann_free(a);
	assert_int_equal(grid_broker_n_servers(b), FLOOD);
	servers = json_array();
	grid_broker_status(b, servers);
	for (i = 0; i < json_array_size(servers); i++) {
		const char *n = json_string_value(json_object_get(
		    json_array_get(servers, i), "nickname"));

		found_cert |= strcmp(n, "certified") == 0;
		found_plain |= strcmp(n, "plain") == 0;
	}
	json_decref(servers);
	assert_true(found_cert);
	assert_false(found_plain);
	grid_broker_free(b);
	grid_gm_free(gm);
	rpc_ident_free(good_id);
	rpc_ident_free(plain_id);
	rpc_tub_free(cli);
	ev_loop_destroy(loop);
}

/* The broker's own seqnum check: what a lying or replaying introducer
 * relays with an older or equal seqnum changes nothing; a newer one does. */
static void
test_broker_seqnum_order(void **state)
{
	struct ev_loop *loop = ev_loop_new(EVFLAG_AUTO);
	rpc_tub *srv = tt_tub_listening(loop, NULL);
	rpc_tub *cli = tt_tub_listening(loop, NULL);
	g_autofree char *furl = furl_for(rpc_tub_ident(srv));
	grid_broker *b = grid_broker_new(cli, NULL, 0);
	static const struct {
		guint64		 seq;
		const char	*nick;
		const char	*want;
	} steps[] = {
		{ 5, "five", "five" }, { 5, "again", "five" },
		{ 4, "older", "five" }, { 6, "six", "six" },
	};
	guint i;

	RPC_UNUSED(state);
	for (i = 0; i < G_N_ELEMENTS(steps); i++) {
		grid_ann *a = grid_ann_sign(rpc_tub_ident(srv), "storage",
		    steps[i].nick, furl, "", steps[i].seq, NULL);
		json_t *servers = json_array();

		grid_broker_announce(b, a);
		grid_ann_free(a);
		grid_broker_status(b, servers);
		assert_int_equal(json_array_size(servers), 1);
		assert_string_equal(json_string_value(json_object_get(
		    json_array_get(servers, 0), "nickname")), steps[i].want);
		json_decref(servers);
	}
	grid_broker_free(b);
	rpc_tub_free(cli);
	rpc_tub_free(srv);
	ev_loop_destroy(loop);
}

/* A peer keeps its reference to the storage server after the service
 * has stopped: calls are refused with grid.Gone, nothing freed is used. */
static void
test_storage_gone_refuses_calls(void **state)
{
	struct ev_loop *loop = ev_loop_new(EVFLAG_AUTO);
	rpc_tub *srv = tt_tub_listening(loop, NULL);
	rpc_tub *cli = tt_tub_listening(loop, NULL);
	g_autofree char *dir = g_dir_make_tmp("gi-ss-XXXXXX", NULL);
	g_autofree char *sdir = g_build_filename(dir, "storage", NULL);
	g_autofree char *furl = NULL;
	g_autoptr(GError) err = NULL;
	grid_ss *ss = grid_ss_new(srv, sdir, 0, NULL, &furl, &err);
	rpc_ref *ref;
	tt_answer ans;

	RPC_UNUSED(state);
	assert_non_null(ss);
	ref = tt_get_ref(cli, furl, &err);
	assert_non_null(ref);
	tt_answer_init(&ans);
	assert_true(tt_call(loop, ref, "get_version", NULL, &ans));
	assert_null(ans.err);
	assert_non_null(rpc_mp_map_get(&ans.result.data, GRID_SS_PROTOCOL));
	tt_answer_clear(&ans);
	grid_ss_free(ss);
	tt_answer_init(&ans);
	assert_true(tt_call(loop, ref, "get_version", NULL, &ans));
	assert_non_null(ans.err);
	assert_string_equal(rpc_remote_error_type(ans.err), "grid.Gone");
	tt_answer_clear(&ans);
	rpc_ref_unref(ref);
	rpc_tub_free(cli);
	rpc_tub_free(srv);
	ev_loop_destroy(loop);
	/* The server left its database and share directories there. */
	node_remove_tree(dir);
}

/* A subscriber that does not answer announce() holds one batch, not the
 * table: the next batch goes only when it answers the last. */
#define SLOW_NODES	150		/* x ~14 KB: three batches of 1 MiB */
static rpc_incall *slow_batch;
static int slow_batches, slow_anns;

static void
slow_announce(rpc_incall *call, rpc_mp *args, void *data)
{
	RPC_UNUSED(data);
	slow_batches++;
	if (args->n > 0 && args->items[0].type == MSGPACK_OBJECT_ARRAY)
		slow_anns += (int)args->items[0].via.array.size;
	assert_null(slow_batch);
	slow_batch = call;		/* answered by the test */
}

static const rpc_method slow_sub_methods[] = {
	{ "announce", slow_announce, NULL, 0, NULL },
};
static const rpc_iface slow_sub_iface = { "slowsub", slow_sub_methods, 1 };

static void
test_intro_slow_subscriber_one_batch(void **state)
{
	struct ev_loop *loop = ev_loop_new(EVFLAG_AUTO);
	rpc_tub *itub = tt_tub_listening(loop, NULL);
	rpc_tub *pubs[SLOW_NODES];
	rpc_tub *sub = tt_tub_listening(loop, NULL);
	grid_ic *ics[SLOW_NODES];
	g_autoptr(GError) err = NULL;
	g_autofree char *ifurl = NULL;
	rpc_obj *obj = rpc_obj_new(&slow_sub_iface, NULL, NULL);
	grid_intro *in;
	rpc_ref *raw;
	rpc_pack *p;
	tt_answer a;
	int i, batches;

	RPC_UNUSED(state);
	in = intro_start(itub, &ifurl);
	publish_heavy(loop, in, ifurl, pubs, ics, SLOW_NODES);
	raw = tt_get_ref(sub, ifurl, &err);
	assert_non_null(raw);
	p = rpc_pack_new();
	rpc_pack_array(p, 2);
	rpc_pack_obj(p, obj);
	rpc_pack_str(p, "storage");
	tt_answer_init(&a);
	assert_true(tt_call(loop, raw, "subscribe", p, &a));
	assert_null(a.err);
	tt_answer_clear(&a);
	/* Unanswered, the first batch is all that comes. */
	for (batches = 1; slow_anns < SLOW_NODES; batches++) {
		for (i = 0; i < 100 && slow_batch == NULL; i++)
			tt_run_for(loop, 0.02);
		assert_non_null(slow_batch);
		assert_int_equal(slow_batches, batches);
		assert_true(slow_anns < SLOW_NODES || batches > 1);
		tt_run_for(loop, 0.3);
		assert_int_equal(slow_batches, batches);
		rpc_incall_return(g_steal_pointer(&slow_batch), NULL);
	}
	assert_int_equal(slow_anns, SLOW_NODES);
	assert_true(batches > 2);
	tt_run_for(loop, 0.2);
	assert_null(slow_batch);

	rpc_ref_unref(raw);
	for (i = 0; i < SLOW_NODES; i++)
		grid_ic_free(ics[i]);
	grid_intro_free(in);
	for (i = 0; i < SLOW_NODES; i++)
		rpc_tub_free(pubs[i]);
	rpc_tub_free(sub);
	rpc_obj_unref(obj);
	rpc_tub_free(itub);
	ev_loop_destroy(loop);
}

/* The announcement of a node whose connection is gone is forgotten after
 * the expiry; a connected node's stays. */
static void
test_intro_expiry_of_gone_publishers(void **state)
{
	struct ev_loop *loop = ev_loop_new(EVFLAG_AUTO);
	rpc_tub *itub = tt_tub_listening(loop, NULL);
	rpc_tub *stay = tt_tub_listening(loop, NULL);
	rpc_tub *go = tt_tub_listening(loop, NULL);
	rpc_tub *late = tt_tub_listening(loop, NULL);
	g_autoptr(GError) err = NULL;
	g_autofree char *ifurl = NULL, *f1 = NULL, *f2 = NULL;
	struct seen s = { g_ptr_array_new_with_free_func(g_free) };
	grid_intro *in;
	grid_ic *ic1, *ic2, *lic;
	json_t *st;
	int i;
	json_int_t kept = -1;

	RPC_UNUSED(state);
	in = intro_start(itub, &ifurl);
	grid_intro_set_expiry(in, 0.6);
	ic1 = grid_ic_new(stay, ifurl, &err);
	f1 = furl_for(rpc_tub_ident(stay));
	grid_ic_publish(ic1, grid_ann_sign(rpc_tub_ident(stay), "storage",
	    "stay", f1, "", 1, NULL));
	ic2 = grid_ic_new(go, ifurl, &err);
	f2 = furl_for(rpc_tub_ident(go));
	grid_ic_publish(ic2, grid_ann_sign(rpc_tub_ident(go), "storage",
	    "go", f2, "", 1, NULL));
	for (i = 0; i < 100 && kept != 2; i++) {
		tt_run_for(loop, 0.05);
		st = json_object();
		grid_intro_status(in, st);
		kept = json_integer_value(json_object_get(st,
		    "announcements_kept"));
		json_decref(st);
	}
	assert_int_equal(kept, 2);
	/* Connected for longer than the expiry: both kept. */
	tt_run_for(loop, 1.0);
	st = json_object();
	grid_intro_status(in, st);
	assert_int_equal(json_integer_value(json_object_get(st,
	    "announcements_kept")), 2);
	json_decref(st);
	/* 'go' goes; within expiry + a sweep period it is forgotten. */
	grid_ic_free(ic2);
	rpc_tub_free(go);
	for (i = 0; i < 100 && kept != 1; i++) {
		tt_run_for(loop, 0.05);
		st = json_object();
		grid_intro_status(in, st);
		kept = json_integer_value(json_object_get(st,
		    "announcements_kept"));
		json_decref(st);
	}
	assert_int_equal(kept, 1);
	assert_true(i >= 10);		/* not before the expiry */
	st = json_object();
	grid_intro_status(in, st);
	assert_int_equal(json_integer_value(json_object_get(st,
	    "announcements_expired")), 1);
	json_decref(st);
	/* A new subscriber hears of 'stay' only. */
	lic = grid_ic_new(late, ifurl, &err);
	grid_ic_subscribe(lic, "storage", seen_cb, &s);
	run_until_seen(loop, &s, "stay/1");
	tt_run_for(loop, 0.2);
	assert_false(seen_has(&s, "go/1"));

	grid_ic_free(lic);
	grid_ic_free(ic1);
	grid_intro_free(in);
	rpc_tub_free(late);
	rpc_tub_free(stay);
	rpc_tub_free(itub);
	ev_loop_destroy(loop);
	g_ptr_array_unref(s.nicks);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ann_roundtrip),
		cmocka_unit_test(test_ann_tampered_bytes),
		cmocka_unit_test(test_ann_bad_key_and_sig),
		cmocka_unit_test(test_ann_furl_of_another_tub),
		cmocka_unit_test(test_ann_signed_garbage),
		cmocka_unit_test(test_ann_nickname_control_chars),
		cmocka_unit_test(test_intro_publish_subscribe),
		cmocka_unit_test(test_subscriber_checks_relayed),
		cmocka_unit_test(test_intro_heavy_and_foreign),
		cmocka_unit_test(test_broker_stops_with_version_pending),
		cmocka_unit_test(test_broker_seqnum_order),
		cmocka_unit_test(test_broker_full_table_and_dial_pace),
		cmocka_unit_test(test_intro_subscription_limits_and_retry),
		cmocka_unit_test(test_storage_gone_refuses_calls),
		cmocka_unit_test(test_intro_slow_subscriber_one_batch),
		cmocka_unit_test(test_intro_expiry_of_gone_publishers),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* tests/unit/test_acct_mgr.c -- the account manager, a storage server's
 * serverdesk side and a client's account, on tubs in one process: accounts
 * created through new-account, account and PSS FURLs refused in every
 * forged form with "not found", servers registered and listed, leases
 * owned by the account, terminated accounts, and the subscription that
 * tells a client of a new server. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>
#include <glib/gstdio.h>
#include <sodium.h>
#include <sqlite3.h>

#include "account/client.h"
#include "account/err.h"
#include "account/db.h"
#include "account/desk.h"
#include "account/mac.h"
#include "account/mgr.h"
#include "grid/broker.h"
#include "grid/storage.h"
#include "node/dir.h"
#include "rpc/common.h"
#include "rpc/err.h"
#include "rpc/furl.h"
#include "tests/unit/tubtest.h"

struct server {
	rpc_tub		*tub;
	grid_ss		*ss;
	acct_desk	*desk;
	acct_desk	*desk2;		/* a second manager's, or NULL */
	char		*dir;
};

struct fx {
	struct ev_loop	*loop;
	char		*dir;
	rpc_tub		*am_tub;
	acct_mgr	*am;
	char		*new_account_furl, *manage_furl, *desk_furl;
	rpc_tub		*cl;
	rpc_tub		*am2_tub;	/* a second manager, or NULL */
	acct_mgr	*am2;
	struct server	 s[2];
	int		 n_servers;
};

static char *
read_furl(const char *dir, const char *name)
{
	g_autofree char *p = g_build_filename(dir, "private", name, NULL);
	char *t = NULL;
	GStatBuf st;

	assert_true(g_file_get_contents(p, &t, NULL, NULL));
	assert_int_equal(g_stat(p, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	return g_strstrip(t);
}

static void
start_server(struct fx *f, int i)
{
	struct server *s = &f->s[i];
	g_autofree char *sdir = NULL, *priv = NULL, *db = NULL;
	g_autoptr(GError) e = NULL;
	g_autofree char *nick = g_strdup_printf("storage%d", i);

	s->dir = g_build_filename(f->dir, nick, NULL);
	sdir = g_build_filename(s->dir, "storage", NULL);
	priv = g_build_filename(s->dir, "private", NULL);
	db = g_build_filename(s->dir, "pss-accounts.sqlite", NULL);
	assert_int_equal(g_mkdir_with_parents(priv, 0700), 0);
	s->tub = tt_tub_listening(f->loop, NULL);
	s->ss = grid_ss_new(s->tub, sdir, 0, NULL, NULL, &e);
	assert_non_null(s->ss);
	s->desk = acct_desk_new(s->tub, s->ss, f->desk_furl, TRUE, nick,
	    priv, db, &e);
	if (s->desk == NULL)
		fail_msg("acct_desk_new: %s", e->message);
	f->n_servers = i + 1;
}

static int
setup(void **state)
{
	struct fx *f = g_new0(struct fx, 1);
	g_autofree char *priv = NULL, *db = NULL;
	g_autoptr(GError) e = NULL;

	f->loop = ev_loop_new(EVFLAG_AUTO);
	f->dir = g_dir_make_tmp("acct-mgr-XXXXXX", NULL);
	priv = g_build_filename(f->dir, "private", NULL);
	db = g_build_filename(f->dir, "accounts.sqlite", NULL);
	assert_int_equal(g_mkdir(priv, 0700), 0);
	f->am_tub = tt_tub_listening(f->loop, NULL);
	f->am = acct_mgr_new(f->am_tub, db, priv, &e);
	if (f->am == NULL)
		fail_msg("acct_mgr_new: %s", e->message);
	f->new_account_furl = read_furl(f->dir, "new-account.furl");
	f->manage_furl = read_furl(f->dir, "manage-accounts.furl");
	f->desk_furl = read_furl(f->dir, "serverdesk.furl");
	f->cl = tt_tub_listening(f->loop, NULL);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *f = *state;
	g_autofree char *cmd = NULL;
	int i;

	rpc_tub_free(f->cl);
	for (i = 0; i < f->n_servers; i++) {
		acct_desk_free(f->s[i].desk2);
		acct_desk_free(f->s[i].desk);
		grid_ss_free(f->s[i].ss);
		rpc_tub_free(f->s[i].tub);
		g_free(f->s[i].dir);
	}
	acct_mgr_free(f->am2);
	rpc_tub_free(f->am2_tub);
	acct_mgr_free(f->am);
	rpc_tub_free(f->am_tub);
	ev_loop_destroy(f->loop);
	cmd = g_strdup_printf("rm -rf '%s'", f->dir);
	assert_int_equal(system(cmd), 0);
	g_free(f->dir);
	g_free(f->new_account_furl);
	g_free(f->manage_furl);
	g_free(f->desk_furl);
	g_free(f);
	return 0;
}

/* create_account(name) through the new-account FURL 'na': the account
 * FURL, or NULL with the remote error type in *type. */
static char *
create_account_at(struct fx *f, const char *na, const char *name,
    char **type)
{
	g_autoptr(GError) e = NULL;
	rpc_ref *ref = tt_get_ref(f->cl, na, &e);
	rpc_pack *p = rpc_pack_new();
	tt_answer a;
	char *furl = NULL;

	assert_non_null(ref);
	rpc_pack_array(p, 1);
	rpc_pack_str(p, name);
	tt_answer_init(&a);
	assert_true(tt_call(f->loop, ref, "create_account", p, &a));
	if (a.err == NULL) {
		assert_int_equal(a.result.data.type, MSGPACK_OBJECT_STR);
		furl = g_strndup(a.result.data.via.str.ptr,
		    a.result.data.via.str.size);
	} else if (type != NULL) {
		*type = g_strdup(rpc_remote_error_type(a.err));
	}
	tt_answer_clear(&a);
	rpc_ref_unref(ref);
	return furl;
}

static char *
create_account(struct fx *f, const char *name, char **type)
{
	return create_account_at(f, f->new_account_furl, name, type);
}

static void
assert_not_found(struct fx *f, const char *furl)
{
	g_autoptr(GError) e = NULL;
	rpc_ref *ref = tt_get_ref(f->cl, furl, &e);

	assert_null(ref);
	assert_non_null(e);
	assert_true(g_error_matches(e, RPC_ERROR, RPC_E_REMOTE));
	assert_string_equal(rpc_remote_error_type(e), "not-found");
}

static char *
with_swissnum(const char *furl, const char *swiss)
{
	const char *slash = strrchr(furl, '/');

	return g_strdup_printf("%.*s/%s", (int)(slash - furl), furl, swiss);
}

static void
test_create_and_lookup(void **state)
{
	struct fx *f = *state;
	g_autofree char *a = create_account(f, "alice", NULL);
	g_autofree char *b = create_account(f, "bob", NULL);
	g_autofree char *type = NULL, *type2 = NULL, *dup = NULL, *bad = NULL;
	g_autoptr(GError) e = NULL;
	rpc_ref *ref;
	tt_answer ans;
	const msgpack_object *name;

	assert_non_null(a);
	assert_non_null(b);
	assert_true(strstr(a, "/1-") != NULL);
	assert_true(strstr(b, "/2-") != NULL);
	dup = create_account(f, "alice", &type);
	assert_null(dup);
	assert_string_equal(type, "acct.Exists");
	bad = create_account(f, " ", &type2);
	assert_null(bad);
	assert_string_equal(type2, "acct.BadName");
	ref = tt_get_ref(f->cl, a, &e);
	assert_non_null(ref);
	tt_answer_init(&ans);
	assert_true(tt_call(f->loop, ref, "get_usage", NULL, &ans));
	assert_null(ans.err);
	name = rpc_mp_map_get(&ans.result.data, "name");
	assert_non_null(name);
	assert_int_equal(name->via.str.size, 5);
	assert_memory_equal(name->via.str.ptr, "alice", 5);
	/* No server: nothing counted, and it says so. */
	assert_int_equal(rpc_mp_map_get(&ans.result.data, "usage")->via.u64,
	    0);
	assert_int_equal(rpc_mp_map_get(&ans.result.data,
	    "servers_counted")->via.u64, 0);
	tt_answer_clear(&ans);
	assert_int_equal(acct_mgr_n_account_objs(f->am), 1);
	rpc_ref_unref(ref);
	/* Nothing per account stays once the references are gone. */
	tt_run_for(f->loop, 0.2);
	assert_int_equal(acct_mgr_n_account_objs(f->am), 0);
}

static void
test_account_furl_forgeries_not_found(void **state)
{
	struct fx *f = *state;
	g_autofree char *a = create_account(f, "alice", NULL);
	g_autofree char *b = create_account(f, "bob", NULL);
	const char *sa = strrchr(a, '/') + 1, *sb = strrchr(b, '/') + 1;
	uint8_t other[ACCT_SECRET_LEN];
	g_autofree char *t1 = NULL, *t2 = NULL, *t3 = NULL, *t4 = NULL;
	g_autofree char *o1 = NULL, *sw = NULL, *t5 = NULL;
	g_autoptr(GError) e = NULL;
	rpc_ref *ref;
	char *c;

	/* Bob's MAC with Alice's number. */
	t1 = g_strdup_printf("%.*s1-%s", (int)(strlen(a) - strlen(sa)), a,
	    strchr(sb, '-') + 1);
	assert_not_found(f, t1);
	/* One character changed. */
	t2 = g_strdup(a);
	c = t2 + strlen(t2) - 1;
	*c = *c == 'a' ? 'b' : 'a';
	assert_not_found(f, t2);
	/* A number without a MAC, an overlong number. */
	t3 = with_swissnum(a, "1");
	assert_not_found(f, t3);
	t4 = with_swissnum(a, "1-");
	assert_not_found(f, t4);
	t5 = g_strdup_printf("%.*s/99999999999999999999999%s",
	    (int)(sa - a - 1), a, sa + 1);
	assert_not_found(f, t5);
	/* Another manager's secret. */
	memset(other, 9, sizeof(other));
	sw = acct_mac_swissnum(other, 1);
	o1 = with_swissnum(a, sw);
	assert_not_found(f, o1);
	/* The real ones work. */
	ref = tt_get_ref(f->cl, a, &e);
	assert_non_null(ref);
	rpc_ref_unref(ref);
}

static void
test_terminated_not_found(void **state)
{
	struct fx *f = *state;
	g_autofree char *a = create_account(f, "alice", NULL);
	g_autofree char *path = g_build_filename(f->dir, "accounts.sqlite",
	    NULL);
	g_autoptr(GError) e = NULL;
	acct_db *db;
	rpc_ref *ref;

	ref = tt_get_ref(f->cl, a, &e);
	assert_non_null(ref);
	rpc_ref_unref(ref);
	db = acct_db_open(path, &e);
	assert_non_null(db);
	assert_true(acct_db_set(db, 1, ACCT_TERMINATED, -1, &e));
	acct_db_free(db);
	assert_not_found(f, a);
}

static void
test_manage_list(void **state)
{
	struct fx *f = *state;
	g_autofree char *a = create_account(f, "alice", NULL);
	g_autofree char *b = create_account(f, "bob", NULL);
	g_autoptr(GError) e = NULL;
	rpc_ref *ref = tt_get_ref(f->cl, f->manage_furl, &e);
	tt_answer ans;

	assert_non_null(ref);
	tt_answer_init(&ans);
	assert_true(tt_call(f->loop, ref, "list", tt_args_ints(1, 10), &ans));
	assert_null(ans.err);
	assert_int_equal(ans.result.data.type, MSGPACK_OBJECT_ARRAY);
	assert_int_equal(ans.result.data.via.array.size, 1);
	tt_answer_clear(&ans);
	tt_answer_init(&ans);
	assert_true(tt_call(f->loop, ref, "list", tt_args_ints(0, 100000),
	    &ans));
	assert_non_null(ans.err);
	assert_string_equal(rpc_remote_error_type(ans.err), "violation");
	tt_answer_clear(&ans);
	rpc_ref_unref(ref);
}

static gboolean
wait_registered(struct fx *f, int i)
{
	gint64 end = g_get_monotonic_time() + 5 * G_USEC_PER_SEC;

	while (!acct_desk_is_registered(f->s[i].desk) &&
	    g_get_monotonic_time() < end)
		tt_run_for(f->loop, 0.02);
	return acct_desk_is_registered(f->s[i].desk);
}

/* The list for account 'furl': the PSS FURL of the first server. */
static char *
first_pss(struct fx *f, const char *furl, guint *n)
{
	g_autoptr(GError) e = NULL;
	rpc_ref *ref = tt_get_ref(f->cl, furl, &e);
	tt_answer ans;
	char *pss = NULL;

	assert_non_null(ref);
	tt_answer_init(&ans);
	assert_true(tt_call(f->loop, ref, "get_storage_servers", NULL, &ans));
	assert_null(ans.err);
	assert_int_equal(ans.result.data.type, MSGPACK_OBJECT_ARRAY);
	*n = ans.result.data.via.array.size;
	if (*n > 0) {
		const msgpack_object *m = rpc_mp_map_get(
		    &ans.result.data.via.array.ptr[0], "pss_furl");

		pss = g_strndup(m->via.str.ptr, m->via.str.size);
	}
	tt_answer_clear(&ans);
	rpc_ref_unref(ref);
	return pss;
}

static void
test_serverdesk_and_pss(void **state)
{
	struct fx *f = *state;
	g_autofree char *a = create_account(f, "alice", NULL);
	g_autofree char *b = create_account(f, "bob", NULL);
	g_autofree char *pa = NULL, *pb = NULL, *t1 = NULL, *t2 = NULL;
	g_autofree char *t3 = NULL, *t4 = NULL, *sw = NULL, *o = NULL;
	g_autoptr(GError) e = NULL;
	uint8_t other[ACCT_SECRET_LEN];
	const char *sb;
	rpc_ref *ref;
	tt_answer ans;
	guint n = 0;

	start_server(f, 0);
	assert_true(wait_registered(f, 0));
	pa = first_pss(f, a, &n);
	assert_int_equal(n, 1);
	pb = first_pss(f, b, &n);
	assert_non_null(pa);
	assert_non_null(pb);
	assert_string_not_equal(pa, pb);
	assert_true(strstr(pa, "/1-") != NULL);
	assert_true(g_str_has_prefix(pa + 5, rpc_tub_tubid(f->s[0].tub)));
	ref = tt_get_ref(f->cl, pa, &e);
	assert_non_null(ref);
	tt_answer_init(&ans);
	assert_true(tt_call(f->loop, ref, "get_version", NULL, &ans));
	assert_null(ans.err);
	tt_answer_clear(&ans);
	rpc_ref_unref(ref);
	/* Forged PSS FURLs: another account's MAC, one character changed,
	 * another server's secret, a number without a MAC, an overlong
	 * number. */
	sb = strrchr(pb, '/') + 1;
	t1 = g_strdup_printf("%.*s/1-%s", (int)(strrchr(pa, '/') - pa), pa,
	    strchr(sb, '-') + 1);
	assert_not_found(f, t1);
	t2 = g_strdup(pa);
	t2[strlen(t2) - 2] = t2[strlen(t2) - 2] == 'q' ? 'r' : 'q';
	assert_not_found(f, t2);
	memset(other, 3, sizeof(other));
	sw = acct_mac_swissnum(other, 1);
	o = with_swissnum(pa, sw);
	assert_not_found(f, o);
	t3 = with_swissnum(pa, "1");
	assert_not_found(f, t3);
	t4 = with_swissnum(pa, "11111111111111111111111111111-"
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
	assert_not_found(f, t4);
}

/* A server registering with a facet that is not its own is refused. */
static void
test_register_checks_owner(void **state)
{
	struct fx *f = *state;
	g_autoptr(GError) e = NULL;
	g_autoptr(rpc_ident) id = rpc_ident_new();
	rpc_ref *ref = tt_get_ref(f->cl, f->desk_furl, &e);
	tt_calc calc = { 0 };
	rpc_obj *obj = tt_calc_new(&calc);
	grid_ann *ann = grid_ann_sign(id, "storage", "x", NULL, "", 1, NULL);
	rpc_pack *p = rpc_pack_new();
	tt_answer a;

	assert_non_null(ref);
	rpc_pack_array(p, 2);
	rpc_pack_obj(p, obj);
	grid_ann_pack(ann, p);
	tt_answer_init(&a);
	assert_true(tt_call(f->loop, ref, "register", p, &a));
	assert_non_null(a.err);
	assert_string_equal(rpc_remote_error_type(a.err),
	    "acct.BadAnnouncement");
	tt_answer_clear(&a);
	grid_ann_free(ann);
	rpc_obj_unref(obj);
	rpc_ref_unref(ref);
}

/* A facet whose pss_furl() never answers (until the test lets go). */
static rpc_incall *stuck_call;

static void
stuck_pss_furl(rpc_incall *call, rpc_mp *args, void *data)
{
	RPC_UNUSED(args);
	RPC_UNUSED(data);
	stuck_call = call;
}

static const rpc_method stuck_methods[] = {
	{ "pss_furl", stuck_pss_furl, NULL, 0, NULL },
};
static const rpc_iface stuck_iface = {
	"test.stuck", stuck_methods, G_N_ELEMENTS(stuck_methods),
};

/* A server that registers and then never answers pss_furl() is left out
 * of the list after ACCT_PSS_TIMEOUT; the others are still listed. */
static void
test_stuck_server_left_out(void **state)
{
	struct fx *f = *state;
	g_autofree char *a = create_account(f, "alice", NULL);
	g_autoptr(GError) e = NULL;
	rpc_tub *st = tt_tub_listening(f->loop, NULL);
	rpc_obj *obj = rpc_obj_new(&stuck_iface, NULL, NULL);
	grid_ann *ann = grid_ann_sign(rpc_tub_ident(st), "storage", "stuck",
	    NULL, "", 1, NULL);
	rpc_ref *desk = tt_get_ref(st, f->desk_furl, &e);
	rpc_ref *acct;
	rpc_pack *p = rpc_pack_new();
	tt_answer ans;
	gint64 t0;

	assert_non_null(desk);
	rpc_pack_array(p, 2);
	rpc_pack_obj(p, obj);
	grid_ann_pack(ann, p);
	tt_answer_init(&ans);
	assert_true(tt_call(f->loop, desk, "register", p, &ans));
	assert_null(ans.err);
	tt_answer_clear(&ans);
	start_server(f, 0);
	assert_true(wait_registered(f, 0));
	acct = tt_get_ref(f->cl, a, &e);
	assert_non_null(acct);
	tt_answer_init(&ans);
	t0 = g_get_monotonic_time();
	rpc_ref_call(acct, "get_storage_servers", NULL, tt_answer_cb, &ans);
	assert_true(tt_run_until(f->loop, &ans.done, ACCT_PSS_TIMEOUT + 5));
	assert_true(g_get_monotonic_time() - t0 >=
	    (gint64)(ACCT_PSS_TIMEOUT * G_USEC_PER_SEC) - G_USEC_PER_SEC);
	assert_null(ans.err);
	assert_int_equal(ans.result.data.via.array.size, 1);
	tt_answer_clear(&ans);
	assert_non_null(stuck_call);
	rpc_incall_fail(stuck_call, "test", "let go");
	stuck_call = NULL;
	rpc_ref_unref(acct);
	rpc_ref_unref(desk);
	grid_ann_free(ann);
	rpc_obj_unref(obj);
	tt_run_for(f->loop, 0.1);
	rpc_tub_free(st);
}

static gboolean
wait_servers(struct fx *f, acct_client *c, guint n)
{
	gint64 end = g_get_monotonic_time() + 5 * G_USEC_PER_SEC;

	while (acct_client_n_servers(c) < n && g_get_monotonic_time() < end)
		tt_run_for(f->loop, 0.02);
	return acct_client_n_servers(c) >= n;
}

/* A client learns its servers, keeps them on disk, hears of a new one
 * through its subscription, and reads the file back at the next start. */
static void
test_client_follows_servers(void **state)
{
	struct fx *f = *state;
	g_autofree char *a = create_account(f, "alice", NULL);
	g_autofree char *path = g_build_filename(f->dir, "servers.json",
	    NULL);
	g_autoptr(GError) e = NULL, e2 = NULL;
	grid_broker *b = grid_broker_new(f->cl, NULL, 0);
	acct_client *c;
	GStatBuf st;

	start_server(f, 0);
	assert_true(wait_registered(f, 0));
	c = acct_client_new(f->cl, b, a, path, &e);
	assert_non_null(c);
	assert_true(wait_servers(f, c, 1));
	start_server(f, 1);
	assert_true(wait_registered(f, 1));
	assert_true(wait_servers(f, c, 2));
	assert_int_equal(grid_broker_n_servers(b), 2);
	assert_int_equal(g_stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	acct_client_free(c);
	grid_broker_free(b);
	/* From the file alone, with the manager unreachable. */
	b = grid_broker_new(f->cl, NULL, 0);
	c = acct_client_new(f->cl, b, "pb://aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	    "aaaaaaaaaaaaaaaaaa@tcp:127.0.0.1:1/1-"
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", path, &e);
	assert_non_null(c);
	assert_int_equal(acct_client_n_servers(c), 2);
	assert_int_equal(grid_broker_n_servers(b), 2);
	acct_client_free(c);
	/* An account FURL whose swissnum is not NUM-MAC is refused, not
	 * read as some account number. */
	c = acct_client_new(f->cl, b, "pb://aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	    "aaaaaaaaaaaaaaaaaa@tcp:127.0.0.1:1/99999999999-x", path, &e2);
	assert_null(c);
	assert_true(g_error_matches(e2, ACCT_ERROR, ACCT_E_FORMAT));
	grid_broker_free(b);
}

/* The writer of share 0 from an allocate_buckets() answer. */
static void
alloc_cb(const msgpack_object *result, const rpc_refctx *refs,
    const GError *err, void *arg)
{
	rpc_ref **writer = arg;
	const msgpack_object *pairs;
	rpc_ref *r = NULL;

	assert_null(err);
	assert_int_equal(result->type, MSGPACK_OBJECT_ARRAY);
	pairs = &result->via.array.ptr[1];
	assert_int_equal(pairs->via.array.size, 1);
	assert_true(rpc_value_ref(refs,
	    &pairs->via.array.ptr[0].via.array.ptr[1], &r, NULL));
	*writer = rpc_ref_ref(r);
}

/* An allocate_buckets() refusal: its remote error type. */
struct alloc_out {
	rpc_ref	*writer;
	char	*err_type;
	bool	 done;
};

static void
alloc_try_cb(const msgpack_object *result, const rpc_refctx *refs,
    const GError *err, void *arg)
{
	struct alloc_out *o = arg;

	o->done = true;
	if (err != NULL) {
		o->err_type = g_strdup(rpc_remote_error_type(err));
		return;
	}
	alloc_cb(result, refs, err, &o->writer);
}

/* Allocate share 0 (16 bytes) of storage index SI(si_byte) through the
 * facet at 'furl': NULL with the open writer in *writer (caller unrefs),
 * or the type of the error allocate_buckets() raised. */
static char *
try_alloc(struct fx *f, const char *furl, uint8_t si_byte, rpc_ref **writer)
{
	g_autoptr(GError) e = NULL;
	rpc_ref *ref = tt_get_ref(f->cl, furl, &e);
	struct alloc_out out = { NULL, NULL, false };
	uint8_t si[16], secret[32];
	rpc_pack *p = rpc_pack_new();
	gint64 end = g_get_monotonic_time() + 5 * G_USEC_PER_SEC;

	*writer = NULL;
	assert_non_null(ref);
	memset(si, si_byte, sizeof(si));
	memset(secret, si_byte, sizeof(secret));
	rpc_pack_array(p, 5);
	rpc_pack_bin(p, si, sizeof(si));
	rpc_pack_bin(p, secret, sizeof(secret));
	rpc_pack_bin(p, secret, sizeof(secret));
	rpc_pack_array(p, 1);
	rpc_pack_uint(p, 0);
	rpc_pack_uint(p, 16);
	rpc_ref_call(ref, "allocate_buckets", p, alloc_try_cb, &out);
	while (!out.done && g_get_monotonic_time() < end)
		tt_run_for(f->loop, 0.01);
	assert_true(out.done);
	rpc_ref_unref(ref);
	if (out.err_type != NULL)
		return out.err_type;
	assert_non_null(out.writer);
	*writer = out.writer;
	return NULL;
}

/* Store share 0 of storage index SI(si_byte) through the facet at
 * 'furl'; NULL, or the type of the error allocate_buckets() raised. */
static char *
try_store(struct fx *f, const char *furl, uint8_t si_byte)
{
	rpc_ref *writer;
	uint8_t data[16];
	rpc_pack *p;
	tt_answer a;
	char *type;

	if ((type = try_alloc(f, furl, si_byte, &writer)) != NULL)
		return type;
	memset(data, 'x', sizeof(data));
	p = rpc_pack_new();
	rpc_pack_array(p, 2);
	rpc_pack_uint(p, 0);
	rpc_pack_bin(p, data, sizeof(data));
	tt_answer_init(&a);
	assert_true(tt_call(f->loop, writer, "write", p, &a));
	assert_null(a.err);
	tt_answer_clear(&a);
	tt_answer_init(&a);
	assert_true(tt_call(f->loop, writer, "close", NULL, &a));
	assert_null(a.err);
	tt_answer_clear(&a);
	rpc_ref_unref(writer);
	return NULL;
}

static void
store_share(struct fx *f, const char *furl, uint8_t si_byte)
{
	char *type = try_store(f, furl, si_byte);

	if (type != NULL)
		fail_msg("allocate_buckets: %s", type);
}

/* The owners of the leases on storage index SI(si_byte) on server 0. */
static gint64
lease_owner(struct fx *f, uint8_t si_byte)
{
	g_autofree char *path = g_build_filename(f->s[0].dir, "storage",
	    "leases.sqlite", NULL);
	sqlite3 *db = NULL;
	sqlite3_stmt *q = NULL;
	uint8_t si[16];
	gint64 owner = -1;

	memset(si, si_byte, sizeof(si));
	assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY,
	    NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT owner FROM leases "
	    "WHERE si = ?", -1, &q, NULL), SQLITE_OK);
	sqlite3_bind_blob(q, 1, si, sizeof(si), SQLITE_STATIC);
	if (sqlite3_step(q) == SQLITE_ROW)
		owner = sqlite3_column_int64(q, 0);
	assert_int_equal(sqlite3_step(q), SQLITE_DONE);	/* one lease */
	sqlite3_finalize(q);
	sqlite3_close(db);
	return owner;
}

/* get_usage() of the account at 'furl': *shares and *servers counted. */
static guint64
usage_of(struct fx *f, const char *furl, guint64 *shares, guint64 *servers)
{
	g_autoptr(GError) e = NULL;
	rpc_ref *ref = tt_get_ref(f->cl, furl, &e);
	tt_answer ans;
	guint64 bytes;

	assert_non_null(ref);
	tt_answer_init(&ans);
	assert_true(tt_call(f->loop, ref, "get_usage", NULL, &ans));
	assert_null(ans.err);
	bytes = rpc_mp_map_get(&ans.result.data, "usage")->via.u64;
	*shares = rpc_mp_map_get(&ans.result.data, "shares")->via.u64;
	*servers = rpc_mp_map_get(&ans.result.data,
	    "servers_counted")->via.u64;
	assert_int_equal(rpc_mp_map_get(&ans.result.data,
	    "servers_registered")->via.u64, 1);
	tt_answer_clear(&ans);
	rpc_ref_unref(ref);
	return bytes;
}

/* A server serving two managers: account 1 of each gets its own PSS
 * FURL, and their leases distinct owners (the primary's number as it is,
 * the other's from ACCT_DESK_OWNER_BASE up). */
static void
test_two_managers(void **state)
{
	struct fx *f = *state;
	g_autofree char *dir2 = g_build_filename(f->dir, "am2", NULL);
	g_autofree char *priv2 = g_build_filename(dir2, "private", NULL);
	g_autofree char *db2 = g_build_filename(dir2, "accounts.sqlite", NULL);
	g_autofree char *na2 = NULL, *desk2 = NULL, *a = NULL, *c = NULL;
	g_autofree char *pa = NULL, *pc = NULL, *sp = NULL, *pdb = NULL;
	g_autoptr(GError) e = NULL;
	gint64 end;
	guint n = 0;

	assert_int_equal(g_mkdir_with_parents(priv2, 0700), 0);
	f->am2_tub = tt_tub_listening(f->loop, NULL);
	f->am2 = acct_mgr_new(f->am2_tub, db2, priv2, &e);
	assert_non_null(f->am2);
	na2 = read_furl(dir2, "new-account.furl");
	desk2 = read_furl(dir2, "serverdesk.furl");
	start_server(f, 0);
	sp = g_build_filename(f->s[0].dir, "private", NULL);
	pdb = g_build_filename(f->s[0].dir, "pss-accounts.sqlite", NULL);
	f->s[0].desk2 = acct_desk_new(f->s[0].tub, f->s[0].ss, desk2, FALSE,
	    "storage0", sp, pdb, &e);
	assert_non_null(f->s[0].desk2);
	assert_true(wait_registered(f, 0));
	end = g_get_monotonic_time() + 5 * G_USEC_PER_SEC;
	while (!acct_desk_is_registered(f->s[0].desk2) &&
	    g_get_monotonic_time() < end)
		tt_run_for(f->loop, 0.02);
	assert_true(acct_desk_is_registered(f->s[0].desk2));
	a = create_account(f, "alice", NULL);
	c = create_account_at(f, na2, "carol", NULL);
	assert_true(strstr(a, "/1-") != NULL);
	assert_true(strstr(c, "/1-") != NULL);
	pa = first_pss(f, a, &n);
	assert_int_equal(n, 1);
	pc = first_pss(f, c, &n);
	assert_int_equal(n, 1);
	assert_string_not_equal(strrchr(pa, '/'), strrchr(pc, '/'));
	store_share(f, pa, 0xaa);
	store_share(f, pc, 0xcc);
	assert_int_equal(lease_owner(f, 0xaa), 1);
	assert_int_equal(lease_owner(f, 0xcc), (gint64)ACCT_DESK_OWNER_BASE + 1);
	/* Each manager counts its own account's share, and no other. */
	{
		guint64 sh = 0, sv = 0, ua, uc;

		ua = usage_of(f, a, &sh, &sv);
		assert_int_equal(sh, 1);
		assert_int_equal(sv, 1);
		assert_true(ua >= 16);
		uc = usage_of(f, c, &sh, &sv);
		assert_int_equal(sh, 1);
		assert_int_equal(uc, ua);
	}
	/* Asking the usage of an account that never stored anything gives
	 * it no owner number (7 below gets the next one). */
	{
		g_autofree char *d = create_account_at(f, na2, "dave", NULL);
		guint64 sh = 1, sv = 0;

		assert_int_equal(usage_of(f, d, &sh, &sv), 0);
		assert_int_equal(sh, 0);
		assert_int_equal(sv, 1);
	}
	assert_int_equal(acct_desk_owner(f->s[0].desk2, 1),
	    ACCT_DESK_OWNER_BASE + 1);
	assert_int_equal(acct_desk_owner(f->s[0].desk2, 7),
	    ACCT_DESK_OWNER_BASE + 2);
}

/* manage-accounts.METHOD(num[, quota]) (quota < -1: none given, -1:
 * nil): the remote error type, or NULL; *ans (if given) keeps the
 * answer.  manage() then lets one-way messages to the servers arrive,
 * manage_call() does not. */
static char *
manage_call(struct fx *f, const char *method, guint32 num, gint64 quota,
    tt_answer *ans)
{
	g_autoptr(GError) e = NULL;
	rpc_ref *ref = tt_get_ref(f->cl, f->manage_furl, &e);
	rpc_pack *p = rpc_pack_new();
	char *type = NULL;
	tt_answer a;

	assert_non_null(ref);
	rpc_pack_array(p, quota < -1 ? 1 : 2);
	rpc_pack_uint(p, num);
	if (quota == -1)
		rpc_pack_nil(p);
	else if (quota >= 0)
		rpc_pack_int(p, quota);
	tt_answer_init(&a);
	assert_true(tt_call(f->loop, ref, method, p, &a));
	if (a.err != NULL)
		type = g_strdup(rpc_remote_error_type(a.err));
	if (ans != NULL)
		*ans = a;
	else
		tt_answer_clear(&a);
	rpc_ref_unref(ref);
	return type;
}

static char *
manage(struct fx *f, const char *method, guint32 num, gint64 quota,
    tt_answer *ans)
{
	char *type = manage_call(f, method, num, quota, ans);

	/* The servers are told one-way: let it arrive. */
	tt_run_for(f->loop, 0.2);
	return type;
}

/* Status and quota of account 'num' through the manage-accounts
 * methods that set them. */
static void
set_account(struct fx *f, guint32 num, const char *status, gint64 quota)
{
	g_autofree char *t1 = NULL, *t2 = NULL;

	if (strcmp(status, "active") == 0) {
		t1 = manage(f, "enable", num, -2, NULL);
		t2 = manage(f, "set_quota", num, quota, NULL);
	} else {
		t1 = manage(f, strcmp(status, "disabled") == 0 ? "disable" :
		    "terminate", num, -2, NULL);
	}
	assert_null(t1);
	assert_null(t2);
}

/* Bytes allocated to account 1's open writers on server 0. */
static guint64
writing_of_1(struct fx *f)
{
	return grid_ss_owner_writing(f->s[0].ss,
	    acct_desk_owner(f->s[0].desk, 1));
}

/* Writers not yet closed count against the quota: with room for one
 * share, a second allocation while the first is open is refused; the
 * first aborted, the room is back. */
static void
test_quota_counts_open_writers(void **state)
{
	struct fx *f = *state;
	g_autofree char *a = create_account(f, "alice", NULL);
	g_autofree char *pa = NULL, *t = NULL, *t2 = NULL;
	rpc_ref *w1 = NULL, *w2 = NULL;
	guint n = 0;

	start_server(f, 0);
	assert_true(wait_registered(f, 0));
	pa = first_pss(f, a, &n);
	assert_non_null(pa);
	set_account(f, 1, "active", 20);
	assert_null(try_alloc(f, pa, 0x21, &w1));
	assert_int_equal(writing_of_1(f), 16);
	t = try_alloc(f, pa, 0x22, &w2);
	assert_non_null(t);
	assert_string_equal(t, "grid.QuotaExceeded");
	/* Released before close: aborted, its bytes no longer count. */
	rpc_ref_unref(w1);
	tt_run_for(f->loop, 0.2);
	assert_int_equal(writing_of_1(f), 0);
	t2 = try_alloc(f, pa, 0x22, &w2);
	assert_null(t2);
	rpc_ref_unref(w2);
}

/* What the manager sets reaches the servers, which enforce it: a quota
 * refuses an allocation that does not fit, a disabled account stores
 * nothing new, a terminated one's facets are gone; a server registering
 * later is told too. */
static void
test_quota_and_status_enforced(void **state)
{
	struct fx *f = *state;
	g_autofree char *a = create_account(f, "alice", NULL);
	g_autofree char *pa = NULL, *t1 = NULL, *t2 = NULL;
	guint n = 0;

	start_server(f, 0);
	assert_true(wait_registered(f, 0));
	pa = first_pss(f, a, &n);
	assert_non_null(pa);
	set_account(f, 1, "active", 10);
	t1 = try_store(f, pa, 0x11);
	assert_non_null(t1);
	assert_string_equal(t1, "grid.QuotaExceeded");
	set_account(f, 1, "active", 1000000);
	store_share(f, pa, 0x11);
	set_account(f, 1, "disabled", -1);
	t2 = try_store(f, pa, 0x12);
	assert_non_null(t2);
	assert_string_equal(t2, "acct.Disabled");
	/* A server that registers later hears of it at registration. */
	start_server(f, 1);
	assert_true(wait_registered(f, 1));
	tt_run_for(f->loop, 0.2);
	{
		g_autofree char *p1 = acct_desk_pss_furl(f->s[1].desk, 1);
		g_autofree char *t4 = try_store(f, p1, 0x13);

		assert_non_null(t4);
		assert_string_equal(t4, "acct.Disabled");
	}
	set_account(f, 1, "active", -1);
	store_share(f, pa, 0x12);
	/* Bob leases the share 0x12 too (add_lease through his facet). */
	{
		g_autofree char *b = create_account(f, "bob", NULL);
		g_autofree char *pb = acct_desk_pss_furl(f->s[0].desk, 2);
		g_autoptr(GError) e = NULL;
		rpc_ref *ref = tt_get_ref(f->cl, pb, &e);
		uint8_t si[16], secret[32];
		rpc_pack *p = rpc_pack_new();
		tt_answer ans;

		assert_non_null(ref);
		memset(si, 0x12, sizeof(si));
		memset(secret, 0x77, sizeof(secret));
		rpc_pack_array(p, 3);
		rpc_pack_bin(p, si, sizeof(si));
		rpc_pack_bin(p, secret, sizeof(secret));
		rpc_pack_bin(p, secret, sizeof(secret));
		tt_answer_init(&ans);
		assert_true(tt_call(f->loop, ref, "add_lease", p, &ans));
		assert_null(ans.err);
		tt_answer_clear(&ans);
		rpc_ref_unref(ref);
	}
	set_account(f, 1, "terminated", -1);
	assert_not_found(f, pa);
	assert_not_found(f, a);
	/* Alice's leases are gone: her share alone is deleted, the one Bob
	 * leases too is kept, with his lease only. */
	{
		grid_ss_stats st;

		grid_ss_get_stats(f->s[0].ss, &st);
		assert_int_equal(st.shares, 1);
		assert_int_equal(lease_owner(f, 0x11), -1);
		assert_int_equal(lease_owner(f, 0x12), 2);
	}
}

/* The quota server 'i' was told for account 'num' (-1: none). */
static gint64
server_quota_of(struct fx *f, int i, guint32 num)
{
	g_autofree char *path = g_build_filename(f->s[i].dir,
	    "pss-accounts.sqlite", NULL);
	sqlite3 *db = NULL;
	sqlite3_stmt *q = NULL;
	gint64 quota = -2;

	assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY,
	    NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT quota FROM accounts "
	    "WHERE num = ?", -1, &q, NULL), SQLITE_OK);
	sqlite3_bind_int64(q, 1, num);
	if (sqlite3_step(q) == SQLITE_ROW)
		quota = sqlite3_column_type(q, 0) == SQLITE_NULL ? -1 :
		    sqlite3_column_int64(q, 0);
	sqlite3_finalize(q);
	sqlite3_close(db);
	return quota;
}

static guint64
map_uint(const msgpack_object *m, const char *key)
{
	const msgpack_object *v = rpc_mp_map_get(m, key);

	assert_non_null(v);
	assert_int_equal(v->type, MSGPACK_OBJECT_POSITIVE_INTEGER);
	return v->via.u64;
}

/* get, set_quota, disable, enable, terminate: unknown accounts are
 * acct.NotFound, a terminated one is final; a quota is split over the
 * servers the manager knows, and split again when a new one registers. */
static void
test_manage_methods(void **state)
{
	struct fx *f = *state;
	g_autofree char *a = create_account(f, "alice", NULL);
	g_autofree char *b = create_account(f, "bob", NULL);
	char *t = NULL;
	const msgpack_object *st;
	tt_answer ans;

	start_server(f, 0);
	assert_true(wait_registered(f, 0));
	assert_null(manage(f, "get", 1, -2, &ans));
	assert_int_equal(map_uint(&ans.result.data, "num"), 1);
	st = rpc_mp_map_get(&ans.result.data, "name");
	assert_true(st != NULL && st->via.str.size == 5 &&
	    memcmp(st->via.str.ptr, "alice", 5) == 0);
	assert_int_equal(rpc_mp_map_get(&ans.result.data, "quota")->type,
	    MSGPACK_OBJECT_NIL);
	tt_answer_clear(&ans);
	t = manage(f, "get", 9, -2, NULL);
	assert_string_equal(t, "acct.NotFound");
	g_free(t);
	t = manage(f, "set_quota", 9, 5, NULL);
	assert_string_equal(t, "acct.NotFound");
	g_free(t);

	/* 1001 bytes: one server enforces them all, two 501 each. */
	assert_null(manage(f, "set_quota", 1, 1001, NULL));
	assert_int_equal(server_quota_of(f, 0, 1), 1001);
	start_server(f, 1);
	assert_true(wait_registered(f, 1));
	tt_run_for(f->loop, 0.2);
	assert_int_equal(server_quota_of(f, 0, 1), 501);
	assert_int_equal(server_quota_of(f, 1, 1), 501);
	assert_null(manage(f, "set_quota", 1, -1, NULL));
	assert_int_equal(server_quota_of(f, 1, 1), -1);

	assert_null(manage(f, "disable", 2, -2, NULL));
	assert_null(manage(f, "enable", 2, -2, &ans));
	st = rpc_mp_map_get(&ans.result.data, "status");
	assert_true(st != NULL && st->via.str.size == 6 &&
	    memcmp(st->via.str.ptr, "active", 6) == 0);
	tt_answer_clear(&ans);
	assert_null(manage(f, "terminate", 2, -2, NULL));
	assert_not_found(f, b);
	t = manage(f, "enable", 2, -2, NULL);
	assert_string_equal(t, "acct.Terminated");
	g_free(t);
	t = manage(f, "set_quota", 2, 10, NULL);
	assert_string_equal(t, "acct.Terminated");
	g_free(t);
	t = manage(f, "disable", 2, -2, NULL);
	assert_string_equal(t, "acct.Terminated");
	g_free(t);
	assert_null(manage(f, "terminate", 2, -2, NULL));	/* again */
	t = manage(f, "set_account", 1, -2, NULL);
	assert_string_equal(t, "no-such-method");
	g_free(t);
	RPC_UNUSED(a);
}

/* More restricted accounts than one push batch: a server that
 * registers learns every one, and a new server changes every server's
 * share of every quota, in paced batches (ACCT_PUSH_BATCH). */
static void
test_many_quotas_pushed_in_batches(void **state)
{
	struct fx *f = *state;
	const guint n = 2 * ACCT_PUSH_BATCH + 50;
	guint i, tries;

	start_server(f, 0);
	assert_true(wait_registered(f, 0));
	for (i = 1; i <= n; i++) {
		g_autofree char *name = g_strdup_printf("many%u", i);
		g_autofree char *a = create_account(f, name, NULL);

		assert_non_null(a);
		assert_null(manage_call(f, "set_quota", i, 1000, NULL));
	}
	start_server(f, 1);
	assert_true(wait_registered(f, 1));
	for (tries = 0; tries < 100 && (server_quota_of(f, 0, n) != 500 ||
	    server_quota_of(f, 1, n) != 500); tries++)
		tt_run_for(f->loop, 0.05);
	for (i = 1; i <= n; i += ACCT_PUSH_BATCH / 2) {
		assert_int_equal(server_quota_of(f, 0, i), 500);
		assert_int_equal(server_quota_of(f, 1, i), 500);
	}
	assert_int_equal(server_quota_of(f, 0, n), 500);
	assert_int_equal(server_quota_of(f, 1, n), 500);
}

/* usage(num) names every registered server, with its figures or why it
 * has none: a server that is away is not counted as zero. */
static void
test_usage_names_missing_servers(void **state)
{
	struct fx *f = *state;
	g_autofree char *a = create_account(f, "alice", NULL);
	g_autofree char *pa = NULL;
	const msgpack_object *ps;
	tt_answer ans;
	guint n = 0, i, errors = 0;

	start_server(f, 0);
	start_server(f, 1);
	assert_true(wait_registered(f, 0));
	assert_true(wait_registered(f, 1));
	pa = acct_desk_pss_furl(f->s[0].desk, 1);
	store_share(f, pa, 0x21);
	assert_null(manage(f, "usage", 1, -2, &ans));
	assert_int_equal(map_uint(&ans.result.data, "servers_counted"), 2);
	assert_int_equal(map_uint(&ans.result.data, "servers_registered"), 2);
	assert_int_equal(map_uint(&ans.result.data, "shares"), 1);
	assert_true(map_uint(&ans.result.data, "total") > 0);
	tt_answer_clear(&ans);

	/* Server 1 goes away. */
	acct_desk_free(g_steal_pointer(&f->s[1].desk));
	grid_ss_free(g_steal_pointer(&f->s[1].ss));
	rpc_tub_free(g_steal_pointer(&f->s[1].tub));
	tt_run_for(f->loop, 0.3);
	assert_null(manage(f, "usage", 1, -2, &ans));
	assert_int_equal(map_uint(&ans.result.data, "servers_counted"), 1);
	assert_int_equal(map_uint(&ans.result.data, "servers_registered"), 2);
	assert_int_equal(map_uint(&ans.result.data, "shares"), 1);
	ps = rpc_mp_map_get(&ans.result.data, "per_server");
	assert_non_null(ps);
	assert_int_equal(ps->type, MSGPACK_OBJECT_ARRAY);
	n = ps->via.array.size;
	assert_int_equal(n, 2);
	for (i = 0; i < n; i++)
		if (rpc_mp_map_get(&ps->via.array.ptr[i], "error") != NULL)
			errors++;
		else
			assert_int_equal(map_uint(&ps->via.array.ptr[i],
			    "shares"), 1);
	assert_int_equal(errors, 1);
	tt_answer_clear(&ans);

	/* A page of accounts at once. */
	assert_null(manage(f, "list_usage", 0, 100, &ans));
	assert_int_equal(map_uint(&ans.result.data, "servers_counted"), 1);
	ps = rpc_mp_map_get(&ans.result.data, "accounts");
	assert_true(ps != NULL && ps->via.array.size == 1);
	assert_int_equal(map_uint(&ps->via.array.ptr[0], "shares"), 1);
	tt_answer_clear(&ans);
	RPC_UNUSED(a);
}

/* The facet's get_usages() takes at most ACCT_USAGES_MAX account
 * numbers, each 1 to ACCT_NUM_MAX, and answers them in order. */
static void
test_get_usages_bounded(void **state)
{
	struct fx *f = *state;
	g_autoptr(GError) e = NULL;
	g_autofree char *furl = NULL;
	rpc_ref *ref;
	guint i, k;

	start_server(f, 0);
	furl = rpc_tub_register(f->s[0].tub, acct_desk_facet(f->s[0].desk),
	    NULL, NULL, &e);
	assert_non_null(furl);
	ref = tt_get_ref(f->cl, furl, &e);
	assert_non_null(ref);
	for (k = 0; k < 4; k++) {
		static const guint counts[] = { 3, ACCT_USAGES_MAX,
		    ACCT_USAGES_MAX + 1, 2 };
		rpc_pack *p = rpc_pack_new();
		tt_answer ans;

		rpc_pack_array(p, 1);
		rpc_pack_array(p, counts[k]);
		for (i = 0; i < counts[k]; i++)
			rpc_pack_uint(p, k == 3 && i == 1 ? 0 : 7 + i % 2);
		tt_answer_init(&ans);
		assert_true(tt_call(f->loop, ref, "get_usages", p, &ans));
		if (k >= 2) {
			assert_non_null(ans.err);
		} else {
			assert_null(ans.err);
			assert_int_equal(ans.result.data.via.array.size,
			    counts[k]);
			assert_int_equal(ans.result.data.via.array.ptr[1]
			    .via.array.ptr[0].via.u64, 8);
		}
		tt_answer_clear(&ans);
	}
	rpc_ref_unref(ref);
	sodium_memzero(furl, strlen(furl));
}

/* A storage server of an account-managed grid registers no name on its
 * tub (no anonymous storage facet, nothing per account: its facets come
 * from the name-lookup handler, and the private facet travels as a
 * reference); the same server with an introducer registers its one
 * anonymous facet. */
static void
test_desk_server_registers_no_name(void **state)
{
	struct fx *f = *state;
	g_autofree char *sdir = g_build_filename(f->dir, "anon", NULL);
	g_autofree char *furl = NULL;
	g_autoptr(GError) e = NULL;
	rpc_tub *t = tt_tub_listening(f->loop, NULL);
	grid_ss *ss;

	start_server(f, 0);
	tt_run_for(f->loop, 0.3);	/* registered at the serverdesk */
	assert_int_equal(rpc_tub_n_registered(f->s[0].tub), 0);
	ss = grid_ss_new(t, sdir, 0, NULL, &furl, &e);
	assert_non_null(ss);
	assert_int_equal(rpc_tub_n_registered(t), 1);
	sodium_memzero(furl, strlen(furl));
	grid_ss_free(ss);
	rpc_tub_free(t);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_create_and_lookup,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_account_furl_forgeries_not_found, setup, teardown),
		cmocka_unit_test_setup_teardown(test_terminated_not_found,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_manage_list, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    test_desk_server_registers_no_name, setup, teardown),
		cmocka_unit_test_setup_teardown(test_serverdesk_and_pss,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_register_checks_owner,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_client_follows_servers,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_stuck_server_left_out,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_two_managers, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    test_quota_and_status_enforced, setup, teardown),
		cmocka_unit_test_setup_teardown(test_manage_methods, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    test_many_quotas_pushed_in_batches, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_usage_names_missing_servers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_get_usages_bounded,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_quota_counts_open_writers, setup, teardown),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}

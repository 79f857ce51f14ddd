/* account/desk.c -- a storage server's side of the serverdesk.
 *
 * A reconnector keeps the serverdesk FURL connected; on every connection
 * the server registers again (so a restarted manager learns of it without
 * help), passing its private facet by reference and a fresh signed
 * announcement without an anonymous FURL.  The name-lookup handler mints
 * PSS facets from MAC'ed swissnums; the storage server's own method table
 * serves them (grid_ss_facet_new()).
 *
 * A server may serve several managers, one desk each.  The primary one's
 * account numbers are the lease owners as they are, MAC'ed with the
 * server's secret S; every other manager's are MAC'ed with a key derived
 * from S and that manager's tubid, and mapped to owners of their own
 * (from ACCT_DESK_OWNER_BASE up, in pss-accounts.sqlite), so that two
 * managers' account 5 never share leases. */
#include "config.h"

#include <string.h>

#include <sodium.h>
#include <sqlite3.h>

#include "account/desk.h"
#include "account/err.h"
#include "account/mac.h"
#include "account/mgr.h"
#include "grid/announce.h"
#include "grid/owner.h"
#include "grid/sqlite.h"
#include "node/status.h"
#include "rpc/base32.h"
#include "rpc/common.h"
#include "rpc/conn.h"
#include "rpc/furl.h"
#include "rpc/ident.h"
#include "rpc/reconnect.h"

#define DESK_STATUS_MAX		16	/* bytes of a status name */
#define DESK_KEY_CONTEXT	"tahoe-c pss key v1 "

/* pss-accounts.sqlite: what managers set for their accounts, and the
 * lease owners of a secondary manager's accounts. */
static const char schema_sql[] =
	"PRAGMA journal_mode=WAL;"
	"CREATE TABLE IF NOT EXISTS accounts (am TEXT NOT NULL,"
	" num INTEGER NOT NULL, status TEXT NOT NULL, quota INTEGER,"
	" PRIMARY KEY (am, num));"
	"CREATE TABLE IF NOT EXISTS owners ("
	" id INTEGER PRIMARY KEY AUTOINCREMENT,"
	" am TEXT NOT NULL, num INTEGER NOT NULL, UNIQUE (am, num))";

enum {
	ST_OWNER_GET,
	ST_OWNER_ADD,
	ST_OWNER_OF,
	ST_SETTING_GET,
	ST_SETTING_PUT,
	ST_N
};

static const char *const st_sql[ST_N] = {
	[ST_OWNER_GET] = "SELECT id FROM owners WHERE am = ? AND num = ?",
	[ST_OWNER_ADD] = "INSERT INTO owners (am, num) VALUES (?, ?)",
	[ST_OWNER_OF] = "SELECT am, num FROM owners WHERE id = ?",
	[ST_SETTING_GET] = "SELECT status, quota FROM accounts"
	    " WHERE am = ? AND num = ?",
	[ST_SETTING_PUT] = "INSERT INTO accounts (am, num, status, quota)"
	    " VALUES (?,?,?,?) ON CONFLICT (am, num) DO UPDATE"
	    " SET status = excluded.status, quota = excluded.quota",
};

struct acct_desk {
	rpc_tub		*tub;		/* borrowed */
	grid_ss		*ss;		/* borrowed */
	uint8_t		 key[ACCT_SECRET_LEN];
	gboolean	 primary;
	char		*am;		/* the manager's tubid, or "" */
	char		*nickname;
	rpc_obj		*facet;
	rpc_reconnector	*rc;
	rpc_ref		*ref;		/* the serverdesk, while connected */
	guint		 watch;
	sqlite3		*db;
	sqlite3_stmt	*st[ST_N];	/* prepared once (grid_sqlite_open) */
	gboolean	 registered;
	char		*last_error;
	guint		 n_registered;
	gint64		 since_us;
	struct reg_ctx	*pending;	/* the register call's */
	guint64		 n_minted;
};

/* A register call's context: forgotten if the desk goes first. */
struct reg_ctx {
	acct_desk	*d;
};

/* Run one of the owner statements for (this manager, 'num'), then reset
 * it: its step's result code. */
static int
owner_step(acct_desk *d, int which, guint32 num, sqlite3_int64 *id)
{
	sqlite3_stmt *q = d->st[which];
	int rc;

	sqlite3_bind_text(q, 1, d->am, -1, SQLITE_STATIC);
	sqlite3_bind_int64(q, 2, num);
	rc = sqlite3_step(q);
	if (which == ST_OWNER_GET && rc == SQLITE_ROW)
		*id = sqlite3_column_int64(q, 0);
	else if (which == ST_OWNER_ADD && rc == SQLITE_DONE)
		*id = sqlite3_last_insert_rowid(d->db);
	sqlite3_reset(q);
	sqlite3_clear_bindings(q);
	return rc;
}

/* The lease owner of row 'id' of owners (0 if out of range). */
static guint32
owner_of_id(sqlite3_int64 id)
{
	if (id < 1 || id > (sqlite3_int64)(G_MAXUINT32 - ACCT_DESK_OWNER_BASE))
		return 0;
	return ACCT_DESK_OWNER_BASE + (guint32)id;
}

/* The lease owner of this manager's account 'num' if it has one: unlike
 * acct_desk_owner(), asking gives a secondary manager's account no owner
 * number, so usage questions cannot use up the owner numbers. */
static guint32
owner_if_given(acct_desk *d, guint32 num)
{
	sqlite3_int64 id = 0;

	if (d->primary)
		return num;
	(void)owner_step(d, ST_OWNER_GET, num, &id);
	return owner_of_id(id);
}

guint32
acct_desk_owner(acct_desk *d, guint32 num)
{
	sqlite3_int64 id = 0;

	if (d->primary)
		return num;
	/* Look first: an ignored INSERT would still use up an id. */
	(void)owner_step(d, ST_OWNER_GET, num, &id);
	if (id == 0 && owner_step(d, ST_OWNER_ADD, num, &id) != SQLITE_DONE)
		return 0;
	return owner_of_id(id);
}

/* What a manager set for its account 'num' (set_account()): FALSE if
 * nothing was set (an active account without a quota). */
static gboolean
account_setting(acct_desk *d, const char *am, guint32 num, char *status,
    gint64 *quota)
{
	sqlite3_stmt *q = d->st[ST_SETTING_GET];
	gboolean found = FALSE;

	*quota = -1;
	sqlite3_bind_text(q, 1, am, -1, SQLITE_STATIC);
	sqlite3_bind_int64(q, 2, num);
	if (sqlite3_step(q) == SQLITE_ROW) {
		const char *st = (const char *)sqlite3_column_text(q, 0);

		g_strlcpy(status, st != NULL ? st : "disabled",
		    DESK_STATUS_MAX + 1);
		if (sqlite3_column_type(q, 1) != SQLITE_NULL)
			*quota = sqlite3_column_int64(q, 1);
		found = TRUE;
	}
	sqlite3_reset(q);
	sqlite3_clear_bindings(q);
	return found;
}

/* The manager (tubid) and account number of lease owner 'owner'. */
static gboolean
owner_account(acct_desk *d, guint32 owner, char **am, guint32 *num)
{
	sqlite3_stmt *q = d->st[ST_OWNER_OF];
	gboolean found = FALSE;

	if (owner < ACCT_DESK_OWNER_BASE) {
		*am = g_strdup(d->am);
		*num = owner;
		return TRUE;
	}
	sqlite3_bind_int64(q, 1, owner - ACCT_DESK_OWNER_BASE);
	if (sqlite3_step(q) == SQLITE_ROW) {
		*am = g_strdup((const char *)sqlite3_column_text(q, 0));
		*num = (guint32)sqlite3_column_int64(q, 1);
		found = *am != NULL;
	}
	sqlite3_reset(q);
	return found;
}

/* grid_ss_admit_fn of the primary desk, for every desk's owners: a
 * disabled or terminated account is refused every allocate_buckets, even
 * one that asks only for shares held ('bytes' 0); an account with a
 * quota stores while what it leases here, plus what its open writers
 * were allocated, plus what it asks fits (so uploads at once cannot pass
 * it together). */
static gboolean
desk_admit(guint32 owner, guint64 bytes, char **type, char **why,
    void *arg)
{
	acct_desk *d = arg;
	g_autofree char *am = NULL;
	char status[DESK_STATUS_MAX + 1];
	guint64 shares = 0, used = 0, writing;
	gint64 quota = -1;
	guint32 num = 0;

	if (!owner_account(d, owner, &am, &num) ||
	    !account_setting(d, am, num, status, &quota))
		return TRUE;
	if (strcmp(status, "active") != 0) {
		*type = g_strdup(strcmp(status, "terminated") == 0 ?
		    "acct.Terminated" : "acct.Disabled");
		*why = g_strdup_printf("account %u is %s", num, status);
		return FALSE;
	}
	/* Nothing new asked (shares held get a lease): status only. */
	if (quota < 0 || bytes == 0)
		return TRUE;
	grid_ss_owner_usage(d->ss, owner, &shares, &used);
	writing = grid_ss_owner_writing(d->ss, owner);
	used = used > G_MAXUINT64 - writing ? G_MAXUINT64 : used + writing;
	if (used > (guint64)quota || bytes > (guint64)quota - used) {
		*type = g_strdup("grid.QuotaExceeded");
		*why = g_strdup_printf("account %u: this server's share of "
		    "its quota is %" G_GINT64_FORMAT " bytes, %"
		    G_GUINT64_FORMAT " used or being written here, %"
		    G_GUINT64_FORMAT " more asked", num, quota, used, bytes);
		return FALSE;
	}
	return TRUE;
}

static rpc_obj *
pss_lookup(rpc_tub *tub, const char *swissnum, void *arg)
{
	acct_desk *d = arg;
	char status[DESK_STATUS_MAX + 1];
	gint64 quota;
	guint32 num, owner;

	RPC_UNUSED(tub);
	if (!acct_mac_check(d->key, swissnum, &num))
		return NULL;
	/* A terminated account's facets are gone, as its account FURL. */
	if (account_setting(d, d->am, num, status, &quota) &&
	    strcmp(status, "terminated") == 0)
		return NULL;
	if ((owner = acct_desk_owner(d, num)) == 0)
		return NULL;
	d->n_minted++;
	return grid_ss_facet_new(d->ss, owner);
}

char *
acct_desk_pss_furl(acct_desk *d, guint32 num)
{
	g_autofree char *swiss = acct_mac_swissnum(d->key, num);
	char *furl = rpc_tub_furl_for_name(d->tub, swiss);

	sodium_memzero(swiss, strlen(swiss));
	return furl;
}

static void
facet_pss_furl(rpc_incall *call, rpc_mp *args, void *data)
{
	acct_desk *d = grid_owner_get(data, call);
	uint64_t num = 0;
	char *furl;
	rpc_pack *p;

	if (d == NULL)
		return;
	if (rpc_mp_uint(args, ACCT_NUM_MAX, &num) != 0 || num < 1) {
		rpc_incall_fail(call, "violation", "an account number is 1 "
		    "to %u", ACCT_NUM_MAX);
		return;
	}
	furl = acct_desk_pss_furl(d, (guint32)num);
	p = rpc_pack_new();
	rpc_pack_str(p, furl);
	sodium_memzero(furl, strlen(furl));
	g_free(furl);
	rpc_incall_return(call, p);
}

/* What the manager sets: enforced by desk_admit() and pss_lookup(); a
 * termination also cancels the account's leases here. */
static void
facet_set_account(rpc_incall *call, rpc_mp *args, void *data)
{
	acct_desk *d = grid_owner_get(data, call);
	uint64_t num = 0;
	int64_t quota = -1;
	const char *status = NULL;
	size_t sl = 0;
	char st[DESK_STATUS_MAX + 1];
	sqlite3_stmt *q;
	int rc;

	if (d == NULL)
		return;
	q = d->st[ST_SETTING_PUT];
	if (rpc_mp_uint(args, ACCT_NUM_MAX, &num) != 0 || num < 1 ||
	    rpc_mp_str(args, DESK_STATUS_MAX, &status, &sl) != 0 ||
	    (rpc_mp_nil(args) != 0 &&
	    rpc_mp_int(args, 0, G_MAXINT64, &quota) != 0)) {
		rpc_incall_fail(call, "violation", "expected (num, status, "
		    "quota or nil)");
		return;
	}
	memcpy(st, status, sl);
	st[sl] = '\0';
	if (strcmp(st, "active") != 0 && strcmp(st, "disabled") != 0 &&
	    strcmp(st, "terminated") != 0) {
		rpc_incall_fail(call, "violation", "status is active, "
		    "disabled or terminated");
		return;
	}
	sqlite3_bind_text(q, 1, d->am, -1, SQLITE_STATIC);
	sqlite3_bind_int64(q, 2, (sqlite3_int64)num);
	sqlite3_bind_text(q, 3, st, -1, SQLITE_STATIC);
	if (quota < 0)
		sqlite3_bind_null(q, 4);
	else
		sqlite3_bind_int64(q, 4, quota);
	rc = sqlite3_step(q);
	sqlite3_reset(q);
	sqlite3_clear_bindings(q);
	if (rc != SQLITE_DONE) {
		rpc_incall_fail(call, "acct.Failed", "database");
		return;
	}
	/* Terminated: its leases go, and every share no other account
	 * leases with them (again at each registration: idempotent). */
	if (strcmp(st, "terminated") == 0) {
		guint32 owner = acct_desk_owner(d, (guint32)num);

		if (owner != 0)
			grid_ss_cancel_owner(d->ss, owner);
	}
	rpc_incall_return(call, NULL);
}

/* {shares, bytes} of the shares this manager's account 'num' leases
 * here. */
static void
facet_get_usage(rpc_incall *call, rpc_mp *args, void *data)
{
	acct_desk *d = grid_owner_get(data, call);
	uint64_t num = 0;
	guint64 shares = 0, bytes = 0;
	guint32 owner;
	rpc_pack *p;

	if (d == NULL)
		return;
	if (rpc_mp_uint(args, ACCT_NUM_MAX, &num) != 0 || num < 1) {
		rpc_incall_fail(call, "violation", "an account number is 1 "
		    "to %u", ACCT_NUM_MAX);
		return;
	}
	if ((owner = acct_desk_owner(d, (guint32)num)) == 0) {
		rpc_incall_fail(call, "acct.Failed", "database");
		return;
	}
	grid_ss_owner_usage(d->ss, owner, &shares, &bytes);
	p = rpc_pack_new();
	rpc_pack_map(p, 2);
	rpc_pack_str(p, "shares");
	rpc_pack_uint(p, shares);
	rpc_pack_str(p, "bytes");
	rpc_pack_uint(p, bytes);
	rpc_incall_return(call, p);
}

/* [[num, shares, bytes]...] for each of the (at most ACCT_USAGES_MAX)
 * account numbers asked, in their order: one call per server for a page
 * of accounts. */
static void
facet_get_usages(rpc_incall *call, rpc_mp *args, void *data)
{
	acct_desk *d = grid_owner_get(data, call);
	guint32 nums[ACCT_USAGES_MAX];
	guint i, n = 0;
	rpc_pack *p;
	rpc_mp list;

	if (d == NULL)
		return;
	if (rpc_mp_sub(args, &list, 0, ACCT_USAGES_MAX) != 0) {
		rpc_incall_fail(call, "violation", "expected a list of at "
		    "most %u account numbers", ACCT_USAGES_MAX);
		return;
	}
	for (n = 0; n < list.n; n++) {
		uint64_t v = 0;

		if (rpc_mp_uint(&list, ACCT_NUM_MAX, &v) != 0 || v < 1) {
			rpc_incall_fail(call, "violation", "an account "
			    "number is 1 to %u", ACCT_NUM_MAX);
			return;
		}
		nums[n] = (guint32)v;
	}
	p = rpc_pack_new();
	rpc_pack_array(p, n);
	for (i = 0; i < n; i++) {
		guint64 shares = 0, bytes = 0;
		guint32 owner = owner_if_given(d, nums[i]);

		/* An account without an owner number leases nothing here. */
		if (owner != 0)
			grid_ss_owner_usage(d->ss, owner, &shares, &bytes);
		rpc_pack_array(p, 3);
		rpc_pack_uint(p, nums[i]);
		rpc_pack_uint(p, shares);
		rpc_pack_uint(p, bytes);
	}
	rpc_incall_return(call, p);
}

static const rpc_schema pss_furl_args[] = { RPC_S_INT(1, ACCT_NUM_MAX) };
static const rpc_schema str_result = RPC_S_STR(4096);
static const rpc_schema set_account_args[] = {
	RPC_S_INT(1, ACCT_NUM_MAX), RPC_S_STR(DESK_STATUS_MAX),
	{ RPC_T_INT, true, 0, G_MAXINT64, NULL },
};
static const rpc_schema nil_result = RPC_S_NIL;
static const rpc_schema usages_num = RPC_S_INT(1, ACCT_NUM_MAX);
static const rpc_schema get_usages_args[] = {
	RPC_S_LIST(ACCT_USAGES_MAX, &usages_num),
};

static const rpc_method facet_methods[] = {
	{ "pss_furl", facet_pss_furl, pss_furl_args, 1, &str_result },
	{ "set_account", facet_set_account, set_account_args, 3,
	    &nil_result },
	{ "get_usage", facet_get_usage, pss_furl_args, 1, NULL },
	{ "get_usages", facet_get_usages, get_usages_args, 1, NULL },
};

static const rpc_iface facet_iface = {
	"acct.server-facet", facet_methods, G_N_ELEMENTS(facet_methods),
};

static void
register_done(const msgpack_object *result, const rpc_refctx *refs,
    const GError *err, void *arg)
{
	struct reg_ctx *ctx = arg;
	acct_desk *d = ctx->d;

	RPC_UNUSED(refs);
	RPC_UNUSED(result);
	g_free(ctx);
	if (d == NULL)
		return;
	d->pending = NULL;
	g_clear_pointer(&d->last_error, g_free);
	if (err != NULL) {
		d->last_error = g_strdup_printf("register failed: %s",
		    err->message);
		g_warning("serverdesk: %s", d->last_error);
		return;
	}
	d->registered = TRUE;
	d->n_registered++;
	d->since_us = g_get_real_time();
	g_message("registered at the serverdesk");
}

static void
desk_lost(void *arg)
{
	acct_desk *d = arg;

	rpc_ref_unref(g_steal_pointer(&d->ref));
	d->registered = FALSE;
	d->since_us = g_get_real_time();
}

static void
desk_drop_ref(acct_desk *d)
{
	if (d->ref != NULL) {
		rpc_ref_dont_notify(d->ref, d->watch);
		rpc_ref_unref(g_steal_pointer(&d->ref));
	}
}

static void
desk_connected(rpc_ref *ref, void *arg)
{
	acct_desk *d = arg;
	const rpc_ident *id = rpc_tub_ident(d->tub);
	g_autofree char *text = rpc_base32_encode(rpc_ident_pk(id),
	    RPC_PK_LEN);
	g_autofree char *seed = rpc_base32_encode((const uint8_t *)text,
	    strlen(text));
	/* Seconds since the epoch: grows from one registration to the
	 * next without a counter on disk. */
	grid_ann *a = grid_ann_sign(id, "storage", d->nickname, NULL, seed,
	    (guint64)(g_get_real_time() / G_USEC_PER_SEC), NULL);
	rpc_pack *p = rpc_pack_new();

	rpc_pack_array(p, 2);
	rpc_pack_obj(p, d->facet);
	grid_ann_pack(a, p);
	grid_ann_free(a);
	if (d->pending != NULL)
		d->pending->d = NULL;
	d->pending = g_new0(struct reg_ctx, 1);
	d->pending->d = d;
	desk_drop_ref(d);
	d->ref = rpc_ref_ref(ref);
	d->watch = rpc_ref_notify_on_disconnect(ref, desk_lost, d);
	rpc_ref_call(ref, "register", p, register_done, d->pending);
}

acct_desk *
acct_desk_new(rpc_tub *tub, grid_ss *ss, const char *desk_furl,
    gboolean primary, const char *nickname, const char *private_dir,
    const char *db_path, GError **error)
{
	acct_desk *d = g_new0(acct_desk, 1);
	g_autofree char *secret = g_build_filename(private_dir, "pss-secret",
	    NULL);
	g_autoptr(rpc_furl) f = NULL;

	d->tub = tub;
	d->ss = ss;
	d->primary = primary;
	d->nickname = g_strdup(nickname != NULL ? nickname : "");
	if (desk_furl != NULL && !rpc_furl_parse(desk_furl, &f, error)) {
		g_prefix_error(error, "serverdesk.furl: ");
		goto fail;
	}
	d->am = g_strdup(f != NULL ? rpc_furl_tubid(f) : "");
	if (!primary && f == NULL) {
		g_set_error(error, ACCT_ERROR, ACCT_E_FORMAT, "a secondary "
		    "serverdesk needs its FURL");
		goto fail;
	}
	if (!acct_secret_load_or_create(secret, d->key, error))
		goto fail;
	if (!primary) {
		/* K_am = BLAKE2b-256(key = S, "tahoe-c pss key v1 " tubid) */
		g_autofree char *ctx = g_strconcat(DESK_KEY_CONTEXT, d->am,
		    NULL);
		uint8_t k[ACCT_SECRET_LEN];

		crypto_generichash(k, sizeof(k), (const unsigned char *)ctx,
		    strlen(ctx), d->key, sizeof(d->key));
		memcpy(d->key, k, sizeof(k));
		sodium_memzero(k, sizeof(k));
	}
	d->db = grid_sqlite_open(db_path, schema_sql, st_sql, d->st, ST_N,
	    ACCT_ERROR, ACCT_E_DB, error);
	if (d->db == NULL)
		goto fail;
	d->facet = grid_owned_obj_new(&facet_iface, d);
	if (f != NULL) {
		rpc_backoff bo;

		rpc_backoff_init(&bo);
		bo.max = ACCT_RETRY_MAX;
		d->rc = rpc_reconnector_new_furl(tub, f, &bo, desk_connected,
		    d);
	}
	rpc_tub_add_lookup_handler(tub, pss_lookup, d);
	if (primary)
		grid_ss_set_admit(ss, desk_admit, d);
	return d;
fail:
	acct_desk_free(d);
	return NULL;
}

void
acct_desk_free(acct_desk *d)
{
	if (d == NULL)
		return;
	if (d->primary && d->ss != NULL && d->db != NULL)
		grid_ss_set_admit(d->ss, NULL, NULL);
	rpc_reconnector_free(d->rc);
	desk_drop_ref(d);
	if (d->pending != NULL)
		d->pending->d = NULL;
	grid_owned_obj_release(d->facet);
	grid_sqlite_close(d->db, d->st, ST_N);
	sodium_memzero(d->key, sizeof(d->key));
	g_free(d->nickname);
	g_free(d->am);
	g_free(d->last_error);
	g_free(d);
}

rpc_obj *
acct_desk_facet(const acct_desk *d)
{
	return d->facet;
}

gboolean
acct_desk_is_registered(const acct_desk *d)
{
	return d->registered;
}

void
acct_desk_status(acct_desk *d, json_t *rows)
{
	json_t *o = json_object();
	const char *state = d->registered ? "connected" :
	    d->rc != NULL ? rpc_reconnector_state_name(
	    rpc_reconnector_state(d->rc)) : "not configured";
	const char *err = d->last_error != NULL ? d->last_error :
	    d->rc != NULL && !d->registered ?
	    rpc_reconnector_last_error(d->rc) : NULL;

	node_status_set_str(o, "state", state);
	if (d->since_us != 0)
		json_object_set_new(o, "since",
		    json_real((double)d->since_us / G_USEC_PER_SEC));
	else
		json_object_set_new(o, "since", json_null());
	if (err != NULL)
		node_status_set_str(o, "last_error", err);
	else
		json_object_set_new(o, "last_error", json_null());
	json_object_set_new(o, "registrations",
	    json_integer(d->n_registered));
	json_object_set_new(o, "pss_facets_made",
	    json_integer((json_int_t)MIN(d->n_minted, G_MAXINT64)));
	node_status_set_str(o, "manager", d->am);
	json_array_append_new(rows, o);
}

/* account/mgr.c -- the account manager.
 *
 * Three objects are registered under FURLs kept in private/; account
 * objects are not registered at all: the tub asks acct_lookup() for any
 * name it does not know, and an account FURL's swissnum carries the
 * account number and a MAC of it (account/mac.h), so the object is made
 * on the spot and dropped with its last reference.
 *
 * Servers register at the serverdesk with a reference to their private
 * facet and a signed announcement.  The list of servers is kept in the
 * database (it survives restarts; servers register again on their own);
 * the facet references live only in memory, for as long as each server
 * stays connected.  An account's server list is asked of the facets each
 * time (pss_furl(num)): the AM keeps nothing it cannot ask again. */
#include "config.h"

#include <string.h>

#include <sodium.h>

#include "account/db.h"
#include "account/err.h"
#include "account/mac.h"
#include "account/mgr.h"
#include "grid/announce.h"
#include "grid/owner.h"
#include "node/status.h"
#include "rpc/base32.h"
#include "rpc/common.h"
#include "rpc/conn.h"
#include "rpc/furl.h"
#include "rpc/ident.h"

/* The shared part that minted account objects point at: it outlives the
 * manager if a peer still holds an account reference, and is emptied
 * when the manager goes, so such objects then refuse calls. */
struct life {
	acct_mgr	*m;
	guint		 refs;
};

struct reg {
	acct_mgr	*m;
	char		*key;		/* "pub-v0-..." */
	char		*nickname;
	rpc_ref		*facet;
	guint		 watch;
	gboolean	 pushing;	/* restricted accounts to tell it */
	guint32		 push_after;	/* those numbered above this */
};

struct sub {
	acct_mgr	*m;
	guint32		 num;
	char		*peer;
	rpc_ref		*ref;
	guint		 watch;
};

struct acct_mgr {
	rpc_tub		*tub;		/* borrowed */
	acct_db		*db;
	uint8_t		 key[ACCT_SECRET_LEN];
	rpc_obj		*objs[3];	/* new-account, manage, serverdesk */
	char		*names[3];	/* their swissnums (secret) */
	struct life	*life;
	GHashTable	*regs;		/* key -> struct reg (connected) */
	GPtrArray	*subs;		/* struct sub */
	ev_timer	 notify;	/* servers_changed, coalesced */
	ev_timer	 push;		/* paces push_all()'s messages */
	guint		 n_objs;	/* account objects alive */
	guint		 n_known;	/* servers in the database */
	GHashTable	*cache;		/* num -> struct cached (welcome page) */
	guint		 n_refreshing;	/* its batches in flight */
	guint64		 n_refused;	/* lookups refused */
};

static void
life_unref(struct life *l)
{
	if (--l->refs == 0)
		g_free(l);
}

/* ---- account objects ---- */

struct acct_obj {
	struct life	*life;
	guint32		 num;
};

static void
acct_obj_destroy(void *p)
{
	struct acct_obj *o = p;

	if (o->life->m != NULL)
		o->life->m->n_objs--;
	life_unref(o->life);
	g_free(o);
}

/* The manager and the account behind a call, checked now: a reference
 * minted before the account was terminated stops working with it. */
static acct_mgr *
acct_obj_get(void *data, rpc_incall *call, acct_info *info)
{
	struct acct_obj *o = data;
	acct_mgr *m = o->life->m;
	g_autoptr(GError) e = NULL;

	if (m == NULL) {
		rpc_incall_fail(call, "acct.Gone", "the account manager has "
		    "stopped");
		return NULL;
	}
	if (!acct_db_get(m->db, o->num, info, &e) ||
	    info->status == ACCT_TERMINATED) {
		acct_info_clear(info);
		rpc_incall_fail(call, "no-such-object", "not found");
		return NULL;
	}
	return m;
}

/* ---- asking every server: pss_furl(num) or get_usages(nums) ----
 *
 * A batch asks every server in the database at once, recording the
 * disconnected ones as errors.  Its 'fn' runs once, when every connected
 * server has answered or after ACCT_PSS_TIMEOUT; a server that has not
 * answered by then is recorded as not answering and its call cancelled,
 * so one hostile or stuck server cannot hold every account's answer.  The
 * batch lives until every call has completed (cancelled ones too); 'fn'
 * must not keep it. */

struct batch;

/* One server's part of a batch. */
struct srv {
	struct batch	*b;
	rpc_call	*call;		/* until it completes */
	char		*key;
	char		*nickname;
	uint8_t		 tubid[32];
	char		*error;		/* why it is not counted, or NULL */
	gboolean	 answered;
	char		*furl;		/* pss_furl's answer (secret) */
	guint64		*shares;	/* get_usages': per account asked */
	guint64		*bytes;
};

typedef void batch_done_fn(struct batch *b, void *arg);
/* Read one server's answer (untrusted) into 's'; FALSE if malformed. */
typedef gboolean batch_read_fn(struct srv *s, const msgpack_object *result);

struct batch {
	struct ev_loop	*loop;
	ev_timer	 timer;
	guint		 pending;
	gboolean	 finished;
	const char	*method;
	batch_read_fn	*read;
	guint32		 nums[ACCT_USAGES_MAX];
	guint		 n;
	GPtrArray	*srvs;		/* struct srv */
	batch_done_fn	*fn;
	void		*arg;
};

static void
srv_free(void *p)
{
	struct srv *s = p;

	g_free(s->key);
	g_free(s->nickname);
	g_free(s->error);
	if (s->furl != NULL)
		sodium_memzero(s->furl, strlen(s->furl));
	g_free(s->furl);
	g_free(s->shares);
	g_free(s->bytes);
	g_free(s);
}

static void
batch_finish(struct batch *b)
{
	guint i;

	if (b->finished)
		return;
	b->finished = TRUE;
	ev_timer_stop(b->loop, &b->timer);
	for (i = 0; i < b->srvs->len; i++) {
		struct srv *s = g_ptr_array_index(b->srvs, i);

		if (!s->answered && s->error == NULL)
			s->error = g_strdup_printf("no answer within %.0f s",
			    ACCT_PSS_TIMEOUT);
	}
	b->fn(b, b->arg);
}

static void
batch_done_one(struct batch *b)
{
	if (--b->pending > 0)
		return;
	batch_finish(b);
	g_ptr_array_unref(b->srvs);
	g_free(b);
}

static void
batch_timeout(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct batch *b = RPC_CONTAINER_OF(w, struct batch, timer);
	guint i;

	RPC_UNUSED(loop);
	RPC_UNUSED(revents);
	batch_finish(b);
	/* A cancelled call usually completes later, but at once when its
	 * connection has no scheduler left (rpc/call.c, call_defer_error()),
	 * and the last completion frees the batch: hold a count of our own
	 * over the loop, which reads b->srvs. */
	b->pending++;
	for (i = 0; i < b->srvs->len; i++) {
		struct srv *s = g_ptr_array_index(b->srvs, i);

		if (s->call != NULL)
			rpc_call_cancel(s->call);
	}
	batch_done_one(b);
}

/* get_usages: [[num, shares, bytes]...], exactly the accounts asked in
 * their order, figures at most ACCT_USAGE_MAX. */
static gboolean
usages_read(struct srv *s, const msgpack_object *result)
{
	const struct batch *b = s->b;
	rpc_mp it, row;
	guint i;

	if (rpc_mp_open(&it, result, b->n, b->n) != 0)
		return FALSE;
	for (i = 0; i < b->n; i++) {
		uint64_t num = 0, sh = 0, by = 0;

		if (rpc_mp_sub(&it, &row, 3, 3) != 0 ||
		    rpc_mp_uint(&row, ACCT_NUM_MAX, &num) != 0 ||
		    rpc_mp_uint(&row, ACCT_USAGE_MAX, &sh) != 0 ||
		    rpc_mp_uint(&row, ACCT_USAGE_MAX, &by) != 0 ||
		    num != b->nums[i])
			return FALSE;
		s->shares[i] = sh;
		s->bytes[i] = by;
	}
	return TRUE;
}

/* pss_furl: a FURL of that server's own tub. */
static gboolean
pss_read(struct srv *s, const msgpack_object *result)
{
	g_autofree char *t = NULL;
	rpc_furl *f = NULL;
	gboolean ok;

	if (result->type != MSGPACK_OBJECT_STR ||
	    result->via.str.size > ACCT_FURL_MAX)
		return FALSE;
	t = g_strndup(result->via.str.ptr, result->via.str.size);
	ok = strlen(t) == result->via.str.size &&
	    rpc_furl_parse(t, &f, NULL) &&
	    sodium_memcmp(rpc_furl_tubid_raw(f), s->tubid, 32) == 0;
	rpc_furl_free(f);
	if (ok)
		s->furl = g_steal_pointer(&t);
	else
		sodium_memzero(t, strlen(t));
	return ok;
}

static void
batch_answer(const msgpack_object *result, const rpc_refctx *refs,
    const GError *err, void *arg)
{
	struct srv *s = arg;
	struct batch *b = s->b;

	RPC_UNUSED(refs);
	s->call = NULL;
	if (b->finished) {
		/* Too late: counted as not answering already. */
	} else if (err != NULL) {
		s->error = g_strdup(err->message);
		g_info("storage server %s: %s failed: %s", s->nickname,
		    b->method, err->message);
	} else if (b->read(s, result)) {
		s->answered = TRUE;
	} else {
		s->error = g_strdup_printf("answered %s with something else "
		    "than asked", b->method);
		g_warning("storage server %s %s", s->nickname, s->error);
	}
	batch_done_one(b);
}

/* Ask every server get_usages(nums) ('n' of them, at most
 * ACCT_USAGES_MAX), or pss_furl(nums[0]) when 'read' is pss_read. */
static void
batch_start(acct_mgr *m, const guint32 *nums, guint n, batch_read_fn *read,
    batch_done_fn *fn, void *arg)
{
	g_autoptr(GPtrArray) all = g_ptr_array_new_with_free_func(
	    (GDestroyNotify)acct_server_free);
	struct batch *b = g_new0(struct batch, 1);
	guint i;

	g_assert(n <= ACCT_USAGES_MAX);
	memcpy(b->nums, nums, n * sizeof(*nums));
	b->n = n;
	b->read = read;
	b->method = read == pss_read ? "pss_furl" : "get_usages";
	b->fn = fn;
	b->arg = arg;
	b->loop = rpc_tub_loop(m->tub);
	ev_timer_init(&b->timer, batch_timeout, ACCT_PSS_TIMEOUT, 0);
	b->srvs = g_ptr_array_new_with_free_func(srv_free);
	(void)acct_db_servers(m->db, all, NULL);
	/* Count every call before the first can answer (answers never run
	 * inside rpc_ref_call(), but keep the count simple to follow). */
	b->pending = 1;
	for (i = 0; i < all->len; i++) {
		const acct_server *as = g_ptr_array_index(all, i);
		struct reg *r = g_hash_table_lookup(m->regs, as->key);
		struct srv *s = g_new0(struct srv, 1);
		uint8_t pk[RPC_PK_LEN];
		rpc_pack *p;
		guint k;

		s->b = b;
		s->key = g_strdup(as->key);
		s->nickname = g_strdup(r != NULL ? r->nickname :
		    as->nickname);
		if (rpc_pubkey_parse(as->key, pk, NULL))
			rpc_tubid_from_pk(pk, s->tubid);
		s->shares = g_new0(guint64, MAX(n, 1));
		s->bytes = g_new0(guint64, MAX(n, 1));
		g_ptr_array_add(b->srvs, s);
		if (r == NULL) {
			s->error = g_strdup("not connected to the manager");
			continue;
		}
		p = rpc_pack_new();
		rpc_pack_array(p, 1);
		if (read == pss_read) {
			rpc_pack_uint(p, nums[0]);
		} else {
			rpc_pack_array(p, n);
			for (k = 0; k < n; k++)
				rpc_pack_uint(p, nums[k]);
		}
		b->pending++;
		s->call = rpc_ref_call(r->facet, b->method, p, batch_answer,
		    s);
	}
	if (b->pending > 1)
		ev_timer_start(b->loop, &b->timer);
	batch_done_one(b);
}

/* The servers counted, and account i's total over them. */
static guint
batch_total(const struct batch *b, guint i, guint64 *shares, guint64 *bytes)
{
	guint k, n = 0;

	*shares = *bytes = 0;
	for (k = 0; k < b->srvs->len; k++) {
		const struct srv *s = g_ptr_array_index(b->srvs, k);

		if (!s->answered)
			continue;
		n++;
		*shares += s->shares[i];
		*bytes += s->bytes[i];
	}
	return n;
}

/* per_server: [{key, nickname, shares, bytes} or {key, nickname,
 * error}...]; account 'i's figures, or none (i < 0). */
static void
pack_per_server(rpc_pack *p, const struct batch *b, int i)
{
	guint k;

	rpc_pack_array(p, b->srvs->len);
	for (k = 0; k < b->srvs->len; k++) {
		const struct srv *s = g_ptr_array_index(b->srvs, k);

		rpc_pack_map(p, !s->answered ? 3 : i >= 0 ? 4 : 2);
		rpc_pack_str(p, "key");
		rpc_pack_str(p, s->key);
		rpc_pack_str(p, "nickname");
		rpc_pack_str(p, s->nickname);
		if (!s->answered) {
			rpc_pack_str(p, "error");
			rpc_pack_str(p, s->error);
		} else if (i >= 0) {
			rpc_pack_str(p, "shares");
			rpc_pack_uint(p, s->shares[i]);
			rpc_pack_str(p, "bytes");
			rpc_pack_uint(p, s->bytes[i]);
		}
	}
}

static void
pack_quota(rpc_pack *p, gint64 quota)
{
	if (quota < 0)
		rpc_pack_nil(p);
	else
		rpc_pack_int(p, quota);
}

/* An account object's get_storage_servers() or get_usage() call. */
struct acct_call {
	rpc_incall	*call;
	acct_info	 info;
};

/* get_storage_servers: [{key, nickname, pss_furl}...] of the servers
 * that answered. */
static void
servers_done(struct batch *b, void *arg)
{
	struct acct_call *ac = arg;
	rpc_pack *p = rpc_pack_new();
	guint i, n = 0;

	for (i = 0; i < b->srvs->len; i++)
		n += ((struct srv *)g_ptr_array_index(b->srvs, i))->answered;
	rpc_pack_array(p, n);
	for (i = 0; i < b->srvs->len; i++) {
		const struct srv *s = g_ptr_array_index(b->srvs, i);

		if (!s->answered)
			continue;
		rpc_pack_map(p, 3);
		rpc_pack_str(p, "key");
		rpc_pack_str(p, s->key);
		rpc_pack_str(p, "nickname");
		rpc_pack_str(p, s->nickname);
		rpc_pack_str(p, "pss_furl");
		rpc_pack_str(p, s->furl);
	}
	rpc_incall_return(ac->call, p);
	acct_info_clear(&ac->info);
	g_free(ac);
}

/* get_usage: {num, name, status, quota, usage, shares, servers_counted,
 * servers_registered}. */
static void
account_usage_done(struct batch *b, void *arg)
{
	struct acct_call *ac = arg;
	rpc_pack *p = rpc_pack_new();
	guint64 shares = 0, bytes = 0;
	guint n = batch_total(b, 0, &shares, &bytes);

	rpc_pack_map(p, 8);
	rpc_pack_str(p, "num");
	rpc_pack_uint(p, ac->info.num);
	rpc_pack_str(p, "name");
	rpc_pack_str(p, ac->info.name);
	rpc_pack_str(p, "status");
	rpc_pack_str(p, acct_status_name(ac->info.status));
	rpc_pack_str(p, "quota");
	pack_quota(p, ac->info.quota);
	rpc_pack_str(p, "usage");
	rpc_pack_uint(p, bytes);
	rpc_pack_str(p, "shares");
	rpc_pack_uint(p, shares);
	rpc_pack_str(p, "servers_counted");
	rpc_pack_uint(p, n);
	rpc_pack_str(p, "servers_registered");
	rpc_pack_uint(p, b->srvs->len);
	rpc_incall_return(ac->call, p);
	acct_info_clear(&ac->info);
	g_free(ac);
}

/* Start 'call' on account 'info' (taken). */
static void
acct_call_start(acct_mgr *m, rpc_incall *call, acct_info *info,
    batch_read_fn *read, batch_done_fn *fn)
{
	struct acct_call *ac = g_new0(struct acct_call, 1);

	ac->call = call;
	ac->info = *info;
	memset(info, 0, sizeof(*info));
	batch_start(m, &ac->info.num, 1, read, fn, ac);
}

static void
acct_get_storage_servers(rpc_incall *call, rpc_mp *args, void *data)
{
	acct_info info = { 0 };
	acct_mgr *m = acct_obj_get(data, call, &info);

	RPC_UNUSED(args);
	if (m == NULL)
		return;
	if (info.status != ACCT_ACTIVE) {
		acct_info_clear(&info);
		rpc_incall_fail(call, "acct.Disabled", "this account is "
		    "disabled");
		return;
	}
	acct_call_start(m, call, &info, pss_read, servers_done);
}

static void
sub_free(void *p)
{
	struct sub *s = p;

	if (s->ref != NULL) {
		rpc_ref_dont_notify(s->ref, s->watch);
		rpc_ref_unref(s->ref);
	}
	g_free(s->peer);
	g_free(s);
}

static void
sub_gone(void *arg)
{
	struct sub *s = arg;

	rpc_ref_unref(g_steal_pointer(&s->ref));
	g_ptr_array_remove(s->m->subs, s);
}

static void
acct_subscribe(rpc_incall *call, rpc_mp *args, void *data)
{
	struct acct_obj *o = data;
	acct_info info = { 0 };
	acct_mgr *m = acct_obj_get(data, call, &info);
	rpc_ref *ref = NULL;
	struct sub *s;
	guint i;

	if (m == NULL)
		return;
	acct_info_clear(&info);
	if (rpc_arg_ref(args, &ref, NULL) != 0) {
		rpc_incall_fail(call, "violation", "expected a reference");
		return;
	}
	/* A peer subscribing again for the same account replaces its
	 * earlier subscription. */
	for (i = 0; i < m->subs->len; i++) {
		struct sub *old = g_ptr_array_index(m->subs, i);

		if (old->num == o->num &&
		    strcmp(old->peer, rpc_incall_peer(call)) == 0) {
			g_ptr_array_remove_index(m->subs, i);
			break;
		}
	}
	if (m->subs->len >= ACCT_MGR_MAX_SUBS) {
		rpc_incall_fail(call, "acct.Overloaded", "too many "
		    "subscriptions");
		return;
	}
	s = g_new0(struct sub, 1);
	s->m = m;
	s->num = o->num;
	s->peer = g_strdup(rpc_incall_peer(call));
	s->ref = rpc_ref_ref(ref);
	s->watch = rpc_ref_notify_on_disconnect(s->ref, sub_gone, s);
	g_ptr_array_add(m->subs, s);
	rpc_incall_return(call, NULL);
}

static void
acct_get_usage(rpc_incall *call, rpc_mp *args, void *data)
{
	acct_info info = { 0 };
	acct_mgr *m = acct_obj_get(data, call, &info);

	RPC_UNUSED(args);
	if (m != NULL)
		acct_call_start(m, call, &info, usages_read,
		    account_usage_done);
}

static const rpc_schema no_args[] = { RPC_S_NIL };
static const rpc_schema ref_args[] = { RPC_S_REF };
static const rpc_schema nil_result = RPC_S_NIL;

static const rpc_method account_methods[] = {
	{ "get_storage_servers", acct_get_storage_servers, no_args, 0,
	    NULL },
	{ "subscribe", acct_subscribe, ref_args, 1, &nil_result },
	{ "get_usage", acct_get_usage, no_args, 0, NULL },
};

static const rpc_iface account_iface = {
	"acct.account", account_methods, G_N_ELEMENTS(account_methods),
};

/* The name-lookup handler: a valid MAC of an account that exists and is
 * not terminated gives a new account object; anything else is "not
 * found", whatever was wrong with it. */
static rpc_obj *
acct_lookup(rpc_tub *tub, const char *swissnum, void *arg)
{
	acct_mgr *m = arg;
	acct_info info = { 0 };
	struct acct_obj *o;
	guint32 num;

	RPC_UNUSED(tub);
	if (!acct_mac_check(m->key, swissnum, &num) ||
	    !acct_db_get(m->db, num, &info, NULL) ||
	    info.status == ACCT_TERMINATED) {
		acct_info_clear(&info);
		m->n_refused++;
		return NULL;
	}
	acct_info_clear(&info);
	o = g_new0(struct acct_obj, 1);
	o->life = m->life;
	m->life->refs++;
	o->num = num;
	m->n_objs++;
	return rpc_obj_new(&account_iface, o, acct_obj_destroy);
}

char *
acct_mgr_account_furl(acct_mgr *m, guint32 num)
{
	g_autofree char *swiss = acct_mac_swissnum(m->key, num);
	char *furl = rpc_tub_furl_for_name(m->tub, swiss);

	sodium_memzero(swiss, strlen(swiss));
	return furl;
}

/* ---- new-account ---- */

static void
new_account_create(rpc_incall *call, rpc_mp *args, void *data)
{
	acct_mgr *m = grid_owner_get(data, call);
	g_autoptr(GError) e = NULL;
	char *name = NULL;
	char *furl;
	guint32 num;

	if (m == NULL)
		return;
	if (rpc_mp_strdup(args, ACCT_NAME_MAX_BYTES, &name) != 0) {
		rpc_incall_fail(call, "acct.BadName", "an account name is 1 "
		    "to %d printable characters", ACCT_NAME_MAX_CHARS);
		return;
	}
	if (!acct_db_create(m->db, name, (gint64)(g_get_real_time() /
	    G_USEC_PER_SEC), &num, &e)) {
		g_free(name);
		rpc_incall_fail(call, e->code == ACCT_E_EXISTS ?
		    "acct.Exists" : e->code == ACCT_E_FORMAT ?
		    "acct.BadName" : "acct.Failed", "%s", e->message);
		return;
	}
	g_message("account %u created", num);
	g_free(name);
	furl = acct_mgr_account_furl(m, num);
	{
		rpc_pack *p = rpc_pack_new();

		rpc_pack_str(p, furl);
		sodium_memzero(furl, strlen(furl));
		g_free(furl);
		rpc_incall_return(call, p);
	}
}

static const rpc_schema create_args[] = {
	RPC_S_STR(ACCT_NAME_MAX_BYTES),
};
static const rpc_schema str_result = RPC_S_STR(ACCT_FURL_MAX);

static const rpc_method new_account_methods[] = {
	{ "create_account", new_account_create, create_args, 1,
	    &str_result },
};

static const rpc_iface new_account_iface = {
	"acct.new-account", new_account_methods,
	G_N_ELEMENTS(new_account_methods),
};

/* ---- manage-accounts ---- */

/* {num, name, status, quota, created} and 'extra' more pairs to come. */
static void
pack_account(rpc_pack *p, const acct_info *a, guint extra)
{
	rpc_pack_map(p, 5 + extra);
	rpc_pack_str(p, "num");
	rpc_pack_uint(p, a->num);
	rpc_pack_str(p, "name");
	rpc_pack_str(p, a->name);
	rpc_pack_str(p, "status");
	rpc_pack_str(p, acct_status_name(a->status));
	rpc_pack_str(p, "quota");
	pack_quota(p, a->quota);
	rpc_pack_str(p, "created");
	rpc_pack_int(p, a->created);
}

/* The page of accounts that (offset, limit up to 'max') asks for (caller
 * frees), or NULL with the call failed. */
static GPtrArray *
manage_page(acct_mgr *m, rpc_incall *call, rpc_mp *args, guint max)
{
	g_autoptr(GPtrArray) list = g_ptr_array_new_with_free_func(
	    (GDestroyNotify)acct_info_free);
	g_autoptr(GError) e = NULL;
	uint64_t offset = 0, limit = 0;

	if (rpc_mp_uint(args, G_MAXINT64, &offset) != 0 ||
	    rpc_mp_uint(args, max, &limit) != 0) {
		rpc_incall_fail(call, "violation", "expected (offset, limit "
		    "up to %u)", max);
		return NULL;
	}
	if (!acct_db_list(m->db, offset, (guint)limit, list, &e)) {
		rpc_incall_fail(call, "acct.Failed", "%s", e->message);
		return NULL;
	}
	return g_steal_pointer(&list);
}

static void
manage_list(rpc_incall *call, rpc_mp *args, void *data)
{
	acct_mgr *m = grid_owner_get(data, call);
	g_autoptr(GPtrArray) list = NULL;
	rpc_pack *p;
	guint i;

	if (m == NULL ||
	    (list = manage_page(m, call, args, ACCT_LIST_MAX)) == NULL)
		return;
	p = rpc_pack_new();
	rpc_pack_array(p, list->len);
	for (i = 0; i < list->len; i++)
		pack_account(p, g_ptr_array_index(list, i), 0);
	rpc_incall_return(call, p);
}

/* The account 'num' of a manage-accounts call into 'info', or FALSE
 * with the call failed (acct.NotFound). */
static gboolean
manage_account(acct_mgr *m, rpc_incall *call, guint32 num, acct_info *info)
{
	g_autoptr(GError) e = NULL;

	if (acct_db_get(m->db, num, info, &e))
		return TRUE;
	acct_info_clear(info);
	if (e->code == ACCT_E_NOTFOUND)
		rpc_incall_fail(call, "acct.NotFound", "there is no account "
		    "%u", num);
	else
		rpc_incall_fail(call, "acct.Failed", "%s", e->message);
	return FALSE;
}

/* The quota each server enforces for an account whose quota is 'quota'
 * in total: ceil(quota / N), N the servers the manager knows
 * (doc/accounts.md, "Quotas"). */
static gint64
server_quota(const acct_mgr *m, gint64 quota)
{
	gint64 n = MAX(m->n_known, 1);

	if (quota < 0)
		return -1;
	return quota / n + (quota % n != 0);
}

/* Tell one server's facet what an account's status and its quota there
 * are. */
static void
push_account(acct_mgr *m, rpc_ref *facet, const acct_info *a)
{
	rpc_pack *p = rpc_pack_new();

	rpc_pack_array(p, 3);
	rpc_pack_uint(p, a->num);
	rpc_pack_str(p, acct_status_name(a->status));
	pack_quota(p, server_quota(m, a->quota));
	rpc_ref_call_oneway(facet, "set_account", p);
}

/* Every ACCT_PUSH_INTERVAL, at most ACCT_PUSH_BATCH messages in all to
 * the servers that have restricted accounts to be told, in account
 * order, so that telling every server every account (a new server
 * changes every server's share of every quota) costs neither a burst of
 * memory nor a long stall, however many accounts and servers. */
static void
push_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	acct_mgr *m = RPC_CONTAINER_OF(w, acct_mgr, push);
	guint budget = ACCT_PUSH_BATCH, i;
	gboolean more = FALSE;
	GHashTableIter hi;
	gpointer v;

	RPC_UNUSED(revents);
	g_hash_table_iter_init(&hi, m->regs);
	while (g_hash_table_iter_next(&hi, NULL, &v)) {
		struct reg *r = v;
		g_autoptr(GPtrArray) rs = NULL;

		if (!r->pushing)
			continue;
		if (budget == 0) {
			more = TRUE;
			break;
		}
		rs = g_ptr_array_new_with_free_func(
		    (GDestroyNotify)acct_info_free);
		if (!acct_db_list_set(m->db, r->push_after, budget, rs,
		    NULL)) {
			more = TRUE;	/* try again next time */
			continue;
		}
		for (i = 0; i < rs->len; i++) {
			const acct_info *a = g_ptr_array_index(rs, i);

			push_account(m, r->facet, a);
			r->push_after = a->num;
		}
		r->pushing = rs->len == budget;
		more |= r->pushing;
		budget -= rs->len;
	}
	if (!more)
		ev_timer_stop(loop, w);
}

/* Tell 'only' (a connected server's registration), or every connected
 * server when 'only' is NULL, every restricted account again, paced by
 * push_cb(). */
static void
push_all(acct_mgr *m, struct reg *only)
{
	GHashTableIter hi;
	gpointer v;

	g_hash_table_iter_init(&hi, m->regs);
	while (g_hash_table_iter_next(&hi, NULL, &v)) {
		struct reg *r = v;

		if (only != NULL && r != only)
			continue;
		r->pushing = TRUE;
		r->push_after = 0;
	}
	if (!ev_is_active(&m->push))
		ev_timer_again(rpc_tub_loop(m->tub), &m->push);
}

/* Store 'a' (status and quota changed by the caller), tell every
 * connected server, and answer the call with the account. */
static void
manage_store(acct_mgr *m, rpc_incall *call, acct_info *a, const char *what)
{
	g_autoptr(GError) e = NULL;
	GHashTableIter hi;
	gpointer v;
	rpc_pack *p;

	if (!acct_db_set(m->db, a->num, a->status, a->quota, &e)) {
		rpc_incall_fail(call, e->code == ACCT_E_NOTFOUND ?
		    "acct.NotFound" : "acct.Failed", "%s", e->message);
		return;
	}
	g_message("account %u %s", a->num, what);
	g_hash_table_iter_init(&hi, m->regs);
	while (g_hash_table_iter_next(&hi, NULL, &v))
		push_account(m, ((struct reg *)v)->facet, a);
	p = rpc_pack_new();
	pack_account(p, a, 0);
	rpc_incall_return(call, p);
}

enum { OP_GET, OP_QUOTA, OP_DISABLE, OP_ENABLE, OP_TERMINATE };

/* get, set_quota, disable, enable and terminate: (num[, quota|nil]). */
static void
manage_op(rpc_incall *call, rpc_mp *args, acct_mgr *m, int op)
{
	acct_info a = { 0 };
	uint64_t num = 0;
	int64_t quota = -1;
	g_autofree char *what = NULL;

	if (rpc_mp_uint(args, ACCT_NUM_MAX, &num) != 0 || num < 1 ||
	    (op == OP_QUOTA && rpc_mp_nil(args) != 0 &&
	    rpc_mp_int(args, 0, G_MAXINT64, &quota) != 0)) {
		rpc_incall_fail(call, "violation", op == OP_QUOTA ?
		    "expected (num, bytes or nil)" : "expected (num)");
		return;
	}
	if (!manage_account(m, call, (guint32)num, &a))
		return;
	if (op == OP_GET) {
		rpc_pack *p = rpc_pack_new();

		pack_account(p, &a, 0);
		rpc_incall_return(call, p);
		acct_info_clear(&a);
		return;
	}
	/* Terminated is final; terminating again tells the servers again
	 * (one may have missed it) and changes nothing. */
	if (a.status == ACCT_TERMINATED && op != OP_TERMINATE) {
		rpc_incall_fail(call, "acct.Terminated", "account %u is "
		    "terminated; that is final", a.num);
		acct_info_clear(&a);
		return;
	}
	switch (op) {
	case OP_QUOTA:
		a.quota = quota;
		what = quota < 0 ? g_strdup("has no quota now") :
		    g_strdup_printf("has a quota of %" G_GINT64_FORMAT
		    " bytes now", (gint64)quota);
		break;
	case OP_DISABLE:
		a.status = ACCT_DISABLED;
		what = g_strdup("disabled");
		break;
	case OP_ENABLE:
		a.status = ACCT_ACTIVE;
		what = g_strdup("enabled");
		break;
	default:
		a.status = ACCT_TERMINATED;
		what = g_strdup("terminated");
		break;
	}
	manage_store(m, call, &a, what);
	acct_info_clear(&a);
}

#define MANAGE_OP(fn, op) \
	static void \
	fn(rpc_incall *call, rpc_mp *args, void *data) \
	{ \
		acct_mgr *m = grid_owner_get(data, call); \
		if (m != NULL) \
			manage_op(call, args, m, op); \
	}
MANAGE_OP(manage_get, OP_GET)
MANAGE_OP(manage_set_quota, OP_QUOTA)
MANAGE_OP(manage_disable, OP_DISABLE)
MANAGE_OP(manage_enable, OP_ENABLE)
MANAGE_OP(manage_terminate, OP_TERMINATE)

/* A usage() or list_usage() call waiting for its batch. */
struct usage_req {
	rpc_incall	*call;
	GPtrArray	*accounts;	/* acct_info *, those asked */
	gboolean	 one;		/* usage(num) rather than list_usage */
};

static void
usage_done(struct batch *b, void *arg)
{
	struct usage_req *u = arg;
	rpc_pack *p = rpc_pack_new();
	guint64 shares = 0, bytes = 0;
	guint i, n = 0;

	if (u->one) {
		n = batch_total(b, 0, &shares, &bytes);
		rpc_pack_map(p, 5);
		rpc_pack_str(p, "total");
		rpc_pack_uint(p, bytes);
		rpc_pack_str(p, "shares");
		rpc_pack_uint(p, shares);
		rpc_pack_str(p, "per_server");
		pack_per_server(p, b, 0);
	} else {
		rpc_pack_map(p, 4);
		rpc_pack_str(p, "accounts");
		rpc_pack_array(p, u->accounts->len);
		for (i = 0; i < u->accounts->len; i++) {
			n = batch_total(b, i, &shares, &bytes);
			pack_account(p, g_ptr_array_index(u->accounts, i), 2);
			rpc_pack_str(p, "usage");
			rpc_pack_uint(p, bytes);
			rpc_pack_str(p, "shares");
			rpc_pack_uint(p, shares);
		}
		n = batch_total(b, 0, &shares, &bytes);
		rpc_pack_str(p, "per_server");
		pack_per_server(p, b, -1);
	}
	rpc_pack_str(p, "servers_counted");
	rpc_pack_uint(p, n);
	rpc_pack_str(p, "servers_registered");
	rpc_pack_uint(p, b->srvs->len);
	rpc_incall_return(u->call, p);
	g_ptr_array_unref(u->accounts);
	g_free(u);
}

static void
usage_start(acct_mgr *m, rpc_incall *call, GPtrArray *accounts,
    gboolean one)
{
	struct usage_req *u = g_new0(struct usage_req, 1);
	guint32 nums[ACCT_USAGES_MAX];
	guint i;

	u->call = call;
	u->accounts = accounts;
	u->one = one;
	for (i = 0; i < accounts->len; i++)
		nums[i] = ((acct_info *)g_ptr_array_index(accounts, i))->num;
	batch_start(m, nums, accounts->len, usages_read, usage_done, u);
}

static void
manage_usage(rpc_incall *call, rpc_mp *args, void *data)
{
	acct_mgr *m = grid_owner_get(data, call);
	GPtrArray *one;
	acct_info *a;
	uint64_t num = 0;

	if (m == NULL)
		return;
	if (rpc_mp_uint(args, ACCT_NUM_MAX, &num) != 0 || num < 1) {
		rpc_incall_fail(call, "violation", "expected (num)");
		return;
	}
	a = g_new0(acct_info, 1);
	if (!manage_account(m, call, (guint32)num, a)) {
		acct_info_free(a);
		return;
	}
	one = g_ptr_array_new_with_free_func((GDestroyNotify)acct_info_free);
	g_ptr_array_add(one, a);
	usage_start(m, call, one, TRUE);
}

static void
manage_list_usage(rpc_incall *call, rpc_mp *args, void *data)
{
	acct_mgr *m = grid_owner_get(data, call);
	GPtrArray *list;

	if (m != NULL &&
	    (list = manage_page(m, call, args, ACCT_USAGES_MAX)) != NULL)
		usage_start(m, call, list, FALSE);
}

static const rpc_schema list_args[] = {
	RPC_S_INT(0, G_MAXINT64), RPC_S_INT(0, ACCT_LIST_MAX),
};
static const rpc_schema list_usage_args[] = {
	RPC_S_INT(0, G_MAXINT64), RPC_S_INT(0, ACCT_USAGES_MAX),
};
static const rpc_schema num_args[] = { RPC_S_INT(1, ACCT_NUM_MAX) };
static const rpc_schema set_quota_args[] = {
	RPC_S_INT(1, ACCT_NUM_MAX), { RPC_T_INT, true, 0, G_MAXINT64, NULL },
};

static const rpc_method manage_methods[] = {
	{ "list", manage_list, list_args, 2, NULL },
	{ "get", manage_get, num_args, 1, NULL },
	{ "set_quota", manage_set_quota, set_quota_args, 2, NULL },
	{ "disable", manage_disable, num_args, 1, NULL },
	{ "enable", manage_enable, num_args, 1, NULL },
	{ "terminate", manage_terminate, num_args, 1, NULL },
	{ "usage", manage_usage, num_args, 1, NULL },
	{ "list_usage", manage_list_usage, list_usage_args, 2, NULL },
};

static const rpc_iface manage_iface = {
	"acct.manage-accounts", manage_methods, G_N_ELEMENTS(manage_methods),
};

/* ---- serverdesk ---- */

static void
reg_free(void *p)
{
	struct reg *r = p;

	if (r->facet != NULL) {
		rpc_ref_dont_notify(r->facet, r->watch);
		rpc_ref_unref(r->facet);
	}
	g_free(r->key);
	g_free(r->nickname);
	g_free(r);
}

static void
reg_gone(void *arg)
{
	struct reg *r = arg;

	g_message("storage server %s disconnected from the serverdesk",
	    r->nickname);
	rpc_ref_unref(g_steal_pointer(&r->facet));
	g_hash_table_remove(r->m->regs, r->key);
}

static void
notify_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	acct_mgr *m = RPC_CONTAINER_OF(w, acct_mgr, notify);
	guint i;

	RPC_UNUSED(loop);
	RPC_UNUSED(revents);
	for (i = 0; i < m->subs->len; i++) {
		struct sub *s = g_ptr_array_index(m->subs, i);

		rpc_ref_call_oneway(s->ref, "servers_changed", NULL);
	}
}

/* Registrations come in bursts (every server after a restart of the
 * manager): subscribers are told once per ACCT_NOTIFY_DELAY, not once per
 * server, so they do not all ask for the list again for each. */
static void
tell_subscribers(acct_mgr *m)
{
	if (!ev_is_active(&m->notify))
		ev_timer_start(rpc_tub_loop(m->tub), &m->notify);
}

static void
desk_register(rpc_incall *call, rpc_mp *args, void *data)
{
	acct_mgr *m = grid_owner_get(data, call);
	g_autoptr(GError) e = NULL;
	g_autoptr(grid_ann) a = NULL;
	const uint8_t *msg = NULL, *sig = NULL;
	const char *key = NULL;
	size_t ml = 0, sl = 0, kl = 0;
	uint8_t raw[32];
	g_autofree char *tubid = NULL;
	rpc_ref *facet = NULL;
	acct_server s;
	struct reg *r;
	gboolean changed;
	rpc_mp ann;

	if (m == NULL)
		return;
	if (rpc_arg_ref(args, &facet, NULL) != 0 ||
	    rpc_mp_sub(args, &ann, 3, 3) != 0 ||
	    rpc_mp_bin(&ann, GRID_ANN_MAX, &msg, &ml) != 0 ||
	    rpc_mp_bin(&ann, RPC_SIG_LEN, &sig, &sl) != 0 ||
	    rpc_mp_str(&ann, 128, &key, &kl) != 0) {
		rpc_incall_fail(call, "violation", "expected a reference and "
		    "an announcement [msg, sig, key]");
		return;
	}
	if ((a = grid_ann_verify(msg, ml, sig, sl, key, kl, &e)) == NULL) {
		rpc_incall_fail(call, "acct.BadAnnouncement", "%s",
		    e->message);
		return;
	}
	/* The facet must be the registering node's own object, and the
	 * node the key's: so no one registers a facet of somebody else. */
	rpc_tubid_from_pk(a->key, raw);
	tubid = rpc_base32_encode(raw, sizeof(raw));
	if (strcmp(a->service, "storage") != 0 || a->furl != NULL ||
	    strcmp(rpc_ref_tubid(facet), tubid) != 0 ||
	    strcmp(rpc_incall_peer(call), tubid) != 0) {
		rpc_incall_fail(call, "acct.BadAnnouncement", "a serverdesk "
		    "takes a storage announcement without an anonymous "
		    "FURL, signed by the node that registers its own facet");
		return;
	}
	if (g_hash_table_lookup(m->regs, a->key_text) == NULL &&
	    g_hash_table_size(m->regs) >= ACCT_MGR_MAX_SERVERS) {
		rpc_incall_fail(call, "acct.Overloaded", "too many servers");
		return;
	}
	s.key = a->key_text;
	s.nickname = a->nickname;
	s.msg = a->msg;
	s.sig = g_bytes_new_static(a->sig, sizeof(a->sig));
	s.registered = (gint64)(g_get_real_time() / G_USEC_PER_SEC);
	if (!acct_db_server_put(m->db, &s, &changed, &e)) {
		g_bytes_unref(s.sig);
		rpc_incall_fail(call, "acct.Failed", "%s", e->message);
		return;
	}
	g_bytes_unref(s.sig);
	r = g_new0(struct reg, 1);
	r->m = m;
	r->key = g_strdup(a->key_text);
	r->nickname = g_strdup(a->nickname);
	r->facet = rpc_ref_ref(facet);
	r->watch = rpc_ref_notify_on_disconnect(facet, reg_gone, r);
	g_hash_table_replace(m->regs, r->key, r);
	g_message("storage server %s (%.16s...) registered", r->nickname,
	    r->key + 7);
	rpc_incall_return(call, NULL);
	/* What the server must enforce: every restricted account, at
	 * every registration (it may have missed changes while away); and
	 * if the server is new, every server's share of each quota
	 * changes. */
	{
		g_autoptr(GPtrArray) all = g_ptr_array_new_with_free_func(
		    (GDestroyNotify)acct_server_free);

		(void)acct_db_servers(m->db, all, NULL);
		if (all->len != m->n_known) {
			m->n_known = all->len;
			push_all(m, NULL);
		} else {
			push_all(m, r);
		}
	}
	/* A server that (re)connects may be new to the accounts' lists
	 * or reachable again: subscribers ask for the list anew. */
	tell_subscribers(m);
}

static const rpc_schema register_args[] = {
	RPC_S_REF, RPC_S_LIST(3, NULL),
};

static const rpc_method desk_methods[] = {
	{ "register", desk_register, register_args, 2, &nil_result },
};

static const rpc_iface desk_iface = {
	"acct.serverdesk", desk_methods, G_N_ELEMENTS(desk_methods),
};

/* ---- life ---- */

acct_mgr *
acct_mgr_new(rpc_tub *tub, const char *db_path, const char *private_dir,
    GError **error)
{
	static const char *const files[3] = {
		"new-account.furl", "manage-accounts.furl", "serverdesk.furl",
	};
	static const rpc_iface *const ifaces[3] = {
		&new_account_iface, &manage_iface, &desk_iface,
	};
	acct_mgr *m = g_new0(acct_mgr, 1);
	g_autofree char *secret = g_build_filename(private_dir,
	    "account-secret", NULL);
	guint i;

	m->tub = tub;
	m->regs = g_hash_table_new_full(g_str_hash, g_str_equal, NULL,
	    reg_free);
	m->subs = g_ptr_array_new_with_free_func(sub_free);
	m->cache = g_hash_table_new_full(NULL, NULL, NULL, g_free);
	m->life = g_new0(struct life, 1);
	m->life->m = m;
	m->life->refs = 1;
	ev_timer_init(&m->notify, notify_cb, ACCT_NOTIFY_DELAY, 0);
	ev_init(&m->push, push_cb);
	m->push.repeat = ACCT_PUSH_INTERVAL;
	if (!acct_secret_load_or_create(secret, m->key, error) ||
	    (m->db = acct_db_open(db_path, error)) == NULL)
		goto fail;
	for (i = 0; i < 3; i++) {
		g_autofree char *path = g_build_filename(private_dir,
		    files[i], NULL);
		g_autofree char *furl = NULL;
		rpc_furl *f = NULL;

		m->objs[i] = grid_owned_obj_new(ifaces[i], m);
		furl = rpc_tub_register(tub, m->objs[i], NULL, path, error);
		if (furl == NULL)
			goto fail;
		if (rpc_furl_parse(furl, &f, NULL))
			m->names[i] = g_strdup(rpc_furl_swissnum(f));
		rpc_furl_free(f);
		sodium_memzero(furl, strlen(furl));
	}
	{
		g_autoptr(GPtrArray) all = g_ptr_array_new_with_free_func(
		    (GDestroyNotify)acct_server_free);

		(void)acct_db_servers(m->db, all, NULL);
		m->n_known = all->len;
	}
	rpc_tub_add_lookup_handler(tub, acct_lookup, m);
	return m;
fail:
	acct_mgr_free(m);
	return NULL;
}

void
acct_mgr_free(acct_mgr *m)
{
	guint i;

	if (m == NULL)
		return;
	for (i = 0; i < 3; i++) {
		if (m->names[i] != NULL) {
			rpc_tub_unregister(m->tub, m->names[i]);
			sodium_memzero(m->names[i], strlen(m->names[i]));
			g_free(m->names[i]);
		}
		grid_owned_obj_release(m->objs[i]);
	}
	ev_timer_stop(rpc_tub_loop(m->tub), &m->notify);
	ev_timer_stop(rpc_tub_loop(m->tub), &m->push);
	g_ptr_array_unref(m->subs);
	g_hash_table_unref(m->regs);
	g_hash_table_unref(m->cache);
	acct_db_free(m->db);
	sodium_memzero(m->key, sizeof(m->key));
	/* Account objects that peers still hold refuse calls from now on;
	 * the tub keeps the lookup handler (it has no way to drop one), so
	 * it is freed right after the manager (mgr.h). */
	m->life->m = NULL;
	life_unref(m->life);
	g_free(m);
}

guint
acct_mgr_n_account_objs(const acct_mgr *m)
{
	return m->n_objs;
}

/* ---- the welcome page's accounts ----
 *
 * The page is built synchronously (node/web.h), so the usage it shows
 * comes from a cache: a view of a page whose figures are missing or
 * older than ACCT_USAGE_CACHE_TTL starts one get_usages() batch for that
 * page's accounts (one call per server) and shows what the cache has;
 * the next view shows the new figures.  At most ACCT_PAGE_REFRESHES
 * batches run at once, and the cache keeps at most ACCT_USAGE_CACHE_MAX
 * accounts (it is emptied when full), so no request costs more than one
 * page's work. */

#define ACCT_PAGE_REFRESHES	4

struct cached {
	guint64		 shares, bytes;
	guint		 counted, registered;
	gint64		 at_us;
};

struct refresh {
	struct life	*life;
};

static void
refresh_done(struct batch *b, void *arg)
{
	struct refresh *rf = arg;
	acct_mgr *m = rf->life->m;
	guint i;

	if (m != NULL) {
		m->n_refreshing--;
		if (g_hash_table_size(m->cache) + b->n > ACCT_USAGE_CACHE_MAX)
			g_hash_table_remove_all(m->cache);
		for (i = 0; i < b->n; i++) {
			struct cached *c = g_new0(struct cached, 1);

			c->counted = batch_total(b, i, &c->shares, &c->bytes);
			c->registered = b->srvs->len;
			c->at_us = g_get_real_time();
			g_hash_table_replace(m->cache,
			    GUINT_TO_POINTER(b->nums[i]), c);
		}
	}
	life_unref(rf->life);
	g_free(rf);
}

/* One row of the accounts table; whether its figures need counting. */
static gboolean
page_row(acct_mgr *m, const acct_info *a, json_t *rows)
{
	const struct cached *c = g_hash_table_lookup(m->cache,
	    GUINT_TO_POINTER(a->num));
	json_t *o = json_object();

	json_object_set_new(o, "num", json_integer(a->num));
	node_status_set_str(o, "name", a->name);
	node_status_set_str(o, "status", acct_status_name(a->status));
	json_object_set_new(o, "quota", a->quota < 0 ? json_null() :
	    json_integer(a->quota));
	json_object_set_new(o, "usage", c != NULL ?
	    json_integer((json_int_t)c->bytes) : json_null());
	json_object_set_new(o, "shares", c != NULL ?
	    json_integer((json_int_t)c->shares) : json_null());
	node_status_set_str(o, "counted", c == NULL ? NULL :
	    c->counted == c->registered ? "all servers" :
	    "some servers did not answer");
	json_object_set_new(o, "created", json_integer(a->created));
	json_array_append_new(rows, o);
	return c == NULL || g_get_real_time() - c->at_us >
	    (gint64)(ACCT_USAGE_CACHE_TTL * G_USEC_PER_SEC);
}

/* "accounts_page" and "account_list" for page 'page' (from 1). */
static void
status_page(acct_mgr *m, json_t *st, guint page)
{
	g_autoptr(GPtrArray) list = g_ptr_array_new_with_free_func(
	    (GDestroyNotify)acct_info_free);
	guint64 total = acct_db_count(m->db);
	guint64 pages = MAX((total + ACCT_PAGE_SIZE - 1) / ACCT_PAGE_SIZE, 1);
	json_t *rows = json_array(), *pg = json_object();
	guint32 nums[ACCT_PAGE_SIZE];
	gboolean stale = FALSE;
	guint i;

	page = MAX(page, 1);
	(void)acct_db_list(m->db, (guint64)(page - 1) * ACCT_PAGE_SIZE,
	    ACCT_PAGE_SIZE, list, NULL);
	for (i = 0; i < list->len; i++) {
		const acct_info *a = g_ptr_array_index(list, i);

		nums[i] = a->num;
		stale |= page_row(m, a, rows);
	}
	if (stale && m->n_refreshing < ACCT_PAGE_REFRESHES) {
		struct refresh *rf = g_new0(struct refresh, 1);

		rf->life = m->life;
		m->life->refs++;
		m->n_refreshing++;
		batch_start(m, nums, list->len, usages_read, refresh_done, rf);
	}
	json_object_set_new(pg, "page", json_integer(page));
	json_object_set_new(pg, "pages",
	    json_integer((json_int_t)MIN(pages, G_MAXINT64)));
	json_object_set_new(pg, "previous", page > 1 ?
	    json_integer(MIN(page - 1, pages)) : json_null());
	json_object_set_new(pg, "next", page < pages ?
	    json_integer(page + 1) : json_null());
	node_status_set_str(pg, "usage", stale ? "being counted: reload "
	    "for new figures" : "counted in the last 30 s");
	json_object_set_new(st, "accounts_page", pg);
	json_object_set_new(st, "account_list", rows);
}

void
acct_mgr_status(acct_mgr *m, json_t *st, guint page)
{
	g_autoptr(GPtrArray) all = g_ptr_array_new_with_free_func(
	    (GDestroyNotify)acct_server_free);
	json_t *servers = json_array();
	guint i;

	node_status_set_str(st, "kind", "account-manager");
	json_object_set_new(st, "accounts",
	    json_integer((json_int_t)MIN(acct_db_count(m->db), G_MAXINT64)));
	json_object_set_new(st, "subscriptions",
	    json_integer(m->subs->len));
	json_object_set_new(st, "lookups_refused",
	    json_integer((json_int_t)MIN(m->n_refused, G_MAXINT64)));
	(void)acct_db_servers(m->db, all, NULL);
	for (i = 0; i < all->len; i++) {
		const acct_server *s = g_ptr_array_index(all, i);
		json_t *o = json_object();

		node_status_set_str(o, "nickname", s->nickname);
		node_status_set_str(o, "node_id", s->key);
		node_status_set_str(o, "state", g_hash_table_lookup(m->regs,
		    s->key) != NULL ? "connected" : "disconnected");
		json_object_set_new(o, "registered",
		    json_real((double)s->registered));
		json_array_append_new(servers, o);
	}
	json_object_set_new(st, "servers", servers);
	status_page(m, st, page);
}

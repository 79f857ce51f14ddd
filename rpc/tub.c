/* rpc/tub.c -- the tub: registry of names, name-lookup handlers,
 * listening, dialling FURLs, and the choice of one connection per pair of
 * tubs.  What happens on a connection is the business of conn.c (bytes),
 * sess.c (tables), values.c and call.c (messages); the tub creates each
 * connection with its session, hears of its events through
 * rpci_conn_ops, and answers the session's questions (names, FURLs,
 * dialling) through rpci_sess_owner.  Deferred completions and output
 * flushing run on the tub's scheduler (sched.c). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <string.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <sys/socket.h>
#include <unistd.h>

#include <sodium.h>

#include "rpc/base32.h"
#include "rpc/common.h"
#include "rpc/err.h"
#include "rpc/call-internal.h"
#include "rpc/conn-internal.h"
#include "rpc/file.h"
#include "rpc/msg.h"
#include "rpc/sched-internal.h"
#include "rpc/sess-internal.h"
#include "rpc/tub-internal.h"

/* Random swissnums: 160 bits, as Foolscap's NAMEBITS. */
#define SWISS_BYTES	20
/* Connections accepted per wake-up of the listener, so one busy listener
 * cannot starve the loop. */
#define ACCEPT_BATCH	64
#define LISTEN_BACKLOG	128
/* Largest FURL file read back. */
#define FURLFILE_MAX	(RPC_FURL_MAX + 2)

typedef struct rpc_listener rpc_listener;
typedef struct rpc_resolver rpc_resolver;
struct resolve_job;
typedef struct rpc_connector rpc_connector;
typedef struct rpc_getref rpc_getref;

struct rpc_tub {
	struct ev_loop	*loop;
	rpci_sched	*sched;		/* deferred work and flushing */
	rpc_ident	*ident;
	rpc_limits	 lim;
	uint8_t		 incarnation[RPC_INCARNATION_LEN];
	char		*location;	/* hints for FURLs */
	GPtrArray	*listeners;
	GHashTable	*registry;	/* name key -> struct reg (owns obj) */
	GHashTable	*reg_by_obj;	/* rpc_obj* -> struct reg */
	GHashTable	*weak;		/* name key -> struct reg (weak obj):
					 * names made for objects sent in
					 * calls, so they can be passed on */
	GHashTable	*weak_by_obj;	/* rpc_obj* -> struct reg */
	GArray		*lookups;	/* struct lookup_handler */
	GHashTable	*conns;		/* tubid text -> rpc_conn* (OPEN) */
	GHashTable	*connectors;	/* tubid text -> rpc_connector* */
	GList		*all_conns;	/* unclosed rpc_conn (owned ref) */
	ev_timer	 trim;		/* idle connections' buffers go */
	GHashTable	*every_conn;	/* every allocated rpc_conn (weak) */
	uint32_t	 n_redeeming;	/* gifts being redeemed, all
					 * connections together */
	rpc_resolver	*resolver;	/* made at the first host name */
	bool		 freeing;
};

struct rpc_listener {
	rpc_tub		*tub;
	int		 fd;
	uint16_t	 port;
	ev_io		 io;
	GQueue		 unauth;	/* struct unauth, oldest first */
	ev_timer	 retry;		/* accepting again after EMFILE */
	ev_tstamp	 last_full_log;	/* when EMFILE was last logged */
	uint64_t	 full_since_log; /* pauses not logged since */
};

/* An inbound connection still in its handshake. */
struct unauth {
	rpc_conn	*conn;		/* borrowed: leaves the queue when it
					 * opens or closes */
	char		 host[INET6_ADDRSTRLEN];
};

/* A pending rpc_tub_get_ref(). */
struct rpc_getref {
	rpc_tub		*tub;
	rpc_furl	*furl;
	rpc_getref_fn	*fn;
	void		*arg;
	rpc_ref		*ref;		/* result, when deferred */
	GError		*error;		/* failure, when deferred */
};

/* Dials one tub until a connection to it is open.  A dial in progress
 * carries its connector as the connection's tag. */
struct rpc_connector {
	rpc_tub		*tub;
	char		 tubid[RPC_TUBID_LEN + 1];
	rpc_furl	*furl;		/* hints to try */
	size_t		 next_hint;
	rpc_conn	*attempt;	/* current dial, or NULL */
	GQueue		 waiters;	/* rpc_getref* */
	GError		*last_error;
	ev_timer	 delay;		/* before dialling, when waiting for
					 * the peer's own connection */
	struct resolve_job *job;	/* a host name being resolved */
	bool		 ai_ready;	/* 'ai'/'ai_rc' hold hint 'ai_hint' */
	size_t		 ai_hint;
	struct addrinfo	*ai;
	int		 ai_rc;
};

/* Host names are resolved by getaddrinfo() in a thread of their own, one
 * per name, which touches nothing of the tub: it hands its result back
 * through an ev_async watcher (STYLE.md §5; doc/protocol.md §8).  The
 * resolver outlives the tub while a thread still runs: the tub marks it
 * dead and the last thread frees it. */
struct rpc_resolver {
	GMutex		 lock;
	int		 refs;		/* the tub's, and one per thread */
	bool		 dead;		/* the tub is gone */
	struct ev_loop	*loop;
	ev_async	 async;
	GQueue		 done;		/* struct resolve_job, finished */
};

struct resolve_job {
	rpc_resolver	*r;
	rpc_connector	*k;		/* loop thread only; NULL once the
					 * connector is gone */
	size_t		 hint;
	char		*host;
	char		 port[8];
	struct addrinfo	*res;
	int		 rc;
};

struct lookup_handler {
	rpc_lookup_fn	*fn;
	void		*arg;
};

/* A registered name, keyed by the hash of the name so that the table's
 * timing says nothing about the secret itself. */
struct reg {
	uint8_t		 key[32];
	char		*name;		/* secret */
	rpc_obj		*obj;		/* owned, unless in tub->weak */
	rpc_tub		*tub;
};

static void connector_next(rpc_connector *k);
static void resolver_stop(rpc_tub *tub);
static void send_lookup(rpc_conn *c, rpc_getref *g);
static void requeue_lookup(rpc_tub *tub, rpc_getref *g);
static void tub_get_ref_take(rpc_tub *tub, rpc_furl *furl,
    rpc_getref_fn *fn, void *arg);
static rpc_obj *tub_find_object(rpc_tub *tub, const char *swissnum,
    size_t len);
static char *tub_furl_for_obj(rpc_tub *tub, rpc_obj *obj);
static void tub_conn_opened(rpc_tub *tub, rpc_conn *c);
static void tub_conn_closed(rpc_tub *tub, rpc_conn *c);

static guint
reg_key_hash(gconstpointer p)
{
	guint h;

	memcpy(&h, p, sizeof(h));
	return h;
}

static gboolean
reg_key_equal(gconstpointer a, gconstpointer b)
{
	return sodium_memcmp(a, b, 32) == 0;
}

static void
reg_free(void *p)
{
	struct reg *r = p;

	if (g_hash_table_lookup(r->tub->reg_by_obj, r->obj) == r)
		g_hash_table_remove(r->tub->reg_by_obj, r->obj);
	rpc_obj_unref(r->obj);
	sodium_memzero(r->name, strlen(r->name));
	g_free(r->name);
	g_free(r);
}

static void
weak_free(struct reg *r)
{
	sodium_memzero(r->name, strlen(r->name));
	g_free(r->name);
	g_free(r);
}

/* The object of a weak name was destroyed. */
static void
weak_gone(void *p)
{
	struct reg *r = p;

	g_hash_table_remove(r->tub->weak_by_obj, r->obj);
	g_hash_table_remove(r->tub->weak, r->key);
	weak_free(r);
}

static void
name_key(const char *name, size_t len, uint8_t *key)
{
	crypto_generichash(key, 32, (const uint8_t *)name, len, NULL, 0);
}

/* Every TRIM_EVERY seconds the connections that have had no traffic
 * since the pass before give back their empty buffers
 * (rpci_conn_trim()): an idle connection then costs about 5 KiB. */
#define TRIM_EVERY	2.0
#define TRIM_RELEASE	16	/* connections trimmed before malloc_trim() */

static void
trim_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	rpc_tub *tub = RPC_CONTAINER_OF(w, rpc_tub, trim);
	ev_tstamp now = ev_now(loop);
	GList *l;

	guint n = 0;

	RPC_UNUSED(revents);
	for (l = tub->all_conns; l != NULL; l = l->next)
		if (now - rpci_conn_last_active(l->data) >= TRIM_EVERY &&
		    rpci_conn_trim(l->data))
			n++;
#ifdef __GLIBC__
	/* Freed buffers lie between live allocations: hand whole free
	 * pages back to the system, or the process keeps them. */
	if (n >= TRIM_RELEASE)
		malloc_trim(0);
#endif
}

rpc_tub *
rpc_tub_new(struct ev_loop *loop, rpc_ident *id, const rpc_limits *lim)
{
	rpc_tub *tub = g_new0(rpc_tub, 1);

	if (sodium_init() < 0)
		g_error("libsodium failed to initialise");
	tub->loop = loop;
	tub->ident = id;
	if (lim != NULL)
		tub->lim = *lim;
	else
		rpc_limits_init(&tub->lim);
	randombytes_buf(tub->incarnation, sizeof(tub->incarnation));
	tub->location = g_strdup("");
	tub->listeners = g_ptr_array_new();
	tub->registry = g_hash_table_new_full(reg_key_hash, reg_key_equal,
	    NULL, reg_free);
	tub->reg_by_obj = g_hash_table_new(g_direct_hash, g_direct_equal);
	tub->weak = g_hash_table_new(reg_key_hash, reg_key_equal);
	tub->weak_by_obj = g_hash_table_new(g_direct_hash, g_direct_equal);
	tub->lookups = g_array_new(FALSE, FALSE,
	    sizeof(struct lookup_handler));
	tub->conns = g_hash_table_new(g_str_hash, g_str_equal);
	tub->connectors = g_hash_table_new(g_str_hash, g_str_equal);
	tub->every_conn = g_hash_table_new(g_direct_hash, g_direct_equal);
	tub->sched = rpci_sched_new(loop);
	/* The trim pass must not keep a loop running by itself. */
	ev_timer_init(&tub->trim, trim_cb, TRIM_EVERY, TRIM_EVERY);
	ev_timer_start(loop, &tub->trim);
	ev_unref(loop);
	return tub;
}

void
rpc_tub_free(rpc_tub *tub)
{
	GList *l;
	guint i;

	if (tub == NULL)
		return;
	tub->freeing = true;
	ev_ref(tub->loop);
	ev_timer_stop(tub->loop, &tub->trim);
	rpci_sched_stop(tub->sched);
	/* Connectors first: their waiters fail rather than retry. */
	while (g_hash_table_size(tub->connectors) > 0) {
		GHashTableIter it;
		gpointer k, v;

		g_hash_table_iter_init(&it, tub->connectors);
		g_hash_table_iter_next(&it, &k, &v);
		rpc_connector *kc = v;

		if (kc->attempt != NULL) {
			rpc_conn *a = rpci_conn_ref(kc->attempt);

			rpci_conn_close(a, RPC_E_CLOSED, "tub shut down");
			rpci_conn_unref(a);
		}
		/* connector_next() failed and freed it if it was waiting. */
		if (g_hash_table_lookup(tub->connectors, k) == kc)
			connector_next(kc);
	}
	while ((l = tub->all_conns) != NULL) {
		rpc_conn *c = rpci_conn_ref(l->data);

		rpci_conn_close(c, RPC_E_CLOSED, "tub shut down");
		rpci_conn_unref(c);
	}
	/* Completions queued by the closes above run now, exactly once. */
	rpci_sched_drain(tub->sched);
	/* Connections that references still hold outlive the tub. */
	{
		GHashTableIter it;
		gpointer k;

		g_hash_table_iter_init(&it, tub->every_conn);
		while (g_hash_table_iter_next(&it, &k, NULL)) {
			rpci_sess_detach(rpci_sess_of(k));
			rpci_conn_detach(k);
		}
		g_hash_table_destroy(tub->every_conn);
	}
	rpci_sched_free(tub->sched);
	resolver_stop(tub);
	for (i = 0; i < tub->listeners->len; i++) {
		rpc_listener *ln = g_ptr_array_index(tub->listeners, i);

		ev_io_stop(tub->loop, &ln->io);
		ev_timer_stop(tub->loop, &ln->retry);
		close(ln->fd);
		g_queue_clear_full(&ln->unauth, g_free);
		g_free(ln);
	}
	g_ptr_array_free(tub->listeners, TRUE);
	g_hash_table_destroy(tub->registry);
	g_hash_table_destroy(tub->reg_by_obj);
	{
		GHashTableIter it;
		gpointer k, v;

		g_hash_table_iter_init(&it, tub->weak);
		while (g_hash_table_iter_next(&it, &k, &v)) {
			struct reg *r = v;

			rpc_obj_weak_unnotify(r->obj, weak_gone, r);
			weak_free(r);
		}
		g_hash_table_destroy(tub->weak);
		g_hash_table_destroy(tub->weak_by_obj);
	}
	g_array_free(tub->lookups, TRUE);
	g_hash_table_destroy(tub->conns);
	g_hash_table_destroy(tub->connectors);
	g_free(tub->location);
	rpc_ident_free(tub->ident);
	g_free(tub);
}

const char *
rpc_tub_tubid(const rpc_tub *tub)
{
	return rpc_ident_tubid(tub->ident);
}

const rpc_ident *
rpc_tub_ident(const rpc_tub *tub)
{
	return tub->ident;
}

struct ev_loop *
rpc_tub_loop(const rpc_tub *tub)
{
	return tub->loop;
}

const rpc_limits *
rpc_tub_limits(const rpc_tub *tub)
{
	return &tub->lim;
}

guint
rpc_tub_n_connections(const rpc_tub *tub)
{
	return g_hash_table_size(tub->conns);
}

guint
rpc_tub_n_registered(const rpc_tub *tub)
{
	return g_hash_table_size(tub->registry);
}

gboolean
rpc_tub_is_connected(const rpc_tub *tub, const char *tubid)
{
	return g_hash_table_lookup(tub->conns, tubid) != NULL;
}

/* ---- deferred work and output ---- */

/* ---- connections ---- */

static void
tub_op_opened(rpc_conn *c, void *arg)
{
	tub_conn_opened(arg, c);
}

static void
tub_op_message(rpc_conn *c, const uint8_t *pt, size_t len, void *arg)
{
	RPC_UNUSED(arg);
	rpci_call_message(c, pt, len);
}

static void
tub_op_flushing(rpc_conn *c, void *arg)
{
	rpci_sess *s = rpci_sess_of(c);

	RPC_UNUSED(arg);
	if (rpci_sess_has_decrefs(s))
		rpci_sess_send_decrefs(s);
}

static void
tub_op_closed(rpc_conn *c, void *arg)
{
	rpci_call_conn_closed(c);
	tub_conn_closed(arg, c);
}

static void
tub_op_freed(rpc_conn *c, void *arg)
{
	rpc_tub *tub = arg;

	g_hash_table_remove(tub->every_conn, c);
}

static const rpci_conn_ops tub_conn_ops = {
	tub_op_opened, tub_op_message, tub_op_flushing, tub_op_closed,
	tub_op_freed,
};

static const char *
tub_own_tubid(void *owner)
{
	return rpc_tub_tubid(owner);
}

static rpc_obj *
tub_own_find_object(void *owner, const char *swissnum, size_t len)
{
	return tub_find_object(owner, swissnum, len);
}

static char *
tub_own_furl_for_obj(void *owner, rpc_obj *obj)
{
	return tub_furl_for_obj(owner, obj);
}

struct tub_redeem {
	rpc_tub		*tub;
	rpci_ref_fn	*fn;
	void		*arg;
};

static void
tub_redeem_cb(rpc_ref *ref, const GError *err, void *arg)
{
	struct tub_redeem *r = arg;

	r->tub->n_redeeming--;
	r->fn(ref, err, r->arg);
	g_free(r);
}

/* A gift: the peer chose the FURL, so the tub bounds how many it redeems
 * (and so may dial) at once. */
static int
tub_own_get_ref(void *owner, rpc_furl *furl, rpci_ref_fn *fn, void *arg)
{
	rpc_tub *tub = owner;
	struct tub_redeem *r;

	if (tub->n_redeeming >= tub->lim.max_tub_gift_dials)
		return RPC_E_TOOBIG;
	r = g_new0(struct tub_redeem, 1);
	r->tub = tub;
	r->fn = fn;
	r->arg = arg;
	tub->n_redeeming++;
	tub_get_ref_take(tub, furl, tub_redeem_cb, r);
	return 0;
}

static const rpci_sess_owner tub_sess_owner = {
	tub_own_tubid, tub_own_find_object, tub_own_furl_for_obj,
	tub_own_get_ref,
};

/* A connection over 'fd' with its session, kept in all_conns. */
static rpc_conn *
tub_conn_new(rpc_tub *tub, int fd, rpc_hs_role role, const char *addr)
{
	rpci_conn_cfg cfg = {
		tub->loop, tub->sched, tub->ident, tub->incarnation,
		&tub->lim, &tub_conn_ops, tub,
	};
	rpc_conn *c = rpci_conn_new(&cfg, fd, role, addr);

	rpci_sess_new(c, &tub_sess_owner, tub);
	g_hash_table_add(tub->every_conn, c);
	tub->all_conns = g_list_prepend(tub->all_conns, c);
	return c;
}

rpc_conn *
rpci_tub_adopt(rpc_tub *tub, int fd, rpc_hs_role role, const char *addr)
{
	rpc_conn *c = tub_conn_new(tub, fd, role, addr);

	rpci_conn_start(c);
	return c;
}

/* ---- names ---- */

gboolean
rpc_tub_set_location(rpc_tub *tub, const char *location, GError **error)
{
	g_autofree char *furl = rpc_furl_build(rpc_tub_tubid(tub), location,
	    "x", error);

	if (furl == NULL)
		return FALSE;
	g_free(tub->location);
	tub->location = g_strdup(location);
	return TRUE;
}

char *
rpc_tub_furl_for_name(const rpc_tub *tub, const char *name)
{
	return g_strdup_printf("pb://%s@%s/%s", rpc_tub_tubid(tub),
	    tub->location, name);
}

/* Read the swissnum stored in 'path' by an earlier run; NULL if the file
 * does not exist.  FALSE on a malformed file or one naming another tub. */
static gboolean
read_furl_file(rpc_tub *tub, const char *path, char **name, GError **error)
{
	g_autofree char *text = NULL;
	g_autoptr(rpc_furl) f = NULL;
	g_autoptr(GError) e = NULL;
	size_t len = 0;

	*name = NULL;
	if (!g_file_test(path, G_FILE_TEST_EXISTS))
		return TRUE;
	if (!rpc_file_read_capped(path, FURLFILE_MAX, &text, &len, &e))
		return rpc_set_error(error, g_error_matches(e, RPC_ERROR,
		    RPC_E_TOOBIG) ? RPC_E_FORMAT : RPC_E_SYSTEM, "%s",
		    e->message);
	if (strlen(text) != len)
		return rpc_set_error(error, RPC_E_FORMAT,
		    "%s: not a FURL file", path);
	g_strchomp(text);
	if (!rpc_furl_parse(text, &f, &e))
		return rpc_set_error(error, RPC_E_FORMAT, "%s: %s", path,
		    e->message);
	if (strcmp(rpc_furl_tubid(f), rpc_tub_tubid(tub)) != 0)
		return rpc_set_error(error, RPC_E_MISMATCH,
		    "%s: FURL names tub %s, not this tub (%s)", path,
		    rpc_furl_tubid(f), rpc_tub_tubid(tub));
	*name = g_strdup(rpc_furl_swissnum(f));
	return TRUE;
}

char *
rpc_tub_register(rpc_tub *tub, rpc_obj *obj, const char *name,
    const char *furl_file, GError **error)
{
	g_autofree char *stored = NULL, *furl = NULL, *check = NULL;
	g_autofree char *random_name = NULL;
	struct reg *r;
	uint8_t key[32];

	g_return_val_if_fail(tub != NULL && obj != NULL, NULL);
	if (furl_file != NULL && !read_furl_file(tub, furl_file, &stored,
	    error))
		return NULL;
	if (stored != NULL && name != NULL && strcmp(stored, name) != 0) {
		rpc_set_error(error, RPC_E_FORMAT,
		    "%s: holds a FURL with another name", furl_file);
		return NULL;
	}
	if (stored != NULL) {
		name = stored;
	} else if (name == NULL) {
		uint8_t rnd[SWISS_BYTES];

		randombytes_buf(rnd, sizeof(rnd));
		random_name = rpc_base32_encode(rnd, sizeof(rnd));
		name = random_name;
	}
	/* Validates the name as a swissnum. */
	check = rpc_furl_build(rpc_tub_tubid(tub), "", name, error);
	if (check == NULL)
		return NULL;
	name_key(name, strlen(name), key);
	if (g_hash_table_contains(tub->registry, key)) {
		rpc_set_error(error, RPC_E_FORMAT,
		    "a different object is already registered under that name");
		return NULL;
	}
	furl = rpc_tub_furl_for_name(tub, name);
	if (furl_file != NULL) {
		g_autofree char *line = g_strconcat(furl, "\n", NULL);

		if (!rpc_file_write_atomic(furl_file, line, strlen(line), 0600,
		    error))
			return NULL;
	}
	r = g_new0(struct reg, 1);
	memcpy(r->key, key, sizeof(key));
	r->name = g_strdup(name);
	r->obj = rpc_obj_ref(obj);
	r->tub = tub;
	g_hash_table_insert(tub->registry, r->key, r);
	if (!g_hash_table_contains(tub->reg_by_obj, obj))
		g_hash_table_insert(tub->reg_by_obj, obj, r);
	return g_steal_pointer(&furl);
}

gboolean
rpc_tub_unregister(rpc_tub *tub, const char *name)
{
	uint8_t key[32];

	name_key(name, strlen(name), key);
	return g_hash_table_remove(tub->registry, key);
}

static char *
tub_furl_for_obj(rpc_tub *tub, rpc_obj *obj)
{
	struct reg *r = g_hash_table_lookup(tub->reg_by_obj, obj);
	uint8_t rnd[SWISS_BYTES];

	if (r == NULL)
		r = g_hash_table_lookup(tub->weak_by_obj, obj);
	if (r == NULL) {
		/* Foolscap's getOrCreateURLForReference: a name that lives as
		 * long as the object, without keeping it alive. */
		r = g_new0(struct reg, 1);
		randombytes_buf(rnd, sizeof(rnd));
		r->name = rpc_base32_encode(rnd, sizeof(rnd));
		name_key(r->name, strlen(r->name), r->key);
		r->obj = obj;
		r->tub = tub;
		g_hash_table_insert(tub->weak, r->key, r);
		g_hash_table_insert(tub->weak_by_obj, obj, r);
		rpc_obj_weak_notify(obj, weak_gone, r);
	}
	return rpc_tub_furl_for_name(tub, r->name);
}

void
rpc_tub_add_lookup_handler(rpc_tub *tub, rpc_lookup_fn *fn, void *arg)
{
	struct lookup_handler h = { fn, arg };

	g_array_append_val(tub->lookups, h);
}

static rpc_obj *
tub_find_object(rpc_tub *tub, const char *swissnum, size_t len)
{
	uint8_t key[32];
	struct reg *r;
	rpc_obj *obj = NULL;
	char *copy;
	guint i;

	if (len == 0 || len > RPC_SWISSNUM_MAX || memchr(swissnum, 0, len))
		return NULL;
	name_key(swissnum, len, key);
	r = g_hash_table_lookup(tub->registry, key);
	if (r == NULL)
		r = g_hash_table_lookup(tub->weak, key);
	if (r != NULL && strlen(r->name) == len &&
	    sodium_memcmp(r->name, swissnum, len) == 0)
		return rpc_obj_ref(r->obj);
	copy = g_strndup(swissnum, len);
	for (i = 0; i < tub->lookups->len && obj == NULL; i++) {
		struct lookup_handler *h = &g_array_index(tub->lookups,
		    struct lookup_handler, i);

		obj = h->fn(tub, copy, h->arg);
	}
	sodium_memzero(copy, len);
	g_free(copy);
	return obj;
}

/* ---- listening ---- */

static void
set_socket_options(int fd)
{
	int one = 1;

	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

static void
format_addr(const struct sockaddr *sa, char *out, size_t outlen)
{
	char host[INET6_ADDRSTRLEN] = "?";
	unsigned port = 0;

	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *in = (const void *)sa;

		inet_ntop(AF_INET, &in->sin_addr, host, sizeof(host));
		port = ntohs(in->sin_port);
		g_snprintf(out, outlen, "%s:%u", host, port);
	} else if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const void *)sa;

		inet_ntop(AF_INET6, &in6->sin6_addr, host, sizeof(host));
		port = ntohs(in6->sin6_port);
		g_snprintf(out, outlen, "[%s]:%u", host, port);
	} else {
		g_strlcpy(out, "?", outlen);
	}
}

/* The host part of a peer address (IP only, no port). */
static void
format_host(const struct sockaddr *sa, char *out, size_t outlen)
{
	g_strlcpy(out, "?", outlen);
	if (sa->sa_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)
		    (const void *)sa)->sin_addr, out, (socklen_t)outlen);
	else if (sa->sa_family == AF_INET6)
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)
		    (const void *)sa)->sin6_addr, out, (socklen_t)outlen);
}

/* Forget 'c' as unauthenticated (it opened or closed). */
static void
tub_unauth_forget(rpc_tub *tub, rpc_conn *c)
{
	guint i;

	for (i = 0; i < tub->listeners->len; i++) {
		rpc_listener *ln = g_ptr_array_index(tub->listeners, i);
		GList *l;

		for (l = ln->unauth.head; l != NULL; l = l->next) {
			struct unauth *u = l->data;

			if (u->conn == c) {
				g_queue_delete_link(&ln->unauth, l);
				g_free(u);
				return;
			}
		}
	}
}

/* Whether to admit a connection from 'host' to 'ln': refuse it if that
 * address already has max_unauth_per_addr connections in handshake;
 * when the listener is full, close its oldest handshake that has not
 * sent its HELLO, or else its oldest handshake, instead (an attacker who
 * keeps reconnecting then only pushes out his own: a client sends its
 * HELLO at once, so silent sockets go first however fast they come). */
static bool
listener_admit(rpc_listener *ln, const char *host, const char *addr)
{
	const rpc_limits *lim = &ln->tub->lim;
	struct unauth *u;
	uint32_t same = 0;
	GList *l;

	for (l = ln->unauth.head; l != NULL; l = l->next)
		if (strcmp(((struct unauth *)l->data)->host, host) == 0)
			same++;
	if (same >= lim->max_unauth_per_addr) {
		g_message("refusing connection from %s: %u connections from "
		    "that address already in handshake", addr, same);
		return false;
	}
	if (g_queue_get_length(&ln->unauth) >= lim->max_unauth) {
		if (lim->max_unauth == 0)
			return false;
		rpc_conn *old;

		u = g_queue_peek_head(&ln->unauth);
		for (l = ln->unauth.head; l != NULL; l = l->next)
			if (rpci_conn_state_of(((struct unauth *)
			    l->data)->conn) == RPCI_CONN_HELLO) {
				u = l->data;
				break;
			}
		old = rpci_conn_ref(u->conn);
		g_message("closing connection %s: %u connections in "
		    "handshake, this one the oldest%s", rpci_conn_peer_addr(old),
		    g_queue_get_length(&ln->unauth),
		    rpci_conn_state_of(old) == RPCI_CONN_HELLO ?
		    " without a HELLO" : "");
		/* Closing takes it out of the queue (tub_conn_closed). */
		rpci_conn_close(old, RPC_E_CLOSED, "closed to admit a newer "
		    "connection: too many in handshake");
		rpci_conn_unref(old);
	}
	return true;
}

static void
listener_retry_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	rpc_listener *ln = RPC_CONTAINER_OF(w, rpc_listener, retry);

	RPC_UNUSED(revents);
	ev_io_start(loop, &ln->io);
}

/* accept() ran out of descriptors (or memory): the pending connection
 * stays in the backlog and the watcher would fire again at once, so stop
 * it and try again after accept_retry seconds.  One line per minute at
 * most says so. */
static void
listener_pause(rpc_listener *ln, int err)
{
	rpc_tub *tub = ln->tub;
	ev_tstamp now = ev_now(tub->loop);

	ev_io_stop(tub->loop, &ln->io);
	ev_timer_set(&ln->retry, tub->lim.accept_retry > 0 ?
	    tub->lim.accept_retry : 1.0, 0.);
	ev_timer_start(tub->loop, &ln->retry);
	ln->full_since_log++;
	if (ln->last_full_log == 0 || now - ln->last_full_log >= 60.0) {
		g_warning("accept on port %u: %s; not accepting for %.1f s "
		    "(%" G_GUINT64_FORMAT " pauses since the last such line)",
		    ln->port, g_strerror(err), tub->lim.accept_retry,
		    ln->full_since_log);
		ln->last_full_log = now;
		ln->full_since_log = 0;
	}
}

static void
listener_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	rpc_listener *ln = RPC_CONTAINER_OF(w, rpc_listener, io);
	rpc_tub *tub = ln->tub;
	int i;

	RPC_UNUSED(loop);
	RPC_UNUSED(revents);
	for (i = 0; i < ACCEPT_BATCH; i++) {
		struct sockaddr_storage ss;
		socklen_t sl = sizeof(ss);
		char addr[64], host[INET6_ADDRSTRLEN];
		struct unauth *u;
		rpc_conn *c;
		int fd;

		fd = accept4(ln->fd, (struct sockaddr *)&ss, &sl,
		    SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			int e = errno;

			if (e == EMFILE || e == ENFILE || e == ENOBUFS ||
			    e == ENOMEM)
				listener_pause(ln, e);
			else if (e != EAGAIN && e != EWOULDBLOCK &&
			    e != EINTR && e != ECONNABORTED)
				g_warning("accept on port %u: %s", ln->port,
				    g_strerror(e));
			return;
		}
		format_addr((struct sockaddr *)&ss, addr, sizeof(addr));
		format_host((struct sockaddr *)&ss, host, sizeof(host));
		if (!listener_admit(ln, host, addr)) {
			close(fd);
			continue;
		}
		set_socket_options(fd);
		c = tub_conn_new(tub, fd, RPC_HS_SERVER, addr);
		u = g_new0(struct unauth, 1);
		u->conn = c;
		g_strlcpy(u->host, host, sizeof(u->host));
		g_queue_push_tail(&ln->unauth, u);
		rpci_conn_start(c);
	}
}

gboolean
rpc_tub_listen(rpc_tub *tub, const char *host, uint16_t port,
    GError **error)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	rpc_listener *ln;
	int fd, one = 1, family;

	memset(&ss, 0, sizeof(ss));
	if (inet_pton(AF_INET, host, &((struct sockaddr_in *)&ss)->sin_addr)
	    == 1) {
		struct sockaddr_in *in = (struct sockaddr_in *)&ss;

		family = in->sin_family = AF_INET;
		in->sin_port = htons(port);
		sl = sizeof(*in);
	} else if (inet_pton(AF_INET6, host,
	    &((struct sockaddr_in6 *)&ss)->sin6_addr) == 1) {
		struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;

		family = in6->sin6_family = AF_INET6;
		in6->sin6_port = htons(port);
		sl = sizeof(*in6);
	} else {
		return rpc_set_error(error, RPC_E_FORMAT,
		    "listen address '%s' is not an IPv4 or IPv6 address",
		    host);
	}
	fd = socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return rpc_set_error(error, RPC_E_SYSTEM, "socket: %s",
		    g_strerror(errno));
	(void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&ss, sl) != 0 ||
	    listen(fd, LISTEN_BACKLOG) != 0) {
		int e = errno;

		close(fd);
		return rpc_set_error(error, RPC_E_SYSTEM,
		    "cannot listen on %s port %u: %s", host, port,
		    g_strerror(e));
	}
	sl = sizeof(ss);
	getsockname(fd, (struct sockaddr *)&ss, &sl);
	ln = g_new0(rpc_listener, 1);
	ln->tub = tub;
	ln->fd = fd;
	ln->port = ntohs(family == AF_INET ?
	    ((struct sockaddr_in *)&ss)->sin_port :
	    ((struct sockaddr_in6 *)&ss)->sin6_port);
	ev_io_init(&ln->io, listener_cb, fd, EV_READ);
	ev_timer_init(&ln->retry, listener_retry_cb, 0., 0.);
	ev_io_start(tub->loop, &ln->io);
	g_ptr_array_add(tub->listeners, ln);
	if (*tub->location == '\0') {
		g_free(tub->location);
		tub->location = g_strdup_printf(family == AF_INET6 ?
		    "tcp:[%s]:%u" : "tcp:%s:%u", host, ln->port);
	}
	return TRUE;
}

uint16_t
rpc_tub_port(const rpc_tub *tub)
{
	if (tub->listeners->len == 0)
		return 0;
	return ((rpc_listener *)g_ptr_array_index(tub->listeners, 0))->port;
}

/* ---- getting references ---- */

static void
getref_free(rpc_getref *g)
{
	rpc_furl_free(g->furl);
	g_clear_error(&g->error);
	rpc_ref_unref(g->ref);
	g_free(g);
}

static void
getref_finish(rpc_getref *g, rpc_ref *ref, const GError *err)
{
	g->fn(ref != NULL ? rpc_ref_ref(ref) : NULL, ref != NULL ? NULL : err,
	    g->arg);
	getref_free(g);
}

static void
getref_deferred_cb(void *arg)
{
	rpc_getref *g = arg;

	g->fn(NULL, g->error, g->arg);
	getref_free(g);
}

static void
getref_defer_error(rpc_getref *g, GError *err)
{
	g->error = err;
	rpci_sched_defer(g->tub->sched, getref_deferred_cb, g);
}

static void
resolver_release(rpc_resolver *r)
{
	bool last;

	g_mutex_lock(&r->lock);
	last = --r->refs == 0;
	g_mutex_unlock(&r->lock);
	if (last) {
		g_mutex_clear(&r->lock);
		g_free(r);
	}
}

static void
resolve_job_free(struct resolve_job *j)
{
	if (j->res != NULL)
		freeaddrinfo(j->res);
	g_free(j->host);
	g_free(j);
}

static gpointer
resolve_thread(gpointer arg)
{
	struct resolve_job *j = arg;
	rpc_resolver *r = j->r;
	struct addrinfo hints;

	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICSERV;
	j->rc = getaddrinfo(j->host, j->port, &hints, &j->res);
	g_mutex_lock(&r->lock);
	if (!r->dead) {
		g_queue_push_tail(&r->done, j);
		ev_async_send(r->loop, &r->async);
		j = NULL;
	}
	g_mutex_unlock(&r->lock);
	if (j != NULL)
		resolve_job_free(j);
	resolver_release(r);
	return NULL;
}

static void
resolver_async_cb(struct ev_loop *loop, ev_async *w, int revents)
{
	rpc_resolver *r = RPC_CONTAINER_OF(w, rpc_resolver, async);
	struct resolve_job *j;

	RPC_UNUSED(loop);
	RPC_UNUSED(revents);
	for (;;) {
		rpc_connector *k;

		g_mutex_lock(&r->lock);
		j = g_queue_pop_head(&r->done);
		g_mutex_unlock(&r->lock);
		if (j == NULL)
			break;
		k = j->k;
		if (k != NULL) {
			k->job = NULL;
			k->ai_ready = true;
			k->ai_hint = j->hint;
			k->ai = j->res;
			k->ai_rc = j->rc;
			j->res = NULL;
			connector_next(k);
		}
		resolve_job_free(j);
	}
}

/* Resolve hint 'i' of 'k' (host 'host') in a thread; connector_next()
 * runs again once it is done. */
static void
resolve_start(rpc_connector *k, size_t i, const char *host,
    const char *port)
{
	rpc_tub *tub = k->tub;
	rpc_resolver *r = tub->resolver;
	struct resolve_job *j;

	if (r == NULL) {
		r = tub->resolver = g_new0(rpc_resolver, 1);
		g_mutex_init(&r->lock);
		r->refs = 1;
		r->loop = tub->loop;
		ev_async_init(&r->async, resolver_async_cb);
		ev_async_start(tub->loop, &r->async);
		ev_unref(tub->loop);	/* it alone keeps no loop running */
	}
	j = g_new0(struct resolve_job, 1);
	j->r = r;
	j->k = k;
	j->hint = i;
	j->host = g_strdup(host);
	g_strlcpy(j->port, port, sizeof(j->port));
	k->job = j;
	g_mutex_lock(&r->lock);
	r->refs++;
	g_mutex_unlock(&r->lock);
	g_thread_unref(g_thread_new("rpc-resolve", resolve_thread, j));
}

/* The tub is going: no thread reports to it any more. */
static void
resolver_stop(rpc_tub *tub)
{
	rpc_resolver *r = tub->resolver;
	struct resolve_job *j;

	if (r == NULL)
		return;
	g_mutex_lock(&r->lock);
	r->dead = true;
	while ((j = g_queue_pop_head(&r->done)) != NULL)
		resolve_job_free(j);
	g_mutex_unlock(&r->lock);
	ev_ref(tub->loop);
	ev_async_stop(tub->loop, &r->async);
	tub->resolver = NULL;
	resolver_release(r);
}

static bool
host_is_numeric(const char *host)
{
	struct in6_addr a6;
	struct in_addr a4;

	return inet_pton(AF_INET, host, &a4) == 1 ||
	    inet_pton(AF_INET6, host, &a6) == 1;
}

static void
connector_free(rpc_connector *k)
{
	if (k->job != NULL)
		k->job->k = NULL;	/* its result will be dropped */
	if (k->ai != NULL)
		freeaddrinfo(k->ai);
	ev_timer_stop(k->tub->loop, &k->delay);
	g_hash_table_remove(k->tub->connectors, k->tubid);
	rpc_furl_free(k->furl);
	g_clear_error(&k->last_error);
	g_free(k);
}

/* Dial the next hint, or fail every waiter if none is left. */
static void
connector_next(rpc_connector *k)
{
	rpc_tub *tub = k->tub;

	while (!tub->freeing && k->next_hint < rpc_furl_n_hints(k->furl)) {
		size_t i = k->next_hint++;
		const char *host = rpc_furl_hint_host(k->furl, i);
		char port[8], addr[64];
		struct addrinfo hints, *res = NULL;
		rpc_conn *c;
		int fd, rc;

		g_snprintf(port, sizeof(port), "%u",
		    rpc_furl_hint_port(k->furl, i));
		g_snprintf(addr, sizeof(addr), "%s:%s", host, port);
		if (k->ai_ready && k->ai_hint == i) {
			/* Resolved in a thread (resolve_start()). */
			res = k->ai;
			rc = k->ai_rc;
			k->ai = NULL;
			k->ai_ready = false;
		} else if (!host_is_numeric(host)) {
			/* A name would block the loop while it resolves. */
			k->next_hint = i;
			if (k->job == NULL)
				resolve_start(k, i, host, port);
			return;
		} else {
			memset(&hints, 0, sizeof(hints));
			hints.ai_socktype = SOCK_STREAM;
			hints.ai_flags = AI_NUMERICSERV | AI_NUMERICHOST;
			rc = getaddrinfo(host, port, &hints, &res);
		}
		if (rc != 0) {
			g_clear_error(&k->last_error);
			k->last_error = g_error_new(RPC_ERROR, RPC_E_SYSTEM,
			    "cannot resolve %s: %s", host, gai_strerror(rc));
			continue;
		}
		fd = socket(res->ai_family,
		    SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (fd < 0 || (connect(fd, res->ai_addr, res->ai_addrlen) != 0
		    && errno != EINPROGRESS)) {
			int e = errno;

			if (fd >= 0)
				close(fd);
			freeaddrinfo(res);
			g_clear_error(&k->last_error);
			k->last_error = g_error_new(RPC_ERROR, RPC_E_SYSTEM,
			    "cannot connect to %s: %s", addr, g_strerror(e));
			continue;
		}
		freeaddrinfo(res);
		set_socket_options(fd);
		c = tub_conn_new(tub, fd, RPC_HS_CLIENT, addr);
		rpci_conn_set_target(c, rpc_furl_tubid_raw(k->furl));
		rpci_conn_set_tag(c, k);
		k->attempt = c;
		rpci_conn_dial(c);
		return;
	}
	while (!g_queue_is_empty(&k->waiters)) {
		rpc_getref *g = g_queue_pop_head(&k->waiters);

		getref_defer_error(g, k->last_error != NULL ?
		    g_error_copy(k->last_error) :
		    g_error_new(RPC_ERROR, RPC_E_SYSTEM,
		    "no usable connection hints in FURL"));
	}
	connector_free(k);
}

static void
connector_delay_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	rpc_connector *k = RPC_CONTAINER_OF(w, rpc_connector, delay);

	RPC_UNUSED(loop);
	RPC_UNUSED(revents);
	connector_next(k);
}

static rpc_connector *
connector_new(rpc_tub *tub, const rpc_furl *furl)
{
	rpc_connector *k = g_new0(rpc_connector, 1);

	k->tub = tub;
	g_strlcpy(k->tubid, rpc_furl_tubid(furl), sizeof(k->tubid));
	k->furl = rpc_furl_copy(furl);
	g_queue_init(&k->waiters);
	ev_timer_init(&k->delay, connector_delay_cb, 0., 0.);
	g_hash_table_insert(tub->connectors, k->tubid, k);
	return k;
}

static void
getref_lookup_cb(rpc_ref *ref, const GError *err, rpc_conn *lost, void *arg)
{
	rpc_getref *g = arg;
	rpc_tub *tub = g->tub;

	if (ref != NULL || lost == NULL) {
		getref_finish(g, ref, err);
		return;
	}
	/* The connection closed under the LOOKUP: move it to another open
	 * connection to the same tub if there is one, or to the survivor of
	 * the duplicate rule (doc/protocol.md §3.4). */
	if (!tub->freeing) {
		rpc_conn *other = g_hash_table_lookup(tub->conns,
		    rpc_furl_tubid(g->furl));

		if (other != NULL && other != lost &&
		    rpci_conn_state_of(other) == RPCI_CONN_OPEN) {
			send_lookup(other, g);
			return;
		}
		if (rpci_conn_is_dup(lost)) {
			requeue_lookup(tub, g);
			return;
		}
	}
	getref_defer_error(g, g_error_copy(err));
}

static void
send_lookup(rpc_conn *c, rpc_getref *g)
{
	rpci_call_lookup(c, g->furl, getref_lookup_cb, g);
}

/* The connection that carried g's LOOKUP lost the duplicate rule: send it
 * again on the survivor, or wait for it. */
static void
requeue_lookup(rpc_tub *tub, rpc_getref *g)
{
	rpc_conn *c = g_hash_table_lookup(tub->conns, rpc_furl_tubid(g->furl));
	rpc_connector *k;

	if (c != NULL && rpci_conn_is_open(c)) {
		send_lookup(c, g);
		return;
	}
	k = g_hash_table_lookup(tub->connectors, rpc_furl_tubid(g->furl));
	if (k != NULL) {
		g_queue_push_tail(&k->waiters, g);
		return;
	}
	/* Our connection lost the duplicate rule, so the peer's is being
	 * set up; wait for it a while before dialling again. */
	k = connector_new(tub, g->furl);
	g_queue_push_tail(&k->waiters, g);
	ev_timer_set(&k->delay, MIN(tub->lim.handshake_timeout, 2.0), 0.);
	ev_timer_start(tub->loop, &k->delay);
}

void
rpc_tub_get_ref(rpc_tub *tub, const char *furl, rpc_getref_fn *fn,
    void *arg)
{
	rpc_furl *f = NULL;
	GError *err = NULL;

	g_return_if_fail(tub != NULL && furl != NULL && fn != NULL);
	if (!rpc_furl_parse(furl, &f, &err)) {
		rpc_getref *g = g_new0(rpc_getref, 1);

		g->tub = tub;
		g->fn = fn;
		g->arg = arg;
		getref_defer_error(g, err);
		return;
	}
	tub_get_ref_take(tub, f, fn, arg);
}

void
rpc_tub_get_ref_furl(rpc_tub *tub, const rpc_furl *furl, rpc_getref_fn *fn,
    void *arg)
{
	g_return_if_fail(tub != NULL && furl != NULL && fn != NULL);
	tub_get_ref_take(tub, rpc_furl_copy(furl), fn, arg);
}

static void
tub_get_ref_take(rpc_tub *tub, rpc_furl *furl, rpc_getref_fn *fn, void *arg)
{
	rpc_getref *g = g_new0(rpc_getref, 1);
	rpc_connector *k;
	rpc_conn *c;

	g->tub = tub;
	g->fn = fn;
	g->arg = arg;
	g->furl = furl;
	if (strcmp(rpc_furl_tubid(g->furl), rpc_tub_tubid(tub)) == 0) {
		getref_defer_error(g, g_error_new(RPC_ERROR, RPC_E_FORMAT,
		    "FURL names this tub itself; references to local objects "
		    "are not made through FURLs"));
		return;
	}
	c = g_hash_table_lookup(tub->conns, rpc_furl_tubid(g->furl));
	if (c != NULL && rpci_conn_is_open(c)) {
		send_lookup(c, g);
		return;
	}
	k = g_hash_table_lookup(tub->connectors, rpc_furl_tubid(g->furl));
	if (k != NULL) {
		g_queue_push_tail(&k->waiters, g);
		return;
	}
	k = connector_new(tub, g->furl);
	g_queue_push_tail(&k->waiters, g);
	connector_next(k);
}

/* ---- one connection per pair of tubs ---- */

/* Which of two open connections to the same tub survives; the rule is in
 * doc/protocol.md §3.4 and both ends reach the same answer. */
static rpc_conn *
pick_survivor(rpc_tub *tub, rpc_conn *old, rpc_conn *new)
{
	int mine_higher;

	rpc_hs_role role = rpci_conn_role(new);

	if (sodium_memcmp(rpci_conn_peer_incarnation(old),
	    rpci_conn_peer_incarnation(new), RPC_INCARNATION_LEN) != 0)
		return new;		/* the peer restarted */
	if (rpci_conn_role(old) == role)
		return new;		/* the dialler gave up on the old one */
	mine_higher = memcmp(rpc_ident_tubid_raw(tub->ident),
	    rpci_conn_peer_tubid_raw(new), RPC_TUBID_RAW) > 0;
	/* Crossed dials: keep the one dialled by the greater tubid. */
	if (mine_higher)
		return role == RPC_HS_CLIENT ? new : old;
	return role == RPC_HS_SERVER ? new : old;
}

static void
tub_conn_opened(rpc_tub *tub, rpc_conn *c)
{
	const char *peer = rpci_conn_peer_tubid(c);
	rpc_conn *old = g_hash_table_lookup(tub->conns, peer);
	rpc_conn *keep = c, *drop = NULL;
	rpc_connector *k = rpci_conn_tag(c);

	tub_unauth_forget(tub, c);
	/* A connection to a new peer beyond max_conns is closed: the limit
	 * on descriptors is then a decision, not an accident. */
	if (old == NULL && g_hash_table_size(tub->conns) >=
	    tub->lim.max_conns) {
		g_message("closing connection %s (%s): %u connections "
		    "already open", rpci_conn_peer_addr(c), peer,
		    g_hash_table_size(tub->conns));
		rpci_conn_abort(c, "overloaded: too many connections");
		return;
	}
	if (old != NULL && old != c) {
		keep = pick_survivor(tub, old, c);
		drop = keep == c ? old : c;
	}
	g_hash_table_replace(tub->conns,
	    (gpointer)rpci_conn_peer_tubid(keep), keep);
	if (k != NULL && k->attempt == c)
		k->attempt = NULL;
	rpci_conn_set_tag(c, NULL);
	k = g_hash_table_lookup(tub->connectors, peer);
	if (k != NULL) {
		if (k->attempt != NULL) {
			/* An inbound connection beat our own dial.  Let the
			 * dial finish: closing it here could kill the one
			 * connection the peer decides to keep; the duplicate
			 * rule settles it once both are open at both ends. */
			rpci_conn_set_tag(k->attempt, NULL);
			k->attempt = NULL;
		}
		while (!g_queue_is_empty(&k->waiters))
			send_lookup(keep, g_queue_pop_head(&k->waiters));
		connector_free(k);
	}
	if (drop != NULL) {
		g_info("two connections to %s: keeping the one dialled by %s",
		    peer, rpci_conn_role(keep) == RPC_HS_CLIENT ? "us" :
		    "the peer");
		rpci_conn_set_dup(drop);
		rpci_conn_abort(drop, RPC_ABORT_DUPLICATE);
	}
}

static void
tub_conn_closed(rpc_tub *tub, rpc_conn *c)
{
	rpc_connector *k = rpci_conn_tag(c);
	const char *peer = rpci_conn_peer_tubid(c);
	GList *l;

	if (g_hash_table_lookup(tub->conns, peer) == c)
		g_hash_table_remove(tub->conns, peer);
	tub_unauth_forget(tub, c);
	if (k != NULL && k->attempt == c) {
		rpci_conn_set_tag(c, NULL);
		k->attempt = NULL;
		g_clear_error(&k->last_error);
		k->last_error = g_error_new(RPC_ERROR,
		    rpci_conn_error_code(c), "%s", rpci_conn_error(c));
		if (!tub->freeing)
			connector_next(k);
	}
	l = g_list_find(tub->all_conns, c);
	if (l != NULL) {
		tub->all_conns = g_list_delete_link(tub->all_conns, l);
		rpci_conn_unref(c);
	}
}

/* grid/upload.c -- one immutable upload, as a state machine on the loop.
 *
 *   HASH    read the file once for the convergent key (a chunk per loop
 *           pass, so the loop keeps serving)
 *   QUERY   get_buckets on the first 2n servers of the permuted ring
 *   PLACE   place shares (grid_happiness_place) and allocate_buckets on
 *           each server for its shares; again while that helps and
 *           happiness is short (Tahoe2ServerSelector.get_shareholders)
 *   ENCODE  read the file again a segment at a time into the encoder, whose
 *           pieces become write() calls, waiting while a server has more
 *           than GRID_UPLOAD_WINDOW bytes unanswered
 *   CLOSE   close() every writer; happiness is judged on what closed
 *
 * A server that fails a call (or stays silent for GRID_UPLOAD_STALL
 * seconds) loses its shares; the upload goes on while the rest is still
 * happy.  Every call holds a reference on the upload, which is freed when
 * it has finished and no call is outstanding. */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "grid/err.h"
#include "grid/happiness.h"
#include "grid/hashutil.h"
#include "grid/storage.h"
#include "grid/upload.h"
#include "rpc/common.h"
#include "rpc/err.h"

#define HASH_CHUNK	(1024 * 1024)	/* bytes hashed per loop pass */
#define WRITE_COALESCE	(128 * 1024)	/* small pieces are sent together */
#define QUERY_TIMEOUT	15.0		/* Tahoe's timeout_call(..., 15) */

typedef enum {
	PH_HASH, PH_QUERY, PH_PLACE, PH_ENCODE, PH_CLOSE, PH_DONE,
} phase;

typedef struct target {
	guint		 idx;
	rpc_ref		*ref;
	char		*name;
	uint8_t		 renew[GRID_HASH_LEN], cancel[GRID_HASH_LEN];
	uint8_t		 lease_seed[GRID_NODEID_LEN];
	uint8_t		 ring[20];	/* SHA-1(si || perm_seed) */
	GBytes		*perm_seed;
	guint64		 max_share;
	gboolean	 readonly;	/* takes no new share */
	gboolean	 refused;	/* refused the account */
	gboolean	 queried;	/* answered get_buckets */
	gboolean	 bad;		/* failed: holds nothing for us */
	gboolean	 in_2n;		/* among the first 2n */
	bool		 has[GRID_HAPPY_MAX_SHARES];	/* already holds */
	bool		 asked[GRID_HAPPY_MAX_SHARES];	/* in the last ask */
	guint		 n_asked;
	guint		 calls;		/* outstanding */
	guint64		 bytes;		/* unanswered write bytes */
} target;

typedef struct share {
	target		*t;		/* writer's server, or NULL */
	rpc_ref		*writer;
	GByteArray	*buf;		/* pending bytes */
	guint64		 buf_off;	/* share offset of buf[0] */
	gboolean	 closed;
} share;

struct grid_upload {
	struct ev_loop	*loop;
	grid_chk_params	 p;
	phase		 ph;
	int		 fd;
	guint64		 size, pos;
	uint8_t		 conv[64], lease[32];
	size_t		 conv_len;
	uint8_t		 key[GRID_KEY_LEN], si[GRID_SI_LEN];
	grid_hasher	*h;
	GPtrArray	*targets;	/* target*, permuted */
	guint		 n_query;	/* targets in the first 2n */
	share		 shares[GRID_HAPPY_MAX_SHARES];
	guint64		 share_size;
	grid_chk_encoder *enc;
	uint8_t		*segbuf;
	char		*cap;
	int		 refs;		/* 1 + outstanding calls */
	GHashTable	*calls;		/* call_ctx* outstanding */
	guint		 waiting;	/* counted calls */
	guint		 last_happy;
	guint		 round_errors;	/* failed or full allocations */
	char		*last_failure;
	char		*refusal;	/* first refusal by the account */
	guint		 n_refused;	/* servers that refused it */
	GError		*start_err;	/* reported from the loop */
	ev_idle		 idle;
	ev_timer	 stall;
	gboolean	 notified;
	grid_upload_fn	*fn;
	void		*arg;
};

/* One outstanding call.  'counted' while the phase waits for it: a call
 * to a server that has been given up no longer holds the phase back. */
typedef struct call_ctx {
	grid_upload	*u;
	target		*t;
	guint		 shnum;
	guint64		 bytes;
	gboolean	 counted;
} call_ctx;

static void step(grid_upload *u);

static void
upload_unref(grid_upload *u)
{
	guint i;

	if (--u->refs > 0)
		return;
	for (i = 0; i < u->targets->len; i++) {
		target *t = g_ptr_array_index(u->targets, i);

		rpc_ref_unref(t->ref);
		g_free(t->name);
		g_bytes_unref(t->perm_seed);
		g_free(t);
	}
	g_ptr_array_unref(u->targets);
	for (i = 0; i < GRID_HAPPY_MAX_SHARES; i++) {
		rpc_ref_unref(u->shares[i].writer);
		if (u->shares[i].buf != NULL)
			g_byte_array_unref(u->shares[i].buf);
	}
	g_hash_table_unref(u->calls);
	g_clear_error(&u->start_err);
	grid_hasher_free(u->h);
	grid_chk_encoder_free(u->enc);
	g_free(u->segbuf);
	g_free(u->cap);
	g_free(u->last_failure);
	g_free(u->refusal);
	sodium_memzero(u->conv, sizeof(u->conv));
	sodium_memzero(u->lease, sizeof(u->lease));
	sodium_memzero(u->key, sizeof(u->key));
	g_free(u);
}

/* Tell the caller, once, and stop everything. */
static void
finish(grid_upload *u, const GError *err)
{
	guint i;

	if (u->notified)
		return;
	u->notified = TRUE;
	u->ph = PH_DONE;
	ev_idle_stop(u->loop, &u->idle);
	ev_timer_stop(u->loop, &u->stall);
	if (err != NULL) {
		/* The servers abort the writers whose references go. */
		for (i = 0; i < GRID_HAPPY_MAX_SHARES; i++) {
			share *s = &u->shares[i];

			if (s->writer != NULL && !s->closed) {
				rpc_ref_call_oneway(s->writer, "abort", NULL);
				rpc_ref_unref(g_steal_pointer(&s->writer));
			}
		}
	}
	u->fn(err == NULL ? u->cap : NULL, err, u->arg);
	upload_unref(u);
}

static void
fail(grid_upload *u, int code, const char *fmt, ...) G_GNUC_PRINTF(3, 4);

static void
fail(grid_upload *u, int code, const char *fmt, ...)
{
	g_autoptr(GError) err = NULL;
	va_list ap;

	va_start(ap, fmt);
	err = g_error_new_valist(GRID_ERROR, code, fmt, ap);
	va_end(ap);
	finish(u, err);
}

static call_ctx *
ctx_new(grid_upload *u, target *t)
{
	call_ctx *c = g_new0(call_ctx, 1);

	c->u = u;
	c->t = t;
	c->counted = TRUE;
	u->refs++;
	t->calls++;
	u->waiting++;
	g_hash_table_add(u->calls, c);
	/* The stall timer runs while calls are owed, restarted by answers
	 * only: a server that never answers cannot keep it away. */
	if (!ev_is_active(&u->stall))
		ev_timer_again(u->loop, &u->stall);
	return c;
}

/* Account for an answer; FALSE if the upload is over (the caller then
 * returns at once). */
static gboolean
ctx_done(call_ctx *c)
{
	grid_upload *u = c->u;
	gboolean live = !u->notified;

	g_hash_table_remove(u->calls, c);
	c->t->calls--;
	c->t->bytes -= c->bytes;
	if (c->counted)
		u->waiting--;
	if (live) {
		if (u->waiting > 0)
			ev_timer_again(u->loop, &u->stall);
		else
			ev_timer_stop(u->loop, &u->stall);
	}
	g_free(c);
	upload_unref(u);
	return live;
}

/* ---- happiness ---- */

/* Servers of happiness of what is placed now: shares the servers already
 * hold, plus shares with a live writer (closed ones only if 'closed'). */
static guint
happiness_now(grid_upload *u, gboolean closed_only)
{
	guint P = u->targets->len, S = u->p.n, i, s;
	g_autofree bool *held = g_new0(bool, (gsize)P * S);

	for (i = 0; i < P; i++) {
		target *t = g_ptr_array_index(u->targets, i);

		if (t->bad)
			continue;
		for (s = 0; s < S; s++)
			if (t->has[s])
				held[s * P + i] = true;
	}
	for (s = 0; s < S; s++) {
		share *sh = &u->shares[s];

		if (sh->writer != NULL && sh->t != NULL && !sh->t->bad &&
		    (!closed_only || sh->closed))
			held[s * P + sh->t->idx] = true;
	}
	return grid_happiness_count(held, S, P);
}

static guint
servers_with_shares(grid_upload *u)
{
	guint i, s, n = 0;

	for (i = 0; i < u->targets->len; i++) {
		target *t = g_ptr_array_index(u->targets, i);
		gboolean any = FALSE;

		for (s = 0; s < u->p.n && !any; s++)
			any = t->has[s] || (u->shares[s].t == t &&
			    u->shares[s].writer != NULL);
		n += any && !t->bad;
	}
	return n;
}

/* Tahoe's upload.py failure_message(), with the counts that explain it. */
static void
fail_unhappy(grid_upload *u, guint happy)
{
	guint i, placed = 0, usable = 0;

	for (i = 0; i < u->p.n; i++)
		placed += u->shares[i].writer != NULL;
	for (i = 0; i < u->targets->len; i++)
		usable += !((target *)g_ptr_array_index(u->targets, i))->bad;
	/* Servers that refused the account (its quota, or its status) are
	 * why when the others could not have made the upload happy even all
	 * together: say that, not only the counts of servers of happiness.
	 * Otherwise servers down or full are (also) why, and the refusal is
	 * only the last failure named. */
	if (u->refusal != NULL &&
	    u->targets->len - u->n_refused < u->p.happy) {
		fail(u, GRID_E_REFUSED, "%s (%u of %u server(s) refused this "
		    "account's upload; %u of %u share(s) placed, shares.happy "
		    "is %u)", u->refusal, u->n_refused, u->targets->len,
		    placed, u->p.n, u->p.happy);
		return;
	}
	fail(u, GRID_E_UNHAPPY, "shares could be placed on only %u "
	    "server(s) such that any %u of them have enough shares to recover "
	    "the file, but we were asked to place shares on at least %u such "
	    "servers (shares.happy): %u server(s) connected, %u usable, %u of "
	    "%u share(s) placed%s%s", happy, u->p.k, u->p.happy,
	    u->targets->len, usable, placed, u->p.n,
	    u->last_failure != NULL ? "; last failure: " : "",
	    u->last_failure != NULL ? u->last_failure : "");
}

/* A server failed: it holds nothing for this upload any more. */
static void
lose_target(grid_upload *u, target *t, const char *why)
{
	guint s;

	GHashTableIter it;
	gpointer k;

	if (t->bad)
		return;
	t->bad = TRUE;
	g_hash_table_iter_init(&it, u->calls);
	while (g_hash_table_iter_next(&it, &k, NULL)) {
		call_ctx *c = k;

		if (c->t == t && c->counted) {
			c->counted = FALSE;
			u->waiting--;
		}
	}
	g_free(u->last_failure);
	u->last_failure = g_strdup_printf("%s: %s", t->name, why);
	g_info("upload: lost server %s: %s", t->name, why);
	for (s = 0; s < GRID_HAPPY_MAX_SHARES; s++) {
		share *sh = &u->shares[s];

		if (sh->t != t)
			continue;
		rpc_ref_unref(g_steal_pointer(&sh->writer));
		sh->t = NULL;
		if (sh->buf != NULL)
			g_byte_array_set_size(sh->buf, 0);
	}
	memset(t->has, 0, sizeof(t->has));
	/* Once encoding started no share can move: what is left must be
	 * happy on its own. */
	if (u->ph >= PH_ENCODE && u->ph < PH_DONE) {
		guint h = happiness_now(u, FALSE);

		if (h < u->p.happy)
			fail_unhappy(u, h);
	}
}

static void
stall_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	grid_upload *u = RPC_CONTAINER_OF(w, grid_upload, stall);
	guint i;

	RPC_UNUSED(loop);
	RPC_UNUSED(revents);
	u->refs++;
	for (i = 0; i < u->targets->len && !u->notified; i++) {
		target *t = g_ptr_array_index(u->targets, i);

		if (t->calls > 0)
			lose_target(u, t, "no answer in time");
	}
	/* Answers that come later find their server already given up. */
	if (!u->notified)
		step(u);
	upload_unref(u);
}

/* ---- HASH ---- */

static gboolean
read_at(grid_upload *u, uint8_t *buf, size_t n, guint64 off)
{
	size_t done = 0;

	while (done < n) {
		ssize_t r = pread(u->fd, buf + done, n - done,
		    (off_t)(off + done));

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			fail(u, GRID_E_IO, "reading the file to upload: %s",
			    r < 0 ? g_strerror(errno) : "it got shorter");
			return FALSE;
		}
		done += (size_t)r;
	}
	return TRUE;
}

static int
cmp_ring(gconstpointer a, gconstpointer b)
{
	const target *x = *(target *const *)a, *y = *(target *const *)b;

	return memcmp(x->ring, y->ring, sizeof(x->ring));
}

static void enc_write(unsigned shnum, uint64_t offset, const uint8_t *p,
    size_t len, void *arg);

/* Key known: storage index, secrets per server, the encoder, the permuted
 * ring.  FALSE if the encoder refuses the parameters (then 'err'). */
static gboolean
key_done(grid_upload *u, GError **err)
{
	uint8_t client_r[GRID_HASH_LEN], client_c[GRID_HASH_LEN];
	uint8_t file_r[GRID_HASH_LEN], file_c[GRID_HASH_LEN];
	guint i;

	grid_hasher_final(u->h, u->key);
	grid_hasher_free(g_steal_pointer(&u->h));
	grid_storage_index(u->key, u->si);
	grid_client_renewal_secret(u->lease, sizeof(u->lease), client_r);
	grid_client_cancel_secret(u->lease, sizeof(u->lease), client_c);
	grid_file_renewal_secret(client_r, u->si, file_r);
	grid_file_cancel_secret(client_c, u->si, file_c);
	for (i = 0; i < u->targets->len; i++) {
		target *t = g_ptr_array_index(u->targets, i);
		GChecksum *ck = g_checksum_new(G_CHECKSUM_SHA1);
		gsize len = sizeof(t->ring);
		gsize slen;
		const guint8 *seed = g_bytes_get_data(t->perm_seed, &slen);

		/* Tahoe's permute_server_hash: SHA-1(si || seed). */
		g_checksum_update(ck, u->si, GRID_SI_LEN);
		g_checksum_update(ck, seed, slen);
		g_checksum_get_digest(ck, t->ring, &len);
		g_checksum_free(ck);
		grid_bucket_renewal_secret(file_r, t->lease_seed, t->renew);
		grid_bucket_cancel_secret(file_c, t->lease_seed, t->cancel);
	}
	for (i = 0; i < u->p.n; i++)
		u->shares[i].buf = g_byte_array_new();
	/* The encoder now, for the share size the allocations ask for (its
	 * share headers wait in the buffers). */
	u->enc = grid_chk_encoder_new(&u->p, u->size, u->key, enc_write, u,
	    err);
	if (u->enc == NULL)
		return FALSE;
	u->share_size = grid_chk_encoder_share_size(u->enc);
	/* Tahoe's _create_trackers: a server whose get_version says a
	 * share this size does not fit takes none, and is only asked what
	 * it holds. */
	for (i = 0; i < u->targets->len; i++) {
		target *t = g_ptr_array_index(u->targets, i);

		t->readonly = t->max_share < u->share_size;
	}
	g_ptr_array_sort(u->targets, cmp_ring);
	for (i = 0; i < u->targets->len; i++)
		((target *)g_ptr_array_index(u->targets, i))->idx = i;
	u->n_query = MIN(u->targets->len, 2 * u->p.n);
	sodium_memzero(client_r, sizeof(client_r));
	sodium_memzero(client_c, sizeof(client_c));
	sodium_memzero(file_r, sizeof(file_r));
	sodium_memzero(file_c, sizeof(file_c));
	return TRUE;
}

/* ---- QUERY ---- */

static void
buckets_cb(const msgpack_object *result, const rpc_refctx *refs,
    const GError *err, void *arg)
{
	call_ctx *c = arg;
	grid_upload *u = c->u;
	target *t = c->t;
	guint i;

	RPC_UNUSED(refs);
	if (!ctx_done(c))
		return;
	if (t->bad)
		goto out;
	if (err != NULL || result->type != MSGPACK_OBJECT_ARRAY) {
		/* Tahoe: a server that fails this query is bad. */
		lose_target(u, t, err != NULL ? err->message :
		    "bad get_buckets answer");
		goto out;
	}
	t->queried = TRUE;
	for (i = 0; i < result->via.array.size; i++) {
		const msgpack_object *pair = &result->via.array.ptr[i];

		if (pair->type == MSGPACK_OBJECT_ARRAY &&
		    pair->via.array.size == 2 &&
		    pair->via.array.ptr[0].type ==
		    MSGPACK_OBJECT_POSITIVE_INTEGER &&
		    pair->via.array.ptr[0].via.u64 < u->p.n)
			t->has[pair->via.array.ptr[0].via.u64] = true;
	}
	/* The readers in the answer are dropped with it: the uploader
	 * only needs to know which shares exist. */
out:
	if (u->waiting == 0)
		step(u);
}

static void
start_query(grid_upload *u)
{
	guint i;

	u->ph = PH_QUERY;
	ev_timer_set(&u->stall, 0.0, QUERY_TIMEOUT);
	for (i = 0; i < u->n_query; i++) {
		target *t = g_ptr_array_index(u->targets, i);
		rpc_pack *p = rpc_pack_new();

		t->in_2n = TRUE;
		rpc_pack_array(p, 1);
		rpc_pack_bin(p, u->si, GRID_SI_LEN);
		rpc_ref_call(t->ref, "get_buckets", p, buckets_cb,
		    ctx_new(u, t));
	}
	if (u->waiting == 0)
		step(u);
}

/* ---- PLACE ---- */

/* Whether a storage server's error is a refusal of the account rather
 * than of the server (full, failing): its quota, or its status. */
static const char *
refusal_kind(const GError *err)
{
	const char *type = err != NULL ? rpc_remote_error_type(err) : NULL;

	if (type == NULL)
		return NULL;
	if (strcmp(type, "grid.QuotaExceeded") == 0)
		return "quota exceeded";
	if (strcmp(type, "acct.Disabled") == 0 ||
	    strcmp(type, "acct.Terminated") == 0)
		return "account refused";
	return NULL;
}

static void
note_refusal(grid_upload *u, target *t, const GError *err)
{
	const char *kind = refusal_kind(err), *why;
	g_autofree char *prefix = NULL;

	if (kind == NULL || t->refused)
		return;
	t->refused = TRUE;
	u->n_refused++;
	if (u->refusal != NULL)
		return;
	/* The server's own words, without the tub's "remote TYPE: ". */
	prefix = g_strdup_printf("remote %s: ", rpc_remote_error_type(err));
	why = err->message;
	if (g_str_has_prefix(why, prefix))
		why += strlen(prefix);
	u->refusal = g_strdup_printf("%s: %s: %s", kind, t->name, why);
}

static void
allocate_cb(const msgpack_object *result, const rpc_refctx *refs,
    const GError *err, void *arg)
{
	call_ctx *c = arg;
	grid_upload *u = c->u;
	target *t = c->t;
	const msgpack_object *have, *pairs;
	gboolean progress = FALSE;
	guint i;

	if (!ctx_done(c))
		return;
	/* The writers in 'result' are valid only in this callback. */
	if (t->bad)
		goto out;
	if (err != NULL || result->type != MSGPACK_OBJECT_ARRAY ||
	    result->via.array.size != 2 ||
	    (have = &result->via.array.ptr[0])->type != MSGPACK_OBJECT_ARRAY ||
	    (pairs = &result->via.array.ptr[1])->type !=
	    MSGPACK_OBJECT_ARRAY) {
		/* Full, or failed: no new shares here (Tahoe marks it
		 * read-only, and it may still count for shares it holds). */
		g_free(u->last_failure);
		u->last_failure = g_strdup_printf("%s: %s", t->name,
		    err != NULL ? err->message : "bad allocate_buckets answer");
		note_refusal(u, t, err);
		t->readonly = TRUE;
		u->round_errors++;
		goto out;
	}
	for (i = 0; i < have->via.array.size; i++) {
		const msgpack_object *o = &have->via.array.ptr[i];

		if (o->type == MSGPACK_OBJECT_POSITIVE_INTEGER &&
		    o->via.u64 < u->p.n) {
			t->has[o->via.u64] = true;
			progress = TRUE;
		}
	}
	for (i = 0; i < pairs->via.array.size; i++) {
		const msgpack_object *pair = &pairs->via.array.ptr[i];
		rpc_ref *w = NULL;
		guint64 s;

		if (pair->type != MSGPACK_OBJECT_ARRAY ||
		    pair->via.array.size != 2 ||
		    pair->via.array.ptr[0].type !=
		    MSGPACK_OBJECT_POSITIVE_INTEGER ||
		    (s = pair->via.array.ptr[0].via.u64) >= u->p.n ||
		    !rpc_value_ref(refs, &pair->via.array.ptr[1], &w,
		    NULL) ||
		    w == NULL)
			continue;
		if (u->shares[s].writer != NULL) {
			/* Placed twice: keep the first, let this one go
			 * (dropping the reference aborts it). */
			continue;
		}
		u->shares[s].writer = rpc_ref_ref(w);
		u->shares[s].t = t;
		progress = TRUE;
	}
	if (!progress && t->n_asked > 0) {
		t->readonly = TRUE;	/* asked, took nothing: full */
		u->round_errors++;
	}
out:
	if (u->waiting == 0)
		step(u);
}

/* One round of placement and allocation, as Tahoe's loop body: each
 * server is asked for the shares placed on it (those it holds included,
 * so that their leases are renewed) when that set differs from what it
 * was last asked, and read-only servers are always asked (an empty ask
 * renews their leases).  Return the calls sent. */
static guint
place_round(grid_upload *u)
{
	guint P = u->n_query, S = u->p.n, i, s, sent = 0;
	g_autofree bool *ro = g_new0(bool, P);
	g_autofree bool *q = g_new0(bool, P);
	g_autofree bool *has = g_new0(bool, (gsize)P * S);
	int place[GRID_HAPPY_MAX_SHARES];
	grid_happy_servers hs = { P, ro, q, has };

	for (i = 0; i < P; i++) {
		target *t = g_ptr_array_index(u->targets, i);

		ro[i] = t->readonly || t->bad;
		q[i] = t->queried && !t->bad;
		for (s = 0; s < S && !t->bad; s++)
			has[i * S + s] = t->has[s];
	}
	(void)grid_happiness_place(&hs, S, place);
	u->round_errors = 0;
	for (i = 0; i < P; i++) {
		target *t = g_ptr_array_index(u->targets, i);
		bool want[GRID_HAPPY_MAX_SHARES] = { false };
		gboolean same = TRUE;
		guint n = 0;
		rpc_pack *p;

		if (t->bad)
			continue;
		for (s = 0; s < S; s++) {
			/* A share with a writer elsewhere stays there. */
			want[s] = place[s] == (int)i &&
			    (u->shares[s].writer == NULL ||
			    u->shares[s].t == t);
			n += want[s];
			same &= want[s] == t->asked[s];
		}
		if (same && !t->readonly)
			continue;
		if (n == 0 && !t->readonly)
			continue;
		memcpy(t->asked, want, sizeof(want));
		t->n_asked = n;
		p = rpc_pack_new();
		rpc_pack_array(p, 5);
		rpc_pack_bin(p, u->si, GRID_SI_LEN);
		rpc_pack_bin(p, t->renew, GRID_HASH_LEN);
		rpc_pack_bin(p, t->cancel, GRID_HASH_LEN);
		rpc_pack_array(p, n);
		for (s = 0; s < S; s++)
			if (want[s])
				rpc_pack_uint(p, s);
		rpc_pack_uint(p, u->share_size);
		rpc_ref_call(t->ref, "allocate_buckets", p, allocate_cb,
		    ctx_new(u, t));
		sent++;
	}
	return sent;
}

/* ---- ENCODE ---- */

static void
write_cb(const msgpack_object *result, const rpc_refctx *refs,
    const GError *err, void *arg)
{
	call_ctx *c = arg;
	grid_upload *u = c->u;
	target *t = c->t;

	RPC_UNUSED(refs);
	RPC_UNUSED(result);
	if (!ctx_done(c))
		return;
	if (err != NULL && !t->bad)
		lose_target(u, t, err->message);
	if (!u->notified && u->ph == PH_ENCODE)
		ev_idle_start(u->loop, &u->idle);
}

/* Send 'len' bytes of share 's' at 'offset' in write() calls of at most
 * GRID_SS_MAX_IO (while its writer exists). */
static void
send_share(grid_upload *u, guint s, guint64 offset, const uint8_t *data,
    size_t len)
{
	share *sh = &u->shares[s];
	size_t off = 0;

	while (sh->writer != NULL && off < len) {
		size_t n = MIN(len - off, GRID_SS_MAX_IO);
		call_ctx *c = ctx_new(u, sh->t);
		rpc_pack *p = rpc_pack_new();

		c->bytes = n;
		sh->t->bytes += n;
		rpc_pack_array(p, 2);
		rpc_pack_uint(p, offset + off);
		rpc_pack_bin(p, data + off, n);
		rpc_ref_call(sh->writer, "write", p, write_cb, c);
		off += n;
	}
}

static void
flush_share(grid_upload *u, guint s)
{
	share *sh = &u->shares[s];

	send_share(u, s, sh->buf_off, sh->buf->data, sh->buf->len);
	sh->buf_off += sh->buf->len;
	g_byte_array_set_size(sh->buf, 0);
}

/* The encoder's output: consecutive pieces of each share. */
static void
enc_write(unsigned shnum, uint64_t offset, const uint8_t *p, size_t len,
    void *arg)
{
	grid_upload *u = arg;
	share *sh = &u->shares[shnum];

	/* The share headers come when the encoder is made, before the
	 * writers exist: keep them until start_encode(). */
	if (sh->writer == NULL && u->ph >= PH_ENCODE)
		return;		/* held already, or its server was lost */
	/* A block big enough to go on its own goes from the encoder's
	 * buffer, without a copy into ours. */
	if (sh->buf->len == 0 && len >= WRITE_COALESCE &&
	    u->ph >= PH_ENCODE) {
		send_share(u, shnum, offset, p, len);
		return;
	}
	if (sh->buf->len > 0 && sh->buf_off + sh->buf->len != offset)
		flush_share(u, shnum);	/* not contiguous: never expected */
	if (sh->buf->len == 0)
		sh->buf_off = offset;
	g_byte_array_append(sh->buf, p, (guint)len);
	if (sh->buf->len >= WRITE_COALESCE && u->ph >= PH_ENCODE)
		flush_share(u, shnum);
}

static gboolean
window_full(grid_upload *u)
{
	guint i;

	for (i = 0; i < u->targets->len; i++) {
		target *t = g_ptr_array_index(u->targets, i);

		if (!t->bad && t->bytes > GRID_UPLOAD_WINDOW)
			return TRUE;
	}
	return FALSE;
}

static void
close_cb(const msgpack_object *result, const rpc_refctx *refs,
    const GError *err, void *arg)
{
	call_ctx *c = arg;
	grid_upload *u = c->u;
	target *t = c->t;
	guint s = c->shnum;

	RPC_UNUSED(refs);
	RPC_UNUSED(result);
	if (!ctx_done(c))
		return;
	if (err != NULL)
		lose_target(u, t, err->message);
	else if (u->shares[s].t == t)
		u->shares[s].closed = TRUE;
	if (u->waiting == 0)
		step(u);
}

static void
start_close(grid_upload *u)
{
	guint s;

	u->ph = PH_CLOSE;
	for (s = 0; s < u->p.n; s++) {
		share *sh = &u->shares[s];
		call_ctx *c;

		if (sh->writer == NULL)
			continue;
		flush_share(u, s);
		c = ctx_new(u, sh->t);
		c->shnum = s;
		rpc_ref_call(sh->writer, "close", NULL, close_cb, c);
	}
	if (u->waiting == 0)
		step(u);
}

static void
encode_some(grid_upload *u)
{
	g_autoptr(GError) err = NULL;
	const grid_chk_sizes *sz = grid_chk_encoder_sizes(u->enc);
	size_t n;

	if (window_full(u)) {
		ev_idle_stop(u->loop, &u->idle);	/* write_cb resumes */
		return;
	}
	if (u->pos < u->size) {
		n = (size_t)MIN(sz->segment_size, u->size - u->pos);
		if (!read_at(u, u->segbuf, n, u->pos))
			return;
		if (!grid_chk_encoder_write(u->enc, u->segbuf, n, &err)) {
			finish(u, err);
			return;
		}
		u->pos += n;
		return;
	}
	{
		grid_uri cap = { 0 };

		if (!grid_chk_encoder_finish(u->enc, &cap, &err)) {
			finish(u, err);
			return;
		}
		u->cap = grid_uri_to_string(&cap);
		grid_uri_clear(&cap);
	}
	ev_idle_stop(u->loop, &u->idle);
	start_close(u);
}

static void
start_encode(grid_upload *u)
{
	guint s;

	u->ph = PH_ENCODE;
	for (s = 0; s < u->p.n; s++)
		if (u->shares[s].writer == NULL)
			g_byte_array_set_size(u->shares[s].buf, 0);
	u->segbuf = g_malloc(grid_chk_encoder_sizes(u->enc)->segment_size);
	u->pos = 0;
	ev_timer_set(&u->stall, 0.0, GRID_UPLOAD_STALL);
	ev_idle_start(u->loop, &u->idle);
}

/* ---- the machine ---- */

/* Called when the calls of a phase are all answered (or given up). */
static void
step(grid_upload *u)
{
	guint h;

	if (u->notified || u->waiting > 0)
		return;
	ev_timer_stop(u->loop, &u->stall);
	switch (u->ph) {
	case PH_QUERY:
	case PH_PLACE:
		if (u->ph == PH_PLACE) {
			h = happiness_now(u, FALSE);
			/* Tahoe's loop: stop when happy, when a round did
			 * not improve, or when no query failed in it. */
			if (h >= u->p.happy || h == u->last_happy ||
			    u->round_errors == 0) {
				if (h < u->p.happy) {
					fail_unhappy(u, h);
					return;
				}
				start_encode(u);
				return;
			}
			u->last_happy = h;
		}
		u->ph = PH_PLACE;
		ev_timer_set(&u->stall, 0.0, QUERY_TIMEOUT);
		if (place_round(u) == 0) {
			h = happiness_now(u, FALSE);
			if (h < u->p.happy) {
				fail_unhappy(u, h);
				return;
			}
			start_encode(u);
		}
		return;
	case PH_CLOSE:
		h = happiness_now(u, TRUE);
		if (h < u->p.happy) {
			fail_unhappy(u, h);
			return;
		}
		g_info("uploaded a file of %" G_GUINT64_FORMAT " bytes: "
		    "happiness %u, shares on %u server(s)", u->size, h,
		    servers_with_shares(u));
		finish(u, NULL);
		return;
	case PH_ENCODE:
		if (window_full(u))
			return;
		ev_idle_start(u->loop, &u->idle);
		return;
	default:
		return;
	}
}

static void
idle_cb(struct ev_loop *loop, ev_idle *w, int revents)
{
	grid_upload *u = RPC_CONTAINER_OF(w, grid_upload, idle);
	size_t n;

	RPC_UNUSED(loop);
	RPC_UNUSED(revents);
	u->refs++;
	switch (u->ph) {
	case PH_HASH:
		if (u->start_err != NULL) {
			finish(u, u->start_err);
			break;
		}
		if (u->size <= GRID_URI_LIT_THRESHOLD) {
			grid_uri lit = { 0 };
			uint8_t buf[GRID_URI_LIT_THRESHOLD + 1];

			if (read_at(u, buf, (size_t)u->size, 0)) {
				lit.kind = GRID_URI_LIT;
				lit.lit = g_memdup2(buf, (gsize)u->size + 1);
				lit.lit_len = (size_t)u->size;
				lit.size = u->size;
				u->cap = grid_uri_to_string(&lit);
				grid_uri_clear(&lit);
				finish(u, NULL);
			}
			break;
		}
		n = (size_t)MIN(HASH_CHUNK, u->size - u->pos);
		if (!read_at(u, u->segbuf, n, u->pos))
			break;
		grid_hasher_update(u->h, u->segbuf, n);
		u->pos += n;
		if (u->pos == u->size) {
			ev_idle_stop(u->loop, &u->idle);
			g_autoptr(GError) err = NULL;

			g_free(g_steal_pointer(&u->segbuf));
			if (!key_done(u, &err))
				finish(u, err);
			else
				start_query(u);
		}
		break;
	case PH_ENCODE:
		encode_some(u);
		break;
	default:
		ev_idle_stop(u->loop, &u->idle);
		break;
	}
	upload_unref(u);
}

grid_upload *
grid_upload_start(struct ev_loop *loop, const grid_chk_params *p,
    const uint8_t *conv, size_t conv_len, const uint8_t *lease,
    const grid_upload_server *s, size_t n, int fd, guint64 size,
    grid_upload_fn *fn, void *arg)
{
	grid_upload *u = g_new0(grid_upload, 1);
	grid_chk_sizes sz;
	size_t i;

	u->loop = loop;
	u->calls = g_hash_table_new(g_direct_hash, g_direct_equal);
	u->p = *p;
	u->fd = fd;
	u->size = size;
	u->fn = fn;
	u->arg = arg;
	u->refs = 1;
	g_return_val_if_fail(conv_len <= sizeof(u->conv), NULL);
	memcpy(u->conv, conv, conv_len);
	u->conv_len = conv_len;
	memcpy(u->lease, lease, sizeof(u->lease));
	u->targets = g_ptr_array_new();
	ev_idle_init(&u->idle, idle_cb);
	ev_init(&u->stall, stall_cb);
	for (i = 0; i < n; i++) {
		target *t = g_new0(target, 1);

		t->ref = rpc_ref_ref(s[i].ref);
		t->name = g_strdup(s[i].name);
		memcpy(t->lease_seed, s[i].tubid, GRID_NODEID_LEN);
		t->perm_seed = g_bytes_new(s[i].perm_seed, s[i].perm_seed_len);
		t->max_share = s[i].max_share;
		g_ptr_array_add(u->targets, t);
	}
	if (size > GRID_URI_LIT_THRESHOLD) {
		/* A refusal is reported from the loop, never inside this
		 * call. */
		if (!grid_chk_sizes_init(p, size, &sz, &u->start_err) ||
		    (u->h = grid_convergence_hasher_new(p->k, p->n,
		    sz.segment_size, conv, conv_len, &u->start_err)) == NULL)
			g_prefix_error(&u->start_err, "upload: ");
		u->segbuf = g_malloc(HASH_CHUNK);
	}
	u->ph = PH_HASH;
	ev_idle_start(loop, &u->idle);
	return u;
}

void
grid_upload_cancel(grid_upload *u)
{
	g_autoptr(GError) err = g_error_new_literal(RPC_ERROR, RPC_E_CANCELLED,
	    "the upload was cancelled");

	u->refs++;
	finish(u, err);
	upload_unref(u);
}

guint64
grid_upload_progress(const grid_upload *u)
{
	return u->ph >= PH_ENCODE ? u->pos : 0;
}

/* rpc/conn.c -- one connection between two tubs: the handshake's I/O,
 * encrypted framing, message dispatch, the per-connection tables of exports
 * (objects the peer may name), imports (remote references) and pending
 * calls, and the API of references and calls.
 *
 * Which connection to keep when two exist, dialling, listening and the
 * registry of names live in tub.c.  Every read of peer bytes goes through
 * frame.c (lengths and tags), rpc_mp_prescan() (counts and depth, before
 * msgpack-c allocates) and msg.c (shapes and types) before it is used. */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <sodium.h>

#include "rpc/base32.h"
#include "rpc/common.h"
#include "rpc/err.h"
#include "rpc/msg.h"
#include "rpc/obj.h"
#include "rpc/pack.h"
#include "rpc/tub-internal.h"

/* Read at least this much at a time (a big frame grows the buffer). */
#define READ_CHUNK	(128 * 1024)
/* While sealing a large message, write out what is sealed whenever this
 * much is queued, so the peer decrypts while we encrypt. */
#define WRITE_EARLY	(128 * 1024)
/* Largest frame a peer may send before authenticating (AUTH is 112). */
#define HS_FRAME_MAX	256

struct export {
	rpc_obj		*obj;		/* owned reference */
	uint32_t	 id;
	uint64_t	 count;		/* times sent, less DECREFs */
};

struct rpc_call {
	rpc_conn	*conn;		/* owned reference */
	uint64_t	 qid;
	rpc_answer_fn	*fn;
	void		*arg;
	rpc_getref	*getref;	/* set for a LOOKUP */
	GError		*error;		/* outcome, when deferred */
};

struct observer {
	guint			 id;
	rpc_disconnect_fn	*fn;
	void			*arg;
	rpc_conn		*conn;	/* owned while a notice is queued */
};

struct rpc_incall {
	rpc_conn	*conn;		/* owned reference */
	const rpc_method *method;
	uint64_t	 qid;		/* 0: one-way */
	char		 peer[RPC_TUBID_LEN + 1];
};

static void conn_read_cb(struct ev_loop *loop, ev_io *w, int revents);
static void conn_write_cb(struct ev_loop *loop, ev_io *w, int revents);
static void conn_hs_timeout_cb(struct ev_loop *loop, ev_timer *w,
    int revents);
static void export_free(void *p);
static void conn_ka_cb(struct ev_loop *loop, ev_timer *w, int revents);

rpc_conn *
rpci_conn_new(rpc_tub *tub, int fd, rpc_hs_role role, const char *peer_addr)
{
	rpc_conn *c = g_new0(rpc_conn, 1);

	c->refcnt = 1;
	c->tub = tub;
	c->fd = fd;
	c->role = role;
	c->state = CONN_CONNECTING;
	g_strlcpy(c->peer_addr, peer_addr, sizeof(c->peer_addr));
	ev_io_init(&c->rd, conn_read_cb, fd, EV_READ);
	ev_io_init(&c->wr, conn_write_cb, fd, EV_WRITE);
	ev_timer_init(&c->hs_timer, conn_hs_timeout_cb,
	    tub->lim.handshake_timeout, 0.);
	c->in = g_byte_array_new();
	c->msg = g_byte_array_new();
	c->out = g_byte_array_new();
	msgpack_sbuffer_init(&c->sb);
	msgpack_packer_init(&c->pk, &c->sb, msgpack_sbuffer_write);
	c->next_qid = 1;
	c->next_export = 1;
	c->pending = g_hash_table_new(g_int64_hash, g_int64_equal);
	c->exports = g_hash_table_new_full(g_int_hash, g_int_equal, NULL,
	    export_free);
	c->export_ids = g_hash_table_new(g_direct_hash, g_direct_equal);
	c->imports = g_hash_table_new(g_int_hash, g_int_equal);
	c->decrefs = g_array_new(FALSE, FALSE, sizeof(uint64_t) * 2);
	c->gifts = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL,
	    (GDestroyNotify)rpc_ref_unref);
	c->next_gift = 1;
	g_queue_init(&c->held);
	c->observers = g_hash_table_new_full(g_direct_hash, g_direct_equal,
	    NULL, g_free);
	ev_timer_init(&c->ka_timer, conn_ka_cb, 0., 0.);
	ev_timer_start(tub->loop, &c->hs_timer);
	g_hash_table_add(tub->every_conn, c);
	return c;
}

rpc_conn *
rpci_conn_ref(rpc_conn *c)
{
	c->refcnt++;
	return c;
}

void
rpci_conn_unref(rpc_conn *c)
{
	if (c == NULL)
		return;
	g_assert(c->refcnt > 0);
	if (--c->refcnt > 0)
		return;
	g_assert(c->state == CONN_CLOSED);
	if (c->tub != NULL)
		g_hash_table_remove(c->tub->every_conn, c);
	g_hash_table_destroy(c->pending);
	g_hash_table_destroy(c->exports);
	g_hash_table_destroy(c->export_ids);
	g_hash_table_destroy(c->imports);
	g_array_free(c->decrefs, TRUE);
	g_hash_table_destroy(c->gifts);
	g_hash_table_destroy(c->observers);
	g_byte_array_free(c->in, TRUE);
	g_byte_array_free(c->msg, TRUE);
	g_byte_array_free(c->out, TRUE);
	msgpack_sbuffer_destroy(&c->sb);
	if (c->pt != NULL) {
		sodium_memzero(c->pt, c->pt_cap);
		g_free(c->pt);
	}
	rpc_hs_clear(&c->hs);
	rpc_aead_clear(&c->tx);
	rpc_aead_clear(&c->rx);
	g_free(c->error);
	g_free(c);
}

static void
export_free(void *p)
{
	struct export *ex = p;

	rpc_obj_unref(ex->obj);
	g_free(ex);
}

/* ---- output ---- */

/* Seal 'len' bytes of plaintext into the output queue. */
/* Write what can be written now without blocking; errors are left for
 * rpci_conn_flush() to find and act on at the end of the loop pass. */
static void
write_some(rpc_conn *c)
{
	while (c->out_off < c->out->len) {
		ssize_t w = send(c->fd, c->out->data + c->out_off,
		    c->out->len - c->out_off, MSG_NOSIGNAL | MSG_DONTWAIT);

		if (w <= 0)
			return;
		c->out_off += (size_t)w;
	}
}

/* Seal 'len' bytes of one message into the output queue, as frames of at
 * most RPC_FRAME_CHUNK bytes (doc/protocol.md §4). */
static int
send_plain(rpc_conn *c, const uint8_t *pt, size_t len)
{
	size_t off = 0;

	if (c->state == CONN_CLOSED || c->closing)
		return RPC_E_CLOSED;
	do {
		size_t n = MIN(len - off, RPC_FRAME_CHUNK);
		size_t old = c->out->len;
		bool more = off + n < len;

		/* Reclaim what was written before growing the queue. */
		if (c->out_off > 0 && c->out_off == old) {
			g_byte_array_set_size(c->out, 0);
			c->out_off = old = 0;
		}
		g_byte_array_set_size(c->out, (guint)(old + rpc_frame_size(n)));
		rpc_frame_seal_part(&c->tx, pt + off, n, more,
		    c->out->data + old);
		off += n;
		if (more && c->state == CONN_OPEN &&
		    c->out->len - c->out_off >= WRITE_EARLY)
			write_some(c);
	} while (off < len);
	if (c->tub != NULL)
		rpci_tub_want_flush(c->tub, c);
	return 0;
}

/* Send the message built in c->sb, unless it is over the frame limit. */
int
rpci_conn_send_built(rpc_conn *c)
{
	int r;

	if (c->sb.size > c->tub->lim.max_frame)
		r = RPC_E_TOOBIG;
	else
		r = send_plain(c, (const uint8_t *)c->sb.data, c->sb.size);
	msgpack_sbuffer_clear(&c->sb);
	return r;
}

static void
send_raw(rpc_conn *c, const uint8_t *p, size_t len)
{
	g_byte_array_append(c->out, p, (guint)len);
	if (c->tub != NULL)
		rpci_tub_want_flush(c->tub, c);
}

void
rpci_conn_flush(rpc_conn *c)
{
	if (c->state == CONN_CLOSED || c->state == CONN_CONNECTING)
		return;
	if (c->decrefs->len > 0)
		rpci_conn_send_decrefs(c);
	while (c->out_off < c->out->len) {
		/* MSG_NOSIGNAL: a peer that vanished must not raise SIGPIPE
		 * in a process that never asked for it. */
		ssize_t w = send(c->fd, c->out->data + c->out_off,
		    c->out->len - c->out_off, MSG_NOSIGNAL);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			ev_io_start(c->tub->loop, &c->wr);
			return;
		}
		if (w < 0) {
			rpci_conn_close(c, RPC_E_CLOSED, "write failed: %s",
			    g_strerror(errno));
			return;
		}
		c->out_off += (size_t)w;
	}
	g_byte_array_set_size(c->out, 0);
	c->out_off = 0;
	ev_io_stop(c->tub->loop, &c->wr);
	if (c->closing)
		rpci_conn_close(c, c->error_code, "%s", c->error);
}

static void
conn_write_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	rpc_conn *c = RPC_CONTAINER_OF(w, rpc_conn, wr);

	RPC_UNUSED(loop);
	RPC_UNUSED(revents);
	rpci_conn_ref(c);
	if (c->state == CONN_CONNECTING) {
		int err = 0;
		socklen_t len = sizeof(err);

		if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0)
			err = errno;
		if (err != 0)
			rpci_conn_close(c, RPC_E_SYSTEM, "cannot connect to %s: %s",
			    c->peer_addr, g_strerror(err));
		else
			rpci_conn_start(c);
	}
	rpci_conn_flush(c);
	rpci_conn_unref(c);
}

/* ---- closing ---- */

static void
call_free(rpc_call *call)
{
	rpci_conn_unref(call->conn);
	g_clear_error(&call->error);
	g_free(call);
}

static void
call_deferred_cb(void *arg)
{
	rpc_call *call = arg;

	if (call->getref != NULL)
		rpci_getref_finish(call->getref, NULL, call->error);
	else if (call->fn != NULL)
		call->fn(NULL, call->error, call->arg);
	call_free(call);
}

/* Complete 'call' (already out of the pending table) later with 'err'
 * (taken). */
static void
call_defer_error(rpc_call *call, GError *err)
{
	call->error = err;
	if (call->conn->tub != NULL)
		rpci_tub_defer(call->conn->tub, call_deferred_cb, call);
	else
		call_deferred_cb(call);
}

/* Move a LOOKUP that this connection can no longer answer to another open
 * connection to the same tub, if there is one (see the rule on duplicate
 * connections in doc/protocol.md §3.4). */
static bool
lookup_retry(rpc_conn *c, rpc_call *call)
{
	rpc_conn *other;

	if (c->tub == NULL || c->tub->freeing)
		return false;
	other = g_hash_table_lookup(c->tub->conns, c->peer_tubid);
	if (other == NULL || other == c || other->state != CONN_OPEN)
		return false;
	rpci_conn_send_lookup(other, call->getref);
	call->getref = NULL;
	call_free(call);
	return true;
}

static void
observer_deferred_cb(void *arg)
{
	struct observer *o = arg;
	rpc_conn *c = o->conn;

	/* Skip observers removed after the notice was queued. */
	if (g_hash_table_lookup(c->observers, GUINT_TO_POINTER(o->id)) == o) {
		g_hash_table_steal(c->observers, GUINT_TO_POINTER(o->id));
		o->fn(o->arg);
	}
	g_free(o);
	rpci_conn_unref(c);
}

/* Queue a notice to every disconnect observer of 'c'. */
static void
notify_observers(rpc_conn *c)
{
	GHashTableIter it;
	gpointer k, v;

	g_hash_table_iter_init(&it, c->observers);
	while (g_hash_table_iter_next(&it, &k, &v)) {
		struct observer *o = v;

		o->conn = rpci_conn_ref(c);
		if (c->tub != NULL && !c->tub->freeing)
			rpci_tub_defer(c->tub, observer_deferred_cb, o);
		else
			observer_deferred_cb(o);
	}
}

void
rpci_conn_close(rpc_conn *c, int code, const char *fmt, ...)
{
	GHashTableIter iter;
	gpointer k, v;
	GList *calls, *l;
	rpc_tub *tub = c->tub;
	va_list ap;

	if (c->state == CONN_CLOSED)
		return;
	if (c->error == NULL || !c->closing) {
		g_free(c->error);
		va_start(ap, fmt);
		c->error = g_strdup_vprintf(fmt, ap);
		va_end(ap);
		c->error_code = code;
	}
	c->closing = false;
	c->state = CONN_CLOSED;
	if (tub != NULL) {
		ev_io_stop(tub->loop, &c->rd);
		ev_io_stop(tub->loop, &c->wr);
		ev_timer_stop(tub->loop, &c->hs_timer);
		ev_timer_stop(tub->loop, &c->ka_timer);
	}
	if (c->fd >= 0) {
		close(c->fd);
		c->fd = -1;
	}
	if (c->listener != NULL) {
		c->listener->n_unauth--;
		c->listener = NULL;
	}

	/* Fail every pending call; a LOOKUP may move to another connection. */
	calls = g_hash_table_get_values(c->pending);
	g_hash_table_remove_all(c->pending);
	for (l = calls; l != NULL; l = l->next) {
		rpc_call *call = l->data;

		if (call->getref != NULL && lookup_retry(c, call))
			continue;
		if (call->getref != NULL && c->dup && tub != NULL &&
		    !tub->freeing) {
			/* The surviving connection is on its way. */
			rpci_tub_requeue_lookup(tub, call->getref);
			call->getref = NULL;
			call_free(call);
			continue;
		}
		call_defer_error(call, g_error_new(RPC_ERROR,
		    code == RPC_E_MISMATCH || code == RPC_E_TIMEOUT ?
		    code : RPC_E_CLOSED, "%s", c->error));
	}
	g_list_free(calls);

	/* References into this connection stay allocated but dead. */
	g_hash_table_iter_init(&iter, c->imports);
	while (g_hash_table_iter_next(&iter, &k, &v))
		g_hash_table_iter_remove(&iter);
	g_array_set_size(c->decrefs, 0);
	rpci_values_drop_held(c);
	g_hash_table_remove_all(c->gifts);
	notify_observers(c);
	g_hash_table_remove_all(c->export_ids);
	g_hash_table_remove_all(c->exports);
	g_byte_array_set_size(c->out, 0);
	c->out_off = 0;
	g_byte_array_set_size(c->in, 0);
	c->in_off = 0;
	g_byte_array_set_size(c->msg, 0);

	if (tub != NULL)
		rpci_tub_conn_closed(tub, c);
}

/* Stop reading and close once the queued output is written (or the
 * handshake deadline passes). */
static void
conn_close_after_flush(rpc_conn *c, int code, const char *why)
{
	g_free(c->error);
	c->error = g_strdup(why);
	c->error_code = code;
	c->closing = true;
	ev_io_stop(c->tub->loop, &c->rd);
	rpci_conn_flush(c);
}

void
rpci_conn_abort(rpc_conn *c, const char *reason)
{
	if (c->state == CONN_CLOSED || c->closing)
		return;
	/* A duplicate is routine (§3.4 of doc/protocol.md); the rest are the
	 * peer's fault and worth a line in the log. */
	if (c->tub != NULL && strcmp(reason, RPC_ABORT_DUPLICATE) == 0)
		g_info("closing duplicate connection %s (%s)", c->peer_addr,
		    c->peer_tubid);
	else if (c->tub != NULL)
		g_message("closing connection %s (%s): %s", c->peer_addr,
		    c->state == CONN_OPEN ? c->peer_tubid : "unauthenticated",
		    reason);
	if (c->state == CONN_OPEN) {
		g_autofree char *why = g_strdup_printf("aborted: %s", reason);

		rpc_msg_pack_abort(&c->pk, reason);
		rpci_conn_send_built(c);
		conn_close_after_flush(c, RPC_E_CLOSED, why);
		return;
	}
	rpci_conn_close(c, RPC_E_CLOSED, "%s", reason);
}

static void
conn_hs_timeout_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	rpc_conn *c = RPC_CONTAINER_OF(w, rpc_conn, hs_timer);

	RPC_UNUSED(loop);
	RPC_UNUSED(revents);
	rpci_conn_ref(c);
	if (c->state != CONN_OPEN) {
		g_message("closing connection %s: handshake timed out",
		    c->peer_addr);
		rpci_conn_close(c, RPC_E_TIMEOUT, "handshake with %s timed out",
		    c->peer_addr);
	} else if (c->closing) {
		rpci_conn_close(c, c->error_code, "%s", c->error);
	}
	rpci_conn_unref(c);
}

/* ---- keepalive ---- */

/* Arm the timer for the next PING or the disconnect deadline. */
static void
conn_ka_schedule(rpc_conn *c)
{
	const rpc_limits *lim = &c->tub->lim;
	ev_tstamp now = ev_now(c->tub->loop), next = 0;

	if (lim->keepalive > 0)
		next = MAX(c->last_rx, c->last_ping) + lim->keepalive;
	if (lim->disconnect_timeout > 0 && (next == 0 ||
	    c->last_rx + lim->disconnect_timeout < next))
		next = c->last_rx + lim->disconnect_timeout;
	if (next == 0)
		return;
	ev_timer_stop(c->tub->loop, &c->ka_timer);
	ev_timer_set(&c->ka_timer, MAX(next - now, 0.001), 0.);
	ev_timer_start(c->tub->loop, &c->ka_timer);
}

static void
conn_ka_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	rpc_conn *c = RPC_CONTAINER_OF(w, rpc_conn, ka_timer);
	const rpc_limits *lim = &c->tub->lim;
	ev_tstamp now = ev_now(loop), idle = now - c->last_rx;

	RPC_UNUSED(revents);
	if (c->state != CONN_OPEN || c->closing)
		return;
	rpci_conn_ref(c);
	if (lim->disconnect_timeout > 0 && idle >= lim->disconnect_timeout) {
		g_message("closing connection %s (%s): nothing received for "
		    "%.1f s", c->peer_addr, c->peer_tubid, idle);
		rpci_conn_close(c, RPC_E_TIMEOUT, "%s stopped responding (nothing "
		    "received for %.1f s)", c->peer_tubid, idle);
	} else {
		if (lim->keepalive > 0 && now - MAX(c->last_rx, c->last_ping)
		    >= lim->keepalive) {
			rpc_msg_pack_ping(&c->pk, RPC_MSG_PING, (uint64_t)now);
			rpci_conn_send_built(c);
			c->last_ping = now;
		}
		conn_ka_schedule(c);
	}
	rpci_conn_unref(c);
}

/* ---- handshake ---- */

static void
send_auth(rpc_conn *c)
{
	uint8_t auth[RPC_HS_AUTH_LEN];

	rpc_hs_auth(&c->hs, c->tub->ident, c->tub->incarnation,
	    c->role == RPC_HS_CLIENT ? c->target : NULL, auth);
	send_plain(c, auth, sizeof(auth));
}

void
rpci_conn_start(rpc_conn *c)
{
	uint8_t hello[RPC_HS_HELLO_LEN];

	rpc_hs_init(&c->hs, c->role, NULL);
	rpc_hs_hello(&c->hs, hello);
	c->state = CONN_HELLO;
	send_raw(c, hello, sizeof(hello));
	c->reading = true;
	ev_io_start(c->tub->loop, &c->rd);
}

static void
handle_hello(rpc_conn *c, const uint8_t *p)
{
	int r = rpc_hs_read_hello(&c->hs, p, RPC_HS_HELLO_LEN);

	if (r != 0) {
		rpci_conn_abort(c, r == RPC_E_FORMAT ? "not a tub/1 handshake" :
		    "unsupported handshake version or bad key");
		return;
	}
	rpc_aead_init(&c->tx, c->hs.k_send);
	rpc_aead_init(&c->rx, c->hs.k_recv);
	c->state = CONN_AUTH;
	/* The client proves itself first; the server answers only after
	 * checking it and deciding whether to keep the connection. */
	if (c->role == RPC_HS_CLIENT)
		send_auth(c);
}

static void
handle_auth(rpc_conn *c, const uint8_t *pt, size_t len)
{
	const uint8_t *target = c->role == RPC_HS_SERVER ?
	    rpc_ident_tubid_raw(c->tub->ident) : NULL;

	if (rpc_hs_check_auth(&c->hs, pt, len, target, c->peer_pk,
	    c->peer_inc) != 0) {
		if (c->role == RPC_HS_SERVER) {
			/* The client may simply have meant another tub (its
			 * FURL's tubid is signed): prove who we are so that it
			 * can report the mismatch, then close. */
			send_auth(c);
			g_message("closing connection %s: client "
			    "authentication failed", c->peer_addr);
			conn_close_after_flush(c, RPC_E_CRYPTO,
			    "client authentication failed");
			return;
		}
		rpci_conn_abort(c, "server authentication failed");
		return;
	}
	rpc_tubid_from_pk(c->peer_pk, c->peer_tubid_raw);
	rpc_base32_encode_to(c->peer_tubid, sizeof(c->peer_tubid),
	    c->peer_tubid_raw, RPC_TUBID_RAW);
	if (c->role == RPC_HS_CLIENT &&
	    sodium_memcmp(c->peer_tubid_raw, c->target, RPC_TUBID_RAW) != 0) {
		g_autofree char *want = rpc_base32_encode(c->target,
		    RPC_TUBID_RAW);

		rpci_conn_close(c, RPC_E_MISMATCH,
		    "tubid mismatch: the server at %s is %s, the FURL names %s",
		    c->peer_addr, c->peer_tubid, want);
		return;
	}
	if (c->role == RPC_HS_SERVER)
		send_auth(c);
	rpc_hs_clear(&c->hs);
	c->state = CONN_OPEN;
	ev_timer_stop(c->tub->loop, &c->hs_timer);
	c->last_rx = c->last_ping = ev_now(c->tub->loop);
	conn_ka_schedule(c);
	if (c->listener != NULL) {
		c->listener->n_unauth--;
		c->listener = NULL;
	}
	rpci_tub_conn_opened(c->tub, c);
}

/* ---- exports and imports ---- */

/* The id under which the peer may name 'obj', counting one more send.
 * Return 0 if the export table is full. */
uint32_t
rpci_conn_export(rpc_conn *c, rpc_obj *obj)
{
	gpointer idp = g_hash_table_lookup(c->export_ids, obj);
	struct export *ex;

	if (idp != NULL) {
		uint32_t id = GPOINTER_TO_UINT(idp);

		ex = g_hash_table_lookup(c->exports, &id);
		ex->count++;
		return id;
	}
	if (g_hash_table_size(c->exports) >= c->tub->lim.max_exports)
		return 0;
	ex = g_new0(struct export, 1);
	do {
		ex->id = c->next_export++;
	} while (ex->id == 0 || g_hash_table_contains(c->exports, &ex->id));
	ex->obj = rpc_obj_ref(obj);
	ex->count = 1;
	g_hash_table_insert(c->exports, &ex->id, ex);
	g_hash_table_insert(c->export_ids, obj, GUINT_TO_POINTER(ex->id));
	return ex->id;
}

rpc_obj *
rpci_conn_exported(rpc_conn *c, uint32_t id)
{
	struct export *ex = g_hash_table_lookup(c->exports, &id);

	return ex != NULL ? ex->obj : NULL;
}

/* A remote reference for id 'id' sent by the peer (one more receipt),
 * with the object's FURL if the peer sent one. */
rpc_ref *
rpci_conn_import(rpc_conn *c, uint32_t id, rpc_furl *furl)
{
	rpc_ref *ref = g_hash_table_lookup(c->imports, &id);

	if (ref != NULL) {
		ref->received++;
		rpc_ref_ref(ref);
	} else {
		if (g_hash_table_size(c->imports) >=
		    c->tub->lim.max_imports) {
			rpc_furl_free(furl);
			return NULL;
		}
		ref = g_new0(rpc_ref, 1);
		ref->refcnt = 1;
		ref->conn = rpci_conn_ref(c);
		ref->id = id;
		ref->received = 1;
		g_strlcpy(ref->tubid, c->peer_tubid, sizeof(ref->tubid));
		g_hash_table_insert(c->imports, &ref->id, ref);
	}
	if (ref->furl == NULL)
		ref->furl = furl;
	else
		rpc_furl_free(furl);
	return ref;
}

void
rpci_conn_send_decrefs(rpc_conn *c)
{
	guint i, n;

	while (c->decrefs->len > 0 && c->state == CONN_OPEN) {
		n = MIN(c->decrefs->len, RPC_DECREF_MAX);
		msgpack_pack_array(&c->pk, 2);
		msgpack_pack_uint8(&c->pk, RPC_MSG_DECREF);
		msgpack_pack_array(&c->pk, n);
		for (i = 0; i < n; i++) {
			uint64_t *pair = &g_array_index(c->decrefs, uint64_t,
			    i * 2);

			msgpack_pack_array(&c->pk, 2);
			msgpack_pack_uint64(&c->pk, pair[0]);
			msgpack_pack_uint64(&c->pk, pair[1]);
		}
		g_array_remove_range(c->decrefs, 0, n);
		rpci_conn_send_built(c);
	}
}

static void
handle_decref(rpc_conn *c, rpc_mp *list)
{
	while (rpc_mp_left(list) > 0) {
		rpc_mp pair;
		uint64_t id, count;
		uint32_t key;
		struct export *ex;

		if (rpc_mp_sub(list, &pair, 2, 2) != 0 ||
		    rpc_mp_uint(&pair, UINT32_MAX, &id) != 0 ||
		    rpc_mp_uint(&pair, UINT64_MAX, &count) != 0) {
			rpci_conn_abort(c, "malformed DECREF");
			return;
		}
		key = (uint32_t)id;
		ex = g_hash_table_lookup(c->exports, &key);
		if (ex == NULL || count == 0 || count > ex->count) {
			rpci_conn_abort(c, "DECREF of an id not held");
			return;
		}
		ex->count -= count;
		if (ex->count == 0) {
			g_hash_table_remove(c->export_ids, ex->obj);
			g_hash_table_remove(c->exports, &key);
		}
	}
}

/* ---- outgoing calls ---- */

static rpc_call *
call_new(rpc_conn *c, rpc_answer_fn *fn, void *arg)
{
	rpc_call *call = g_new0(rpc_call, 1);

	call->conn = rpci_conn_ref(c);
	call->fn = fn;
	call->arg = arg;
	return call;
}

/* Check that 'c' can take one more call; if not, queue the failure. */
static bool
call_admit(rpc_conn *c, rpc_call *call)
{
	if (c->state != CONN_OPEN || c->closing) {
		call_defer_error(call, g_error_new(RPC_ERROR, RPC_E_CLOSED,
		    "connection to %s is gone: %s", c->peer_tubid,
		    c->error != NULL ? c->error : "closed"));
		return false;
	}
	if (g_hash_table_size(c->pending) >= c->tub->lim.max_outstanding ||
	    c->out->len - c->out_off > c->tub->lim.max_outbuf) {
		call_defer_error(call, g_error_new(RPC_ERROR, RPC_E_TOOBIG,
		    "overloaded: too many calls outstanding to %s",
		    c->peer_tubid));
		return false;
	}
	return true;
}

static uint64_t
next_qid(rpc_conn *c)
{
	uint64_t q = c->next_qid++;

	if (c->next_qid > UINT32_MAX)
		c->next_qid = 1;
	return q;
}

void
rpci_conn_send_lookup(rpc_conn *c, rpc_getref *g)
{
	rpc_call *call = call_new(c, NULL, NULL);

	call->getref = g;
	if (!call_admit(c, call))
		return;
	call->qid = next_qid(c);
	g_hash_table_insert(c->pending, &call->qid, call);
	if (c->decrefs->len > 0)
		rpci_conn_send_decrefs(c);
	rpc_msg_pack_lookup(&c->pk, call->qid, rpc_furl_swissnum(g->furl));
	rpci_conn_send_built(c);
}

static bool
build_call(rpc_conn *c, uint64_t qid, uint32_t target, const char *method,
    rpc_pack *args, GError **err)
{
	static const uint8_t empty = 0x90;	/* fixarray of 0 */
	int r;

	/* DECREFs queued earlier go first, so the peer sees our releases in
	 * the order they happened relative to this call. */
	if (c->decrefs->len > 0)
		rpci_conn_send_decrefs(c);
	rpc_msg_pack_call_head(&c->pk, qid, target, method);
	if (args != NULL) {
		if (!rpci_values_render(c, args, err)) {
			msgpack_sbuffer_clear(&c->sb);
			return false;
		}
	} else {
		msgpack_sbuffer_write(&c->sb, (const char *)&empty, 1);
	}
	if ((r = rpci_conn_send_built(c)) != 0) {
		g_set_error(err, RPC_ERROR, r, "call to %s.%s: %s",
		    c->peer_tubid, method, r == RPC_E_TOOBIG ?
		    "arguments exceed the frame limit" : rpc_strerror(r));
		return false;
	}
	return true;
}

rpc_call *
rpc_ref_call(rpc_ref *ref, const char *method, rpc_pack *args,
    rpc_answer_fn *fn, void *arg)
{
	rpc_conn *c;
	rpc_call *call;
	GError *err = NULL;

	g_return_val_if_fail(ref != NULL && method != NULL && fn != NULL,
	    NULL);
	g_return_val_if_fail(*method != '\0' &&
	    strlen(method) <= RPC_METHOD_MAX, NULL);
	c = ref->conn;
	call = call_new(c, fn, arg);
	if (!call_admit(c, call))
		goto out;
	if (g_hash_table_lookup(c->imports, &ref->id) != ref) {
		call_defer_error(call, g_error_new(RPC_ERROR, RPC_E_CLOSED,
		    "reference to %s is gone", c->peer_tubid));
		goto out;
	}
	call->qid = next_qid(c);
	if (!build_call(c, call->qid, ref->id, method, args, &err)) {
		call_defer_error(call, err);
		goto out;
	}
	g_hash_table_insert(c->pending, &call->qid, call);
out:
	rpc_pack_free(args);
	return call;
}

struct checked {
	const rpc_method	*m;
	rpc_answer_fn		*fn;
	void			*arg;
};

static void
checked_answer_cb(const msgpack_object *result, const GError *err,
    void *arg)
{
	struct checked *k = arg;
	g_autoptr(GString) why = g_string_new(NULL);

	if (err == NULL && k->m->result != NULL &&
	    !rpc_schema_check(k->m->result, result, why)) {
		GError *e = NULL;
		g_autofree char *msg = g_strdup_printf("result of %s: %s",
		    k->m->name, why->str);

		rpc_set_remote_error(&e, "violation", msg);
		k->fn(NULL, e, k->arg);
		g_error_free(e);
	} else {
		k->fn(result, err, k->arg);
	}
	g_free(k);
}

static void
checked_fail_cb(void *arg)
{
	rpc_call *call = arg;

	call->fn(NULL, call->error, call->arg);
	call_free(call);
}

rpc_call *
rpc_ref_call_checked(rpc_ref *ref, const rpc_method *m, rpc_pack *args,
    rpc_answer_fn *fn, void *arg)
{
	struct checked *k;

	g_return_val_if_fail(ref != NULL && m != NULL && fn != NULL, NULL);
	if (m->args != NULL) {
		static const uint8_t empty = 0x90;
		g_autoptr(GString) why = g_string_new(NULL);
		const uint8_t *data = &empty;
		msgpack_unpacked up;
		size_t len = 1;
		bool ok;

		if (args != NULL)
			data = rpc_pack_data(args, &len);
		msgpack_unpacked_init(&up);
		ok = msgpack_unpack_next(&up, (const char *)data, len, NULL) ==
		    MSGPACK_UNPACK_SUCCESS && rpc_schema_check_args(m->args,
		    m->n_args, &up.data, why);
		msgpack_unpacked_destroy(&up);
		if (!ok) {
			rpc_call *call = call_new(ref->conn, fn, arg);
			g_autofree char *msg = g_strdup_printf("%s: %s",
			    m->name, why->str);

			rpc_set_remote_error(&call->error, "violation", msg);
			if (ref->conn->tub != NULL)
				rpci_tub_defer(ref->conn->tub, checked_fail_cb,
				    call);
			else
				checked_fail_cb(call);
			rpc_pack_free(args);
			return call;
		}
	}
	k = g_new0(struct checked, 1);
	k->m = m;
	k->fn = fn;
	k->arg = arg;
	return rpc_ref_call(ref, m->name, args, checked_answer_cb, k);
}

void
rpc_ref_call_oneway(rpc_ref *ref, const char *method, rpc_pack *args)
{
	rpc_conn *c;

	g_return_if_fail(ref != NULL && method != NULL);
	c = ref->conn;
	if (c->state == CONN_OPEN && !c->closing &&
	    g_hash_table_lookup(c->imports, &ref->id) == ref)
		build_call(c, 0, ref->id, method, args, NULL);
	rpc_pack_free(args);
}

void
rpc_call_cancel(rpc_call *call)
{
	rpc_conn *c = call->conn;

	if (call->error != NULL)
		return;		/* already queued to complete */
	if (g_hash_table_lookup(c->pending, &call->qid) != call)
		return;
	g_hash_table_remove(c->pending, &call->qid);
	call_defer_error(call, g_error_new(RPC_ERROR, RPC_E_CANCELLED,
	    "call cancelled"));
}

rpc_ref *
rpc_ref_ref(rpc_ref *ref)
{
	g_return_val_if_fail(ref != NULL && ref->refcnt > 0, NULL);
	ref->refcnt++;
	return ref;
}

void
rpc_ref_unref(rpc_ref *ref)
{
	rpc_conn *c;

	if (ref == NULL)
		return;
	g_assert(ref->refcnt > 0);
	if (--ref->refcnt > 0)
		return;
	c = ref->conn;
	if (g_hash_table_lookup(c->imports, &ref->id) == ref) {
		g_hash_table_remove(c->imports, &ref->id);
		if (c->state == CONN_OPEN) {
			uint64_t pair[2] = { ref->id, ref->received };

			g_array_append_vals(c->decrefs, pair, 1);
			if (c->tub != NULL)
				rpci_tub_want_flush(c->tub, c);
		}
	}
	rpci_conn_unref(c);
	rpc_furl_free(ref->furl);
	g_free(ref);
}

gboolean
rpc_ref_is_connected(const rpc_ref *ref)
{
	return ref->conn->state == CONN_OPEN && !ref->conn->closing &&
	    g_hash_table_lookup(ref->conn->imports, &ref->id) == ref;
}

const char *
rpc_ref_tubid(const rpc_ref *ref)
{
	return ref->tubid;
}

guint
rpc_ref_notify_on_disconnect(rpc_ref *ref, rpc_disconnect_fn *fn, void *arg)
{
	static guint next_id;
	struct observer *o;
	rpc_conn *c = ref->conn;

	g_return_val_if_fail(fn != NULL, 0);
	o = g_new0(struct observer, 1);
	do {
		o->id = ++next_id;
	} while (o->id == 0);
	o->fn = fn;
	o->arg = arg;
	g_hash_table_insert(c->observers, GUINT_TO_POINTER(o->id), o);
	/* Already gone: tell the observer, later, as for a live one. */
	if (c->state == CONN_CLOSED) {
		o->conn = rpci_conn_ref(c);
		if (c->tub != NULL && !c->tub->freeing)
			rpci_tub_defer(c->tub, observer_deferred_cb, o);
		else
			observer_deferred_cb(o);
	}
	return o->id;
}

void
rpc_ref_dont_notify(rpc_ref *ref, guint id)
{
	struct observer *o = g_hash_table_lookup(ref->conn->observers,
	    GUINT_TO_POINTER(id));

	if (o == NULL)
		return;
	g_hash_table_steal(ref->conn->observers, GUINT_TO_POINTER(id));
	/* A queued notice finds it missing and frees it. */
	if (o->conn == NULL)
		g_free(o);
}

/* ---- incoming calls ---- */

/* Read while handlers keep up and few messages wait for gifts; this is the
 * back-pressure on a peer that sends faster than we answer. */
void
rpci_conn_resume_reading(rpc_conn *c)
{
	bool want;

	if (c->tub == NULL || c->state != CONN_OPEN || c->closing)
		return;
	want = c->n_inflight < c->tub->lim.max_inflight &&
	    g_queue_get_length(&c->held) < RPC_HELD_MAX;
	if (want && !c->reading) {
		c->reading = true;
		ev_io_start(c->tub->loop, &c->rd);
	} else if (!want && c->reading) {
		c->reading = false;
		ev_io_stop(c->tub->loop, &c->rd);
	}
}

static void
incall_finish(rpc_incall *call)
{
	rpc_conn *c = call->conn;

	c->n_inflight--;
	rpci_conn_resume_reading(c);
	rpci_conn_unref(c);
	g_free(call);
}

static bool
incall_live(const rpc_incall *call)
{
	const rpc_conn *c = call->conn;

	return call->qid != 0 && c->state == CONN_OPEN && !c->closing &&
	    c->tub != NULL;
}

/* Whether 'result' (NULL: nil) fits the method's result schema. */
static bool
result_fits(const rpc_method *m, rpc_pack *result, GError **err)
{
	static const uint8_t nil = 0xc0;
	g_autoptr(GString) why = NULL;
	msgpack_unpacked up;
	const uint8_t *data = &nil;
	size_t len = 1;
	bool ok;

	if (m == NULL || m->result == NULL)
		return true;
	if (result != NULL)
		data = rpc_pack_data(result, &len);
	why = g_string_new(NULL);
	msgpack_unpacked_init(&up);
	ok = msgpack_unpack_next(&up, (const char *)data, len, NULL) ==
	    MSGPACK_UNPACK_SUCCESS && rpc_schema_check(m->result, &up.data,
	    why);
	msgpack_unpacked_destroy(&up);
	if (!ok)
		g_set_error(err, RPC_ERROR, RPC_E_FORMAT,
		    "result of %s does not fit its schema: %s", m->name,
		    why->str);
	return ok;
}

void
rpc_incall_return(rpc_incall *call, rpc_pack *result)
{
	rpc_conn *c = call->conn;

	g_return_if_fail(call != NULL);
	if (incall_live(call)) {
		g_autoptr(GError) err = NULL;

		rpc_msg_pack_answer_head(&c->pk, call->qid);
		if (!result_fits(call->method, result, &err)) {
			g_warning("%s: %s", call->method->name, err->message);
			msgpack_sbuffer_clear(&c->sb);
			rpc_msg_pack_error(&c->pk, call->qid, "violation",
			    err->message);
		} else if (result == NULL) {
			msgpack_pack_nil(&c->pk);
		} else if (!rpci_values_render(c, result, &err)) {
			msgpack_sbuffer_clear(&c->sb);
			rpc_msg_pack_error(&c->pk, call->qid, "overloaded",
			    err->message);
		}
		if (rpci_conn_send_built(c) == RPC_E_TOOBIG) {
			rpc_msg_pack_error(&c->pk, call->qid, "overloaded",
			    "result exceeds the frame limit");
			rpci_conn_send_built(c);
		}
	}
	rpc_pack_free(result);
	incall_finish(call);
}

void
rpc_incall_fail(rpc_incall *call, const char *type, const char *fmt, ...)
{
	rpc_conn *c = call->conn;
	va_list ap;
	char *msg;

	g_return_if_fail(call != NULL && type != NULL);
	if (incall_live(call)) {
		va_start(ap, fmt);
		msg = g_strdup_vprintf(fmt, ap);
		va_end(ap);
		rpc_msg_pack_error(&c->pk, call->qid, type, msg);
		rpci_conn_send_built(c);
		g_free(msg);
	}
	incall_finish(call);
}

const char *
rpc_incall_peer(const rpc_incall *call)
{
	return call->peer;
}

gboolean
rpc_incall_is_oneway(const rpc_incall *call)
{
	return call->qid == 0;
}

static void
send_error(rpc_conn *c, uint64_t qid, const char *type, const char *msg)
{
	if (qid == 0)
		return;
	rpc_msg_pack_error(&c->pk, qid, type, msg);
	rpci_conn_send_built(c);
}

static void
handle_call(rpc_conn *c, rpc_msg *m)
{
	uint32_t key = (uint32_t)m->target;
	struct export *ex = g_hash_table_lookup(c->exports, &key);
	const rpc_method *meth;
	rpc_incall *call;
	char name[RPC_METHOD_MAX + 1];

	if (ex == NULL) {
		send_error(c, m->qid, "no-such-object",
		    "no object with that id on this connection");
		return;
	}
	meth = rpc_obj_method(ex->obj, m->s1, m->s1_len);
	if (meth == NULL) {
		/* The name is valid UTF-8 of bounded length: safe to echo. */
		memcpy(name, m->s1, m->s1_len);
		name[m->s1_len] = '\0';
		g_autofree char *msg = g_strdup_printf(
		    "%s has no method '%s'", rpc_obj_iface(ex->obj)->name,
		    name);
		send_error(c, m->qid, "no-such-method", msg);
		return;
	}
	if (meth->args != NULL) {
		msgpack_object argv;
		g_autoptr(GString) why = g_string_new(NULL);

		argv.type = MSGPACK_OBJECT_ARRAY;
		argv.via.array.size = m->list.n;
		argv.via.array.ptr = (msgpack_object *)m->list.items;
		if (!rpc_schema_check_args(meth->args, meth->n_args, &argv,
		    why)) {
			memcpy(name, m->s1, m->s1_len);
			name[m->s1_len] = '\0';
			g_string_prepend(why, ": ");
			g_string_prepend(why, name);
			send_error(c, m->qid, "violation", why->str);
			return;
		}
	}
	call = g_new0(rpc_incall, 1);
	call->conn = rpci_conn_ref(c);
	call->method = meth;
	call->qid = m->qid;
	memcpy(call->peer, c->peer_tubid, sizeof(call->peer));
	c->n_inflight++;
	rpci_conn_resume_reading(c);
	/* The object may be released by a DECREF during the handler. */
	{
		rpc_obj *obj = rpc_obj_ref(ex->obj);

		meth->fn(call, &m->list, rpc_obj_data(obj));
		rpc_obj_unref(obj);
	}
}

static void
handle_lookup(rpc_conn *c, rpc_msg *m)
{
	rpc_obj *obj = rpci_tub_find_object(c->tub, m->s1, m->s1_len);
	uint32_t id;

	if (obj == NULL) {
		char prefix[3] = { 0 };

		/* Echo at most two characters of the secret. */
		memcpy(prefix, m->s1, MIN(m->s1_len, 2));
		g_autofree char *msg = g_strdup_printf(
		    "no object for a name starting with '%s'", prefix);
		send_error(c, m->qid, "not-found", msg);
		return;
	}
	id = rpci_conn_export(c, obj);
	rpc_obj_unref(obj);
	if (id == 0) {
		send_error(c, m->qid, "overloaded", "too many exports");
		return;
	}
	rpc_msg_pack_answer_head(&c->pk, m->qid);
	rpci_values_pack_ref(&c->pk, RPC_EXT_MYREF, id, NULL);
	rpci_conn_send_built(c);
}

static rpc_call *
take_pending(rpc_conn *c, uint64_t qid)
{
	rpc_call *call = g_hash_table_lookup(c->pending, &qid);

	if (call != NULL)
		g_hash_table_remove(c->pending, &qid);
	return call;
}

static void
handle_answer(rpc_conn *c, rpc_msg *m)
{
	rpc_call *call = take_pending(c, m->qid);
	const msgpack_object *v = m->value;

	if (call == NULL) {
		/* A cancelled call's answer is normal; any other is not. */
		if (m->qid >= c->next_qid)
			rpci_conn_abort(c, "ANSWER to a call never made");
		return;
	}
	if (call->getref != NULL) {
		rpc_ref *ref = NULL;

		if (!rpc_value_ref(v, &ref, NULL) || ref->conn != c) {
			call_defer_error(call, g_error_new(RPC_ERROR,
			    RPC_E_FORMAT, "LOOKUP answered with a non-reference"));
			rpci_conn_abort(c, "LOOKUP answered with a non-reference");
			return;
		}
		/* The FURL we looked up is the object's FURL. */
		if (ref->furl == NULL)
			ref->furl = rpc_furl_copy(call->getref->furl);
		rpci_getref_finish(call->getref, ref, NULL);
	} else {
		call->fn(v, NULL, call->arg);
	}
	call_free(call);
}

static void
handle_error(rpc_conn *c, rpc_msg *m)
{
	rpc_call *call = take_pending(c, m->qid);
	g_autofree char *type = NULL, *msg = NULL;
	GError *err = NULL;

	if (call == NULL) {
		if (m->qid >= c->next_qid)
			rpci_conn_abort(c, "ERROR for a call never made");
		return;
	}
	type = g_strndup(m->s1, m->s1_len);
	msg = g_strndup(m->s2, m->s2_len);
	rpc_set_remote_error(&err, type, msg);
	if (call->getref != NULL)
		rpci_getref_finish(call->getref, NULL, err);
	else
		call->fn(NULL, err, call->arg);
	g_error_free(err);
	call_free(call);
}

void
rpci_conn_dispatch(rpc_conn *c, rpc_msg *m)
{
	switch (m->type) {
	case RPC_MSG_CALL:
		handle_call(c, m);
		break;
	case RPC_MSG_ANSWER:
		handle_answer(c, m);
		break;
	case RPC_MSG_ERROR:
		handle_error(c, m);
		break;
	case RPC_MSG_LOOKUP:
		handle_lookup(c, m);
		break;
	case RPC_MSG_DECREF:
		handle_decref(c, &m->list);
		break;
	case RPC_MSG_DECGIFT:
		rpci_values_decgift(c, m->qid, m->n);
		break;
	case RPC_MSG_PING:
		rpc_msg_pack_ping(&c->pk, RPC_MSG_PONG, m->n);
		rpci_conn_send_built(c);
		break;
	case RPC_MSG_PONG:
		break;
	case RPC_MSG_ABORT: {
		g_autofree char *reason = g_strndup(m->s1, m->s1_len);

		if (strcmp(reason, RPC_ABORT_DUPLICATE) == 0)
			c->dup = true;
		else
			g_message("connection %s (%s) aborted by peer: %s",
			    c->peer_addr, c->peer_tubid, reason);
		rpci_conn_close(c, RPC_E_CLOSED, "aborted by peer: %s", reason);
		break;
	}
	}
}

/* The references in a CALL or ANSWER could not all be resolved: a gift
 * that failed fails that call; anything else breaks the protocol. */
void
rpci_conn_dispatch_failed(rpc_conn *c, rpc_msg *m, const GError *err)
{
	rpc_call *call;

	if (!g_error_matches(err, RPC_ERROR, RPC_E_REMOTE)) {
		g_autofree char *why = g_strdup_printf("bad reference: %s",
		    err->message);

		rpci_conn_abort(c, why);
		return;
	}
	if (m->type == RPC_MSG_CALL) {
		send_error(c, m->qid, "gift-failed", err->message);
		return;
	}
	call = take_pending(c, m->qid);
	if (call == NULL)
		return;
	if (call->getref != NULL) {
		rpci_getref_finish(call->getref, NULL, err);
	} else {
		GError *e = NULL;

		rpc_set_remote_error(&e, "gift-failed", err->message);
		call->fn(NULL, e, call->arg);
		g_error_free(e);
	}
	call_free(call);
}

static void
handle_message(rpc_conn *c, const uint8_t *pt, size_t len)
{
	msgpack_unpacked up;
	rpc_msg m;
	int r;

	if (!g_queue_is_empty(&c->held)) {
		/* Order is kept: wait behind the message that waits. */
		rpci_values_hold(c, pt, len);
		rpci_conn_resume_reading(c);
		return;
	}
	msgpack_unpacked_init(&up);
	r = rpc_msg_parse(pt, len, &c->tub->scan, &up, &m);
	if (r != 0) {
		g_autofree char *why = g_strdup_printf("bad message: %s",
		    rpc_strerror(r));

		rpci_conn_abort(c, why);
	} else if ((m.type == RPC_MSG_CALL &&
	    rpci_values_has_gifts(&up.data.via.array.ptr[4])) ||
	    (m.type == RPC_MSG_ANSWER && rpci_values_has_gifts(m.value))) {
		rpci_values_hold(c, pt, len);
		rpci_conn_resume_reading(c);
	} else {
		rpci_values_deliver(c, &m, &up, NULL);
	}
	msgpack_unpacked_destroy(&up);
}

/* ---- input ---- */

static void
ensure_pt(rpc_conn *c, size_t n)
{
	if (c->pt_cap >= n)
		return;
	if (c->pt != NULL) {
		sodium_memzero(c->pt, c->pt_cap);
		g_free(c->pt);
	}
	c->pt_cap = MAX(n, 4096);
	c->pt = g_malloc(c->pt_cap);
}

/* Consume complete units (HELLO, then frames) from c->in.  Return the
 * number of bytes the next unit needs in total (0 when unknown). */
static size_t
process_input(rpc_conn *c)
{
	while (c->state != CONN_CLOSED && !c->closing) {
		const uint8_t *p = c->in->data + c->in_off;
		size_t avail = c->in->len - c->in_off, ctlen = 0, max, mlen;
		uint8_t *dst;
		bool more, part;
		int r;

		if (c->state == CONN_HELLO) {
			if (avail < RPC_HS_HELLO_LEN)
				return RPC_HS_HELLO_LEN;
			handle_hello(c, p);
			c->in_off += RPC_HS_HELLO_LEN;
			continue;
		}
		max = c->state == CONN_OPEN ? c->tub->lim.max_frame :
		    HS_FRAME_MAX;
		r = rpc_frame_peek(p, avail, max, &ctlen);
		if (r == RPC_E_SHORT)
			return RPC_FRAME_HDR;
		if (r != 0) {
			g_message("closing connection %s: %s", c->peer_addr,
			    r == RPC_E_TOOBIG ? "frame over the size limit" :
			    "malformed frame header");
			rpci_conn_close(c, RPC_E_CLOSED, "peer sent a %s",
			    r == RPC_E_TOOBIG ? "frame over the size limit" :
			    "malformed frame");
			return 0;
		}
		if (avail < RPC_FRAME_HDR + ctlen)
			return RPC_FRAME_HDR + ctlen;
		more = rpc_frame_is_more(p);
		/* A part of a longer message is decrypted straight to where
		 * the message is being assembled. */
		part = c->state == CONN_OPEN && (more || c->msg->len > 0);
		if (part && c->msg->len + ctlen - RPC_FRAME_TAG > max) {
			g_message("closing connection %s: message over the "
			    "size limit", c->peer_addr);
			rpci_conn_close(c, RPC_E_CLOSED,
			    "peer sent a message over the size limit");
			return 0;
		}
		if (part) {
			mlen = c->msg->len;
			g_byte_array_set_size(c->msg,
			    (guint)(mlen + ctlen - RPC_FRAME_TAG));
			dst = c->msg->data + mlen;
		} else {
			ensure_pt(c, ctlen - RPC_FRAME_TAG);
			dst = c->pt;
		}
		if (rpc_frame_open(&c->rx, p, ctlen, dst) != 0) {
			g_message("closing connection %s: frame failed "
			    "authentication", c->peer_addr);
			rpci_conn_close(c, RPC_E_CRYPTO,
			    "frame from %s failed authentication",
			    c->peer_addr);
			return 0;
		}
		c->in_off += RPC_FRAME_HDR + ctlen;
		c->last_rx = ev_now(c->tub->loop);
		if (c->state == CONN_AUTH) {
			if (more) {
				rpci_conn_close(c, RPC_E_CLOSED,
				    "peer split its AUTH frame");
				return 0;
			}
			handle_auth(c, c->pt, ctlen - RPC_FRAME_TAG);
		} else if (!part) {
			handle_message(c, c->pt, ctlen - RPC_FRAME_TAG);
		} else if (!more) {
			handle_message(c, c->msg->data, c->msg->len);
			g_byte_array_set_size(c->msg, 0);
		}
	}
	return 0;
}

static void
conn_read_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	rpc_conn *c = RPC_CONTAINER_OF(w, rpc_conn, rd);
	size_t want, room;
	ssize_t n;

	RPC_UNUSED(loop);
	RPC_UNUSED(revents);
	rpci_conn_ref(c);
	/* Compact what was consumed, then make room for the next read. */
	if (c->in_off > 0) {
		g_byte_array_remove_range(c->in, 0, (guint)c->in_off);
		c->in_off = 0;
	}
	/* Read a whole large frame at once when its size is known. */
	room = MAX(READ_CHUNK, c->need > c->in->len ? c->need - c->in->len : 0);
	want = c->in->len + room;
	g_byte_array_set_size(c->in, (guint)want);
	n = read(c->fd, c->in->data + c->in->len - room, room);
	if (n < 0) {
		g_byte_array_set_size(c->in, (guint)(want - room));
		if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
			rpci_conn_close(c, RPC_E_CLOSED, "read from %s failed: %s",
			    c->peer_addr, g_strerror(errno));
		goto out;
	}
	g_byte_array_set_size(c->in, (guint)(want - room + (size_t)n));
	if (n == 0) {
		rpci_conn_close(c, RPC_E_CLOSED, "connection %s closed by peer%s",
		    c->peer_addr, c->state == CONN_OPEN ? "" :
		    " during the handshake");
		goto out;
	}
	c->need = process_input(c);
out:
	rpci_conn_unref(c);
}

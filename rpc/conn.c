/* rpc/conn.c -- one connection between two tubs, as bytes: the
 * handshake's I/O, encrypted framing (a message may span frames, doc/
 * protocol.md §4), keepalive, back-pressure on reading, and closing.
 *
 * What the messages mean is for the layers above: sess.c keeps the
 * per-connection tables, values.c the references inside values, call.c
 * calls and answers, and tub.c decides which connection to keep.  They
 * hear from this file only through rpci_conn_ops.  Every read of peer
 * bytes goes through frame.c (lengths and tags) and hs.c (handshake
 * messages) before it is used. */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <sodium.h>

#include "rpc/base32.h"
#include "rpc/common.h"
#include "rpc/conn-internal.h"
#include "rpc/err.h"
#include "rpc/frame.h"
#include "rpc/msg.h"

/* Read at least this much at a time (a big frame grows the buffer). */
#define READ_CHUNK	(128 * 1024)
/* An idle connection holds no buffers: after a read of less than
 * IDLE_READ bytes that left nothing unconsumed, and after a flush of at
 * most IDLE_WRITE bytes, the input and output buffers are freed (a
 * stream of large messages, whose reads and writes are larger, keeps
 * them).  This is what keeps an idle connection small (doc/performance.md,
 * "Many connections"). */
#define IDLE_READ	(READ_CHUNK / 2)
#define IDLE_WRITE	(64 * 1024)
/* While sealing a large message, write out what is sealed whenever this
 * much is queued, so the peer decrypts while we encrypt. */
#define WRITE_EARLY	(128 * 1024)
/* Largest frame a peer may send before authenticating (AUTH is 112). */
#define HS_FRAME_MAX	256

struct rpc_conn {
	int		 refcnt;
	struct ev_loop	*loop;		/* borrowed */
	rpci_sched	*sched;		/* borrowed; NULL once detached */
	const rpc_ident	*ident;		/* borrowed, for the handshake */
	const rpci_conn_ops *ops;	/* NULL once detached */
	void		*ops_arg;
	const rpc_limits *lim;		/* the owner's, until detached */
	rpc_limits	 lim_copy;	/* 'lim' once detached */
	uint8_t		 incarnation[RPC_INCARNATION_LEN];
	void		*upper;		/* the owner's; freed with 'upper_free' */
	GDestroyNotify	 upper_free;
	void		*tag;		/* the owner's; not freed */
	int		 fd;
	ev_io		 rd, wr;
	ev_timer	 hs_timer;	/* handshake deadline (first the HELLO
					 * deadline, for an inbound peer) */
	ev_tstamp	 created;
	rpci_conn_state	 state;
	rpc_hs_role	 role;
	rpc_hs		 hs;
	rpc_aead	 tx, rx;
	uint8_t		 target[RPC_TUBID_RAW];	/* client: tubid dialled */
	uint8_t		 peer_pk[RPC_PK_LEN];
	uint8_t		 peer_inc[RPC_INCARNATION_LEN];
	char		 peer_tubid[RPC_TUBID_LEN + 1];
	uint8_t		 peer_tubid_raw[RPC_TUBID_RAW];
	char		 peer_addr[64];	/* for logs */
	GByteArray	*in;		/* received, not yet consumed */
	size_t		 in_off;
	size_t		 need;		/* bytes the next unit needs */
	GByteArray	*out;		/* sealed frames to write */
	size_t		 out_off;
	bool		 in_flushq;
	bool		 reading;
	bool		 closing;	/* close once 'out' is written */
	bool		 dup;		/* closed as a duplicate connection */
	GByteArray	*msg;		/* parts of a multi-frame message */
	uint8_t		*pt;		/* plaintext scratch */
	size_t		 pt_cap;
	msgpack_sbuffer	 sb;		/* message being built */
	msgpack_packer	 pk;
	ev_timer	 ka_timer;	/* keepalive and disconnect timeout */
	ev_timer	 wr_timer;	/* write deadline (limits.h) */
	ev_tstamp	 tx_since;	/* output waiting and nothing written
					 * since then */
	bool		 in_inputq;	/* an input task is queued */
	GQueue		 room_waiters;	/* struct room_waiter, in order */
	size_t		 room_promised;	/* to waiters woken, not yet run */
	ev_tstamp	 last_rx;	/* when a frame last arrived */
	ev_tstamp	 last_ping;	/* when we last sent a PING */
	char		*error;		/* why it closed */
	int		 error_code;	/* RPC_E_* */
};

static void conn_read_cb(struct ev_loop *loop, ev_io *w, int revents);
static void conn_write_cb(struct ev_loop *loop, ev_io *w, int revents);
static void conn_hs_timeout_cb(struct ev_loop *loop, ev_timer *w,
    int revents);
static void conn_ka_cb(struct ev_loop *loop, ev_timer *w, int revents);
static void conn_wr_timeout_cb(struct ev_loop *loop, ev_timer *w,
    int revents);
static void conn_update_reading(rpc_conn *c);
static void conn_wake_room_waiters(rpc_conn *c);

/* Someone waiting for room in the output queue (rpci_conn_when_room). */
struct room_waiter {
	rpc_conn	*conn;		/* owned reference, once woken */
	size_t		 len;		/* sealed bytes wanted */
	rpci_task_fn	*fn;
	void		*arg;
};
static void conn_close_soon(rpc_conn *c, int code, const char *why);

rpc_conn *
rpci_conn_new(const rpci_conn_cfg *cfg, int fd, rpc_hs_role role,
    const char *peer_addr)
{
	rpc_conn *c = g_new0(rpc_conn, 1);

	c->refcnt = 1;
	c->loop = cfg->loop;
	c->sched = cfg->sched;
	c->ident = cfg->ident;
	c->ops = cfg->ops;
	c->ops_arg = cfg->arg;
	c->lim = cfg->lim;
	memcpy(c->incarnation, cfg->incarnation, sizeof(c->incarnation));
	c->fd = fd;
	c->role = role;
	c->state = RPCI_CONN_CONNECTING;
	g_strlcpy(c->peer_addr, peer_addr, sizeof(c->peer_addr));
	ev_io_init(&c->rd, conn_read_cb, fd, EV_READ);
	ev_io_init(&c->wr, conn_write_cb, fd, EV_WRITE);
	c->created = ev_now(c->loop);
	/* A peer that connects and sends nothing gets the shorter HELLO
	 * deadline, so that it holds a handshake slot only briefly. */
	ev_timer_init(&c->hs_timer, conn_hs_timeout_cb,
	    role == RPC_HS_SERVER && c->lim->hello_timeout > 0 ?
	    MIN(c->lim->hello_timeout, c->lim->handshake_timeout) :
	    c->lim->handshake_timeout, 0.);
	c->in = g_byte_array_new();
	c->msg = g_byte_array_new();
	c->out = g_byte_array_new();
	msgpack_sbuffer_init(&c->sb);
	msgpack_packer_init(&c->pk, &c->sb, msgpack_sbuffer_write);
	ev_timer_init(&c->ka_timer, conn_ka_cb, 0., 0.);
	ev_timer_init(&c->wr_timer, conn_wr_timeout_cb, 0., 0.);
	ev_timer_start(c->loop, &c->hs_timer);
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
	g_assert(c->state == RPCI_CONN_CLOSED);
	if (c->ops != NULL && c->ops->freed != NULL)
		c->ops->freed(c, c->ops_arg);
	if (c->upper_free != NULL)
		c->upper_free(c->upper);
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

void
rpci_conn_detach(rpc_conn *c)
{
	c->ops = NULL;
	c->ops_arg = NULL;
	c->sched = NULL;
	c->ident = NULL;
	c->lim_copy = *c->lim;
	c->lim = &c->lim_copy;
}

bool
rpci_conn_attached(const rpc_conn *c)
{
	return c->sched != NULL;
}

/* ---- output ---- */

static void
conn_flush_task(void *arg)
{
	rpc_conn *c = arg;

	c->in_flushq = false;
	rpci_conn_flush(c);
	rpci_conn_unref(c);
}

void
rpci_conn_want_flush(rpc_conn *c)
{
	if (c->in_flushq || c->sched == NULL)
		return;
	if (rpci_sched_at_prepare(c->sched, conn_flush_task, c)) {
		c->in_flushq = true;
		rpci_conn_ref(c);
	}
}

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
		c->tx_since = ev_now(c->loop);
	}
}

/* What 'len' bytes of one message take in the output queue once sealed
 * into frames of at most RPC_FRAME_CHUNK bytes. */
static size_t
sealed_size(size_t len)
{
	size_t frames = len == 0 ? 1 : (len + RPC_FRAME_CHUNK - 1) /
	    RPC_FRAME_CHUNK;

	return len + frames * (RPC_FRAME_HDR + RPC_FRAME_TAG);
}

size_t
rpci_conn_out_room(const rpc_conn *c)
{
	size_t pending = rpci_conn_out_pending(c);

	if (!rpci_conn_is_open(c) || pending >= c->lim->max_outbuf)
		return 0;
	return c->lim->max_outbuf - pending;
}

bool
rpci_conn_can_queue(const rpc_conn *c, size_t len)
{
	return sealed_size(len) <= rpci_conn_out_room(c);
}

/* Seal 'len' bytes of one message into the output queue, as frames of at
 * most RPC_FRAME_CHUNK bytes (doc/protocol.md §4). */
static int
send_plain(rpc_conn *c, const uint8_t *pt, size_t len)
{
	size_t off = 0;

	if (c->state == RPCI_CONN_CLOSED || c->closing)
		return RPC_E_CLOSED;
	/* Everything queued counts against the cap, answers included: a
	 * peer that sends calls and never reads their answers loses its
	 * connection here instead of growing the queue without bound.
	 * Reading stopped long before (conn_may_read()), so this takes
	 * handlers that answer later, all at once. */
	if (c->state == RPCI_CONN_OPEN &&
	    sealed_size(len) > c->lim->max_outbuf - MIN(c->lim->max_outbuf,
	    rpci_conn_out_pending(c))) {
		g_autofree char *why = g_strdup_printf("%s does not read: "
		    "output over the %zu-byte cap", c->peer_tubid,
		    c->lim->max_outbuf);

		g_message("closing connection %s (%s): peer does not read "
		    "(%zu bytes queued)", c->peer_addr, c->peer_tubid,
		    rpci_conn_out_pending(c));
		conn_close_soon(c, RPC_E_CLOSED, why);
		return RPC_E_CLOSED;
	}
	if (c->out_off == c->out->len)
		c->tx_since = ev_now(c->loop);	/* the queue was empty */
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
		if (more && c->state == RPCI_CONN_OPEN &&
		    c->out->len - c->out_off >= WRITE_EARLY)
			write_some(c);
	} while (off < len);
	rpci_conn_want_flush(c);
	conn_update_reading(c);
	return 0;
}

/* Send the message built in c->sb, unless it is over the frame limit. */
int
rpci_conn_send_built(rpc_conn *c)
{
	int r;

	if (c->sb.size > c->lim->max_frame)
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
	rpci_conn_want_flush(c);
}

void
rpci_conn_flush(rpc_conn *c)
{
	if (c->state == RPCI_CONN_CLOSED || c->state == RPCI_CONN_CONNECTING)
		return;
	if (c->ops != NULL && c->ops->flushing != NULL)
		c->ops->flushing(c, c->ops_arg);
	while (c->out_off < c->out->len) {
		/* MSG_NOSIGNAL: a peer that vanished must not raise SIGPIPE
		 * in a process that never asked for it. */
		ssize_t w = send(c->fd, c->out->data + c->out_off,
		    c->out->len - c->out_off, MSG_NOSIGNAL);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			ev_io_start(c->loop, &c->wr);
			conn_wake_room_waiters(c);
			if (c->state == RPCI_CONN_OPEN &&
			    c->lim->write_timeout > 0 &&
			    !ev_is_active(&c->wr_timer)) {
				ev_timer_set(&c->wr_timer,
				    c->lim->write_timeout, 0.);
				ev_timer_start(c->loop, &c->wr_timer);
			}
			conn_update_reading(c);
			return;
		}
		if (w < 0) {
			rpci_conn_close(c, RPC_E_CLOSED, "write failed: %s",
			    g_strerror(errno));
			return;
		}
		c->out_off += (size_t)w;
		c->tx_since = ev_now(c->loop);
	}
	if (c->out->len <= IDLE_WRITE) {
		g_byte_array_unref(c->out);
		c->out = g_byte_array_new();
		if (c->sb.size == 0 && c->sb.data != NULL) {
			/* The message builder's buffer too (msgpack-c's
			 * first allocation is 8 KiB). */
			msgpack_sbuffer_destroy(&c->sb);
			msgpack_sbuffer_init(&c->sb);
		}
	} else {
		g_byte_array_set_size(c->out, 0);
	}
	c->out_off = 0;
	ev_io_stop(c->loop, &c->wr);
	ev_timer_stop(c->loop, &c->wr_timer);
	conn_update_reading(c);
	conn_wake_room_waiters(c);
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
	if (c->state == RPCI_CONN_CONNECTING) {
		int err = 0;
		socklen_t len = sizeof(err);

		if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0)
			err = errno;
		if (err != 0)
			rpci_conn_close(c, RPC_E_SYSTEM,
			    "cannot connect to %s: %s", c->peer_addr,
			    g_strerror(err));
		else
			rpci_conn_start(c);
	}
	rpci_conn_flush(c);
	rpci_conn_unref(c);
}

/* ---- closing ---- */

void
rpci_conn_close(rpc_conn *c, int code, const char *fmt, ...)
{
	va_list ap;

	if (c->state == RPCI_CONN_CLOSED)
		return;
	if (c->error == NULL || !c->closing) {
		g_free(c->error);
		va_start(ap, fmt);
		c->error = g_strdup_vprintf(fmt, ap);
		va_end(ap);
		c->error_code = code;
	}
	c->closing = false;
	c->state = RPCI_CONN_CLOSED;
	if (c->sched != NULL) {
		ev_io_stop(c->loop, &c->rd);
		ev_io_stop(c->loop, &c->wr);
		ev_timer_stop(c->loop, &c->hs_timer);
		ev_timer_stop(c->loop, &c->ka_timer);
		ev_timer_stop(c->loop, &c->wr_timer);
	}
	if (c->fd >= 0) {
		close(c->fd);
		c->fd = -1;
	}
	g_byte_array_set_size(c->out, 0);
	c->out_off = 0;
	g_byte_array_set_size(c->in, 0);
	c->in_off = 0;
	g_byte_array_set_size(c->msg, 0);
	conn_wake_room_waiters(c);
	/* The owner fails what waited on this connection. */
	if (c->ops != NULL)
		c->ops->closed(c, c->ops_arg);
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
	ev_io_stop(c->loop, &c->rd);
	rpci_conn_flush(c);
}

static void
conn_close_task(void *arg)
{
	rpc_conn *c = arg;

	rpci_conn_close(c, c->error_code, "%s", c->error);
	rpci_conn_unref(c);
}

/* Stop reading and sending now, and close on the next loop pass: for a
 * breach found while sending, when the caller's frames (a handler, a
 * gift being redeemed) are still using the connection's tables. */
static void
conn_close_soon(rpc_conn *c, int code, const char *why)
{
	g_free(c->error);
	c->error = g_strdup(why);
	c->error_code = code;
	c->closing = true;
	ev_io_stop(c->loop, &c->rd);
	if (c->sched != NULL)
		rpci_sched_defer(c->sched, conn_close_task, rpci_conn_ref(c));
	else
		rpci_conn_close(c, code, "%s", why);
}

/* The write deadline: output has waited 'write_timeout' seconds with
 * nothing written. */
static void
conn_wr_timeout_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	rpc_conn *c = RPC_CONTAINER_OF(w, rpc_conn, wr_timer);
	ev_tstamp left;

	RPC_UNUSED(revents);
	if (c->state == RPCI_CONN_CLOSED || rpci_conn_out_pending(c) == 0)
		return;
	left = c->tx_since + c->lim->write_timeout - ev_now(loop);
	if (left > 0) {
		ev_timer_set(&c->wr_timer, left, 0.);
		ev_timer_start(loop, &c->wr_timer);
		return;
	}
	rpci_conn_ref(c);
	g_message("closing connection %s (%s): peer does not read "
	    "(nothing written for %.1f s)", c->peer_addr, c->peer_tubid,
	    c->lim->write_timeout);
	rpci_conn_close(c, RPC_E_TIMEOUT, "%s does not read (nothing "
	    "written for %.1f s)", c->peer_tubid, c->lim->write_timeout);
	rpci_conn_unref(c);
}

void
rpci_conn_abort(rpc_conn *c, const char *reason)
{
	if (c->state == RPCI_CONN_CLOSED || c->closing)
		return;
	/* A duplicate is routine (§3.4 of doc/protocol.md); the rest are the
	 * peer's fault and worth a line in the log. */
	if (c->sched != NULL && strcmp(reason, RPC_ABORT_DUPLICATE) == 0)
		g_info("closing duplicate connection %s (%s)", c->peer_addr,
		    c->peer_tubid);
	else if (c->sched != NULL)
		g_message("closing connection %s (%s): %s", c->peer_addr,
		    c->state == RPCI_CONN_OPEN ? c->peer_tubid :
		    "unauthenticated",
		    reason);
	if (c->state == RPCI_CONN_OPEN) {
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
	if (c->state == RPCI_CONN_HELLO && c->role == RPC_HS_SERVER) {
		g_message("closing connection %s: no HELLO in time",
		    c->peer_addr);
		rpci_conn_close(c, RPC_E_TIMEOUT, "handshake with %s timed "
		    "out (no HELLO)", c->peer_addr);
	} else if (c->state != RPCI_CONN_OPEN) {
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
	const rpc_limits *lim = c->lim;
	ev_tstamp now = ev_now(c->loop), next = 0;

	if (lim->keepalive > 0)
		next = MAX(c->last_rx, c->last_ping) + lim->keepalive;
	if (lim->disconnect_timeout > 0 && (next == 0 ||
	    c->last_rx + lim->disconnect_timeout < next))
		next = c->last_rx + lim->disconnect_timeout;
	if (next == 0)
		return;
	ev_timer_stop(c->loop, &c->ka_timer);
	ev_timer_set(&c->ka_timer, MAX(next - now, 0.001), 0.);
	ev_timer_start(c->loop, &c->ka_timer);
}

static void
conn_ka_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	rpc_conn *c = RPC_CONTAINER_OF(w, rpc_conn, ka_timer);
	const rpc_limits *lim = c->lim;
	ev_tstamp now = ev_now(loop), idle = now - c->last_rx;

	RPC_UNUSED(revents);
	if (c->state != RPCI_CONN_OPEN || c->closing)
		return;
	rpci_conn_ref(c);
	if (lim->disconnect_timeout > 0 && idle >= lim->disconnect_timeout) {
		g_message("closing connection %s (%s): nothing received for "
		    "%.1f s", c->peer_addr, c->peer_tubid, idle);
		rpci_conn_close(c, RPC_E_TIMEOUT, "%s stopped responding "
		    "(nothing received for %.1f s)", c->peer_tubid, idle);
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

	rpc_hs_auth(&c->hs, c->ident, c->incarnation,
	    c->role == RPC_HS_CLIENT ? c->target : NULL, auth);
	send_plain(c, auth, sizeof(auth));
}

void
rpci_conn_start(rpc_conn *c)
{
	uint8_t hello[RPC_HS_HELLO_LEN];

	rpc_hs_init(&c->hs, c->role, NULL);
	rpc_hs_hello(&c->hs, hello);
	c->state = RPCI_CONN_HELLO;
	send_raw(c, hello, sizeof(hello));
	c->reading = true;
	ev_io_start(c->loop, &c->rd);
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
	c->state = RPCI_CONN_AUTH;
	/* The rest of the handshake deadline, now that HELLO is in. */
	ev_timer_stop(c->loop, &c->hs_timer);
	ev_timer_set(&c->hs_timer, MAX(c->created +
	    c->lim->handshake_timeout - ev_now(c->loop), 0.001), 0.);
	ev_timer_start(c->loop, &c->hs_timer);
	/* The client proves itself first; the server answers only after
	 * checking it and deciding whether to keep the connection. */
	if (c->role == RPC_HS_CLIENT)
		send_auth(c);
}

static void
handle_auth(rpc_conn *c, const uint8_t *pt, size_t len)
{
	const uint8_t *target = c->role == RPC_HS_SERVER ?
	    rpc_ident_tubid_raw(c->ident) : NULL;

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
	c->state = RPCI_CONN_OPEN;
	ev_timer_stop(c->loop, &c->hs_timer);
	c->last_rx = c->last_ping = ev_now(c->loop);
	conn_ka_schedule(c);
	if (c->ops != NULL)
		c->ops->opened(c, c->ops_arg);
}

/* ---- input ---- */

/* Hand one whole message to the owner. */
static void
deliver(rpc_conn *c, const uint8_t *pt, size_t len)
{
	if (c->ops != NULL)
		c->ops->message(c, pt, len, c->ops_arg);
}

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
	while (c->state != RPCI_CONN_CLOSED && !c->closing) {
		const uint8_t *p = c->in->data + c->in_off;
		size_t avail = c->in->len - c->in_off, ctlen = 0, max, mlen;
		uint8_t *dst;
		bool more, part;
		int r;

		/* Paused (back-pressure): what was read waits in c->in
		 * until conn_update_reading() resumes. */
		if (c->state == RPCI_CONN_OPEN && !ev_is_active(&c->rd))
			return 0;

		if (c->state == RPCI_CONN_HELLO) {
			if (avail < RPC_HS_HELLO_LEN)
				return RPC_HS_HELLO_LEN;
			handle_hello(c, p);
			c->in_off += RPC_HS_HELLO_LEN;
			continue;
		}
		max = c->state == RPCI_CONN_OPEN ? c->lim->max_frame :
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
		part = c->state == RPCI_CONN_OPEN && (more || c->msg->len > 0);
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
		c->last_rx = ev_now(c->loop);
		if (c->state == RPCI_CONN_AUTH) {
			if (more) {
				rpci_conn_close(c, RPC_E_CLOSED,
				    "peer split its AUTH frame");
				return 0;
			}
			handle_auth(c, c->pt, ctlen - RPC_FRAME_TAG);
		} else if (!part) {
			deliver(c, c->pt, ctlen - RPC_FRAME_TAG);
		} else if (!more) {
			deliver(c, c->msg->data, c->msg->len);
			g_byte_array_set_size(c->msg, 0);
		}
	}
	return 0;
}

/* Everything read was consumed and the peer is not streaming: give the
 * buffers back (the plaintext one wiped). */
static void
release_input(rpc_conn *c)
{
	g_byte_array_unref(c->in);
	c->in = g_byte_array_new();
	c->in_off = 0;
	g_byte_array_unref(c->msg);
	c->msg = g_byte_array_new();
	if (c->pt != NULL) {
		sodium_memzero(c->pt, c->pt_cap);
		g_free(c->pt);
		c->pt = NULL;
		c->pt_cap = 0;
	}
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
			rpci_conn_close(c, RPC_E_CLOSED,
			    "read from %s failed: %s", c->peer_addr,
			    g_strerror(errno));
		goto out;
	}
	g_byte_array_set_size(c->in, (guint)(want - room + (size_t)n));
	if (n == 0) {
		rpci_conn_close(c, RPC_E_CLOSED,
		    "connection %s closed by peer%s", c->peer_addr,
		    c->state == RPCI_CONN_OPEN ? "" :
		    " during the handshake");
		goto out;
	}
	c->need = process_input(c);
	if ((size_t)n < IDLE_READ && c->in_off == c->in->len &&
	    c->msg->len == 0 && c->state == RPCI_CONN_OPEN && !c->closing)
		release_input(c);
out:
	rpci_conn_unref(c);
}

void
rpci_conn_dial(rpc_conn *c)
{
	/* conn_write_cb() starts the handshake once connect() completes. */
	ev_io_start(c->loop, &c->wr);
}

/* ---- building messages ---- */

msgpack_packer *
rpci_conn_packer(rpc_conn *c)
{
	return &c->pk;
}

void
rpci_conn_build_raw(rpc_conn *c, const void *p, size_t len)
{
	msgpack_sbuffer_write(&c->sb, p, len);
}

size_t
rpci_conn_built_size(const rpc_conn *c)
{
	return c->sb.size;
}

void
rpci_conn_build_clear(rpc_conn *c)
{
	msgpack_sbuffer_clear(&c->sb);
}

/* ---- back-pressure ---- */

/* Whether to take input now: the owner wants it (handlers keep up, no
 * gift holds messages back) and the peer reads what we send, that is
 * less than half the output cap is queued.  A peer that sends calls and
 * does not read the answers is thus stopped after about half the cap,
 * and the other half is room for the answers of calls already taken. */
static bool
conn_may_read(const rpc_conn *c)
{
	return c->reading && rpci_conn_out_pending(c) < c->lim->max_outbuf / 2;
}

static void
conn_input_task(void *arg)
{
	rpc_conn *c = arg;

	c->in_inputq = false;
	if (c->state == RPCI_CONN_OPEN && !c->closing &&
	    ev_is_active(&c->rd))
		c->need = process_input(c);
	rpci_conn_unref(c);
}

/* Start or stop the read watcher as conn_may_read() says.  Input read
 * before a pause is processed on a later loop pass, never inside this
 * call (which runs from inside sends and handlers). */
static void
conn_update_reading(rpc_conn *c)
{
	bool want;

	if (c->sched == NULL || c->state != RPCI_CONN_OPEN || c->closing)
		return;
	want = conn_may_read(c);
	if (want && !ev_is_active(&c->rd)) {
		ev_io_start(c->loop, &c->rd);
		if (c->in->len > c->in_off && !c->in_inputq) {
			c->in_inputq = true;
			rpci_sched_defer(c->sched, conn_input_task,
			    rpci_conn_ref(c));
		}
	} else if (!want && ev_is_active(&c->rd)) {
		ev_io_stop(c->loop, &c->rd);
	}
}

/* Run the waiters at the head of the queue whose message now fits (all
 * of them once the connection is closed), on a later loop pass. */
static void
room_waiter_run(void *arg)
{
	struct room_waiter *w = arg;
	rpc_conn *c = w->conn;

	c->room_promised -= w->len;
	w->fn(w->arg);
	g_free(w);
	rpci_conn_unref(c);
}

static void
conn_wake_room_waiters(rpc_conn *c)
{
	struct room_waiter *w;
	bool open = c->state != RPCI_CONN_CLOSED && !c->closing;

	while ((w = g_queue_peek_head(&c->room_waiters)) != NULL) {
		size_t room = rpci_conn_out_room(c);

		/* Room promised to a waiter woken earlier is not offered
		 * again before that waiter has run. */
		room -= MIN(room, c->room_promised);
		if (open && w->len > room)
			break;
		g_queue_pop_head(&c->room_waiters);
		w->conn = rpci_conn_ref(c);
		c->room_promised += w->len;
		if (c->sched != NULL)
			rpci_sched_defer(c->sched, room_waiter_run, w);
		else
			room_waiter_run(w);
	}
}

void
rpci_conn_when_room(rpc_conn *c, size_t len, rpci_task_fn *fn, void *arg)
{
	struct room_waiter *w = g_new0(struct room_waiter, 1);

	w->len = sealed_size(len);
	w->fn = fn;
	w->arg = arg;
	g_queue_push_tail(&c->room_waiters, w);
	conn_wake_room_waiters(c);
}

void
rpci_conn_set_reading(rpc_conn *c, bool want)
{
	if (c->sched == NULL || c->state != RPCI_CONN_OPEN || c->closing)
		return;
	c->reading = want;
	conn_update_reading(c);
}

/* ---- accessors ---- */

void
rpci_conn_set_upper(rpc_conn *c, void *upper, GDestroyNotify free_fn)
{
	c->upper = upper;
	c->upper_free = free_fn;
}

void *
rpci_conn_upper(const rpc_conn *c)
{
	return c->upper;
}

void
rpci_conn_set_tag(rpc_conn *c, void *tag)
{
	c->tag = tag;
}

void *
rpci_conn_tag(const rpc_conn *c)
{
	return c->tag;
}

void
rpci_conn_set_target(rpc_conn *c, const uint8_t *tubid_raw)
{
	memcpy(c->target, tubid_raw, RPC_TUBID_RAW);
}

rpci_conn_state
rpci_conn_state_of(const rpc_conn *c)
{
	return c->state;
}

bool
rpci_conn_is_open(const rpc_conn *c)
{
	return c->state == RPCI_CONN_OPEN && !c->closing;
}

bool
rpci_conn_is_closed(const rpc_conn *c)
{
	return c->state == RPCI_CONN_CLOSED;
}

bool
rpci_conn_is_dup(const rpc_conn *c)
{
	return c->dup;
}

void
rpci_conn_set_dup(rpc_conn *c)
{
	c->dup = true;
}

rpc_hs_role
rpci_conn_role(const rpc_conn *c)
{
	return c->role;
}

const char *
rpci_conn_peer_tubid(const rpc_conn *c)
{
	return c->peer_tubid;
}

const uint8_t *
rpci_conn_peer_tubid_raw(const rpc_conn *c)
{
	return c->peer_tubid_raw;
}

const uint8_t *
rpci_conn_peer_incarnation(const rpc_conn *c)
{
	return c->peer_inc;
}

const char *
rpci_conn_peer_addr(const rpc_conn *c)
{
	return c->peer_addr;
}

const char *
rpci_conn_error(const rpc_conn *c)
{
	return c->error;
}

int
rpci_conn_error_code(const rpc_conn *c)
{
	return c->error_code;
}

size_t
rpci_conn_out_pending(const rpc_conn *c)
{
	return c->out->len - c->out_off;
}

const rpc_limits *
rpci_conn_limits(const rpc_conn *c)
{
	return c->lim;
}

rpci_sched *
rpci_conn_sched(const rpc_conn *c)
{
	return c->sched;
}

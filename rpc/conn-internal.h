/* rpc/conn-internal.h -- one connection between two tubs, as bytes: the
 * handshake, encrypted frames, keepalive and closing.  What the messages
 * mean belongs to the layers above (sess.c, values.c, call.c), which learn
 * of events through rpci_conn_ops; this layer knows nothing of them or of
 * the tub.  Only rpc/ and its unit tests include this file. */
#ifndef RPC_CONN_INTERNAL_H
#define RPC_CONN_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <ev.h>
#include <glib.h>
#include <msgpack.h>

#include "rpc/furl.h"
#include "rpc/hs.h"
#include "rpc/ident.h"
#include "rpc/limits.h"
#include "rpc/sched-internal.h"

typedef struct rpc_conn rpc_conn;

typedef enum {
	RPCI_CONN_CONNECTING,	/* TCP connect in progress (client) */
	RPCI_CONN_HELLO,	/* waiting for the peer's HELLO */
	RPCI_CONN_AUTH,		/* waiting for the peer's AUTH frame */
	RPCI_CONN_OPEN,		/* authenticated; messages flow */
	RPCI_CONN_CLOSED,
} rpci_conn_state;

/* What the owner of a connection is told.  Each runs from inside conn.c
 * with a reference to the connection held. */
typedef struct rpci_conn_ops {
	/* The handshake succeeded: the peer's tubid is known. */
	void	(*opened)(rpc_conn *c, void *arg);
	/* One whole message arrived ('pt' borrowed for the call). */
	void	(*message)(rpc_conn *c, const uint8_t *pt, size_t len,
		    void *arg);
	/* Queued output is about to be written: the last moment to add
	 * to it (releases that were batched). */
	void	(*flushing)(rpc_conn *c, void *arg);
	/* The connection closed; rpci_conn_error() says why.  Once. */
	void	(*closed)(rpc_conn *c, void *arg);
	/* The last reference is going (only while attached). */
	void	(*freed)(rpc_conn *c, void *arg);
} rpci_conn_ops;

/* What a new connection works with; everything is borrowed (the limits
 * until rpci_conn_detach(), so that a change the owner makes applies to
 * its connections) except the incarnation, which is copied. */
typedef struct rpci_conn_cfg {
	struct ev_loop		*loop;
	rpci_sched		*sched;
	const rpc_ident		*ident;		/* for the handshake */
	const uint8_t		*incarnation;	/* RPC_INCARNATION_LEN */
	const rpc_limits	*lim;
	const rpci_conn_ops	*ops;
	void			*arg;		/* passed to each op */
} rpci_conn_cfg;

/* A connection over 'fd' (taken), in state CONNECTING, with one reference
 * (the caller's).  'peer_addr' is for logs. */
rpc_conn *rpci_conn_new(const rpci_conn_cfg *cfg, int fd, rpc_hs_role role,
    const char *peer_addr);
rpc_conn *rpci_conn_ref(rpc_conn *c);
void rpci_conn_unref(rpc_conn *c);		/* NULL is a no-op */
/* Send HELLO and start reading: after accept(), or once connect()
 * completes (a client dialling waits for that by itself after
 * rpci_conn_dial()). */
void rpci_conn_start(rpc_conn *c);
/* Wait for a non-blocking connect() to complete, then start. */
void rpci_conn_dial(rpc_conn *c);
/* The owner is going away: no op runs any more, nothing is scheduled, no
 * watcher is touched.  Only a closed connection may outlive its owner. */
void rpci_conn_detach(rpc_conn *c);
bool rpci_conn_attached(const rpc_conn *c);

/* Close now: stop the watchers, close the socket, record 'code' (RPC_E_*)
 * and the reason, and tell the owner (ops->closed).  Idempotent. */
void rpci_conn_close(rpc_conn *c, int code, const char *fmt, ...)
    G_GNUC_PRINTF(3, 4);
/* Close for a breach by the peer: log it, send ABORT with 'reason' if the
 * connection is open, and close once that is written. */
void rpci_conn_abort(rpc_conn *c, const char *reason);
/* Write queued output now, as far as the socket takes it. */
void rpci_conn_flush(rpc_conn *c);
/* Write queued output (and what ops->flushing adds) before the loop next
 * sleeps. */
void rpci_conn_want_flush(rpc_conn *c);

/* Building a message: pack into rpci_conn_packer(), then send it with
 * rpci_conn_send_built() (which clears the buffer whatever it returns).
 * Return 0, RPC_E_TOOBIG if it is over the frame limit (nothing sent) or
 * RPC_E_CLOSED. */
msgpack_packer *rpci_conn_packer(rpc_conn *c);
/* Append raw bytes to the message being built. */
void rpci_conn_build_raw(rpc_conn *c, const void *p, size_t len);
/* Drop the message being built. */
void rpci_conn_build_clear(rpc_conn *c);
int rpci_conn_send_built(rpc_conn *c);

/* Start or stop reading (back-pressure); ignored unless open.  Reading
 * also pauses by itself while half the output cap is queued, and a
 * message that would take the queue past the cap closes the connection
 * (on the next loop pass; the send fails with RPC_E_CLOSED). */
void rpci_conn_set_reading(rpc_conn *c, bool want);

/* The owner's data: 'upper' is freed with 'free_fn' when the last
 * reference to the connection goes. */
void rpci_conn_set_upper(rpc_conn *c, void *upper, GDestroyNotify free_fn);
void *rpci_conn_upper(const rpc_conn *c);
/* A second pointer the owner may keep (the dialler of a connection). */
void rpci_conn_set_tag(rpc_conn *c, void *tag);
void *rpci_conn_tag(const rpc_conn *c);
/* Client: the tubid hash (RPC_TUBID_RAW bytes) the peer must prove. */
void rpci_conn_set_target(rpc_conn *c, const uint8_t *tubid_raw);

rpci_conn_state rpci_conn_state_of(const rpc_conn *c);
/* Open and not closing: messages may be sent. */
bool rpci_conn_is_open(const rpc_conn *c);
bool rpci_conn_is_closed(const rpc_conn *c);
/* Closed as the loser of two connections between the same tubs
 * (doc/protocol.md §3.4), by either side. */
bool rpci_conn_is_dup(const rpc_conn *c);
void rpci_conn_set_dup(rpc_conn *c);
rpc_hs_role rpci_conn_role(const rpc_conn *c);
/* The authenticated peer (valid once open). */
const char *rpci_conn_peer_tubid(const rpc_conn *c);
const uint8_t *rpci_conn_peer_tubid_raw(const rpc_conn *c);
const uint8_t *rpci_conn_peer_incarnation(const rpc_conn *c);
const char *rpci_conn_peer_addr(const rpc_conn *c);
/* Why it closed (NULL while open) and the RPC_E_* code. */
const char *rpci_conn_error(const rpc_conn *c);
int rpci_conn_error_code(const rpc_conn *c);
/* Bytes queued and not yet written. */
size_t rpci_conn_out_pending(const rpc_conn *c);
/* Bytes that may still be queued before the output cap (max_outbuf) is
 * reached; 0 unless open. */
size_t rpci_conn_out_room(const rpc_conn *c);
/* Whether a message of 'len' plaintext bytes, once sealed into frames,
 * fits in rpci_conn_out_room(). */
bool rpci_conn_can_queue(const rpc_conn *c, size_t len);
/* Run 'fn(arg)' once, on a later loop pass, when a message of 'len'
 * plaintext bytes fits in rpci_conn_out_room() (waiters are served in
 * order), or when the connection closes.  It runs even if the owner
 * detaches meanwhile. */
void rpci_conn_when_room(rpc_conn *c, size_t len, rpci_task_fn *fn,
    void *arg);
/* Plaintext bytes of the message being built. */
size_t rpci_conn_built_size(const rpc_conn *c);
const rpc_limits *rpci_conn_limits(const rpc_conn *c);
/* NULL once detached. */
rpci_sched *rpci_conn_sched(const rpc_conn *c);

#endif

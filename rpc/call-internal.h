/* rpc/call-internal.h -- calls and answers on one connection, as the tub
 * drives them: lookups of swissnums, the messages that arrive, and what a
 * closed connection does to the calls that waited on it.  The public side
 * (rpc_ref_call(), rpc_incall_*()) is in rpc/conn.h.  Only rpc/ and its
 * unit tests include this file. */
#ifndef RPC_CALL_INTERNAL_H
#define RPC_CALL_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include <glib.h>

#include "rpc/conn-internal.h"
#include "rpc/furl.h"
#include "rpc/ref.h"

/* Called exactly once per rpci_call_lookup(): with the reference (borrowed;
 * rpc_ref_ref() it to keep it), or with 'err' (borrowed).  'lost' is the
 * connection when it closed before the answer came (called inside the
 * close, so the owner may move the lookup elsewhere), else NULL; every
 * other failure is reported on a later loop pass. */
typedef void rpci_lookup_fn(rpc_ref *ref, const GError *err, rpc_conn *lost,
    void *arg);

/* Ask the peer for the object named by the swissnum of 'furl' (borrowed
 * until 'fn' runs), over the open connection 'c'. */
void rpci_call_lookup(rpc_conn *c, const rpc_furl *furl, rpci_lookup_fn *fn,
    void *arg);
/* A whole message arrived on 'c' (rpci_conn_ops.message). */
void rpci_call_message(rpc_conn *c, const uint8_t *pt, size_t len);
/* 'c' closed (rpci_conn_ops.closed): fail the calls waiting on it, drop
 * the messages held back and the session's tables. */
void rpci_call_conn_closed(rpc_conn *c);

#endif

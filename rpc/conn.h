/* rpc/conn.h -- remote references, outgoing calls and incoming calls.
 *
 * A reference names an object exported by a peer tub over the one
 * connection between the two tubs.  It dies with that connection: calls on
 * a dead reference fail with RPC_E_CLOSED, and getting a fresh reference is
 * the caller's job (or a reconnector's).
 *
 * The lifetime of a reference is in rpc/ref.h; calls are implemented by
 * call.c, references inside values by values.c. */
#ifndef RPC_CONN_H
#define RPC_CONN_H

#include <glib.h>
#include <msgpack.h>

#include "rpc/mpread.h"
#include "rpc/pack.h"
#include "rpc/ref.h"

typedef struct rpc_call rpc_call;
struct rpc_method;
typedef struct rpc_incall rpc_incall;

/* The references inside one received message (arguments or result):
 * what rpc_value_ref() and rpc_value_pack() resolve a received value
 * through.  Borrowed, valid only during the handler or answer callback
 * that was given it; a handler finds its own in args->refs. */
typedef struct rpc_refctx rpc_refctx;

/* Called exactly once per rpc_ref_call(), never inside it: either with
 * 'result' and its references 'refs' (both borrowed, valid only during the
 * callback) and err == NULL, or with result == NULL, refs == NULL and
 * 'err' (borrowed): RPC_E_REMOTE (see
 * rpc_remote_error_type(): "no-such-method", "no-such-object",
 * "violation", or the type the handler chose), RPC_E_CLOSED,
 * RPC_E_CANCELLED or RPC_E_TOOBIG ("overloaded"). */
typedef void rpc_answer_fn(const msgpack_object *result,
    const rpc_refctx *refs, const GError *err, void *arg);

/* Call 'method' on the object with positional arguments 'args' (a pack
 * holding one msgpack array; NULL means no arguments; the call takes
 * ownership).  Return a handle valid until 'fn' runs. */
rpc_call *rpc_ref_call(rpc_ref *ref, const char *method, rpc_pack *args,
    rpc_answer_fn *fn, void *arg);
/* rpc_ref_call() for a method whose description 'm' the caller shares
 * with the exporter: arguments that do not fit m->args fail at once (in
 * the callback, later) with a remote-style "violation" error and are not
 * sent; a result that does not fit m->result fails the same way. */
rpc_call *rpc_ref_call_checked(rpc_ref *ref, const struct rpc_method *m,
    rpc_pack *args, rpc_answer_fn *fn, void *arg);
/* The same without an answer: nothing reports success or failure. */
void rpc_ref_call_oneway(rpc_ref *ref, const char *method, rpc_pack *args);
/* Give up on a call: its callback runs once, later, with RPC_E_CANCELLED
 * (unless it already ran or is queued to run with another outcome). */
void rpc_call_cancel(rpc_call *call);

/* References inside received values (arguments and results), resolved
 * through the message's context 'refs' (the handler's args->refs, or the
 * answer callback's 'refs').  Each returns a reference borrowed for the
 * duration of the handler or answer callback (rpc_ref_ref() /
 * rpc_obj_ref() to keep it): a remote reference in *ref, or, when the
 * peer sent back one of our own objects, that object in *obj (only if
 * 'obj' is not NULL; otherwise such a value is refused).
 * rpc_value_ref() returns FALSE and rpc_arg_ref() RPC_E_FORMAT (cursor
 * unchanged) if the value is not a reference of that very message (a
 * copy of the value, or a value of another message, resolves to
 * nothing). */
gboolean rpc_value_ref(const rpc_refctx *refs, const msgpack_object *o,
    rpc_ref **ref, rpc_obj **obj);
int rpc_arg_ref(rpc_mp *it, rpc_ref **ref, rpc_obj **obj);
/* Pack a received value 'o' into 'p', references included (as with
 * rpc_pack_ref() / rpc_pack_obj()), during the callback that received it
 * with 'refs'.  Use this, never msgpack_pack_object(), to send on what
 * arrived.  FALSE if 'o' holds a reference that does not resolve (the
 * pack is then incomplete: free it). */
gboolean rpc_value_pack(rpc_pack *p, const rpc_refctx *refs,
    const msgpack_object *o);

/* Finish an incoming call with 'result' (a pack holding exactly one value;
 * NULL means nil; takes ownership).  Exactly one of rpc_incall_return()
 * and rpc_incall_fail() must be called per incall; afterwards the incall is
 * gone.  If the connection died meanwhile, the answer is dropped. */
void rpc_incall_return(rpc_incall *call, rpc_pack *result);
/* Finish it with a remote error of 'type' (e.g. "violation") and a
 * message.  No stack trace or secret should go in the message. */
void rpc_incall_fail(rpc_incall *call, const char *type, const char *fmt,
    ...) G_GNUC_PRINTF(3, 4);
/* Whether an answer whose value takes 'len' bytes (msgpack) can be queued
 * on the caller's connection now without passing its output cap
 * (doc/protocol.md §8).  An answer over the cap closes the connection (the
 * peer does not read), so a handler with a large result (a storage read)
 * asks first and, when this is FALSE, waits with rpc_incall_when_room().
 * FALSE once the connection is gone or for a one-way call. */
gboolean rpc_incall_can_answer(const rpc_incall *call, size_t len);
/* Called once, never inside rpc_incall_when_room(): an answer of 'len'
 * bytes now fits, or the connection is gone (rpc_incall_can_answer()
 * says which).  Either way the handler must still finish 'call'. */
typedef void rpc_incall_room_fn(rpc_incall *call, void *arg);
/* Wait until an answer of 'len' bytes fits in the connection's output
 * queue (waiters on one connection are served in order). */
void rpc_incall_when_room(rpc_incall *call, size_t len,
    rpc_incall_room_fn *fn, void *arg);
/* The calling peer's tubid (borrowed; valid until the incall finishes). */
const char *rpc_incall_peer(const rpc_incall *call);
gboolean rpc_incall_is_oneway(const rpc_incall *call);

#endif

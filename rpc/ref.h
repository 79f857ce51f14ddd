/* rpc/ref.h -- the lifetime of a remote reference: counting, whether its
 * connection is alive, and disconnect observers.  Calls on it are in
 * rpc/conn.h.  This header needs nothing else of rpc/, so that a pack
 * (rpc/pack.h) can hold references without depending on connections. */
#ifndef RPC_REF_H
#define RPC_REF_H

#include <glib.h>

typedef struct rpc_ref rpc_ref;

rpc_ref *rpc_ref_ref(rpc_ref *ref);
/* Drop a reference; when the last goes the peer is told (DECREF). */
void rpc_ref_unref(rpc_ref *ref);			/* NULL is a no-op */
G_DEFINE_AUTOPTR_CLEANUP_FUNC(rpc_ref, rpc_ref_unref)

gboolean rpc_ref_is_connected(const rpc_ref *ref);

/* Called once, never inside the call that registered it, when the
 * connection that 'ref' travels on is gone (as Foolscap's
 * notifyOnDisconnect, this is per connection). */
typedef void rpc_disconnect_fn(void *arg);
/* Register an observer; return an id for rpc_ref_dont_notify().  On a
 * reference whose connection is already gone, 'fn' runs on the next loop
 * pass. */
guint rpc_ref_notify_on_disconnect(rpc_ref *ref, rpc_disconnect_fn *fn,
    void *arg);
/* Remove an observer: 'fn' will not run afterwards.  Unknown ids are
 * ignored. */
void rpc_ref_dont_notify(rpc_ref *ref, guint id);
/* The tubid of the tub that exports the object (borrowed). */
const char *rpc_ref_tubid(const rpc_ref *ref);

#endif

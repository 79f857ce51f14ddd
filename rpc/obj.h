/* rpc/obj.h -- objects a tub exports: a method table plus user data.
 *
 * An object is reference-counted; the tub keeps a reference while it is
 * registered, and each connection keeps one while the peer may still name
 * it.  Handlers run on the loop, one at a time. */
#ifndef RPC_OBJ_H
#define RPC_OBJ_H

#include <stddef.h>

#include <glib.h>

#include "rpc/mpread.h"
#include "rpc/schema.h"

typedef struct rpc_obj rpc_obj;
typedef struct rpc_incall rpc_incall;

/* Handle one call.  'args' is a cursor over the positional arguments,
 * borrowed and valid only during this call; copy what must outlive it.  The
 * handler must finish 'call' exactly once, now or later, with
 * rpc_incall_return() or rpc_incall_fail() (see rpc/conn.h). */
typedef void rpc_method_fn(rpc_incall *call, rpc_mp *args, void *data);

/* One method.  'args' (n_args schemas) and 'result' may be NULL: then
 * the handler checks what it reads itself.  With them, the tub refuses
 * arguments that do not fit with a "violation" error before 'fn' runs,
 * and refuses to send a result that does not fit. */
typedef struct rpc_method {
	const char		*name;
	rpc_method_fn		*fn;
	const rpc_schema	*args;
	uint32_t		 n_args;
	const rpc_schema	*result;
} rpc_method;

typedef struct rpc_iface {
	const char		*name;		/* for logs */
	const rpc_method	*methods;
	size_t			 n_methods;
} rpc_iface;

/* A new object (one reference, the caller's).  'iface' is borrowed and must
 * outlive the object (a static table); 'destroy' (may be NULL) is called on
 * 'data' when the last reference goes. */
rpc_obj *rpc_obj_new(const rpc_iface *iface, void *data,
    GDestroyNotify destroy);
rpc_obj *rpc_obj_ref(rpc_obj *obj);
void rpc_obj_unref(rpc_obj *obj);			/* NULL is a no-op */
G_DEFINE_AUTOPTR_CLEANUP_FUNC(rpc_obj, rpc_obj_unref)
void *rpc_obj_data(const rpc_obj *obj);
const rpc_iface *rpc_obj_iface(const rpc_obj *obj);

/* Call 'fn(data)' when 'obj' is destroyed (like a GObject weak
 * reference); remove it again with rpc_obj_weak_unnotify(). */
void rpc_obj_weak_notify(rpc_obj *obj, GDestroyNotify fn, void *data);
void rpc_obj_weak_unnotify(rpc_obj *obj, GDestroyNotify fn, void *data);

/* The method named by the 'len' bytes at 'name', or NULL. */
const rpc_method *rpc_obj_method(const rpc_obj *obj, const char *name,
    size_t len);

#endif

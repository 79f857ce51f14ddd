/* grid/owner.h -- the data of an exported object that may outlive its
 * owner.
 *
 * A peer may hold a reference to an exported object (the introducer, a
 * subscriber, a storage server) after the service that made it has been
 * freed, and call it.  So the object's data is this small box, owned by
 * the object (freed with it), pointing at the service until the service
 * goes; a handler that finds it empty refuses the call. */
#ifndef GRID_OWNER_H
#define GRID_OWNER_H

#include <glib.h>

#include "rpc/conn.h"
#include "rpc/obj.h"

typedef struct grid_owner {
	void	*p;		/* the service, or NULL once it is gone */
} grid_owner;

/* A new object for 'iface' whose handlers reach 'service' through
 * grid_owner_get(). */
static inline rpc_obj *
grid_owned_obj_new(const rpc_iface *iface, void *service)
{
	grid_owner *o = g_new0(grid_owner, 1);

	o->p = service;
	return rpc_obj_new(iface, o, g_free);
}

/* The service behind handler data 'data', or NULL after
 * grid_owned_obj_release(); then 'call' has been refused. */
static inline void *
grid_owner_get(void *data, rpc_incall *call)
{
	grid_owner *o = data;

	if (o->p == NULL)
		rpc_incall_fail(call, "grid.Gone", "this service has stopped");
	return o->p;
}

/* The service is going: cut the object loose and drop its reference. */
static inline void
grid_owned_obj_release(rpc_obj *obj)
{
	if (obj != NULL)
		((grid_owner *)rpc_obj_data(obj))->p = NULL;
	rpc_obj_unref(obj);
}

#endif

/* rpc/obj.c -- reference-counted exported objects and method lookup. */
#include "config.h"

#include <string.h>

#include "rpc/obj.h"

struct rpc_obj {
	int			 refcnt;
	const rpc_iface		*iface;
	void			*data;
	GDestroyNotify		 destroy;
	GArray			*weak;		/* struct weak */
};

struct weak {
	GDestroyNotify	 fn;
	void		*data;
};

rpc_obj *
rpc_obj_new(const rpc_iface *iface, void *data, GDestroyNotify destroy)
{
	rpc_obj *obj = g_new0(rpc_obj, 1);

	obj->refcnt = 1;
	obj->iface = iface;
	obj->data = data;
	obj->destroy = destroy;
	return obj;
}

rpc_obj *
rpc_obj_ref(rpc_obj *obj)
{
	g_return_val_if_fail(obj != NULL && obj->refcnt > 0, NULL);
	obj->refcnt++;
	return obj;
}

void
rpc_obj_unref(rpc_obj *obj)
{
	if (obj == NULL)
		return;
	g_assert(obj->refcnt > 0);
	if (--obj->refcnt > 0)
		return;
	if (obj->weak != NULL) {
		guint i;

		for (i = 0; i < obj->weak->len; i++) {
			struct weak *w = &g_array_index(obj->weak, struct weak,
			    i);

			w->fn(w->data);
		}
		g_array_free(obj->weak, TRUE);
	}
	if (obj->destroy != NULL)
		obj->destroy(obj->data);
	g_free(obj);
}

void *
rpc_obj_data(const rpc_obj *obj)
{
	return obj->data;
}

const rpc_iface *
rpc_obj_iface(const rpc_obj *obj)
{
	return obj->iface;
}

void
rpc_obj_weak_notify(rpc_obj *obj, GDestroyNotify fn, void *data)
{
	struct weak w = { fn, data };

	if (obj->weak == NULL)
		obj->weak = g_array_new(FALSE, FALSE, sizeof(struct weak));
	g_array_append_val(obj->weak, w);
}

void
rpc_obj_weak_unnotify(rpc_obj *obj, GDestroyNotify fn, void *data)
{
	guint i;

	for (i = 0; obj->weak != NULL && i < obj->weak->len; i++) {
		struct weak *w = &g_array_index(obj->weak, struct weak, i);

		if (w->fn == fn && w->data == data) {
			g_array_remove_index_fast(obj->weak, i);
			return;
		}
	}
}

const rpc_method *
rpc_obj_method(const rpc_obj *obj, const char *name, size_t len)
{
	size_t i;

	for (i = 0; i < obj->iface->n_methods; i++) {
		const rpc_method *m = &obj->iface->methods[i];

		if (strlen(m->name) == len && memcmp(m->name, name, len) == 0)
			return m;
	}
	return NULL;
}

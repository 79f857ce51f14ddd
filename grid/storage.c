/* grid/storage.c -- the storage server object (get_version so far). */
#include "config.h"

#include <errno.h>
#include <string.h>

#include <sys/statvfs.h>

#include <sodium.h>

#include "grid/gm.h"
#include "grid/owner.h"
#include "grid/storage.h"
#include "rpc/common.h"
#include "rpc/conn.h"
#include "rpc/furl.h"

/* Tahoe-LAFS's limit on one immutable share when space allows. */
#define SS_MAX_SHARE	((guint64)1 << 36)

struct grid_ss {
	rpc_tub		*tub;		/* borrowed */
	rpc_obj		*obj;
	char		*dir;
	char		*name;
	guint64		 reserved;
};

guint64
grid_ss_available(const grid_ss *ss)
{
	struct statvfs st;
	guint64 free_bytes;

	if (statvfs(ss->dir, &st) != 0)
		return 0;
	free_bytes = (guint64)st.f_bavail * (guint64)st.f_frsize;
	return free_bytes > ss->reserved ? free_bytes - ss->reserved : 0;
}

static void
ss_get_version(rpc_incall *call, rpc_mp *args, void *data)
{
	grid_ss *ss = grid_owner_get(data, call);
	rpc_pack *p;
	guint64 avail;

	RPC_UNUSED(args);
	if (ss == NULL)
		return;
	p = rpc_pack_new();
	avail = grid_ss_available(ss);
	rpc_pack_map(p, 2);
	rpc_pack_str(p, GRID_SS_PROTOCOL);
	rpc_pack_map(p, 4);
	rpc_pack_str(p, "maximum-immutable-share-size");
	rpc_pack_uint(p, MIN(avail, SS_MAX_SHARE));
	rpc_pack_str(p, "available-space");
	rpc_pack_uint(p, avail);
	rpc_pack_str(p, "tolerates-immutable-read-overrun");
	rpc_pack_bool(p, true);
	rpc_pack_str(p, "delete-mutable-shares-with-zero-length-writev");
	rpc_pack_bool(p, true);
	rpc_pack_str(p, "application-version");
	rpc_pack_str(p, "tahoe-c/" PACKAGE_VERSION);
	rpc_incall_return(call, p);
}

static const rpc_schema version_result = RPC_S_MAP(16, NULL);
static const rpc_method ss_methods[] = {
	{ "get_version", ss_get_version, NULL, 0, &version_result },
};
static const rpc_iface ss_iface = {
	"grid.storage", ss_methods, G_N_ELEMENTS(ss_methods),
};

grid_ss *
grid_ss_new(rpc_tub *tub, const char *dir, guint64 reserved,
    const char *furl_file, char **furl, GError **error)
{
	grid_ss *ss;
	rpc_furl *f = NULL;

	*furl = NULL;
	if (g_mkdir_with_parents(dir, 0700) != 0) {
		g_set_error(error, GRID_ERROR, GRID_E_IO, "%s: %s", dir,
		    g_strerror(errno));
		return NULL;
	}
	ss = g_new0(grid_ss, 1);
	ss->tub = tub;
	ss->dir = g_strdup(dir);
	ss->reserved = reserved;
	ss->obj = grid_owned_obj_new(&ss_iface, ss);
	*furl = rpc_tub_register(tub, ss->obj, NULL, furl_file, error);
	if (*furl == NULL) {
		grid_ss_free(ss);
		return NULL;
	}
	if (rpc_furl_parse(*furl, &f, NULL))
		ss->name = g_strdup(rpc_furl_swissnum(f));
	rpc_furl_free(f);
	return ss;
}

void
grid_ss_free(grid_ss *ss)
{
	if (ss == NULL)
		return;
	if (ss->name != NULL) {
		rpc_tub_unregister(ss->tub, ss->name);
		sodium_memzero(ss->name, strlen(ss->name));
		g_free(ss->name);
	}
	grid_owned_obj_release(ss->obj);
	g_free(ss->dir);
	g_free(ss);
}

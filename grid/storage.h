/* grid/storage.h -- the storage server's remote object.  For now it
 * answers get_version (what Tahoe-LAFS clients ask first); the share
 * methods of RIStorageServer come with the storage work.  See
 * doc/protocol.md §10.3. */
#ifndef GRID_STORAGE_H
#define GRID_STORAGE_H

#include <stdint.h>

#include <glib.h>

#include "rpc/tub.h"

#define GRID_SS_PROTOCOL "http://allmydata.org/tahoe/protocols/storage/v1"

typedef struct grid_ss grid_ss;

/* Serve storage from 'dir' (created if missing) keeping 'reserved' bytes
 * of the disk free, registered on 'tub' (borrowed) under the name kept in
 * 'furl_file'.  Store the FURL in *furl (caller g_free()s; secret). */
grid_ss *grid_ss_new(rpc_tub *tub, const char *dir, guint64 reserved,
    const char *furl_file, char **furl, GError **error);
void grid_ss_free(grid_ss *ss);				/* NULL is a no-op */

/* Bytes a new share may use now: free space minus the reserve. */
guint64 grid_ss_available(const grid_ss *ss);

#endif

/* grid/broker.h -- the storage broker: the servers a client knows from
 * announcements, each kept connected by a reconnector, with the state a
 * status page shows.  Upload server selection will ask it for servers. */
#ifndef GRID_BROKER_H
#define GRID_BROKER_H

#include <stdint.h>

#include <glib.h>
#include <jansson.h>

#include "grid/announce.h"
#include "rpc/tub.h"

typedef struct grid_broker grid_broker;

/* A broker on 'tub' (borrowed; free the broker first).  'gm_keys' holds
 * 'n_gm_keys' trusted grid-manager keys (32 bytes each, copied), used to
 * judge each server's certificates for the status. */
grid_broker *grid_broker_new(rpc_tub *tub, const uint8_t *gm_keys,
    size_t n_gm_keys);
void grid_broker_free(grid_broker *b);			/* NULL is a no-op */

/* Trust these grid managers from now on (a reload of tahoe.cfg): the
 * next upload is judged by them.  'names' (n_gm_keys strings, copied; may
 * be NULL) are the [grid_managers] names the status shows. */
void grid_broker_set_gm_keys(grid_broker *b, const uint8_t *gm_keys,
    size_t n_gm_keys, char *const *names);

/* Append {"name", "key"} for each trusted grid manager to 'out'. */
void grid_broker_gm_status(grid_broker *b, json_t *out);

/* Take note of a verified storage announcement ('a' borrowed): a new
 * server, or a newer announcement of a known one (a new FURL means a new
 * reconnector).  The node's own announcement ('a' signed by the tub's own
 * key) is listed without a connection. */
void grid_broker_announce(grid_broker *b, const grid_ann *a);

/* Append one object per server to 'servers': nickname, node_id,
 * address, state, since, last_seen, last_error, this_node, grid_manager
 * and, with trusted managers, certified_by, certificate_expires (see
 * doc/status.md). */
void grid_broker_status(grid_broker *b, json_t *servers);

/* Append to 'out' (an array of grid_upload_server) every connected
 * server whose get_version answered, with pointers borrowed from the
 * broker (valid until the loop runs again).  With 'for_upload' and
 * trusted grid managers, only servers holding a certificate valid now
 * from one of them.  Return how many were added. */
guint grid_broker_usable(grid_broker *b, gboolean for_upload, GArray *out);

guint grid_broker_n_servers(const grid_broker *b);
guint grid_broker_n_connected(const grid_broker *b);

#endif

/* grid/gnode.h -- the grid services of a running node, chosen from its
 * directory: an introducer (DIR/tahoe-introducer.tac), or a client that
 * may also be a storage server (DIR/tahoe-client.tac). */
#ifndef GRID_GNODE_H
#define GRID_GNODE_H

#include <glib.h>

#include "node/node.h"

typedef struct grid_node grid_node;

/* Start the services on the started node 'n' (borrowed; outlives the
 * result) and hook them into its status.  NULL with a one-line error
 * naming the file, section and key of a bad setting. */
grid_node *grid_node_start(node *n, GError **error);
/* The node's storage server (NULL if it serves none) and storage broker
 * (NULL on an introducer), borrowed, for services built on grid/
 * (account/): a storage node whose directory holds serverdesk.furl and
 * whose introducer.furl is empty registers no anonymous storage facet, and
 * its PSS facets are made from this server; a client given servers by an
 * account manager hands them to this broker. */
struct grid_ss;
struct grid_broker;
struct grid_ss *grid_node_storage(const grid_node *g);
struct grid_broker *grid_node_broker(const grid_node *g);

/* Stop them (before node_free()).  NULL is a no-op. */
void grid_node_stop(grid_node *g);

/* Add grid's sections for a node of 'kind' (the document's "kind":
 * "introducer", "client" or "storage"; NULL as "client") to 'l', so that
 * a status document fetched from a node can be shown (`tahoe status`). */
void grid_status_layout_add(node_status_layout *l, const char *kind);

#endif

/* grid/intro_client.h -- a node's side of the introducer: publish this
 * node's announcements and subscribe to others', kept alive across
 * introducer restarts by a reconnector (after every reconnection
 * everything is published and subscribed again). */
#ifndef GRID_INTRO_CLIENT_H
#define GRID_INTRO_CLIENT_H

#include <glib.h>
#include <jansson.h>

#include "grid/announce.h"
#include "rpc/tub.h"

typedef struct grid_ic grid_ic;

/* Called for every announcement that verifies ('a' borrowed). */
typedef void grid_ann_fn(const grid_ann *a, void *arg);

/* Start connecting to 'furl' through 'tub' (borrowed; free the client
 * first).  NULL with an error if the FURL does not parse. */
grid_ic *grid_ic_new(rpc_tub *tub, const char *furl, GError **error);
void grid_ic_free(grid_ic *ic);				/* NULL is a no-op */

/* Publish 'a' (takes ownership) now if connected and after every
 * reconnection. */
void grid_ic_publish(grid_ic *ic, grid_ann *a);

/* Receive the announcements of 'service' through 'fn'. */
void grid_ic_subscribe(grid_ic *ic, const char *service, grid_ann_fn *fn,
    void *arg);

/* Fill 'o' with state, address (the FURL's hints, never its swissnum),
 * since, last_error and connections. */
void grid_ic_status(grid_ic *ic, json_t *o);

#endif

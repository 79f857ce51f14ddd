/* grid/client.h -- a node's immutable-file client: its secrets, its
 * encoding parameters, and uploads and downloads over the servers its
 * storage broker knows.  The web API (PUT /uri, GET /uri/$CAP) drives it;
 * see doc/configuration.md ("Files").
 *
 * Secrets, in Tahoe-LAFS's files and format (base32 of 32 random bytes
 * and a newline, mode 0600): private/convergence keys convergent
 * encryption (the same file, parameters and secret give the same cap),
 * private/secret derives the lease secrets. */
#ifndef GRID_CLIENT_H
#define GRID_CLIENT_H

#include <stdint.h>

#include <ev.h>
#include <glib.h>

#include "grid/broker.h"
#include "grid/chk.h"
#include "grid/download.h"
#include "grid/upload.h"

typedef struct grid_client grid_client;

/* A client for a node whose private directory is 'private_dir' (its
 * secrets are loaded or created there), using the servers of 'b'
 * (borrowed; outlives the client) and parameters 'p' (copied).  NULL
 * with an error if a secret cannot be had. */
grid_client *grid_client_new(struct ev_loop *loop, const char *private_dir,
    grid_broker *b, const grid_chk_params *p, GError **error);
void grid_client_free(grid_client *c);			/* NULL is a no-op */

const grid_chk_params *grid_client_params(const grid_client *c);

/* Upload 'size' bytes of 'fd' (as grid_upload_start()).  Refused at once
 * (NULL and GRID_E_UNHAPPY) when the servers that may be used cannot
 * reach shares.happy: the message names how many servers are connected,
 * how many of them a trusted grid manager certified (when there are
 * trusted managers), and the happiness required. */
grid_upload *grid_client_put(grid_client *c, int fd, guint64 size,
    grid_upload_fn *fn, void *arg, GError **error);

/* Download (as grid_download_start()) from every connected server. */
grid_download *grid_client_get(grid_client *c, const grid_uri *cap,
    guint64 offset, guint64 length, grid_download_data_fn *data,
    grid_download_done_fn *done, void *arg);

#endif

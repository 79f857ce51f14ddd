/* grid/webapi.h -- the client's web API for immutable files (Tahoe-LAFS's
 * PUT /uri and GET /uri/$CAP), served by the node's web server.  See
 * doc/configuration.md ("Files"). */
#ifndef GRID_WEBAPI_H
#define GRID_WEBAPI_H

#include "grid/client.h"
#include "node/web.h"

/* Route PUT /uri and GET (and HEAD) /uri/... of 'w' to 'c' (both
 * borrowed; the client must outlive the server). */
void grid_webapi_add(node_web *w, grid_client *c);

#endif

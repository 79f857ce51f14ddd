/* node/web.h -- the welcome page: a small HTTP server (libmicrohttpd)
 * driven by the node's libev loop, no threads.
 *
 * GET / answers an HTML page built from the node's status document; GET
 * /?t=json answers the same document as JSON.  The document comes from a
 * callback each time a page is asked for.  See doc/configuration.md
 * (web.port) and doc/status.md (the document). */
#ifndef NODE_WEB_H
#define NODE_WEB_H

#include <stdint.h>

#include <ev.h>
#include <glib.h>

#include "node/status.h"

typedef struct node_web node_web;

/* Return the status document (a new JSON object; the web server frees
 * it).  Called on the loop, once per request. */
typedef json_t *node_web_status_fn(void *arg);

/* Serve on 'loop' (borrowed; outlives the server) at 'port_spec', in the
 * forms tahoe.cfg's [node] web.port accepts: "tcp:PORT",
 * "tcp:PORT:interface=ADDR", or a bare "PORT" (PORT 0: an ephemeral port;
 * ADDR an IPv4 or IPv6 literal, default 127.0.0.1).  FALSE-style NULL with
 * a one-line error (NODE_ERROR) naming the spec for a malformed spec or a
 * port that cannot be bound. */
node_web *node_web_new(struct ev_loop *loop, const char *port_spec,
    node_web_status_fn *fn, void *arg, GError **error);
void node_web_free(node_web *w);			/* NULL is a no-op */

/* Lay the page out by 'layout' (borrowed; must outlive the server or be
 * replaced first).  Without one the page shows the node's own section and
 * every other top-level value by name. */
void node_web_set_layout(node_web *w, const node_status_layout *layout);

/* The port actually bound. */
uint16_t node_web_port(const node_web *w);
/* "http://ADDR:PORT/" (caller g_free()s), as written to DIR/node.url. */
char *node_web_url(const node_web *w);

#endif

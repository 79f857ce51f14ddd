/* node/web.h -- the welcome page: a small HTTP server (libmicrohttpd)
 * driven by the node's libev loop, no threads.
 *
 * GET / answers an HTML page built from the node's status document; GET
 * /?t=json answers the same document as JSON; ?page=N asks for page N of
 * what a service shows in pages.  The document comes from a
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
 * it) for page 'page' of the welcome page (?page=N, 1 to
 * NODE_STATUS_PAGE_MAX; 0 when not asked).  Called on the loop, once per
 * request. */
typedef json_t *node_web_status_fn(guint page, void *arg);

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

/* ---- application routes (the web API) ----
 *
 * A route takes the requests whose method is 'method' and whose path
 * starts with 'prefix' (GET routes take HEAD too).  A request body (PUT,
 * POST) is first stored in an unlinked temporary file in the directory
 * set with node_web_set_tmpdir() (the system's by default), so a handler
 * sees a whole body, of any size, in bounded memory.  The handler must
 * answer each request exactly once, then or later, with
 * node_web_req_respond() or with node_web_req_stream() followed by
 * node_web_req_write() calls and one node_web_req_end().  If the client
 * goes away first, the 'gone' callback runs (the handler should stop its
 * work) and the answer is still owed, but goes nowhere. */
typedef struct node_web_req node_web_req;
typedef void node_web_route_fn(node_web_req *req, void *arg);
typedef void node_web_req_fn(node_web_req *req, void *arg);

/* Add a route; 'method' and 'prefix' are copied.  Routes are tried in
 * the order added, before the welcome page. */
void node_web_add_route(node_web *w, const char *method, const char *prefix,
    node_web_route_fn *fn, void *arg);
/* Where request bodies are spooled ('dir' copied; created if missing). */
void node_web_set_tmpdir(node_web *w, const char *dir);

/* The request (all borrowed; valid until the request is answered). */
const char *node_web_req_method(const node_web_req *req);
const char *node_web_req_path(const node_web_req *req);	/* decoded */
/* A header or query argument, or NULL; *len gets its length (a value may
 * hold a NUL byte after decoding: compare lengths). */
const char *node_web_req_header(const node_web_req *req, const char *name);
const char *node_web_req_arg(const node_web_req *req, const char *name,
    size_t *len);
/* The spooled body: a descriptor at offset 0 (owned by the request) and
 * its size; -1 and 0 without a body. */
int node_web_req_body_fd(const node_web_req *req);
guint64 node_web_req_body_size(const node_web_req *req);

/* Answer with 'body' ('len' bytes, copied) of content type 'type'. */
void node_web_req_respond(node_web_req *req, unsigned status,
    const char *type, const void *body, size_t len);
/* Start a streamed answer of exactly 'length' bytes ('content_range'
 * names a 206 answer's range, or NULL). */
void node_web_req_stream(node_web_req *req, unsigned status,
    const char *type, guint64 length, const char *content_range);
/* Queue body bytes (copied).  FALSE when more than NODE_WEB_STREAM_HIGH
 * bytes wait for the client: stop producing until 'drain' runs. */
gboolean node_web_req_write(node_web_req *req, const void *p, size_t len);
/* The stream is complete ('ok'), or broken off (the connection is
 * closed, so the client sees a short answer). */
void node_web_req_end(node_web_req *req, gboolean ok);
/* Callbacks: 'drain' when the queued bytes fall below half the mark,
 * 'gone' when the client has gone (both on the loop, never inside a
 * node_web_req_* call). */
void node_web_req_on_drain(node_web_req *req, node_web_req_fn *fn,
    void *arg);
void node_web_req_on_gone(node_web_req *req, node_web_req_fn *fn, void *arg);

#define NODE_WEB_STREAM_HIGH	(4 * 1024 * 1024)

/* The port actually bound. */
uint16_t node_web_port(const node_web *w);
/* "http://ADDR:PORT/" (caller g_free()s), as written to DIR/node.url. */
char *node_web_url(const node_web *w);

#endif

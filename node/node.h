/* node/node.h -- a running node: its directory, key, tub, control
 * service, web page, log and lifecycle (`tahoe run`).
 *
 * node/ knows nothing of the services a node offers; grid/ adds them on
 * the node's tub and contributes to its status document.  See
 * doc/configuration.md and doc/status.md. */
#ifndef NODE_NODE_H
#define NODE_NODE_H

#include <ev.h>
#include <glib.h>

#include "node/cfg.h"
#include "node/status.h"
#include "rpc/tub.h"

typedef struct node node;

/* Open node directory 'dir' on 'loop' (borrowed): take its run lock, read
 * tahoe.cfg, load the node key, open logs/node.log.  Nothing listens yet.
 * NULL with a one-line error otherwise. */
node *node_open(struct ev_loop *loop, const char *dir, GError **error);

/* Listen as tub.port says (tub.location, with a port 0 in it replaced by
 * the bound port, goes into FURLs; "disabled" listens on an ephemeral
 * loopback port for the control FURL only), register the control object
 * at private/control.furl and serve web.port (writing node.url). */
gboolean node_start(node *n, GError **error);

/* Add a section to the status document (doc/status.md).  'fn' (may be
 * NULL when another section's function writes this one's members) adds
 * the section's members to the document, an object holding the node's
 * own members (nickname, node_id, tubid, version, started) and those of
 * the sections added before; it is called on the loop each time the
 * status is asked for.  'section' (borrowed: static) says how the page and
 * `tahoe status` show them; NULL adds data only. */
typedef void node_status_fn(json_t *status, void *arg);
void node_add_status_section(node *n, const node_status_section *section,
    node_status_fn *fn, void *arg);
/* Remove every section and reload function added (the services are
 * stopping). */
void node_clear_status_sections(node *n);

/* Apply a changed tahoe.cfg to the running node.  The control object's
 * "reload" method (what `tahoe admin add-grid-manager-cert` and friends
 * call) reads tahoe.cfg again and hands it (borrowed) to each function
 * added here, in order; each checks what it reads before changing
 * anything, appends a line for the user to 'report' and returns TRUE, or
 * returns FALSE with a one-line error, which stops the reload and goes
 * back to the caller.  When all succeed the node keeps the new
 * configuration (node_cfg()). */
typedef gboolean node_reload_fn(node_config *cfg, GString *report, void *arg,
    GError **error);
void node_add_reload_fn(node *n, node_reload_fn *fn, void *arg);
/* Do what "reload" does; caller g_free()s the report. */
char *node_reload(node *n, GError **error);

/* A new status document (caller json_decref()s). */
json_t *node_status(node *n);
/* While a status filler runs for the welcome page: the page asked for
 * (?page=N, 1 to NODE_STATUS_PAGE_MAX); 0 otherwise (page 1 then). */
guint node_status_page(const node *n);

/* Run the loop until SIGINT or SIGTERM; then call 'stop' (grid services
 * let go of the tub here) and return 0. */
typedef void node_stop_fn(void *arg);
int node_run(node *n, node_stop_fn *stop, void *arg);

/* Close connections, remove private/control.furl, release the lock and
 * the log.  NULL is a no-op. */
void node_free(node *n);

struct ev_loop *node_loop(const node *n);
/* The node's web server (web.port), or NULL when it has none. */
struct node_web *node_web_server(const node *n);
rpc_tub *node_tub(const node *n);
node_config *node_cfg(const node *n);
const char *node_dir(const node *n);
const char *node_nickname(const node *n);
/* "pub-v0-..." (borrowed). */
const char *node_id(const node *n);
/* DIR/private/NAME (caller g_free()s). */
char *node_private_path(const node *n, const char *name);

#define NODE_VERSION_STRING	"tahoe-c " PACKAGE_VERSION

#endif

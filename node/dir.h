/* node/dir.h -- node directories: creating them (`tahoe create-*`),
 * endpoint strings of tahoe.cfg, and the lock that keeps one `tahoe run`
 * per directory.  See doc/configuration.md. */
#ifndef NODE_DIR_H
#define NODE_DIR_H

#include <stdint.h>

#include <sys/socket.h>

#include <glib.h>

#include "rpc/ident.h"

/* An endpoint of tahoe.cfg's tub.port or web.port: "tcp:PORT",
 * "tcp:PORT:interface=ADDR" or a bare "PORT".  'host' is ADDR or the
 * caller's default; PORT 0 means an ephemeral port. */
typedef struct node_endpoint {
	char		*host;		/* caller g_free()s */
	uint16_t	 port;
} node_endpoint;

/* Parse 'spec' for the tahoe.cfg key 'key' (used in the message only).
 * ADDR may escape its colons with backslashes or sit in brackets, as in
 * Twisted's endpoint strings.  FALSE with a one-line NODE_E_FORMAT error
 * "KEY 'SPEC': REASON" otherwise. */
gboolean node_endpoint_parse(const char *key, const char *spec,
    const char *default_host, node_endpoint *ep, GError **error);
void node_endpoint_clear(node_endpoint *ep);
/* Set "KEY 'SPEC': WHY" (NODE_ERROR, 'code'), the spec cut short and
 * kept on one line; return FALSE. */
gboolean node_endpoint_error(GError **error, int code, const char *key,
    const char *spec, const char *why);

/* Fill 'ss' and 'len' for the IPv4 or IPv6 literal 'host' and 'port';
 * FALSE if 'host' is neither. */
gboolean node_addr_sockaddr(const char *host, uint16_t port,
    struct sockaddr_storage *ss, socklen_t *len);

/* A TCP port free right now on 'host' (bind to port 0, read it back,
 * close), as Tahoe-LAFS's allocate_tcp_port(): a later bind could race
 * with another program, which the operator then sees as "port in use". */
uint16_t node_alloc_port(const char *host, GError **error);

/* 'location' (comma-separated FURL hints) with every hint of port 0
 * given 'port'.  NULL with an error prefixed by 'what' (the option or key)
 * if a hint does not parse.  Caller g_free()s. */
char *node_location_with_port(const char *location, uint16_t port,
    const char *what, GError **error);

typedef enum {
	NODE_KIND_INTRODUCER,
	NODE_KIND_NODE,		/* storage server and client */
	NODE_KIND_CLIENT,	/* client only */
} node_kind;

typedef struct node_create_opts node_create_opts;

/* The services' part of a new node directory, called by node_dir_create()
 * with the directory being built ('dir', under a temporary name; its
 * private/ exists, mode 0700), its tahoe.cfg ('kf', to add sections to),
 * the options, the node key and the tub.location written (NULL if the
 * node does not listen).  It may add sections and write files under
 * 'dir'.  FALSE with a one-line error stops the creation, leaving
 * nothing. */
typedef gboolean node_create_fn(const char *dir, GKeyFile *kf,
    const node_create_opts *o, const rpc_ident *id, const char *location,
    GError **error);

/* What `tahoe create-*` was told; NULL/0 fields take the defaults of
 * doc/configuration.md. */
struct node_create_opts {
	node_kind	 kind;
	const char	*nickname;
	const char	*introducer_furl;
	const char	*listen;	/* "tcp" or "none" */
	const char	*port;		/* tub.port: PORT or an endpoint */
	const char	*location;	/* tub.location hints */
	const char	*hostname;	/* location tcp:HOSTNAME:PORT */
	const char	*webport;	/* web.port: PORT or an endpoint */
	/* The services' part (grid_create_sections()) and their options;
	 * NULL for none. */
	node_create_fn	*services;
	const void	*services_arg;
};

/* Create node directory 'dir' (which must not exist, or be empty): its
 * tahoe.cfg, node key (private/node.privkey, node.pubkey), the file that
 * marks its kind, and what o->services adds.  Everything is built under a
 * temporary name beside 'dir' and renamed into place, so a failure leaves
 * nothing behind.  A one-line error naming the bad option otherwise. */
gboolean node_dir_create(const char *dir, const node_create_opts *o,
    GError **error);

/* Take the run lock of 'dir' (DIR/node.lock, an fcntl lock held while the
 * returned descriptor stays open; the file holds the pid).  -1 with
 * NODE_E_EXISTS ("already running (pid N)") if another process holds it. */
int node_dir_lock(const char *dir, GError **error);

/* A node's private secrets in Tahoe-LAFS's files (private/convergence,
 * private/secret): base32 of NODE_SECRET_NEW_LEN random bytes and a
 * newline, mode 0600. */
#define NODE_SECRET_NEW_LEN	32
#define NODE_SECRET_MAX		64	/* bytes a secret file may hold */

/* Read the secret in 'path' (base32 text, surrounding white space
 * ignored), or create it if the file does not exist.  Store its bytes in
 * 'out' (room for NODE_SECRET_MAX) and their count in *len.  FALSE with an
 * error naming the file (never its content) if it cannot be read or
 * written or does not hold base32 of 1 to NODE_SECRET_MAX bytes. */
gboolean node_secret_load_or_create(const char *path, uint8_t *out,
    size_t *len, GError **error);

/* Remove 'path' and everything below it, never following a symbolic
 * link (a link is removed, not its target).  Errors are ignored: what
 * cannot be removed stays. */
void node_remove_tree(const char *path);

#endif

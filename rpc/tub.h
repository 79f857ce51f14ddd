/* rpc/tub.h -- the tub: a Foolscap-style capability RPC endpoint.
 *
 * A tub has an identity (rpc/ident.h), listens on TCP, exports objects
 * under FURLs and connects to other tubs' FURLs.  One connection per pair
 * of tubs carries every reference between them.  Everything runs on one
 * libev loop passed in explicitly; nothing here starts threads.  See
 * doc/protocol.md for the wire protocol. */
#ifndef RPC_TUB_H
#define RPC_TUB_H

#include <stdbool.h>
#include <stdint.h>

#include <ev.h>
#include <glib.h>

#include "rpc/conn.h"
#include "rpc/furl.h"
#include "rpc/ident.h"
#include "rpc/limits.h"
#include "rpc/obj.h"

typedef struct rpc_tub rpc_tub;


/* A new tub on 'loop' (borrowed; must outlive the tub) with identity 'id'
 * (the tub takes ownership) and limits 'lim' (copied; NULL for defaults). */
rpc_tub *rpc_tub_new(struct ev_loop *loop, rpc_ident *id,
    const rpc_limits *lim);

/* Close every connection (pending calls and lookups complete with
 * RPC_E_CLOSED before this returns), stop listening and free the tub. */
void rpc_tub_free(rpc_tub *tub);			/* NULL is a no-op */

const char *rpc_tub_tubid(const rpc_tub *tub);
const rpc_ident *rpc_tub_ident(const rpc_tub *tub);
struct ev_loop *rpc_tub_loop(const rpc_tub *tub);
const rpc_limits *rpc_tub_limits(const rpc_tub *tub);

/* Listen on 'host' (an IPv4 or IPv6 literal, e.g. "127.0.0.1") and 'port'
 * (0: an ephemeral port).  Unless rpc_tub_set_location() was called, the
 * location becomes "tcp:HOST:PORT" with the actual port. */
gboolean rpc_tub_listen(rpc_tub *tub, const char *host, uint16_t port,
    GError **error);
/* The port actually bound, or 0 if not listening. */
uint16_t rpc_tub_port(const rpc_tub *tub);

/* Set the connection hints put in FURLs ("tcp:HOST:PORT,..."; "" for none).
 * Checked like FURL hints. */
gboolean rpc_tub_set_location(rpc_tub *tub, const char *location,
    GError **error);

/* Register 'obj' (the tub keeps a reference) under 'name', or under a new
 * random 160-bit base32 swissnum if 'name' is NULL, and return its FURL
 * (caller g_free()s).  With 'furl_file', a name stored there by an earlier
 * run is reused (so the FURL is stable with the same key) and the FURL is
 * written there (mode 0600).  Fails if the name is taken, invalid, or the
 * file names another tub. */
char *rpc_tub_register(rpc_tub *tub, rpc_obj *obj, const char *name,
    const char *furl_file, GError **error);
/* Forget a registered name; existing references keep working. */
gboolean rpc_tub_unregister(rpc_tub *tub, const char *name);
/* The FURL a registration under 'name' has (caller g_free()s). */
char *rpc_tub_furl_for_name(const rpc_tub *tub, const char *name);

/* Asked, in registration order, for a swissnum that is not registered:
 * return a new reference to an object to serve it, or NULL to refuse.
 * 'swissnum' is borrowed (NUL-terminated) and secret: never log it. */
typedef rpc_obj *rpc_lookup_fn(rpc_tub *tub, const char *swissnum,
    void *arg);
void rpc_tub_add_lookup_handler(rpc_tub *tub, rpc_lookup_fn *fn, void *arg);

/* Called exactly once per rpc_tub_get_ref(), never inside it: with a new
 * reference 'ref' (the callee owns it; rpc_ref_unref() it) and err == NULL,
 * or with ref == NULL and 'err' (borrowed): RPC_E_FORMAT (bad FURL),
 * RPC_E_MISMATCH (the server's key is not the FURL's tubid), RPC_E_REMOTE
 * of type "not-found", RPC_E_SYSTEM (connect failed), RPC_E_TIMEOUT or
 * RPC_E_CLOSED. */
typedef void rpc_getref_fn(rpc_ref *ref, const GError *err, void *arg);
void rpc_tub_get_ref(rpc_tub *tub, const char *furl, rpc_getref_fn *fn,
    void *arg);
/* The same for a FURL already parsed ('furl' is copied): what every layer
 * that received a FURL as text and parsed it once should call. */
void rpc_tub_get_ref_furl(rpc_tub *tub, const rpc_furl *furl,
    rpc_getref_fn *fn, void *arg);

/* Number of authenticated connections (for tests and status). */
guint rpc_tub_n_connections(const rpc_tub *tub);
/* Number of names registered with rpc_tub_register(), for tests.  Not
 * counted: the names made for objects passed by reference in calls
 * (they live as long as the object) and what name-lookup handlers
 * answer. */
guint rpc_tub_n_registered(const rpc_tub *tub);
/* Whether the tub has an authenticated connection to tub 'tubid' (its
 * base32 text) now. */
gboolean rpc_tub_is_connected(const rpc_tub *tub, const char *tubid);

#endif

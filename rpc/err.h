/* rpc/err.h -- error codes of the wire path and the RPC_ERROR GError domain.
 *
 * Small negative codes are returned on the per-byte and per-frame path
 * (readers, framing, pre-scan); GError carries the same codes, with a
 * message, wherever a human may need to read what went wrong. */
#ifndef RPC_ERR_H
#define RPC_ERR_H

#include <glib.h>

typedef enum {
	RPC_OK = 0,
	RPC_E_SHORT = -1,	/* need more bytes; normal on a stream */
	RPC_E_FORMAT = -2,	/* malformed, or wrong shape or type */
	RPC_E_TOOBIG = -3,	/* over a configured limit */
	RPC_E_TRAILING = -4,	/* bytes left after a complete item */
	RPC_E_CRYPTO = -5,	/* MAC, signature or handshake failure */
	RPC_E_CLOSED = -6,	/* connection lost; no answer will come */
	RPC_E_CANCELLED = -7,
	RPC_E_REMOTE = -8,	/* peer raised; see rpc_remote_error_type() */
	RPC_E_SYSTEM = -9,	/* message carries strerror(errno) */
	RPC_E_NOTFOUND = -10,	/* no object for that swissnum */
	RPC_E_MISMATCH = -11,	/* server key differs from the FURL's tubid */
	RPC_E_TIMEOUT = -12,
} rpc_err;

#define RPC_ERROR (rpc_error_quark())
GQuark rpc_error_quark(void);

/* Return a static, human-readable description of 'r'. */
const char *rpc_strerror(int r);

/* Set 'error' (may be NULL) in the RPC_ERROR domain with code 'r' and a
 * printf-style message.  Always return FALSE, so callers can write
 * "return rpc_set_error(error, RPC_E_FORMAT, ...);". */
gboolean rpc_set_error(GError **error, int r, const char *fmt, ...)
	G_GNUC_PRINTF(3, 4);

/* Remote errors (RPC_E_REMOTE) carry the type the peer named, such as
 * "not-found", "no-such-method", "violation" or an application type like
 * "grid.QuotaExceeded".  Set 'error' to a remote error of 'type' with
 * message 'msg' (both borrowed, copied). */
void rpc_set_remote_error(GError **error, const char *type, const char *msg);

/* Return the remote type of 'error' (borrowed from it), or NULL if it is not
 * a remote error. */
const char *rpc_remote_error_type(const GError *error);

#endif

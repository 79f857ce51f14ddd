/* rpc/reconnect.h -- keep a FURL connected (Foolscap's Reconnector).
 *
 * The reconnector asks for a reference to the FURL at once, hands each
 * fresh reference to the application, watches for its connection to go,
 * and tries again: at once after a disconnect, then after waits that start
 * at 'initial' seconds and grow by 'factor' (with random jitter) up to
 * 'max', resetting after every successful connection. */
#ifndef RPC_RECONNECT_H
#define RPC_RECONNECT_H

#include <glib.h>

#include "rpc/tub.h"

typedef struct rpc_reconnector rpc_reconnector;

typedef struct rpc_backoff {
	double	initial;	/* seconds before the second try: 1 */
	double	factor;		/* growth per failure: e (2.718...) */
	double	max;		/* cap: 3600 */
	double	jitter;		/* each wait is multiplied by a random
				 * factor in [1 - jitter, 1 + jitter]:
				 * 0.1196 (Foolscap's) */
} rpc_backoff;

void rpc_backoff_init(rpc_backoff *b);

/* Called after each (re)connection with a reference borrowed for the call
 * (rpc_ref_ref() it to keep it).  Never called after
 * rpc_reconnector_free(). */
typedef void rpc_connected_fn(rpc_ref *ref, void *arg);

/* Start keeping 'furl' (copied) connected through 'tub' (borrowed; free
 * every reconnector before the tub).  'b' NULL means the defaults.  The
 * first attempt starts on the next loop pass.  Returns NULL with 'error'
 * set if the FURL does not parse. */
rpc_reconnector *rpc_reconnector_new(rpc_tub *tub, const char *furl,
    const rpc_backoff *b, rpc_connected_fn *fn, void *arg, GError **error);
/* The same for a FURL already parsed ('furl' is copied, and wiped when the
 * reconnector is freed); never fails.  Each attempt dials the parsed FURL:
 * nothing is formatted or parsed again. */
rpc_reconnector *rpc_reconnector_new_furl(rpc_tub *tub, const rpc_furl *furl,
    const rpc_backoff *b, rpc_connected_fn *fn, void *arg);
/* Stop: no callback runs after this returns.  NULL is a no-op. */
void rpc_reconnector_free(rpc_reconnector *r);

typedef enum {
	RPC_RC_CONNECTING,	/* an attempt is in progress */
	RPC_RC_CONNECTED,
	RPC_RC_WAITING,		/* until the next attempt */
} rpc_rc_state;

rpc_rc_state rpc_reconnector_state(const rpc_reconnector *r);
const char *rpc_reconnector_state_name(rpc_rc_state s);
/* Seconds until the next attempt (WAITING), else 0. */
double rpc_reconnector_next_try(const rpc_reconnector *r);
/* The reason the last attempt or connection failed, or NULL (borrowed). */
const char *rpc_reconnector_last_error(const rpc_reconnector *r);
/* The current reference while CONNECTED, else NULL (borrowed). */
rpc_ref *rpc_reconnector_ref(const rpc_reconnector *r);
/* Number of successful connections so far. */
guint rpc_reconnector_n_connects(const rpc_reconnector *r);
/* Try now, with the wait reset to 'initial' (for a user's "retry"). */
void rpc_reconnector_reset(rpc_reconnector *r);

#endif

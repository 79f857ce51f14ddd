/* grid/introducer.h -- the introducer: a meeting point where nodes publish
 * signed announcements and subscribers receive them.  See doc/protocol.md
 * §10 for its two interfaces:
 *
 *   introducer.publish(msg: bin, sig: bin, key: str) -> nil
 *   introducer.subscribe(subscriber: ref, service: str) -> nil
 *   subscriber.announce(anns: list of [msg, sig, key]) -> nil
 *
 * The introducer keeps the newest announcement (highest seqnum) per node
 * and service, sends a new subscriber every current one for its service
 * and every later one as it arrives.  It verifies each announcement and
 * drops (and logs) those that do not check out; subscribers verify again,
 * since they need not trust the introducer. */
#ifndef GRID_INTRODUCER_H
#define GRID_INTRODUCER_H

#include <glib.h>
#include <jansson.h>

#include "grid/announce.h"
#include "rpc/tub.h"

#define GRID_INTRO_MAX_ANNS	10000	/* announcements kept */
#define GRID_INTRO_MAX_BYTES	(64 * 1024 * 1024) /* and their bytes: a grid
					 * of 10000 nodes announces ~30 MB */
#define GRID_INTRO_STATUS_MAX	1000	/* listed in the status */
#define GRID_INTRO_MAX_SUBS	10000	/* subscribers in all; a peer has at
					 * most one per known service */
#define GRID_INTRO_BATCH	1000	/* announcements per announce() */
#define GRID_INTRO_BATCH_BYTES	(1024 * 1024)	/* and bytes: a frame is 4 MiB */

typedef struct grid_intro grid_intro;

/* Register the introducer on 'tub' (borrowed) under the name kept in
 * 'furl_file' (private/introducer.furl).  NULL with an error otherwise. */
grid_intro *grid_intro_new(rpc_tub *tub, const char *furl_file,
    GError **error);
void grid_intro_free(grid_intro *in);			/* NULL is a no-op */

/* Whether 'service' is one the introducer relays ("storage"); others are
 * refused in publish and subscribe, so one peer holds at most one
 * subscription and one announcement per known service. */
gboolean grid_intro_known_service(const char *service, size_t len);

/* Forget the announcements of a node that has had no connection to the
 * introducer for 'seconds' ([introducer] announcement_expiry; 0: keep
 * them until a restart, as Tahoe-LAFS does).  Default GRID_INTRO_EXPIRY. */
#define GRID_INTRO_EXPIRY	3600.0
void grid_intro_set_expiry(grid_intro *in, double seconds);

/* Lower the subscriber cap below GRID_INTRO_MAX_SUBS (tests). */
void grid_intro_set_max_subs(grid_intro *in, guint max);

/* Write a new introducer FURL for the tub of 'id' at 'location' (its
 * hints) to 'furl_file' (mode 0600, atomically), with a random swissnum
 * of GRID_INTRO_SWISS_BYTES; grid_intro_new() registers under it. */
#define GRID_INTRO_SWISS_BYTES	20	/* 160 bits, as Foolscap's */
gboolean grid_intro_write_furl(const char *furl_file, const rpc_ident *id,
    const char *location, GError **error);

/* Add "announcements_kept", "subscribers", "announcements_dropped" and
 * "announcements_expired" counts and an "announcements" list (nickname, node_id, service,
 * seqnum; the first GRID_INTRO_STATUS_MAX) to 'status'. */
void grid_intro_status(grid_intro *in, json_t *status);


#endif

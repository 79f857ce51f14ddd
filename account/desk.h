/* account/desk.h -- a storage server's side of the serverdesk: it
 * registers with account managers and serves personal storage facets
 * (PSS).  See doc/protocol.md §11.3 and doc/accounts.md.
 *
 * The private facet handed to the manager in register():
 *
 *   facet.pss_furl(num: int) -> str   the FURL of account num's PSS
 *   facet.set_account(num: int, status: str, quota: int|nil) -> nil
 *       (quota: what this server enforces, its share of the account's)
 *   facet.get_usage(num: int) -> {shares, bytes}
 *   facet.get_usages(nums: [int], at most ACCT_USAGES_MAX)
 *       -> [[num, shares, bytes]...] in the order asked
 *
 * A PSS FURL's swissnum is the account number MAC'ed with the server's
 * secret S (private/pss-secret, account/mac.h); the tub's name-lookup
 * handler checks it and mints grid_ss_facet_new(ss, num), whose leases
 * the account owns.  Nothing per account stays in memory. */
#ifndef ACCT_DESK_H
#define ACCT_DESK_H

#include <glib.h>
#include <jansson.h>

#include "grid/storage.h"
#include "rpc/tub.h"

typedef struct acct_desk acct_desk;

/* Lease owners of a secondary manager's accounts start above every
 * account number (ACCT_NUM_MAX). */
#define ACCT_DESK_OWNER_BASE	((guint32)1 << 31)
/* Managers a server may serve (lines of serverdesk.furl). */
#define ACCT_DESK_MAX		16

/* Serve PSS facets of 'ss' (borrowed, outlives the desk) on 'tub'
 * (borrowed; free the desk just before the tub: the tub keeps the lookup
 * handler) and register, through a reconnector, at the serverdesk FURL
 * 'desk_furl' (NULL: none, for tests and benchmarks) with an announcement
 * signed by the tub's key naming 'nickname'.  The 'primary' manager's
 * account numbers are the lease owners and its PSS swissnums are MAC'ed
 * with the secret S itself; every other manager's are MAC'ed with
 * BLAKE2b-256(key = S, "tahoe-c pss key v1 " + its tubid) and owned by
 * numbers from ACCT_DESK_OWNER_BASE up (doc/protocol.md §11.3).
 * 'private_dir' holds pss-secret (S) and 'db_path' what the managers set
 * and the owner numbers given.  NULL with an error. */
acct_desk *acct_desk_new(rpc_tub *tub, grid_ss *ss, const char *desk_furl,
    gboolean primary, const char *nickname, const char *private_dir,
    const char *db_path, GError **error);
void acct_desk_free(acct_desk *d);			/* NULL is a no-op */

/* The private facet (borrowed), for tests. */
rpc_obj *acct_desk_facet(const acct_desk *d);
/* The PSS FURL of 'num' (caller g_free()s; a capability). */
char *acct_desk_pss_furl(acct_desk *d, guint32 num);
/* Whether the manager has accepted our registration on the current
 * connection. */
gboolean acct_desk_is_registered(const acct_desk *d);
/* The lease owner of this manager's account 'num' (given on first use
 * for a secondary manager); 0 if the database fails. */
guint32 acct_desk_owner(acct_desk *d, guint32 num);

/* Append this desk's row of the "serverdesks" table (doc/status.md) to
 * the array 'rows'. */
void acct_desk_status(acct_desk *d, json_t *rows);

#endif

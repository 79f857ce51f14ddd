/* account/mgr.h -- the account manager (AM): accounts in a database,
 * account objects reached through MAC'ed FURLs, and the serverdesk at
 * which storage servers register.  See doc/protocol.md §11 and
 * doc/accounts.md.
 *
 * Registered objects (FURLs kept in the node's private/ directory, the
 * same on every start):
 *
 *   new-account.create_account(name: str) -> str (an account FURL)
 *   manage-accounts.list(offset: int, limit: int <= 1000) -> [{num, name,
 *       status, quota, created}...] by number
 *   manage-accounts.get(num: int) -> {num, name, status, quota, created}
 *   manage-accounts.set_quota(num: int, bytes: int|nil) -> the account
 *       as get() answers it; every connected server is told its share,
 *       ceil(bytes / N) for the N servers the manager knows
 *   manage-accounts.disable(num), enable(num) -> the account: servers
 *       refuse (or take again) its new allocations
 *   manage-accounts.terminate(num) -> the account: final; its FURL stops
 *       resolving at once and every server cancels its leases
 *   manage-accounts.usage(num: int) -> {total, shares, per_server:
 *       [{key, nickname, shares, bytes} or {key, nickname, error}...],
 *       servers_counted, servers_registered}
 *   manage-accounts.list_usage(offset: int, limit: int <= 100) ->
 *       {accounts: [{num, name, status, quota, created, usage,
 *       shares}...], per_server: [{key, nickname} or {key, nickname,
 *       error}...], servers_counted, servers_registered}
 *   Errors: acct.NotFound (no such account), acct.Terminated (a change
 *   of a terminated account), violation (arguments).
 *   serverdesk.register(facet: ref, announcement: [msg, sig, key]) -> nil
 *
 * Account objects, minted by a name-lookup handler for each valid
 * swissnum of an account that is not terminated (nothing per account is
 * kept in memory once its references are gone):
 *
 *   account.get_storage_servers() -> [{key, nickname, pss_furl}...]
 *   account.subscribe(observer: ref) -> nil; the AM later calls
 *       observer.servers_changed() (one-way) after servers register
 *   account.get_usage() -> {num, name, status, quota, usage, shares,
 *       servers_counted, servers_registered}: usage is the sum of the
 *       bytes of the shares the account leases on the servers that
 *       answered (servers_counted of servers_registered)
 */
#ifndef ACCT_MGR_H
#define ACCT_MGR_H

#include <glib.h>
#include <jansson.h>

#include "rpc/tub.h"

typedef struct acct_mgr acct_mgr;

/* Limits.  Servers and subscriptions cost a reference (and memory) each;
 * beyond these a peer is more likely hostile than the grid big. */
#define ACCT_MGR_MAX_SERVERS	500
#define ACCT_MGR_MAX_SUBS	10000
#define ACCT_FURL_MAX		1024	/* bytes of a FURL passed to us */
/* Servers and clients retry the manager at least this often (seconds),
 * rather than Foolscap's hour: a restarted manager gets its servers and
 * subscribers back within a minute. */
#define ACCT_RETRY_MAX		60.0
/* Seconds between a registration and telling subscribers (one message
 * for a burst of registrations). */
#define ACCT_NOTIFY_DELAY	1.0
/* Telling servers the restricted accounts' status and quota share
 * (set_account): at most ACCT_PUSH_BATCH messages in all every
 * ACCT_PUSH_INTERVAL seconds (10,000 a second), so that a new server,
 * which changes every server's share of every quota, costs neither a
 * burst of memory nor a stall. */
#define ACCT_PUSH_BATCH		200
#define ACCT_PUSH_INTERVAL	0.02
/* Bytes (or shares) one server may report for one account: more is
 * taken for a lie, and 500 servers' figures still add up in 64 bits. */
#define ACCT_USAGE_MAX		((guint64)1 << 50)
/* Seconds the manager waits for a server's pss_furl() answer. */
#define ACCT_PSS_TIMEOUT	10.0
/* Accounts per get_usages() call to a server (and per list_usage()). */
#define ACCT_USAGES_MAX		100
/* Accounts per page of the welcome page's table. */
#define ACCT_PAGE_SIZE		50
/* Seconds a page's usage figures are shown before a view of the page
 * asks the servers again. */
#define ACCT_USAGE_CACHE_TTL	30.0
/* Accounts whose figures the welcome page's cache keeps at most. */
#define ACCT_USAGE_CACHE_MAX	10000

/* Serve on 'tub' (borrowed; free the manager just before the tub, with no
 * loop pass between: the tub keeps the lookup handler).  'db_path' is the
 * account database, 'private_dir' holds the MAC secret (account-secret)
 * and the three FURL files.  NULL with an error. */
acct_mgr *acct_mgr_new(rpc_tub *tub, const char *db_path,
    const char *private_dir, GError **error);
void acct_mgr_free(acct_mgr *m);			/* NULL is a no-op */

/* The FURL of account 'num' (caller g_free()s; a capability). */
char *acct_mgr_account_furl(acct_mgr *m, guint32 num);

/* Add the AM's status members (doc/status.md) to 'st', with page
 * 'page' (from 1; 0 is 1) of the accounts and the usage its cache has
 * of them (a view of a page with missing or old figures starts counting
 * them, for the next view). */
void acct_mgr_status(acct_mgr *m, json_t *st, guint page);

/* For tests: the number of account objects alive now. */
guint acct_mgr_n_account_objs(const acct_mgr *m);

#endif

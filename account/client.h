/* account/client.h -- a client node's account: the storage servers its
 * account manager introduces, kept on disk and handed to the node's
 * storage broker.  See doc/accounts.md.
 *
 * The client keeps its account FURL connected (a reconnector), asks the
 * account object for its servers at each connection and whenever the
 * manager says the list changed (subscribe(observer); the observer's one
 * method is servers_changed()), and stores what it learnt in
 * private/servers.json (written atomically, mode 0600: it holds
 * capabilities).  A server once learnt stays in the list: the manager
 * lists only servers connected to it, and a client must keep working
 * while the manager (or a server) is away. */
#ifndef ACCT_CLIENT_H
#define ACCT_CLIENT_H

#include <glib.h>
#include <jansson.h>

#include "grid/broker.h"
#include "rpc/tub.h"

typedef struct acct_client acct_client;

#define ACCT_CLIENT_MAX_SERVERS		500
#define ACCT_SERVERS_FILE_MAX		(1024 * 1024)

/* Start for the account FURL 'account_furl' (copied) on 'tub' (borrowed;
 * free the client first), feeding 'b' (borrowed, outlives the client).
 * The servers in 'servers_path' (if it exists) are handed to the broker
 * at once.  NULL with an error for a bad FURL or a bad servers file. */
acct_client *acct_client_new(rpc_tub *tub, grid_broker *b,
    const char *account_furl, const char *servers_path, GError **error);
void acct_client_free(acct_client *c);			/* NULL is a no-op */

/* Servers known (from the file or the manager). */
guint acct_client_n_servers(const acct_client *c);
/* Number of server lists received from the manager. */
guint acct_client_n_updates(const acct_client *c);

/* Add the "account" member (doc/status.md) to 'st'. */
void acct_client_status(acct_client *c, json_t *st);

#endif

/* account/acctnode.h -- account services of a running node, chosen from
 * its directory (doc/accounts.md):
 *
 *   - an account manager (DIR/tahoe-account-manager.tac);
 *   - a storage node with DIR/serverdesk.furl and no introducer FURL:
 *     registers at the serverdesk and serves PSS facets;
 *   - a client with DIR/account.furl and no introducer FURL: takes its
 *     servers from its account.
 *
 * Every other node has none, and acct_node_start() returns an empty
 * handle. */
#ifndef ACCT_ACCTNODE_H
#define ACCT_ACCTNODE_H

#include <glib.h>

#include "grid/gnode.h"
#include "node/dir.h"
#include "node/node.h"
#include "node/status.h"

#define ACCT_MANAGER_MARKER	"tahoe-account-manager.tac"

typedef struct acct_node acct_node;

/* Whether 'dir' is an account manager's node directory. */
gboolean acct_node_is_manager(const char *dir);

/* node_create_fn for `tahoe create-account-manager` (a node made as an
 * introducer's, with options to match): marks the directory and makes
 * the MAC secret. */
gboolean acct_create_manager_sections(const char *dir, GKeyFile *kf,
    const node_create_opts *o, const rpc_ident *id, const char *location,
    GError **error);

/* Start the account services of the started node 'n' (borrowed) whose
 * grid services are 'g' (borrowed; NULL for an account manager, which has
 * none).  NULL with a one-line error naming the file. */
acct_node *acct_node_start(node *n, grid_node *g, GError **error);
void acct_node_stop(acct_node *a);			/* NULL is a no-op */

/* Add account's sections for a status document 'doc' of a node of 'kind'
 * to 'l' (after grid's, except for an account manager, which has no
 * grid sections).  Return TRUE if 'kind' is the manager's. */
gboolean acct_status_layout_add(node_status_layout *l, const char *kind,
    json_t *doc);

#endif

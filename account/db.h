/* account/db.h -- the account manager's database: accounts and the
 * storage servers registered at its serverdesk.  SQLite in WAL mode, in
 * the manager's directory (accounts.sqlite).  See doc/accounts.md. */
#ifndef ACCT_DB_H
#define ACCT_DB_H

#include <stdint.h>

#include <glib.h>

typedef struct acct_db acct_db;

typedef enum {
	ACCT_ACTIVE,
	ACCT_DISABLED,
	ACCT_TERMINATED,
} acct_status;

#define ACCT_NAME_MAX_CHARS	64	/* characters of a name */
#define ACCT_NAME_MAX_BYTES	(ACCT_NAME_MAX_CHARS * 4) /* UTF-8 */
#define ACCT_LIST_MAX		1000	/* accounts per list() answer */

typedef struct acct_info {
	guint32		 num;
	char		*name;
	acct_status	 status;
	gint64		 quota;		/* bytes; -1: none */
	gint64		 created;	/* Unix seconds */
} acct_info;

void acct_info_clear(acct_info *a);
void acct_info_free(acct_info *a);			/* NULL is a no-op */
const char *acct_status_name(acct_status s);
/* "active", "disabled", "terminated" -> *s; FALSE otherwise. */
gboolean acct_status_parse(const char *text, acct_status *s);

/* Whether the 'len' bytes at 'name' (untrusted) make an account name:
 * valid UTF-8 of 1 to ACCT_NAME_MAX_CHARS characters, each printable (a
 * space included), no leading or trailing space.  FALSE with an
 * ACCT_E_FORMAT error saying why otherwise. */
gboolean acct_name_check(const char *name, size_t len, GError **error);

/* Open (creating) the database at 'path'.  NULL with an error. */
acct_db *acct_db_open(const char *path, GError **error);
void acct_db_free(acct_db *db);				/* NULL is a no-op */

/* Create an active account named 'name' (checked with acct_name_check())
 * created at 'now'; store its number in *num.  ACCT_E_EXISTS if the name
 * is taken, ACCT_E_FORMAT for a bad name, ACCT_E_DB otherwise. */
gboolean acct_db_create(acct_db *db, const char *name, gint64 now,
    guint32 *num, GError **error);
/* Fill 'out' (clear it with acct_info_clear()) for account 'num'; FALSE
 * with ACCT_E_NOTFOUND if there is none. */
gboolean acct_db_get(acct_db *db, guint32 num, acct_info *out,
    GError **error);
/* Append up to 'limit' (at most ACCT_LIST_MAX) accounts after skipping
 * 'offset', in number order, to 'out' (acct_info *, caller frees). */
gboolean acct_db_list(acct_db *db, guint64 offset, guint limit,
    GPtrArray *out, GError **error);
/* Append the first 'limit' accounts numbered above 'after' whose status
 * or quota was ever set with acct_db_set() (what a registering server
 * must be told, restored accounts included) to 'out' (acct_info *,
 * caller frees), by number. */
gboolean acct_db_list_set(acct_db *db, guint32 after, guint limit,
    GPtrArray *out, GError **error);
guint64 acct_db_count(acct_db *db);
/* Set an account's status and quota (-1: none). */
gboolean acct_db_set(acct_db *db, guint32 num, acct_status status,
    gint64 quota, GError **error);

/* A storage server registered at the serverdesk. */
typedef struct acct_server {
	char	*key;		/* "pub-v0-..." */
	char	*nickname;
	GBytes	*msg;		/* its signed announcement */
	GBytes	*sig;
	gint64	 registered;	/* Unix seconds, the latest */
} acct_server;

void acct_server_free(acct_server *s);			/* NULL is a no-op */
/* Record (or update) a server; *changed says whether its key was new or
 * its nickname changed. */
gboolean acct_db_server_put(acct_db *db, const acct_server *s,
    gboolean *changed, GError **error);
/* Append every registered server (acct_server *) to 'out', by key. */
gboolean acct_db_servers(acct_db *db, GPtrArray *out, GError **error);

#endif

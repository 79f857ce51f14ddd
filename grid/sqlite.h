/* grid/sqlite.h -- opening the project's SQLite databases (the storage
 * server's leases, the account manager's accounts, a serverdesk's
 * settings) one way: created if missing, the schema applied, a 5 s busy
 * timeout, the statements prepared once. */
#ifndef GRID_SQLITE_H
#define GRID_SQLITE_H

#include <glib.h>
#include <sqlite3.h>

/* Open (creating) the database at 'path', run 'schema' (statements
 * separated by ';', each idempotent), and prepare the 'n' statements
 * 'sql' into 'st' (persistent, for the life of the database).  On
 * failure: NULL, every statement finalized and the database closed, and
 * 'error' (domain 'domain', code 'code') naming the file and the step. */
sqlite3 *grid_sqlite_open(const char *path, const char *schema,
    const char *const *sql, sqlite3_stmt **st, int n, GQuark domain,
    int code, GError **error);

/* Finalize the 'n' statements 'st' and close 'db' (NULL: no-op). */
void grid_sqlite_close(sqlite3 *db, sqlite3_stmt **st, int n);

#endif

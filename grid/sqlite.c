/* grid/sqlite.c -- see grid/sqlite.h. */
#include "config.h"

#include "grid/sqlite.h"

sqlite3 *
grid_sqlite_open(const char *path, const char *schema,
    const char *const *sql, sqlite3_stmt **st, int n, GQuark domain,
    int code, GError **error)
{
	sqlite3 *db = NULL;
	char *msg = NULL;
	int i;

	for (i = 0; i < n; i++)
		st[i] = NULL;
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		g_set_error(error, domain, code, "%s: cannot open: %s", path,
		    db != NULL ? sqlite3_errmsg(db) : "out of memory");
		goto fail;
	}
	/* Another process holding the database waits at most this long
	 * instead of failing at once. */
	sqlite3_busy_timeout(db, 5000);
	if (sqlite3_exec(db, schema, NULL, NULL, &msg) != SQLITE_OK) {
		g_set_error(error, domain, code, "%s: cannot create the "
		    "schema: %s", path, msg != NULL ? msg : sqlite3_errmsg(db));
		sqlite3_free(msg);
		goto fail;
	}
	for (i = 0; i < n; i++)
		if (sqlite3_prepare_v3(db, sql[i], -1,
		    SQLITE_PREPARE_PERSISTENT, &st[i], NULL) != SQLITE_OK) {
			g_set_error(error, domain, code, "%s: prepare: %s",
			    path, sqlite3_errmsg(db));
			goto fail;
		}
	return db;
fail:
	grid_sqlite_close(db, st, n);
	return NULL;
}

void
grid_sqlite_close(sqlite3 *db, sqlite3_stmt **st, int n)
{
	int i;

	for (i = 0; i < n; i++) {
		sqlite3_finalize(st[i]);
		st[i] = NULL;
	}
	sqlite3_close(db);
}

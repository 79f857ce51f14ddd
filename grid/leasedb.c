/* grid/leasedb.c -- the lease database of a storage server.
 *
 * SQLite in WAL mode with synchronous=NORMAL: a committed change survives
 * a crash of the process (the WAL is in the kernel's hands), and a power
 * loss may lose the last moments but never corrupts the file.  Statements
 * are prepared once.  Everything here runs on the node's loop: each call
 * is one short transaction on an indexed table.  This module knows
 * nothing of share files; grid/storage.c keeps the two in step. */
#include "config.h"

#include <string.h>

#include <sodium.h>
#include <sqlite3.h>

#include "grid/err.h"
#include "grid/leasedb.h"
#include "grid/sqlite.h"

/* The schema.  WITHOUT ROWID: the primary keys are what every lookup
 * uses.  The lease key includes the owner so that two accounts never
 * renew each other's leases. */
static const char schema_sql[] =
	"PRAGMA journal_mode=WAL;"
	"PRAGMA synchronous=NORMAL;"
	"CREATE TABLE IF NOT EXISTS meta ("
	"  key TEXT PRIMARY KEY, value INTEGER NOT NULL);"
	"INSERT OR IGNORE INTO meta VALUES ('schema', 1);"
	"CREATE TABLE IF NOT EXISTS shares ("
	"  si BLOB NOT NULL, shnum INTEGER NOT NULL, size INTEGER NOT NULL,"
	"  PRIMARY KEY (si, shnum)) WITHOUT ROWID;"
	"CREATE TABLE IF NOT EXISTS leases ("
	"  si BLOB NOT NULL, shnum INTEGER NOT NULL, owner INTEGER NOT NULL,"
	"  renew BLOB NOT NULL, cancel BLOB NOT NULL,"
	"  expiry INTEGER NOT NULL,"
	"  PRIMARY KEY (si, shnum, owner, renew)) WITHOUT ROWID;"
	"CREATE INDEX IF NOT EXISTS leases_owner ON leases (owner);";

enum {
	ST_BEGIN,
	ST_COMMIT,
	ST_ROLLBACK,
	ST_SHARE_PUT,
	ST_LEASE_RENEW,
	ST_LEASE_ADD,
	ST_SHARE_GET,
	ST_SHARES_OF_SI,
	ST_SHARE_DEL,
	ST_LEASES_DEL,
	ST_LEASE_COUNT,
	ST_SHARES_ALL,
	ST_EXPIRED,
	ST_TOTALS,
	ST_OWNER_USAGE,
	ST_OWNER_SHARES,
	ST_OWNER_DEL,
	ST_N
};

static const char *const st_sql[ST_N] = {
	[ST_BEGIN] = "BEGIN IMMEDIATE",
	[ST_COMMIT] = "COMMIT",
	[ST_ROLLBACK] = "ROLLBACK",
	[ST_SHARE_PUT] = "INSERT INTO shares (si, shnum, size) VALUES (?,?,?)"
	    " ON CONFLICT (si, shnum) DO UPDATE SET size = excluded.size",
	/* A renewal never shortens a lease (Tahoe's allow_backdate=False). */
	[ST_LEASE_RENEW] = "UPDATE leases SET expiry = MAX(expiry, ?4)"
	    " WHERE si = ?1 AND shnum = ?2 AND owner = ?3 AND renew = ?5",
	[ST_LEASE_ADD] = "INSERT OR IGNORE INTO leases"
	    " (si, shnum, owner, renew, cancel, expiry) VALUES (?,?,?,?,?,?)",
	[ST_SHARE_GET] = "SELECT size FROM shares WHERE si = ? AND shnum = ?",
	[ST_SHARES_OF_SI] = "SELECT shnum FROM shares WHERE si = ?",
	[ST_SHARE_DEL] = "DELETE FROM shares WHERE si = ? AND shnum = ?",
	[ST_LEASES_DEL] = "DELETE FROM leases WHERE si = ? AND shnum = ?",
	[ST_LEASE_COUNT] = "SELECT COUNT(*), COALESCE(MAX(expiry), 0)"
	    " FROM leases WHERE si = ? AND shnum = ?",
	[ST_SHARES_ALL] = "SELECT si, shnum, size FROM shares",
	[ST_EXPIRED] = "SELECT s.si, s.shnum, s.size FROM shares s"
	    " WHERE NOT EXISTS (SELECT 1 FROM leases l WHERE l.si = s.si"
	    " AND l.shnum = s.shnum AND l.expiry > ?) LIMIT ?",
	[ST_TOTALS] = "SELECT COUNT(*), COALESCE(SUM(size), 0) FROM shares",
	/* leases_owner finds the owner's leases; each share counts once
	 * however many leases the owner holds on it. */
	[ST_OWNER_SHARES] = "SELECT DISTINCT si, shnum FROM leases"
	    " WHERE owner = ?",
	[ST_OWNER_DEL] = "DELETE FROM leases WHERE owner = ?",
	[ST_OWNER_USAGE] = "SELECT COUNT(*), COALESCE(SUM(s.size), 0)"
	    " FROM shares s WHERE EXISTS (SELECT 1 FROM leases l"
	    " WHERE l.owner = ? AND l.si = s.si AND l.shnum = s.shnum)",
};

struct grid_leasedb {
	sqlite3		*db;
	sqlite3_stmt	*st[ST_N];
	char		*path;
	guint		 depth;		/* grid_leasedb_begin() nesting */
	gboolean	 failed;	/* an error inside the open batch */
};

static gboolean
db_error(grid_leasedb *db, GError **error, const char *what)
{
	g_set_error(error, GRID_ERROR, GRID_E_IO, "%s: %s: %s", db->path,
	    what, sqlite3_errmsg(db->db));
	return FALSE;
}

/* Run a prepared statement that returns no rows, then reset it. */
static gboolean
step_done(grid_leasedb *db, int which, GError **error)
{
	sqlite3_stmt *s = db->st[which];
	int rc = sqlite3_step(s);

	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	if (rc != SQLITE_DONE)
		return db_error(db, error, st_sql[which]);
	return TRUE;
}

grid_leasedb *
grid_leasedb_open(const char *path, GError **error)
{
	grid_leasedb *db = g_new0(grid_leasedb, 1);

	db->path = g_strdup(path);
	db->db = grid_sqlite_open(path, schema_sql, st_sql, db->st, ST_N,
	    GRID_ERROR, GRID_E_IO, error);
	if (db->db == NULL) {
		grid_leasedb_free(db);
		return NULL;
	}
	return db;
}

void
grid_leasedb_free(grid_leasedb *db)
{
	if (db == NULL)
		return;
	grid_sqlite_close(db->db, db->st, ST_N);
	g_free(db->path);
	g_free(db);
}

void
grid_lease_hash(const uint8_t secret[GRID_SECRET_LEN],
    uint8_t out[GRID_SECRET_LEN])
{
	crypto_generichash(out, GRID_SECRET_LEN, secret, GRID_SECRET_LEN,
	    NULL, 0);
}

gboolean
grid_leasedb_begin(grid_leasedb *db, GError **error)
{
	if (db->depth++ > 0)
		return TRUE;
	db->failed = FALSE;
	if (!step_done(db, ST_BEGIN, error)) {
		db->depth = 0;
		return FALSE;
	}
	return TRUE;
}

gboolean
grid_leasedb_commit(grid_leasedb *db, GError **error)
{
	g_return_val_if_fail(db->depth > 0, FALSE);
	if (--db->depth > 0)
		return TRUE;
	if (db->failed) {
		(void)step_done(db, ST_ROLLBACK, NULL);
		g_set_error(error, GRID_ERROR, GRID_E_IO, "%s: a change failed; "
		    "the batch was rolled back", db->path);
		return FALSE;
	}
	if (!step_done(db, ST_COMMIT, error)) {
		(void)step_done(db, ST_ROLLBACK, NULL);
		return FALSE;
	}
	return TRUE;
}

/* Mark the open batch as failed (so its commit rolls back) and pass the
 * result on. */
static gboolean
note(grid_leasedb *db, gboolean ok)
{
	if (!ok)
		db->failed = TRUE;
	return ok;
}

static void
bind_key(sqlite3_stmt *s, const uint8_t *si, guint shnum)
{
	sqlite3_bind_blob(s, 1, si, GRID_SI_LEN, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, shnum);
}

/* Add or renew one lease on (si, shnum), inside a transaction. */
static gboolean
put_lease(grid_leasedb *db, const uint8_t *si, guint shnum, guint32 owner,
    const uint8_t *renew_hash, const uint8_t *cancel_hash, gint64 expiry,
    GError **error)
{
	sqlite3_stmt *s = db->st[ST_LEASE_RENEW];

	bind_key(s, si, shnum);
	sqlite3_bind_int64(s, 3, owner);
	sqlite3_bind_int64(s, 4, expiry);
	sqlite3_bind_blob(s, 5, renew_hash, GRID_SECRET_LEN, SQLITE_STATIC);
	if (!step_done(db, ST_LEASE_RENEW, error))
		return FALSE;
	if (sqlite3_changes(db->db) > 0)
		return TRUE;
	{
		gint64 latest;

		if (grid_leasedb_n_leases(db, si, shnum, &latest) >=
		    GRID_LEASES_MAX_PER_SHARE) {
			g_set_error(error, GRID_ERROR, GRID_E_RANGE, "share "
			    "holds %d leases already", GRID_LEASES_MAX_PER_SHARE);
			return FALSE;
		}
	}
	s = db->st[ST_LEASE_ADD];
	bind_key(s, si, shnum);
	sqlite3_bind_int64(s, 3, owner);
	sqlite3_bind_blob(s, 4, renew_hash, GRID_SECRET_LEN, SQLITE_STATIC);
	sqlite3_bind_blob(s, 5, cancel_hash, GRID_SECRET_LEN, SQLITE_STATIC);
	sqlite3_bind_int64(s, 6, expiry);
	return step_done(db, ST_LEASE_ADD, error);
}

gboolean
grid_leasedb_add_share(grid_leasedb *db, const uint8_t *si, guint shnum,
    guint64 size, guint32 owner, const uint8_t *renew_hash,
    const uint8_t *cancel_hash, gint64 expiry, GError **error)
{
	sqlite3_stmt *s = db->st[ST_SHARE_PUT];
	gboolean ok;

	if (!grid_leasedb_begin(db, error))
		return FALSE;
	bind_key(s, si, shnum);
	sqlite3_bind_int64(s, 3, (sqlite3_int64)size);
	ok = note(db, step_done(db, ST_SHARE_PUT, error));
	if (ok && renew_hash != NULL)
		ok = note(db, put_lease(db, si, shnum, owner, renew_hash,
		    cancel_hash, expiry, error));
	return grid_leasedb_commit(db, ok ? error : NULL) && ok;
}

gboolean
grid_leasedb_add_lease(grid_leasedb *db, const uint8_t *si, guint32 owner,
    const uint8_t *renew_hash, const uint8_t *cancel_hash, gint64 expiry,
    guint *n_shares, GError **error)
{
	g_autoptr(GArray) nums = g_array_new(FALSE, FALSE, sizeof(guint));
	sqlite3_stmt *s = db->st[ST_SHARES_OF_SI];
	gboolean ok = TRUE;
	guint i;
	int rc;

	*n_shares = 0;
	sqlite3_bind_blob(s, 1, si, GRID_SI_LEN, SQLITE_STATIC);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		guint n = (guint)sqlite3_column_int64(s, 0);

		g_array_append_val(nums, n);
	}
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	if (rc != SQLITE_DONE)
		return db_error(db, error, st_sql[ST_SHARES_OF_SI]);
	if (nums->len == 0)
		return TRUE;
	if (!grid_leasedb_begin(db, error))
		return FALSE;
	for (i = 0; ok && i < nums->len; i++)
		ok = note(db, put_lease(db, si, g_array_index(nums, guint, i),
		    owner, renew_hash, cancel_hash, expiry, error));
	if (!grid_leasedb_commit(db, ok ? error : NULL) || !ok)
		return FALSE;
	*n_shares = nums->len;
	return TRUE;
}

gboolean
grid_leasedb_remove_share(grid_leasedb *db, const uint8_t *si, guint shnum,
    GError **error)
{
	gboolean ok;

	if (!grid_leasedb_begin(db, error))
		return FALSE;
	bind_key(db->st[ST_LEASES_DEL], si, shnum);
	ok = note(db, step_done(db, ST_LEASES_DEL, error));
	if (ok) {
		bind_key(db->st[ST_SHARE_DEL], si, shnum);
		ok = note(db, step_done(db, ST_SHARE_DEL, error));
	}
	return grid_leasedb_commit(db, ok ? error : NULL) && ok;
}

gboolean
grid_leasedb_has_share(grid_leasedb *db, const uint8_t *si, guint shnum,
    guint64 *size)
{
	sqlite3_stmt *s = db->st[ST_SHARE_GET];
	gboolean found;

	*size = 0;
	bind_key(s, si, shnum);
	found = sqlite3_step(s) == SQLITE_ROW;
	if (found)
		*size = (guint64)sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	return found;
}

guint
grid_leasedb_n_leases(grid_leasedb *db, const uint8_t *si, guint shnum,
    gint64 *latest)
{
	sqlite3_stmt *s = db->st[ST_LEASE_COUNT];
	guint n = 0;

	*latest = 0;
	bind_key(s, si, shnum);
	if (sqlite3_step(s) == SQLITE_ROW) {
		n = (guint)sqlite3_column_int64(s, 0);
		*latest = sqlite3_column_int64(s, 1);
	}
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	return n;
}

/* Collect the (si, shnum, size) rows of statement 'which'. */
static GArray *
collect(grid_leasedb *db, int which, GError **error)
{
	sqlite3_stmt *s = db->st[which];
	GArray *a = g_array_new(FALSE, TRUE, sizeof(grid_share_id));
	int rc;

	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		grid_share_id id = { { 0 }, 0, 0 };

		/* Rows this module did not write (a damaged or edited
		 * database) are skipped, never trusted. */
		if (sqlite3_column_type(s, 0) != SQLITE_BLOB ||
		    sqlite3_column_bytes(s, 0) != GRID_SI_LEN)
			continue;
		memcpy(id.si, sqlite3_column_blob(s, 0), GRID_SI_LEN);
		id.shnum = (guint)sqlite3_column_int64(s, 1);
		id.size = (guint64)sqlite3_column_int64(s, 2);
		g_array_append_val(a, id);
	}
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	if (rc != SQLITE_DONE) {
		g_array_unref(a);
		db_error(db, error, st_sql[which]);
		return NULL;
	}
	return a;
}

GArray *
grid_leasedb_list_shares(grid_leasedb *db, GError **error)
{
	return collect(db, ST_SHARES_ALL, error);
}

GArray *
grid_leasedb_expired_shares(grid_leasedb *db, gint64 cutoff, guint limit,
    GError **error)
{
	sqlite3_bind_int64(db->st[ST_EXPIRED], 1, cutoff);
	sqlite3_bind_int64(db->st[ST_EXPIRED], 2, limit);
	return collect(db, ST_EXPIRED, error);
}

GArray *
grid_leasedb_cancel_owner(grid_leasedb *db, guint32 owner, GError **error)
{
	sqlite3_stmt *s = db->st[ST_OWNER_SHARES];
	g_autoptr(GArray) had = g_array_new(FALSE, TRUE,
	    sizeof(grid_share_id));
	GArray *out = g_array_new(FALSE, TRUE, sizeof(grid_share_id));
	gboolean ok;
	guint i;
	int rc;

	if (!grid_leasedb_begin(db, error)) {
		g_array_unref(out);
		return NULL;
	}
	sqlite3_bind_int64(s, 1, owner);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		grid_share_id id;

		memset(&id, 0, sizeof(id));
		if (sqlite3_column_bytes(s, 0) == GRID_SI_LEN)
			memcpy(id.si, sqlite3_column_blob(s, 0), GRID_SI_LEN);
		id.shnum = (guint)sqlite3_column_int64(s, 1);
		g_array_append_val(had, id);
	}
	sqlite3_reset(s);
	ok = note(db, rc == SQLITE_DONE ? TRUE : db_error(db, error,
	    "leases of an owner"));
	if (ok) {
		sqlite3_bind_int64(db->st[ST_OWNER_DEL], 1, owner);
		ok = note(db, step_done(db, ST_OWNER_DEL, error));
	}
	for (i = 0; ok && i < had->len; i++) {
		grid_share_id *id = &g_array_index(had, grid_share_id, i);
		gint64 latest = 0;

		if (grid_leasedb_n_leases(db, id->si, id->shnum, &latest) == 0)
			g_array_append_val(out, *id);
	}
	if (!grid_leasedb_commit(db, ok ? error : NULL) || !ok) {
		g_array_unref(out);
		return NULL;
	}
	return out;
}

void
grid_leasedb_owner_usage(grid_leasedb *db, guint32 owner, guint64 *n_shares,
    guint64 *bytes)
{
	sqlite3_stmt *s = db->st[ST_OWNER_USAGE];

	*n_shares = *bytes = 0;
	sqlite3_bind_int64(s, 1, owner);
	if (sqlite3_step(s) == SQLITE_ROW) {
		*n_shares = (guint64)sqlite3_column_int64(s, 0);
		*bytes = (guint64)sqlite3_column_int64(s, 1);
	}
	sqlite3_reset(s);
}

void
grid_leasedb_totals(grid_leasedb *db, guint64 *n_shares, guint64 *bytes)
{
	sqlite3_stmt *s = db->st[ST_TOTALS];

	*n_shares = *bytes = 0;
	if (sqlite3_step(s) == SQLITE_ROW) {
		*n_shares = (guint64)sqlite3_column_int64(s, 0);
		*bytes = (guint64)sqlite3_column_int64(s, 1);
	}
	sqlite3_reset(s);
}

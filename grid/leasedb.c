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
 * renew each other's leases.
 *
 * Version 2 adds owner_usage, each owner's share count and bytes, kept by
 * the triggers below in the transaction of every change to leases or
 * shares: a share counts once for each owner holding at least one lease
 * on it.  The triggers run inside the statement that fires them, so a
 * commit carries the counters with the change and a rollback or a crash
 * drops both: the counters cannot drift from the rows, and no check at
 * open is needed.  grid_leasedb_recount() rebuilds them from the rows
 * (the migration from version 1 uses it; tests compare it).  doomed
 * holds the shares a termination left without a lease, until their files
 * are deleted (grid_leasedb_cancel_owner()); a new lease takes a share
 * out of it.  Every statement is idempotent: a version-1 database gets
 * the new tables here and its counters at open (migrate()). */
#define LEASEDB_SCHEMA	2
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
	"CREATE INDEX IF NOT EXISTS leases_owner ON leases (owner);"
	"CREATE TABLE IF NOT EXISTS owner_usage ("
	"  owner INTEGER PRIMARY KEY, n_shares INTEGER NOT NULL,"
	"  bytes INTEGER NOT NULL);"
	"CREATE TABLE IF NOT EXISTS doomed ("
	"  si BLOB NOT NULL, shnum INTEGER NOT NULL,"
	"  PRIMARY KEY (si, shnum)) WITHOUT ROWID;"
	/* Every lease is on a recorded share, so its size is known. */
	"CREATE TRIGGER IF NOT EXISTS lease_on_share BEFORE INSERT ON leases"
	"  WHEN NOT EXISTS (SELECT 1 FROM shares"
	"  WHERE si = NEW.si AND shnum = NEW.shnum)"
	"  BEGIN SELECT RAISE(ABORT, 'a lease on an unrecorded share'); END;"
	/* Keys never change: the counters follow inserts and deletes. */
	"CREATE TRIGGER IF NOT EXISTS lease_key_fixed"
	"  BEFORE UPDATE OF si, shnum, owner ON leases"
	"  BEGIN SELECT RAISE(ABORT, 'a lease changes only its expiry'); END;"
	"CREATE TRIGGER IF NOT EXISTS share_key_fixed"
	"  BEFORE UPDATE OF si, shnum ON shares"
	"  BEGIN SELECT RAISE(ABORT, 'a share changes only its size'); END;"
	/* The owner's first lease on the share. */
	"CREATE TRIGGER IF NOT EXISTS lease_first AFTER INSERT ON leases"
	"  WHEN NOT EXISTS (SELECT 1 FROM leases WHERE si = NEW.si"
	"  AND shnum = NEW.shnum AND owner = NEW.owner AND renew <> NEW.renew)"
	"  BEGIN INSERT INTO owner_usage (owner, n_shares, bytes)"
	"  SELECT NEW.owner, 1, size FROM shares"
	"  WHERE si = NEW.si AND shnum = NEW.shnum"
	"  ON CONFLICT (owner) DO UPDATE SET n_shares = n_shares + 1,"
	"  bytes = bytes + excluded.bytes; END;"
	/* Any new lease saves a share from deletion. */
	"CREATE TRIGGER IF NOT EXISTS lease_rescues AFTER INSERT ON leases"
	"  BEGIN DELETE FROM doomed WHERE si = NEW.si AND shnum = NEW.shnum;"
	"  END;"
	/* The owner's last lease on the share. */
	"CREATE TRIGGER IF NOT EXISTS lease_last AFTER DELETE ON leases"
	"  WHEN NOT EXISTS (SELECT 1 FROM leases WHERE si = OLD.si"
	"  AND shnum = OLD.shnum AND owner = OLD.owner)"
	"  BEGIN UPDATE owner_usage SET n_shares = n_shares - 1,"
	"  bytes = bytes - (SELECT size FROM shares"
	"  WHERE si = OLD.si AND shnum = OLD.shnum) WHERE owner = OLD.owner;"
	"  DELETE FROM owner_usage WHERE owner = OLD.owner AND n_shares = 0;"
	"  END;"
	/* A share goes with its leases (while its size is still known). */
	"CREATE TRIGGER IF NOT EXISTS share_gone BEFORE DELETE ON shares"
	"  BEGIN DELETE FROM leases WHERE si = OLD.si AND shnum = OLD.shnum;"
	"  DELETE FROM doomed WHERE si = OLD.si AND shnum = OLD.shnum; END;"
	"CREATE TRIGGER IF NOT EXISTS share_resized"
	"  AFTER UPDATE OF size ON shares WHEN NEW.size <> OLD.size"
	"  BEGIN UPDATE owner_usage SET bytes = bytes + NEW.size - OLD.size"
	"  WHERE owner IN (SELECT owner FROM leases"
	"  WHERE si = NEW.si AND shnum = NEW.shnum); END;";

/* Rebuild owner_usage from the rows (leases on unrecorded shares, which
 * version 1 did not forbid, are dropped first). */
static const char recount_sql[] =
	"DELETE FROM owner_usage;"
	"DELETE FROM leases WHERE NOT EXISTS (SELECT 1 FROM shares s"
	"  WHERE s.si = leases.si AND s.shnum = leases.shnum);"
	"INSERT INTO owner_usage (owner, n_shares, bytes)"
	"  SELECT l.owner, COUNT(*), SUM(s.size)"
	"  FROM (SELECT DISTINCT owner, si, shnum FROM leases) l"
	"  JOIN shares s ON s.si = l.si AND s.shnum = l.shnum"
	"  GROUP BY l.owner;";

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
	ST_DOOM,
	ST_DOOMED,
	ST_N_DOOMED,
	ST_SCHEMA,
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
	/* leases_owner finds the owner's shares, the primary key the
	 * owner's leases on one of them. */
	[ST_OWNER_SHARES] = "SELECT DISTINCT si, shnum, 0 FROM leases"
	    " WHERE owner = ? LIMIT ?",
	[ST_OWNER_DEL] = "DELETE FROM leases"
	    " WHERE si = ? AND shnum = ? AND owner = ?",
	[ST_DOOM] = "INSERT OR IGNORE INTO doomed (si, shnum) VALUES (?,?)",
	[ST_OWNER_USAGE] = "SELECT n_shares, bytes FROM owner_usage"
	    " WHERE owner = ?",
	/* In key order after a cursor (the primary key gives the order), so
	 * that shares whose files cannot be deleted do not come back first
	 * in every batch. */
	[ST_DOOMED] = "SELECT d.si, d.shnum, s.size FROM doomed d"
	    " JOIN shares s ON s.si = d.si AND s.shnum = d.shnum"
	    " WHERE (d.si, d.shnum) > (?1, ?2)"
	    " ORDER BY d.si, d.shnum LIMIT ?3",
	[ST_N_DOOMED] = "SELECT COUNT(*) FROM doomed",
	[ST_SCHEMA] = "SELECT value FROM meta WHERE key = 'schema'",
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

static gboolean note(grid_leasedb *db, gboolean ok);

/* The 'schema' row of meta, or -1. */
static gint64
schema_version(grid_leasedb *db)
{
	sqlite3_stmt *s = db->st[ST_SCHEMA];
	gint64 v = -1;

	if (sqlite3_step(s) == SQLITE_ROW)
		v = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	return v;
}

/* Bring a version-1 database (or a new one) to LEASEDB_SCHEMA: the
 * tables and triggers exist already (schema_sql); count the usage once,
 * in the transaction that sets the version. */
static gboolean
migrate(grid_leasedb *db, GError **error)
{
	gint64 v = schema_version(db);
	char *q;
	gboolean ok;

	if (v == LEASEDB_SCHEMA)
		return TRUE;
	if (v != 1) {
		g_set_error(error, GRID_ERROR, GRID_E_IO, "%s: schema version "
		    "%" G_GINT64_FORMAT " is not one this program knows (%d)",
		    db->path, v, LEASEDB_SCHEMA);
		return FALSE;
	}
	if (!grid_leasedb_begin(db, error))
		return FALSE;
	ok = note(db, grid_leasedb_recount(db, error));
	q = g_strdup_printf("UPDATE meta SET value = %d WHERE key = 'schema'",
	    LEASEDB_SCHEMA);
	if (ok && sqlite3_exec(db->db, q, NULL, NULL, NULL) != SQLITE_OK)
		ok = note(db, db_error(db, error, "schema version"));
	g_free(q);
	return grid_leasedb_commit(db, ok ? error : NULL) && ok;
}

grid_leasedb *
grid_leasedb_open(const char *path, GError **error)
{
	grid_leasedb *db = g_new0(grid_leasedb, 1);

	db->path = g_strdup(path);
	db->db = grid_sqlite_open(path, schema_sql, st_sql, db->st, ST_N,
	    GRID_ERROR, GRID_E_IO, error);
	if (db->db == NULL || !migrate(db, error)) {
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

gboolean
grid_leasedb_cancel_owner(grid_leasedb *db, guint32 owner, guint limit,
    guint64 *n_doomed, gboolean *done, GError **error)
{
	g_autoptr(GArray) had = NULL;
	gboolean ok = TRUE;
	guint64 n = 0;
	guint i;

	*n_doomed = 0;
	*done = FALSE;
	if (!grid_leasedb_begin(db, error))
		return FALSE;
	sqlite3_bind_int64(db->st[ST_OWNER_SHARES], 1, owner);
	sqlite3_bind_int64(db->st[ST_OWNER_SHARES], 2, limit);
	if ((had = collect(db, ST_OWNER_SHARES, error)) == NULL)
		ok = note(db, FALSE);
	for (i = 0; ok && i < had->len; i++) {
		grid_share_id *id = &g_array_index(had, grid_share_id, i);
		gint64 latest;

		bind_key(db->st[ST_OWNER_DEL], id->si, id->shnum);
		sqlite3_bind_int64(db->st[ST_OWNER_DEL], 3, owner);
		ok = note(db, step_done(db, ST_OWNER_DEL, error));
		if (!ok || grid_leasedb_n_leases(db, id->si, id->shnum,
		    &latest) > 0)
			continue;
		bind_key(db->st[ST_DOOM], id->si, id->shnum);
		ok = note(db, step_done(db, ST_DOOM, error));
		n++;
	}
	if (!grid_leasedb_commit(db, ok ? error : NULL) || !ok)
		return FALSE;
	*n_doomed = n;
	*done = had->len < limit;
	return TRUE;
}

GArray *
grid_leasedb_doomed(grid_leasedb *db, const grid_share_id *after,
    guint limit, GError **error)
{
	sqlite3_stmt *s = db->st[ST_DOOMED];

	/* An empty blob sorts before every storage index. */
	if (after != NULL) {
		sqlite3_bind_blob(s, 1, after->si, GRID_SI_LEN, SQLITE_STATIC);
		sqlite3_bind_int64(s, 2, after->shnum);
	} else {
		sqlite3_bind_zeroblob(s, 1, 0);
		sqlite3_bind_int64(s, 2, -1);
	}
	sqlite3_bind_int64(s, 3, limit);
	return collect(db, ST_DOOMED, error);
}

guint64
grid_leasedb_n_doomed(grid_leasedb *db)
{
	sqlite3_stmt *s = db->st[ST_N_DOOMED];
	guint64 n = 0;

	if (sqlite3_step(s) == SQLITE_ROW)
		n = (guint64)sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	return n;
}

gboolean
grid_leasedb_remove_shares(grid_leasedb *db, const GArray *ids,
    GError **error)
{
	gboolean ok = TRUE;
	guint i;

	if (!grid_leasedb_begin(db, error))
		return FALSE;
	for (i = 0; ok && i < ids->len; i++) {
		const grid_share_id *id = &g_array_index(ids, grid_share_id,
		    i);

		ok = grid_leasedb_remove_share(db, id->si, id->shnum, error);
	}
	return grid_leasedb_commit(db, ok ? error : NULL) && ok;
}

gboolean
grid_leasedb_recount(grid_leasedb *db, GError **error)
{
	gboolean ok = TRUE;

	if (!grid_leasedb_begin(db, error))
		return FALSE;
	if (sqlite3_exec(db->db, recount_sql, NULL, NULL, NULL) != SQLITE_OK)
		ok = note(db, db_error(db, error, "recounting usage"));
	return grid_leasedb_commit(db, ok ? error : NULL) && ok;
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

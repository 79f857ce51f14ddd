/* account/db.c -- the account manager's database.
 *
 * SQLite in WAL mode with synchronous=NORMAL, as the storage server's
 * lease database (grid/leasedb.c).  Account numbers come from an
 * AUTOINCREMENT key, so a number is never given twice, even after the
 * newest account is deleted by hand.  Everything runs on the manager's
 * loop; each call is one short statement. */
#include "config.h"

#include <string.h>

#include <sqlite3.h>

#include "account/db.h"
#include "account/err.h"
#include "account/mac.h"
#include "grid/sqlite.h"

static const char schema_sql[] =
	"PRAGMA journal_mode=WAL;"
	"PRAGMA synchronous=NORMAL;"
	"CREATE TABLE IF NOT EXISTS meta ("
	"  key TEXT PRIMARY KEY, value INTEGER NOT NULL);"
	"INSERT OR IGNORE INTO meta VALUES ('schema', 1);"
	"CREATE TABLE IF NOT EXISTS accounts ("
	"  num INTEGER PRIMARY KEY AUTOINCREMENT,"
	"  name TEXT NOT NULL UNIQUE,"
	"  status TEXT NOT NULL DEFAULT 'active',"
	"  quota INTEGER,"
	"  usage INTEGER NOT NULL DEFAULT 0,"
	"  created INTEGER NOT NULL,"
	"  touched INTEGER NOT NULL DEFAULT 0);"
	"CREATE TABLE IF NOT EXISTS servers ("
	"  key TEXT PRIMARY KEY, nickname TEXT NOT NULL,"
	"  msg BLOB NOT NULL, sig BLOB NOT NULL,"
	"  registered INTEGER NOT NULL) WITHOUT ROWID;";

enum {
	ST_CREATE,
	ST_GET,
	ST_LIST,
	ST_COUNT,
	ST_SET,
	ST_SERVER_NICK,
	ST_SERVER_PUT,
	ST_SERVERS,
	ST_LIST_SET,
	ST_N
};

static const char *const st_sql[ST_N] = {
	[ST_CREATE] = "INSERT INTO accounts (name, created) VALUES (?, ?)",
	[ST_GET] = "SELECT num, name, status, quota, created FROM accounts"
	    " WHERE num = ?",
	[ST_LIST] = "SELECT num, name, status, quota, created FROM accounts"
	    " ORDER BY num LIMIT ? OFFSET ?",
	[ST_COUNT] = "SELECT COUNT(*) FROM accounts",
	/* 'touched': servers must hear of it, even once it is restored. */
	[ST_SET] = "UPDATE accounts SET status = ?, quota = ?, touched = 1"
	    " WHERE num = ?",
	[ST_SERVER_NICK] = "SELECT nickname FROM servers WHERE key = ?",
	[ST_SERVER_PUT] = "INSERT INTO servers"
	    " (key, nickname, msg, sig, registered) VALUES (?,?,?,?,?)"
	    " ON CONFLICT (key) DO UPDATE SET nickname = excluded.nickname,"
	    " msg = excluded.msg, sig = excluded.sig,"
	    " registered = excluded.registered",
	[ST_SERVERS] = "SELECT key, nickname, msg, sig, registered"
	    " FROM servers ORDER BY key",
	[ST_LIST_SET] = "SELECT num, name, status, quota, created"
	    " FROM accounts WHERE touched = 1 AND num > ? ORDER BY num"
	    " LIMIT ?",
};

struct acct_db {
	sqlite3		*db;
	sqlite3_stmt	*st[ST_N];
	char		*path;
};

static const char *const status_names[] = {
	[ACCT_ACTIVE] = "active",
	[ACCT_DISABLED] = "disabled",
	[ACCT_TERMINATED] = "terminated",
};

const char *
acct_status_name(acct_status s)
{
	return (unsigned)s < G_N_ELEMENTS(status_names) ? status_names[s] :
	    "unknown";
}

gboolean
acct_status_parse(const char *text, acct_status *s)
{
	guint i;

	for (i = 0; i < G_N_ELEMENTS(status_names); i++)
		if (strcmp(text, status_names[i]) == 0) {
			*s = (acct_status)i;
			return TRUE;
		}
	return FALSE;
}

void
acct_info_clear(acct_info *a)
{
	g_clear_pointer(&a->name, g_free);
}

void
acct_info_free(acct_info *a)
{
	if (a == NULL)
		return;
	acct_info_clear(a);
	g_free(a);
}

void
acct_server_free(acct_server *s)
{
	if (s == NULL)
		return;
	g_free(s->key);
	g_free(s->nickname);
	if (s->msg != NULL)
		g_bytes_unref(s->msg);
	if (s->sig != NULL)
		g_bytes_unref(s->sig);
	g_free(s);
}

gboolean
acct_name_check(const char *name, size_t len, GError **error)
{
	const char *p, *end = name + len;
	glong n;

	if (len == 0 || len > ACCT_NAME_MAX_BYTES ||
	    !g_utf8_validate(name, (gssize)len, NULL)) {
		g_set_error(error, ACCT_ERROR, ACCT_E_FORMAT, "an account "
		    "name is 1 to %d printable characters", ACCT_NAME_MAX_CHARS);
		return FALSE;
	}
	n = g_utf8_strlen(name, (gssize)len);
	if (n < 1 || n > ACCT_NAME_MAX_CHARS) {
		g_set_error(error, ACCT_ERROR, ACCT_E_FORMAT, "an account "
		    "name is 1 to %d characters", ACCT_NAME_MAX_CHARS);
		return FALSE;
	}
	for (p = name; p < end; p = g_utf8_next_char(p))
		if (!g_unichar_isprint(g_utf8_get_char(p))) {
			g_set_error(error, ACCT_ERROR, ACCT_E_FORMAT, "an "
			    "account name holds printable characters only");
			return FALSE;
		}
	if (name[0] == ' ' || name[len - 1] == ' ') {
		g_set_error(error, ACCT_ERROR, ACCT_E_FORMAT, "an account "
		    "name does not start or end with a space");
		return FALSE;
	}
	return TRUE;
}

static gboolean
db_error(acct_db *db, GError **error, const char *what)
{
	g_set_error(error, ACCT_ERROR, ACCT_E_DB, "%s: %s: %s", db->path,
	    what, sqlite3_errmsg(db->db));
	return FALSE;
}

acct_db *
acct_db_open(const char *path, GError **error)
{
	acct_db *db = g_new0(acct_db, 1);

	db->path = g_strdup(path);
	db->db = grid_sqlite_open(path, schema_sql, st_sql, db->st, ST_N,
	    ACCT_ERROR, ACCT_E_DB, error);
	if (db->db == NULL) {
		acct_db_free(db);
		return NULL;
	}
	return db;
}

void
acct_db_free(acct_db *db)
{
	if (db == NULL)
		return;
	grid_sqlite_close(db->db, db->st, ST_N);
	g_free(db->path);
	g_free(db);
}

gboolean
acct_db_create(acct_db *db, const char *name, gint64 now, guint32 *num,
    GError **error)
{
	sqlite3_stmt *st = db->st[ST_CREATE];
	sqlite3_int64 id;
	int rc;

	*num = 0;
	if (!acct_name_check(name, strlen(name), error))
		return FALSE;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, now);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	if (rc == SQLITE_CONSTRAINT) {
		g_set_error(error, ACCT_ERROR, ACCT_E_EXISTS,
		    "an account named '%s' exists already", name);
		return FALSE;
	}
	if (rc != SQLITE_DONE)
		return db_error(db, error, "create account");
	id = sqlite3_last_insert_rowid(db->db);
	if (id < 1 || id > ACCT_NUM_MAX) {
		g_set_error(error, ACCT_ERROR, ACCT_E_DB, "%s: account "
		    "numbers are exhausted", db->path);
		return FALSE;
	}
	*num = (guint32)id;
	return TRUE;
}

static void
row_info(sqlite3_stmt *st, acct_info *out)
{
	const char *status = (const char *)sqlite3_column_text(st, 2);

	out->num = (guint32)sqlite3_column_int64(st, 0);
	out->name = g_strdup((const char *)sqlite3_column_text(st, 1));
	if (status == NULL || !acct_status_parse(status, &out->status))
		out->status = ACCT_DISABLED;	/* unknown: never serve */
	out->quota = sqlite3_column_type(st, 3) == SQLITE_NULL ? -1 :
	    sqlite3_column_int64(st, 3);
	out->created = sqlite3_column_int64(st, 4);
}

gboolean
acct_db_get(acct_db *db, guint32 num, acct_info *out, GError **error)
{
	sqlite3_stmt *st = db->st[ST_GET];
	int rc;

	memset(out, 0, sizeof(*out));
	sqlite3_bind_int64(st, 1, num);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		row_info(st, out);
	sqlite3_reset(st);
	if (rc == SQLITE_ROW)
		return TRUE;
	if (rc == SQLITE_DONE) {
		g_set_error(error, ACCT_ERROR, ACCT_E_NOTFOUND,
		    "no account %u", num);
		return FALSE;
	}
	return db_error(db, error, "get account");
}

gboolean
acct_db_list(acct_db *db, guint64 offset, guint limit, GPtrArray *out,
    GError **error)
{
	sqlite3_stmt *st = db->st[ST_LIST];
	int rc;

	sqlite3_bind_int64(st, 1, MIN(limit, ACCT_LIST_MAX));
	sqlite3_bind_int64(st, 2, (sqlite3_int64)MIN(offset, G_MAXINT64));
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		acct_info *a = g_new0(acct_info, 1);

		row_info(st, a);
		g_ptr_array_add(out, a);
	}
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? TRUE : db_error(db, error, "list");
}

gboolean
acct_db_list_set(acct_db *db, guint32 after, guint limit, GPtrArray *out,
    GError **error)
{
	sqlite3_stmt *st = db->st[ST_LIST_SET];
	int rc;

	sqlite3_bind_int64(st, 1, after);
	sqlite3_bind_int64(st, 2, limit);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		acct_info *a = g_new0(acct_info, 1);

		row_info(st, a);
		g_ptr_array_add(out, a);
	}
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? TRUE : db_error(db, error, "list");
}

guint64
acct_db_count(acct_db *db)
{
	sqlite3_stmt *st = db->st[ST_COUNT];
	guint64 n = 0;

	if (sqlite3_step(st) == SQLITE_ROW)
		n = (guint64)sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return n;
}

gboolean
acct_db_set(acct_db *db, guint32 num, acct_status status, gint64 quota,
    GError **error)
{
	sqlite3_stmt *st = db->st[ST_SET];
	int rc;

	sqlite3_bind_text(st, 1, acct_status_name(status), -1, SQLITE_STATIC);
	if (quota < 0)
		sqlite3_bind_null(st, 2);
	else
		sqlite3_bind_int64(st, 2, quota);
	sqlite3_bind_int64(st, 3, num);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return db_error(db, error, "set account");
	if (sqlite3_changes(db->db) == 0) {
		g_set_error(error, ACCT_ERROR, ACCT_E_NOTFOUND,
		    "no account %u", num);
		return FALSE;
	}
	return TRUE;
}

gboolean
acct_db_server_put(acct_db *db, const acct_server *s, gboolean *changed,
    GError **error)
{
	sqlite3_stmt *st = db->st[ST_SERVER_NICK];
	gsize ml, sl;
	const void *m = g_bytes_get_data(s->msg, &ml);
	const void *g = g_bytes_get_data(s->sig, &sl);
	int rc;

	*changed = TRUE;
	sqlite3_bind_text(st, 1, s->key, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW) {
		const char *old = (const char *)sqlite3_column_text(st, 0);

		*changed = old == NULL || strcmp(old, s->nickname) != 0;
	}
	sqlite3_reset(st);
	st = db->st[ST_SERVER_PUT];
	sqlite3_bind_text(st, 1, s->key, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, s->nickname, -1, SQLITE_STATIC);
	sqlite3_bind_blob(st, 3, m, (int)ml, SQLITE_STATIC);
	sqlite3_bind_blob(st, 4, g, (int)sl, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, s->registered);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return rc == SQLITE_DONE ? TRUE : db_error(db, error,
	    "record server");
}

gboolean
acct_db_servers(acct_db *db, GPtrArray *out, GError **error)
{
	sqlite3_stmt *st = db->st[ST_SERVERS];
	int rc;

	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		acct_server *s = g_new0(acct_server, 1);

		s->key = g_strdup((const char *)sqlite3_column_text(st, 0));
		s->nickname = g_strdup((const char *)sqlite3_column_text(st,
		    1));
		s->msg = g_bytes_new(sqlite3_column_blob(st, 2),
		    (gsize)sqlite3_column_bytes(st, 2));
		s->sig = g_bytes_new(sqlite3_column_blob(st, 3),
		    (gsize)sqlite3_column_bytes(st, 3));
		s->registered = sqlite3_column_int64(st, 4);
		g_ptr_array_add(out, s);
	}
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? TRUE : db_error(db, error, "servers");
}

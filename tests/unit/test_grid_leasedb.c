/* tests/unit/test_grid_leasedb.c -- the lease database's per-owner usage
 * counters (grid/leasedb.c): random sequences of lease and share changes
 * checked step by step against a model counted by brute force, the
 * migration of a schema-1 database, and doomed shares. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include <glib/gstdio.h>
#include <sqlite3.h>

#include "grid/leasedb.h"
#include "node/dir.h"

#define N_SI		12	/* storage indexes */
#define N_SHNUM		3	/* shares per storage index */
#define N_OWNER		5	/* owners 0..4 */
#define N_RENEW		3	/* renew secrets */
#define N_STEPS		4000
#define SEED		20261130

/* The model: sizes of the shares held (0: none) and the leases. */
typedef struct model {
	guint64		 size[N_SI][N_SHNUM];
	gboolean	 lease[N_SI][N_SHNUM][N_OWNER][N_RENEW];
	gboolean	 doomed[N_SI][N_SHNUM];
} model;

typedef struct fixture {
	char		*dir, *path;
	grid_leasedb	*db;
} fixture;

static void
si_of(guint i, uint8_t si[GRID_SI_LEN])
{
	memset(si, 0, GRID_SI_LEN);
	si[0] = (uint8_t)(i + 1);
	si[15] = 0x5a;
}

static void
secret_of(guint r, uint8_t out[GRID_SECRET_LEN])
{
	memset(out, (int)(0x40 + r), GRID_SECRET_LEN);
}

static int
setup(void **state)
{
	fixture *f = g_new0(fixture, 1);
	g_autoptr(GError) err = NULL;

	f->dir = g_dir_make_tmp("tldb-XXXXXX", NULL);
	f->path = g_build_filename(f->dir, "leases.sqlite", NULL);
	f->db = grid_leasedb_open(f->path, &err);
	assert_non_null(f->db);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	fixture *f = *state;

	grid_leasedb_free(f->db);
	node_remove_tree(f->dir);
	g_free(f->path);
	g_free(f->dir);
	g_free(f);
	return 0;
}

/* Compare every owner's counters with the model's brute-force count. */
static void
check_usage(grid_leasedb *db, const model *m, guint step)
{
	guint o, i, s, r;

	for (o = 0; o < N_OWNER; o++) {
		guint64 n = 0, bytes = 0, got_n, got_bytes;

		for (i = 0; i < N_SI; i++)
			for (s = 0; s < N_SHNUM; s++)
				for (r = 0; r < N_RENEW; r++)
					if (m->lease[i][s][o][r]) {
						n++;
						bytes += m->size[i][s];
						break;
					}
		grid_leasedb_owner_usage(db, o, &got_n, &got_bytes);
		if (got_n != n || got_bytes != bytes)
			fail_msg("step %u owner %u: counters (%" G_GUINT64_FORMAT
			    ", %" G_GUINT64_FORMAT "), recount (%"
			    G_GUINT64_FORMAT ", %" G_GUINT64_FORMAT ")", step,
			    o, got_n, got_bytes, n, bytes);
	}
}

/* Every owner's counters are what a recount makes of the rows. */
static void
check_recount(grid_leasedb *db, guint step)
{
	g_autoptr(GError) err = NULL;
	guint64 n[N_OWNER], b[N_OWNER], n2, b2;
	guint o;

	for (o = 0; o < N_OWNER; o++)
		grid_leasedb_owner_usage(db, o, &n[o], &b[o]);
	assert_true(grid_leasedb_recount(db, &err));
	for (o = 0; o < N_OWNER; o++) {
		grid_leasedb_owner_usage(db, o, &n2, &b2);
		if (n2 != n[o] || b2 != b[o])
			fail_msg("step %u owner %u: counters (%" G_GUINT64_FORMAT
			    ", %" G_GUINT64_FORMAT "), recount (%"
			    G_GUINT64_FORMAT ", %" G_GUINT64_FORMAT ")", step,
			    o, n[o], b[o], n2, b2);
	}
}

static guint64
model_n_doomed(const model *m)
{
	guint64 n = 0;
	guint i, s;

	for (i = 0; i < N_SI; i++)
		for (s = 0; s < N_SHNUM; s++)
			n += m->doomed[i][s] ? 1 : 0;
	return n;
}

static void
model_drop_share(model *m, guint i, guint s)
{
	m->size[i][s] = 0;
	memset(m->lease[i][s], 0, sizeof(m->lease[i][s]));
	m->doomed[i][s] = FALSE;
}

/* A new lease (o, r) on share (i, s) if the model holds it. */
static void
model_lease(model *m, guint i, guint s, guint o, guint r)
{
	if (m->size[i][s] == 0)
		return;
	m->lease[i][s][o][r] = TRUE;
	m->doomed[i][s] = FALSE;
}

static void
model_cancel(model *m, guint o)
{
	guint i, s, p, r;

	for (i = 0; i < N_SI; i++)
		for (s = 0; s < N_SHNUM; s++) {
			gboolean had = FALSE, others = FALSE;

			for (r = 0; r < N_RENEW; r++) {
				had |= m->lease[i][s][o][r];
				m->lease[i][s][o][r] = FALSE;
			}
			for (p = 0; p < N_OWNER; p++)
				for (r = 0; r < N_RENEW; r++)
					others |= m->lease[i][s][p][r];
			if (had && !others)
				m->doomed[i][s] = TRUE;
		}
}

/* Random adds, renewals, resizes, removals and cancellations, each
 * checked against the model; every 500 steps a recount must change
 * nothing. */
static void
test_random_counters(void **state)
{
	fixture *f = *state;
	g_autoptr(GRand) rnd = g_rand_new_with_seed(SEED);
	g_autoptr(GError) err = NULL;
	model *m = g_new0(model, 1);
	guint step;

	for (step = 0; step < N_STEPS; step++) {
		guint op = (guint)g_rand_int_range(rnd, 0, 100);
		guint i = (guint)g_rand_int_range(rnd, 0, N_SI);
		guint s = (guint)g_rand_int_range(rnd, 0, N_SHNUM);
		guint o = (guint)g_rand_int_range(rnd, 0, N_OWNER);
		guint r = (guint)g_rand_int_range(rnd, 0, N_RENEW);
		guint64 size = (guint64)g_rand_int_range(rnd, 1, 100000);
		uint8_t si[GRID_SI_LEN], sec[GRID_SECRET_LEN];

		si_of(i, si);
		secret_of(r, sec);
		if (op < 35) {
			/* A share closed with its lease (a new size if held:
			 * a resize). */
			assert_true(grid_leasedb_add_share(f->db, si, s, size,
			    o, sec, sec, 1000 + step, &err));
			m->size[i][s] = size;
			model_lease(m, i, s, o, r);
		} else if (op < 45) {
			/* A resize without a lease (start-up's scan). */
			assert_true(grid_leasedb_add_share(f->db, si, s, size,
			    0, NULL, NULL, 0, &err));
			m->size[i][s] = size;
		} else if (op < 70) {
			guint n, k;

			assert_true(grid_leasedb_add_lease(f->db, si, o, sec,
			    sec, 2000 + step, &n, &err));
			for (k = 0; k < N_SHNUM; k++)
				model_lease(m, i, k, o, r);
		} else if (op < 82) {
			assert_true(grid_leasedb_remove_share(f->db, si, s,
			    &err));
			model_drop_share(m, i, s);
		} else if (op < 90) {
			/* In chunks of 1, 2 or all shares, each leaving
			 * counters equal to a recount. */
			guint limit = r < 2 ? r + 1 : G_MAXUINT;
			gboolean done = FALSE;
			guint64 n;

			while (!done) {
				assert_true(grid_leasedb_cancel_owner(f->db, o,
				    limit, &n, &done, &err));
				check_recount(f->db, step);
			}
			model_cancel(m, o);
		} else {
			/* Delete a few doomed shares, as the server does. */
			g_autoptr(GArray) d = grid_leasedb_doomed(f->db, NULL,
			    3, &err);
			guint k;

			assert_non_null(d);
			assert_true(grid_leasedb_remove_shares(f->db, d, &err));
			for (k = 0; k < d->len; k++) {
				grid_share_id *id = &g_array_index(d,
				    grid_share_id, k);
				guint ii = (guint)id->si[0] - 1;

				assert_true(ii < N_SI && id->shnum < N_SHNUM);
				assert_true(m->doomed[ii][id->shnum]);
				assert_int_equal(id->size,
				    m->size[ii][id->shnum]);
				model_drop_share(m, ii, id->shnum);
			}
		}
		check_usage(f->db, m, step);
		assert_int_equal(grid_leasedb_n_doomed(f->db),
		    model_n_doomed(m));
		if (step % 500 == 499) {
			assert_true(grid_leasedb_recount(f->db, &err));
			check_usage(f->db, m, step);
		}
	}
	g_free(m);
}

/* Counting once per owner and share: two renew secrets of one owner
 * count once, two owners count for each; the last lease gone, the
 * owner's row goes. */
static void
test_counting_rules(void **state)
{
	fixture *f = *state;
	g_autoptr(GError) err = NULL;
	uint8_t si[GRID_SI_LEN], a[GRID_SECRET_LEN], b[GRID_SECRET_LEN];
	guint64 n, bytes, doomed;
	gboolean done;

	si_of(0, si);
	secret_of(0, a);
	secret_of(1, b);
	assert_true(grid_leasedb_add_share(f->db, si, 0, 100, 7, a, a, 1,
	    &err));
	assert_true(grid_leasedb_add_share(f->db, si, 0, 100, 7, b, b, 1,
	    &err));
	assert_true(grid_leasedb_add_share(f->db, si, 0, 100, 8, a, a, 1,
	    &err));
	grid_leasedb_owner_usage(f->db, 7, &n, &bytes);
	assert_int_equal(n, 1);
	assert_int_equal(bytes, 100);
	grid_leasedb_owner_usage(f->db, 8, &n, &bytes);
	assert_int_equal(n, 1);
	assert_int_equal(bytes, 100);
	/* A resize reaches both owners. */
	assert_true(grid_leasedb_add_share(f->db, si, 0, 150, 0, NULL, NULL,
	    0, &err));
	grid_leasedb_owner_usage(f->db, 7, &n, &bytes);
	assert_int_equal(bytes, 150);
	assert_true(grid_leasedb_cancel_owner(f->db, 7, G_MAXUINT, &doomed,
	    &done, &err));
	assert_true(done);
	assert_int_equal(doomed, 0);
	grid_leasedb_owner_usage(f->db, 7, &n, &bytes);
	assert_int_equal(n, 0);
	assert_int_equal(bytes, 0);
	assert_true(grid_leasedb_cancel_owner(f->db, 8, G_MAXUINT, &doomed,
	    &done, &err));
	assert_int_equal(doomed, 1);
	/* A new lease rescues the doomed share. */
	assert_true(grid_leasedb_add_share(f->db, si, 0, 150, 9, a, a, 1,
	    &err));
	assert_int_equal(grid_leasedb_n_doomed(f->db), 0);
}

/* The schema version 1, as the previous release wrote it. */
static const char v1_sql[] =
	"PRAGMA journal_mode=WAL;"
	"CREATE TABLE meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);"
	"INSERT INTO meta VALUES ('schema', 1);"
	"CREATE TABLE shares (si BLOB NOT NULL, shnum INTEGER NOT NULL,"
	"  size INTEGER NOT NULL, PRIMARY KEY (si, shnum)) WITHOUT ROWID;"
	"CREATE TABLE leases (si BLOB NOT NULL, shnum INTEGER NOT NULL,"
	"  owner INTEGER NOT NULL, renew BLOB NOT NULL, cancel BLOB NOT NULL,"
	"  expiry INTEGER NOT NULL,"
	"  PRIMARY KEY (si, shnum, owner, renew)) WITHOUT ROWID;"
	"CREATE INDEX leases_owner ON leases (owner);";

static gint64
raw_int(const char *path, const char *sql)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *q = NULL;
	gint64 v = -1;

	assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY,
	    NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &q, NULL),
	    SQLITE_OK);
	if (sqlite3_step(q) == SQLITE_ROW)
		v = sqlite3_column_int64(q, 0);
	sqlite3_finalize(q);
	sqlite3_close(db);
	return v;
}

/* A version-1 database (random shares and leases, a lease on a share
 * without a row) opens as version 2 with counters equal to the model's
 * and the orphan lease dropped. */
static void
test_migration_from_v1(void **state)
{
	fixture *f = *state;
	g_autofree char *old = g_build_filename(f->dir, "old.sqlite", NULL);
	g_autoptr(GRand) rnd = g_rand_new_with_seed(SEED + 1);
	g_autoptr(GError) err = NULL;
	model *m = g_new0(model, 1);
	sqlite3 *raw = NULL;
	sqlite3_stmt *ins_s = NULL, *ins_l = NULL;
	grid_leasedb *db;
	uint8_t si[GRID_SI_LEN], sec[GRID_SECRET_LEN];
	guint i, s, o, r, k;

	assert_int_equal(sqlite3_open(old, &raw), SQLITE_OK);
	assert_int_equal(sqlite3_exec(raw, v1_sql, NULL, NULL, NULL),
	    SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(raw, "INSERT INTO shares VALUES "
	    "(?,?,?)", -1, &ins_s, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(raw, "INSERT OR IGNORE INTO "
	    "leases VALUES (?,?,?,?,?,0)", -1, &ins_l, NULL), SQLITE_OK);
	for (i = 0; i < N_SI; i++)
		for (s = 0; s < N_SHNUM; s++) {
			if (g_rand_int_range(rnd, 0, 4) == 0)
				continue;
			m->size[i][s] = (guint64)g_rand_int_range(rnd, 1,
			    1 << 20);
			si_of(i, si);
			sqlite3_bind_blob(ins_s, 1, si, GRID_SI_LEN,
			    SQLITE_TRANSIENT);
			sqlite3_bind_int64(ins_s, 2, s);
			sqlite3_bind_int64(ins_s, 3, (gint64)m->size[i][s]);
			assert_int_equal(sqlite3_step(ins_s), SQLITE_DONE);
			sqlite3_reset(ins_s);
		}
	for (k = 0; k < 200; k++) {
		i = (guint)g_rand_int_range(rnd, 0, N_SI);
		s = (guint)g_rand_int_range(rnd, 0, N_SHNUM);
		o = (guint)g_rand_int_range(rnd, 0, N_OWNER);
		r = (guint)g_rand_int_range(rnd, 0, N_RENEW);
		/* k == 0: a lease on a share without a row. */
		if (k == 0)
			i = N_SI + 3;
		else if (m->size[i][s] == 0)
			continue;
		else
			m->lease[i][s][o][r] = TRUE;
		si_of(i, si);
		secret_of(r, sec);
		sqlite3_bind_blob(ins_l, 1, si, GRID_SI_LEN, SQLITE_TRANSIENT);
		sqlite3_bind_int64(ins_l, 2, s);
		sqlite3_bind_int64(ins_l, 3, o);
		sqlite3_bind_blob(ins_l, 4, sec, GRID_SECRET_LEN,
		    SQLITE_TRANSIENT);
		sqlite3_bind_blob(ins_l, 5, sec, GRID_SECRET_LEN,
		    SQLITE_TRANSIENT);
		assert_int_equal(sqlite3_step(ins_l), SQLITE_DONE);
		sqlite3_reset(ins_l);
	}
	sqlite3_finalize(ins_s);
	sqlite3_finalize(ins_l);
	sqlite3_close(raw);

	db = grid_leasedb_open(old, &err);
	if (db == NULL)
		fail_msg("open: %s", err->message);
	check_usage(db, m, 0);
	grid_leasedb_free(db);
	assert_int_equal(raw_int(old, "SELECT value FROM meta WHERE key = "
	    "'schema'"), 2);
	assert_int_equal(raw_int(old, "SELECT COUNT(*) FROM leases l WHERE "
	    "NOT EXISTS (SELECT 1 FROM shares s WHERE s.si = l.si AND "
	    "s.shnum = l.shnum)"), 0);
	/* Opened again, nothing is recounted or lost. */
	db = grid_leasedb_open(old, &err);
	assert_non_null(db);
	check_usage(db, m, 1);
	grid_leasedb_free(db);
	g_free(m);
}

/* A schema this program does not know is refused, naming the file. */
/* Doomed shares come in (si, shnum) order after a cursor: a pass that
 * deletes none of them still visits each once and ends. */
static void
test_doomed_cursor(void **state)
{
	fixture *f = *state;
	g_autoptr(GError) err = NULL;
	uint8_t si[GRID_SI_LEN], h[GRID_SECRET_LEN];
	grid_share_id last;
	guint64 n;
	gboolean done, have_last = FALSE;
	guint i, seen = 0;

	secret_of(0, h);
	for (i = 0; i < 7; i++) {
		si_of(6 - i / 2, si);	/* inserted out of order */
		assert_true(grid_leasedb_add_share(f->db, si, i % 2, 10, 1, h,
		    h, 1, &err));
	}
	assert_true(grid_leasedb_cancel_owner(f->db, 1, G_MAXUINT, &n, &done,
	    &err));
	assert_int_equal(n, 7);
	for (;;) {
		g_autoptr(GArray) d = grid_leasedb_doomed(f->db, have_last ?
		    &last : NULL, 2, &err);

		assert_non_null(d);
		if (d->len == 0)
			break;
		for (i = 0; i < d->len; i++) {
			grid_share_id *id = &g_array_index(d, grid_share_id,
			    i);

			if (have_last)
				assert_true(memcmp(id->si, last.si,
				    GRID_SI_LEN) > 0 || (memcmp(id->si,
				    last.si, GRID_SI_LEN) == 0 &&
				    id->shnum > last.shnum));
			last = *id;
			have_last = TRUE;
			seen++;
		}
		assert_true(seen <= 7);
	}
	assert_int_equal(seen, 7);
	assert_int_equal(grid_leasedb_n_doomed(f->db), 7);
}

static void
test_newer_schema_refused(void **state)
{
	fixture *f = *state;
	g_autoptr(GError) err = NULL;
	sqlite3 *raw = NULL;

	grid_leasedb_free(g_steal_pointer(&f->db));
	assert_int_equal(sqlite3_open(f->path, &raw), SQLITE_OK);
	assert_int_equal(sqlite3_exec(raw, "UPDATE meta SET value = 99 WHERE "
	    "key = 'schema'", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(raw);
	assert_null(grid_leasedb_open(f->path, &err));
	assert_non_null(err);
	assert_non_null(strstr(err->message, "schema version 99"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_random_counters, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_counting_rules, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_migration_from_v1, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_doomed_cursor, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_newer_schema_refused,
		    setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

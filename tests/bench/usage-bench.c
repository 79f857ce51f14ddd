/* tests/bench/usage-bench.c -- the cost of per-account usage and of
 * terminating an account on a storage server.  Not a test; prints one
 * JSON line per figure.
 *
 *   usage-bench [LEASES [ACCOUNTS [TERMINATED [QUERIES]]]]
 *                                  default 1000000 10000 100000 10000
 *
 * A lease database is filled (grid/leasedb.c, transactions of 10,000
 * rows): account 1 holds TERMINATED leases on as many shares of its own;
 * the other LEASES - TERMINATED leases are spread over accounts 2 ..
 * ACCOUNTS on 10,000 shares.  Every share has a real share file (a header
 * and 100 bytes) in a temporary storage directory, and a storage server
 * (grid/storage.c) is started over it.  Then:
 *   - "usage": QUERIES usage queries of random accounts through
 *     grid_ss_owner_usage(), median and p99 in microseconds; and, for
 *     comparison, 100 queries of the aggregate over the leases that
 *     schema 1 ran;
 *   - "terminate": account 1's leases cancelled by the server in steps
 *     on its loop (the database part; the first step in
 *     grid_ss_cancel_owner() itself, with the first batch of file
 *     deletions if that step was the last), then
 *     its shares' files and rows deleted in batches on the loop (the
 *     file part); each with its number of loop iterations and the
 *     longest one.  Times are those of the server's calls, without the
 *     bench's own counting between iterations. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <ev.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <sodium.h>
#include <sqlite3.h>

#include "grid/leasedb.h"
#include "grid/shares.h"
#include "grid/storage.h"
#include "rpc/ident.h"
#include "rpc/tub.h"
#include "tests/bench/bench.h"

#define OTHER_SHARES	10000
#define BATCH		10000
#define DATA_LEN	100

/* Write a share file for (si, 0): a container header and DATA_LEN
 * bytes (not synced: these are many and disposable).  Return its size. */
static guint64
plant_file(const char *sdir, const uint8_t *si)
{
	g_autofree char *p = grid_share_path(sdir, si, 0);
	g_autofree char *d = g_path_get_dirname(p);
	uint8_t buf[GRID_SHARE_HDR + DATA_LEN];
	FILE *f;

	memset(buf, 'x', sizeof(buf));
	grid_share_header(buf, DATA_LEN);
	if (g_mkdir_with_parents(d, 0700) != 0 ||
	    (f = fopen(p, "wb")) == NULL ||
	    fwrite(buf, sizeof(buf), 1, f) != 1 || fclose(f) != 0) {
		fprintf(stderr, "%s: cannot write\n", p);
		exit(1);
	}
	return sizeof(buf);
}

/* Run the loop while the server cancels leases (or, with 'files',
 * while shares are doomed), adding each iteration's time to *total and
 * keeping the longest in *longest.  Return the iterations. */
static guint64
run_phase(struct ev_loop *loop, grid_ss *ss, gboolean files, double *total,
    double *longest)
{
	guint64 n = 0;
	double t;

	while (files ? grid_ss_n_doomed(ss) > 0 :
	    grid_ss_n_cancelling(ss) > 0) {
		t = bench_now_us();
		ev_run(loop, EVRUN_ONCE);
		t = bench_now_us() - t;
		*longest = t > *longest ? t : *longest;
		*total += t;
		n++;
	}
	return n;
}

static void
add(grid_leasedb *db, const uint8_t *si, guint64 size, guint32 owner,
    guint64 *n)
{
	g_autoptr(GError) e = NULL;
	uint8_t h[GRID_SECRET_LEN];

	if (*n % BATCH == 0 && *n > 0 && !grid_leasedb_commit(db, &e)) {
		fprintf(stderr, "%s\n", e->message);
		exit(1);
	}
	if (*n % BATCH == 0 && !grid_leasedb_begin(db, &e)) {
		fprintf(stderr, "%s\n", e->message);
		exit(1);
	}
	randombytes_buf(h, sizeof(h));
	if (!grid_leasedb_add_share(db, si, 0, size, owner, h, h, G_MAXINT32,
	    &e)) {
		fprintf(stderr, "%s\n", e->message);
		exit(1);
	}
	(*n)++;
}

int
main(int argc, char **argv)
{
	guint64 n_leases = argc > 1 ? g_ascii_strtoull(argv[1], NULL, 10) :
	    1000000;
	guint64 n_accounts = argc > 2 ? g_ascii_strtoull(argv[2], NULL, 10) :
	    10000;
	guint64 n_term = argc > 3 ? g_ascii_strtoull(argv[3], NULL, 10) :
	    100000;
	guint64 n_queries = argc > 4 ? g_ascii_strtoull(argv[4], NULL, 10) :
	    10000;
	g_autofree char *dir = g_dir_make_tmp("usage-bench-XXXXXX", NULL);
	g_autofree char *sdir = g_build_filename(dir, "storage", NULL);
	g_autofree char *dbp = g_build_filename(sdir, "leases.sqlite", NULL);
	g_autoptr(GError) e = NULL;
	g_autofree double *lat = NULL;
	uint8_t *other = NULL;	/* OTHER_SHARES storage indexes */
	struct ev_loop *loop;
	sqlite3 *raw = NULL;
	sqlite3_stmt *agg = NULL;
	grid_leasedb *db;
	rpc_tub *srv;
	grid_ss *ss;
	guint64 i, n = 0, size = 0, n_sh, bytes, doomed, iters, iters_db;
	double t0, t_db, t_files = 0, longest = 0, longest_db, agg_us = 0;

	if (sodium_init() < 0 || dir == NULL || n_accounts < 2 ||
	    n_term > n_leases || n_queries == 0)
		return 1;
	g_log_set_handler("grid", G_LOG_LEVEL_MESSAGE | G_LOG_LEVEL_INFO,
	    g_log_default_handler, NULL);
	if (g_mkdir(sdir, 0700) != 0 ||
	    (db = grid_leasedb_open(dbp, &e)) == NULL) {
		fprintf(stderr, "%s\n", e != NULL ? e->message : sdir);
		return 1;
	}

	/* The database and the files. */
	t0 = bench_now_us();
	other = g_malloc((gsize)OTHER_SHARES * GRID_SI_LEN);
	for (i = 0; i < OTHER_SHARES; i++) {
		randombytes_buf(other + i * GRID_SI_LEN, GRID_SI_LEN);
		size = plant_file(sdir, other + i * GRID_SI_LEN);
	}
	for (i = 0; i < n_term; i++) {
		uint8_t si[GRID_SI_LEN];

		randombytes_buf(si, sizeof(si));
		add(db, si, plant_file(sdir, si), 1, &n);
	}
	/* Lease j: account 2 + j mod (ACCOUNTS - 1) on share j mod 10,000. */
	for (i = 0; i < n_leases - n_term; i++)
		add(db, other + (i % OTHER_SHARES) * GRID_SI_LEN, size,
		    (guint32)(2 + i % (n_accounts - 1)), &n);
	if (n > 0 && !grid_leasedb_commit(db, &e)) {
		fprintf(stderr, "%s\n", e->message);
		return 1;
	}
	printf("{\"bench\":\"usage-fill\",\"leases\":%" G_GUINT64_FORMAT
	    ",\"accounts\":%" G_GUINT64_FORMAT ",\"files\":%" G_GUINT64_FORMAT
	    ",\"s\":%.1f}\n", n, n_accounts, n_term + OTHER_SHARES,
	    (bench_now_us() - t0) / 1e6);
	fflush(stdout);
	grid_leasedb_free(db);

	/* The server over them (its start-up scan checks every file). */
	loop = ev_loop_new(EVFLAG_AUTO);
	srv = rpc_tub_new(loop, rpc_ident_new(), NULL);
	t0 = bench_now_us();
	if (!rpc_tub_listen(srv, "127.0.0.1", 0, &e) ||
	    (ss = grid_ss_new(srv, sdir, 0, NULL, NULL, &e)) == NULL) {
		fprintf(stderr, "%s\n", e->message);
		return 1;
	}
	printf("{\"bench\":\"usage-start\",\"files\":%" G_GUINT64_FORMAT
	    ",\"s\":%.1f}\n", n_term + OTHER_SHARES, (bench_now_us() - t0) / 1e6);

	/* Usage queries. */
	lat = g_new(double, n_queries);
	for (i = 0; i < n_queries; i++) {
		guint32 owner = (guint32)(1 + randombytes_uniform(
		    (guint32)n_accounts));

		t0 = bench_now_us();
		grid_ss_owner_usage(ss, owner, &n_sh, &bytes);
		lat[i] = bench_now_us() - t0;
	}
	qsort(lat, n_queries, sizeof(double), bench_cmp_double);
	/* Schema 1's aggregate, for comparison. */
	if (sqlite3_open_v2(dbp, &raw, SQLITE_OPEN_READONLY, NULL) ==
	    SQLITE_OK && sqlite3_prepare_v2(raw, "SELECT COUNT(*), "
	    "COALESCE(SUM(s.size), 0) FROM shares s WHERE EXISTS (SELECT 1 "
	    "FROM leases l WHERE l.owner = ? AND l.si = s.si AND l.shnum = "
	    "s.shnum)", -1, &agg, NULL) == SQLITE_OK) {
		for (i = 0; i < 100; i++) {
			sqlite3_bind_int64(agg, 1, 2 + (gint64)(i %
			    (n_accounts - 1)));
			t0 = bench_now_us();
			(void)sqlite3_step(agg);
			agg_us += bench_now_us() - t0;
			sqlite3_reset(agg);
		}
		agg_us /= 100;
	}
	sqlite3_finalize(agg);
	sqlite3_close(raw);
	printf("{\"bench\":\"usage\",\"leases\":%" G_GUINT64_FORMAT
	    ",\"accounts\":%" G_GUINT64_FORMAT ",\"queries\":%" G_GUINT64_FORMAT
	    ",\"median_us\":%.2f,\"p99_us\":%.2f,\"max_us\":%.1f,"
	    "\"schema1_aggregate_us\":%.0f}\n", n, n_accounts, n_queries,
	    lat[n_queries / 2], lat[n_queries * 99 / 100],
	    lat[n_queries - 1], agg_us);
	fflush(stdout);

	/* Termination: the server cancels the leases in steps (the
	 * database part), then deletes the doomed shares in batches (the
	 * file part), one step or batch per loop iteration. */
	grid_ss_owner_usage(ss, 1, &n_sh, &bytes);
	t0 = bench_now_us();
	grid_ss_cancel_owner(ss, 1);
	t_db = longest_db = bench_now_us() - t0;
	iters_db = run_phase(loop, ss, FALSE, &t_db, &longest_db);
	doomed = grid_ss_n_doomed(ss);
	iters = run_phase(loop, ss, TRUE, &t_files, &longest);
	printf("{\"bench\":\"terminate\",\"leases\":%" G_GUINT64_FORMAT
	    ",\"shares\":%" G_GUINT64_FORMAT ",\"db_ms\":%.1f,"
	    "\"db_iterations\":%" G_GUINT64_FORMAT ",\"db_longest_ms\":%.2f,"
	    "\"doomed_after_db\":%" G_GUINT64_FORMAT ",\"files_ms\":%.1f,"
	    "\"files_iterations\":%" G_GUINT64_FORMAT
	    ",\"files_longest_ms\":%.2f}\n", n_term, n_sh, t_db / 1e3,
	    iters_db, longest_db / 1e3, doomed, t_files / 1e3, iters, longest /
	    1e3);

	grid_ss_free(ss);
	rpc_tub_free(srv);
	ev_loop_destroy(loop);
	g_free(other);
	{
		g_autofree char *cmd = g_strdup_printf("rm -rf '%s'", dir);

		if (system(cmd) != 0)
			fprintf(stderr, "cannot remove %s\n", dir);
	}
	return 0;
}

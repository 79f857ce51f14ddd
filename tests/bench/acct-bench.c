/* tests/bench/acct-bench.c -- the cost of accounts.  Not a test; prints
 * figures.
 *
 *   acct-bench [ACCOUNTS [FACETS]]     default 1000000 100000
 *
 * First ACCOUNTS accounts are created in a new account database (one
 * transaction each, as create_account does) and the time printed.  Then
 * one storage server (its tub, a storage directory and the serverdesk
 * side) serves a client tub in the same process: for FACETS distinct
 * accounts the client takes the account's PSS FURL (a lookup minting a
 * facet), calls get_version on it and releases it.  The resident set is
 * printed after 10% and after all of them: with no per-account objects
 * left behind it does not grow with the number of accounts. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <ev.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <sodium.h>

#include "account/db.h"
#include "account/desk.h"
#include "grid/storage.h"
#include "rpc/common.h"
#include "rpc/conn.h"
#include "rpc/ident.h"
#include "rpc/tub.h"

struct step {
	struct ev_loop	*loop;
	rpc_ref		*ref;
	gboolean	 done, failed;
};

static void
got_ref(rpc_ref *ref, const GError *err, void *arg)
{
	struct step *s = arg;

	s->done = TRUE;
	s->failed = ref == NULL;
	if (err != NULL)
		fprintf(stderr, "lookup: %s\n", err->message);
	s->ref = ref;
}

static void
answered(const msgpack_object *result, const rpc_refctx *refs,
    const GError *err, void *arg)
{
	struct step *s = arg;

	RPC_UNUSED(refs);
	(void)result;
	s->done = TRUE;
	s->failed = err != NULL;
}

static void
run_until(struct ev_loop *loop, const gboolean *flag)
{
	while (!*flag)
		ev_run(loop, EVRUN_ONCE);
}

static long
rss_kib(void)
{
	long pages = 0, rss = 0;
	FILE *f = fopen("/proc/self/statm", "r");

	if (f == NULL)
		return -1;
	if (fscanf(f, "%ld %ld", &pages, &rss) != 2)
		rss = -1;
	fclose(f);
	return rss * (sysconf(_SC_PAGESIZE) / 1024);
}

int
main(int argc, char **argv)
{
	guint64 n_accounts = argc > 1 ? g_ascii_strtoull(argv[1], NULL, 10) :
	    1000000;
	guint64 n_facets = argc > 2 ? g_ascii_strtoull(argv[2], NULL, 10) :
	    100000;
	g_autofree char *dir = g_dir_make_tmp("acct-bench-XXXXXX", NULL);
	g_autofree char *dbp = g_build_filename(dir, "accounts.sqlite", NULL);
	g_autofree char *sdir = g_build_filename(dir, "storage", NULL);
	g_autofree char *priv = g_build_filename(dir, "private", NULL);
	g_autofree char *pdb = g_build_filename(dir, "pss.sqlite", NULL);
	g_autoptr(GError) e = NULL;
	struct ev_loop *loop;
	rpc_tub *srv, *cl;
	grid_ss *ss;
	acct_desk *desk;
	acct_db *db;
	gint64 t0;
	guint64 i;
	long rss10 = 0;

	if (sodium_init() < 0 || dir == NULL)
		return 1;
	g_log_set_handler("grid", G_LOG_LEVEL_MESSAGE | G_LOG_LEVEL_INFO,
	    g_log_default_handler, NULL);
	if ((db = acct_db_open(dbp, &e)) == NULL) {
		fprintf(stderr, "%s\n", e->message);
		return 1;
	}
	t0 = g_get_monotonic_time();
	for (i = 0; i < n_accounts; i++) {
		char name[32];
		guint32 num;

		g_snprintf(name, sizeof(name), "user%" G_GUINT64_FORMAT, i);
		if (!acct_db_create(db, name, 0, &num, &e)) {
			fprintf(stderr, "%s\n", e->message);
			return 1;
		}
	}
	printf("accounts created: %" G_GUINT64_FORMAT " in %.2f s (%.1f us "
	    "each)\n", n_accounts,
	    (double)(g_get_monotonic_time() - t0) / 1e6,
	    n_accounts > 0 ? (double)(g_get_monotonic_time() - t0) /
	    (double)n_accounts : 0.0);
	acct_db_free(db);

	loop = ev_loop_new(EVFLAG_AUTO);
	srv = rpc_tub_new(loop, rpc_ident_new(), NULL);
	cl = rpc_tub_new(loop, rpc_ident_new(), NULL);
	if (g_mkdir(priv, 0700) != 0 ||
	    !rpc_tub_listen(srv, "127.0.0.1", 0, &e) ||
	    (ss = grid_ss_new(srv, sdir, 0, NULL, NULL, &e)) == NULL ||
	    (desk = acct_desk_new(srv, ss, NULL, TRUE, "bench", priv, pdb,
	    &e)) == NULL) {
		fprintf(stderr, "%s\n", e != NULL ? e->message : "mkdir");
		return 1;
	}
	t0 = g_get_monotonic_time();
	for (i = 1; i <= n_facets; i++) {
		g_autofree char *furl = acct_desk_pss_furl(desk, (guint32)i);
		struct step s = { loop, NULL, FALSE, FALSE };

		rpc_tub_get_ref(cl, furl, got_ref, &s);
		run_until(loop, &s.done);
		if (s.failed)
			return 1;
		s.done = FALSE;
		rpc_ref_call(s.ref, "get_version", NULL, answered, &s);
		run_until(loop, &s.done);
		rpc_ref_unref(s.ref);
		if (s.failed)
			return 1;
		if (i == n_facets / 10) {
			/* Let the releases reach the server. */
			ev_run(loop, EVRUN_NOWAIT);
			rss10 = rss_kib();
		}
	}
	ev_run(loop, EVRUN_NOWAIT);
	printf("PSS facets: %" G_GUINT64_FORMAT " accounts looked up and "
	    "called in %.2f s; RSS %ld KiB after %" G_GUINT64_FORMAT
	    ", %ld KiB after %" G_GUINT64_FORMAT "\n", n_facets,
	    (double)(g_get_monotonic_time() - t0) / 1e6, rss10,
	    n_facets / 10, rss_kib(), n_facets);
	acct_desk_free(desk);
	grid_ss_free(ss);
	rpc_tub_free(cl);
	rpc_tub_free(srv);
	ev_loop_destroy(loop);
	{
		g_autofree char *cmd = g_strdup_printf("rm -rf '%s'", dir);

		if (system(cmd) != 0)
			return 1;
	}
	return 0;
}

/* tests/unit/test_node_dir.c -- node directories (node/dir.c) and the log
 * line format (node/log.c): endpoint strings, sizes, locations, what
 * create leaves on disk, failures that leave nothing, and the run lock. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <unistd.h>

#include <sys/stat.h>
#include <sys/wait.h>

#include <cmocka.h>
#include <glib/gstdio.h>
#include <sodium.h>

#include "node/cfg.h"
#include "node/dir.h"
#include "node/log.h"
#include "rpc/common.h"
#include "tests/unit/node_testutil.h"

static void
test_endpoint_forms(void **state)
{
	static const struct {
		const char *spec, *host;
		uint16_t port;
	} ok[] = {
		{ "6001", "DEF", 6001 },
		{ "0", "DEF", 0 },
		{ "tcp:6003", "DEF", 6003 },
		{ "tcp:65535:interface=127.0.0.1", "127.0.0.1", 65535 },
		{ "tcp:1:interface=::1", "::1", 1 },
	};
	static const char *bad[] = {
		"", "tcp:", "tcp:x", "tcp:70000", "tcp:-1", "udp:5",
		"tcp:1:interface=", "tcp:1:interface=example.com",
		"tcp:1:iface=127.0.0.1", "65536", "6001x", "x",
	};
	size_t i;

	RPC_UNUSED(state);
	for (i = 0; i < G_N_ELEMENTS(ok); i++) {
		node_endpoint ep;

		assert_true(node_endpoint_parse("k", ok[i].spec, "DEF", &ep,
		    NULL));
		assert_string_equal(ep.host, ok[i].host);
		assert_int_equal(ep.port, ok[i].port);
		node_endpoint_clear(&ep);
	}
	for (i = 0; i < G_N_ELEMENTS(bad); i++) {
		g_autoptr(GError) e = NULL;
		node_endpoint ep;

		assert_false(node_endpoint_parse("web.port", bad[i], "DEF",
		    &ep, &e));
		assert_null(ep.host);
		assert_true(g_error_matches(e, NODE_ERROR, NODE_E_FORMAT));
		assert_non_null(strstr(e->message, "web.port"));
	}
}

static void
test_sizes(void **state)
{
	static const struct {
		const char *in;
		guint64 v;
	} ok[] = {
		{ "0", 0 }, { "1048576", 1048576 }, { "1G", 1000000000 },
		{ "1g", 1000000000 }, { "500MB", 500000000 },
		{ "2GiB", 2ULL << 30 }, { "3 KiB", 3072 }, { "7B", 7 },
		{ "1T", 1000000000000ULL },
		/* The rest of Tahoe-LAFS's grammar. */
		{ "2P", 2000000000000000ULL }, { "1E", 1000000000000000000ULL },
		{ "1ki", 1024 }, { "3PiB", 3ULL << 50 }, { "5i", 5 },
		{ "15EiB", 15ULL << 60 },
	};
	static const char *bad[] = {
		"", "G", "-1", "1X", "1.5G", "99999999999999999999",
		"18446744073709551615T", " 1", "1BB", "1IK", "1KK", "16EiB",
		"1 G B",
	};
	guint64 v;
	size_t i;

	RPC_UNUSED(state);
	for (i = 0; i < G_N_ELEMENTS(ok); i++) {
		assert_true(node_parse_size(ok[i].in, &v, NULL));
		assert_int_equal(v, ok[i].v);
	}
	for (i = 0; i < G_N_ELEMENTS(bad); i++)
		assert_false(node_parse_size(bad[i], &v, NULL));
}

static void
test_location_port_zero(void **state)
{
	g_autoptr(GError) e = NULL;
	char *l;

	RPC_UNUSED(state);
	l = node_location_with_port("tcp:localhost:0,tcp:[::1]:0,h:5", 4242,
	    "--location", NULL);
	assert_string_equal(l, "tcp:localhost:4242,tcp:[::1]:4242,h:5");
	g_free(l);
	assert_null(node_location_with_port("tcp:x", 1, "--location", &e));
	assert_non_null(strstr(e->message, "--location"));
}

/* The node's part of an introducer's directory; its FURL is grid's
 * (tests/unit/test_grid_cfg.c). */
static void
test_create_introducer(void **state)
{
	g_autofree char *top = tmpdir();
	g_autofree char *dir = g_build_filename(top, "intro", NULL);
	g_autoptr(node_config) cfg = NULL;
	g_autofree char *port = NULL, *loc = NULL;
	node_create_opts o = { .kind = NODE_KIND_INTRODUCER,
	    .port = "tcp:0:interface=127.0.0.1" };
	uint8_t pk[32];

	RPC_UNUSED(state);
	assert_true(node_dir_create(dir, &o, NULL));
	assert_int_equal(mode_of(dir, "private"), 0700);
	assert_int_equal(mode_of(dir, "private/node.privkey"), 0600);
	assert_true(node_dir_read_pubkey(dir, pk, NULL));
	cfg = node_config_load(dir, NULL);
	port = node_config_get(cfg, "node", "tub.port");
	loc = node_config_get(cfg, "node", "tub.location");
	assert_true(g_str_has_prefix(port, "tcp:"));
	assert_true(g_str_has_suffix(port, ":interface=127.0.0.1"));
	assert_null(strstr(port, "tcp:0:"));
	assert_true(g_str_has_prefix(loc, "tcp:127.0.0.1:"));
	assert_null(node_config_get(cfg, "client", "introducer.furl"));
	/* Only the directory itself is left beside it. */
	assert_int_equal(n_entries(top), 1);
	node_remove_tree(top);
}

static void
test_create_refuses_and_leaves_nothing(void **state)
{
	g_autofree char *top = tmpdir();
	g_autofree char *full = g_build_filename(top, "full", NULL);
	g_autofree char *junk = g_build_filename(full, "x", NULL);
	g_autofree char *d = g_build_filename(top, "new", NULL);
	static const node_create_opts bad[] = {
		{ .kind = NODE_KIND_CLIENT, .introducer_furl = "pb://x" },
		{ .kind = NODE_KIND_NODE, .port = "99999" },
		{ .kind = NODE_KIND_NODE, .location = "tcp:" },
		{ .kind = NODE_KIND_NODE, .location = "tcp:h:1",
		    .hostname = "h" },
		{ .kind = NODE_KIND_CLIENT, .nickname = "a\nb" },
		{ .kind = NODE_KIND_NODE, .listen = "i2p" },
		{ .kind = NODE_KIND_INTRODUCER, .listen = "none" },
		{ .kind = NODE_KIND_CLIENT, .webport = "tcp:x" },
	};
	node_create_opts ok = { .kind = NODE_KIND_NODE };
	g_autoptr(GError) e = NULL;
	size_t i;

	RPC_UNUSED(state);
	for (i = 0; i < G_N_ELEMENTS(bad); i++) {
		g_autoptr(GError) err = NULL;

		assert_false(node_dir_create(d, &bad[i], &err));
		assert_non_null(err);
		assert_null(strchr(err->message, '\n'));
		assert_int_equal(n_entries(top), 0);
	}
	assert_int_equal(g_mkdir(full, 0700), 0);
	assert_true(g_file_set_contents(junk, "x", 1, NULL));
	assert_false(node_dir_create(full, &ok, &e));
	assert_true(g_error_matches(e, NODE_ERROR, NODE_E_EXISTS));
	assert_int_equal(n_entries(full), 1);
	node_remove_tree(top);
}

static void
test_lock_is_exclusive_between_processes(void **state)
{
	g_autofree char *top = tmpdir();
	g_autoptr(GError) e = NULL;
	int fd, status;
	pid_t pid;

	RPC_UNUSED(state);
	fd = node_dir_lock(top, &e);
	assert_true(fd >= 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		GError *ce = NULL;
		int cfd = node_dir_lock(top, &ce);

		_exit(cfd < 0 && g_error_matches(ce, NODE_ERROR,
		    NODE_E_EXISTS) && strstr(ce->message, "already running")
		    != NULL ? 0 : 1);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	close(fd);
	/* Released with the descriptor: a new run may take it. */
	pid = fork();
	if (pid == 0)
		_exit(node_dir_lock(top, NULL) >= 0 ? 0 : 1);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	node_remove_tree(top);
}

static void
test_log_line_format(void **state)
{
	/* 2026-11-22T10:00:00.000123Z */
	gint64 t = G_GINT64_CONSTANT(1795341600000123);
	g_autofree char *l = node_log_format(G_LOG_LEVEL_WARNING, "grid",
	    "nick\nFAKE 2026 ERROR x\x1b[31m", t);
	g_autofree char *m = node_log_format(G_LOG_LEVEL_INFO, NULL, "hi",
	    t);

	RPC_UNUSED(state);
	assert_string_equal(l, "2026-11-22T10:00:00.000123Z WARNING grid: "
	    "nick\\x0aFAKE 2026 ERROR x\\x1b[31m");
	assert_string_equal(m, "2026-11-22T10:00:00.000123Z INFO tahoe: hi");
}

static void
test_log_site_budget(void **state)
{
	const gint64 t0 = 1000000;
	guint64 dropped = 99;
	int i;

	RPC_UNUSED(state);
	node_log_sites_reset();
	for (i = 0; i < NODE_LOG_BURST; i++) {
		assert_true(node_log_site_allow("a.c", "10", t0 + i, &dropped));
		assert_int_equal(dropped, 0);
	}
	/* The burst is spent: this site is silenced, another is not. */
	for (i = 0; i < 25; i++)
		assert_false(node_log_site_allow("a.c", "10", t0 + 100 + i,
		    &dropped));
	assert_true(node_log_site_allow("a.c", "11", t0 + 200, &dropped));
	assert_true(node_log_site_allow("b.c", "10", t0 + 200, &dropped));
	/* Just before the interval ends: still silenced. */
	assert_false(node_log_site_allow("a.c", "10",
	    t0 + NODE_LOG_INTERVAL_US - 1, &dropped));
	/* A new interval: written, with the count of what was dropped. */
	assert_true(node_log_site_allow("a.c", "10", t0 + NODE_LOG_INTERVAL_US,
	    &dropped));
	assert_int_equal(dropped, 26);
	assert_true(node_log_site_allow("a.c", "10",
	    t0 + NODE_LOG_INTERVAL_US + 1, &dropped));
	assert_int_equal(dropped, 0);
	node_log_sites_reset();
}

/* A warning raised in a loop (as a peer could make one) writes
 * NODE_LOG_BURST lines, not thousands. */
static void
test_log_flood_is_cut(void **state)
{
	g_autofree char *top = g_dir_make_tmp("tlog-XXXXXX", NULL);
	g_autofree char *path = g_build_filename(top, "logs", "node.log",
	    NULL);
	g_autofree char *text = NULL;
	g_autoptr(GError) err = NULL;
	const char *p;
	int i, lines = 0;

	RPC_UNUSED(state);
	node_log_sites_reset();
	assert_true(node_log_open(path, FALSE, &err));
	for (i = 0; i < 5000; i++)
		g_message("flood %d", i);	/* one call site */
	g_message("another site");
	node_log_close();
	assert_true(g_file_get_contents(path, &text, NULL, NULL));
	for (p = text; *p != '\0'; p++)
		lines += *p == '\n';
	assert_int_equal(lines, NODE_LOG_BURST + 1);
	assert_non_null(strstr(text, "another site"));
	assert_null(strstr(text, "flood 10\n"));
	node_remove_tree(top);
	node_log_sites_reset();
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_endpoint_forms),
		cmocka_unit_test(test_sizes),
		cmocka_unit_test(test_location_port_zero),
		cmocka_unit_test(test_create_introducer),
		cmocka_unit_test(test_create_refuses_and_leaves_nothing),
		cmocka_unit_test(test_lock_is_exclusive_between_processes),
		cmocka_unit_test(test_log_line_format),
		cmocka_unit_test(test_log_site_budget),
		cmocka_unit_test(test_log_flood_is_cut),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}

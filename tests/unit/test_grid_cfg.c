/* tests/unit/test_grid_cfg.c -- the grid's sections of tahoe.cfg:
 * shares, trusted grid-manager keys and certificate lists, read with
 * clear errors. */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/stat.h>
#include <cmocka.h>

#include <glib/gstdio.h>

#include "grid/err.h"
#include "grid/gcfg.h"
#include "rpc/ident.h"
#include "tests/unit/node_testutil.h"

static void
test_shares_defaults_and_order(void **state)
{
	cfg_fixture *f = *state;
	node_config *cfg;
	grid_shares sh;
	GError *err = NULL;

	write_cfg(f, "[client]\n");
	cfg = node_config_load(f->dir, NULL);
	assert_true(grid_cfg_shares(cfg, &sh, NULL));
	assert_true(sh.needed == 3 && sh.happy == 7 && sh.total == 10);
	node_config_free(cfg);

	write_cfg(f, "[client]\nshares.needed = 2\nshares.happy = 2\n"
	    "shares.total = 2\n");
	cfg = node_config_load(f->dir, NULL);
	assert_true(grid_cfg_shares(cfg, &sh, NULL));
	assert_true(sh.needed == 2 && sh.happy == 2 && sh.total == 2);
	node_config_free(cfg);

	write_cfg(f, "[client]\nshares.needed = 5\nshares.total = 4\n");
	cfg = node_config_load(f->dir, NULL);
	assert_false(grid_cfg_shares(cfg, &sh, &err));
	assert_true(g_error_matches(err, GRID_ERROR, GRID_E_RANGE));
	assert_non_null(strstr(err->message, "tahoe.cfg"));
	g_clear_error(&err);
	node_config_free(cfg);

	write_cfg(f, "[client]\nshares.total = 257\n");
	cfg = node_config_load(f->dir, NULL);
	assert_false(grid_cfg_shares(cfg, &sh, &err));
	assert_non_null(strstr(err->message, "shares.total"));
	g_clear_error(&err);
	node_config_free(cfg);
}

static void
test_add_grid_manager_refuses_bad_key_and_duplicate(void **state)
{
	cfg_fixture *f = *state;
	g_autoptr(rpc_ident) id = rpc_ident_new();
	g_autofree char *pk = rpc_ident_pubkey_text(id);
	g_autoptr(node_config) cfg = NULL;
	g_autofree char *v = NULL;
	GError *err = NULL;

	write_cfg(f, "[node]\n");
	cfg = node_config_load(f->dir, NULL);
	assert_false(grid_cfg_add_grid_manager(cfg, "a", "pub-v0-x", &err));
	assert_true(g_error_matches(err, GRID_ERROR, GRID_E_FORMAT));
	g_clear_error(&err);
	assert_false(node_config_has_section(cfg, "grid_managers"));
	assert_true(grid_cfg_add_grid_manager(cfg, "a", pk, NULL));
	assert_false(grid_cfg_add_grid_manager(cfg, "a", pk, &err));
	assert_true(g_error_matches(err, GRID_ERROR, GRID_E_EXISTS));
	g_clear_error(&err);
	v = node_config_get(cfg, "grid_managers", "a");
	assert_string_equal(v, pk);
}

static void
test_gm_certificates_read_both_section_names(void **state)
{
	cfg_fixture *f = *state;
	g_autoptr(node_config) cfg = NULL;
	g_autoptr(GHashTable) h = NULL;
	g_autofree char *want = g_build_filename(f->dir, "a.cert", NULL);

	write_cfg(f, "[grid_management_keys]\nold = a.cert\n"
	    "[grid_manager_certificates]\nnew = /abs/b.cert\n");
	cfg = node_config_load(f->dir, NULL);
	h = grid_cfg_gm_certificates(cfg);
	assert_int_equal(g_hash_table_size(h), 2);
	assert_string_equal(g_hash_table_lookup(h, "old"), want);
	assert_string_equal(g_hash_table_lookup(h, "new"), "/abs/b.cert");
}

static void
test_grid_managers_empty_section_and_bad_key(void **state)
{
	cfg_fixture *f = *state;
	g_autoptr(GArray) keys = g_array_new(FALSE, FALSE, 32);
	g_autoptr(rpc_ident) id = rpc_ident_new();
	g_autofree char *pk = rpc_ident_pubkey_text(id);
	g_autofree char *text = NULL;
	gboolean empty = FALSE;
	node_config *cfg;
	GError *err = NULL;

	write_cfg(f, "[grid_managers]\n");
	cfg = node_config_load(f->dir, NULL);
	assert_true(grid_cfg_grid_managers(cfg, keys, &empty, NULL));
	assert_true(empty);
	assert_int_equal(keys->len, 0);
	node_config_free(cfg);

	text = g_strdup_printf("[grid_managers]\nwork = %s\n", pk);
	write_cfg(f, text);
	cfg = node_config_load(f->dir, NULL);
	assert_true(grid_cfg_grid_managers(cfg, keys, &empty, NULL));
	assert_false(empty);
	assert_int_equal(keys->len, 1);
	assert_memory_equal(keys->data, rpc_ident_pk(id), 32);
	node_config_free(cfg);

	write_cfg(f, "[grid_managers]\nwork = pub-v0-nope\n");
	cfg = node_config_load(f->dir, NULL);
	assert_false(grid_cfg_grid_managers(cfg, keys, NULL, &err));
	assert_non_null(strstr(err->message, "[grid_managers] work"));
	assert_true(g_error_matches(err, GRID_ERROR, GRID_E_FORMAT));
	g_clear_error(&err);
	node_config_free(cfg);
}

/* An introducer's directory holds its FURL, naming the allocated port as
 * the location does, and no [client] section. */
static void
test_create_introducer_furl(void **state)
{
	g_autofree char *top = tmpdir();
	g_autofree char *dir = g_build_filename(top, "intro", NULL);
	g_autofree char *furlp = g_build_filename(dir, "private",
	    "introducer.furl", NULL);
	g_autofree char *furl = NULL;
	g_autoptr(node_config) cfg = NULL;
	g_autofree char *loc = NULL;
	node_create_opts o = { .kind = NODE_KIND_INTRODUCER,
	    .port = "tcp:0:interface=127.0.0.1",
	    .services = grid_create_sections };

	(void)state;
	assert_true(node_dir_create(dir, &o, NULL));
	assert_int_equal(mode_of(dir, "private/introducer.furl"), 0600);
	assert_true(g_file_get_contents(furlp, &furl, NULL, NULL));
	cfg = node_config_load(dir, NULL);
	loc = node_config_get(cfg, "node", "tub.location");
	assert_non_null(strstr(furl, loc));
	assert_true(g_str_has_prefix(loc, "tcp:127.0.0.1:"));
	assert_null(node_config_get(cfg, "client", "introducer.furl"));
	assert_null(node_config_get(cfg, "client", "shares.needed"));
	assert_int_equal(n_entries(top), 1);
	node_remove_tree(top);
}

/* Grid's sections of a new client, and bad shares refused with nothing
 * left behind. */
static void
test_create_client_sections(void **state)
{
	g_autofree char *top = tmpdir();
	g_autofree char *dir = g_build_filename(top, "c", NULL);
	static const grid_create_opts bad[] = {
		{ .shares_needed = 5, .shares_total = 4 },
		{ .shares_happy = 11 },
		{ .shares_total = GRID_SHARES_MAX + 1 },
	};
	grid_create_opts good = { 2, 3, 3, NULL };
	node_create_opts o = { .kind = NODE_KIND_CLIENT,
	    .services = grid_create_sections };
	g_autoptr(node_config) cfg = NULL;
	g_autofree char *v = NULL, *st = NULL;
	size_t i;

	(void)state;
	for (i = 0; i < G_N_ELEMENTS(bad); i++) {
		g_autoptr(GError) err = NULL;

		o.services_arg = &bad[i];
		assert_false(node_dir_create(dir, &o, &err));
		assert_non_null(err);
		assert_null(strchr(err->message, '\n'));
		assert_int_equal(n_entries(top), 0);
	}
	o.services_arg = &good;
	assert_true(node_dir_create(dir, &o, NULL));
	cfg = node_config_load(dir, NULL);
	v = node_config_get(cfg, "client", "shares.needed");
	st = node_config_get(cfg, "storage", "enabled");
	assert_string_equal(v, "2");
	assert_string_equal(st, "false");
	/* The convergence secret, in Tahoe's format, private. */
	{
		g_autofree char *conv = g_build_filename(dir, "private",
		    "convergence", NULL);
		g_autofree char *text = NULL;
		GStatBuf sb;

		assert_true(g_file_get_contents(conv, &text, NULL, NULL));
		assert_int_equal(strlen(text), 53);	/* 52 + newline */
		assert_int_equal(g_stat(conv, &sb), 0);
		assert_int_equal(sb.st_mode & 0777, 0600);
	}
	node_remove_tree(top);
}

/* A storage node's --storage-dir is written absolute. */
static void
test_create_storage_dir(void **state)
{
	g_autofree char *top = tmpdir();
	g_autofree char *dir = g_build_filename(top, "s", NULL);
	g_autofree char *want = g_build_filename(top, "shares-here", NULL);
	grid_create_opts g = { 0, 0, 0, want };
	node_create_opts o = { .kind = NODE_KIND_NODE,
	    .services = grid_create_sections, .services_arg = &g,
	    .port = "tcp:0:interface=127.0.0.1" };
	g_autoptr(node_config) cfg = NULL;
	g_autofree char *v = NULL;
	g_autoptr(GError) err = NULL;

	(void)state;
	if (!node_dir_create(dir, &o, &err))
		fail_msg("%s", err->message);
	cfg = node_config_load(dir, NULL);
	v = node_config_get(cfg, "storage", "storage_dir");
	assert_non_null(v);
	assert_string_equal(v, want);
	node_remove_tree(top);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
		    test_shares_defaults_and_order, cfg_setup, cfg_teardown),
		cmocka_unit_test_setup_teardown(
		    test_gm_certificates_read_both_section_names, cfg_setup,
		    cfg_teardown),
		cmocka_unit_test_setup_teardown(
		    test_grid_managers_empty_section_and_bad_key, cfg_setup,
		    cfg_teardown),
		cmocka_unit_test_setup_teardown(
		    test_add_grid_manager_refuses_bad_key_and_duplicate, cfg_setup,
		    cfg_teardown),
		cmocka_unit_test(test_create_introducer_furl),
		cmocka_unit_test(test_create_client_sections),
		cmocka_unit_test(test_create_storage_dir),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

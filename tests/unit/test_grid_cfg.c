/* tests/unit/test_grid_cfg.c -- the grid's sections of tahoe.cfg:
 * shares, trusted grid-manager keys and certificate lists, read with
 * clear errors. */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include <glib/gstdio.h>

#include "grid/err.h"
#include "grid/gcfg.h"
#include "rpc/ident.h"

typedef struct fixture {
	char	*dir;
	char	*cfg;
} fixture;

static int
setup(void **state)
{
	fixture *f = g_new0(fixture, 1);

	f->dir = g_dir_make_tmp("gridcfg-XXXXXX", NULL);
	f->cfg = g_build_filename(f->dir, "tahoe.cfg", NULL);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	fixture *f = *state;
	GDir *d = g_dir_open(f->dir, 0, NULL);
	const char *n;

	while ((n = g_dir_read_name(d)) != NULL) {
		g_autofree char *p = g_build_filename(f->dir, n, NULL);

		g_unlink(p);
	}
	g_dir_close(d);
	g_rmdir(f->dir);
	g_free(f->cfg);
	g_free(f->dir);
	g_free(f);
	return 0;
}

static void
write_cfg(fixture *f, const char *text)
{
	assert_true(g_file_set_contents(f->cfg, text, -1, NULL));
}

static void
test_shares_defaults_and_order(void **state)
{
	fixture *f = *state;
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
	fixture *f = *state;
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
	fixture *f = *state;
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
	fixture *f = *state;
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

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
		    test_shares_defaults_and_order, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_gm_certificates_read_both_section_names, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    test_grid_managers_empty_section_and_bad_key, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    test_add_grid_manager_refuses_bad_key_and_duplicate, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

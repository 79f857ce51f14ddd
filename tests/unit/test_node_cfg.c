/* tests/unit/test_node_cfg.c -- tahoe.cfg editing: what is there is
 * kept, saves are atomic, booleans are read with clear errors,
 * node.pubkey is checked. */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include <glib/gstdio.h>

#include "node/cfg.h"
#include "rpc/ident.h"
#include "tests/unit/node_testutil.h"

static void
test_edit_keeps_comments_and_order(void **state)
{
	cfg_fixture *f = *state;
	g_autoptr(node_config) cfg = NULL;
	g_autofree char *text = NULL;

	write_cfg(f, "# top comment\n[node]\n# nick\nnickname = n1\n"
	    "[storage]\nenabled = true\n");
	cfg = node_config_load(f->dir, NULL);
	assert_non_null(cfg);
	node_config_set(cfg, "storage", "grid_management", "true");
	node_config_set(cfg, "grid_manager_certificates", "default",
	    "default.cert");
	assert_true(node_config_save(cfg, NULL));
	assert_true(g_file_get_contents(f->cfg, &text, NULL, NULL));
	/* GKeyFile keeps comments, order and values; it writes "k=v". */
	assert_non_null(strstr(text, "# top comment\n"));
	assert_non_null(strstr(text, "# nick\nnickname=n1\n"));
	assert_true(strstr(text, "[node]") < strstr(text, "[storage]"));
	assert_non_null(strstr(text, "grid_management=true"));
	assert_non_null(strstr(text, "[grid_manager_certificates]"));
}

static void
test_remove_drops_key_and_emptied_section(void **state)
{
	cfg_fixture *f = *state;
	g_autoptr(node_config) cfg = NULL;
	g_autofree char *text = NULL;

	write_cfg(f, "[node]\nnickname = n1\n[grid_managers]\na = x\nb = y\n");
	cfg = node_config_load(f->dir, NULL);
	assert_non_null(cfg);
	assert_false(node_config_remove(cfg, "grid_managers", "c"));
	assert_false(node_config_remove(cfg, "nosuch", "a"));
	assert_true(node_config_remove(cfg, "grid_managers", "a"));
	assert_true(node_config_has_section(cfg, "grid_managers"));
	assert_true(node_config_remove(cfg, "grid_managers", "b"));
	assert_false(node_config_has_section(cfg, "grid_managers"));
	assert_true(node_config_save(cfg, NULL));
	assert_true(g_file_get_contents(f->cfg, &text, NULL, NULL));
	assert_null(strstr(text, "grid_managers"));
	assert_non_null(strstr(text, "nickname=n1"));
}

static void
test_missing_dir_file_and_bad_syntax(void **state)
{
	cfg_fixture *f = *state;
	GError *err = NULL;
	g_autofree char *nodir = g_build_filename(f->dir, "none", NULL);

	assert_null(node_config_load(nodir, &err));
	assert_true(g_error_matches(err, NODE_ERROR, NODE_E_NOTFOUND));
	g_clear_error(&err);
	assert_null(node_config_load(f->dir, &err));
	assert_true(g_error_matches(err, NODE_ERROR, NODE_E_NOTFOUND));
	g_clear_error(&err);
	write_cfg(f, "[node\nnickname = x\n");
	assert_null(node_config_load(f->dir, &err));
	assert_true(g_error_matches(err, NODE_ERROR, NODE_E_FORMAT));
	assert_non_null(strstr(err->message, "tahoe.cfg"));
	g_clear_error(&err);
}

static void
test_booleans(void **state)
{
	cfg_fixture *f = *state;
	g_autoptr(node_config) cfg = NULL;
	GError *err = NULL;
	gboolean v;

	write_cfg(f, "[s]\na = True\nb = no\nc = 1\nd = maybe\n");
	cfg = node_config_load(f->dir, NULL);
	assert_true(node_config_get_bool(cfg, "s", "a", FALSE, &v, NULL));
	assert_true(v);
	assert_true(node_config_get_bool(cfg, "s", "b", TRUE, &v, NULL));
	assert_false(v);
	assert_true(node_config_get_bool(cfg, "s", "c", FALSE, &v, NULL));
	assert_true(v);
	assert_true(node_config_get_bool(cfg, "s", "zz", TRUE, &v, NULL));
	assert_true(v);
	assert_false(node_config_get_bool(cfg, "s", "d", FALSE, &v, &err));
	assert_non_null(strstr(err->message, "[s] d"));
	g_clear_error(&err);
}

static void
test_read_pubkey(void **state)
{
	cfg_fixture *f = *state;
	g_autoptr(rpc_ident) id = rpc_ident_new();
	g_autofree char *pk = rpc_ident_pubkey_text(id);
	g_autofree char *path = g_build_filename(f->dir, "node.pubkey", NULL);
	g_autofree char *line = g_strconcat(pk, "\n", NULL);
	uint8_t got[32];
	GError *err = NULL;

	assert_false(node_dir_read_pubkey(f->dir, got, &err));
	assert_true(g_error_matches(err, NODE_ERROR, NODE_E_NOTFOUND));
	g_clear_error(&err);
	assert_true(g_file_set_contents(path, line, -1, NULL));
	assert_true(node_dir_read_pubkey(f->dir, got, NULL));
	assert_memory_equal(got, rpc_ident_pk(id), 32);
	assert_true(g_file_set_contents(path, "pub-v0-short\n", -1, NULL));
	assert_false(node_dir_read_pubkey(f->dir, got, &err));
	assert_true(g_error_matches(err, NODE_ERROR, NODE_E_FORMAT));
	g_clear_error(&err);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
		    test_edit_keeps_comments_and_order, cfg_setup, cfg_teardown),
		cmocka_unit_test_setup_teardown(
		    test_remove_drops_key_and_emptied_section, cfg_setup,
		    cfg_teardown),
		cmocka_unit_test_setup_teardown(
		    test_missing_dir_file_and_bad_syntax, cfg_setup, cfg_teardown),
		cmocka_unit_test_setup_teardown(test_booleans, cfg_setup,
		    cfg_teardown),
		cmocka_unit_test_setup_teardown(test_read_pubkey, cfg_setup,
		    cfg_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

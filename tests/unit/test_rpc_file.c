/* tests/unit/test_rpc_file.c -- small whole files: the capped reader
 * (a file over the cap is an error) and the atomic writer. */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include <glib/gstdio.h>

#include "rpc/err.h"
#include "rpc/file.h"

static void
test_atomic_write_leaves_no_temporary(void **state)
{
	g_autofree char *dir = g_dir_make_tmp("identtest-XXXXXX", NULL);
	g_autofree char *path = g_build_filename(dir, "f", NULL);
	g_autofree char *text = NULL;
	GDir *d;
	int n = 0;

	(void)state;
	assert_true(rpc_file_write_atomic(path, "one", 3, 0644, NULL));
	assert_true(rpc_file_write_atomic(path, "two", 3, 0644, NULL));
	assert_true(g_file_get_contents(path, &text, NULL, NULL));
	assert_string_equal(text, "two");
	d = g_dir_open(dir, 0, NULL);
	while (g_dir_read_name(d) != NULL)
		n++;
	g_dir_close(d);
	assert_int_equal(n, 1);
	unlink(path);
	/* A directory that does not exist: an error, nothing created. */
	{
		g_autofree char *bad = g_build_filename(dir, "no", "f", NULL);
		GError *err = NULL;

		assert_false(rpc_file_write_atomic(bad, "x", 1, 0600, &err));
		assert_true(g_error_matches(err, RPC_ERROR, RPC_E_SYSTEM));
		g_error_free(err);
	}
	g_rmdir(dir);
}

/* A capped read never takes more than max + 1 bytes, however big the
 * file, and a file over the cap is an error, not a long buffer. */
static void
test_capped_read(void **state)
{
	g_autofree char *dir = g_dir_make_tmp("file-XXXXXX", NULL);
	g_autofree char *path = g_build_filename(dir, "f", NULL);
	g_autofree char *big = g_malloc0(1 << 20);
	g_autoptr(GError) err = NULL;
	char *text = NULL;
	size_t len = 99;

	(void)state;
	assert_true(g_file_set_contents(path, "12345", 5, NULL));
	assert_true(rpc_file_read_capped(path, 5, &text, &len, NULL));
	assert_int_equal(len, 5);
	assert_string_equal(text, "12345");
	g_free(text);
	assert_false(rpc_file_read_capped(path, 4, &text, &len, &err));
	assert_null(text);
	assert_int_equal(len, 0);
	assert_true(g_error_matches(err, RPC_ERROR, RPC_E_TOOBIG));
	assert_non_null(strstr(err->message, path));
	g_clear_error(&err);
	memset(big, 'x', (1 << 20) - 1);
	assert_true(g_file_set_contents(path, big, 1 << 20, NULL));
	assert_false(rpc_file_read_capped(path, 100, &text, &len, &err));
	assert_null(text);
	assert_true(g_error_matches(err, RPC_ERROR, RPC_E_TOOBIG));
	g_clear_error(&err);
	g_unlink(path);
	assert_false(rpc_file_read_capped(path, 100, &text, &len, &err));
	assert_null(text);
	assert_true(g_error_matches(err, G_FILE_ERROR, G_FILE_ERROR_NOENT));
	assert_non_null(strstr(err->message, path));
	g_rmdir(dir);
}

/* An empty file is an empty, NUL-terminated text. */
static void
test_capped_read_empty_file(void **state)
{
	g_autofree char *dir = g_dir_make_tmp("file-XXXXXX", NULL);
	g_autofree char *path = g_build_filename(dir, "f", NULL);
	g_autofree char *text = NULL;
	size_t len = 99;

	(void)state;
	assert_true(g_file_set_contents(path, "", 0, NULL));
	assert_true(rpc_file_read_capped(path, 0, &text, &len, NULL));
	assert_int_equal(len, 0);
	assert_string_equal(text, "");
	g_unlink(path);
	g_rmdir(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_atomic_write_leaves_no_temporary),
		cmocka_unit_test(test_capped_read),
		cmocka_unit_test(test_capped_read_empty_file),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

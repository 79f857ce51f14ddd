/* tests/unit/test_rpc_ident.c -- identities: tubid derivation, key text,
 * key files (mode 0600, atomic, hostile contents). */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <cmocka.h>

#include <glib/gstdio.h>

#include "rpc/err.h"
#include "rpc/ident.h"

static void
test_tubid_is_52_base32_chars_of_key_hash(void **state)
{
	g_autoptr(rpc_ident) a = rpc_ident_new();
	g_autoptr(rpc_ident) b = rpc_ident_new();
	uint8_t raw[32];
	const char *t = rpc_ident_tubid(a);
	size_t i;

	(void)state;
	assert_int_equal(strlen(t), 52);
	for (i = 0; i < 52; i++)
		assert_non_null(strchr("abcdefghijklmnopqrstuvwxyz234567",
		    t[i]));
	rpc_tubid_from_pk(rpc_ident_pk(a), raw);
	assert_memory_equal(raw, rpc_ident_tubid_raw(a), 32);
	assert_string_not_equal(rpc_ident_tubid(a), rpc_ident_tubid(b));
}

static void
test_same_seed_same_identity(void **state)
{
	uint8_t seed[32] = { 7 };
	g_autoptr(rpc_ident) a = rpc_ident_new_from_seed(seed);
	g_autoptr(rpc_ident) b = rpc_ident_new_from_seed(seed);

	(void)state;
	assert_string_equal(rpc_ident_tubid(a), rpc_ident_tubid(b));
}

static void
test_pubkey_text_round_trip_and_errors(void **state)
{
	g_autoptr(rpc_ident) a = rpc_ident_new();
	g_autofree char *text = rpc_ident_pubkey_text(a);
	uint8_t pk[32];
	GError *err = NULL;

	(void)state;
	assert_true(g_str_has_prefix(text, "pub-v0-"));
	assert_true(rpc_pubkey_parse(text, pk, NULL));
	assert_memory_equal(pk, rpc_ident_pk(a), 32);
	assert_false(rpc_pubkey_parse("priv-v0-aaaa", pk, &err));
	assert_true(g_error_matches(err, RPC_ERROR, RPC_E_FORMAT));
	g_clear_error(&err);
	assert_false(rpc_pubkey_parse("pub-v0-aaaa", pk, &err));
	g_clear_error(&err);
	text[strlen(text) - 1] = '1';	/* not in the alphabet */
	assert_false(rpc_pubkey_parse(text, pk, &err));
	g_clear_error(&err);
}

static void
test_key_file_round_trip_mode_0600(void **state)
{
	g_autofree char *dir = g_dir_make_tmp("identtest-XXXXXX", NULL);
	g_autofree char *path = g_build_filename(dir, "node.privkey", NULL);
	g_autoptr(rpc_ident) a = rpc_ident_new();
	g_autoptr(rpc_ident) b = NULL;
	g_autoptr(rpc_ident) c = NULL;
	g_autofree char *text = NULL;
	struct stat st;

	(void)state;
	assert_true(rpc_ident_save(a, path, NULL));
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_true(g_file_get_contents(path, &text, NULL, NULL));
	assert_true(g_str_has_prefix(text, "priv-v0-"));
	b = rpc_ident_load(path, NULL);
	assert_non_null(b);
	assert_string_equal(rpc_ident_tubid(a), rpc_ident_tubid(b));
	c = rpc_ident_load_or_create(path, NULL);
	assert_string_equal(rpc_ident_tubid(a), rpc_ident_tubid(c));
	unlink(path);
	g_rmdir(dir);
}

static void
test_bad_key_files_refused_without_quoting(void **state)
{
	static const char *bad[] = {
		"", "priv-v0-", "pub-v0-aaaa\n", "priv-v0-abc\n",
		"priv-v0-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n",
	};
	g_autofree char *dir = g_dir_make_tmp("identtest-XXXXXX", NULL);
	g_autofree char *path = g_build_filename(dir, "k", NULL);
	size_t i;

	(void)state;
	for (i = 0; i < G_N_ELEMENTS(bad); i++) {
		GError *err = NULL;

		assert_true(g_file_set_contents(path, bad[i], -1, NULL));
		assert_null(rpc_ident_load(path, &err));
		assert_non_null(err);
		assert_null(strstr(err->message, "priv-v0-a"));
		g_error_free(err);
	}
	{
		GError *err = NULL;

		unlink(path);
		assert_null(rpc_ident_load(path, &err));
		assert_true(g_error_matches(err, RPC_ERROR, RPC_E_SYSTEM));
		g_error_free(err);
	}
	g_rmdir(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tubid_is_52_base32_chars_of_key_hash),
		cmocka_unit_test(test_same_seed_same_identity),
		cmocka_unit_test(test_pubkey_text_round_trip_and_errors),
		cmocka_unit_test(test_key_file_round_trip_mode_0600),
		cmocka_unit_test(test_bad_key_files_refused_without_quoting),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

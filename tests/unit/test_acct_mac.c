/* tests/unit/test_acct_mac.c -- MAC'ed swissnums and the account
 * database: the security list of doc/accounts.md (another account's
 * name, one character changed, another secret, a number without a MAC,
 * an overlong number: all refused), a million forgeries refused, names
 * and duplicates. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>
#include <glib/gstdio.h>
#include <sodium.h>

#include "account/db.h"
#include "account/err.h"
#include "account/mac.h"
#include "rpc/common.h"

static void
key_of(uint8_t *k, uint8_t v)
{
	memset(k, v, ACCT_SECRET_LEN);
}

static void
test_mac_roundtrip(void **state)
{
	uint8_t k[ACCT_SECRET_LEN];
	guint32 nums[] = { 1, 9, 10, 42, 999999, ACCT_NUM_MAX };
	guint i;

	RPC_UNUSED(state);
	key_of(k, 1);
	for (i = 0; i < G_N_ELEMENTS(nums); i++) {
		g_autofree char *s = acct_mac_swissnum(k, nums[i]);
		g_autofree char *prefix = g_strdup_printf("%u-", nums[i]);
		guint32 n = 0;

		assert_true(g_str_has_prefix(s, prefix));
		assert_int_equal(strlen(s), strlen(prefix) + ACCT_MAC_B32_LEN);
		assert_true(acct_mac_check(k, s, &n));
		assert_int_equal(n, nums[i]);
	}
}

/* The MAC is keyed BLAKE2b-256 over the decimal text, in base32: checked
 * against libsodium directly, so the format in doc/protocol.md holds. */
static void
test_mac_format(void **state)
{
	uint8_t k[ACCT_SECRET_LEN], mac[32];
	g_autofree char *s = NULL;
	char b32[ACCT_MAC_B32_LEN + 1];
	const char *alpha = "abcdefghijklmnopqrstuvwxyz234567";
	guint i, bit = 0;

	RPC_UNUSED(state);
	key_of(k, 7);
	s = acct_mac_swissnum(k, 42);
	crypto_generichash(mac, 32, (const unsigned char *)"42", 2, k, 32);
	for (i = 0; i < ACCT_MAC_B32_LEN; i++, bit += 5) {
		guint byte = bit / 8, off = bit % 8;
		guint v = (guint)mac[byte] << 8 |
		    (byte + 1 < 32 ? mac[byte + 1] : 0);

		b32[i] = alpha[(v >> (11 - off)) & 31];
	}
	b32[ACCT_MAC_B32_LEN] = '\0';
	assert_string_equal(s + 3, b32);
	assert_int_equal(s[2], '-');
	/* doc/protocol.md §11.1's vector (Python's hashlib agrees). */
	assert_string_equal(s,
	    "42-hts7jt2p2opbkrpfikhjhigshu4xxjxd3gfaabz2i3tswieyyfra");
}

static void
test_mac_refuses_security_list(void **state)
{
	uint8_t k[ACCT_SECRET_LEN], other[ACCT_SECRET_LEN];
	g_autofree char *s5 = NULL, *s6 = NULL, *o5 = NULL;
	g_autofree char *swapped = NULL;
	char *bad[16] = { NULL };
	guint32 n = 99;
	size_t i, len;
	guint j = 0;

	RPC_UNUSED(state);
	key_of(k, 1);
	key_of(other, 2);
	s5 = acct_mac_swissnum(k, 5);
	s6 = acct_mac_swissnum(k, 6);
	o5 = acct_mac_swissnum(other, 5);
	/* Another account's MAC with this number. */
	swapped = g_strdup_printf("5-%s", s6 + 2);
	assert_false(acct_mac_check(k, swapped, &n));
	assert_int_equal(n, 0);
	/* Another server's (or manager's) secret. */
	assert_false(acct_mac_check(k, o5, &n));
	/* One character changed, at every position, to every other
	 * character that keeps the shape. */
	len = strlen(s5);
	for (i = 0; i < len; i++) {
		const char *alpha = i < 2 ? "0123456789-" :
		    "abcdefghijklmnopqrstuvwxyz234567AZ=";
		const char *c;

		for (c = alpha; *c != '\0'; c++) {
			g_autofree char *t = g_strdup(s5);

			if (t[i] == *c)
				continue;
			t[i] = *c;
			assert_false(acct_mac_check(k, t, &n));
		}
	}
	/* Numbers without a MAC, malformed numbers, overlong input. */
	bad[j++] = g_strdup("5");
	bad[j++] = g_strdup("5-");
	bad[j++] = g_strdup("-");
	bad[j++] = g_strdup("");
	bad[j++] = g_strdup_printf("05-%s", s5 + 2);
	bad[j++] = g_strdup_printf("0-%s", s5 + 2);
	bad[j++] = g_strdup_printf("%s-%s", "99999999999999999999", s5 + 2);
	bad[j++] = g_strdup_printf("4294967301-%s", s5 + 2); /* 5 + 2^32 */
	bad[j++] = g_strdup_printf("%sa", s5);
	bad[j++] = g_strdup_printf("%s\n", s5);
	bad[j++] = g_strndup(s5, strlen(s5) - 1);
	bad[j++] = g_strdup_printf("+5-%s", s5 + 2);
	bad[j++] = g_strdup_printf(" 5-%s", s5 + 2);
	bad[j++] = g_ascii_strup(s5, -1);
	for (i = 0; i < j; i++) {
		assert_false(acct_mac_check(k, bad[i], &n));
		assert_int_equal(n, 0);
		g_free(bad[i]);
	}
	assert_true(acct_mac_check(k, s5, &n));
	assert_int_equal(n, 5);
}

/* A million forged swissnums of the right shape (random MACs for
 * numbers 1..1000) are all refused. */
static void
test_mac_million_forgeries(void **state)
{
	uint8_t k[ACCT_SECRET_LEN], mac[ACCT_MAC_LEN];
	char b32[ACCT_MAC_B32_LEN + 1], s[ACCT_SWISS_MAX + 1];
	guint32 n;
	guint i, accepted = 0;

	RPC_UNUSED(state);
	randombytes_buf(k, sizeof(k));
	for (i = 0; i < 1000000; i++) {
		static const char alpha[] = "abcdefghijklmnopqrstuvwxyz234567";
		guint j;

		randombytes_buf(mac, sizeof(mac));
		for (j = 0; j < ACCT_MAC_B32_LEN; j++)
			b32[j] = alpha[mac[j % ACCT_MAC_LEN] & 31];
		b32[ACCT_MAC_B32_LEN] = '\0';
		g_snprintf(s, sizeof(s), "%u-%s", 1 + i % 1000, b32);
		if (acct_mac_check(k, s, &n))
			accepted++;
	}
	assert_int_equal(accepted, 0);
}

static void
test_secret_file(void **state)
{
	g_autofree char *dir = g_dir_make_tmp("acct-XXXXXX", NULL);
	g_autofree char *path = g_build_filename(dir, "secret", NULL);
	uint8_t a[ACCT_SECRET_LEN], b[ACCT_SECRET_LEN];
	g_autoptr(GError) e = NULL;
	GStatBuf st;

	RPC_UNUSED(state);
	assert_true(acct_secret_load_or_create(path, a, &e));
	assert_true(acct_secret_load_or_create(path, b, &e));
	assert_memory_equal(a, b, sizeof(a));
	assert_int_equal(g_stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	/* A secret of another length is refused. */
	assert_true(g_file_set_contents(path, "aaaa\n", -1, NULL));
	assert_false(acct_secret_load_or_create(path, a, &e));
	assert_true(g_error_matches(e, ACCT_ERROR, ACCT_E_FORMAT));
	g_unlink(path);
	g_rmdir(dir);
}

static void
test_names(void **state)
{
	static const char *good[] = { "alice", "a", "Bob Smith",
	    "\xc3\xa9l\xc3\xa8ve", "x@y.z",
	    "1234567890123456789012345678901234567890123456789012345678901234",
	};
	static const char *badn[] = { "", " alice", "alice ", "a\tb",
	    "a\nb", "\x7f", "\xff\xfe",
	    "12345678901234567890123456789012345678901234567890123456789012345",
	};
	guint i;

	RPC_UNUSED(state);
	for (i = 0; i < G_N_ELEMENTS(good); i++)
		assert_true(acct_name_check(good[i], strlen(good[i]), NULL));
	for (i = 0; i < G_N_ELEMENTS(badn); i++) {
		g_autoptr(GError) e = NULL;

		assert_false(acct_name_check(badn[i], strlen(badn[i]), &e));
		assert_true(g_error_matches(e, ACCT_ERROR, ACCT_E_FORMAT));
	}
}

static void
test_db_accounts(void **state)
{
	g_autofree char *dir = g_dir_make_tmp("acct-XXXXXX", NULL);
	g_autofree char *path = g_build_filename(dir, "a.sqlite", NULL);
	g_autoptr(GPtrArray) list = g_ptr_array_new_with_free_func(
	    (GDestroyNotify)acct_info_free);
	g_autoptr(GError) e = NULL;
	acct_info info = { 0 };
	guint32 a = 0, b = 0, c = 0;
	acct_db *db;

	RPC_UNUSED(state);
	db = acct_db_open(path, &e);
	assert_non_null(db);
	assert_true(acct_db_create(db, "alice", 100, &a, &e));
	assert_true(acct_db_create(db, "bob", 101, &b, &e));
	assert_int_equal(a, 1);
	assert_int_equal(b, 2);
	assert_false(acct_db_create(db, "alice", 102, &c, &e));
	assert_true(g_error_matches(e, ACCT_ERROR, ACCT_E_EXISTS));
	assert_non_null(strstr(e->message, "alice"));
	g_clear_error(&e);
	assert_false(acct_db_create(db, "", 102, &c, &e));
	assert_true(g_error_matches(e, ACCT_ERROR, ACCT_E_FORMAT));
	g_clear_error(&e);
	assert_true(acct_db_get(db, 2, &info, &e));
	assert_string_equal(info.name, "bob");
	assert_int_equal(info.status, ACCT_ACTIVE);
	assert_int_equal(info.quota, -1);
	assert_int_equal(info.created, 101);
	acct_info_clear(&info);
	assert_false(acct_db_get(db, 3, &info, &e));
	assert_true(g_error_matches(e, ACCT_ERROR, ACCT_E_NOTFOUND));
	g_clear_error(&e);
	assert_true(acct_db_set(db, 2, ACCT_TERMINATED, 5000, &e));
	assert_true(acct_db_list(db, 1, 10, list, &e));
	assert_int_equal(list->len, 1);
	assert_int_equal(((acct_info *)list->pdata[0])->status,
	    ACCT_TERMINATED);
	assert_int_equal(((acct_info *)list->pdata[0])->quota, 5000);
	assert_int_equal(acct_db_count(db), 2);
	acct_db_free(db);
	/* Reopened: the same accounts, numbers never reused. */
	db = acct_db_open(path, &e);
	assert_non_null(db);
	assert_true(acct_db_create(db, "carol", 103, &c, &e));
	assert_int_equal(c, 3);
	acct_db_free(db);
	{
		g_autofree char *cmd = g_strdup_printf("rm -rf '%s'", dir);

		assert_int_equal(system(cmd), 0);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mac_roundtrip),
		cmocka_unit_test(test_mac_format),
		cmocka_unit_test(test_mac_refuses_security_list),
		cmocka_unit_test(test_mac_million_forgeries),
		cmocka_unit_test(test_secret_file),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_db_accounts),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}

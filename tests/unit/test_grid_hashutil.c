/* tests/unit/test_grid_hashutil.c -- tagged SHA-256d hashes, netstrings,
 * the convergence key, storage index and lease secrets, each against the
 * value Tahoe-LAFS's own hashutil.py computes for the same input. */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include <glib.h>

#include "grid/gm.h"
#include "grid/hashutil.h"
#include "rpc/common.h"
#include "tests/unit/grid_testutil.h"

static void
assert_hex(const uint8_t *p, size_t n, const char *want)
{
	g_autofree char *got = tu_hex(p, n);

	assert_string_equal(got, want);
}

static void
test_netstring_is_length_colon_bytes_comma(void **state)
{
	g_autoptr(GString) s = g_string_new(NULL);

	RPC_UNUSED(state);
	grid_netstring_append(s, "abc", 3);
	grid_netstring_append(s, "", 0);
	assert_string_equal(s->str, "3:abc,0:,");
}

static void
test_tagged_hash_matches_tahoe(void **state)
{
	uint8_t h[GRID_HASH_LEN];

	RPC_UNUSED(state);
	grid_tagged_hash("tag", "value", 5, GRID_HASH_LEN, h);
	assert_hex(h, 32, "64b0cafcfe5f99653ae63b644191c890"
	    "600965073ef48bf9b24f9e623c940229");
	grid_tagged_hash("tag", "value", 5, 16, h);
	assert_hex(h, 16, "64b0cafcfe5f99653ae63b644191c890");
}

static void
test_incremental_hasher_equals_one_shot(void **state)
{
	g_autoptr(grid_hasher) hs = grid_hasher_new("tag", 3, GRID_HASH_LEN);
	uint8_t a[GRID_HASH_LEN], b[GRID_HASH_LEN];

	RPC_UNUSED(state);
	grid_hasher_update(hs, "va", 2);
	grid_hasher_update(hs, "", 0);
	grid_hasher_update(hs, "lue", 3);
	grid_hasher_final(hs, a);
	grid_tagged_hash("tag", "value", 5, GRID_HASH_LEN, b);
	assert_memory_equal(a, b, GRID_HASH_LEN);
}

static void
test_tagged_pair_hash_matches_tahoe(void **state)
{
	uint8_t h[GRID_HASH_LEN];

	RPC_UNUSED(state);
	grid_tagged_pair_hash("tag", "a", 1, "bc", 2, GRID_HASH_LEN, h);
	assert_hex(h, 32, "92b1124db2ae3b8a037cda7413fbd25e"
	    "e637a8dbf960b49bacc9e328a3e12e6c");
}

static void
test_convergence_key_matches_tahoe(void **state)
{
	g_autoptr(grid_hasher) hs = NULL;
	g_autoptr(GError) err = NULL;
	uint8_t key[GRID_KEY_LEN];

	RPC_UNUSED(state);
	hs = grid_convergence_hasher_new(3, 10, 131073, "secret", 6, &err);
	assert_non_null(hs);
	grid_hasher_update(hs, "hello world", 11);
	grid_hasher_final(hs, key);
	assert_hex(key, 16, "2dad54812d71c75edabd9caaf395f150");
}

static void
test_convergence_rejects_bad_share_counts(void **state)
{
	static const unsigned bad[][2] = {
		{ 0, 1 }, { 1, 0 }, { 4, 3 }, { 1, 257 }, { 257, 257 },
	};
	size_t i;

	RPC_UNUSED(state);
	for (i = 0; i < G_N_ELEMENTS(bad); i++) {
		g_autoptr(GError) err = NULL;

		assert_null(grid_convergence_hasher_new(bad[i][0], bad[i][1],
		    1, "", 0, &err));
		assert_true(g_error_matches(err, GRID_ERROR, GRID_E_RANGE));
	}
}

static void
test_storage_index_matches_tahoe(void **state)
{
	uint8_t key[GRID_KEY_LEN], si[GRID_SI_LEN];
	size_t i;

	RPC_UNUSED(state);
	for (i = 0; i < sizeof(key); i++)
		key[i] = (uint8_t)i;
	grid_storage_index(key, si);
	assert_hex(si, 16, "38d12ea01522a9e5b560408581e103fc");
}

static void
test_lease_secrets_match_tahoe(void **state)
{
	uint8_t lease[32], node[GRID_NODEID_LEN], key[GRID_KEY_LEN];
	uint8_t si[GRID_SI_LEN], crs[32], ccs[32], frs[32], fcs[32], h[32];
	size_t i;

	RPC_UNUSED(state);
	memset(lease, 'L', sizeof(lease));
	memset(node, 'N', sizeof(node));
	for (i = 0; i < sizeof(key); i++)
		key[i] = (uint8_t)i;
	grid_storage_index(key, si);
	grid_client_renewal_secret(lease, sizeof(lease), crs);
	assert_hex(crs, 32, "4e128664b0bf7fa136fe68d8f4e24d85"
	    "0589d8a8a6532704918b4a40a5927a63");
	grid_client_cancel_secret(lease, sizeof(lease), ccs);
	assert_hex(ccs, 32, "36ac3a783af2755e3411c9ccbccb642e"
	    "a1ffd922c376d4527183d7225a695105");
	grid_file_renewal_secret(crs, si, frs);
	assert_hex(frs, 32, "9aa378d85635b00386021f2fd903b0f1"
	    "b6b26f7a4b114b5e5d1b59e33d64d81c");
	grid_file_cancel_secret(ccs, si, fcs);
	assert_hex(fcs, 32, "15d6a010c0ee5b2fcdcc62ee4be61225"
	    "a4c12eb7a51562ded582957eca7b965e");
	grid_bucket_renewal_secret(frs, node, h);
	assert_hex(h, 32, "7406ffbe2588b166bd8ba52596dd33dd"
	    "a3d2dda75a677b779301a3ab35330d81");
	grid_bucket_cancel_secret(fcs, node, h);
	assert_hex(h, 32, "1620f5b736f1f4e1cb5171ba3319a647"
	    "ba6441a63359bb690da4a2a5fdd0cd24");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_netstring_is_length_colon_bytes_comma),
		cmocka_unit_test(test_tagged_hash_matches_tahoe),
		cmocka_unit_test(test_incremental_hasher_equals_one_shot),
		cmocka_unit_test(test_tagged_pair_hash_matches_tahoe),
		cmocka_unit_test(test_convergence_key_matches_tahoe),
		cmocka_unit_test(test_convergence_rejects_bad_share_counts),
		cmocka_unit_test(test_storage_index_matches_tahoe),
		cmocka_unit_test(test_lease_secrets_match_tahoe),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

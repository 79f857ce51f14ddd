/* tests/unit/test_grid_hashtree.c -- Merkle trees against Tahoe-LAFS's
 * hashtree.py: roots with padding, needed hashes in the order Tahoe's
 * encoder writes them (for every tree of 1..256 leaves), and the
 * incremental checker on good, missing and forged hashes. */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include <glib.h>

#include "grid/gm.h"
#include "grid/hashtree.h"
#include "rpc/common.h"
#include "tests/unit/grid_testutil.h"

/* Leaf i of the test trees: block_hash("%d" % i). */
static uint8_t *
make_leaves(size_t n)
{
	uint8_t *l = g_malloc(n * GRID_HASH_LEN + 1);
	size_t i;

	for (i = 0; i < n; i++) {
		char num[16];
		int len = g_snprintf(num, sizeof(num), "%zu", i);

		grid_tagged_hash(GRID_TAG_BLOCK, num, (size_t)len,
		    GRID_HASH_LEN, l + i * GRID_HASH_LEN);
	}
	return l;
}

static uint8_t *
make_tree(size_t n)
{
	g_autofree uint8_t *leaves = make_leaves(n);
	uint8_t *t = g_malloc(grid_hashtree_nodes(n) * GRID_HASH_LEN);

	grid_hashtree_build(leaves, n, t);
	return t;
}

static void
test_roots_match_tahoe(void **state)
{
	static const struct {
		size_t n, nodes;
		const char *root;
	} v[] = {	/* hashtree.HashTree(leaves)[0] */
		{ 1, 1, "61ce3f8dd0a489284ff648b23846ac2dd91f0c6a7df6c59b17"
		    "4914af940fe340" },
		{ 3, 7, "31200ce1206509095f656c4e25bb5701ef69189d8f6304ef16"
		    "0a2367560aab5f" },
		{ 5, 15, "0b1f744f7ff1300ec1c6a29d5f580acbc44b647ea5c7f1fed2"
		    "10cfdfe9070975" },
	};
	size_t i;

	RPC_UNUSED(state);
	for (i = 0; i < G_N_ELEMENTS(v); i++) {
		g_autofree uint8_t *t = make_tree(v[i].n);
		g_autofree char *hex = tu_hex(t, GRID_HASH_LEN);

		assert_int_equal(grid_hashtree_nodes(v[i].n), v[i].nodes);
		assert_string_equal(hex, v[i].root);
	}
}

static void
test_empty_leaf_hash_matches_tahoe(void **state)
{
	uint8_t h[GRID_HASH_LEN];
	g_autofree char *hex = NULL;

	RPC_UNUSED(state);
	grid_hashtree_empty_leaf(5, h);
	hex = tu_hex(h, GRID_HASH_LEN);
	assert_string_equal(hex, "289ca308c97d01beaa8bd2af5c52cd5d"
	    "ac956f590b18af662ed4e8a076a1b4c3");
}

static void
test_needed_set_order_matches_tahoe_37(void **state)
{
	static const uint32_t want[3][7] = {	/* list(needed_hashes(i, True)) */
		{ 64, 32, 2, 4, 8, 16, 63 },
		{ 34, 67, 4, 2, 68, 8, 15 },
		{ 1, 99, 100, 6, 12, 50, 23 },
	};
	static const size_t leaf[3] = { 0, 5, 36 };
	uint32_t got[GRID_HASHTREE_MAX_NEEDED];
	size_t i;

	RPC_UNUSED(state);
	for (i = 0; i < 3; i++) {
		assert_int_equal(grid_hashtree_needed_set_order(37, leaf[i],
		    got), 7);
		assert_memory_equal(got, want[i], sizeof(want[i]));
	}
}

/* SHA-256 over "n:i:" + ",".join(order) + ";" for every tree of 1..256
 * leaves and every leaf, with Tahoe-LAFS's hashtree.HashTree(n leaves)
 * .needed_hashes(i, include_leaf=True) under CPython 3.11. */
#define ALL_ORDERS_SHA256 \
	"4ad77d737f85aba8d3997230dde5795fa273c6529e3115e43680c91c44e9eee8"

static void
test_needed_set_order_matches_tahoe_all(void **state)
{
	g_autoptr(GChecksum) ck = g_checksum_new(G_CHECKSUM_SHA256);
	uint32_t got[GRID_HASHTREE_MAX_NEEDED];
	size_t n, i, j, m;

	RPC_UNUSED(state);
	for (n = 1; n <= 256; n++)
		for (i = 0; i < n; i++) {
			g_autoptr(GString) s = g_string_new(NULL);

			g_string_printf(s, "%zu:%zu:", n, i);
			m = grid_hashtree_needed_set_order(n, i, got);
			for (j = 0; j < m; j++)
				g_string_append_printf(s, "%s%u",
				    j ? "," : "", got[j]);
			g_string_append_c(s, ';');
			g_checksum_update(ck, (const guchar *)s->str,
			    (gssize)s->len);
		}
	assert_string_equal(g_checksum_get_string(ck), ALL_ORDERS_SHA256);
}

static void
test_needed_is_siblings_leaf_upwards(void **state)
{
	uint32_t got[GRID_HASHTREE_MAX_NEEDED];
	static const uint32_t want[] = { 7, 4, 2, 8 };

	RPC_UNUSED(state);
	/* 5 leaves pad to 8: leaves are nodes 7..14; leaf 1 is node 8 */
	assert_int_equal(grid_hashtree_needed(5, 1, true, got), 4);
	assert_memory_equal(got, want, sizeof(want));
	assert_int_equal(grid_hashtree_needed(1, 0, true, got), 1);
	assert_int_equal(got[0], 0);
}

static void
test_check_accepts_every_leaf_of_a_good_tree(void **state)
{
	const size_t n = 11;
	g_autofree uint8_t *t = make_tree(n);
	g_autoptr(grid_hashtree_check) c = grid_hashtree_check_new(n, t);
	size_t i, j, m;
	uint32_t need[GRID_HASHTREE_MAX_NEEDED];

	RPC_UNUSED(state);
	for (i = 0; i < n; i++) {
		g_autoptr(GError) err = NULL;
		size_t leaf = 15 + i;

		m = grid_hashtree_needed(n, i, false, need);
		for (j = 0; j < m; j++)
			assert_true(grid_hashtree_check_offer(c, need[j],
			    t + need[j] * GRID_HASH_LEN, &err));
		assert_true(grid_hashtree_check_leaf(c, i,
		    t + leaf * GRID_HASH_LEN, &err));
		assert_non_null(grid_hashtree_check_known(c, leaf));
	}
}

static void
test_check_rejects_forged_leaf_and_sibling(void **state)
{
	const size_t n = 4;
	g_autofree uint8_t *t = make_tree(n);
	g_autoptr(grid_hashtree_check) c = grid_hashtree_check_new(n, t);
	g_autoptr(GError) e1 = NULL, e2 = NULL, e3 = NULL, e4 = NULL;
	uint8_t bad[GRID_HASH_LEN];

	RPC_UNUSED(state);
	/* leaf 0 is node 3; needs 4 and 2 */
	assert_false(grid_hashtree_check_leaf(c, 0, t + 3 * GRID_HASH_LEN,
	    &e1));
	assert_true(g_error_matches(e1, GRID_ERROR, GRID_E_FORMAT));
	memcpy(bad, t + 4 * GRID_HASH_LEN, GRID_HASH_LEN);
	bad[0] ^= 1;
	assert_true(grid_hashtree_check_offer(c, 4, bad, NULL));
	assert_true(grid_hashtree_check_offer(c, 2, t + 2 * GRID_HASH_LEN,
	    NULL));
	assert_false(grid_hashtree_check_leaf(c, 0, t + 3 * GRID_HASH_LEN,
	    &e2));
	assert_true(g_error_matches(e2, GRID_ERROR, GRID_E_CORRUPT));
	assert_null(grid_hashtree_check_known(c, 3));
	/* the right sibling now makes it pass, and a forged leaf fails */
	assert_true(grid_hashtree_check_offer(c, 4, t + 4 * GRID_HASH_LEN,
	    NULL));
	assert_true(grid_hashtree_check_leaf(c, 0, t + 3 * GRID_HASH_LEN,
	    NULL));
	memcpy(bad, t + 3 * GRID_HASH_LEN, GRID_HASH_LEN);
	bad[31] ^= 0x80;
	assert_false(grid_hashtree_check_leaf(c, 0, bad, &e3));
	assert_true(g_error_matches(e3, GRID_ERROR, GRID_E_CORRUPT));
	/* a known node cannot be replaced */
	assert_false(grid_hashtree_check_offer(c, 3, bad, &e4));
	assert_true(g_error_matches(e4, GRID_ERROR, GRID_E_CORRUPT));
}

static void
test_check_rejects_out_of_range(void **state)
{
	const size_t n = 3;
	g_autofree uint8_t *t = make_tree(n);
	g_autoptr(grid_hashtree_check) c = grid_hashtree_check_new(n, t);
	g_autoptr(GError) e1 = NULL, e2 = NULL;

	RPC_UNUSED(state);
	assert_false(grid_hashtree_check_offer(c, 7, t, &e1));
	assert_true(g_error_matches(e1, GRID_ERROR, GRID_E_FORMAT));
	assert_false(grid_hashtree_check_leaf(c, 4, t, &e2));
	assert_true(g_error_matches(e2, GRID_ERROR, GRID_E_FORMAT));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roots_match_tahoe),
		cmocka_unit_test(test_empty_leaf_hash_matches_tahoe),
		cmocka_unit_test(test_needed_is_siblings_leaf_upwards),
		cmocka_unit_test(test_needed_set_order_matches_tahoe_37),
		cmocka_unit_test(test_needed_set_order_matches_tahoe_all),
		cmocka_unit_test(test_check_accepts_every_leaf_of_a_good_tree),
		cmocka_unit_test(test_check_rejects_forged_leaf_and_sibling),
		cmocka_unit_test(test_check_rejects_out_of_range),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* tests/unit/test_grid_layout.c -- share layouts (v1, v2 and when each is
 * used), header parsing with hostile headers, and the server's share-file
 * container with its leases. */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include <glib.h>

#include "grid/gm.h"
#include "grid/layout.h"
#include "rpc/common.h"
#include "tests/unit/grid_testutil.h"

static void
test_v1_layout_matches_tahoe(void **state)
{
	/* the 56-byte 3-of-10 vector: Tahoe-LAFS's share 0 header holds
	 * (1, 19, 19, 36, 55, 87, 119, 151, 321) and the share is 633 bytes */
	static const uint64_t want[] = { 36, 55, 87, 119, 151, 321 };
	grid_layout l, back;
	uint8_t hdr[GRID_LAYOUT_V2_HEADER];

	RPC_UNUSED(state);
	assert_true(grid_layout_init(&l, 19, 19, 1, 5, 308, NULL));
	assert_int_equal(l.version, 1);
	assert_memory_equal(l.offset, want, sizeof(want));
	assert_int_equal(grid_layout_share_size(&l), 633);
	assert_int_equal(grid_layout_header(&l, hdr), GRID_LAYOUT_V1_HEADER);
	assert_true(grid_layout_parse(hdr, GRID_LAYOUT_V1_HEADER, 633, &back,
	    NULL));
	assert_int_equal(back.block_size, 19);
	assert_int_equal(back.data_size, 19);
	assert_memory_equal(back.offset, want, sizeof(want));
}

static void
test_v2_used_only_past_32_bits(void **state)
{
	grid_layout l, back;
	uint8_t hdr[GRID_LAYOUT_V2_HEADER];

	RPC_UNUSED(state);
	assert_true(grid_layout_init(&l, UINT32_MAX - 2000, 1 << 20, 1, 5,
	    330, NULL));
	assert_int_equal(l.version, 1);
	assert_true(grid_layout_init(&l, (uint64_t)1 << 32, 1 << 20, 4097, 5,
	    330, NULL));
	assert_int_equal(l.version, 2);
	assert_int_equal(l.offset[GRID_LAYOUT_DATA], GRID_LAYOUT_V2_HEADER);
	assert_int_equal(grid_layout_header(&l, hdr), GRID_LAYOUT_V2_HEADER);
	assert_true(grid_layout_parse(hdr, sizeof(hdr), 0, &back, NULL));
	assert_int_equal(back.version, 2);
	assert_memory_equal(back.offset, l.offset, sizeof(l.offset));
	assert_true(grid_layout_init_version(&l, 2, 19, 19, 1, 5, 308, NULL));
	assert_int_equal(l.offset[GRID_LAYOUT_PLAINTEXT_TREE], 0x44 + 19);
}

static void
expect_parse_error(const uint8_t *p, size_t len, uint64_t share_len,
    int code)
{
	g_autoptr(GError) err = NULL;
	grid_layout l;

	assert_false(grid_layout_parse(p, len, share_len, &l, &err));
	assert_true(g_error_matches(err, GRID_ERROR, code));
	assert_int_equal(l.version, 0);
}

static void
test_hostile_headers_are_refused(void **state)
{
	grid_layout l;
	uint8_t hdr[GRID_LAYOUT_V2_HEADER], bad[GRID_LAYOUT_V2_HEADER];
	size_t cut;

	RPC_UNUSED(state);
	assert_true(grid_layout_init(&l, 19, 19, 1, 5, 308, NULL));
	grid_layout_header(&l, hdr);
	for (cut = 0; cut < GRID_LAYOUT_V1_HEADER; cut++)
		expect_parse_error(hdr, cut, 0, GRID_E_FORMAT);
	memcpy(bad, hdr, sizeof(bad));
	bad[3] = 3;
	expect_parse_error(bad, sizeof(bad), 0, GRID_E_VERSION);
	bad[3] = 0;
	expect_parse_error(bad, sizeof(bad), 0, GRID_E_VERSION);
	memcpy(bad, hdr, sizeof(bad));
	bad[0x0f] = 0x25;			/* data not right after header */
	expect_parse_error(bad, sizeof(bad), 0, GRID_E_FORMAT);
	memcpy(bad, hdr, sizeof(bad));
	bad[0x1b] = 0xa0;			/* block hashes after share hashes */
	expect_parse_error(bad, sizeof(bad), 0, GRID_E_FORMAT);
	/* the UEB length field must fit in the share */
	expect_parse_error(hdr, sizeof(hdr), 321 + 3, GRID_E_FORMAT);
	assert_true(grid_layout_parse(hdr, sizeof(hdr), 321 + 4, &l, NULL));
	/* v2 header cut short */
	assert_true(grid_layout_init_version(&l, 2, 19, 19, 1, 5, 308, NULL));
	grid_layout_header(&l, hdr);
	expect_parse_error(hdr, GRID_LAYOUT_V2_HEADER - 1, 0, GRID_E_FORMAT);
}

static void
test_impossible_layouts_are_refused(void **state)
{
	g_autoptr(GError) e1 = NULL, e2 = NULL;
	grid_layout l;

	RPC_UNUSED(state);
	assert_false(grid_layout_init(&l, UINT64_MAX - 10, 1, 1, 1, 1, &e1));
	assert_true(g_error_matches(e1, GRID_ERROR, GRID_E_RANGE));
	assert_false(grid_layout_init(&l, 1, 1, UINT64_MAX, 1, 1, &e2));
	assert_true(g_error_matches(e2, GRID_ERROR, GRID_E_RANGE));
}

/* BLAKE2b-256 of 32 bytes of 0x01 (Python's hashlib.blake2b, which is
 * what PyNaCl's blake2b in lease_schema.py computes). */
#define B2_01 "f40ceaf86e5776923332b8d8fd3bef849cadb19c6996bc272af1f648d9566a4c"

static void
test_container_round_trip_with_hashed_leases(void **state)
{
	uint8_t file[GRID_CONTAINER_HEADER + 5 + 2 * GRID_CONTAINER_LEASE];
	uint8_t renew[32], cancel[32], other[32];
	grid_container c;
	grid_lease lease;
	g_autofree char *hex = NULL;

	RPC_UNUSED(state);
	memset(renew, 1, sizeof(renew));
	memset(cancel, 2, sizeof(cancel));
	memset(other, 3, sizeof(other));
	grid_container_header(5, 2, file);
	assert_memory_equal(file, "\0\0\0\2\0\0\0\5\0\0\0\2", 12);
	memcpy(file + 12, "share", 5);
	grid_container_lease_pack(2, 7, renew, cancel, 1234567,
	    file + 17);
	grid_container_lease_pack(1, 0, renew, cancel, 99,
	    file + 17 + GRID_CONTAINER_LEASE);
	assert_true(grid_container_parse(file, sizeof(file), &c, NULL));
	assert_int_equal(c.version, 2);
	assert_int_equal(c.num_leases, 2);
	assert_int_equal(c.share_len, 5);
	assert_memory_equal(c.share, "share", 5);
	grid_container_lease(&c, 0, &lease);
	assert_int_equal(lease.owner, 7);
	assert_int_equal(lease.expiry, 1234567);
	hex = tu_hex(lease.renew, 32);
	assert_string_equal(hex, B2_01);
	assert_true(grid_container_secret_matches(2, lease.renew, renew));
	assert_true(grid_container_secret_matches(2, lease.cancel, cancel));
	assert_false(grid_container_secret_matches(2, lease.renew, other));
	grid_container_lease(&c, 1, &lease);
	assert_memory_equal(lease.renew, renew, 32);	/* v1: plaintext */
	assert_true(grid_container_secret_matches(1, lease.renew, renew));
}

static void
test_hostile_containers_are_refused(void **state)
{
	uint8_t file[GRID_CONTAINER_HEADER + GRID_CONTAINER_LEASE];
	g_autoptr(GError) e1 = NULL, e2 = NULL, e3 = NULL;
	grid_container c;
	size_t cut;

	RPC_UNUSED(state);
	memset(file, 0, sizeof(file));
	grid_container_header(0, 1, file);
	assert_true(grid_container_parse(file, sizeof(file), &c, NULL));
	for (cut = 0; cut < GRID_CONTAINER_HEADER; cut++) {
		g_autoptr(GError) err = NULL;

		assert_false(grid_container_parse(file, cut, &c, &err));
		assert_true(g_error_matches(err, GRID_ERROR, GRID_E_FORMAT));
	}
	assert_false(grid_container_parse(file, sizeof(file) - 1, &c, &e1));
	assert_true(g_error_matches(e1, GRID_ERROR, GRID_E_FORMAT));
	file[8] = 0xff;				/* 4 billion leases */
	assert_false(grid_container_parse(file, sizeof(file), &c, &e2));
	assert_true(g_error_matches(e2, GRID_ERROR, GRID_E_FORMAT));
	file[8] = 0;
	file[3] = 3;
	assert_false(grid_container_parse(file, sizeof(file), &c, &e3));
	assert_true(g_error_matches(e3, GRID_ERROR, GRID_E_VERSION));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_v1_layout_matches_tahoe),
		cmocka_unit_test(test_v2_used_only_past_32_bits),
		cmocka_unit_test(test_hostile_headers_are_refused),
		cmocka_unit_test(test_impossible_layouts_are_refused),
		cmocka_unit_test(test_container_round_trip_with_hashed_leases),
		cmocka_unit_test(test_hostile_containers_are_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* tests/unit/test_grid_ueb.c -- URI extension blocks: the block Tahoe-LAFS
 * wrote for a 56-byte file parses, packs back to the same bytes and hashes
 * to the hash in its cap; hostile blocks are refused. */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include <glib.h>

#include "grid/gm.h"
#include "grid/ueb.h"
#include "rpc/base32.h"
#include "rpc/common.h"
#include "tests/unit/grid_testutil.h"

/* From share 0 of the 56-byte 3-of-10 vector (Tahoe-LAFS's encoder); its
 * cap holds UEB hash EX_UEB_HASH. */
#define EX_UEB_HEX \
	"636f6465635f6e616d653a333a6372732c636f6465635f706172616d733a373a" \
	"35372d332d31302c6372797074746578745f686173683a33323aae8772ba449d" \
	"b47515bad19b7ed92e079ae1263df54d580d18114674e761bf932c6372797074" \
	"746578745f726f6f745f686173683a33323aa09d29dcdee61e2bfb5597e63b49" \
	"5a7e897fc3a7813a16522d681e4126d321112c6e65656465645f736861726573" \
	"3a313a332c6e756d5f7365676d656e74733a313a312c7365676d656e745f7369" \
	"7a653a323a35372c73686172655f726f6f745f686173683a33323af2090859d6" \
	"acf2c7c03ce714aa41904bac386f7d71889852590f58caa08e5b9a2c73697a65" \
	"3a323a35362c7461696c5f636f6465635f706172616d733a373a35372d332d31" \
	"302c746f74616c5f7368617265733a323a31302c"
#define EX_UEB_HASH "nohcvj5nogz4mnufq26amjdlugfsncr5ydsjqxyzz6hnkgjfimlq"

static uint8_t ex[sizeof(EX_UEB_HEX) / 2];

static void
test_tahoe_ueb_parses_packs_and_hashes(void **state)
{
	grid_ueb u;
	g_autoptr(GError) err = NULL;
	g_autoptr(GByteArray) back = NULL;
	uint8_t h[GRID_HASH_LEN];
	g_autofree char *hb = NULL;

	RPC_UNUSED(state);
	tu_unhex(EX_UEB_HEX, ex);
	assert_true(grid_ueb_parse(ex, sizeof(ex), &u, &err));
	assert_int_equal(u.present, GRID_UEB_ALL);
	assert_int_equal(u.size, 56);
	assert_int_equal(u.segment_size, 57);
	assert_int_equal(u.num_segments, 1);
	assert_int_equal(u.needed_shares, 3);
	assert_int_equal(u.total_shares, 10);
	assert_int_equal(u.codec_params.segsize, 57);
	assert_int_equal(u.tail_codec_params.n, 10);
	back = grid_ueb_pack(&u);
	assert_int_equal(back->len, sizeof(ex));
	assert_memory_equal(back->data, ex, sizeof(ex));
	grid_ueb_hash(ex, sizeof(ex), h);
	hb = rpc_base32_encode(h, sizeof(h));
	assert_string_equal(hb, EX_UEB_HASH);
}

static void
expect_bad(const char *text, int code)
{
	g_autoptr(GError) err = NULL;
	grid_ueb u;

	if (grid_ueb_parse((const uint8_t *)text, strlen(text), &u, &err))
		fail_msg("accepted: %s", text);
	if (!g_error_matches(err, GRID_ERROR, code))
		fail_msg("%s: %s", text, err->message);
	assert_int_equal(u.present, 0);
}

#define H32 "0123456789abcdef0123456789abcdef"
#define MIN_OK "crypttext_root_hash:32:" H32 ",segment_size:1:9," \
	"share_root_hash:32:" H32 ","

static void
test_minimal_and_unknown_keys_accepted(void **state)
{
	grid_ueb u;

	RPC_UNUSED(state);
	assert_true(grid_ueb_parse((const uint8_t *)MIN_OK, strlen(MIN_OK),
	    &u, NULL));
	assert_int_equal(u.segment_size, 9);
	assert_true(grid_ueb_parse((const uint8_t *)("a_future-key:0:,"
	    MIN_OK "zzz:3:abc,"), strlen("a_future-key:0:," MIN_OK
	    "zzz:3:abc,"), &u, NULL));
}

static void
test_hostile_uebs_are_refused(void **state)
{
	static const char *fmt[] = {
		"",					/* required keys missing */
		MIN_OK "size",
		MIN_OK "size:",
		MIN_OK "size:1",
		MIN_OK "size:1:",
		MIN_OK "size:1:5",
		MIN_OK "size:1:5;",
		MIN_OK "size:2:5,",
		MIN_OK "size:01:5,",
		MIN_OK "size:1:x,",
		MIN_OK "size:2:05,",
		MIN_OK "size:20:18446744073709551616,",
		MIN_OK "size:99999999999999999999999:5,",
		MIN_OK "siz e:1:5,",
		MIN_OK ":1:5,",
		"segment_size:1:9," MIN_OK,		/* repeated key */
		"share_root_hash:32:" H32 ",crypttext_root_hash:32:" H32
		    ",segment_size:1:9,",		/* not sorted */
		"crypttext_root_hash:31:" H32 ",segment_size:1:9,"
		    "share_root_hash:32:" H32 ",",
		"crypttext_root_hash:32:" H32 ",segment_size:1:0,"
		    "share_root_hash:32:" H32 ",",
		"codec_name:3:rs ," MIN_OK,
		"codec_params:5:3-3-2," MIN_OK,
		"codec_params:5:3-0-2," MIN_OK,
		"codec_params:7:3-3-257," MIN_OK,
		"codec_params:4:3-32," MIN_OK,
		"codec_params:6:3-3-3-," MIN_OK,
		MIN_OK "total_shares:3:257,",
		MIN_OK "needed_shares:2:-1,",
	};
	size_t i;

	RPC_UNUSED(state);
	for (i = 0; i < G_N_ELEMENTS(fmt); i++)
		expect_bad(fmt[i], GRID_E_FORMAT);
}

static void
test_every_truncation_of_tahoe_ueb_is_refused(void **state)
{
	size_t l;

	RPC_UNUSED(state);
	tu_unhex(EX_UEB_HEX, ex);
	for (l = 0; l < sizeof(ex); l++) {
		grid_ueb u;
		gboolean ok = grid_ueb_parse(ex, l, &u, NULL);

		/* whole entries dropped from the end leave required keys
		 * in place only before total_shares and size are cut */
		if (ok)
			assert_true(ex[l - 1] == ',');
	}
}

static void
test_oversized_ueb_is_refused(void **state)
{
	g_autofree uint8_t *big = g_malloc0(GRID_UEB_MAX + 1);
	g_autoptr(GError) err = NULL;
	grid_ueb u;

	RPC_UNUSED(state);
	assert_false(grid_ueb_parse(big, GRID_UEB_MAX + 1, &u, &err));
	assert_true(g_error_matches(err, GRID_ERROR, GRID_E_RANGE));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tahoe_ueb_parses_packs_and_hashes),
		cmocka_unit_test(test_minimal_and_unknown_keys_accepted),
		cmocka_unit_test(test_hostile_uebs_are_refused),
		cmocka_unit_test(test_every_truncation_of_tahoe_ueb_is_refused),
		cmocka_unit_test(test_oversized_ueb_is_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

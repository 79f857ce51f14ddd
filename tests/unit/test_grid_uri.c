/* tests/unit/test_grid_uri.c -- caps: a cap Tahoe-LAFS made parses and
 * formats back to the same text, verify caps and LIT caps likewise, and a
 * table of hostile inputs is refused with GRID_E_FORMAT or GRID_E_RANGE. */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include <glib.h>

#include "grid/gm.h"
#include "grid/uri.h"
#include "rpc/common.h"
#include "tests/unit/grid_testutil.h"

/* Made by Tahoe-LAFS's encoder (tests/interop/chk-vectors.txt, 56 bytes,
 * 3-of-10). */
#define KEY_B32	"uvxayp3hwg5euxy5pab27z3pai"
#define UEB_B32	"nohcvj5nogz4mnufq26amjdlugfsncr5ydsjqxyzz6hnkgjfimlq"
#define CHK	"URI:CHK:" KEY_B32 ":" UEB_B32 ":3:10:56"

static void
roundtrip(const char *text, grid_uri_kind kind)
{
	grid_uri u;
	g_autoptr(GError) err = NULL;
	g_autofree char *back = NULL;

	assert_true(grid_uri_parse(text, strlen(text), &u, &err));
	assert_int_equal(u.kind, kind);
	back = grid_uri_to_string(&u);
	assert_string_equal(back, text);
	grid_uri_clear(&u);
}

static void
test_chk_cap_roundtrips(void **state)
{
	grid_uri u, v;
	g_autofree char *vs = NULL;

	RPC_UNUSED(state);
	roundtrip(CHK, GRID_URI_CHK);
	assert_true(grid_uri_parse(CHK, strlen(CHK), &u, NULL));
	assert_int_equal(u.k, 3);
	assert_int_equal(u.n, 10);
	assert_int_equal(u.size, 56);
	grid_uri_to_verifier(&u, &v);
	vs = grid_uri_to_string(&v);
	assert_true(g_str_has_prefix(vs, "URI:CHK-Verifier:"));
	assert_true(g_str_has_suffix(vs, ":" UEB_B32 ":3:10:56"));
	roundtrip(vs, GRID_URI_CHK_VERIFIER);
	grid_uri_clear(&u);
	grid_uri_clear(&v);
}

static void
test_lit_caps_roundtrip(void **state)
{
	grid_uri u;

	RPC_UNUSED(state);
	roundtrip("URI:LIT:", GRID_URI_LIT);
	roundtrip("URI:LIT:5y", GRID_URI_LIT);
	assert_true(grid_uri_parse("URI:LIT:nbswy3dp", 16, &u, NULL));
	assert_int_equal(u.lit_len, 5);
	assert_memory_equal(u.lit, "hello", 5);
	grid_uri_clear(&u);
}

static void
test_hostile_caps_are_refused(void **state)
{
	static const struct {
		const char *text;
		int code;
	} bad[] = {
		{ "", GRID_E_FORMAT },
		{ "URI:CHK:", GRID_E_FORMAT },
		{ "URI:chk:" KEY_B32 ":" UEB_B32 ":3:10:56", GRID_E_FORMAT },
		{ "URI:CHK:" KEY_B32 ":" UEB_B32 ":3:10:56:", GRID_E_FORMAT },
		{ "URI:CHK:" KEY_B32 ":" UEB_B32 ":3:10:56\n", GRID_E_FORMAT },
		{ "URI:CHK:" KEY_B32 ":" UEB_B32 ":3:10", GRID_E_FORMAT },
		{ "URI:CHK:" KEY_B32 ":" UEB_B32 ":03:10:56", GRID_E_FORMAT },
		{ "URI:CHK:" KEY_B32 ":" UEB_B32 ":3:10:056", GRID_E_FORMAT },
		{ "URI:CHK:" KEY_B32 ":" UEB_B32 ":3:10:-5", GRID_E_FORMAT },
		{ "URI:CHK:" KEY_B32 ":" UEB_B32 ":3:10:+5", GRID_E_FORMAT },
		{ "URI:CHK:" KEY_B32 ":" UEB_B32 ":3:10:18446744073709551616",
		    GRID_E_FORMAT },
		{ "URI:CHK:" KEY_B32 ":" UEB_B32 ":0:10:56", GRID_E_RANGE },
		{ "URI:CHK:" KEY_B32 ":" UEB_B32 ":11:10:56", GRID_E_RANGE },
		{ "URI:CHK:" KEY_B32 ":" UEB_B32 ":3:257:56", GRID_E_RANGE },
		{ "URI:CHK:" KEY_B32 ":" UEB_B32 ":3:4294967297:56",
		    GRID_E_FORMAT },
		/* key one character short, one long, upper case, last
		 * character with non-zero padding bits */
		{ "URI:CHK:uvxayp3hwg5euxy5pab27z3pa:" UEB_B32 ":3:10:56",
		    GRID_E_FORMAT },
		{ "URI:CHK:uvxayp3hwg5euxy5pab27z3paia:" UEB_B32 ":3:10:56",
		    GRID_E_FORMAT },
		{ "URI:CHK:UVXAYP3HWG5EUXY5PAB27Z3PAI:" UEB_B32 ":3:10:56",
		    GRID_E_FORMAT },
		{ "URI:CHK:uvxayp3hwg5euxy5pab27z3paj:" UEB_B32 ":3:10:56",
		    GRID_E_FORMAT },
		{ "URI:CHK:" KEY_B32 ":" KEY_B32 ":3:10:56", GRID_E_FORMAT },
		{ "URI:CHK-Verifier:" KEY_B32 ":" UEB_B32 ":3:10:56junk",
		    GRID_E_FORMAT },
		{ "URI:LIT:5", GRID_E_FORMAT },
		{ "URI:LIT:5z", GRID_E_FORMAT },
		{ "URI:LIT:5Y", GRID_E_FORMAT },
		{ "URI:LIT:5y=", GRID_E_FORMAT },
		{ "URI:SSK:" KEY_B32 ":" UEB_B32, GRID_E_FORMAT },
	};
	size_t i;

	RPC_UNUSED(state);
	for (i = 0; i < G_N_ELEMENTS(bad); i++) {
		g_autoptr(GError) err = NULL;
		grid_uri u;

		if (grid_uri_parse(bad[i].text, strlen(bad[i].text), &u,
		    &err))
			fail_msg("accepted: %s", bad[i].text);
		if (!g_error_matches(err, GRID_ERROR, bad[i].code))
			fail_msg("%s: %s", bad[i].text, err->message);
		assert_int_equal(u.kind, 0);
		assert_null(u.lit);
	}
}

static void
test_every_truncation_is_refused(void **state)
{
	size_t l;

	RPC_UNUSED(state);
	/* a prefix cut anywhere inside the key or hash, or right after a
	 * colon, is malformed; cuts inside the numbers parse as other caps
	 * (":3:10:5" is a 5-byte file) and must format back exactly */
	for (l = 0; l < strlen(CHK); l++) {
		g_autoptr(GError) err = NULL;
		grid_uri u;

		if (grid_uri_parse(CHK, l, &u, &err)) {
			g_autofree char *back = grid_uri_to_string(&u);

			assert_int_equal(strlen(back), l);
			assert_memory_equal(back, CHK, l);
			grid_uri_clear(&u);
		} else
			assert_non_null(err);
	}
}

static void
test_embedded_nul_and_overlong_are_refused(void **state)
{
	g_autoptr(GError) e1 = NULL, e2 = NULL;
	g_autofree char *big = NULL;
	grid_uri u;

	RPC_UNUSED(state);
	assert_false(grid_uri_parse("URI:LIT:\0", 9, &u, &e1));
	assert_true(g_error_matches(e1, GRID_ERROR, GRID_E_FORMAT));
	big = g_strnfill(GRID_URI_TEXT_MAX + 1, 'a');
	memcpy(big, "URI:LIT:", 8);
	assert_false(grid_uri_parse(big, strlen(big), &u, &e2));
	assert_true(g_error_matches(e2, GRID_ERROR, GRID_E_RANGE));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_chk_cap_roundtrips),
		cmocka_unit_test(test_lit_caps_roundtrip),
		cmocka_unit_test(test_hostile_caps_are_refused),
		cmocka_unit_test(test_every_truncation_is_refused),
		cmocka_unit_test(test_embedded_nul_and_overlong_are_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

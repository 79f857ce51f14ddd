/* tests/unit/test_cli_size.c -- sizes in Tahoe-LAFS's notation: every
 * case of Tahoe's own test_abbreviate.py (test_parse_space and the SI
 * half of test_space), then hostile input: signs, spaces, fractions,
 * units doubled or out of order, non-ASCII digits, overflow at each unit,
 * overlong text. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>
#include <glib.h>

#include "cli/size.h"
#include "rpc/common.h"

#define K	1000ull
#define KI	1024ull

static void
test_size_parses_tahoe_cases(void **state)
{
	static const struct {
		const char	*s;
		guint64		 v;
	} ok[] = {
		{ "123", 123 }, { "123B", 123 }, { "2K", 2 * K },
		{ "2kb", 2 * K }, { "2KiB", 2 * KI },
		{ "10MB", 10 * K * K }, { "10MiB", 10 * KI * KI },
		{ "5G", 5 * K * K * K }, { "4GiB", 4 * KI * KI * KI },
		{ "3TB", 3 * K * K * K * K }, { "3TiB", 3 * KI * KI * KI * KI },
		{ "6PB", 6 * K * K * K * K * K },
		{ "6PiB", 6 * KI * KI * KI * KI * KI },
		{ "9EB", 9 * K * K * K * K * K * K },
		{ "9EiB", 9 * KI * KI * KI * KI * KI * KI },
		/* The rest of what Tahoe's expression takes. */
		{ "0", 0 }, { "7I", 7 }, { "7ib", 7 }, { "10G", 10 * K * K * K },
		{ "500MB", 500 * K * K }, { "1gib", KI * KI * KI },
		{ "0EiB", 0 }, { "007k", 7 * K },
		{ "18446744073709551615", G_MAXUINT64 },
	};
	guint i;

	RPC_UNUSED(state);
	for (i = 0; i < G_N_ELEMENTS(ok); i++) {
		g_autoptr(GError) e = NULL;
		guint64 v = 1;

		if (!cli_size_parse(ok[i].s, &v, &e))
			fail_msg("'%s': %s", ok[i].s, e->message);
		if (v != ok[i].v)
			fail_msg("'%s' gave %" G_GUINT64_FORMAT, ok[i].s, v);
	}
}

/* 's' is refused with a one-line message containing 'why', and *bytes
 * is left alone. */
static void
assert_refused(const char *s, const char *why)
{
	g_autoptr(GError) e = NULL;
	guint64 v = 42;

	if (cli_size_parse(s, &v, &e))
		fail_msg("'%s' accepted as %" G_GUINT64_FORMAT, s, v);
	assert_int_equal(v, 42);
	assert_true(g_error_matches(e, G_OPTION_ERROR,
	    G_OPTION_ERROR_BAD_VALUE));
	assert_null(strchr(e->message, '\n'));
	if (strstr(e->message, why) == NULL)
		fail_msg("'%s': %s", s, e->message);
}

static void
test_size_refuses_garbage(void **state)
{
	static const char *const bad[] = {
		/* Tahoe's own. */
		"12 cubits", "1 BB", "fhtagn",
		/* Hostile or merely wrong. */
		"", " 1", "1 ", "1\n", "+1", "-1", "1.5GiB", "1e3", "0x10",
		"K", "B", "iB", "1KK", "1BB", "1KBB", "1IK", "1BI", "1KIBB",
		"1ZB", "1YiB", "1k i b", "1\xd9\xa1", "\xd9\xa1", "1\xc2\xa0",
		"1%", "1,000", "1_000", "1KIB\x01", "99999999999999999999x",
		"00000000000000000000000000000000001",	/* over the cap */
	};
	guint i;

	RPC_UNUSED(state);
	for (i = 0; i < G_N_ELEMENTS(bad); i++)
		assert_refused(bad[i], "unparseable size");
}

static void
test_size_refuses_overflow(void **state)
{
	static const char *const big[] = {
		"18446744073709551616", "99999999999999999999",
		"18446744073709552K", "18446744073709552KB",
		"18446744073709552M", "18446744074G", "18446745T", "18447P",
		"19E", "16EiB", "17179869184GiB", "99999999999999999999K",
	};
	guint64 v = 0;
	guint i;

	RPC_UNUSED(state);
	for (i = 0; i < G_N_ELEMENTS(big); i++)
		assert_refused(big[i], "too large");
	/* Just under: 15 EB and 15 EiB fit, 16 EiB does not. */
	assert_true(cli_size_parse("15EB", &v, NULL));
	assert_true(v == 15 * K * K * K * K * K * K);
	assert_true(cli_size_parse("15EiB", &v, NULL));
	assert_true(v == 15 * KI * KI * KI * KI * KI * KI);
	assert_true(cli_size_parse("18446744073709551K", &v, NULL));
}

/* abbreviate_space(x, SI=True) of test_abbreviate.py. */
static void
test_size_formats_as_tahoe(void **state)
{
	static const struct {
		guint64		 v;
		const char	*s;
	} cases[] = {
		{ 0, "0 B" }, { 1, "1 B" }, { 999, "999 B" }, { 1000, "1000 B" },
		{ 1023, "1023 B" }, { 1024, "1.02 kB" }, { 20 * 1000, "20.00 kB" },
		{ 1024 * 1024, "1.05 MB" }, { 1000 * 1000, "1.00 MB" },
		{ 1000ull * 1000 * 1000, "1.00 GB" },
		{ 1000ull * 1000 * 1000 * 1000, "1.00 TB" },
		{ 1000ull * 1000 * 1000 * 1000 * 1000, "1.00 PB" },
		{ 1000ull * 1000 * 1000 * 1000 * 1000 * 1000, "1.00 EB" },
		{ 1234567890123456789ull, "1.23 EB" },
		{ G_MAXUINT64, "18.45 EB" },
	};
	guint i;

	RPC_UNUSED(state);
	for (i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autofree char *s = cli_size_format(cases[i].v);

		assert_string_equal(s, cases[i].s);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_size_parses_tahoe_cases),
		cmocka_unit_test(test_size_refuses_garbage),
		cmocka_unit_test(test_size_refuses_overflow),
		cmocka_unit_test(test_size_formats_as_tahoe),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* tests/unit/test_rpc_base32.c -- lower-case, unpadded RFC 4648 base32. */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include <glib.h>

#include "rpc/base32.h"
#include "rpc/common.h"
#include "rpc/err.h"

/* RFC 4648 §10, lower-cased, without the '=' padding. */
static const struct {
	const char	*plain;
	const char	*text;
} rfc_vectors[] = {
	{ "",		"" },
	{ "f",		"my" },
	{ "fo",		"mzxq" },
	{ "foo",	"mzxw6" },
	{ "foob",	"mzxw6yq" },
	{ "fooba",	"mzxw6ytb" },
	{ "foobar",	"mzxw6ytboi" },
};

static void
test_base32_encodes_rfc4648_vectors(void **state)
{
	size_t i;

	RPC_UNUSED(state);
	for (i = 0; i < G_N_ELEMENTS(rfc_vectors); i++) {
		const char *pl = rfc_vectors[i].plain;
		char *s = rpc_base32_encode((const uint8_t *)pl, strlen(pl));

		assert_string_equal(s, rfc_vectors[i].text);
		assert_int_equal(rpc_base32_encoded_len(strlen(pl)),
		    strlen(rfc_vectors[i].text));
		g_free(s);
	}
}

static void
test_base32_decodes_rfc4648_vectors(void **state)
{
	uint8_t out[16];
	size_t i, n;

	RPC_UNUSED(state);
	for (i = 0; i < G_N_ELEMENTS(rfc_vectors); i++) {
		const char *t = rfc_vectors[i].text;

		assert_int_equal(rpc_base32_decode(t, strlen(t), out,
		    sizeof(out), &n), 0);
		assert_int_equal(n, strlen(rfc_vectors[i].plain));
		assert_memory_equal(out, rfc_vectors[i].plain, n);
	}
}

static void
test_base32_round_trips_random_lengths(void **state)
{
	GRand *rng = g_rand_new_with_seed(4648);
	uint8_t in[300], out[300];
	size_t len, n, i;
	int iter;

	RPC_UNUSED(state);
	for (iter = 0; iter < 500; iter++) {
		char *s;

		len = (size_t)g_rand_int_range(rng, 0, sizeof(in));
		for (i = 0; i < len; i++)
			in[i] = (uint8_t)g_rand_int(rng);
		s = rpc_base32_encode(in, len);
		assert_int_equal(strlen(s), rpc_base32_encoded_len(len));
		assert_int_equal(rpc_base32_decode(s, strlen(s), out,
		    sizeof(out), &n), 0);
		assert_int_equal(n, len);
		assert_memory_equal(in, out, len);
		g_free(s);
	}
	g_rand_free(rng);
}

static void
test_base32_encode_to_fits_exactly(void **state)
{
	char buf[11];

	RPC_UNUSED(state);
	assert_int_equal(rpc_base32_encode_to(buf, sizeof(buf),
	    (const uint8_t *)"foobar", 6), 0);
	assert_string_equal(buf, "mzxw6ytboi");
}

static void
test_base32_encode_to_refuses_small_output(void **state)
{
	char buf[10];

	RPC_UNUSED(state);
	memset(buf, 'X', sizeof(buf));
	/* 10 characters need 11 bytes with the NUL. */
	assert_int_equal(rpc_base32_encode_to(buf, sizeof(buf),
	    (const uint8_t *)"foobar", 6), RPC_E_TOOBIG);
	assert_int_equal(buf[0], 'X');
	assert_int_equal(rpc_base32_encode_to(buf, 0, (const uint8_t *)"", 0),
	    RPC_E_TOOBIG);
}

static void
test_base32_rejects_chars_outside_alphabet(void **state)
{
	static const char *bad[] = {
		"MZXW6YTB",	/* upper case */
		"mzxw6ytB",
		"mzxq====",	/* padding */
		"mzxw6yq=",
		"mz0q",		/* '0', '1', '8', '9' are not base32 */
		"mz1q",
		"mz8q",
		"mz9q",
		"mz q",
		"mz-q",
		"mz\xc3\xa9",
	};
	uint8_t out[16];
	size_t i, n = 99;

	RPC_UNUSED(state);
	for (i = 0; i < G_N_ELEMENTS(bad); i++) {
		assert_int_equal(rpc_base32_decode(bad[i], strlen(bad[i]), out,
		    sizeof(out), &n), RPC_E_FORMAT);
		assert_int_equal(n, 0);
	}
}

static void
test_base32_rejects_impossible_lengths(void **state)
{
	/* 1, 3 and 6 characters (mod 8) carry no whole byte count. */
	static const char *bad[] = { "m", "mzx", "mzxw6y", "mzxw6ytbo",
	    "mzxw6ytbois", "mzxw6ytboiaaaa" };
	uint8_t out[16];
	size_t i, n = 99;

	RPC_UNUSED(state);
	for (i = 0; i < G_N_ELEMENTS(bad); i++) {
		assert_int_equal(rpc_base32_decode(bad[i], strlen(bad[i]), out,
		    sizeof(out), &n), RPC_E_FORMAT);
		assert_int_equal(n, 0);
	}
}

static void
test_base32_rejects_nonzero_trailing_bits(void **state)
{
	/* "my" is "f"; "mz" differs only in the 2 unused bits.  Likewise
	 * for each other tail length. */
	static const char *bad[] = { "mz", "mzxr", "mzxw7", "mzxw6yr",
	    "mzxw6ytbop" };
	uint8_t out[16];
	size_t i, n = 99;

	RPC_UNUSED(state);
	for (i = 0; i < G_N_ELEMENTS(bad); i++) {
		assert_int_equal(rpc_base32_decode(bad[i], strlen(bad[i]), out,
		    sizeof(out), &n), RPC_E_FORMAT);
		assert_int_equal(n, 0);
	}
}

static void
test_base32_decode_refuses_small_output(void **state)
{
	uint8_t out[6];
	size_t n = 99;

	RPC_UNUSED(state);
	memset(out, 0xee, sizeof(out));
	assert_int_equal(rpc_base32_decode("mzxw6ytboi", 10, out, 5, &n),
	    RPC_E_TOOBIG);
	assert_int_equal(n, 0);
	assert_int_equal(out[0], 0xee);
	assert_int_equal(rpc_base32_decode("mzxw6ytboi", 10, out, 6, &n), 0);
	assert_int_equal(n, 6);
}

static void
test_base32_decodes_only_slen_chars(void **state)
{
	uint8_t out[8];
	size_t n;

	RPC_UNUSED(state);
	/* The text is not NUL-terminated where slen ends. */
	assert_int_equal(rpc_base32_decode("mzxw6!!!", 5, out, sizeof(out),
	    &n), 0);
	assert_int_equal(n, 3);
	assert_memory_equal(out, "foo", 3);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_base32_encodes_rfc4648_vectors),
		cmocka_unit_test(test_base32_decodes_rfc4648_vectors),
		cmocka_unit_test(test_base32_round_trips_random_lengths),
		cmocka_unit_test(test_base32_encode_to_fits_exactly),
		cmocka_unit_test(test_base32_encode_to_refuses_small_output),
		cmocka_unit_test(test_base32_rejects_chars_outside_alphabet),
		cmocka_unit_test(test_base32_rejects_impossible_lengths),
		cmocka_unit_test(test_base32_rejects_nonzero_trailing_bits),
		cmocka_unit_test(test_base32_decode_refuses_small_output),
		cmocka_unit_test(test_base32_decodes_only_slen_chars),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

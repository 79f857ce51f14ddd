/* tests/unit/test_rpc_frame.c -- sealing and opening frames: round trips,
 * nonces in order, tampering, replays and length limits. */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include <sodium.h>

#include "rpc/err.h"
#include "rpc/frame.h"

static const uint8_t key[32] = { 1, 2, 3 };

static void
test_round_trip_in_order(void **state)
{
	rpc_aead tx, rx;
	uint8_t out[64], pt[64];
	size_t ct;
	int i;

	(void)state;
	rpc_aead_init(&tx, key);
	rpc_aead_init(&rx, key);
	for (i = 0; i < 3; i++) {
		assert_int_equal(rpc_frame_seal(&tx, (const uint8_t *)"hello",
		    5, out), 0);
		assert_int_equal(rpc_frame_peek(out, rpc_frame_size(5),
		    RPC_MAX_FRAME, &ct), 0);
		assert_int_equal(ct, 5 + RPC_FRAME_TAG);
		assert_int_equal(rpc_frame_open(&rx, out, ct, pt), 0);
		assert_memory_equal(pt, "hello", 5);
	}
	assert_int_equal(tx.counter, 3);
	assert_int_equal(rx.counter, 3);
	rpc_aead_clear(&tx);
	rpc_aead_clear(&rx);
}

static void
test_empty_plaintext_is_a_frame(void **state)
{
	rpc_aead tx, rx;
	uint8_t out[32], pt[1];
	size_t ct;

	(void)state;
	rpc_aead_init(&tx, key);
	rpc_aead_init(&rx, key);
	assert_int_equal(rpc_frame_seal(&tx, NULL, 0, out), 0);
	assert_int_equal(rpc_frame_peek(out, 20, RPC_MAX_FRAME, &ct), 0);
	assert_int_equal(rpc_frame_open(&rx, out, ct, pt), 0);
	rpc_aead_clear(&tx);
	rpc_aead_clear(&rx);
}

static void
test_tampered_frame_fails_and_counter_stays(void **state)
{
	rpc_aead tx, rx;
	uint8_t out[64], pt[64];
	size_t i, n = rpc_frame_size(5);

	(void)state;
	rpc_aead_init(&tx, key);
	rpc_frame_seal(&tx, (const uint8_t *)"hello", 5, out);
	/* Every byte after the length is covered by the tag. */
	for (i = RPC_FRAME_HDR; i < n; i++) {
		rpc_aead_init(&rx, key);
		out[i] ^= 0x01;
		assert_int_equal(rpc_frame_open(&rx, out, n - RPC_FRAME_HDR,
		    pt), RPC_E_CRYPTO);
		assert_int_equal(rx.counter, 0);
		/* The forged frame's plaintext is not left behind. */
		assert_true(sodium_is_zero(pt, 5));
		out[i] ^= 0x01;
		rpc_aead_clear(&rx);
	}
	rpc_aead_clear(&tx);
}

static void
test_replayed_or_reordered_frame_fails(void **state)
{
	rpc_aead tx, rx;
	uint8_t f1[64], f2[64], pt[64];
	size_t n = rpc_frame_size(5);

	(void)state;
	rpc_aead_init(&tx, key);
	rpc_aead_init(&rx, key);
	rpc_frame_seal(&tx, (const uint8_t *)"first", 5, f1);
	rpc_frame_seal(&tx, (const uint8_t *)"secnd", 5, f2);
	assert_int_equal(rpc_frame_open(&rx, f2, n - 4, pt), RPC_E_CRYPTO);
	assert_int_equal(rpc_frame_open(&rx, f1, n - 4, pt), 0);
	assert_int_equal(rpc_frame_open(&rx, f1, n - 4, pt), RPC_E_CRYPTO);
	assert_int_equal(rpc_frame_open(&rx, f2, n - 4, pt), 0);
	rpc_aead_clear(&tx);
	rpc_aead_clear(&rx);
}

static void
test_wrong_key_fails(void **state)
{
	rpc_aead tx, rx;
	uint8_t out[64], pt[64], other[32] = { 9 };

	(void)state;
	rpc_aead_init(&tx, key);
	rpc_aead_init(&rx, other);
	rpc_frame_seal(&tx, (const uint8_t *)"hello", 5, out);
	assert_int_equal(rpc_frame_open(&rx, out, 21, pt), RPC_E_CRYPTO);
	rpc_aead_clear(&tx);
	rpc_aead_clear(&rx);
}

static void
test_peek_limits(void **state)
{
	uint8_t h[4] = { 0 };
	size_t ct;

	(void)state;
	assert_int_equal(rpc_frame_peek(h, 3, 100, &ct), RPC_E_SHORT);
	h[0] = 0; h[1] = 0; h[2] = 0; h[3] = 15;	/* shorter than a tag */
	assert_int_equal(rpc_frame_peek(h, 4, 100, &ct), RPC_E_FORMAT);
	h[3] = 16 + 100;
	assert_int_equal(rpc_frame_peek(h, 4, 100, &ct), 0);
	assert_int_equal(ct, 116);
	h[3] = 16 + 101;
	assert_int_equal(rpc_frame_peek(h, 4, 100, &ct), RPC_E_TOOBIG);
	assert_int_equal(ct, 0);
	memset(h, 0xff, 4);			/* 4 GiB claimed */
	assert_int_equal(rpc_frame_peek(h, 4, RPC_MAX_FRAME, &ct),
	    RPC_E_TOOBIG);
}

/* A header cut at any byte is short, and reports no length. */
static void
test_peek_each_truncation_is_short(void **state)
{
	static const uint8_t h[4] = { 0, 0, 0, 16 };
	size_t n, ct;

	(void)state;
	for (n = 0; n < RPC_FRAME_HDR; n++) {
		ct = 99;
		assert_int_equal(rpc_frame_peek(h, n, 100, &ct), RPC_E_SHORT);
		assert_int_equal(ct, 0);
	}
	assert_int_equal(rpc_frame_peek(h, n, 100, &ct), 0);
	assert_int_equal(ct, 16);
}

static void
test_more_bit_is_authenticated_and_masked(void **state)
{
	rpc_aead tx, rx;
	uint8_t out[64], pt[64];
	size_t ct;

	(void)state;
	rpc_aead_init(&tx, key);
	rpc_aead_init(&rx, key);
	assert_int_equal(rpc_frame_seal_part(&tx, (const uint8_t *)"part", 4,
	    true, out), 0);
	assert_true(rpc_frame_is_more(out));
	assert_int_equal(rpc_frame_peek(out, 24, RPC_MAX_FRAME, &ct), 0);
	assert_int_equal(ct, 4 + RPC_FRAME_TAG);
	/* Clearing the bit changes the associated data: the tag fails. */
	out[0] &= 0x7f;
	assert_int_equal(rpc_frame_open(&rx, out, ct, pt), RPC_E_CRYPTO);
	out[0] |= 0x80;
	assert_int_equal(rpc_frame_open(&rx, out, ct, pt), 0);
	rpc_aead_clear(&tx);
	rpc_aead_clear(&rx);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip_in_order),
		cmocka_unit_test(test_empty_plaintext_is_a_frame),
		cmocka_unit_test(test_tampered_frame_fails_and_counter_stays),
		cmocka_unit_test(test_replayed_or_reordered_frame_fails),
		cmocka_unit_test(test_wrong_key_fails),
		cmocka_unit_test(test_peek_limits),
		cmocka_unit_test(test_peek_each_truncation_is_short),
		cmocka_unit_test(test_more_bit_is_authenticated_and_masked),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* tests/unit/test_rpc_rbuf.c -- the checked byte reader. */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "rpc/common.h"
#include "rpc/err.h"
#include "rpc/rbuf.h"

static const uint8_t bytes[] = {
	0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09
};

static void
test_rbuf_reads_u8(void **state)
{
	rpc_rbuf b;
	uint8_t v;

	RPC_UNUSED(state);
	rpc_rbuf_init(&b, bytes, 2);
	assert_int_equal(rpc_rbuf_get_u8(&b, &v), 0);
	assert_int_equal(v, 0x01);
	assert_int_equal(b.len, 1);
	assert_ptr_equal(b.p, bytes + 1);
}

static void
test_rbuf_reads_u16be(void **state)
{
	rpc_rbuf b;
	uint16_t v;

	RPC_UNUSED(state);
	rpc_rbuf_init(&b, bytes, 3);
	assert_int_equal(rpc_rbuf_get_u16be(&b, &v), 0);
	assert_int_equal(v, 0x0102);
	assert_int_equal(b.len, 1);
}

static void
test_rbuf_reads_u32be(void **state)
{
	rpc_rbuf b;
	uint32_t v;

	RPC_UNUSED(state);
	rpc_rbuf_init(&b, bytes, 4);
	assert_int_equal(rpc_rbuf_get_u32be(&b, &v), 0);
	assert_int_equal(v, 0x01020304);
	assert_int_equal(b.len, 0);
}

static void
test_rbuf_reads_u64be(void **state)
{
	static const uint8_t hi[8] = { 0xff, 0xee, 0xdd, 0xcc, 0xbb, 0xaa,
	    0x99, 0x88 };
	rpc_rbuf b;
	uint64_t v;

	RPC_UNUSED(state);
	rpc_rbuf_init(&b, hi, sizeof(hi));
	assert_int_equal(rpc_rbuf_get_u64be(&b, &v), 0);
	assert_true(v == UINT64_C(0xffeeddccbbaa9988));
	assert_int_equal(b.len, 0);
}

static void
test_rbuf_reads_bytes(void **state)
{
	uint8_t out[3];
	rpc_rbuf b;

	RPC_UNUSED(state);
	rpc_rbuf_init(&b, bytes, sizeof(bytes));
	assert_int_equal(rpc_rbuf_get_bytes(&b, out, 3), 0);
	assert_memory_equal(out, bytes, 3);
	assert_int_equal(b.len, sizeof(bytes) - 3);
	assert_int_equal(rpc_rbuf_get_bytes(&b, NULL, 0), 0);
	assert_int_equal(b.len, sizeof(bytes) - 3);
}

static void
test_rbuf_view_borrows(void **state)
{
	const uint8_t *v;
	rpc_rbuf b;

	RPC_UNUSED(state);
	rpc_rbuf_init(&b, bytes, sizeof(bytes));
	assert_int_equal(rpc_rbuf_get_u8(&b, &(uint8_t){ 0 }), 0);
	assert_int_equal(rpc_rbuf_get_view(&b, 4, &v), 0);
	assert_ptr_equal(v, bytes + 1);
	assert_int_equal(b.len, sizeof(bytes) - 5);
}

/* Each getter on a buffer one byte too short: RPC_E_SHORT, cursor and
 * length unchanged. */
static void
test_rbuf_short_reads_leave_cursor(void **state)
{
	uint8_t u8 = 7, out[9];
	uint16_t u16 = 7;
	uint32_t u32 = 7;
	uint64_t u64 = 7;
	const uint8_t *v = bytes;
	rpc_rbuf b;

	RPC_UNUSED(state);
	rpc_rbuf_init(&b, bytes, 0);
	assert_int_equal(rpc_rbuf_get_u8(&b, &u8), RPC_E_SHORT);
	assert_int_equal(u8, 0);
	rpc_rbuf_init(&b, bytes, 1);
	assert_int_equal(rpc_rbuf_get_u16be(&b, &u16), RPC_E_SHORT);
	assert_int_equal(u16, 0);
	assert_ptr_equal(b.p, bytes);
	assert_int_equal(b.len, 1);
	rpc_rbuf_init(&b, bytes, 3);
	assert_int_equal(rpc_rbuf_get_u32be(&b, &u32), RPC_E_SHORT);
	assert_int_equal(u32, 0);
	assert_ptr_equal(b.p, bytes);
	assert_int_equal(b.len, 3);
	rpc_rbuf_init(&b, bytes, 7);
	assert_int_equal(rpc_rbuf_get_u64be(&b, &u64), RPC_E_SHORT);
	assert_true(u64 == 0);
	assert_ptr_equal(b.p, bytes);
	assert_int_equal(b.len, 7);
	rpc_rbuf_init(&b, bytes, 8);
	memset(out, 0xaa, sizeof(out));
	assert_int_equal(rpc_rbuf_get_bytes(&b, out, 9), RPC_E_SHORT);
	assert_int_equal(out[0], 0xaa);
	assert_int_equal(rpc_rbuf_get_view(&b, 9, &v), RPC_E_SHORT);
	assert_null(v);
	assert_ptr_equal(b.p, bytes);
	assert_int_equal(b.len, 8);
}

static void
test_rbuf_huge_length_is_short(void **state)
{
	const uint8_t *v;
	rpc_rbuf b;

	RPC_UNUSED(state);
	rpc_rbuf_init(&b, bytes, sizeof(bytes));
	assert_int_equal(rpc_rbuf_get_view(&b, SIZE_MAX, &v), RPC_E_SHORT);
	assert_int_equal(b.len, sizeof(bytes));
}

static void
test_rbuf_expect_matches(void **state)
{
	rpc_rbuf b;

	RPC_UNUSED(state);
	rpc_rbuf_init(&b, bytes, sizeof(bytes));
	assert_int_equal(rpc_rbuf_expect(&b, "\x01\x02\x03", 3), 0);
	assert_ptr_equal(b.p, bytes + 3);
}

static void
test_rbuf_expect_mismatch_consumes_nothing(void **state)
{
	rpc_rbuf b;

	RPC_UNUSED(state);
	rpc_rbuf_init(&b, bytes, sizeof(bytes));
	assert_int_equal(rpc_rbuf_expect(&b, "\x01\x02\x04", 3),
	    RPC_E_FORMAT);
	assert_ptr_equal(b.p, bytes);
	assert_int_equal(b.len, sizeof(bytes));
}

static void
test_rbuf_expect_short(void **state)
{
	rpc_rbuf b;

	RPC_UNUSED(state);
	rpc_rbuf_init(&b, bytes, 2);
	assert_int_equal(rpc_rbuf_expect(&b, "\x01\x02\x03", 3), RPC_E_SHORT);
	assert_int_equal(b.len, 2);
}

static void
test_rbuf_end(void **state)
{
	uint8_t v;
	rpc_rbuf b;

	RPC_UNUSED(state);
	rpc_rbuf_init(&b, bytes, 1);
	assert_int_equal(rpc_rbuf_end(&b), RPC_E_TRAILING);
	assert_int_equal(rpc_rbuf_get_u8(&b, &v), 0);
	assert_int_equal(rpc_rbuf_end(&b), 0);
}

static void
test_rbuf_chained_reads(void **state)
{
	uint8_t a = 0;
	uint16_t c = 0;
	uint32_t d = 0;
	rpc_rbuf b;
	int r;

	RPC_UNUSED(state);
	rpc_rbuf_init(&b, bytes, 7);
	if ((r = rpc_rbuf_get_u8(&b, &a)) != 0 ||
	    (r = rpc_rbuf_get_u16be(&b, &c)) != 0 ||
	    (r = rpc_rbuf_get_u32be(&b, &d)) != 0)
		fail_msg("chained read failed: %d", r);
	assert_int_equal(r, 0);
	assert_int_equal(a, 0x01);
	assert_int_equal(c, 0x0203);
	assert_int_equal(d, 0x04050607);
	assert_int_equal(rpc_rbuf_end(&b), 0);
}

/* Every getter of a fixed width fails on each truncation (0 .. width - 1
 * bytes), clears its out-parameter and leaves the cursor unchanged. */
static void
test_rbuf_each_truncation_is_short(void **state)
{
	size_t have;

	RPC_UNUSED(state);
	for (have = 0; have < 8; have++) {
		rpc_rbuf b;
		uint8_t v8 = 0xaa;
		uint16_t v16 = 0xaaaa;
		uint32_t v32 = 0xaaaaaaaa;
		uint64_t v64 = 0xaa, vu = 0xaa;

		rpc_rbuf_init(&b, bytes, have);
		if (have < 1) {
			assert_int_equal(rpc_rbuf_get_u8(&b, &v8),
			    RPC_E_SHORT);
			assert_int_equal(v8, 0);
		}
		if (have < 2) {
			assert_int_equal(rpc_rbuf_get_u16be(&b, &v16),
			    RPC_E_SHORT);
			assert_int_equal(v16, 0);
		}
		if (have < 4) {
			assert_int_equal(rpc_rbuf_get_u32be(&b, &v32),
			    RPC_E_SHORT);
			assert_int_equal(v32, 0);
			assert_int_equal(rpc_rbuf_get_uint(&b, 4, &vu),
			    RPC_E_SHORT);
			assert_true(vu == 0);
		}
		assert_int_equal(rpc_rbuf_get_u64be(&b, &v64), RPC_E_SHORT);
		assert_true(v64 == 0);
		assert_int_equal(rpc_rbuf_skip(&b, have + 1), RPC_E_SHORT);
		assert_int_equal(rpc_rbuf_left(&b), have);
		assert_ptr_equal(b.p, bytes);
	}
}

static void
test_rbuf_get_uint_widths(void **state)
{
	rpc_rbuf b;
	uint64_t v = 0;

	RPC_UNUSED(state);
	rpc_rbuf_init(&b, bytes, sizeof(bytes));
	assert_int_equal(rpc_rbuf_get_uint(&b, 1, &v), 0);
	assert_true(v == 0x01);
	assert_int_equal(rpc_rbuf_get_uint(&b, 2, &v), 0);
	assert_true(v == 0x0203);
	assert_int_equal(rpc_rbuf_get_uint(&b, 4, &v), 0);
	assert_true(v == 0x04050607);
	assert_int_equal(rpc_rbuf_get_uint(&b, 8, &v), RPC_E_SHORT);
	assert_true(v == 0);
	assert_int_equal(rpc_rbuf_left(&b), 2);
}

static void
test_rbuf_get_uint_refuses_odd_width(void **state)
{
	rpc_rbuf b;
	uint64_t v = 7;

	RPC_UNUSED(state);
	rpc_rbuf_init(&b, bytes, sizeof(bytes));
	assert_int_equal(rpc_rbuf_get_uint(&b, 3, &v), RPC_E_FORMAT);
	assert_true(v == 0);
	assert_int_equal(rpc_rbuf_get_uint(&b, 0, &v), RPC_E_FORMAT);
	assert_int_equal(rpc_rbuf_left(&b), sizeof(bytes));
}

static void
test_rbuf_skip_to_the_end_and_one_past(void **state)
{
	rpc_rbuf b;

	RPC_UNUSED(state);
	rpc_rbuf_init(&b, bytes, sizeof(bytes));
	assert_int_equal(rpc_rbuf_skip(&b, sizeof(bytes) + 1), RPC_E_SHORT);
	assert_int_equal(rpc_rbuf_left(&b), sizeof(bytes));
	assert_int_equal(rpc_rbuf_skip(&b, 0), 0);
	assert_int_equal(rpc_rbuf_skip(&b, 2), 0);
	assert_ptr_equal(b.p, bytes + 2);
	assert_int_equal(rpc_rbuf_skip(&b, sizeof(bytes) - 2), 0);
	assert_int_equal(rpc_rbuf_end(&b), 0);
	assert_int_equal(rpc_rbuf_skip(&b, 1), RPC_E_SHORT);
}

/* A length a peer declared may be any 64-bit value: it never wraps the
 * cursor. */
static void
test_rbuf_skip_huge_length_is_short(void **state)
{
	rpc_rbuf b;

	RPC_UNUSED(state);
	rpc_rbuf_init(&b, bytes, sizeof(bytes));
	assert_int_equal(rpc_rbuf_skip(&b, UINT64_MAX), RPC_E_SHORT);
	assert_int_equal(rpc_rbuf_skip(&b, (uint64_t)SIZE_MAX), RPC_E_SHORT);
	assert_int_equal(rpc_rbuf_left(&b), sizeof(bytes));
}

static void
test_rbuf_get_rest_takes_everything(void **state)
{
	const uint8_t *v = NULL;
	size_t n = 99;
	rpc_rbuf b;

	RPC_UNUSED(state);
	rpc_rbuf_init(&b, bytes, sizeof(bytes));
	assert_int_equal(rpc_rbuf_skip(&b, 4), 0);
	assert_int_equal(rpc_rbuf_get_rest(&b, &v, &n), 0);
	assert_ptr_equal(v, bytes + 4);
	assert_int_equal(n, sizeof(bytes) - 4);
	assert_int_equal(rpc_rbuf_end(&b), 0);
	/* Nothing left: a non-NULL pointer and 0. */
	assert_int_equal(rpc_rbuf_get_rest(&b, &v, &n), 0);
	assert_non_null(v);
	assert_int_equal(n, 0);
}

static void
test_rbuf_empty_buffer(void **state)
{
	const uint8_t *v = NULL;
	size_t n = 1;
	rpc_rbuf b;
	uint8_t x = 1;

	RPC_UNUSED(state);
	rpc_rbuf_init(&b, NULL, 0);
	assert_int_equal(rpc_rbuf_end(&b), 0);
	assert_int_equal(rpc_rbuf_get_u8(&b, &x), RPC_E_SHORT);
	assert_int_equal(x, 0);
	assert_int_equal(rpc_rbuf_skip(&b, 0), 0);
	assert_int_equal(rpc_rbuf_get_rest(&b, &v, &n), 0);
	assert_int_equal(n, 0);
}

static void
test_peek_poke_round_trip(void **state)
{
	uint8_t out[8];

	RPC_UNUSED(state);
	rpc_poke_u32be(out, 0x01020304);
	assert_memory_equal(out, bytes, 4);
	assert_int_equal(rpc_peek_u32be(out), 0x01020304);
	rpc_poke_u64be(out, UINT64_C(0x0102030405060708));
	assert_memory_equal(out, bytes, 8);
	assert_true(rpc_peek_u64be(out) == UINT64_C(0x0102030405060708));
	rpc_poke_u32be(out, UINT32_MAX);
	assert_int_equal(rpc_peek_u32be(out), UINT32_MAX);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rbuf_reads_u8),
		cmocka_unit_test(test_rbuf_reads_u16be),
		cmocka_unit_test(test_rbuf_reads_u32be),
		cmocka_unit_test(test_rbuf_reads_u64be),
		cmocka_unit_test(test_rbuf_reads_bytes),
		cmocka_unit_test(test_rbuf_view_borrows),
		cmocka_unit_test(test_rbuf_short_reads_leave_cursor),
		cmocka_unit_test(test_rbuf_huge_length_is_short),
		cmocka_unit_test(test_rbuf_expect_matches),
		cmocka_unit_test(test_rbuf_expect_mismatch_consumes_nothing),
		cmocka_unit_test(test_rbuf_expect_short),
		cmocka_unit_test(test_rbuf_end),
		cmocka_unit_test(test_rbuf_chained_reads),
		cmocka_unit_test(test_rbuf_each_truncation_is_short),
		cmocka_unit_test(test_rbuf_get_uint_widths),
		cmocka_unit_test(test_rbuf_get_uint_refuses_odd_width),
		cmocka_unit_test(test_rbuf_skip_to_the_end_and_one_past),
		cmocka_unit_test(test_rbuf_skip_huge_length_is_short),
		cmocka_unit_test(test_rbuf_get_rest_takes_everything),
		cmocka_unit_test(test_rbuf_empty_buffer),
		cmocka_unit_test(test_peek_poke_round_trip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

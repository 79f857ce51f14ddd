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
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* tests/unit/test_rpc_msg.c -- message encode/decode: every type round
 * trips; wrong shapes, types and limits are refused; rpc_msg_parse() runs
 * the pre-scan before msgpack-c sees the bytes. */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "rpc/err.h"
#include "rpc/msg.h"
#include "rpc/obj.h"
#include "rpc/pack.h"

typedef struct buf {
	msgpack_sbuffer	sb;
	msgpack_packer	pk;
} buf;

static int
setup(void **state)
{
	buf *b = g_new0(buf, 1);

	msgpack_sbuffer_init(&b->sb);
	msgpack_packer_init(&b->pk, &b->sb, msgpack_sbuffer_write);
	*state = b;
	return 0;
}

static int
teardown(void **state)
{
	buf *b = *state;

	msgpack_sbuffer_destroy(&b->sb);
	g_free(b);
	return 0;
}

static const rpc_prescan_limits lim = {
	RPC_PRESCAN_DEPTH, RPC_PRESCAN_ELEMS, RPC_PRESCAN_EXT,
	1u << RPC_EXT_MYREF,
};

/* Parse b's bytes; return the code, leaving the message in *m. */
static int
parse(buf *b, msgpack_unpacked *up, rpc_msg *m)
{
	return rpc_msg_parse((const uint8_t *)b->sb.data, b->sb.size, &lim,
	    up, m);
}

static void
test_call_round_trip(void **state)
{
	buf *b = *state;
	msgpack_unpacked up;
	rpc_msg m;
	int64_t v;

	rpc_msg_pack_call_head(&b->pk, 7, 3, "add");
	msgpack_pack_array(&b->pk, 2);
	msgpack_pack_int(&b->pk, 2);
	msgpack_pack_int(&b->pk, -3);
	msgpack_unpacked_init(&up);
	assert_int_equal(parse(b, &up, &m), 0);
	assert_int_equal(m.type, RPC_MSG_CALL);
	assert_int_equal(m.qid, 7);
	assert_int_equal(m.target, 3);
	assert_int_equal(m.s1_len, 3);
	assert_memory_equal(m.s1, "add", 3);
	assert_int_equal(rpc_mp_left(&m.list), 2);
	assert_int_equal(rpc_mp_int(&m.list, -10, 10, &v), 0);
	assert_int_equal(v, 2);
	msgpack_unpacked_destroy(&up);
}

static void
test_other_messages_round_trip(void **state)
{
	buf *b = *state;
	msgpack_unpacked up;
	rpc_msg m;

	msgpack_unpacked_init(&up);
	rpc_msg_pack_error(&b->pk, 9, "not-found", "nothing here");
	assert_int_equal(parse(b, &up, &m), 0);
	assert_int_equal(m.type, RPC_MSG_ERROR);
	assert_int_equal(m.qid, 9);
	assert_memory_equal(m.s2, "nothing here", 12);
	msgpack_sbuffer_clear(&b->sb);
	rpc_msg_pack_lookup(&b->pk, 4, "swiss");
	assert_int_equal(parse(b, &up, &m), 0);
	assert_int_equal(m.type, RPC_MSG_LOOKUP);
	msgpack_sbuffer_clear(&b->sb);
	rpc_msg_pack_ping(&b->pk, RPC_MSG_PING, 77);
	assert_int_equal(parse(b, &up, &m), 0);
	assert_int_equal(m.type, RPC_MSG_PING);
	assert_int_equal(m.n, 77);
	msgpack_sbuffer_clear(&b->sb);
	rpc_msg_pack_abort(&b->pk, "bye");
	assert_int_equal(parse(b, &up, &m), 0);
	assert_int_equal(m.type, RPC_MSG_ABORT);
	msgpack_sbuffer_clear(&b->sb);
	rpc_msg_pack_answer_head(&b->pk, 5);
	msgpack_pack_nil(&b->pk);
	assert_int_equal(parse(b, &up, &m), 0);
	assert_int_equal(m.type, RPC_MSG_ANSWER);
	assert_int_equal(m.value->type, MSGPACK_OBJECT_NIL);
	msgpack_unpacked_destroy(&up);
}

static void
test_long_error_text_is_cut_to_limit(void **state)
{
	buf *b = *state;
	msgpack_unpacked up;
	rpc_msg m;
	char *big = g_strnfill(RPC_ERRMSG_MAX + 100, 'x');

	msgpack_unpacked_init(&up);
	rpc_msg_pack_error(&b->pk, 1, "t", big);
	assert_int_equal(parse(b, &up, &m), 0);
	assert_int_equal(m.s2_len, RPC_ERRMSG_MAX);
	msgpack_unpacked_destroy(&up);
	g_free(big);
}

/* Each entry: a message the decoder must refuse. */
static void
pack_bad(msgpack_packer *pk, int which)
{
	switch (which) {
	case 0:	/* not an array */
		msgpack_pack_map(pk, 0);
		break;
	case 1:	/* unknown type */
		msgpack_pack_array(pk, 2);
		msgpack_pack_uint8(pk, 42);
		msgpack_pack_nil(pk);
		break;
	case 2:	/* negative qid */
		msgpack_pack_array(pk, 3);
		msgpack_pack_uint8(pk, RPC_MSG_LOOKUP);
		msgpack_pack_int(pk, -1);
		msgpack_pack_str_with_body(pk, "x", 1);
		break;
	case 3:	/* swissnum as bin, not str */
		msgpack_pack_array(pk, 3);
		msgpack_pack_uint8(pk, RPC_MSG_LOOKUP);
		msgpack_pack_uint8(pk, 1);
		msgpack_pack_bin_with_body(pk, "x", 1);
		break;
	case 4:	/* method name too long */
		msgpack_pack_array(pk, 5);
		msgpack_pack_uint8(pk, RPC_MSG_CALL);
		msgpack_pack_uint8(pk, 1);
		msgpack_pack_uint8(pk, 1);
		msgpack_pack_str(pk, RPC_METHOD_MAX + 1);
		{
			char m[RPC_METHOD_MAX + 1];

			memset(m, 'm', sizeof(m));
			msgpack_pack_str_body(pk, m, sizeof(m));
		}
		msgpack_pack_array(pk, 0);
		break;
	case 5:	/* args not an array */
		msgpack_pack_array(pk, 5);
		msgpack_pack_uint8(pk, RPC_MSG_CALL);
		msgpack_pack_uint8(pk, 1);
		msgpack_pack_uint8(pk, 1);
		msgpack_pack_str_with_body(pk, "m", 1);
		msgpack_pack_map(pk, 0);
		break;
	case 6:	/* answer with qid 0 */
		msgpack_pack_array(pk, 3);
		msgpack_pack_uint8(pk, RPC_MSG_ANSWER);
		msgpack_pack_uint8(pk, 0);
		msgpack_pack_nil(pk);
		break;
	case 7:	/* trailing field */
		msgpack_pack_array(pk, 3);
		msgpack_pack_uint8(pk, RPC_MSG_PING);
		msgpack_pack_uint8(pk, 1);
		msgpack_pack_uint8(pk, 1);
		break;
	case 8:	/* qid over 32 bits */
		msgpack_pack_array(pk, 3);
		msgpack_pack_uint8(pk, RPC_MSG_LOOKUP);
		msgpack_pack_uint64(pk, (uint64_t)UINT32_MAX + 1);
		msgpack_pack_str_with_body(pk, "x", 1);
		break;
	case 9:	/* empty method name */
		msgpack_pack_array(pk, 5);
		msgpack_pack_uint8(pk, RPC_MSG_CALL);
		msgpack_pack_uint8(pk, 1);
		msgpack_pack_uint8(pk, 1);
		msgpack_pack_str_with_body(pk, "", 0);
		msgpack_pack_array(pk, 0);
		break;
	case 10: /* empty DECREF list */
		msgpack_pack_array(pk, 2);
		msgpack_pack_uint8(pk, RPC_MSG_DECREF);
		msgpack_pack_array(pk, 0);
		break;
	}
}
#define N_BAD 11

static void
test_bad_messages_refused(void **state)
{
	buf *b = *state;
	msgpack_unpacked up;
	rpc_msg m;
	int i;

	for (i = 0; i < N_BAD; i++) {
		msgpack_sbuffer_clear(&b->sb);
		pack_bad(&b->pk, i);
		msgpack_unpacked_init(&up);
		if (parse(b, &up, &m) == 0)
			fail_msg("bad message %d accepted", i);
		msgpack_unpacked_destroy(&up);
	}
}

static void
test_prescan_runs_before_unpack(void **state)
{
	msgpack_unpacked up;
	rpc_msg m;
	/* array32 claiming 4 billion elements in 5 bytes. */
	static const uint8_t huge[] = { 0xdd, 0xff, 0xff, 0xff, 0xff };
	uint8_t deep[64];
	static const uint8_t trailing[] = { 0x92, 0x08, 0x01, 0xc0 };
	static const uint8_t truncated[] = { 0x92, 0x08, 0xcd, 0x01 };
	static const uint8_t badext[] = { 0x92, 0x08, 0xd6, 0x07, 0, 0, 0, 1 };

	(void)state;
	memset(deep, 0x91, sizeof(deep));	/* 64 nested fixarrays */
	deep[63] = 0x01;
	msgpack_unpacked_init(&up);
	assert_int_not_equal(rpc_msg_parse(huge, sizeof(huge), &lim, &up, &m),
	    0);
	assert_int_equal(rpc_msg_parse(deep, sizeof(deep), &lim, &up, &m),
	    RPC_E_TOOBIG);
	assert_int_equal(rpc_msg_parse(trailing, sizeof(trailing), &lim, &up,
	    &m), RPC_E_TRAILING);
	assert_int_equal(rpc_msg_parse(badext, sizeof(badext), &lim, &up,
	    &m), RPC_E_FORMAT);
	assert_int_equal(rpc_msg_parse(truncated, sizeof(truncated), &lim,
	    &up, &m), RPC_E_SHORT);
	msgpack_unpacked_destroy(&up);
}

static void
test_pack_records_reference_slots(void **state)
{
	rpc_pack *p = rpc_pack_new();
	rpc_obj *obj = rpc_obj_new(NULL, NULL, NULL), *o;
	rpc_ref *r;
	const uint8_t *d;
	size_t len, off;

	(void)state;
	rpc_pack_array(p, 2);
	rpc_pack_int(p, 7);
	rpc_pack_obj(p, obj);
	rpc_obj_unref(obj);	/* the pack keeps its own reference */
	assert_int_equal(rpc_pack_n_slots(p), 1);
	rpc_pack_slot(p, 0, &off, &o, &r);
	assert_ptr_equal(o, obj);
	assert_null(r);
	assert_int_equal(off, 2);
	d = rpc_pack_data(p, &len);
	assert_int_equal(len, 2 + RPC_PACK_SLOT);
	assert_int_equal(d[off], 0xd6);		/* a fixext 4 placeholder */
	rpc_pack_free(p);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_call_round_trip, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_other_messages_round_trip,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_long_error_text_is_cut_to_limit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_messages_refused,
		    setup, teardown),
		cmocka_unit_test(test_prescan_runs_before_unpack),
		cmocka_unit_test(test_pack_records_reference_slots),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

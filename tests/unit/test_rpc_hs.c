/* tests/unit/test_rpc_hs.c -- the handshake and framing test vectors of
 * doc/protocol.md §7, and the handshake's failure cases. */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include <sodium.h>

#include "rpc/common.h"
#include "rpc/err.h"
#include "rpc/frame.h"
#include "rpc/hs.h"
#include "rpc/ident.h"
#include "rpc/msg.h"

/* Inputs of the vectors (doc/protocol.md §7.1). */
static void
fill(uint8_t *p, size_t n, uint8_t start)
{
	size_t i;

	for (i = 0; i < n; i++)
		p[i] = (uint8_t)(start + i);
}

static void
assert_hex(const char *what, const uint8_t *p, size_t n, const char *want)
{
	char *hex = g_malloc(n * 2 + 1);

	sodium_bin2hex(hex, n * 2 + 1, p, n);
	if (strcmp(hex, want) != 0)
		fail_msg("%s:\n  got  %s\n  want %s", what, hex, want);
	g_free(hex);
}

typedef struct vectors {
	rpc_ident	*server, *client;
	rpc_hs		 hs_c, hs_s;
	uint8_t		 inc_c[RPC_INCARNATION_LEN];
	uint8_t		 inc_s[RPC_INCARNATION_LEN];
	uint8_t		 hello_c[RPC_HS_HELLO_LEN];
	uint8_t		 hello_s[RPC_HS_HELLO_LEN];
} vectors;

static int
setup(void **state)
{
	vectors *v = g_new0(vectors, 1);
	uint8_t seed[32];

	fill(seed, 32, 0x00);
	v->server = rpc_ident_new_from_seed(seed);
	fill(seed, 32, 0x20);
	v->client = rpc_ident_new_from_seed(seed);
	fill(seed, 32, 0x40);
	rpc_hs_init(&v->hs_c, RPC_HS_CLIENT, seed);
	fill(seed, 32, 0x60);
	rpc_hs_init(&v->hs_s, RPC_HS_SERVER, seed);
	fill(v->inc_c, sizeof(v->inc_c), 0xc0);
	fill(v->inc_s, sizeof(v->inc_s), 0xd0);
	rpc_hs_hello(&v->hs_c, v->hello_c);
	rpc_hs_hello(&v->hs_s, v->hello_s);
	*state = v;
	return 0;
}

static int
teardown(void **state)
{
	vectors *v = *state;

	rpc_ident_free(v->server);
	rpc_ident_free(v->client);
	g_free(v);
	return 0;
}

#define V_SERVER_PK	"03a107bff3ce10be1d70dd18e74bc09967e4d6309ba50d5f1ddc8664125531b8"
#define V_SERVER_TUBID	"xgin7zpmbulfuzh7k7gilba4nquhc37otdprfhdpvjl3nz6u6lzq"
#define V_CLIENT_PK	"29acbae141bccaf0b22e1a94d34d0bc7361e526d0bfe12c89794bc9322966dd7"
#define V_HELLO_C	"545542310179a631eede1bf9c98f12032cdeadd0e7a079398fc786b88cc846ec89af85a51a"
#define V_HELLO_S	"5455423101675dd574ed7789310b3d2e7681f3790b466c773b1521fecf36577958371ea52f"
#define V_H	"dd3ab6404dac1d573ef6d74568ea975de1d65224a143d2a63dea283644f2dab4"
#define V_K_C2S	"bc56797148f00221f957a2779abd12fddb132fe8c7dda153e901765f86c9c316"
#define V_K_S2C	"6b2ebdcb812a3a791c1401a3c3cccea5b195746be7f8c05126aafc4e9df8c4d5"
#define V_AUTH_C	"00000080b8fff4c39df9c16742ce3723b3e65b0f8f5f6907b3922a80700361d5e14d27b559e4918f5740cdb9443ad5db6f9e66878efca4fa5edbccba878dc65ef0fc5128baf8ce4bfc49937e372956845f2963d6e354f911471f99366c15f95fde87b5254883eaa3519752b2480d5ad297827575f76c485024f14c76e147d824b7a88fb5"
#define V_AUTH_S	"000000809c503ff9947a797313474f607b56ee0662b8b2978407a47301f8f5377270b89401fad47cddc6636d42cbecf26870213047f1f2e2dc718e372e1868758560050f6ae62fd539c0aeca8d98471875e11ab1139f38db2e67c603487b1baba2e55b761355816be4cadd72428ca63d2326b7e3145b76194bd26b836588264787a24440"
#define V_CALL_PT	"95010101a3616464920203"
#define V_CALL_FRAME	"0000001bca205fc8017368ce699901fef0467f304cc5eb692e956df95378ca"

static void
test_identity_vectors(void **state)
{
	vectors *v = *state;

	assert_hex("server public key", rpc_ident_pk(v->server), 32,
	    V_SERVER_PK);
	assert_string_equal(rpc_ident_tubid(v->server), V_SERVER_TUBID);
	assert_hex("client public key", rpc_ident_pk(v->client), 32,
	    V_CLIENT_PK);
}

static void
test_hello_and_key_vectors(void **state)
{
	vectors *v = *state;

	assert_hex("client HELLO", v->hello_c, sizeof(v->hello_c), V_HELLO_C);
	assert_hex("server HELLO", v->hello_s, sizeof(v->hello_s), V_HELLO_S);
	assert_int_equal(rpc_hs_read_hello(&v->hs_c, v->hello_s,
	    RPC_HS_HELLO_LEN), 0);
	assert_int_equal(rpc_hs_read_hello(&v->hs_s, v->hello_c,
	    RPC_HS_HELLO_LEN), 0);
	assert_hex("transcript hash", v->hs_c.h, 32, V_H);
	assert_memory_equal(v->hs_c.h, v->hs_s.h, 32);
	assert_hex("client-to-server key", v->hs_c.k_send, 32, V_K_C2S);
	assert_hex("server-to-client key", v->hs_c.k_recv, 32, V_K_S2C);
	assert_memory_equal(v->hs_c.k_send, v->hs_s.k_recv, 32);
	assert_memory_equal(v->hs_c.k_recv, v->hs_s.k_send, 32);
}

static void
test_auth_and_call_frame_vectors(void **state)
{
	vectors *v = *state;
	uint8_t auth[RPC_HS_AUTH_LEN], frame[RPC_FRAME_HDR + RPC_HS_AUTH_LEN + RPC_FRAME_TAG];
	uint8_t pk[32], inc[16], out[256];
	rpc_aead tx_c, tx_s, rx_s;
	msgpack_sbuffer sb;
	msgpack_packer mp;

	rpc_hs_read_hello(&v->hs_c, v->hello_s, RPC_HS_HELLO_LEN);
	rpc_hs_read_hello(&v->hs_s, v->hello_c, RPC_HS_HELLO_LEN);
	rpc_aead_init(&tx_c, v->hs_c.k_send);
	rpc_aead_init(&tx_s, v->hs_s.k_send);
	rpc_aead_init(&rx_s, v->hs_s.k_recv);

	rpc_hs_auth(&v->hs_c, v->client, v->inc_c,
	    rpc_ident_tubid_raw(v->server), auth);
	assert_int_equal(rpc_frame_seal(&tx_c, auth, sizeof(auth), frame), 0);
	assert_hex("client AUTH frame", frame, sizeof(frame), V_AUTH_C);
	assert_int_equal(rpc_hs_check_auth(&v->hs_s, auth, sizeof(auth),
	    rpc_ident_tubid_raw(v->server), pk, inc), 0);
	assert_memory_equal(pk, rpc_ident_pk(v->client), 32);
	assert_memory_equal(inc, v->inc_c, 16);

	rpc_hs_auth(&v->hs_s, v->server, v->inc_s, NULL, auth);
	assert_int_equal(rpc_frame_seal(&tx_s, auth, sizeof(auth), frame), 0);
	assert_hex("server AUTH frame", frame, sizeof(frame), V_AUTH_S);
	assert_int_equal(rpc_hs_check_auth(&v->hs_c, auth, sizeof(auth),
	    NULL, pk, inc), 0);
	assert_memory_equal(pk, rpc_ident_pk(v->server), 32);

	/* The first call: [1, 1, 1, "add", [2, 3]], frame counter 1. */
	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&mp, &sb, msgpack_sbuffer_write);
	rpc_msg_pack_call_head(&mp, 1, 1, "add");
	msgpack_pack_array(&mp, 2);
	msgpack_pack_int(&mp, 2);
	msgpack_pack_int(&mp, 3);
	assert_hex("CALL plaintext", (uint8_t *)sb.data, sb.size, V_CALL_PT);
	assert_int_equal(rpc_frame_seal(&tx_c, (uint8_t *)sb.data, sb.size,
	    out), 0);
	assert_hex("CALL frame", out, rpc_frame_size(sb.size), V_CALL_FRAME);
	msgpack_sbuffer_destroy(&sb);
	rpc_aead_clear(&tx_c);
	rpc_aead_clear(&tx_s);
	rpc_aead_clear(&rx_s);
}

static void
test_hello_rejects_bad_magic_version_and_length(void **state)
{
	vectors *v = *state;
	uint8_t bad[RPC_HS_HELLO_LEN];

	memcpy(bad, v->hello_s, sizeof(bad));
	bad[0] = 'X';
	assert_int_equal(rpc_hs_read_hello(&v->hs_c, bad, sizeof(bad)),
	    RPC_E_FORMAT);
	memcpy(bad, v->hello_s, sizeof(bad));
	bad[4] = 2;
	assert_int_equal(rpc_hs_read_hello(&v->hs_c, bad, sizeof(bad)),
	    RPC_E_CRYPTO);
	assert_int_equal(rpc_hs_read_hello(&v->hs_c, v->hello_s,
	    RPC_HS_HELLO_LEN - 1), RPC_E_FORMAT);
}

static void
test_hello_rejects_small_order_key(void **state)
{
	vectors *v = *state;
	uint8_t bad[RPC_HS_HELLO_LEN];

	memcpy(bad, v->hello_s, sizeof(bad));
	memset(bad + 5, 0, 32);		/* the identity point */
	assert_int_equal(rpc_hs_read_hello(&v->hs_c, bad, sizeof(bad)),
	    RPC_E_CRYPTO);
}

static void
test_auth_rejects_tampering_and_wrong_target(void **state)
{
	vectors *v = *state;
	uint8_t auth[RPC_HS_AUTH_LEN], pk[32], inc[16];
	g_autoptr(rpc_ident) other = rpc_ident_new();

	rpc_hs_read_hello(&v->hs_c, v->hello_s, RPC_HS_HELLO_LEN);
	rpc_hs_read_hello(&v->hs_s, v->hello_c, RPC_HS_HELLO_LEN);
	rpc_hs_auth(&v->hs_c, v->client, v->inc_c,
	    rpc_ident_tubid_raw(v->server), auth);
	/* Meant for another server: refused. */
	assert_int_equal(rpc_hs_check_auth(&v->hs_s, auth, sizeof(auth),
	    rpc_ident_tubid_raw(other), pk, inc), RPC_E_CRYPTO);
	/* A changed key or signature fails.  (The incarnation is covered
	 * by the AUTH frame's tag, not by the signature.) */
	auth[0] ^= 1;
	assert_int_equal(rpc_hs_check_auth(&v->hs_s, auth, sizeof(auth),
	    rpc_ident_tubid_raw(v->server), pk, inc), RPC_E_CRYPTO);
	auth[0] ^= 1;
	auth[RPC_HS_AUTH_LEN - 1] ^= 0x80;
	assert_int_equal(rpc_hs_check_auth(&v->hs_s, auth, sizeof(auth),
	    rpc_ident_tubid_raw(v->server), pk, inc), RPC_E_CRYPTO);
	/* A client signature is not a server signature. */
	auth[RPC_HS_AUTH_LEN - 1] ^= 0x80;
	assert_int_equal(rpc_hs_check_auth(&v->hs_c, auth, sizeof(auth),
	    NULL, pk, inc), RPC_E_CRYPTO);
	assert_int_equal(rpc_hs_check_auth(&v->hs_s, auth, sizeof(auth) - 1,
	    rpc_ident_tubid_raw(v->server), pk, inc), RPC_E_FORMAT);
}

/* A HELLO cut at any byte, or one byte too long, is not a handshake. */
static void
test_hello_each_truncation_and_one_extra_byte(void **state)
{
	vectors *v = *state;
	uint8_t longer[RPC_HS_HELLO_LEN + 1];
	size_t n;

	for (n = 0; n < RPC_HS_HELLO_LEN; n++)
		assert_int_equal(rpc_hs_read_hello(&v->hs_c, v->hello_s, n),
		    RPC_E_FORMAT);
	memcpy(longer, v->hello_s, RPC_HS_HELLO_LEN);
	longer[RPC_HS_HELLO_LEN] = 0;
	assert_int_equal(rpc_hs_read_hello(&v->hs_c, longer, sizeof(longer)),
	    RPC_E_FORMAT);
}

/* An AUTH of any length but 112 is refused before its signature is
 * looked at, and stores nothing. */
static void
test_auth_each_truncation_and_one_extra_byte(void **state)
{
	vectors *v = *state;
	uint8_t auth[RPC_HS_AUTH_LEN + 1], pk[32], inc[16];
	size_t n;

	rpc_hs_read_hello(&v->hs_c, v->hello_s, RPC_HS_HELLO_LEN);
	rpc_hs_read_hello(&v->hs_s, v->hello_c, RPC_HS_HELLO_LEN);
	rpc_hs_auth(&v->hs_c, v->client, v->inc_c,
	    rpc_ident_tubid_raw(v->server), auth);
	auth[RPC_HS_AUTH_LEN] = 0;
	for (n = 0; n <= RPC_HS_AUTH_LEN + 1; n++) {
		if (n == RPC_HS_AUTH_LEN)
			continue;
		memset(pk, 0xee, sizeof(pk));
		assert_int_equal(rpc_hs_check_auth(&v->hs_s, auth, n,
		    rpc_ident_tubid_raw(v->server), pk, inc), RPC_E_FORMAT);
		assert_int_equal(pk[0], 0xee);
	}
	assert_int_equal(rpc_hs_check_auth(&v->hs_s, auth, RPC_HS_AUTH_LEN,
	    rpc_ident_tubid_raw(v->server), pk, inc), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_identity_vectors, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_hello_and_key_vectors,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_auth_and_call_frame_vectors, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_hello_rejects_bad_magic_version_and_length, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    test_hello_each_truncation_and_one_extra_byte, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    test_auth_each_truncation_and_one_extra_byte, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    test_hello_rejects_small_order_key, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_auth_rejects_tampering_and_wrong_target, setup,
		    teardown),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}

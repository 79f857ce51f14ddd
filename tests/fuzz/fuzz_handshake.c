/* tests/fuzz/fuzz_handshake.c -- libFuzzer target: what a peer sends
 * before it is authenticated: a HELLO, then a frame that should hold AUTH.
 * The server side's ephemeral key is fixed so that inputs replay. */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <sodium.h>

#include "rpc/frame.h"
#include "rpc/hs.h"
#include "rpc/ident.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Frames larger than this are refused before authentication (conn.c). */
#define HS_FRAME_MAX 256

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static rpc_ident *me;
	uint8_t seed[32];
	uint8_t pt[HS_FRAME_MAX], pk[32], inc[16];
	rpc_aead rx = { 0 };
	rpc_hs hs;
	size_t ct;

	size_t i;

	/* The keys of the test vectors (doc/protocol.md §7), so that the
	 * vector's client HELLO and AUTH reach the signature check. */
	if (me == NULL) {
		if (sodium_init() < 0)
			return 0;
		for (i = 0; i < 32; i++)
			seed[i] = (uint8_t)i;
		me = rpc_ident_new_from_seed(seed);
	}
	for (i = 0; i < 32; i++)
		seed[i] = (uint8_t)(0x60 + i);
	rpc_hs_init(&hs, RPC_HS_SERVER, seed);
	if (size < RPC_HS_HELLO_LEN ||
	    rpc_hs_read_hello(&hs, data, RPC_HS_HELLO_LEN) != 0)
		goto out;
	data += RPC_HS_HELLO_LEN;
	size -= RPC_HS_HELLO_LEN;
	rpc_aead_init(&rx, hs.k_recv);
	if (rpc_frame_peek(data, size, HS_FRAME_MAX, &ct) != 0 ||
	    size < RPC_FRAME_HDR + ct)
		goto out;
	if (rpc_frame_open(&rx, data, ct, pt) == 0)
		(void)rpc_hs_check_auth(&hs, pt, ct - RPC_FRAME_TAG,
		    rpc_ident_tubid_raw(me), pk, inc);
	/* Also the AUTH parser on unauthenticated bytes. */
	(void)rpc_hs_check_auth(&hs, data, size, rpc_ident_tubid_raw(me), pk,
	    inc);
out:
	rpc_aead_clear(&rx);
	rpc_hs_clear(&hs);
	return 0;
}

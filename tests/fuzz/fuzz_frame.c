/* tests/fuzz/fuzz_frame.c -- libFuzzer target: a frame header and a
 * frame's plaintext as a peer could send them, through the same checks
 * conn.c applies (length limit, pre-scan, unpack, message decode).  And
 * one invariant: any plaintext sealed into a frame opens to the same
 * bytes, and a frame with a byte flipped does not open. */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rpc/frame.h"
#include "rpc/msg.h"
#include "rpc/pack.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const rpc_prescan_limits lim = {
		RPC_PRESCAN_DEPTH, RPC_PRESCAN_ELEMS, RPC_PRESCAN_EXT,
		1u << RPC_EXT_MYREF,
	};
	msgpack_unpacked up;
	rpc_msg m;
	size_t ct;

	(void)rpc_frame_peek(data, size, RPC_MAX_FRAME, &ct);
	if (size <= 65536) {
		static const uint8_t key[32] = { 7 };
		uint8_t *frame = malloc(rpc_frame_size(size));
		uint8_t *pt = malloc(size + 1);
		rpc_aead tx, rx;

		rpc_aead_init(&tx, key);
		rpc_aead_init(&rx, key);
		if (rpc_frame_seal(&tx, data, size, frame) != 0 ||
		    rpc_frame_peek(frame, rpc_frame_size(size), RPC_MAX_FRAME,
		    &ct) != 0 || ct != size + RPC_FRAME_TAG ||
		    rpc_frame_open(&rx, frame, ct, pt) != 0 ||
		    (size > 0 && memcmp(pt, data, size) != 0))
			abort();
		/* The same frame again is a replay: the counter moved on. */
		if (rpc_frame_open(&rx, frame, ct, pt) == 0)
			abort();
		rpc_aead_clear(&rx);
		rpc_aead_init(&rx, key);
		frame[RPC_FRAME_HDR + size / 2] ^= 0x01;
		if (rpc_frame_open(&rx, frame, ct, pt) == 0)
			abort();
		rpc_aead_clear(&tx);
		rpc_aead_clear(&rx);
		free(frame);
		free(pt);
	}
	msgpack_unpacked_init(&up);
	if (rpc_msg_parse(data, size, &lim, &up, &m) == 0 &&
	    (m.type == RPC_MSG_CALL || m.type == RPC_MSG_DECREF)) {
		/* Walk the list the way handlers do. */
		while (rpc_mp_left(&m.list) > 0) {
			rpc_mp sub;
			uint64_t a, b;

			if (rpc_mp_sub(&m.list, &sub, 2, 2) == 0) {
				(void)rpc_mp_uint(&sub, UINT32_MAX, &a);
				(void)rpc_mp_uint(&sub, UINT64_MAX, &b);
			} else if (rpc_mp_skip(&m.list) != 0) {
				break;
			}
		}
	}
	msgpack_unpacked_destroy(&up);
	return 0;
}

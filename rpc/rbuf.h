/* rpc/rbuf.h -- a checked reader over borrowed bytes (handshake messages,
 * frame headers, reference payloads, the msgpack prescan), and the one
 * pair of big-endian integer helpers the library uses.
 *
 * Every read checks the length first; a failed read leaves the cursor
 * unchanged (the sshbuf order: check, read, advance), so reads chain:
 *
 *	if ((r = rpc_rbuf_get_u32be(&b, &id)) != 0 ||
 *	    (r = rpc_rbuf_get_view(&b, 32, &key)) != 0 ||
 *	    (r = rpc_rbuf_end(&b)) != 0)
 *		return r;
 *
 * Out-parameters are cleared on entry, so a failed chain never leaves a
 * stale value behind. */
#ifndef RPC_RBUF_H
#define RPC_RBUF_H

#include <stddef.h>
#include <stdint.h>

typedef struct rpc_rbuf {
	const uint8_t	*p;	/* borrowed */
	size_t		 len;	/* bytes remaining */
} rpc_rbuf;

/* Big-endian integers at 'p' (which must hold 4 or 8 bytes): the only
 * place the library spells out the byte order.  Readers of untrusted
 * bytes use the rpc_rbuf getters below, which check the length first. */
static inline uint32_t
rpc_peek_u32be(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

static inline uint64_t
rpc_peek_u64be(const uint8_t *p)
{
	return (uint64_t)rpc_peek_u32be(p) << 32 | rpc_peek_u32be(p + 4);
}

static inline void
rpc_poke_u32be(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static inline void
rpc_poke_u64be(uint8_t *p, uint64_t v)
{
	rpc_poke_u32be(p, (uint32_t)(v >> 32));
	rpc_poke_u32be(p + 4, (uint32_t)v);
}

void rpc_rbuf_init(rpc_rbuf *b, const uint8_t *p, size_t len);
/* Bytes not yet read. */
size_t rpc_rbuf_left(const rpc_rbuf *b);
/* Each returns 0 or RPC_E_SHORT; on RPC_E_SHORT *v is 0. */
int rpc_rbuf_get_u8(rpc_rbuf *b, uint8_t *v);
int rpc_rbuf_get_u16be(rpc_rbuf *b, uint16_t *v);
int rpc_rbuf_get_u32be(rpc_rbuf *b, uint32_t *v);
int rpc_rbuf_get_u64be(rpc_rbuf *b, uint64_t *v);
/* Read an unsigned big-endian integer of 'n' bytes (1, 2, 4 or 8; any
 * other n is RPC_E_FORMAT) into *v: the length-prefix reader of formats
 * whose prefix width depends on a tag byte (msgpack). */
int rpc_rbuf_get_uint(rpc_rbuf *b, size_t n, uint64_t *v);
/* Copy 'n' bytes into 'out' (untouched on failure). */
int rpc_rbuf_get_bytes(rpc_rbuf *b, void *out, size_t n);
/* Point *v at the next 'n' bytes (borrowed from the buffer); NULL on
 * failure. */
int rpc_rbuf_get_view(rpc_rbuf *b, size_t n, const uint8_t **v);
/* Point *v at everything left (borrowed; non-NULL even when nothing is
 * left) and store its length in *n; the buffer is then empty.  Never
 * fails. */
int rpc_rbuf_get_rest(rpc_rbuf *b, const uint8_t **v, size_t *n);
/* Step over 'n' bytes; RPC_E_SHORT (nothing consumed) if fewer remain.
 * 'n' may be any 64-bit length a peer declared. */
int rpc_rbuf_skip(rpc_rbuf *b, uint64_t n);
/* Consume 'n' bytes that must equal 'expect'; RPC_E_SHORT if fewer remain,
 * RPC_E_FORMAT (nothing consumed) if they differ.  Not constant-time: never
 * use it to compare secrets. */
int rpc_rbuf_expect(rpc_rbuf *b, const void *expect, size_t n);
/* Return 0 if nothing is left, else RPC_E_TRAILING. */
int rpc_rbuf_end(const rpc_rbuf *b);

#endif

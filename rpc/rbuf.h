/* rpc/rbuf.h -- a checked reader over borrowed bytes (handshake messages,
 * headers).  Every read checks the length first; a failed read leaves the
 * cursor unchanged (the sshbuf order: check, read, advance). */
#ifndef RPC_RBUF_H
#define RPC_RBUF_H

#include <stddef.h>
#include <stdint.h>

typedef struct rpc_rbuf {
	const uint8_t	*p;	/* borrowed */
	size_t		 len;	/* bytes remaining */
} rpc_rbuf;

void rpc_rbuf_init(rpc_rbuf *b, const uint8_t *p, size_t len);
/* Each returns 0 or RPC_E_SHORT; on RPC_E_SHORT *v is 0. */
int rpc_rbuf_get_u8(rpc_rbuf *b, uint8_t *v);
int rpc_rbuf_get_u16be(rpc_rbuf *b, uint16_t *v);
int rpc_rbuf_get_u32be(rpc_rbuf *b, uint32_t *v);
int rpc_rbuf_get_u64be(rpc_rbuf *b, uint64_t *v);
/* Copy 'n' bytes into 'out' (untouched on failure). */
int rpc_rbuf_get_bytes(rpc_rbuf *b, void *out, size_t n);
/* Point *v at the next 'n' bytes (borrowed from the buffer); NULL on
 * failure. */
int rpc_rbuf_get_view(rpc_rbuf *b, size_t n, const uint8_t **v);
/* Consume 'n' bytes that must equal 'expect'; RPC_E_SHORT if fewer remain,
 * RPC_E_FORMAT (nothing consumed) if they differ.  Not constant-time: never
 * use it to compare secrets. */
int rpc_rbuf_expect(rpc_rbuf *b, const void *expect, size_t n);
/* Return 0 if nothing is left, else RPC_E_TRAILING. */
int rpc_rbuf_end(const rpc_rbuf *b);

#endif

/* rpc/limits.h -- limits a tub applies against misbehaving peers.  See
 * doc/protocol.md §8. */
#ifndef RPC_LIMITS_H
#define RPC_LIMITS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Limits against misbehaving peers.  rpc_limits_init() fills in the
 * defaults named after each field. */
typedef struct rpc_limits {
	size_t		max_frame;	/* plaintext bytes per frame: 4 MiB */
	uint32_t	max_depth;	/* msgpack nesting: 16 */
	uint32_t	max_elems;	/* msgpack elements per message
					 * (doc/protocol.md §8): 65536 */
	uint32_t	max_inflight;	/* inbound calls being handled per
					 * connection before reading pauses:
					 * 256 */
	uint32_t	max_outstanding; /* outbound calls awaiting answers
					 * per connection: 4096 */
	uint32_t	max_unauth;	/* connections still in handshake per
					 * listener (the oldest is closed to
					 * admit a new one): 64 */
	uint32_t	max_unauth_per_addr; /* of those, from one IP address
					 * (a new one beyond is refused): 8 */
	double		handshake_timeout; /* seconds: 30 */
	uint32_t	max_conns;	/* authenticated connections per tub;
					 * one more is closed once open:
					 * 1000 */
	double		accept_retry;	/* seconds a listener waits after
					 * accept() ran out of descriptors:
					 * 1 */
	double		hello_timeout;	/* seconds an inbound peer has to send
					 * its HELLO: 5 (at most
					 * handshake_timeout) */
	uint32_t	max_exports;	/* objects exported per connection:
					 * 10000 */
	uint32_t	max_imports;	/* remote references per connection:
					 * 10000 */
	size_t		max_outbuf;	/* queued output bytes per connection,
					 * answers included: reading pauses at
					 * half, new calls fail "overloaded"
					 * and anything else closes the
					 * connection: 64 MiB */
	double		write_timeout;	/* seconds queued output may wait with
					 * nothing written before the
					 * connection closes: 60; 0 never */
	uint32_t	max_gifts;	/* gifts given per connection and not
					 * yet redeemed: 1024 */
	bool		accept_gifts;	/* redeem and give third-party
					 * references: true (node tubs turn
					 * it off: no grid service needs
					 * gifts) */
	uint32_t	max_gift_dials;	/* gifts being redeemed at once per
					 * connection (each may dial): 8 */
	uint32_t	max_tub_gift_dials; /* the same for the whole tub:
					 * 64 */
	double		keepalive;	/* seconds without input before a
					 * PING: 240 (Foolscap's); 0 never */
	double		disconnect_timeout; /* seconds without input before
					 * the peer is declared gone: 0 never
					 * (Foolscap's default) */
} rpc_limits;

void rpc_limits_init(rpc_limits *lim);

#endif

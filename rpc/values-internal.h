/* rpc/values-internal.h -- references inside values (doc/protocol.md
 * §5.1): writing the references a pack holds, and turning those in a
 * received message into live ones before the message is dispatched,
 * holding back a message whose gifts are being redeemed (and every
 * message behind it).  Only rpc/ and its unit tests include this file. */
#ifndef RPC_VALUES_INTERNAL_H
#define RPC_VALUES_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include <glib.h>
#include <msgpack.h>

#include "rpc/conn-internal.h"
#include "rpc/msg.h"
#include "rpc/pack.h"

struct held;

/* Where a message goes once its references are live: 'dispatch' with the
 * message and the context that resolves its references (borrowed, valid
 * during the dispatch only), or 'failed' when a reference could not be
 * resolved (a gift that failed is RPC_E_REMOTE; anything else breaks the
 * protocol). */
typedef struct rpci_values_sink {
	void	(*dispatch)(rpc_conn *c, rpc_msg *m, const rpc_refctx *refs);
	void	(*failed)(rpc_conn *c, rpc_msg *m, const GError *err);
} rpci_values_sink;

/* Append the value built in 'p' to the message being built on 'c',
 * writing each reference it holds as a my-ref, your-ref or their-ref.
 * FALSE with 'err' set (RPC_E_TOOBIG: "overloaded") if a table is full or
 * a reference cannot be passed on. */
bool rpci_values_render(rpc_conn *c, rpc_pack *p, GError **err);
/* Pack one reference ext value of 'type' (RPC_EXT_*) naming 'id', with the
 * object's FURL 'furl' (secret; NULL for none) after it: the one encoder of
 * doc/protocol.md §5.1's payload. */
void rpci_values_pack_ref(msgpack_packer *pk, int8_t type, uint32_t id,
    const char *furl);
/* Whether 'v' holds a their-ref (a gift to redeem before delivery). */
bool rpci_values_has_gifts(const msgpack_object *v);
/* Queue the message 'pt' (copied) behind those already held, redeeming
 * its gifts; it goes to 'sink' (static) in order, once they resolve. */
void rpci_values_hold(rpc_conn *c, const uint8_t *pt, size_t len,
    const rpci_values_sink *sink);
/* Forget the held messages (the connection closed). */
void rpci_values_drop_held(rpc_conn *c);
/* Resolve the references in 'm' (parsed into 'up'; gifts from 'h', NULL
 * if it had none) and hand it to 'sink'. */
void rpci_values_deliver(rpc_conn *c, rpc_msg *m, msgpack_unpacked *up,
    struct held *h, const rpci_values_sink *sink);

#endif

/* rpc/pack.h -- building msgpack values to send: call arguments and
 * results.  A pack is a growing buffer plus the local objects it mentions,
 * whose connection-local ids are filled in when the value is sent. */
#ifndef RPC_PACK_H
#define RPC_PACK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <glib.h>
#include <msgpack.h>

#include "rpc/msg.h"		/* RPC_EXT_*, for users of packs */

typedef struct rpc_obj rpc_obj;
typedef struct rpc_ref rpc_ref;
typedef struct rpc_pack rpc_pack;

/* Bytes a reference takes in a pack until the connection that sends it
 * writes its real encoding. */
#define RPC_PACK_SLOT	6

rpc_pack *rpc_pack_new(void);				/* caller owns */
void rpc_pack_free(rpc_pack *p);			/* NULL is a no-op */
G_DEFINE_AUTOPTR_CLEANUP_FUNC(rpc_pack, rpc_pack_free)

/* The underlying packer, for msgpack_pack_* calls (borrowed from p). */
msgpack_packer *rpc_pack_mp(rpc_pack *p);

void rpc_pack_array(rpc_pack *p, uint32_t n);
void rpc_pack_map(rpc_pack *p, uint32_t n);
void rpc_pack_uint(rpc_pack *p, uint64_t v);
void rpc_pack_int(rpc_pack *p, int64_t v);
void rpc_pack_bool(rpc_pack *p, bool v);
void rpc_pack_nil(rpc_pack *p);
void rpc_pack_str(rpc_pack *p, const char *s);		/* NUL-terminated */
void rpc_pack_strn(rpc_pack *p, const char *s, size_t n);
void rpc_pack_bin(rpc_pack *p, const void *data, size_t n);
/* Append 'n' bytes that already hold exactly one msgpack value. */
void rpc_pack_raw(rpc_pack *p, const void *data, size_t n);
/* A reference to local object 'obj' (keeps a reference to obj until the
 * pack is freed); the receiver gets a live remote reference. */
void rpc_pack_obj(rpc_pack *p, rpc_obj *obj);
/* A reference to the remote object 'ref' (kept until the pack is freed).
 * Sent to the tub that exports it, it arrives as that tub's own object;
 * sent to any other tub, as a gift that tub redeems by connecting to the
 * exporter. */
void rpc_pack_ref(rpc_pack *p, rpc_ref *ref);

/* The bytes packed so far (borrowed; valid until the next append). */
const uint8_t *rpc_pack_data(const rpc_pack *p, size_t *len);

/* Reference slots, in order, for the connection that sends the pack: slot
 * 'i' occupies RPC_PACK_SLOT bytes at *offset and holds either a local
 * object (*obj) or a remote reference (*ref); both borrowed. */
size_t rpc_pack_n_slots(const rpc_pack *p);
void rpc_pack_slot(const rpc_pack *p, size_t i, size_t *offset,
    rpc_obj **obj, rpc_ref **ref);

#endif

/* rpc/msg.h -- the messages inside frames.  See doc/protocol.md §5.
 *
 * Each frame's plaintext is one msgpack array whose first item is the
 * message type:
 *   [1, qid, target, method, args]   CALL (qid 0: one-way, no answer)
 *   [2, qid, value]                  ANSWER
 *   [3, qid, type, message]          ERROR
 *   [4, qid, swissnum]               LOOKUP (answered by ANSWER my-ref)
 *   [5, [[id, count], ...]]          DECREF
 *   [6, gift_id, count]              DECGIFT
 *   [8, n] / [9, n]                  PING / PONG
 *   [10, reason]                     ABORT (the sender then closes) */
#ifndef RPC_MSG_H
#define RPC_MSG_H

#include <stddef.h>
#include <stdint.h>

#include <msgpack.h>

#include "rpc/mpread.h"

typedef enum {
	RPC_MSG_CALL = 1,
	RPC_MSG_ANSWER = 2,
	RPC_MSG_ERROR = 3,
	RPC_MSG_LOOKUP = 4,
	RPC_MSG_DECREF = 5,
	RPC_MSG_DECGIFT = 6,
	RPC_MSG_PING = 8,
	RPC_MSG_PONG = 9,
	RPC_MSG_ABORT = 10,
} rpc_msg_type;

/* Ext types of references (doc/protocol.md §5.1). */
#define RPC_EXT_MYREF	1	/* an object the sender exports */
#define RPC_EXT_YOURREF	2	/* an object the receiver exports */
#define RPC_EXT_THEIRREF 3	/* an object a third tub exports (a gift) */

#define RPC_METHOD_MAX		64	/* bytes of a method name */
#define RPC_ERRTYPE_MAX		128	/* bytes of an error type */
#define RPC_ERRMSG_MAX		4096	/* bytes of an error message */
#define RPC_REASON_MAX		256	/* bytes of an abort reason */
#define RPC_ARGS_MAX		256	/* positional arguments of a call */
#define RPC_DECREF_MAX		4096	/* pairs in one DECREF */

/* The ABORT reason that closes the loser of two connections between the
 * same pair of tubs (doc/protocol.md §3.4). */
#define RPC_ABORT_DUPLICATE	"duplicate connection"

/* A decoded message; every pointer borrows from the unpacked frame. */
typedef struct rpc_msg {
	rpc_msg_type		 type;
	uint64_t		 qid;		/* CALL ANSWER ERROR LOOKUP;
						 * DECGIFT gift id */
	uint64_t		 target;	/* CALL: export id */
	uint64_t		 n;		/* PING PONG; DECGIFT count */
	const char		*s1;		/* method, error type, swissnum,
						 * abort reason */
	size_t			 s1_len;
	const char		*s2;		/* error message */
	size_t			 s2_len;
	rpc_mp			 list;		/* CALL args, DECREF pairs */
	const msgpack_object	*value;		/* ANSWER */
} rpc_msg;

/* Decode the unpacked frame 'o' into 'm'.  Return 0, RPC_E_FORMAT for a
 * wrong shape, type or an unknown message type, RPC_E_TOOBIG for a string
 * or list over its limit above. */
int rpc_msg_decode(const msgpack_object *o, rpc_msg *m);

/* Check 'pt' (a frame's plaintext) with rpc_mp_prescan() under 'lim', then
 * unpack it into 'up' (caller initialised it with msgpack_unpacked_init and
 * destroys it) and decode it into 'm'.  Return 0 or an RPC_E_* code. */
int rpc_msg_parse(const uint8_t *pt, size_t len,
    const rpc_prescan_limits *lim, msgpack_unpacked *up, rpc_msg *m);

/* Encoders: each writes one whole message, except the *_head ones, which
 * write the array header and leading fields; the caller appends the last
 * field (CALL args, ANSWER value). */
void rpc_msg_pack_call_head(msgpack_packer *pk, uint64_t qid,
    uint64_t target, const char *method);
void rpc_msg_pack_answer_head(msgpack_packer *pk, uint64_t qid);
void rpc_msg_pack_error(msgpack_packer *pk, uint64_t qid, const char *type,
    const char *msg);
void rpc_msg_pack_lookup(msgpack_packer *pk, uint64_t qid,
    const char *swissnum);
void rpc_msg_pack_ping(msgpack_packer *pk, rpc_msg_type t, uint64_t n);
void rpc_msg_pack_abort(msgpack_packer *pk, const char *reason);

#endif

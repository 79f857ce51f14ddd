/* rpc/msg.c -- encode and decode the tub/1 messages.  Decoding checks
 * shape, types and limits only; what ids and names mean is conn.c's job. */
#include "config.h"

#include <string.h>

#include "rpc/err.h"
#include "rpc/msg.h"
#include "rpc/furl.h"

/* Largest message id or object id on the wire. */
#define ID_MAX	UINT32_MAX

static int
decode_body(rpc_mp *it, rpc_msg *m)
{
	int r;

	switch (m->type) {
	case RPC_MSG_CALL:
		if ((r = rpc_mp_uint(it, ID_MAX, &m->qid)) != 0 ||
		    (r = rpc_mp_uint(it, ID_MAX, &m->target)) != 0 ||
		    (r = rpc_mp_str(it, RPC_METHOD_MAX, &m->s1,
		    &m->s1_len)) != 0 ||
		    (r = rpc_mp_sub(it, &m->list, 0, RPC_ARGS_MAX)) != 0)
			return r;
		if (m->s1_len == 0)
			return RPC_E_FORMAT;
		return 0;
	case RPC_MSG_ANSWER:
		if ((r = rpc_mp_uint(it, ID_MAX, &m->qid)) != 0 ||
		    (r = rpc_mp_any(it, &m->value)) != 0)
			return r;
		return m->qid == 0 ? RPC_E_FORMAT : 0;
	case RPC_MSG_ERROR:
		if ((r = rpc_mp_uint(it, ID_MAX, &m->qid)) != 0 ||
		    (r = rpc_mp_str(it, RPC_ERRTYPE_MAX, &m->s1,
		    &m->s1_len)) != 0 ||
		    (r = rpc_mp_str(it, RPC_ERRMSG_MAX, &m->s2,
		    &m->s2_len)) != 0)
			return r;
		return m->qid == 0 ? RPC_E_FORMAT : 0;
	case RPC_MSG_LOOKUP:
		if ((r = rpc_mp_uint(it, ID_MAX, &m->qid)) != 0 ||
		    (r = rpc_mp_str(it, RPC_SWISSNUM_MAX, &m->s1,
		    &m->s1_len)) != 0)
			return r;
		return m->qid == 0 ? RPC_E_FORMAT : 0;
	case RPC_MSG_DECREF:
		return rpc_mp_sub(it, &m->list, 1, RPC_DECREF_MAX);
	case RPC_MSG_DECGIFT:
		if ((r = rpc_mp_uint(it, ID_MAX, &m->qid)) != 0 ||
		    (r = rpc_mp_uint(it, ID_MAX, &m->n)) != 0)
			return r;
		return m->qid == 0 ? RPC_E_FORMAT : 0;
	case RPC_MSG_PING:
	case RPC_MSG_PONG:
		return rpc_mp_uint(it, UINT64_MAX, &m->n);
	case RPC_MSG_ABORT:
		return rpc_mp_str(it, RPC_REASON_MAX, &m->s1, &m->s1_len);
	}
	return RPC_E_FORMAT;
}

int
rpc_msg_decode(const msgpack_object *o, rpc_msg *m)
{
	rpc_mp it;
	uint64_t t;
	int r;

	memset(m, 0, sizeof(*m));
	if ((r = rpc_mp_open(&it, o, 2, 5)) != 0 ||
	    (r = rpc_mp_uint(&it, 255, &t)) != 0)
		return r;
	m->type = (rpc_msg_type)t;
	if ((r = decode_body(&it, m)) != 0)
		return r;
	return rpc_mp_end(&it);
}

int
rpc_msg_parse(const uint8_t *pt, size_t len, const rpc_prescan_limits *lim,
    msgpack_unpacked *up, rpc_msg *m)
{
	size_t off = 0;
	int r;

	if ((r = rpc_mp_prescan(pt, len, lim)) != 0)
		return r;
	switch (msgpack_unpack_next(up, (const char *)pt, len, &off)) {
	case MSGPACK_UNPACK_SUCCESS:
		break;
	case MSGPACK_UNPACK_CONTINUE:
		return RPC_E_SHORT;
	default:
		/* Includes NOMEM, which deep nesting also produces. */
		return RPC_E_FORMAT;
	}
	if (off != len)
		return RPC_E_TRAILING;
	return rpc_msg_decode(&up->data, m);
}

void
rpc_msg_pack_call_head(msgpack_packer *pk, uint64_t qid, uint64_t target,
    const char *method)
{
	size_t n = strlen(method);

	msgpack_pack_array(pk, 5);
	msgpack_pack_uint8(pk, RPC_MSG_CALL);
	msgpack_pack_uint64(pk, qid);
	msgpack_pack_uint64(pk, target);
	msgpack_pack_str(pk, n);
	msgpack_pack_str_body(pk, method, n);
}

void
rpc_msg_pack_answer_head(msgpack_packer *pk, uint64_t qid)
{
	msgpack_pack_array(pk, 3);
	msgpack_pack_uint8(pk, RPC_MSG_ANSWER);
	msgpack_pack_uint64(pk, qid);
}

static void
pack_str_capped(msgpack_packer *pk, const char *s, size_t max)
{
	size_t n = strlen(s);

	if (n > max) {
		/* Cut at a character boundary so the text stays UTF-8. */
		const char *end = g_utf8_find_prev_char(s, s + max + 1);

		n = end != NULL ? (size_t)(end - s) : 0;
	}
	msgpack_pack_str(pk, n);
	msgpack_pack_str_body(pk, s, n);
}

void
rpc_msg_pack_error(msgpack_packer *pk, uint64_t qid, const char *type,
    const char *msg)
{
	msgpack_pack_array(pk, 4);
	msgpack_pack_uint8(pk, RPC_MSG_ERROR);
	msgpack_pack_uint64(pk, qid);
	pack_str_capped(pk, type, RPC_ERRTYPE_MAX);
	pack_str_capped(pk, msg, RPC_ERRMSG_MAX);
}

void
rpc_msg_pack_lookup(msgpack_packer *pk, uint64_t qid, const char *swissnum)
{
	size_t n = strlen(swissnum);

	msgpack_pack_array(pk, 3);
	msgpack_pack_uint8(pk, RPC_MSG_LOOKUP);
	msgpack_pack_uint64(pk, qid);
	msgpack_pack_str(pk, n);
	msgpack_pack_str_body(pk, swissnum, n);
}

void
rpc_msg_pack_ping(msgpack_packer *pk, rpc_msg_type t, uint64_t n)
{
	msgpack_pack_array(pk, 2);
	msgpack_pack_uint8(pk, (uint8_t)t);
	msgpack_pack_uint64(pk, n);
}

void
rpc_msg_pack_abort(msgpack_packer *pk, const char *reason)
{
	msgpack_pack_array(pk, 2);
	msgpack_pack_uint8(pk, RPC_MSG_ABORT);
	pack_str_capped(pk, reason, RPC_REASON_MAX);
}

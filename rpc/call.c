/* rpc/call.c -- calls and answers on a connection: outgoing calls and
 * lookups with the table of those waiting for answers, incoming calls
 * (method lookup, schema check, the handler, its answer), dispatch of
 * every message that arrives, and what a closed connection does to the
 * calls that waited on it.
 *
 * The bytes are conn.c's, the per-connection tables sess.c's, the
 * references inside values values.c's; which connection a lookup goes to
 * is the tub's.  Every message arrives here already checked by
 * rpc_msg_parse() (prescan, then shape and types, doc/protocol.md §5). */
#include "config.h"

#include <stdarg.h>
#include <string.h>

#include <sodium.h>

#include "rpc/call-internal.h"
#include "rpc/common.h"
#include "rpc/conn.h"
#include "rpc/err.h"
#include "rpc/msg.h"
#include "rpc/obj.h"
#include "rpc/pack.h"
#include "rpc/schema.h"
#include "rpc/sess-internal.h"
#include "rpc/values-internal.h"

struct rpc_call {
	rpc_conn	*conn;		/* owned reference */
	uint64_t	 qid;
	rpc_answer_fn	*fn;
	void		*arg;
	rpci_lookup_fn	*lookup_fn;	/* set for a LOOKUP */
	void		*lookup_arg;
	const rpc_furl	*lookup_furl;	/* borrowed until lookup_fn runs */
	GError		*error;		/* outcome, when deferred */
};

struct rpc_incall {
	rpc_conn	*conn;		/* owned reference */
	const rpc_method *method;
	uint64_t	 qid;		/* 0: one-way */
	char		 peer[RPC_TUBID_LEN + 1];
};

static void call_dispatch(rpc_conn *c, rpc_msg *m,
    const rpc_refctx *refs);
static void call_dispatch_failed(rpc_conn *c, rpc_msg *m, const GError *err);

static const rpci_values_sink call_sink = {
	call_dispatch, call_dispatch_failed,
};

static void
call_free(rpc_call *call)
{
	rpci_conn_unref(call->conn);
	g_clear_error(&call->error);
	g_free(call);
}

static void
call_deferred_cb(void *arg)
{
	rpc_call *call = arg;

	if (call->lookup_fn != NULL)
		call->lookup_fn(NULL, call->error, NULL, call->lookup_arg);
	else if (call->fn != NULL)
		call->fn(NULL, NULL, call->error, call->arg);
	call_free(call);
}

/* Complete 'call' (already out of the pending table) later with 'err'
 * (taken). */
static void
call_defer_error(rpc_call *call, GError *err)
{
	call->error = err;
	rpci_sched *sched = rpci_conn_sched(call->conn);

	if (sched != NULL)
		rpci_sched_defer(sched, call_deferred_cb, call);
	else
		call_deferred_cb(call);
}

/* The connection closed: fail every call waiting on it (a LOOKUP is
 * offered to its owner to retry elsewhere), then drop held messages and
 * the session's tables. */
void
rpci_call_conn_closed(rpc_conn *c)
{
	rpci_sess *s = rpci_sess_of(c);
	int code = rpci_conn_error_code(c);
	GList *calls, *l;

	calls = rpci_sess_pending_take_all(s);
	for (l = calls; l != NULL; l = l->next) {
		rpc_call *call = l->data;
		GError *err = g_error_new(RPC_ERROR,
		    code == RPC_E_MISMATCH || code == RPC_E_TIMEOUT ?
		    code : RPC_E_CLOSED, "%s", rpci_conn_error(c));

		if (call->lookup_fn != NULL) {
			call->lookup_fn(NULL, err, c, call->lookup_arg);
			g_error_free(err);
			call_free(call);
			continue;
		}
		call_defer_error(call, err);
	}
	g_list_free(calls);
	rpci_values_drop_held(c);
	rpci_sess_closed(s);
}

static void
handle_decref(rpc_conn *c, rpc_mp *list)
{
	rpci_sess *s = rpci_sess_of(c);

	while (rpc_mp_left(list) > 0) {
		rpc_mp pair;
		uint64_t id, count;
		const char *breach;

		if (rpc_mp_sub(list, &pair, 2, 2) != 0 ||
		    rpc_mp_uint(&pair, UINT32_MAX, &id) != 0 ||
		    rpc_mp_uint(&pair, UINT64_MAX, &count) != 0) {
			rpci_conn_abort(c, "malformed DECREF");
			return;
		}
		if ((breach = rpci_sess_release(s, (uint32_t)id, count)) !=
		    NULL) {
			rpci_conn_abort(c, breach);
			return;
		}
	}
}

/* ---- outgoing calls ---- */

static rpc_call *
call_new(rpc_conn *c, rpc_answer_fn *fn, void *arg)
{
	rpc_call *call = g_new0(rpc_call, 1);

	call->conn = rpci_conn_ref(c);
	call->fn = fn;
	call->arg = arg;
	return call;
}

/* Check that 'c' can take one more call; if not, queue the failure. */
static bool
call_admit(rpc_conn *c, rpc_call *call)
{
	const rpc_limits *lim = rpci_conn_limits(c);

	if (!rpci_conn_is_open(c)) {
		call_defer_error(call, g_error_new(RPC_ERROR, RPC_E_CLOSED,
		    "connection to %s is gone: %s", rpci_conn_peer_tubid(c),
		    rpci_conn_error(c) != NULL ? rpci_conn_error(c) :
		    "closed"));
		return false;
	}
	if (rpci_sess_pending_count(rpci_sess_of(c)) >=
	    lim->max_outstanding ||
	    rpci_conn_out_pending(c) > lim->max_outbuf) {
		call_defer_error(call, g_error_new(RPC_ERROR, RPC_E_TOOBIG,
		    "overloaded: too many calls outstanding to %s",
		    rpci_conn_peer_tubid(c)));
		return false;
	}
	return true;
}

void
rpci_call_lookup(rpc_conn *c, const rpc_furl *furl, rpci_lookup_fn *fn,
    void *arg)
{
	rpci_sess *s = rpci_sess_of(c);
	rpc_call *call = call_new(c, NULL, NULL);

	call->lookup_fn = fn;
	call->lookup_arg = arg;
	call->lookup_furl = furl;
	if (!call_admit(c, call))
		return;
	call->qid = rpci_sess_new_qid(s);
	rpci_sess_pending_add(s, &call->qid, call);
	if (rpci_sess_has_decrefs(s))
		rpci_sess_send_decrefs(s);
	rpc_msg_pack_lookup(rpci_conn_packer(c), call->qid,
	    rpc_furl_swissnum(furl));
	rpci_conn_send_built(c);
}

static bool
build_call(rpc_conn *c, uint64_t qid, uint32_t target, const char *method,
    rpc_pack *args, GError **err)
{
	static const uint8_t empty = 0x90;	/* fixarray of 0 */
	rpci_sess *s = rpci_sess_of(c);
	int r;

	/* DECREFs queued earlier go first, so the peer sees our releases in
	 * the order they happened relative to this call. */
	if (rpci_sess_has_decrefs(s))
		rpci_sess_send_decrefs(s);
	rpc_msg_pack_call_head(rpci_conn_packer(c), qid, target, method);
	if (args != NULL) {
		if (!rpci_values_render(c, args, err)) {
			rpci_conn_build_clear(c);
			return false;
		}
	} else {
		rpci_conn_build_raw(c, &empty, 1);
	}
	/* Our own calls never take the queue past the cap: they fail
	 * "overloaded" instead (answers that would, close the connection:
	 * conn.c). */
	if (rpci_conn_built_size(c) <= rpci_conn_limits(c)->max_frame &&
	    !rpci_conn_can_queue(c, rpci_conn_built_size(c))) {
		rpci_conn_build_clear(c);
		g_set_error(err, RPC_ERROR, RPC_E_TOOBIG, "overloaded: call "
		    "to %s.%s: too much output queued",
		    rpci_conn_peer_tubid(c), method);
		return false;
	}
	if ((r = rpci_conn_send_built(c)) != 0) {
		g_set_error(err, RPC_ERROR, r, "%scall to %s.%s: %s",
		    r == RPC_E_TOOBIG ? "overloaded: " : "",
		    rpci_conn_peer_tubid(c), method, r == RPC_E_TOOBIG ?
		    "arguments exceed the frame limit" : rpc_strerror(r));
		return false;
	}
	return true;
}

rpc_call *
rpc_ref_call(rpc_ref *ref, const char *method, rpc_pack *args,
    rpc_answer_fn *fn, void *arg)
{
	rpc_conn *c;
	rpc_call *call;
	GError *err = NULL;

	g_return_val_if_fail(ref != NULL && method != NULL && fn != NULL,
	    NULL);
	g_return_val_if_fail(*method != '\0' &&
	    strlen(method) <= RPC_METHOD_MAX, NULL);
	c = rpci_ref_conn(ref);
	call = call_new(c, fn, arg);
	if (!call_admit(c, call))
		goto out;
	if (!rpci_ref_is_live(ref)) {
		call_defer_error(call, g_error_new(RPC_ERROR, RPC_E_CLOSED,
		    "reference to %s is gone", rpci_conn_peer_tubid(c)));
		goto out;
	}
	call->qid = rpci_sess_new_qid(rpci_sess_of(c));
	if (!build_call(c, call->qid, rpci_ref_id(ref), method, args, &err)) {
		call_defer_error(call, err);
		goto out;
	}
	rpci_sess_pending_add(rpci_sess_of(c), &call->qid, call);
out:
	rpc_pack_free(args);
	return call;
}

struct checked {
	const rpc_method	*m;
	rpc_answer_fn		*fn;
	void			*arg;
};

static void
checked_answer_cb(const msgpack_object *result, const rpc_refctx *refs,
    const GError *err, void *arg)
{
	struct checked *k = arg;
	g_autoptr(GString) why = g_string_new(NULL);

	if (err == NULL && k->m->result != NULL &&
	    !rpc_schema_check(k->m->result, result, why)) {
		GError *e = NULL;
		g_autofree char *msg = g_strdup_printf("result of %s: %s",
		    k->m->name, why->str);

		rpc_set_remote_error(&e, "violation", msg);
		k->fn(NULL, NULL, e, k->arg);
		g_error_free(e);
	} else {
		k->fn(result, refs, err, k->arg);
	}
	g_free(k);
}

static void
checked_fail_cb(void *arg)
{
	rpc_call *call = arg;

	call->fn(NULL, NULL, call->error, call->arg);
	call_free(call);
}

rpc_call *
rpc_ref_call_checked(rpc_ref *ref, const rpc_method *m, rpc_pack *args,
    rpc_answer_fn *fn, void *arg)
{
	struct checked *k;

	g_return_val_if_fail(ref != NULL && m != NULL && fn != NULL, NULL);
	if (m->args != NULL) {
		static const uint8_t empty = 0x90;
		g_autoptr(GString) why = g_string_new(NULL);
		const uint8_t *data = &empty;
		msgpack_unpacked up;
		size_t len = 1;
		bool ok;

		if (args != NULL)
			data = rpc_pack_data(args, &len);
		msgpack_unpacked_init(&up);
		ok = msgpack_unpack_next(&up, (const char *)data, len, NULL) ==
		    MSGPACK_UNPACK_SUCCESS && rpc_schema_check_args(m->args,
		    m->n_args, &up.data, why);
		msgpack_unpacked_destroy(&up);
		if (!ok) {
			rpc_call *call = call_new(rpci_ref_conn(ref), fn, arg);
			rpci_sched *sched = rpci_conn_sched(rpci_ref_conn(ref));
			g_autofree char *msg = g_strdup_printf("%s: %s",
			    m->name, why->str);

			rpc_set_remote_error(&call->error, "violation", msg);
			if (sched != NULL)
				rpci_sched_defer(sched, checked_fail_cb, call);
			else
				checked_fail_cb(call);
			rpc_pack_free(args);
			return call;
		}
	}
	k = g_new0(struct checked, 1);
	k->m = m;
	k->fn = fn;
	k->arg = arg;
	return rpc_ref_call(ref, m->name, args, checked_answer_cb, k);
}

void
rpc_ref_call_oneway(rpc_ref *ref, const char *method, rpc_pack *args)
{
	rpc_conn *c;

	g_return_if_fail(ref != NULL && method != NULL);
	c = rpci_ref_conn(ref);
	if (rpci_conn_is_open(c) && rpci_ref_is_live(ref))
		build_call(c, 0, rpci_ref_id(ref), method, args, NULL);
	rpc_pack_free(args);
}

void
rpc_call_cancel(rpc_call *call)
{
	rpc_conn *c = call->conn;

	if (call->error != NULL)
		return;		/* already queued to complete */
	if (rpci_sess_pending_get(rpci_sess_of(c), call->qid) != call)
		return;
	rpci_sess_pending_take(rpci_sess_of(c), call->qid);
	call_defer_error(call, g_error_new(RPC_ERROR, RPC_E_CANCELLED,
	    "call cancelled"));
}

/* ---- incoming calls ---- */

static void
incall_finish(rpc_incall *call)
{
	rpc_conn *c = call->conn;

	rpci_sess_inflight(rpci_sess_of(c), -1);
	rpci_sess_resume_reading(rpci_sess_of(c));
	rpci_conn_unref(c);
	g_free(call);
}

static bool
incall_live(const rpc_incall *call)
{
	const rpc_conn *c = call->conn;

	return call->qid != 0 && rpci_conn_is_open(c) &&
	    rpci_conn_attached(c);
}

/* Whether 'result' (NULL: nil) fits the method's result schema. */
static bool
result_fits(const rpc_method *m, rpc_pack *result, GError **err)
{
	static const uint8_t nil = 0xc0;
	g_autoptr(GString) why = NULL;
	msgpack_unpacked up;
	const uint8_t *data = &nil;
	size_t len = 1;
	bool ok;

	if (m == NULL || m->result == NULL)
		return true;
	if (result != NULL)
		data = rpc_pack_data(result, &len);
	why = g_string_new(NULL);
	msgpack_unpacked_init(&up);
	ok = msgpack_unpack_next(&up, (const char *)data, len, NULL) ==
	    MSGPACK_UNPACK_SUCCESS && rpc_schema_check(m->result, &up.data,
	    why);
	msgpack_unpacked_destroy(&up);
	if (!ok)
		g_set_error(err, RPC_ERROR, RPC_E_FORMAT,
		    "result of %s does not fit its schema: %s", m->name,
		    why->str);
	return ok;
}

void
rpc_incall_return(rpc_incall *call, rpc_pack *result)
{
	rpc_conn *c = call->conn;

	g_return_if_fail(call != NULL);
	if (incall_live(call)) {
		msgpack_packer *pk = rpci_conn_packer(c);
		g_autoptr(GError) err = NULL;

		rpc_msg_pack_answer_head(pk, call->qid);
		if (!result_fits(call->method, result, &err)) {
			g_warning("%s: %s", call->method->name, err->message);
			rpci_conn_build_clear(c);
			rpc_msg_pack_error(pk, call->qid, "violation",
			    err->message);
		} else if (result == NULL) {
			msgpack_pack_nil(pk);
		} else if (!rpci_values_render(c, result, &err)) {
			rpci_conn_build_clear(c);
			rpc_msg_pack_error(pk, call->qid, "overloaded",
			    err->message);
		}
		if (rpci_conn_send_built(c) == RPC_E_TOOBIG) {
			rpc_msg_pack_error(pk, call->qid, "overloaded",
			    "result exceeds the frame limit");
			rpci_conn_send_built(c);
		}
	}
	rpc_pack_free(result);
	incall_finish(call);
}

void
rpc_incall_fail(rpc_incall *call, const char *type, const char *fmt, ...)
{
	rpc_conn *c = call->conn;
	va_list ap;
	char *msg;

	g_return_if_fail(call != NULL && type != NULL);
	if (incall_live(call)) {
		va_start(ap, fmt);
		msg = g_strdup_vprintf(fmt, ap);
		va_end(ap);
		rpc_msg_pack_error(rpci_conn_packer(c), call->qid, type, msg);
		rpci_conn_send_built(c);
		g_free(msg);
	}
	incall_finish(call);
}

/* An ANSWER's bytes before its value: fixarray, type, qid (uint32). */
#define ANSWER_HEAD_MAX	8

gboolean
rpc_incall_can_answer(const rpc_incall *call, size_t len)
{
	g_return_val_if_fail(call != NULL, FALSE);
	return incall_live(call) && len <= SIZE_MAX - ANSWER_HEAD_MAX &&
	    rpci_conn_can_queue(call->conn, len + ANSWER_HEAD_MAX);
}

struct room_wait {
	rpc_incall		*call;
	rpc_incall_room_fn	*fn;
	void			*arg;
};

static void
room_wait_cb(void *arg)
{
	struct room_wait *w = arg;

	w->fn(w->call, w->arg);
	g_free(w);
}

void
rpc_incall_when_room(rpc_incall *call, size_t len, rpc_incall_room_fn *fn,
    void *arg)
{
	struct room_wait *w;

	g_return_if_fail(call != NULL && fn != NULL);
	w = g_new0(struct room_wait, 1);
	w->call = call;
	w->fn = fn;
	w->arg = arg;
	rpci_conn_when_room(call->conn, len > SIZE_MAX - ANSWER_HEAD_MAX ?
	    SIZE_MAX : len + ANSWER_HEAD_MAX, room_wait_cb, w);
}

const char *
rpc_incall_peer(const rpc_incall *call)
{
	return call->peer;
}

gboolean
rpc_incall_is_oneway(const rpc_incall *call)
{
	return call->qid == 0;
}

static void
send_error(rpc_conn *c, uint64_t qid, const char *type, const char *msg)
{
	if (qid == 0)
		return;
	rpc_msg_pack_error(rpci_conn_packer(c), qid, type, msg);
	rpci_conn_send_built(c);
}

static void
handle_call(rpc_conn *c, rpc_msg *m, const rpc_refctx *refs)
{
	rpci_sess *s = rpci_sess_of(c);
	rpc_obj *target = rpci_sess_exported(s, (uint32_t)m->target);
	const rpc_method *meth;
	rpc_incall *call;
	char name[RPC_METHOD_MAX + 1];

	if (target == NULL) {
		send_error(c, m->qid, "no-such-object",
		    "no object with that id on this connection");
		return;
	}
	meth = rpc_obj_method(target, m->s1, m->s1_len);
	if (meth == NULL) {
		/* The name is valid UTF-8 of bounded length: safe to echo. */
		memcpy(name, m->s1, m->s1_len);
		name[m->s1_len] = '\0';
		g_autofree char *msg = g_strdup_printf(
		    "%s has no method '%s'", rpc_obj_iface(target)->name,
		    name);
		send_error(c, m->qid, "no-such-method", msg);
		return;
	}
	if (meth->args != NULL) {
		msgpack_object argv;
		g_autoptr(GString) why = g_string_new(NULL);

		argv.type = MSGPACK_OBJECT_ARRAY;
		argv.via.array.size = m->list.n;
		argv.via.array.ptr = (msgpack_object *)m->list.items;
		if (!rpc_schema_check_args(meth->args, meth->n_args, &argv,
		    why)) {
			memcpy(name, m->s1, m->s1_len);
			name[m->s1_len] = '\0';
			g_string_prepend(why, ": ");
			g_string_prepend(why, name);
			send_error(c, m->qid, "violation", why->str);
			return;
		}
	}
	call = g_new0(rpc_incall, 1);
	call->conn = rpci_conn_ref(c);
	call->method = meth;
	call->qid = m->qid;
	memcpy(call->peer, rpci_conn_peer_tubid(c), sizeof(call->peer));
	rpci_sess_inflight(s, +1);
	rpci_sess_resume_reading(s);
	/* The object may be released by a DECREF during the handler. */
	{
		rpc_obj *obj = rpc_obj_ref(target);

		rpc_mp_set_refs(&m->list, refs);
		meth->fn(call, &m->list, rpc_obj_data(obj));
		rpc_obj_unref(obj);
	}
}

static void
handle_lookup(rpc_conn *c, rpc_msg *m)
{
	rpci_sess *s = rpci_sess_of(c);
	rpc_obj *obj = rpci_sess_find_object(s, m->s1, m->s1_len);
	uint32_t id;

	if (obj == NULL) {
		char prefix[3] = { 0 };

		/* Echo at most two characters of the secret. */
		memcpy(prefix, m->s1, MIN(m->s1_len, 2));
		g_autofree char *msg = g_strdup_printf(
		    "no object for a name starting with '%s'", prefix);
		send_error(c, m->qid, "not-found", msg);
		return;
	}
	id = rpci_sess_export(s, obj);
	rpc_obj_unref(obj);
	if (id == 0) {
		send_error(c, m->qid, "overloaded", "too many exports");
		return;
	}
	rpc_msg_pack_answer_head(rpci_conn_packer(c), m->qid);
	rpci_values_pack_ref(rpci_conn_packer(c), RPC_EXT_MYREF, id, NULL);
	rpci_conn_send_built(c);
}

static rpc_call *
take_pending(rpc_conn *c, uint64_t qid)
{
	return rpci_sess_pending_take(rpci_sess_of(c), qid);
}

static void
handle_answer(rpc_conn *c, rpc_msg *m, const rpc_refctx *refs)
{
	rpc_call *call = take_pending(c, m->qid);
	const msgpack_object *v = m->value;

	if (call == NULL) {
		/* A cancelled call's answer is normal; any other is not. */
		if (!rpci_sess_qid_issued(rpci_sess_of(c), m->qid))
			rpci_conn_abort(c, "ANSWER to a call never made");
		return;
	}
	if (call->lookup_fn != NULL) {
		static const char why[] =
		    "LOOKUP answered with a non-reference";
		rpc_ref *ref = NULL;

		if (!rpc_value_ref(refs, v, &ref, NULL) ||
		    rpci_ref_conn(ref) != c) {
			call_defer_error(call, g_error_new_literal(RPC_ERROR,
			    RPC_E_FORMAT, why));
			rpci_conn_abort(c, why);
			return;
		}
		/* The FURL we looked up is the object's FURL. */
		if (rpci_ref_furl(ref) == NULL)
			rpci_ref_set_furl(ref,
			    rpc_furl_copy(call->lookup_furl));
		call->lookup_fn(ref, NULL, NULL, call->lookup_arg);
	} else {
		call->fn(v, refs, NULL, call->arg);
	}
	call_free(call);
}

static void
handle_error(rpc_conn *c, rpc_msg *m)
{
	rpc_call *call = take_pending(c, m->qid);
	g_autofree char *type = NULL, *msg = NULL;
	GError *err = NULL;

	if (call == NULL) {
		if (!rpci_sess_qid_issued(rpci_sess_of(c), m->qid))
			rpci_conn_abort(c, "ERROR for a call never made");
		return;
	}
	type = g_strndup(m->s1, m->s1_len);
	msg = g_strndup(m->s2, m->s2_len);
	rpc_set_remote_error(&err, type, msg);
	if (call->lookup_fn != NULL)
		call->lookup_fn(NULL, err, NULL, call->lookup_arg);
	else
		call->fn(NULL, NULL, err, call->arg);
	g_error_free(err);
	call_free(call);
}

static void
call_dispatch(rpc_conn *c, rpc_msg *m, const rpc_refctx *refs)
{
	switch (m->type) {
	case RPC_MSG_CALL:
		handle_call(c, m, refs);
		break;
	case RPC_MSG_ANSWER:
		handle_answer(c, m, refs);
		break;
	case RPC_MSG_ERROR:
		handle_error(c, m);
		break;
	case RPC_MSG_LOOKUP:
		handle_lookup(c, m);
		break;
	case RPC_MSG_DECREF:
		handle_decref(c, &m->list);
		break;
	case RPC_MSG_DECGIFT:
		if (!rpci_sess_gift_released(rpci_sess_of(c), m->qid, m->n))
			rpci_conn_abort(c, "DECGIFT of a gift not given");
		break;
	case RPC_MSG_PING:
		rpc_msg_pack_ping(rpci_conn_packer(c), RPC_MSG_PONG, m->n);
		rpci_conn_send_built(c);
		break;
	case RPC_MSG_PONG:
		break;
	case RPC_MSG_ABORT: {
		g_autofree char *reason = g_strndup(m->s1, m->s1_len);

		if (strcmp(reason, RPC_ABORT_DUPLICATE) == 0)
			rpci_conn_set_dup(c);
		else
			g_message("connection %s (%s) aborted by peer: %s",
			    rpci_conn_peer_addr(c), rpci_conn_peer_tubid(c),
			    reason);
		rpci_conn_close(c, RPC_E_CLOSED, "aborted by peer: %s", reason);
		break;
	}
	}
}

/* The references in a CALL or ANSWER could not all be resolved: a gift
 * that failed fails that call; anything else breaks the protocol. */
static void
call_dispatch_failed(rpc_conn *c, rpc_msg *m, const GError *err)
{
	rpc_call *call;

	if (!g_error_matches(err, RPC_ERROR, RPC_E_REMOTE)) {
		g_autofree char *why = g_strdup_printf("bad reference: %s",
		    err->message);

		rpci_conn_abort(c, why);
		return;
	}
	if (m->type == RPC_MSG_CALL) {
		send_error(c, m->qid, "gift-failed", err->message);
		return;
	}
	call = take_pending(c, m->qid);
	if (call == NULL)
		return;
	if (call->lookup_fn != NULL) {
		call->lookup_fn(NULL, err, NULL, call->lookup_arg);
	} else {
		GError *e = NULL;

		rpc_set_remote_error(&e, "gift-failed", err->message);
		call->fn(NULL, NULL, e, call->arg);
		g_error_free(e);
	}
	call_free(call);
}

void
rpci_call_message(rpc_conn *c, const uint8_t *pt, size_t len)
{
	rpci_sess *s = rpci_sess_of(c);
	msgpack_unpacked up;
	rpc_msg m;
	int r;

	if (!g_queue_is_empty(rpci_sess_held(s))) {
		/* Order is kept: wait behind the message that waits. */
		rpci_values_hold(c, pt, len, &call_sink);
		rpci_sess_resume_reading(s);
		return;
	}
	msgpack_unpacked_init(&up);
	r = rpc_msg_parse(pt, len, rpci_sess_scan(s), &up, &m);
	if (r != 0) {
		g_autofree char *why = g_strdup_printf("bad message: %s",
		    rpc_strerror(r));

		rpci_conn_abort(c, why);
	} else if ((m.type == RPC_MSG_CALL &&
	    rpci_values_has_gifts(&up.data.via.array.ptr[4])) ||
	    (m.type == RPC_MSG_ANSWER && rpci_values_has_gifts(m.value))) {
		rpci_values_hold(c, pt, len, &call_sink);
		rpci_sess_resume_reading(s);
	} else {
		rpci_values_deliver(c, &m, &up, NULL, &call_sink);
	}
	msgpack_unpacked_destroy(&up);
}


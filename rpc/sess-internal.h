/* rpc/sess-internal.h -- the RPC state of one connection: the objects the
 * peer may name (exports), the remote references it gave us (imports),
 * gifts given and not yet redeemed, releases waiting to be sent, calls
 * waiting for answers, and messages held back behind a gift.  A session
 * belongs to its connection (rpci_conn_upper()) and is freed with it.
 * What the tub must decide (names, FURLs, dialling) it asks its owner
 * through rpci_sess_owner.  Only rpc/ and its unit tests include this
 * file. */
#ifndef RPC_SESS_INTERNAL_H
#define RPC_SESS_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include <glib.h>

#include "rpc/conn-internal.h"
#include "rpc/furl.h"
#include "rpc/mpread.h"
#include "rpc/obj.h"
#include "rpc/ref.h"

typedef struct rpci_sess rpci_sess;

/* The same type as rpc_getref_fn (rpc/tub.h). */
typedef void rpci_ref_fn(rpc_ref *ref, const GError *err, void *arg);

/* What a session asks of the tub that owns it. */
typedef struct rpci_sess_owner {
	const char	*(*tubid)(void *owner);
	/* A new reference to the object named 'swissnum' (secret; 'len'
	 * bytes, not NUL-terminated), or NULL. */
	rpc_obj		*(*find_object)(void *owner, const char *swissnum,
			    size_t len);
	/* The FURL of 'obj', making a name for it if needed (secret; the
	 * caller wipes and frees it). */
	char		*(*furl_for_obj)(void *owner, rpc_obj *obj);
	/* Get a reference to 'furl' (taken); 'fn' runs once, later.
	 * Return 0, or RPC_E_TOOBIG if the owner refuses (too many being
	 * redeemed; 'furl' stays with the caller, 'fn' never runs). */
	int		 (*get_ref)(void *owner, rpc_furl *furl,
			    rpci_ref_fn *fn, void *arg);
} rpci_sess_owner;

/* A session for 'c', owned by 'c' (freed with its last reference).
 * 'owner' (with 'ops', static) is borrowed until rpci_sess_detach(). */
rpci_sess *rpci_sess_new(rpc_conn *c, const rpci_sess_owner *ops,
    void *owner);
/* The session of 'c' (NULL if it has none). */
rpci_sess *rpci_sess_of(const rpc_conn *c);
rpc_conn *rpci_sess_conn(const rpci_sess *s);
/* The owner is going away: its hooks are no longer called. */
void rpci_sess_detach(rpci_sess *s);
/* The connection closed: forget the imports (references stay allocated
 * but dead), releases, gifts and exports, and queue a notice to every
 * disconnect observer. */
void rpci_sess_closed(rpci_sess *s);
const rpc_prescan_limits *rpci_sess_scan(const rpci_sess *s);

/* The owner's hooks; each fails (NULL, or "not found") once detached. */
const char *rpci_sess_own_tubid(rpci_sess *s);
rpc_obj *rpci_sess_find_object(rpci_sess *s, const char *swissnum,
    size_t len);
char *rpci_sess_furl_for_obj(rpci_sess *s, rpc_obj *obj);
/* Redeem a gift: get a reference to 'furl' (taken on success).  Return
 * 0; RPC_E_CLOSED once detached or RPC_E_TOOBIG when max_gift_dials
 * (this connection) or max_tub_gift_dials (the tub) are being redeemed:
 * then 'furl' stays with the caller and 'fn' never runs. */
int rpci_sess_get_ref(rpci_sess *s, rpc_furl *furl, rpci_ref_fn *fn,
    void *arg);

/* ---- exports and imports (doc/protocol.md §5.1) ---- */

/* The id under which the peer may name 'obj', counting one more send.
 * Return 0 if the export table is full. */
uint32_t rpci_sess_export(rpci_sess *s, rpc_obj *obj);
/* The object exported as 'id' (borrowed), or NULL. */
rpc_obj *rpci_sess_exported(rpci_sess *s, uint32_t id);
/* Release 'count' sends of export 'id' (a DECREF pair).  Return NULL, or
 * the breach (for the ABORT): 'id' not exported, a count of 0, or more
 * receipts than were sent. */
const char *rpci_sess_release(rpci_sess *s, uint32_t id, uint64_t count);
/* A remote reference for id 'id' sent by the peer (one more receipt, a
 * new reference for the caller), with the object's FURL 'furl' if the
 * peer sent one (taken; NULL for none).  NULL if the import table is
 * full. */
rpc_ref *rpci_sess_import(rpci_sess *s, uint32_t id, rpc_furl *furl);
/* Send the queued releases of imports as DECREF messages. */
void rpci_sess_send_decrefs(rpci_sess *s);
bool rpci_sess_has_decrefs(const rpci_sess *s);

/* ---- references ---- */

rpc_conn *rpci_ref_conn(const rpc_ref *ref);
uint32_t rpci_ref_id(const rpc_ref *ref);
/* Whether the peer still knows 'ref' (it is in the import table). */
bool rpci_ref_is_live(const rpc_ref *ref);
/* The object's FURL, if its exporter sent one (borrowed; secret). */
const rpc_furl *rpci_ref_furl(const rpc_ref *ref);
/* Record the object's FURL unless one is known (taken). */
void rpci_ref_set_furl(rpc_ref *ref, rpc_furl *furl);

/* ---- gifts (references to a third tub's objects) ---- */

/* Keep 'ref' until the receiver releases gift id *gid.  Return 0, or
 * RPC_E_TOOBIG when too many gifts are outstanding. */
int rpci_sess_give(rpci_sess *s, rpc_ref *ref, uint32_t *gid);
/* The receiver released gift 'gid' (DECGIFT).  Return false for an
 * unknown gift or a count other than 1. */
bool rpci_sess_gift_released(rpci_sess *s, uint64_t gid, uint64_t count);

/* ---- calls waiting for answers ---- */

/* A new query id (1 .. UINT32_MAX, wrapping). */
uint64_t rpci_sess_new_qid(rpci_sess *s);
/* Whether 'qid' was ever issued on this connection. */
bool rpci_sess_qid_issued(const rpci_sess *s, uint64_t qid);
/* Record 'call' as waiting under *qid ('qid' must live as long as the
 * entry: it is the key). */
void rpci_sess_pending_add(rpci_sess *s, const uint64_t *qid, void *call);
/* Remove and return the call waiting under 'qid', or NULL. */
void *rpci_sess_pending_take(rpci_sess *s, uint64_t qid);
void *rpci_sess_pending_get(rpci_sess *s, uint64_t qid);
guint rpci_sess_pending_count(const rpci_sess *s);
/* Remove every waiting call; return them (caller g_list_free()s). */
GList *rpci_sess_pending_take_all(rpci_sess *s);

/* ---- incoming calls and back-pressure ---- */

/* Messages held back behind a gift (values.c's). */
GQueue *rpci_sess_held(rpci_sess *s);
/* Plaintext bytes of the held messages: values.c adds (+1) a message's
 * length when it holds it and subtracts (-1) it when it lets it go.
 * Reading pauses while they reach half of max_outbuf. */
void rpci_sess_held_account(rpci_sess *s, int sign, size_t len);
size_t rpci_sess_held_bytes(const rpci_sess *s);
/* One more (+1) or one less (-1) incoming call being handled. */
void rpci_sess_inflight(rpci_sess *s, int delta);
/* Read while handlers keep up and few messages wait for gifts. */
void rpci_sess_resume_reading(rpci_sess *s);

/* Messages queued behind a gift before the connection stops reading. */
#define RPCI_HELD_MAX	64

#endif

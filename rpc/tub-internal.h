/* rpc/tub-internal.h -- what tub.c and conn.c share.  Only rpc/ and its
 * unit tests include this file. */
#ifndef RPC_TUB_INTERNAL_H
#define RPC_TUB_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include <ev.h>
#include <glib.h>
#include <msgpack.h>

#include "rpc/frame.h"
#include "rpc/furl.h"
#include "rpc/hs.h"
#include "rpc/msg.h"
#include "rpc/pack.h"
#include "rpc/tub.h"

typedef struct rpc_conn rpc_conn;
typedef struct rpc_listener rpc_listener;
typedef struct rpc_connector rpc_connector;
typedef struct rpc_getref rpc_getref;
struct held;

struct rpc_ref {
	int		 refcnt;
	rpc_conn	*conn;		/* owned reference */
	uint32_t	 id;
	uint64_t	 received;	/* times the peer sent this id */
	rpc_furl	*furl;		/* the object's FURL, if known (secret) */
	char		 tubid[RPC_TUBID_LEN + 1];
};

typedef enum {
	CONN_CONNECTING,	/* TCP connect in progress (client) */
	CONN_HELLO,		/* waiting for the peer's HELLO */
	CONN_AUTH,		/* waiting for the peer's AUTH frame */
	CONN_OPEN,		/* authenticated; messages flow */
	CONN_CLOSED,
} conn_state;

/* A deferred completion: runs from the tub's idle watcher, never inside
 * the API call that queued it. */
typedef struct rpc_deferred {
	void	(*fn)(void *arg);
	void	*arg;
} rpc_deferred;

struct rpc_tub {
	struct ev_loop	*loop;
	rpc_ident	*ident;
	rpc_limits	 lim;
	rpc_prescan_limits scan;
	uint8_t		 incarnation[RPC_INCARNATION_LEN];
	char		*location;	/* hints for FURLs */
	GPtrArray	*listeners;
	GHashTable	*registry;	/* name key -> struct reg (owns obj) */
	GHashTable	*reg_by_obj;	/* rpc_obj* -> struct reg */
	GHashTable	*weak;		/* name key -> struct reg (weak obj):
					 * names made for objects sent in
					 * calls, so they can be passed on */
	GHashTable	*weak_by_obj;	/* rpc_obj* -> struct reg */
	GArray		*lookups;	/* struct lookup_handler */
	GHashTable	*conns;		/* tubid text -> rpc_conn* (OPEN) */
	GHashTable	*connectors;	/* tubid text -> rpc_connector* */
	GList		*all_conns;	/* unclosed rpc_conn (owned ref) */
	GHashTable	*every_conn;	/* every allocated rpc_conn (weak) */
	GQueue		 deferred;	/* of rpc_deferred* */
	ev_idle		 idle;		/* drains 'deferred' */
	ev_prepare	 prepare;	/* flushes output before sleeping */
	GQueue		 flushq;	/* conns with output to write */
	bool		 freeing;
};

struct rpc_listener {
	rpc_tub		*tub;
	int		 fd;
	uint16_t	 port;
	ev_io		 io;
	uint32_t	 n_unauth;
};

struct rpc_conn {
	int		 refcnt;
	rpc_tub		*tub;		/* NULL once the tub is freed */
	rpc_listener	*listener;	/* inbound only, while unauthenticated */
	int		 fd;
	ev_io		 rd, wr;
	ev_timer	 hs_timer;
	conn_state	 state;
	rpc_hs_role	 role;
	rpc_hs		 hs;
	rpc_aead	 tx, rx;
	uint8_t		 target[RPC_TUBID_RAW];	/* client: tubid dialled */
	uint8_t		 peer_pk[RPC_PK_LEN];
	uint8_t		 peer_inc[RPC_INCARNATION_LEN];
	char		 peer_tubid[RPC_TUBID_LEN + 1];
	uint8_t		 peer_tubid_raw[RPC_TUBID_RAW];
	char		 peer_addr[64];	/* for logs */
	GByteArray	*in;		/* received, not yet consumed */
	size_t		 in_off;
	size_t		 need;		/* bytes the next unit needs */
	GByteArray	*out;		/* sealed frames to write */
	size_t		 out_off;
	bool		 in_flushq;
	bool		 reading;
	bool		 closing;	/* close once 'out' is written */
	bool		 dup;		/* closed as a duplicate connection */
	GByteArray	*msg;		/* parts of a multi-frame message */
	uint8_t		*pt;		/* plaintext scratch */
	size_t		 pt_cap;
	msgpack_sbuffer	 sb;		/* message being built */
	msgpack_packer	 pk;
	uint64_t	 next_qid;
	GHashTable	*pending;	/* qid -> rpc_call* */
	GHashTable	*exports;	/* id -> struct export* */
	GHashTable	*export_ids;	/* rpc_obj* -> id */
	uint32_t	 next_export;
	GHashTable	*imports;	/* id -> rpc_ref* (weak) */
	GArray		*decrefs;	/* pending (id, count) pairs */
	uint32_t	 n_inflight;	/* incalls not yet finished */
	GHashTable	*gifts;		/* gift id -> rpc_ref* (owned) */
	uint32_t	 next_gift;
	GQueue		 held;		/* struct held*: messages waiting for
					 * gifts, and all behind them */
	GHashTable	*observers;	/* id -> struct observer* */
	ev_timer	 ka_timer;	/* keepalive and disconnect timeout */
	ev_tstamp	 last_rx;	/* when a frame last arrived */
	ev_tstamp	 last_ping;	/* when we last sent a PING */
	char		*error;		/* why it closed */
	int		 error_code;	/* RPC_E_* */
	rpc_connector	*connector;	/* client: who dialled */
};

/* A pending rpc_tub_get_ref(). */
struct rpc_getref {
	rpc_tub		*tub;
	rpc_furl	*furl;
	rpc_getref_fn	*fn;
	void		*arg;
	rpc_ref		*ref;		/* result, when deferred */
	GError		*error;		/* failure, when deferred */
};

/* Dials one tub until a connection to it is open. */
struct rpc_connector {
	rpc_tub		*tub;
	char		 tubid[RPC_TUBID_LEN + 1];
	rpc_furl	*furl;		/* hints to try */
	size_t		 next_hint;
	rpc_conn	*attempt;	/* current dial, or NULL */
	GQueue		 waiters;	/* rpc_getref* */
	GError		*last_error;
	ev_timer	 delay;		/* before dialling, when waiting for
					 * the peer's own connection */
};

/* tub.c */
void rpci_tub_defer(rpc_tub *tub, void (*fn)(void *), void *arg);
void rpci_tub_want_flush(rpc_tub *tub, rpc_conn *c);
void rpci_tub_conn_opened(rpc_tub *tub, rpc_conn *c);
void rpci_tub_conn_closed(rpc_tub *tub, rpc_conn *c);
rpc_obj *rpci_tub_find_object(rpc_tub *tub, const char *swissnum, size_t len);
/* The FURL under which 'obj' can be reached, making a weak name for it
 * if it has none (caller g_free()s). */
char *rpci_tub_furl_for_obj(rpc_tub *tub, rpc_obj *obj);
void rpci_getref_finish(rpc_getref *g, rpc_ref *ref, const GError *err);
void rpci_tub_requeue_lookup(rpc_tub *tub, rpc_getref *g);
/* rpc_tub_get_ref_furl() taking 'furl' instead of copying it. */
void rpci_tub_get_ref_take(rpc_tub *tub, rpc_furl *furl, rpc_getref_fn *fn,
    void *arg);

/* conn.c */
rpc_conn *rpci_conn_new(rpc_tub *tub, int fd, rpc_hs_role role,
    const char *peer_addr);
rpc_conn *rpci_conn_ref(rpc_conn *c);
void rpci_conn_unref(rpc_conn *c);
void rpci_conn_start(rpc_conn *c);	/* after connect (client) or accept */
void rpci_conn_close(rpc_conn *c, int code, const char *fmt, ...)
    G_GNUC_PRINTF(3, 4);
void rpci_conn_abort(rpc_conn *c, const char *reason);
void rpci_conn_flush(rpc_conn *c);
void rpci_conn_send_lookup(rpc_conn *c, rpc_getref *g);
void rpci_conn_send_decrefs(rpc_conn *c);
int rpci_conn_send_built(rpc_conn *c);
uint32_t rpci_conn_export(rpc_conn *c, rpc_obj *obj);
rpc_obj *rpci_conn_exported(rpc_conn *c, uint32_t id);
/* A remote reference for id 'id' sent by the peer, with the object's FURL
 * 'furl' if the peer sent one (taken; NULL for none). */
rpc_ref *rpci_conn_import(rpc_conn *c, uint32_t id, rpc_furl *furl);
void rpci_conn_dispatch(rpc_conn *c, rpc_msg *m);
void rpci_conn_dispatch_failed(rpc_conn *c, rpc_msg *m, const GError *err);
void rpci_conn_resume_reading(rpc_conn *c);

/* values.c */
#define RPC_HELD_MAX	64	/* messages queued behind a gift before the
				 * connection stops reading */
bool rpci_values_render(rpc_conn *c, rpc_pack *p, GError **err);
/* Pack one reference ext value of 'type' (RPC_EXT_*) naming 'id', with the
 * object's FURL 'furl' (secret; NULL for none) after it: the one encoder of
 * doc/protocol.md §5.1's payload. */
void rpci_values_pack_ref(msgpack_packer *pk, int8_t type, uint32_t id,
    const char *furl);
bool rpci_values_has_gifts(const msgpack_object *v);
void rpci_values_hold(rpc_conn *c, const uint8_t *pt, size_t len);
void rpci_values_drop_held(rpc_conn *c);
void rpci_values_deliver(rpc_conn *c, rpc_msg *m, msgpack_unpacked *up,
    struct held *h);
void rpci_values_decgift(rpc_conn *c, uint64_t gid, uint64_t count);

#endif

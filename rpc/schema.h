/* rpc/schema.h -- what a method accepts and returns, as data.
 *
 * A method may declare a schema for each positional argument and for its
 * result.  The tub checks arguments before the handler runs and answers a
 * mismatch with a "violation" error; it checks results before sending
 * them.  A caller that knows the method's description can check its own
 * arguments before sending and the result on arrival
 * (rpc_ref_call_checked()).  str and bin never stand in for each other.
 * See doc/protocol.md §6.1. */
#ifndef RPC_SCHEMA_H
#define RPC_SCHEMA_H

#include <stdbool.h>
#include <stdint.h>

#include <glib.h>
#include <msgpack.h>

typedef enum {
	RPC_T_ANY = 0,	/* any value */
	RPC_T_INT,	/* integer in [min, max] */
	RPC_T_STR,	/* UTF-8 str of min..max bytes */
	RPC_T_BIN,	/* bin of min..max bytes */
	RPC_T_BOOL,
	RPC_T_NIL,
	RPC_T_LIST,	/* array of min..max items, each fitting 'elem' */
	RPC_T_MAP,	/* map of min..max pairs, str keys, values fit 'elem' */
	RPC_T_REF,	/* a reference (any of the three kinds) */
} rpc_type;

typedef struct rpc_schema {
	rpc_type			 type;
	bool				 optional;	/* nil also fits;
							 * a trailing optional
							 * argument may be
							 * left out */
	int64_t				 min, max;
	const struct rpc_schema		*elem;		/* LIST, MAP; NULL:
							 * any */
} rpc_schema;

/* Shorthands for static tables. */
#define RPC_S_ANY		{ RPC_T_ANY, false, 0, 0, NULL }
#define RPC_S_INT(lo, hi)	{ RPC_T_INT, false, (lo), (hi), NULL }
#define RPC_S_STR(maxlen)	{ RPC_T_STR, false, 0, (maxlen), NULL }
#define RPC_S_BIN(maxlen)	{ RPC_T_BIN, false, 0, (maxlen), NULL }
#define RPC_S_BOOL		{ RPC_T_BOOL, false, 0, 0, NULL }
#define RPC_S_NIL		{ RPC_T_NIL, false, 0, 0, NULL }
#define RPC_S_LIST(maxn, e)	{ RPC_T_LIST, false, 0, (maxn), (e) }
#define RPC_S_MAP(maxn, e)	{ RPC_T_MAP, false, 0, (maxn), (e) }
#define RPC_S_REF		{ RPC_T_REF, false, 0, 0, NULL }
#define RPC_S_OPTIONAL(s)	{ (s).type, true, (s).min, (s).max, (s).elem }

/* Check 'o' against 's'.  On a mismatch return false and, if 'why' is not
 * NULL, append a one-line reason ("expected int in [0, 10], got str"). */
bool rpc_schema_check(const rpc_schema *s, const msgpack_object *o,
    GString *why);

/* Check the positional arguments 'args' (an array) against the 'n'
 * schemas in 'schemas': the count must lie between the number of leading
 * non-optional schemas and n.  Same reporting as rpc_schema_check(). */
bool rpc_schema_check_args(const rpc_schema *schemas, uint32_t n,
    const msgpack_object *args, GString *why);

#endif

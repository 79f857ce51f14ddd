/* rpc/mpread.h -- checked reading of untrusted msgpack.
 *
 * Two parts.  rpc_mp_prescan() walks raw bytes without allocating, so that
 * msgpack-c (whose unpacker allocates n * sizeof(msgpack_object) from a
 * declared count before any element arrives) only ever sees input whose
 * counts, depth and ext types are already known to be sane.  The rpc_mp
 * cursor then reads an unpacked array item by item with type and bound
 * checks; a failed read leaves the cursor where it was. */
#ifndef RPC_MPREAD_H
#define RPC_MPREAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <msgpack.h>

typedef struct rpc_prescan_limits {
	uint32_t	max_depth;	/* containers nested deeper fail */
	uint32_t	max_elems;	/* total of all array/map elements;
					 * a map pair counts as two */
	uint32_t	max_ext;	/* ext values in the whole object */
	uint32_t	ext_ok;		/* bit t: ext type t (0..31) allowed */
} rpc_prescan_limits;

/* Defaults: depth 16 (msgpack-c itself fails past 32), 65536 elements,
 * 256 ext values, no ext types allowed. */
#define RPC_PRESCAN_DEPTH	16
#define RPC_PRESCAN_ELEMS	65536
#define RPC_PRESCAN_EXT		256

/* Check that p[0..len) holds exactly one complete msgpack object within
 * 'lim'.  Return 0; RPC_E_SHORT if it is truncated; RPC_E_FORMAT for a
 * reserved type byte (0xc1), a float, an ext type not in lim->ext_ok, or a
 * container whose declared count exceeds the bytes left (each element takes
 * at least one byte, two for a map pair); RPC_E_TOOBIG for depth, element
 * or ext limits; RPC_E_TRAILING for bytes after the object.  Allocates
 * nothing.
 *
 * The top-level container is at depth 1, so max_depth 0 refuses every
 * array and map.  Depth is followed with a fixed stack of 64 levels: a
 * larger max_depth acts as 64 (msgpack-c fails past 32 anyway).  The
 * count check comes before any element is looked at, so a truncated
 * container may give RPC_E_FORMAT rather than RPC_E_SHORT.  'lim' NULL
 * means the defaults above. */
int rpc_mp_prescan(const uint8_t *p, size_t len,
    const rpc_prescan_limits *lim);

/* A cursor over the items of one unpacked msgpack array.
 *
 * Every reader below returns 0 and advances by one item, or returns a
 * negative code and leaves it->i unchanged: RPC_E_FORMAT when no item is
 * left or the item has the wrong type or an integer is out of range,
 * RPC_E_TOOBIG when a str, bin, array or map is longer than allowed.  Out
 * parameters are cleared (0, NULL, false) on entry. */
typedef struct rpc_refctx rpc_refctx;

typedef struct rpc_mp {
	const msgpack_object	*items;	/* borrowed; lives in the zone */
	uint32_t		 n, i;
	/* The references of the message the items came from (borrowed;
	 * rpc/conn.h), for rpc_arg_ref(): set by the tub on the arguments
	 * it hands a handler, inherited by rpc_mp_sub(), NULL after
	 * rpc_mp_open() (set it with rpc_mp_set_refs()). */
	const rpc_refctx	*refs;
} rpc_mp;

/* Open 'o', which must be an array of min..max items.  RPC_E_FORMAT if it
 * is not an array, RPC_E_TOOBIG/RPC_E_FORMAT if the count is outside the
 * range (RPC_E_FORMAT below min, RPC_E_TOOBIG above max). */
int rpc_mp_open(rpc_mp *it, const msgpack_object *o, uint32_t min,
    uint32_t max);
/* Let 'it' resolve references through 'refs' (borrowed; may be NULL). */
void rpc_mp_set_refs(rpc_mp *it, const rpc_refctx *refs);
/* The next item is an array of min..max items: open a cursor on it, with
 * the references of 'it'. */
int rpc_mp_sub(rpc_mp *it, rpc_mp *sub, uint32_t min, uint32_t max);
/* The next item is a non-negative integer <= max. */
int rpc_mp_uint(rpc_mp *it, uint64_t max, uint64_t *v);
/* The next item is an integer in [min, max] (either msgpack sign type). */
int rpc_mp_int(rpc_mp *it, int64_t min, int64_t max, int64_t *v);
/* The next item is a str of at most 'maxlen' bytes of valid UTF-8 with no
 * NUL byte (g_utf8_validate_len() refuses NUL).  *p is borrowed and NOT
 * NUL-terminated; an empty str gives a non-NULL *p. */
int rpc_mp_str(rpc_mp *it, size_t maxlen, const char **p, size_t *len);
/* Like rpc_mp_str, but return a new NUL-terminated copy (caller g_free()s);
 * also RPC_E_FORMAT if the string contains a NUL byte. */
int rpc_mp_strdup(rpc_mp *it, size_t maxlen, char **out);
/* The next item is a bin of at most 'maxlen' bytes (borrowed). */
int rpc_mp_bin(rpc_mp *it, size_t maxlen, const uint8_t **p, size_t *len);
int rpc_mp_bool(rpc_mp *it, bool *v);
int rpc_mp_nil(rpc_mp *it);
/* The next item is a map of at most 'max' pairs whose keys are all str
 * (valid UTF-8, as rpc_mp_str) and distinct: store it in *o (borrowed).
 * Duplicates are found by sorting when the map is large, never in
 * quadratic time. */
int rpc_mp_map(rpc_mp *it, uint32_t max, const msgpack_object **o);
/* The next item, whatever its type (borrowed). */
int rpc_mp_any(rpc_mp *it, const msgpack_object **o);
/* Step over the next item. */
int rpc_mp_skip(rpc_mp *it);
/* Items left (never reads the items). */
uint32_t rpc_mp_left(const rpc_mp *it);
/* 0 if every item was read, else RPC_E_TRAILING. */
int rpc_mp_end(const rpc_mp *it);

/* A copy (caller g_free()s) of 'o' if it is a str of at most 'maxlen'
 * bytes of UTF-8 without NUL, as rpc_mp_str() checks; NULL otherwise
 * (also for 'o' NULL): for values found with rpc_mp_map_get(). */
char *rpc_mp_obj_strdup(const msgpack_object *o, size_t maxlen);

/* In a map 'm' already checked by rpc_mp_map(), find the value of the str
 * key 'key' (NUL-terminated); NULL if absent. */
const msgpack_object *rpc_mp_map_get(const msgpack_object *m,
    const char *key);

#endif

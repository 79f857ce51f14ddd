/* rpc/mpread.c -- checked reading of untrusted msgpack.
 *
 * rpc_mp_prescan() is the gate in front of msgpack-c: it walks the raw
 * bytes once, allocating nothing, and refuses anything whose declared
 * counts could make the unpacker allocate more than the input can fill,
 * anything nested deeper than the caller allows, floats, the reserved type
 * byte and unexpected ext types.  Only then may the caller run
 * msgpack_unpack_next().
 *
 * The rpc_mp cursor reads the unpacked object one array item at a time and
 * checks each item's type and range; it never coerces (a bin is not a str,
 * a negative integer is not a uint).  A failed read leaves it->i where it
 * was.  What the items mean is the business of the decoders (msg.c).
 *
 * The prescan reads raw bytes only through rpc_rbuf (rbuf.h), so every
 * declared length is checked against the bytes left in one place. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "rpc/err.h"
#include "rpc/mpread.h"
#include "rpc/rbuf.h"

/* The prescan keeps one counter per open container on the C stack, so the
 * depth it can follow has a hard ceiling whatever lim->max_depth says.
 * msgpack-c itself gives up past MSGPACK_EMBED_STACK_SIZE (32), so nothing
 * useful is lost at 64. */
#define PRESCAN_DEPTH_HARD	64

/* Ext types 0..31 can be allowed: one bit each in lim->ext_ok. */
#define EXT_TYPES		32

/* Maps with more keys than this are checked for duplicates by sorting
 * instead of comparing every pair. */
#define MAP_PAIRWISE_MAX	16

/* ---- prescan ---- */

/* An ext header has been read up to its type byte; check the type and the
 * count of ext values, then skip 'n' bytes of data. */
static int
prescan_ext(rpc_rbuf *b, uint64_t n, const rpc_prescan_limits *lim,
    uint64_t *n_ext)
{
	uint8_t t;
	int8_t type;
	int r;

	if ((r = rpc_rbuf_get_u8(b, &t)) != 0)
		return r;
	type = (int8_t)t;
	/* Negative types are reserved by the msgpack spec (-1 is the
	 * timestamp); none is part of our protocol. */
	if (type < 0 || type >= EXT_TYPES ||
	    (lim->ext_ok & (UINT32_C(1) << type)) == 0)
		return RPC_E_FORMAT;
	if (++*n_ext > lim->max_ext)
		return RPC_E_TOOBIG;
	return rpc_rbuf_skip(b, n);
}

int
rpc_mp_prescan(const uint8_t *p, size_t len, const rpc_prescan_limits *lim)
{
	static const rpc_prescan_limits defaults = {
		RPC_PRESCAN_DEPTH, RPC_PRESCAN_ELEMS, RPC_PRESCAN_EXT, 0
	};
	/* left[d]: items still to read in the container open at level d;
	 * level 0 is the top, which holds exactly one object. */
	uint64_t left[PRESCAN_DEPTH_HARD + 1];
	uint64_t elems = 0, n_ext = 0, count, v;
	uint32_t max_depth;
	size_t depth = 0;
	rpc_rbuf b;
	uint8_t t;
	int r;

	g_return_val_if_fail(p != NULL || len == 0, RPC_E_FORMAT);
	if (lim == NULL)
		lim = &defaults;
	max_depth = MIN(lim->max_depth, PRESCAN_DEPTH_HARD);
	rpc_rbuf_init(&b, p, len);

	left[0] = 1;
	for (;;) {
		if (left[depth] == 0) {
			if (depth == 0)
				break;
			depth--;
			continue;
		}
		left[depth]--;
		if ((r = rpc_rbuf_get_u8(&b, &t)) != 0)
			return r;
		count = 0;
		if (t <= 0x7f || t >= 0xe0 || t == 0xc0 || t == 0xc2 ||
		    t == 0xc3)
			continue;		/* fixint, nil, bool */
		if (t >= 0xa0 && t <= 0xbf) {	/* fixstr */
			if ((r = rpc_rbuf_skip(&b, t & 0x1f)) != 0)
				return r;
			continue;
		}
		switch (t) {
		case 0xc1:			/* never used */
		case 0xca:			/* float32 */
		case 0xcb:			/* float64 */
			return RPC_E_FORMAT;
		case 0xc4: case 0xd9:		/* bin8, str8 */
		case 0xc5: case 0xda:		/* bin16, str16 */
		case 0xc6: case 0xdb:		/* bin32, str32 */
			if ((r = rpc_rbuf_get_uint(&b,
			    (t == 0xc4 || t == 0xd9) ? 1 :
			    (t == 0xc5 || t == 0xda) ? 2 : 4, &v)) != 0 ||
			    (r = rpc_rbuf_skip(&b, v)) != 0)
				return r;
			continue;
		case 0xc7: case 0xc8: case 0xc9:	/* ext8/16/32 */
			if ((r = rpc_rbuf_get_uint(&b,
			    t == 0xc7 ? 1 : t == 0xc8 ? 2 : 4, &v)) != 0 ||
			    (r = prescan_ext(&b, v, lim, &n_ext)) != 0)
				return r;
			continue;
		case 0xcc: case 0xd0:		/* uint8, int8 */
			r = rpc_rbuf_skip(&b, 1);
			break;
		case 0xcd: case 0xd1:		/* uint16, int16 */
			r = rpc_rbuf_skip(&b, 2);
			break;
		case 0xce: case 0xd2:		/* uint32, int32 */
			r = rpc_rbuf_skip(&b, 4);
			break;
		case 0xcf: case 0xd3:		/* uint64, int64 */
			r = rpc_rbuf_skip(&b, 8);
			break;
		case 0xd4: case 0xd5: case 0xd6: case 0xd7: case 0xd8:
			/* fixext 1, 2, 4, 8, 16 */
			r = prescan_ext(&b, (uint64_t)1 << (t - 0xd4), lim,
			    &n_ext);
			break;
		case 0xdc: case 0xdd:		/* array16/32 */
			if ((r = rpc_rbuf_get_uint(&b, t == 0xdc ? 2 : 4,
			    &v)) != 0)
				return r;
			count = v;
			goto container;
		case 0xde: case 0xdf:		/* map16/32 */
			if ((r = rpc_rbuf_get_uint(&b, t == 0xde ? 2 : 4,
			    &v)) != 0)
				return r;
			count = v * 2;
			goto container;
		default:
			if (t >= 0x80 && t <= 0x8f) {		/* fixmap */
				count = (uint64_t)(t & 0x0f) * 2;
				goto container;
			}
			g_assert(t >= 0x90 && t <= 0x9f);	/* fixarray */
			count = t & 0x0f;
			goto container;
		}
		if (r != 0)
			return r;
		continue;
	container:
		if (depth + 1 > max_depth)
			return RPC_E_TOOBIG;
		/* Every element takes at least one byte: a larger count is a
		 * lie meant to make the unpacker allocate. */
		if (count > (uint64_t)rpc_rbuf_left(&b))
			return RPC_E_FORMAT;
		elems += count;
		if (elems > lim->max_elems)
			return RPC_E_TOOBIG;
		left[++depth] = count;
	}
	return rpc_rbuf_end(&b);
}

/* ---- cursor ---- */

/* The next item, or NULL if the array is used up. */
static const msgpack_object *
mp_peek(const rpc_mp *it)
{
	if (it->i >= it->n)
		return NULL;
	return &it->items[it->i];
}

int
rpc_mp_open(rpc_mp *it, const msgpack_object *o, uint32_t min, uint32_t max)
{
	g_return_val_if_fail(it != NULL, RPC_E_FORMAT);
	it->items = NULL;
	it->n = it->i = 0;
	it->refs = NULL;
	if (o == NULL || o->type != MSGPACK_OBJECT_ARRAY)
		return RPC_E_FORMAT;
	if (o->via.array.size < min)
		return RPC_E_FORMAT;
	if (o->via.array.size > max)
		return RPC_E_TOOBIG;
	it->items = o->via.array.ptr;
	it->n = o->via.array.size;
	return 0;
}

int
rpc_mp_sub(rpc_mp *it, rpc_mp *sub, uint32_t min, uint32_t max)
{
	const msgpack_object *o;
	int r;

	g_return_val_if_fail(sub != NULL, RPC_E_FORMAT);
	sub->items = NULL;
	sub->n = sub->i = 0;
	sub->refs = NULL;
	if ((o = mp_peek(it)) == NULL)
		return RPC_E_FORMAT;
	if ((r = rpc_mp_open(sub, o, min, max)) != 0)
		return r;
	sub->refs = it->refs;
	it->i++;
	return 0;
}

void
rpc_mp_set_refs(rpc_mp *it, const rpc_refctx *refs)
{
	g_return_if_fail(it != NULL);
	it->refs = refs;
}

int
rpc_mp_uint(rpc_mp *it, uint64_t max, uint64_t *v)
{
	const msgpack_object *o;

	*v = 0;
	if ((o = mp_peek(it)) == NULL ||
	    o->type != MSGPACK_OBJECT_POSITIVE_INTEGER ||
	    o->via.u64 > max)
		return RPC_E_FORMAT;
	*v = o->via.u64;
	it->i++;
	return 0;
}

int
rpc_mp_int(rpc_mp *it, int64_t min, int64_t max, int64_t *v)
{
	const msgpack_object *o;
	int64_t x;

	*v = 0;
	if ((o = mp_peek(it)) == NULL)
		return RPC_E_FORMAT;
	if (o->type == MSGPACK_OBJECT_POSITIVE_INTEGER) {
		if (o->via.u64 > (uint64_t)INT64_MAX)
			return RPC_E_FORMAT;
		x = (int64_t)o->via.u64;
	} else if (o->type == MSGPACK_OBJECT_NEGATIVE_INTEGER) {
		x = o->via.i64;
	} else
		return RPC_E_FORMAT;
	if (x < min || x > max)
		return RPC_E_FORMAT;
	*v = x;
	it->i++;
	return 0;
}

/* Check that 'o' is a str of at most 'maxlen' bytes of UTF-8 (no NUL). */
static int
mp_check_str(const msgpack_object *o, size_t maxlen)
{
	if (o->type != MSGPACK_OBJECT_STR)
		return RPC_E_FORMAT;
	if (o->via.str.size > maxlen)
		return RPC_E_TOOBIG;
	/* g_utf8_validate_len() also refuses NUL bytes, which keeps a str
	 * from meaning one thing here and another after a C string copy. */
	if (o->via.str.size > 0 &&
	    !g_utf8_validate_len(o->via.str.ptr, o->via.str.size, NULL))
		return RPC_E_FORMAT;
	return 0;
}

char *
rpc_mp_obj_strdup(const msgpack_object *o, size_t maxlen)
{
	if (o == NULL || mp_check_str(o, maxlen) != 0)
		return NULL;
	return g_strndup(o->via.str.ptr, o->via.str.size);
}

int
rpc_mp_str(rpc_mp *it, size_t maxlen, const char **p, size_t *len)
{
	const msgpack_object *o;
	int r;

	*p = NULL;
	*len = 0;
	if ((o = mp_peek(it)) == NULL)
		return RPC_E_FORMAT;
	if ((r = mp_check_str(o, maxlen)) != 0)
		return r;
	*p = o->via.str.size > 0 ? o->via.str.ptr : "";
	*len = o->via.str.size;
	it->i++;
	return 0;
}

int
rpc_mp_strdup(rpc_mp *it, size_t maxlen, char **out)
{
	const char *p;
	size_t len;
	uint32_t i0 = it->i;
	int r;

	*out = NULL;
	if ((r = rpc_mp_str(it, maxlen, &p, &len)) != 0)
		return r;
	if (memchr(p, '\0', len) != NULL) {
		it->i = i0;
		return RPC_E_FORMAT;
	}
	*out = g_strndup(p, len);
	return 0;
}

int
rpc_mp_bin(rpc_mp *it, size_t maxlen, const uint8_t **p, size_t *len)
{
	static const uint8_t empty[1];
	const msgpack_object *o;

	*p = NULL;
	*len = 0;
	if ((o = mp_peek(it)) == NULL || o->type != MSGPACK_OBJECT_BIN)
		return RPC_E_FORMAT;
	if (o->via.bin.size > maxlen)
		return RPC_E_TOOBIG;
	*p = o->via.bin.size > 0 ? (const uint8_t *)o->via.bin.ptr : empty;
	*len = o->via.bin.size;
	it->i++;
	return 0;
}

int
rpc_mp_bool(rpc_mp *it, bool *v)
{
	const msgpack_object *o;

	*v = false;
	if ((o = mp_peek(it)) == NULL || o->type != MSGPACK_OBJECT_BOOLEAN)
		return RPC_E_FORMAT;
	*v = o->via.boolean;
	it->i++;
	return 0;
}

int
rpc_mp_nil(rpc_mp *it)
{
	const msgpack_object *o;

	if ((o = mp_peek(it)) == NULL || o->type != MSGPACK_OBJECT_NIL)
		return RPC_E_FORMAT;
	it->i++;
	return 0;
}

/* Order str objects by length, then bytes. */
static int
mp_key_order(const msgpack_object *x, const msgpack_object *y)
{
	if (x->via.str.size != y->via.str.size)
		return x->via.str.size < y->via.str.size ? -1 : 1;
	if (x->via.str.size == 0)
		return 0;
	return memcmp(x->via.str.ptr, y->via.str.ptr, x->via.str.size);
}

/* mp_key_order() for qsort() over an array of pointers. */
static int
mp_key_cmp(const void *a, const void *b)
{
	return mp_key_order(*(const msgpack_object *const *)a,
	    *(const msgpack_object *const *)b);
}

/* Return TRUE if two keys of the map 'm' (all str) are equal.  Small maps
 * compare every pair; larger ones sort, so a peer cannot make this
 * quadratic (a hash table could be flooded with colliding keys). */
static gboolean
mp_map_has_dup(const msgpack_object_map *m)
{
	const msgpack_object **keys;
	gboolean dup = FALSE;
	uint32_t i, j;

	if (m->size <= MAP_PAIRWISE_MAX) {
		for (i = 0; i < m->size; i++)
			for (j = i + 1; j < m->size; j++)
				if (mp_key_order(&m->ptr[i].key,
				    &m->ptr[j].key) == 0)
					return TRUE;
		return FALSE;
	}
	keys = g_new(const msgpack_object *, m->size);
	for (i = 0; i < m->size; i++)
		keys[i] = &m->ptr[i].key;
	qsort(keys, m->size, sizeof(*keys), mp_key_cmp);
	for (i = 1; i < m->size && !dup; i++)
		dup = mp_key_order(keys[i - 1], keys[i]) == 0;
	g_free(keys);
	return dup;
}

int
rpc_mp_map(rpc_mp *it, uint32_t max, const msgpack_object **o)
{
	const msgpack_object *m;
	uint32_t i;
	int r;

	*o = NULL;
	if ((m = mp_peek(it)) == NULL || m->type != MSGPACK_OBJECT_MAP)
		return RPC_E_FORMAT;
	if (m->via.map.size > max)
		return RPC_E_TOOBIG;
	for (i = 0; i < m->via.map.size; i++)
		if ((r = mp_check_str(&m->via.map.ptr[i].key, SIZE_MAX)) != 0)
			return r;
	if (mp_map_has_dup(&m->via.map))
		return RPC_E_FORMAT;
	*o = m;
	it->i++;
	return 0;
}

int
rpc_mp_any(rpc_mp *it, const msgpack_object **o)
{
	*o = mp_peek(it);
	if (*o == NULL)
		return RPC_E_FORMAT;
	it->i++;
	return 0;
}

int
rpc_mp_skip(rpc_mp *it)
{
	if (mp_peek(it) == NULL)
		return RPC_E_FORMAT;
	it->i++;
	return 0;
}

uint32_t
rpc_mp_left(const rpc_mp *it)
{
	return it->i < it->n ? it->n - it->i : 0;
}

int
rpc_mp_end(const rpc_mp *it)
{
	return it->i >= it->n ? 0 : RPC_E_TRAILING;
}

const msgpack_object *
rpc_mp_map_get(const msgpack_object *m, const char *key)
{
	size_t klen;
	uint32_t i;

	g_return_val_if_fail(key != NULL, NULL);
	if (m == NULL || m->type != MSGPACK_OBJECT_MAP)
		return NULL;
	klen = strlen(key);
	for (i = 0; i < m->via.map.size; i++) {
		const msgpack_object *k = &m->via.map.ptr[i].key;

		if (k->type == MSGPACK_OBJECT_STR && k->via.str.size == klen &&
		    (klen == 0 || memcmp(k->via.str.ptr, key, klen) == 0))
			return &m->via.map.ptr[i].val;
	}
	return NULL;
}

/* tests/unit/test_rpc_mpread.c -- the msgpack prescan and the typed cursor.
 *
 * Prescan inputs are either hand-written bytes (to reach every format byte,
 * including encodings the packer never picks) or built with msgpack_pack_*
 * into a msgpack_sbuffer. */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include <glib.h>
#include <msgpack.h>

#include "rpc/common.h"
#include "rpc/err.h"
#include "rpc/mpread.h"

#define EXT_TYPE	1	/* the ext type the tests allow */

static const rpc_prescan_limits lim_default = {
	RPC_PRESCAN_DEPTH, RPC_PRESCAN_ELEMS, RPC_PRESCAN_EXT, 0
};
static const rpc_prescan_limits lim_ext = {
	RPC_PRESCAN_DEPTH, RPC_PRESCAN_ELEMS, RPC_PRESCAN_EXT,
	UINT32_C(1) << EXT_TYPE
};

/* A packer writing into its own buffer. */
struct pk {
	msgpack_sbuffer	sb;
	msgpack_packer	pk;
};

static void
pk_init(struct pk *p)
{
	msgpack_sbuffer_init(&p->sb);
	msgpack_packer_init(&p->pk, &p->sb, msgpack_sbuffer_write);
}

static void
pk_done(struct pk *p)
{
	msgpack_sbuffer_destroy(&p->sb);
}

static void
pk_str(struct pk *p, const char *s, size_t n)
{
	msgpack_pack_str(&p->pk, n);
	msgpack_pack_str_body(&p->pk, s, n);
}

static void
pk_bin(struct pk *p, const void *b, size_t n)
{
	msgpack_pack_bin(&p->pk, n);
	msgpack_pack_bin_body(&p->pk, b, n);
}

static int
pk_prescan(const struct pk *p, const rpc_prescan_limits *lim)
{
	return rpc_mp_prescan((const uint8_t *)p->sb.data, p->sb.size, lim);
}

/* ---- prescan: every format ---- */

#define B(...)	{ (const uint8_t []){ __VA_ARGS__ }, \
		  sizeof((const uint8_t []){ __VA_ARGS__ }) }

struct raw {
	const uint8_t	*p;
	size_t		 n;
};

/* One valid object per msgpack format, in the smallest and, where the
 * packer would never choose it, a wide encoding. */
static const struct raw every_format[] = {
	B(0x00), B(0x7f),				/* positive fixint */
	B(0x80),					/* fixmap {} */
	B(0x81, 0xa1, 'k', 0x01),			/* fixmap {"k":1} */
	B(0x90), B(0x92, 0x01, 0x02),			/* fixarray */
	B(0xa0), B(0xa3, 'a', 'b', 'c'),		/* fixstr */
	B(0xc0),					/* nil */
	B(0xc2), B(0xc3),				/* false, true */
	B(0xc4, 0x00), B(0xc4, 0x02, 0xff, 0x00),	/* bin8 */
	B(0xc5, 0x00, 0x01, 0x42),			/* bin16 */
	B(0xc6, 0x00, 0x00, 0x00, 0x01, 0x42),		/* bin32 */
	B(0xc7, 0x00, EXT_TYPE),			/* ext8, empty */
	B(0xc7, 0x02, EXT_TYPE, 0x01, 0x02),		/* ext8 */
	B(0xc8, 0x00, 0x01, EXT_TYPE, 0x09),		/* ext16 */
	B(0xc9, 0x00, 0x00, 0x00, 0x01, EXT_TYPE, 0x09), /* ext32 */
	B(0xcc, 0xff),					/* uint8 */
	B(0xcd, 0xff, 0xff),				/* uint16 */
	B(0xce, 0xff, 0xff, 0xff, 0xff),		/* uint32 */
	B(0xcf, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff), /* uint64 */
	B(0xd0, 0x80),					/* int8 */
	B(0xd1, 0x80, 0x00),				/* int16 */
	B(0xd2, 0x80, 0x00, 0x00, 0x00),		/* int32 */
	B(0xd3, 0x80, 0, 0, 0, 0, 0, 0, 0),		/* int64 */
	B(0xd4, EXT_TYPE, 1),				/* fixext1 */
	B(0xd5, EXT_TYPE, 1, 2),			/* fixext2 */
	B(0xd6, EXT_TYPE, 1, 2, 3, 4),			/* fixext4 */
	B(0xd7, EXT_TYPE, 1, 2, 3, 4, 5, 6, 7, 8),	/* fixext8 */
	B(0xd8, EXT_TYPE, 1, 2, 3, 4, 5, 6, 7, 8,
	  9, 10, 11, 12, 13, 14, 15, 16),		/* fixext16 */
	B(0xd9, 0x00), B(0xd9, 0x01, 'x'),		/* str8 */
	B(0xda, 0x00, 0x01, 'x'),			/* str16 */
	B(0xdb, 0x00, 0x00, 0x00, 0x01, 'x'),		/* str32 */
	B(0xdc, 0x00, 0x00), B(0xdc, 0x00, 0x01, 0xc0),	/* array16 */
	B(0xdd, 0x00, 0x00, 0x00, 0x01, 0xc0),		/* array32 */
	B(0xde, 0x00, 0x01, 0xc0, 0xc0),		/* map16 */
	B(0xdf, 0x00, 0x00, 0x00, 0x01, 0xc0, 0xc0),	/* map32 */
	B(0xe0), B(0xff),				/* negative fixint */
};

static void
test_prescan_accepts_every_format(void **state)
{
	size_t i;

	RPC_UNUSED(state);
	for (i = 0; i < G_N_ELEMENTS(every_format); i++) {
		int r = rpc_mp_prescan(every_format[i].p, every_format[i].n,
		    &lim_ext);

		if (r != 0)
			fail_msg("format 0x%02x (entry %zu): %d",
			    every_format[i].p[0], i, r);
	}
}

static void
test_prescan_accepts_packed_values(void **state)
{
	static const uint8_t blob[300];
	char *big = g_malloc0(70000);
	struct pk p;

	RPC_UNUSED(state);
	pk_init(&p);
	msgpack_pack_array(&p.pk, 21);
	msgpack_pack_nil(&p.pk);
	msgpack_pack_true(&p.pk);
	msgpack_pack_false(&p.pk);
	msgpack_pack_uint64(&p.pk, 5);
	msgpack_pack_uint64(&p.pk, 200);
	msgpack_pack_uint64(&p.pk, 60000);
	msgpack_pack_uint64(&p.pk, 4000000000u);
	msgpack_pack_uint64(&p.pk, UINT64_MAX);
	msgpack_pack_int64(&p.pk, -5);
	msgpack_pack_int64(&p.pk, -100);
	msgpack_pack_int64(&p.pk, -30000);
	msgpack_pack_int64(&p.pk, -2000000000);
	msgpack_pack_int64(&p.pk, INT64_MIN);
	pk_str(&p, "short", 5);
	pk_str(&p, big, 40);		/* str8 */
	pk_str(&p, big, 300);		/* str16 */
	pk_str(&p, big, 70000);		/* str32 */
	pk_bin(&p, blob, 10);		/* bin8 */
	pk_bin(&p, blob, 300);		/* bin16 */
	msgpack_pack_map(&p.pk, 1);
	pk_str(&p, "k", 1);
	msgpack_pack_array(&p.pk, 20);	/* array16 */
	for (int i = 0; i < 20; i++)
		msgpack_pack_nil(&p.pk);
	msgpack_pack_ext_with_body(&p.pk, "abc", 3, EXT_TYPE);
	assert_int_equal(pk_prescan(&p, &lim_ext), 0);
	pk_done(&p);
	g_free(big);
}

static void
test_prescan_rejects_reserved_c1(void **state)
{
	static const uint8_t top[] = { 0xc1 };
	static const uint8_t nested[] = { 0x92, 0xc0, 0xc1 };

	RPC_UNUSED(state);
	assert_int_equal(rpc_mp_prescan(top, sizeof(top), &lim_default),
	    RPC_E_FORMAT);
	assert_int_equal(rpc_mp_prescan(nested, sizeof(nested),
	    &lim_default), RPC_E_FORMAT);
}

static void
test_prescan_rejects_floats(void **state)
{
	struct pk p;

	RPC_UNUSED(state);
	pk_init(&p);
	msgpack_pack_float(&p.pk, 1.5f);
	assert_int_equal(p.sb.data[0] & 0xff, 0xca);
	assert_int_equal(pk_prescan(&p, &lim_default), RPC_E_FORMAT);
	pk_done(&p);
	pk_init(&p);
	msgpack_pack_array(&p.pk, 1);
	msgpack_pack_double(&p.pk, 2.5);
	assert_int_equal(p.sb.data[1] & 0xff, 0xcb);
	assert_int_equal(pk_prescan(&p, &lim_default), RPC_E_FORMAT);
	pk_done(&p);
}

static void
test_prescan_empty_input_is_short(void **state)
{
	RPC_UNUSED(state);
	assert_int_equal(rpc_mp_prescan(NULL, 0, &lim_default), RPC_E_SHORT);
}

static void
test_prescan_rejects_trailing_bytes(void **state)
{
	static const uint8_t two[] = { 0xc0, 0xc0 };
	static const uint8_t arr[] = { 0x91, 0x01, 0x02 };

	RPC_UNUSED(state);
	assert_int_equal(rpc_mp_prescan(two, sizeof(two), &lim_default),
	    RPC_E_TRAILING);
	assert_int_equal(rpc_mp_prescan(arr, sizeof(arr), &lim_default),
	    RPC_E_TRAILING);
}

/* A nested sample with every kind of length field. */
static void
pack_nested_sample(struct pk *p)
{
	static const uint8_t blob[3] = { 1, 2, 3 };

	msgpack_pack_array(&p->pk, 7);
	msgpack_pack_uint64(&p->pk, 1);
	pk_str(p, "abc", 3);
	msgpack_pack_map(&p->pk, 2);
	pk_str(p, "k", 1);
	msgpack_pack_array(&p->pk, 3);
	msgpack_pack_nil(&p->pk);
	msgpack_pack_true(&p->pk);
	pk_bin(p, blob, sizeof(blob));
	pk_str(p, "l", 1);
	msgpack_pack_int64(&p->pk, -70000);
	msgpack_pack_int64(&p->pk, -5);
	msgpack_pack_ext_with_body(&p->pk, "xyzw", 4, EXT_TYPE);
	msgpack_pack_uint64(&p->pk, 70000);
	pk_str(p, "a longer string of more than 31 bytes", 37);
}

static void
test_prescan_truncation_at_every_byte_fails(void **state)
{
	struct pk p;
	size_t n;

	RPC_UNUSED(state);
	pk_init(&p);
	pack_nested_sample(&p);
	assert_int_equal(pk_prescan(&p, &lim_ext), 0);
	for (n = 0; n < p.sb.size; n++) {
		/* A copy of exactly n bytes, so ASan sees any over-read. */
		uint8_t *cut = g_memdup2(p.sb.data, n);
		int r = rpc_mp_prescan(cut, n, &lim_ext);

		if (r != RPC_E_SHORT && r != RPC_E_FORMAT)
			fail_msg("cut at %zu of %zu: %d", n, p.sb.size, r);
		g_free(cut);
	}
	pk_done(&p);
}

static void
test_prescan_truncated_lengths_are_short(void **state)
{
	const struct raw cut[] = {
		B(0xd9, 0x05, 'a', 'b'),		/* str8 */
		B(0xda, 0x00),				/* str16 length */
		B(0xdb, 0xff, 0xff, 0xff, 0xff, 'a'),	/* str32 */
		B(0xc6, 0x00, 0x00, 0x01, 0x00),	/* bin32 */
		B(0xc7, 0x09, EXT_TYPE, 0x00),		/* ext8 */
		B(0xd8, EXT_TYPE, 0x00),		/* fixext16 */
		B(0xcf, 0x00, 0x00),			/* uint64 */
		B(0xd1, 0x00),				/* int16 */
		B(0xdd, 0x00, 0x00),			/* array32 count */
		B(0x92, 0xc0, 0xd9),			/* in an array */
	};
	size_t i;

	RPC_UNUSED(state);
	for (i = 0; i < G_N_ELEMENTS(cut); i++)
		assert_int_equal(rpc_mp_prescan(cut[i].p, cut[i].n, &lim_ext),
		    RPC_E_SHORT);
}

static void
test_prescan_rejects_huge_array32_count(void **state)
{
	static const uint8_t a[] = { 0xdd, 0xff, 0xff, 0xff, 0xff };

	RPC_UNUSED(state);
	assert_int_equal(rpc_mp_prescan(a, sizeof(a), &lim_default),
	    RPC_E_FORMAT);
}

static void
test_prescan_rejects_huge_map32_count(void **state)
{
	static const uint8_t m[] = { 0xdf, 0xff, 0xff, 0xff, 0xff, 0xc0 };

	RPC_UNUSED(state);
	assert_int_equal(rpc_mp_prescan(m, sizeof(m), &lim_default),
	    RPC_E_FORMAT);
}

/* Two pairs need at least four bytes, where two items need two: three
 * bytes left pass for an array but fail for a map. */
static void
test_prescan_map_count_takes_two_bytes_per_pair(void **state)
{
	static const uint8_t map2[] = { 0x82, 0xc0, 0xc0, 0xc0 };
	static const uint8_t arr2[] = { 0x92, 0xc0, 0xc0, 0xc0 };
	static const uint8_t map16[] = { 0xde, 0x00, 0x02, 0xc0, 0xc0, 0xc0 };

	RPC_UNUSED(state);
	assert_int_equal(rpc_mp_prescan(map2, sizeof(map2), &lim_default),
	    RPC_E_FORMAT);
	assert_int_equal(rpc_mp_prescan(map16, sizeof(map16), &lim_default),
	    RPC_E_FORMAT);
	assert_int_equal(rpc_mp_prescan(arr2, sizeof(arr2), &lim_default),
	    RPC_E_TRAILING);
}

/* 'depth' arrays, each holding the next; the innermost is empty. */
static void
pack_nested_arrays(struct pk *p, uint32_t depth)
{
	uint32_t i;

	for (i = 0; i + 1 < depth; i++)
		msgpack_pack_array(&p->pk, 1);
	if (depth > 0)
		msgpack_pack_array(&p->pk, 0);
}

static int
prescan_depth(uint32_t depth, const rpc_prescan_limits *lim)
{
	struct pk p;
	int r;

	pk_init(&p);
	pack_nested_arrays(&p, depth);
	r = pk_prescan(&p, lim);
	pk_done(&p);
	return r;
}

static void
test_prescan_depth_at_limit_passes(void **state)
{
	rpc_prescan_limits lim = lim_default;

	RPC_UNUSED(state);
	assert_int_equal(prescan_depth(RPC_PRESCAN_DEPTH, &lim_default), 0);
	lim.max_depth = 3;
	assert_int_equal(prescan_depth(3, &lim), 0);
}

static void
test_prescan_depth_over_limit_is_toobig(void **state)
{
	rpc_prescan_limits lim = lim_default;

	RPC_UNUSED(state);
	assert_int_equal(prescan_depth(RPC_PRESCAN_DEPTH + 1, &lim_default),
	    RPC_E_TOOBIG);
	lim.max_depth = 3;
	assert_int_equal(prescan_depth(4, &lim), RPC_E_TOOBIG);
}

static void
test_prescan_depth_counts_maps(void **state)
{
	static const uint8_t in[] = { 0x81, 0xc0, 0x81, 0xc0, 0x90 };
	rpc_prescan_limits lim = lim_default;

	RPC_UNUSED(state);
	lim.max_depth = 3;
	assert_int_equal(rpc_mp_prescan(in, sizeof(in), &lim), 0);
	lim.max_depth = 2;
	assert_int_equal(rpc_mp_prescan(in, sizeof(in), &lim), RPC_E_TOOBIG);
}

static void
test_prescan_depth_zero_allows_only_scalars(void **state)
{
	static const uint8_t scalar[] = { 0x05 };
	rpc_prescan_limits lim = lim_default;

	RPC_UNUSED(state);
	lim.max_depth = 0;
	assert_int_equal(rpc_mp_prescan(scalar, 1, &lim), 0);
	assert_int_equal(prescan_depth(1, &lim), RPC_E_TOOBIG);
}

/* Whatever the caller asks for, the walk follows at most 64 levels. */
static void
test_prescan_huge_depth_limit_is_capped(void **state)
{
	rpc_prescan_limits lim = lim_default;

	RPC_UNUSED(state);
	lim.max_depth = UINT32_MAX;
	assert_int_equal(prescan_depth(64, &lim), 0);
	assert_int_equal(prescan_depth(65, &lim), RPC_E_TOOBIG);
	assert_int_equal(prescan_depth(100000, &lim), RPC_E_TOOBIG);
}

static int
prescan_array_of_nils(uint32_t n, const rpc_prescan_limits *lim)
{
	struct pk p;
	uint32_t i;
	int r;

	pk_init(&p);
	msgpack_pack_array(&p.pk, n);
	for (i = 0; i < n; i++)
		msgpack_pack_nil(&p.pk);
	r = pk_prescan(&p, lim);
	pk_done(&p);
	return r;
}

static void
test_prescan_elements_at_limit_pass(void **state)
{
	RPC_UNUSED(state);
	assert_int_equal(prescan_array_of_nils(RPC_PRESCAN_ELEMS,
	    &lim_default), 0);
}

static void
test_prescan_elements_over_limit_are_toobig(void **state)
{
	RPC_UNUSED(state);
	assert_int_equal(prescan_array_of_nils(RPC_PRESCAN_ELEMS + 1,
	    &lim_default), RPC_E_TOOBIG);
}

static void
test_prescan_elements_summed_over_containers(void **state)
{
	/* [[nil], [nil]]: 2 + 1 + 1 elements. */
	static const uint8_t in[] = { 0x92, 0x91, 0xc0, 0x91, 0xc0 };
	rpc_prescan_limits lim = lim_default;

	RPC_UNUSED(state);
	lim.max_elems = 4;
	assert_int_equal(rpc_mp_prescan(in, sizeof(in), &lim), 0);
	lim.max_elems = 3;
	assert_int_equal(rpc_mp_prescan(in, sizeof(in), &lim), RPC_E_TOOBIG);
}

static void
test_prescan_map_pair_counts_two_elements(void **state)
{
	static const uint8_t in[] = { 0x81, 0xc0, 0xc0 };
	rpc_prescan_limits lim = lim_default;

	RPC_UNUSED(state);
	lim.max_elems = 2;
	assert_int_equal(rpc_mp_prescan(in, sizeof(in), &lim), 0);
	lim.max_elems = 1;
	assert_int_equal(rpc_mp_prescan(in, sizeof(in), &lim), RPC_E_TOOBIG);
}

static void
test_prescan_ext_allowed_type_passes(void **state)
{
	static const uint8_t in[] = { 0xd4, EXT_TYPE, 0x00 };

	RPC_UNUSED(state);
	assert_int_equal(rpc_mp_prescan(in, sizeof(in), &lim_ext), 0);
}

static void
test_prescan_ext_forbidden_type_is_format(void **state)
{
	const struct raw bad[] = {
		B(0xd4, EXT_TYPE + 1, 0x00),		/* not in ext_ok */
		B(0xd4, 0xff, 0x00),			/* -1: timestamp */
		B(0xd6, 0xff, 0, 0, 0, 0),		/* timestamp32 */
		B(0xc7, 0x01, 0x80, 0x00),		/* -128 */
		B(0xc7, 0x01, 32, 0x00),		/* 32: beyond mask */
		B(0xc7, 0x01, 127, 0x00),
	};
	rpc_prescan_limits all = lim_default;
	size_t i;

	RPC_UNUSED(state);
	all.ext_ok = UINT32_MAX;
	for (i = 0; i < G_N_ELEMENTS(bad); i++) {
		const rpc_prescan_limits *lim = i == 0 ? &lim_ext : &all;

		assert_int_equal(rpc_mp_prescan(bad[i].p, bad[i].n, lim),
		    RPC_E_FORMAT);
	}
}

static void
test_prescan_ext_forbidden_by_default(void **state)
{
	static const uint8_t in[] = { 0xd4, 0x00, 0x00 };

	RPC_UNUSED(state);
	assert_int_equal(rpc_mp_prescan(in, sizeof(in), &lim_default),
	    RPC_E_FORMAT);
}

static void
test_prescan_ext_count_limit(void **state)
{
	static const uint8_t two[] = { 0x92, 0xd4, EXT_TYPE, 0, 0xd4,
	    EXT_TYPE, 0 };
	static const uint8_t three[] = { 0x93, 0xd4, EXT_TYPE, 0, 0xd4,
	    EXT_TYPE, 0, 0xc7, 0x00, EXT_TYPE };
	rpc_prescan_limits lim = lim_ext;

	RPC_UNUSED(state);
	lim.max_ext = 2;
	assert_int_equal(rpc_mp_prescan(two, sizeof(two), &lim), 0);
	assert_int_equal(rpc_mp_prescan(three, sizeof(three), &lim),
	    RPC_E_TOOBIG);
}

static void
test_prescan_null_limits_mean_defaults(void **state)
{
	static const uint8_t ext[] = { 0xd4, 0x00, 0x00 };

	RPC_UNUSED(state);
	assert_int_equal(prescan_depth(RPC_PRESCAN_DEPTH, NULL), 0);
	assert_int_equal(prescan_depth(RPC_PRESCAN_DEPTH + 1, NULL),
	    RPC_E_TOOBIG);
	assert_int_equal(rpc_mp_prescan(ext, sizeof(ext), NULL), RPC_E_FORMAT);
}

/* ---- cursor ---- */

/* Unpack the packed bytes into 'up' and open a cursor on the top array. */
static void
unpack_open(struct pk *p, msgpack_unpacked *up, rpc_mp *it)
{
	size_t off = 0;

	assert_int_equal(pk_prescan(p, &lim_ext), 0);
	msgpack_unpacked_init(up);
	assert_int_equal(msgpack_unpack_next(up, p->sb.data, p->sb.size,
	    &off), MSGPACK_UNPACK_SUCCESS);
	assert_int_equal(off, p->sb.size);
	assert_int_equal(rpc_mp_open(it, &up->data, 0, UINT32_MAX), 0);
}

static void
unpack_done(struct pk *p, msgpack_unpacked *up)
{
	msgpack_unpacked_destroy(up);
	pk_done(p);
}

static void
test_mp_open_requires_array(void **state)
{
	msgpack_object o;
	rpc_mp it;

	RPC_UNUSED(state);
	memset(&o, 0, sizeof(o));
	o.type = MSGPACK_OBJECT_MAP;
	assert_int_equal(rpc_mp_open(&it, &o, 0, 10), RPC_E_FORMAT);
	assert_null(it.items);
	assert_int_equal(it.n, 0);
}

static void
test_mp_open_checks_count(void **state)
{
	msgpack_object items[3], o;
	rpc_mp it;

	RPC_UNUSED(state);
	memset(items, 0, sizeof(items));
	o.type = MSGPACK_OBJECT_ARRAY;
	o.via.array.size = 3;
	o.via.array.ptr = items;
	assert_int_equal(rpc_mp_open(&it, &o, 4, 10), RPC_E_FORMAT);
	assert_int_equal(rpc_mp_open(&it, &o, 0, 2), RPC_E_TOOBIG);
	assert_int_equal(rpc_mp_open(&it, &o, 3, 3), 0);
	assert_int_equal(rpc_mp_left(&it), 3);
}

static void
test_mp_uint_reads_positive(void **state)
{
	msgpack_unpacked up;
	uint64_t v;
	struct pk p;
	rpc_mp it;

	RPC_UNUSED(state);
	pk_init(&p);
	msgpack_pack_array(&p.pk, 2);
	msgpack_pack_uint64(&p.pk, 7);
	msgpack_pack_uint64(&p.pk, UINT64_MAX);
	unpack_open(&p, &up, &it);
	assert_int_equal(rpc_mp_uint(&it, 7, &v), 0);
	assert_int_equal(v, 7);
	assert_int_equal(rpc_mp_uint(&it, UINT64_MAX, &v), 0);
	assert_true(v == UINT64_MAX);
	assert_int_equal(rpc_mp_end(&it), 0);
	unpack_done(&p, &up);
}

static void
test_mp_uint_rejects_over_max(void **state)
{
	msgpack_unpacked up;
	uint64_t v = 99;
	struct pk p;
	rpc_mp it;

	RPC_UNUSED(state);
	pk_init(&p);
	msgpack_pack_array(&p.pk, 1);
	msgpack_pack_uint64(&p.pk, 8);
	unpack_open(&p, &up, &it);
	assert_int_equal(rpc_mp_uint(&it, 7, &v), RPC_E_FORMAT);
	assert_int_equal(it.i, 0);
	unpack_done(&p, &up);
}

static void
test_mp_uint_rejects_negative(void **state)
{
	msgpack_unpacked up;
	uint64_t v;
	struct pk p;
	rpc_mp it;

	RPC_UNUSED(state);
	pk_init(&p);
	msgpack_pack_array(&p.pk, 1);
	msgpack_pack_int64(&p.pk, -1);
	unpack_open(&p, &up, &it);
	assert_int_equal(rpc_mp_uint(&it, UINT64_MAX, &v), RPC_E_FORMAT);
	assert_int_equal(it.i, 0);
	unpack_done(&p, &up);
}

static void
test_mp_uint_rejects_other_types(void **state)
{
	msgpack_unpacked up;
	uint64_t v;
	struct pk p;
	rpc_mp it;

	RPC_UNUSED(state);
	pk_init(&p);
	msgpack_pack_array(&p.pk, 4);
	pk_str(&p, "1", 1);
	msgpack_pack_true(&p.pk);
	msgpack_pack_nil(&p.pk);
	pk_bin(&p, "\x01", 1);
	unpack_open(&p, &up, &it);
	while (rpc_mp_left(&it) > 0) {
		uint32_t i0 = it.i;

		assert_int_equal(rpc_mp_uint(&it, UINT64_MAX, &v),
		    RPC_E_FORMAT);
		assert_int_equal(it.i, i0);
		assert_int_equal(rpc_mp_skip(&it), 0);
	}
	unpack_done(&p, &up);
}

static void
test_mp_int_reads_both_signs(void **state)
{
	msgpack_unpacked up;
	int64_t v;
	struct pk p;
	rpc_mp it;

	RPC_UNUSED(state);
	pk_init(&p);
	msgpack_pack_array(&p.pk, 4);
	msgpack_pack_int64(&p.pk, -5);
	msgpack_pack_int64(&p.pk, 5);
	msgpack_pack_int64(&p.pk, INT64_MIN);
	msgpack_pack_uint64(&p.pk, INT64_MAX);
	unpack_open(&p, &up, &it);
	assert_int_equal(rpc_mp_int(&it, -5, 5, &v), 0);
	assert_int_equal(v, -5);
	assert_int_equal(rpc_mp_int(&it, -5, 5, &v), 0);
	assert_int_equal(v, 5);
	assert_int_equal(rpc_mp_int(&it, INT64_MIN, 0, &v), 0);
	assert_true(v == INT64_MIN);
	assert_int_equal(rpc_mp_int(&it, 0, INT64_MAX, &v), 0);
	assert_true(v == INT64_MAX);
	unpack_done(&p, &up);
}

static void
test_mp_int_rejects_out_of_range(void **state)
{
	msgpack_unpacked up;
	int64_t v;
	struct pk p;
	rpc_mp it;

	RPC_UNUSED(state);
	pk_init(&p);
	msgpack_pack_array(&p.pk, 3);
	msgpack_pack_int64(&p.pk, -6);
	msgpack_pack_int64(&p.pk, 6);
	msgpack_pack_uint64(&p.pk, (uint64_t)INT64_MAX + 1);
	unpack_open(&p, &up, &it);
	assert_int_equal(rpc_mp_int(&it, -5, 5, &v), RPC_E_FORMAT);
	assert_int_equal(rpc_mp_skip(&it), 0);
	assert_int_equal(rpc_mp_int(&it, -5, 5, &v), RPC_E_FORMAT);
	assert_int_equal(rpc_mp_skip(&it), 0);
	assert_int_equal(rpc_mp_int(&it, INT64_MIN, INT64_MAX, &v),
	    RPC_E_FORMAT);
	assert_int_equal(it.i, 2);
	unpack_done(&p, &up);
}

static void
test_mp_str_reads_utf8(void **state)
{
	msgpack_unpacked up;
	const char *s;
	size_t n;
	struct pk p;
	rpc_mp it;

	RPC_UNUSED(state);
	pk_init(&p);
	msgpack_pack_array(&p.pk, 2);
	pk_str(&p, "h\xc3\xa9llo", 6);
	pk_str(&p, "", 0);
	unpack_open(&p, &up, &it);
	assert_int_equal(rpc_mp_str(&it, 6, &s, &n), 0);
	assert_int_equal(n, 6);
	assert_memory_equal(s, "h\xc3\xa9llo", 6);
	assert_int_equal(rpc_mp_str(&it, 0, &s, &n), 0);
	assert_non_null(s);
	assert_int_equal(n, 0);
	unpack_done(&p, &up);
}

static void
test_mp_str_rejects_too_long(void **state)
{
	msgpack_unpacked up;
	const char *s;
	size_t n;
	struct pk p;
	rpc_mp it;

	RPC_UNUSED(state);
	pk_init(&p);
	msgpack_pack_array(&p.pk, 1);
	pk_str(&p, "abcdef", 6);
	unpack_open(&p, &up, &it);
	assert_int_equal(rpc_mp_str(&it, 5, &s, &n), RPC_E_TOOBIG);
	assert_null(s);
	assert_int_equal(it.i, 0);
	unpack_done(&p, &up);
}

static void
test_mp_str_rejects_bad_utf8(void **state)
{
	static const char *bad[] = {
		"\xc3\x28",		/* bad continuation */
		"\xc0\xaf",		/* overlong '/' */
		"\xed\xa0\x80",		/* UTF-16 surrogate */
		"\xf4\x90\x80\x80",	/* above U+10FFFF */
		"abc\xe2\x82",		/* cut inside a sequence */
		"\xff",
	};
	msgpack_unpacked up;
	const char *s;
	size_t i, n;
	struct pk p;
	rpc_mp it;

	RPC_UNUSED(state);
	pk_init(&p);
	msgpack_pack_array(&p.pk, G_N_ELEMENTS(bad));
	for (i = 0; i < G_N_ELEMENTS(bad); i++)
		pk_str(&p, bad[i], strlen(bad[i]));
	unpack_open(&p, &up, &it);
	for (i = 0; i < G_N_ELEMENTS(bad); i++) {
		assert_int_equal(rpc_mp_str(&it, 100, &s, &n), RPC_E_FORMAT);
		assert_int_equal(it.i, i);
		assert_int_equal(rpc_mp_skip(&it), 0);
	}
	unpack_done(&p, &up);
}

static void
test_mp_str_rejects_nul(void **state)
{
	msgpack_unpacked up;
	const char *s;
	char *d;
	size_t n;
	struct pk p;
	rpc_mp it;

	RPC_UNUSED(state);
	pk_init(&p);
	msgpack_pack_array(&p.pk, 1);
	pk_str(&p, "a\0b", 3);
	unpack_open(&p, &up, &it);
	assert_int_equal(rpc_mp_str(&it, 10, &s, &n), RPC_E_FORMAT);
	assert_int_equal(rpc_mp_strdup(&it, 10, &d), RPC_E_FORMAT);
	assert_null(d);
	assert_int_equal(it.i, 0);
	unpack_done(&p, &up);
}

static void
test_mp_str_rejects_bin(void **state)
{
	msgpack_unpacked up;
	const char *s;
	size_t n;
	struct pk p;
	rpc_mp it;

	RPC_UNUSED(state);
	pk_init(&p);
	msgpack_pack_array(&p.pk, 1);
	pk_bin(&p, "abc", 3);
	unpack_open(&p, &up, &it);
	assert_int_equal(rpc_mp_str(&it, 10, &s, &n), RPC_E_FORMAT);
	assert_int_equal(it.i, 0);
	unpack_done(&p, &up);
}

static void
test_mp_strdup_copies(void **state)
{
	msgpack_unpacked up;
	char *d;
	struct pk p;
	rpc_mp it;

	RPC_UNUSED(state);
	pk_init(&p);
	msgpack_pack_array(&p.pk, 1);
	pk_str(&p, "method", 6);
	unpack_open(&p, &up, &it);
	assert_int_equal(rpc_mp_strdup(&it, 6, &d), 0);
	assert_string_equal(d, "method");
	g_free(d);
	assert_int_equal(rpc_mp_end(&it), 0);
	unpack_done(&p, &up);
}

static void
test_mp_bin_reads_bytes(void **state)
{
	msgpack_unpacked up;
	const uint8_t *b;
	size_t n;
	struct pk p;
	rpc_mp it;

	RPC_UNUSED(state);
	pk_init(&p);
	msgpack_pack_array(&p.pk, 2);
	pk_bin(&p, "\x00\xff\x80", 3);
	pk_bin(&p, "", 0);
	unpack_open(&p, &up, &it);
	assert_int_equal(rpc_mp_bin(&it, 3, &b, &n), 0);
	assert_int_equal(n, 3);
	assert_memory_equal(b, "\x00\xff\x80", 3);
	assert_int_equal(rpc_mp_bin(&it, 0, &b, &n), 0);
	assert_non_null(b);
	assert_int_equal(n, 0);
	unpack_done(&p, &up);
}

static void
test_mp_bin_rejects_str_and_long(void **state)
{
	msgpack_unpacked up;
	const uint8_t *b;
	size_t n;
	struct pk p;
	rpc_mp it;

	RPC_UNUSED(state);
	pk_init(&p);
	msgpack_pack_array(&p.pk, 2);
	pk_str(&p, "abc", 3);
	pk_bin(&p, "abcd", 4);
	unpack_open(&p, &up, &it);
	assert_int_equal(rpc_mp_bin(&it, 10, &b, &n), RPC_E_FORMAT);
	assert_int_equal(rpc_mp_skip(&it), 0);
	assert_int_equal(rpc_mp_bin(&it, 3, &b, &n), RPC_E_TOOBIG);
	assert_int_equal(it.i, 1);
	unpack_done(&p, &up);
}

static void
test_mp_bool_and_nil_are_not_coerced(void **state)
{
	msgpack_unpacked up;
	struct pk p;
	rpc_mp it;
	bool v;

	RPC_UNUSED(state);
	pk_init(&p);
	msgpack_pack_array(&p.pk, 3);
	msgpack_pack_uint64(&p.pk, 0);
	msgpack_pack_nil(&p.pk);
	msgpack_pack_true(&p.pk);
	unpack_open(&p, &up, &it);
	assert_int_equal(rpc_mp_bool(&it, &v), RPC_E_FORMAT);
	assert_int_equal(rpc_mp_nil(&it), RPC_E_FORMAT);
	assert_int_equal(rpc_mp_skip(&it), 0);
	assert_int_equal(rpc_mp_bool(&it, &v), RPC_E_FORMAT);
	assert_int_equal(rpc_mp_nil(&it), 0);
	assert_int_equal(rpc_mp_nil(&it), RPC_E_FORMAT);
	assert_int_equal(rpc_mp_bool(&it, &v), 0);
	assert_true(v);
	unpack_done(&p, &up);
}

static void
test_mp_map_reads_and_finds_keys(void **state)
{
	const msgpack_object *m, *v;
	msgpack_unpacked up;
	struct pk p;
	rpc_mp it;

	RPC_UNUSED(state);
	pk_init(&p);
	msgpack_pack_array(&p.pk, 1);
	msgpack_pack_map(&p.pk, 2);
	pk_str(&p, "a", 1);
	msgpack_pack_uint64(&p.pk, 1);
	pk_str(&p, "ab", 2);
	msgpack_pack_uint64(&p.pk, 2);
	unpack_open(&p, &up, &it);
	assert_int_equal(rpc_mp_map(&it, 2, &m), 0);
	assert_non_null(v = rpc_mp_map_get(m, "ab"));
	assert_int_equal(v->via.u64, 2);
	assert_non_null(v = rpc_mp_map_get(m, "a"));
	assert_int_equal(v->via.u64, 1);
	assert_null(rpc_mp_map_get(m, "b"));
	assert_null(rpc_mp_map_get(m, ""));
	unpack_done(&p, &up);
}

static void
test_mp_map_rejects_too_many_pairs(void **state)
{
	const msgpack_object *m;
	msgpack_unpacked up;
	struct pk p;
	rpc_mp it;

	RPC_UNUSED(state);
	pk_init(&p);
	msgpack_pack_array(&p.pk, 1);
	msgpack_pack_map(&p.pk, 2);
	pk_str(&p, "a", 1);
	msgpack_pack_nil(&p.pk);
	pk_str(&p, "b", 1);
	msgpack_pack_nil(&p.pk);
	unpack_open(&p, &up, &it);
	assert_int_equal(rpc_mp_map(&it, 1, &m), RPC_E_TOOBIG);
	assert_null(m);
	assert_int_equal(it.i, 0);
	unpack_done(&p, &up);
}

static void
test_mp_map_rejects_duplicate_keys(void **state)
{
	const msgpack_object *m;
	msgpack_unpacked up;
	struct pk p;
	rpc_mp it;

	RPC_UNUSED(state);
	pk_init(&p);
	msgpack_pack_array(&p.pk, 1);
	msgpack_pack_map(&p.pk, 3);
	pk_str(&p, "k", 1);
	msgpack_pack_uint64(&p.pk, 1);
	pk_str(&p, "x", 1);
	msgpack_pack_uint64(&p.pk, 1);
	pk_str(&p, "k", 1);
	msgpack_pack_uint64(&p.pk, 2);
	unpack_open(&p, &up, &it);
	assert_int_equal(rpc_mp_map(&it, 10, &m), RPC_E_FORMAT);
	assert_int_equal(it.i, 0);
	unpack_done(&p, &up);
}

/* A map too large for the pairwise check: distinct keys pass, and one
 * duplicate (first and last key) is still found. */
static void
test_mp_map_large_duplicate_found(void **state)
{
	const msgpack_object *m;
	msgpack_unpacked up;
	struct pk p;
	rpc_mp it;
	int dup, i;

	RPC_UNUSED(state);
	for (dup = 0; dup <= 1; dup++) {
		pk_init(&p);
		msgpack_pack_array(&p.pk, 1);
		msgpack_pack_map(&p.pk, 100);
		for (i = 0; i < 100; i++) {
			char k[16];
			int n = g_snprintf(k, sizeof(k), "key%d",
			    dup && i == 99 ? 0 : i);

			pk_str(&p, k, (size_t)n);
			msgpack_pack_nil(&p.pk);
		}
		unpack_open(&p, &up, &it);
		assert_int_equal(rpc_mp_map(&it, 100, &m),
		    dup ? RPC_E_FORMAT : 0);
		unpack_done(&p, &up);
	}
}

static void
test_mp_map_rejects_non_str_keys(void **state)
{
	const msgpack_object *m;
	msgpack_unpacked up;
	struct pk p;
	rpc_mp it;

	RPC_UNUSED(state);
	pk_init(&p);
	msgpack_pack_array(&p.pk, 3);
	msgpack_pack_map(&p.pk, 1);
	msgpack_pack_uint64(&p.pk, 1);
	msgpack_pack_nil(&p.pk);
	msgpack_pack_map(&p.pk, 1);
	pk_bin(&p, "k", 1);
	msgpack_pack_nil(&p.pk);
	msgpack_pack_map(&p.pk, 1);
	pk_str(&p, "\xff", 1);
	msgpack_pack_nil(&p.pk);
	unpack_open(&p, &up, &it);
	assert_int_equal(rpc_mp_map(&it, 10, &m), RPC_E_FORMAT);
	assert_int_equal(rpc_mp_skip(&it), 0);
	assert_int_equal(rpc_mp_map(&it, 10, &m), RPC_E_FORMAT);
	assert_int_equal(rpc_mp_skip(&it), 0);
	assert_int_equal(rpc_mp_map(&it, 10, &m), RPC_E_FORMAT);
	assert_int_equal(it.i, 2);
	unpack_done(&p, &up);
}

static void
test_mp_map_rejects_array(void **state)
{
	const msgpack_object *m;
	msgpack_unpacked up;
	struct pk p;
	rpc_mp it;

	RPC_UNUSED(state);
	pk_init(&p);
	msgpack_pack_array(&p.pk, 1);
	msgpack_pack_array(&p.pk, 0);
	unpack_open(&p, &up, &it);
	assert_int_equal(rpc_mp_map(&it, 10, &m), RPC_E_FORMAT);
	unpack_done(&p, &up);
}

static void
test_mp_sub_opens_nested_array(void **state)
{
	msgpack_unpacked up;
	uint64_t v;
	struct pk p;
	rpc_mp it, sub;

	RPC_UNUSED(state);
	pk_init(&p);
	msgpack_pack_array(&p.pk, 2);
	msgpack_pack_array(&p.pk, 1);
	msgpack_pack_uint64(&p.pk, 9);
	msgpack_pack_nil(&p.pk);
	unpack_open(&p, &up, &it);
	assert_int_equal(rpc_mp_sub(&it, &sub, 1, 1), 0);
	assert_int_equal(it.i, 1);
	assert_int_equal(rpc_mp_uint(&sub, 9, &v), 0);
	assert_int_equal(rpc_mp_end(&sub), 0);
	assert_int_equal(rpc_mp_sub(&it, &sub, 0, 1), RPC_E_FORMAT);
	assert_int_equal(it.i, 1);
	unpack_done(&p, &up);
}

static void
test_mp_sub_checks_bounds(void **state)
{
	msgpack_unpacked up;
	struct pk p;
	rpc_mp it, sub;

	RPC_UNUSED(state);
	pk_init(&p);
	msgpack_pack_array(&p.pk, 1);
	msgpack_pack_array(&p.pk, 2);
	msgpack_pack_nil(&p.pk);
	msgpack_pack_nil(&p.pk);
	unpack_open(&p, &up, &it);
	assert_int_equal(rpc_mp_sub(&it, &sub, 3, 5), RPC_E_FORMAT);
	assert_int_equal(rpc_mp_sub(&it, &sub, 0, 1), RPC_E_TOOBIG);
	assert_int_equal(it.i, 0);
	assert_int_equal(rpc_mp_sub(&it, &sub, 2, 2), 0);
	unpack_done(&p, &up);
}

static void
test_mp_any_skip_left_end(void **state)
{
	const msgpack_object *o;
	msgpack_unpacked up;
	struct pk p;
	rpc_mp it;

	RPC_UNUSED(state);
	pk_init(&p);
	msgpack_pack_array(&p.pk, 2);
	msgpack_pack_int64(&p.pk, -3);
	pk_str(&p, "x", 1);
	unpack_open(&p, &up, &it);
	assert_int_equal(rpc_mp_left(&it), 2);
	assert_int_equal(rpc_mp_end(&it), RPC_E_TRAILING);
	assert_int_equal(rpc_mp_any(&it, &o), 0);
	assert_int_equal(o->type, MSGPACK_OBJECT_NEGATIVE_INTEGER);
	assert_int_equal(rpc_mp_skip(&it), 0);
	assert_int_equal(rpc_mp_left(&it), 0);
	assert_int_equal(rpc_mp_end(&it), 0);
	unpack_done(&p, &up);
}

/* Every reader past the last item: RPC_E_FORMAT, cursor unchanged. */
static void
test_mp_reads_past_end_fail(void **state)
{
	const msgpack_object *o;
	const uint8_t *b;
	const char *s;
	char *d;
	size_t n;
	uint64_t u;
	int64_t i;
	bool v;
	msgpack_unpacked up;
	struct pk p;
	rpc_mp it, sub;

	RPC_UNUSED(state);
	pk_init(&p);
	msgpack_pack_array(&p.pk, 0);
	unpack_open(&p, &up, &it);
	assert_int_equal(rpc_mp_sub(&it, &sub, 0, 1), RPC_E_FORMAT);
	assert_int_equal(rpc_mp_uint(&it, 1, &u), RPC_E_FORMAT);
	assert_int_equal(rpc_mp_int(&it, 0, 1, &i), RPC_E_FORMAT);
	assert_int_equal(rpc_mp_str(&it, 1, &s, &n), RPC_E_FORMAT);
	assert_int_equal(rpc_mp_strdup(&it, 1, &d), RPC_E_FORMAT);
	assert_int_equal(rpc_mp_bin(&it, 1, &b, &n), RPC_E_FORMAT);
	assert_int_equal(rpc_mp_bool(&it, &v), RPC_E_FORMAT);
	assert_int_equal(rpc_mp_nil(&it), RPC_E_FORMAT);
	assert_int_equal(rpc_mp_map(&it, 1, &o), RPC_E_FORMAT);
	assert_int_equal(rpc_mp_any(&it, &o), RPC_E_FORMAT);
	assert_int_equal(rpc_mp_skip(&it), RPC_E_FORMAT);
	assert_int_equal(it.i, 0);
	assert_int_equal(rpc_mp_end(&it), 0);
	unpack_done(&p, &up);
}

/* Each reader on an item of the wrong type leaves the cursor in place,
 * and the right reader still works afterwards. */
static void
test_mp_failed_read_leaves_cursor(void **state)
{
	const msgpack_object *o;
	const uint8_t *b;
	const char *s;
	char *d;
	size_t n;
	uint64_t u;
	int64_t i;
	bool v;
	msgpack_unpacked up;
	struct pk p;
	rpc_mp it, sub;

	RPC_UNUSED(state);
	pk_init(&p);
	msgpack_pack_array(&p.pk, 1);
	msgpack_pack_float(&p.pk, 0.5f);	/* unpacks; prescan aside */
	msgpack_unpacked_init(&up);
	{
		size_t off = 0;

		assert_int_equal(msgpack_unpack_next(&up, p.sb.data,
		    p.sb.size, &off), MSGPACK_UNPACK_SUCCESS);
	}
	assert_int_equal(rpc_mp_open(&it, &up.data, 1, 1), 0);
	assert_int_equal(rpc_mp_sub(&it, &sub, 0, 1), RPC_E_FORMAT);
	assert_int_equal(rpc_mp_uint(&it, UINT64_MAX, &u), RPC_E_FORMAT);
	assert_int_equal(rpc_mp_int(&it, INT64_MIN, INT64_MAX, &i),
	    RPC_E_FORMAT);
	assert_int_equal(rpc_mp_str(&it, 100, &s, &n), RPC_E_FORMAT);
	assert_int_equal(rpc_mp_strdup(&it, 100, &d), RPC_E_FORMAT);
	assert_int_equal(rpc_mp_bin(&it, 100, &b, &n), RPC_E_FORMAT);
	assert_int_equal(rpc_mp_bool(&it, &v), RPC_E_FORMAT);
	assert_int_equal(rpc_mp_nil(&it), RPC_E_FORMAT);
	assert_int_equal(rpc_mp_map(&it, 100, &o), RPC_E_FORMAT);
	assert_int_equal(it.i, 0);
	assert_int_equal(rpc_mp_any(&it, &o), 0);
	assert_int_equal(o->type, MSGPACK_OBJECT_FLOAT32);
	unpack_done(&p, &up);
}

/* rpc_mp_obj_strdup(): a copy of a str of UTF-8 within the bound, NULL
 * for anything else. */
static void
test_obj_strdup_checks(void **state)
{
	msgpack_object o;
	char *c;

	(void)state;
	memset(&o, 0, sizeof(o));
	assert_null(rpc_mp_obj_strdup(NULL, 10));
	o.type = MSGPACK_OBJECT_STR;
	o.via.str.ptr = "s\xc3\xa9rver";
	o.via.str.size = 7;
	c = rpc_mp_obj_strdup(&o, 10);
	assert_string_equal(c, "s\xc3\xa9rver");
	g_free(c);
	assert_null(rpc_mp_obj_strdup(&o, 6));		/* too long */
	o.via.str.ptr = "bad\xff";
	o.via.str.size = 4;
	assert_null(rpc_mp_obj_strdup(&o, 10));	/* not UTF-8 */
	o.via.str.ptr = "a\0b";
	o.via.str.size = 3;
	assert_null(rpc_mp_obj_strdup(&o, 10));	/* NUL */
	o.type = MSGPACK_OBJECT_BIN;
	o.via.bin.ptr = "abc";
	o.via.bin.size = 3;
	assert_null(rpc_mp_obj_strdup(&o, 10));	/* not a str */
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_obj_strdup_checks),
		cmocka_unit_test(test_prescan_accepts_every_format),
		cmocka_unit_test(test_prescan_accepts_packed_values),
		cmocka_unit_test(test_prescan_rejects_reserved_c1),
		cmocka_unit_test(test_prescan_rejects_floats),
		cmocka_unit_test(test_prescan_empty_input_is_short),
		cmocka_unit_test(test_prescan_rejects_trailing_bytes),
		cmocka_unit_test(test_prescan_truncation_at_every_byte_fails),
		cmocka_unit_test(test_prescan_truncated_lengths_are_short),
		cmocka_unit_test(test_prescan_rejects_huge_array32_count),
		cmocka_unit_test(test_prescan_rejects_huge_map32_count),
		cmocka_unit_test(
		    test_prescan_map_count_takes_two_bytes_per_pair),
		cmocka_unit_test(test_prescan_depth_at_limit_passes),
		cmocka_unit_test(test_prescan_depth_over_limit_is_toobig),
		cmocka_unit_test(test_prescan_depth_counts_maps),
		cmocka_unit_test(test_prescan_depth_zero_allows_only_scalars),
		cmocka_unit_test(test_prescan_huge_depth_limit_is_capped),
		cmocka_unit_test(test_prescan_elements_at_limit_pass),
		cmocka_unit_test(test_prescan_elements_over_limit_are_toobig),
		cmocka_unit_test(test_prescan_elements_summed_over_containers),
		cmocka_unit_test(test_prescan_map_pair_counts_two_elements),
		cmocka_unit_test(test_prescan_ext_allowed_type_passes),
		cmocka_unit_test(test_prescan_ext_forbidden_type_is_format),
		cmocka_unit_test(test_prescan_ext_forbidden_by_default),
		cmocka_unit_test(test_prescan_ext_count_limit),
		cmocka_unit_test(test_prescan_null_limits_mean_defaults),
		cmocka_unit_test(test_mp_open_requires_array),
		cmocka_unit_test(test_mp_open_checks_count),
		cmocka_unit_test(test_mp_uint_reads_positive),
		cmocka_unit_test(test_mp_uint_rejects_over_max),
		cmocka_unit_test(test_mp_uint_rejects_negative),
		cmocka_unit_test(test_mp_uint_rejects_other_types),
		cmocka_unit_test(test_mp_int_reads_both_signs),
		cmocka_unit_test(test_mp_int_rejects_out_of_range),
		cmocka_unit_test(test_mp_str_reads_utf8),
		cmocka_unit_test(test_mp_str_rejects_too_long),
		cmocka_unit_test(test_mp_str_rejects_bad_utf8),
		cmocka_unit_test(test_mp_str_rejects_nul),
		cmocka_unit_test(test_mp_str_rejects_bin),
		cmocka_unit_test(test_mp_strdup_copies),
		cmocka_unit_test(test_mp_bin_reads_bytes),
		cmocka_unit_test(test_mp_bin_rejects_str_and_long),
		cmocka_unit_test(test_mp_bool_and_nil_are_not_coerced),
		cmocka_unit_test(test_mp_map_reads_and_finds_keys),
		cmocka_unit_test(test_mp_map_rejects_too_many_pairs),
		cmocka_unit_test(test_mp_map_rejects_duplicate_keys),
		cmocka_unit_test(test_mp_map_large_duplicate_found),
		cmocka_unit_test(test_mp_map_rejects_non_str_keys),
		cmocka_unit_test(test_mp_map_rejects_array),
		cmocka_unit_test(test_mp_sub_opens_nested_array),
		cmocka_unit_test(test_mp_sub_checks_bounds),
		cmocka_unit_test(test_mp_any_skip_left_end),
		cmocka_unit_test(test_mp_reads_past_end_fail),
		cmocka_unit_test(test_mp_failed_read_leaves_cursor),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* grid/ueb.c -- URI extension blocks: pack as uri.pack_extension does,
 * parse with limits and type checks (uri.unpack_extension trusts its
 * input; shares come from untrusted servers). */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "grid/decimal-internal.h"
#include "grid/gm.h"
#include "grid/ueb.h"

#define CODEC_NAME	"crs"
#define UEB_MAX_SHARES	256

static void
put_bytes(GByteArray *b, const char *key, const void *p, size_t n)
{
	char len[32];
	int l = snprintf(len, sizeof(len), "%zu:", n);

	g_byte_array_append(b, (const guint8 *)key, (guint)strlen(key));
	g_byte_array_append(b, (const guint8 *)":", 1);
	g_byte_array_append(b, (const guint8 *)len, (guint)l);
	g_byte_array_append(b, p, (guint)n);
	g_byte_array_append(b, (const guint8 *)",", 1);
}

static void
put_num(GByteArray *b, const char *key, uint64_t v)
{
	char s[32];
	int l = snprintf(s, sizeof(s), "%" G_GUINT64_FORMAT, v);

	put_bytes(b, key, s, (size_t)l);
}

static void
put_codec(GByteArray *b, const char *key, const grid_ueb_codec *c)
{
	char s[64];
	int l = snprintf(s, sizeof(s), "%" G_GUINT64_FORMAT "-%u-%u",
	    c->segsize, c->k, c->n);

	put_bytes(b, key, s, (size_t)l);
}

GByteArray *
grid_ueb_pack(const grid_ueb *u)
{
	GByteArray *b;

	g_return_val_if_fail(u->present == GRID_UEB_ALL, NULL);
	b = g_byte_array_sized_new(400);
	/* sorted key order, as pack_extension sorts */
	put_bytes(b, "codec_name", CODEC_NAME, strlen(CODEC_NAME));
	put_codec(b, "codec_params", &u->codec_params);
	put_bytes(b, "crypttext_hash", u->crypttext_hash, GRID_HASH_LEN);
	put_bytes(b, "crypttext_root_hash", u->crypttext_root_hash,
	    GRID_HASH_LEN);
	put_num(b, "needed_shares", u->needed_shares);
	put_num(b, "num_segments", u->num_segments);
	put_num(b, "segment_size", u->segment_size);
	put_bytes(b, "share_root_hash", u->share_root_hash, GRID_HASH_LEN);
	put_num(b, "size", u->size);
	put_codec(b, "tail_codec_params", &u->tail_codec_params);
	put_num(b, "total_shares", u->total_shares);
	return b;
}

void
grid_ueb_hash(const uint8_t *p, size_t len, uint8_t out[GRID_HASH_LEN])
{
	grid_tagged_hash(GRID_TAG_UEB, p, len, GRID_HASH_LEN, out);
}

static bool
parse_codec(const char *v, size_t vlen, grid_ueb_codec *c)
{
	const char *d1 = memchr(v, '-', vlen), *d2;
	uint64_t k, n;

	if (d1 == NULL)
		return false;
	d2 = memchr(d1 + 1, '-', (size_t)(v + vlen - (d1 + 1)));
	if (d2 == NULL ||
	    !grid_decimal_parse(v, (size_t)(d1 - v), UINT64_MAX, &c->segsize) ||
	    !grid_decimal_parse(d1 + 1, (size_t)(d2 - d1 - 1), UEB_MAX_SHARES,
	    &k) ||
	    !grid_decimal_parse(d2 + 1, (size_t)(v + vlen - d2 - 1),
	    UEB_MAX_SHARES, &n) || k < 1 || k > n)
		return false;
	c->k = (unsigned)k;
	c->n = (unsigned)n;
	return true;
}

static bool
parse_hash(const char *v, size_t vlen, uint8_t *out)
{
	if (vlen != GRID_HASH_LEN)
		return false;
	memcpy(out, v, GRID_HASH_LEN);
	return true;
}

/* Store one entry; false if a known key has a value of the wrong form. */
static bool
store(grid_ueb *u, const char *key, size_t klen, const char *v, size_t vlen)
{
	uint64_t x;

#define KEY_IS(s) (klen == strlen(s) && memcmp(key, s, klen) == 0)
	if (KEY_IS("size")) {
		u->present |= GRID_UEB_SIZE;
		return grid_decimal_parse(v, vlen, UINT64_MAX, &u->size);
	}
	if (KEY_IS("segment_size")) {
		u->present |= GRID_UEB_SEGMENT_SIZE;
		return grid_decimal_parse(v, vlen, UINT64_MAX,
		    &u->segment_size) && u->segment_size > 0;
	}
	if (KEY_IS("num_segments")) {
		u->present |= GRID_UEB_NUM_SEGMENTS;
		return grid_decimal_parse(v, vlen, UINT64_MAX,
		    &u->num_segments);
	}
	if (KEY_IS("needed_shares")) {
		u->present |= GRID_UEB_NEEDED_SHARES;
		if (!grid_decimal_parse(v, vlen, UEB_MAX_SHARES, &x))
			return false;
		u->needed_shares = (unsigned)x;
		return true;
	}
	if (KEY_IS("total_shares")) {
		u->present |= GRID_UEB_TOTAL_SHARES;
		if (!grid_decimal_parse(v, vlen, UEB_MAX_SHARES, &x))
			return false;
		u->total_shares = (unsigned)x;
		return true;
	}
	if (KEY_IS("codec_name")) {
		u->present |= GRID_UEB_CODEC_NAME;
		return vlen == strlen(CODEC_NAME) &&
		    memcmp(v, CODEC_NAME, vlen) == 0;
	}
	if (KEY_IS("codec_params")) {
		u->present |= GRID_UEB_CODEC_PARAMS;
		return parse_codec(v, vlen, &u->codec_params);
	}
	if (KEY_IS("tail_codec_params")) {
		u->present |= GRID_UEB_TAIL_CODEC_PARAMS;
		return parse_codec(v, vlen, &u->tail_codec_params);
	}
	if (KEY_IS("share_root_hash")) {
		u->present |= GRID_UEB_SHARE_ROOT_HASH;
		return parse_hash(v, vlen, u->share_root_hash);
	}
	if (KEY_IS("crypttext_hash")) {
		u->present |= GRID_UEB_CRYPTTEXT_HASH;
		return parse_hash(v, vlen, u->crypttext_hash);
	}
	if (KEY_IS("crypttext_root_hash")) {
		u->present |= GRID_UEB_CRYPTTEXT_ROOT_HASH;
		return parse_hash(v, vlen, u->crypttext_root_hash);
	}
#undef KEY_IS
	return true;	/* unknown keys are skipped */
}

static gboolean
bad(grid_ueb *out, GError **error, int code, size_t off, const char *what)
{
	memset(out, 0, sizeof(*out));
	g_set_error(error, GRID_ERROR, code,
	    "URI extension block: %s at byte %zu", what, off);
	return FALSE;
}

gboolean
grid_ueb_parse(const uint8_t *p, size_t len, grid_ueb *out, GError **error)
{
	const char *s = (const char *)p, *prev = NULL;
	size_t off = 0, prevlen = 0;

	memset(out, 0, sizeof(*out));
	if (len > GRID_UEB_MAX)
		return bad(out, error, GRID_E_RANGE, 0, "too long");
	while (off < len) {
		const char *key = s + off, *num, *val;
		size_t klen = 0, nlen = 0, cmp;
		uint64_t vlen;
		int c;

		while (off + klen < len && klen <= GRID_UEB_MAX_KEY &&
		    (g_ascii_isalpha(s[off + klen]) || s[off + klen] == '_' ||
		    s[off + klen] == '-'))
			klen++;
		if (klen == 0 || klen > GRID_UEB_MAX_KEY ||
		    off + klen >= len || s[off + klen] != ':')
			return bad(out, error, GRID_E_FORMAT, off, "bad key");
		cmp = MIN(klen, prevlen);
		c = prev ? memcmp(prev, key, cmp) : -1;
		if (prev && (c > 0 || (c == 0 && prevlen >= klen)))
			return bad(out, error, GRID_E_FORMAT, off,
			    "keys not in ascending order");
		off += klen + 1;
		num = s + off;
		while (off + nlen < len && g_ascii_isdigit(s[off + nlen]) &&
		    nlen <= 20)
			nlen++;
		if (off + nlen >= len || s[off + nlen] != ':' ||
		    !grid_decimal_parse(num, nlen, len, &vlen))
			return bad(out, error, GRID_E_FORMAT, off,
			    "bad netstring length");
		off += nlen + 1;
		if (vlen >= len - off || s[off + vlen] != ',')
			return bad(out, error, GRID_E_FORMAT, off,
			    "netstring overruns the block or lacks its comma");
		val = s + off;
		if (!store(out, key, klen, val, (size_t)vlen))
			return bad(out, error, GRID_E_FORMAT, off,
			    "value of the wrong form");
		off += (size_t)vlen + 1;
		prev = key;
		prevlen = klen;
	}
	if ((out->present & (GRID_UEB_SEGMENT_SIZE | GRID_UEB_SHARE_ROOT_HASH |
	    GRID_UEB_CRYPTTEXT_ROOT_HASH)) != (GRID_UEB_SEGMENT_SIZE |
	    GRID_UEB_SHARE_ROOT_HASH | GRID_UEB_CRYPTTEXT_ROOT_HASH))
		return bad(out, error, GRID_E_FORMAT, off,
		    "segment_size, share_root_hash or crypttext_root_hash "
		    "missing");
	return TRUE;
}

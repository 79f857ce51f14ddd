/* grid/uri.c -- CHK, CHK-Verifier and LIT caps.
 *
 * Parsing is strict where Tahoe-LAFS's regular expressions are loose
 * (its verify-cap pattern has no end anchor, its numbers may start with
 * zeros): a cap accepted here formats back to the very same text, so two
 * spellings of one cap cannot both circulate.  Mutable and directory caps
 * are not handled. */
#include "config.h"

#include <string.h>

#include <sodium.h>

#include "grid/decimal-internal.h"
#include "grid/gm.h"
#include "grid/uri.h"
#include "rpc/base32.h"

#define PREFIX_CHK	"URI:CHK:"
#define PREFIX_VERIFIER	"URI:CHK-Verifier:"
#define PREFIX_LIT	"URI:LIT:"

static gboolean
fail(GError **error, int code, const char *what)
{
	g_set_error(error, GRID_ERROR, code, "malformed cap: %s", what);
	return FALSE;
}

static bool
has_prefix(const char *t, size_t len, const char *prefix)
{
	size_t pl = strlen(prefix);

	return len >= pl && memcmp(t, prefix, pl) == 0;
}

/* Take the field up to the next ':' (or the end if 'last'). */
static bool
next_field(const char **p, const char *end, bool last, const char **f,
    size_t *flen)
{
	const char *c = memchr(*p, ':', (size_t)(end - *p));

	if (last) {
		if (c != NULL)
			return false;
		c = end;
	} else if (c == NULL)
		return false;
	*f = *p;
	*flen = (size_t)(c - *p);
	*p = last ? end : c + 1;
	return true;
}

static bool
b32_exact(const char *f, size_t flen, uint8_t *out, size_t want)
{
	size_t got = 0;

	return rpc_base32_decode(f, flen, out, want, &got) == 0 &&
	    got == want;
}

static gboolean
parse_chk(const char *t, const char *end, grid_uri *u, GError **error)
{
	const char *f;
	size_t flen;
	uint64_t k, n, size;
	uint8_t *first = u->kind == GRID_URI_CHK ? u->key : u->si;

	if (!next_field(&t, end, false, &f, &flen) ||
	    !b32_exact(f, flen, first, 16))
		return fail(error, GRID_E_FORMAT, u->kind == GRID_URI_CHK ?
		    "bad key" : "bad storage index");
	if (!next_field(&t, end, false, &f, &flen) ||
	    !b32_exact(f, flen, u->ueb_hash, GRID_HASH_LEN))
		return fail(error, GRID_E_FORMAT, "bad URI extension hash");
	if (!next_field(&t, end, false, &f, &flen) ||
	    !grid_decimal_parse(f, flen, UINT32_MAX, &k))
		return fail(error, GRID_E_FORMAT, "bad needed-shares number");
	if (!next_field(&t, end, false, &f, &flen) ||
	    !grid_decimal_parse(f, flen, UINT32_MAX, &n))
		return fail(error, GRID_E_FORMAT, "bad total-shares number");
	if (!next_field(&t, end, true, &f, &flen) ||
	    !grid_decimal_parse(f, flen, UINT64_MAX, &size))
		return fail(error, GRID_E_FORMAT, "bad size");
	if (k < 1 || k > n || n > GRID_URI_MAX_SHARES)
		return fail(error, GRID_E_RANGE,
		    "shares needed/total outside 1 <= k <= n <= 256");
	u->k = (unsigned)k;
	u->n = (unsigned)n;
	u->size = size;
	if (u->kind == GRID_URI_CHK)
		grid_storage_index(u->key, u->si);
	return TRUE;
}

gboolean
grid_uri_parse(const char *text, size_t len, grid_uri *out, GError **error)
{
	const char *end = text + len;

	memset(out, 0, sizeof(*out));
	if (len > GRID_URI_TEXT_MAX)
		return fail(error, GRID_E_RANGE, "too long");
	if (memchr(text, '\0', len) != NULL)
		return fail(error, GRID_E_FORMAT, "NUL byte");
	if (has_prefix(text, len, PREFIX_LIT)) {
		const char *d = text + strlen(PREFIX_LIT);
		size_t dlen = (size_t)(end - d), got = 0;
		uint8_t *buf = g_malloc(GRID_URI_LIT_MAX + 1);

		if (rpc_base32_decode(d, dlen, buf, GRID_URI_LIT_MAX,
		    &got) != 0) {
			g_free(buf);
			return fail(error, dlen > (GRID_URI_LIT_MAX * 8 + 4) / 5 ?
			    GRID_E_RANGE : GRID_E_FORMAT, "bad LIT data");
		}
		out->kind = GRID_URI_LIT;
		out->lit = g_realloc(buf, got + 1);
		out->lit_len = got;
		out->size = got;
		return TRUE;
	}
	if (has_prefix(text, len, PREFIX_CHK))
		out->kind = GRID_URI_CHK;
	else if (has_prefix(text, len, PREFIX_VERIFIER))
		out->kind = GRID_URI_CHK_VERIFIER;
	else
		return fail(error, GRID_E_FORMAT,
		    "not URI:CHK:, URI:CHK-Verifier: or URI:LIT:");
	if (!parse_chk(text + (out->kind == GRID_URI_CHK ?
	    strlen(PREFIX_CHK) : strlen(PREFIX_VERIFIER)), end, out, error)) {
		grid_uri_clear(out);
		return FALSE;
	}
	return TRUE;
}

char *
grid_uri_to_string(const grid_uri *u)
{
	g_autofree char *a = NULL, *b = NULL;

	switch (u->kind) {
	case GRID_URI_LIT:
		a = rpc_base32_encode(u->lit, u->lit_len);
		return g_strconcat(PREFIX_LIT, a, NULL);
	case GRID_URI_CHK:
	case GRID_URI_CHK_VERIFIER:
		a = rpc_base32_encode(u->kind == GRID_URI_CHK ? u->key : u->si,
		    16);
		b = rpc_base32_encode(u->ueb_hash, GRID_HASH_LEN);
		return g_strdup_printf("%s%s:%s:%u:%u:%" G_GUINT64_FORMAT,
		    u->kind == GRID_URI_CHK ? PREFIX_CHK : PREFIX_VERIFIER, a,
		    b, u->k, u->n, u->size);
	}
	g_return_val_if_reached(NULL);
}

void
grid_uri_to_verifier(const grid_uri *u, grid_uri *out)
{
	memset(out, 0, sizeof(*out));
	g_return_if_fail(u->kind == GRID_URI_CHK ||
	    u->kind == GRID_URI_CHK_VERIFIER);
	out->kind = GRID_URI_CHK_VERIFIER;
	memcpy(out->si, u->si, GRID_SI_LEN);
	memcpy(out->ueb_hash, u->ueb_hash, GRID_HASH_LEN);
	out->k = u->k;
	out->n = u->n;
	out->size = u->size;
}

void
grid_uri_clear(grid_uri *u)
{
	if (u == NULL)
		return;
	if (u->lit != NULL) {
		sodium_memzero(u->lit, u->lit_len);
		g_free(u->lit);
	}
	sodium_memzero(u, sizeof(*u));
}

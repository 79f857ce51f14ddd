/* rpc/furl.c -- parsing and formatting FURLs, pb://TUBID@HINTS/SWISSNUM.
 *
 * A FURL is a capability: whoever knows the swissnum may call the object.
 * So this module never puts the swissnum into an error message, wipes its
 * copy on free, and offers rpc_furl_redacted() for logs.  It checks syntax
 * only (a hint's host is not resolved, the tubid is not looked up); the
 * tub connects and compares the peer's key with the tubid. */
#include "config.h"

#include <arpa/inet.h>
#include <net/if.h>
#include <string.h>

#include <glib.h>
#include <sodium.h>

#include "rpc/base32.h"
#include "rpc/err.h"
#include "rpc/furl.h"

#define FURL_SCHEME	"pb://"
#define HINT_TCP	"tcp:"

/* Longest piece of a hint quoted in an error message, so that one line
 * stays readable whatever the input. */
#define QUOTE_MAX	64

/* Characters of the swissnum that rpc_furl_redacted() shows. */
#define REDACT_SHOW	2

/* Longest port: "65535". */
#define PORT_DIGITS	5

/* Longest DNS label (RFC 1035 §2.3.4). */
#define LABEL_MAX	63

struct furl_hint {
	char		*host;	/* no brackets; may hold an IPv6 "%zone" */
	uint16_t	 port;
};

struct rpc_furl {
	char		 tubid[RPC_TUBID_LEN + 1];
	uint8_t		 tubid_raw[RPC_TUBID_RAW];
	char		*swissnum;	/* secret; wiped on free */
	size_t		 n_hints;
	struct furl_hint hints[RPC_FURL_MAX_HINTS];
};

/* Return 'n' bytes of 'p' as a printable, escaped one-line string for an
 * error message, cut at QUOTE_MAX bytes; caller g_free()s. */
static char *
quote(const char *p, size_t n)
{
	char *raw = g_strndup(p, MIN(n, QUOTE_MAX));
	char *esc = g_strescape(raw, NULL);
	char *s;

	s = g_strconcat(esc, n > QUOTE_MAX ? "..." : "", NULL);
	g_free(raw);
	g_free(esc);
	return s;
}

/* Set a FORMAT error "WHAT in hint 'HINT'", quoting the hint safely. */
static gboolean
hint_error(GError **error, const char *what, const char *hint)
{
	char *q = quote(hint, strlen(hint));

	rpc_set_error(error, RPC_E_FORMAT, "%s in hint '%s'", what, q);
	g_free(q);
	return FALSE;
}

static gboolean
is_b32_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '2' && c <= '7');
}

/* A swissnum character: printable ASCII other than the characters that
 * end or escape a URL path component. */
static gboolean
is_swiss_char(char c)
{
	return c >= 0x21 && c <= 0x7e && strchr("/?&#%", c) == NULL;
}

/* A host name of labels [A-Za-z0-9-] (1..63, no '-' at either end) joined
 * by single dots, at most RPC_HOST_MAX characters. */
static gboolean
dns_name_ok(const char *h, size_t n)
{
	size_t i, label = 0;
	char prev = '.';

	if (n == 0 || n > RPC_HOST_MAX)
		return FALSE;
	for (i = 0; i < n; i++) {
		char c = h[i];

		if (c == '.') {
			if (label == 0 || prev == '-')
				return FALSE;
			label = 0;
		} else if (g_ascii_isalnum(c) || c == '-') {
			if (label == 0 && c == '-')
				return FALSE;
			if (++label > LABEL_MAX)
				return FALSE;
		} else
			return FALSE;
		prev = c;
	}
	return label > 0 && prev != '-';
}

/* Whether the last label of the name h[0..n) is a number: decimal digits,
 * or "0x" and hex digits.  Resolvers (inet_aton() under getaddrinfo())
 * read such a name as an IPv4 address in some other notation, so
 * "0x7f.0.0.1", "127.1" or "2130706433" all mean 127.0.0.1; the WHATWG URL
 * standard treats a host that "ends in a number" the same way. */
static gboolean
ends_in_number(const char *h, size_t n)
{
	const char *dot = n > 0 ? g_strrstr_len(h, (gssize)n, ".") : NULL;
	const char *last = dot != NULL ? dot + 1 : h;
	size_t len = n - (size_t)(last - h), i = 0;

	if (len >= 2 && last[0] == '0' && (last[1] == 'x' || last[1] == 'X')) {
		for (i = 2; i < len; i++)
			if (!g_ascii_isxdigit(last[i]))
				return FALSE;
		return TRUE;
	}
	for (i = 0; i < len; i++)
		if (!g_ascii_isdigit(last[i]))
			return FALSE;
	return len > 0;
}

/* A dotted quad, or a DNS name (doc/protocol.md §2).  A name that ends in
 * a number must be a dotted quad in canonical form (four decimal numbers
 * 0..255 without leading zeros), so neither "1.2.3" nor "0x7f.0.0.1" nor
 * "010.0.0.1" is taken for a name or handed to a resolver that would read
 * it as another address. */
static gboolean
host_ok(const char *h, size_t n)
{
	char buf[INET_ADDRSTRLEN];
	struct in_addr a;

	if (n == 0 || strspn(h, "0123456789.") < n)
		return dns_name_ok(h, n) && !ends_in_number(h, n);
	if (n >= sizeof(buf))
		return FALSE;
	memcpy(buf, h, n);
	buf[n] = '\0';
	return inet_pton(AF_INET, buf, &a) == 1;
}

/* An IPv6 address as written between brackets, optionally with a
 * "%zone" (an interface name or number). */
static gboolean
ipv6_ok(const char *h, size_t n)
{
	char buf[INET6_ADDRSTRLEN];
	struct in6_addr a;
	const char *pct = memchr(h, '%', n);
	size_t alen = pct != NULL ? (size_t)(pct - h) : n;
	size_t i;

	if (pct != NULL) {
		size_t zlen = n - alen - 1;

		if (zlen == 0 || zlen >= IF_NAMESIZE)
			return FALSE;
		for (i = alen + 1; i < n; i++)
			if (!g_ascii_isalnum(h[i]) && strchr("._-", h[i]) ==
			    NULL)
				return FALSE;
	}
	if (alen == 0 || alen >= sizeof(buf))
		return FALSE;
	memcpy(buf, h, alen);
	buf[alen] = '\0';
	return inet_pton(AF_INET6, buf, &a) == 1;
}

/* 1..5 decimal digits giving 1..65535, without leading zeros (one spelling
 * per port, as for hosts). */
static gboolean
port_ok(const char *s, size_t n, uint16_t *port)
{
	unsigned long v = 0;
	size_t i;

	if (n == 0 || n > PORT_DIGITS || s[0] == '0')
		return FALSE;
	for (i = 0; i < n; i++) {
		if (!g_ascii_isdigit(s[i]))
			return FALSE;
		v = v * 10 + (unsigned long)(s[i] - '0');
	}
	if (v == 0 || v > UINT16_MAX)
		return FALSE;
	*port = (uint16_t)v;
	return TRUE;
}

/* A hint type as Foolscap writes them ("tcp", "tor", "i2p"): a letter,
 * then letters and digits. */
static gboolean
is_hint_type(const char *s, size_t n)
{
	size_t i;

	if (n == 0 || !g_ascii_isalpha(s[0]))
		return FALSE;
	for (i = 1; i < n; i++)
		if (!g_ascii_isalnum(s[i]))
			return FALSE;
	return TRUE;
}

gboolean
rpc_hint_parse(const char *hint, char **host, uint16_t *port, GError **error)
{
	const char *rest, *h, *ps, *colon;
	size_t hlen;
	gboolean v6 = FALSE;

	g_return_val_if_fail(host != NULL && port != NULL, FALSE);
	*host = NULL;
	*port = 0;
	g_return_val_if_fail(hint != NULL, FALSE);

	if (*hint == '\0')
		return rpc_set_error(error, RPC_E_FORMAT, "empty hint");
	if (g_str_has_prefix(hint, HINT_TCP)) {
		rest = hint + strlen(HINT_TCP);
	} else {
		/* Legacy "HOST:PORT" has exactly one colon; more means
		 * "TYPE:...", and tcp is the only type we speak. */
		if ((colon = strchr(hint, ':')) == NULL)
			return hint_error(error, "no port", hint);
		if (strchr(colon + 1, ':') != NULL) {
			char *q;

			if (*hint == '[' || !is_hint_type(hint,
			    (size_t)(colon - hint)))
				return hint_error(error, "too many ':' (IPv6 "
				    "needs 'tcp:[ADDR]:PORT')", hint);
			q = quote(hint, (size_t)(colon - hint));
			rpc_set_error(error, RPC_E_FORMAT, "hint type '%s' "
			    "is not supported (only tcp)", q);
			g_free(q);
			return FALSE;
		}
		if (*hint == '[')
			return hint_error(error, "IPv6 address without "
			    "'tcp:'", hint);
		rest = hint;
	}

	if (*rest == '[') {
		const char *close = strchr(rest, ']');

		if (close == NULL)
			return hint_error(error, "no ']'", hint);
		if (close[1] != ':')
			return hint_error(error, "no port", hint);
		h = rest + 1;
		hlen = (size_t)(close - h);
		ps = close + 2;
		v6 = TRUE;
	} else {
		if ((colon = strchr(rest, ':')) == NULL)
			return hint_error(error, "no port", hint);
		if (strchr(colon + 1, ':') != NULL)
			return hint_error(error, "IPv6 address without "
			    "brackets", hint);
		h = rest;
		hlen = (size_t)(colon - rest);
		ps = colon + 1;
	}
	if (v6 ? !ipv6_ok(h, hlen) : !host_ok(h, hlen))
		return hint_error(error, v6 ? "bad IPv6 address" : "bad host",
		    hint);
	if (!port_ok(ps, strlen(ps), port))
		return hint_error(error, "bad port", hint);
	*host = g_strndup(h, hlen);
	return TRUE;
}

/* Parse the hint list hints[0..n), which may be empty, into f. */
static gboolean
parse_hints(rpc_furl *f, const char *hints, size_t n, GError **error)
{
	const char *p = hints, *end = hints + n, *comma;
	size_t count = 1;

	if (n == 0)
		return TRUE;
	for (comma = hints; (comma = memchr(comma, ',', (size_t)(end -
	    comma))) != NULL; comma++)
		count++;
	if (count > RPC_FURL_MAX_HINTS)
		return rpc_set_error(error, RPC_E_TOOBIG,
		    "FURL has more than %d connection hints",
		    RPC_FURL_MAX_HINTS);
	while (p <= end) {
		const char *e = memchr(p, ',', (size_t)(end - p));
		struct furl_hint *fh = &f->hints[f->n_hints];
		char *one;
		gboolean ok;

		if (e == NULL)
			e = end;
		if (e == p)
			return rpc_set_error(error, RPC_E_FORMAT,
			    "empty hint in FURL");
		one = g_strndup(p, (size_t)(e - p));
		ok = rpc_hint_parse(one, &fh->host, &fh->port, error);
		g_free(one);
		if (!ok)
			return FALSE;
		f->n_hints++;
		p = e + 1;
	}
	return TRUE;
}

static gboolean
parse_swissnum(rpc_furl *f, const char *s, GError **error)
{
	size_t i, n = strlen(s);

	if (n == 0)
		return rpc_set_error(error, RPC_E_FORMAT,
		    "FURL has an empty swissnum");
	if (n > RPC_SWISSNUM_MAX)
		return rpc_set_error(error, RPC_E_FORMAT,
		    "swissnum in FURL is longer than %d characters",
		    RPC_SWISSNUM_MAX);
	/* Say neither which character nor where: both leak the secret. */
	for (i = 0; i < n; i++)
		if (!is_swiss_char(s[i]))
			return rpc_set_error(error, RPC_E_FORMAT,
			    "swissnum in FURL has a character that is not "
			    "allowed");
	f->swissnum = g_strndup(s, n);
	return TRUE;
}

gboolean
rpc_furl_parse(const char *text, rpc_furl **out, GError **error)
{
	const char *t, *at, *slash;
	rpc_furl *f = NULL;
	size_t i, rawlen;

	g_return_val_if_fail(out != NULL, FALSE);
	*out = NULL;
	g_return_val_if_fail(text != NULL, FALSE);

	if (strnlen(text, RPC_FURL_MAX + 1) > RPC_FURL_MAX)
		return rpc_set_error(error, RPC_E_TOOBIG,
		    "FURL is longer than %d characters", RPC_FURL_MAX);
	if (!g_str_has_prefix(text, FURL_SCHEME))
		return rpc_set_error(error, RPC_E_FORMAT,
		    "FURL does not start with '%s'", FURL_SCHEME);
	t = text + strlen(FURL_SCHEME);
	if ((at = strchr(t, '@')) == NULL)
		return rpc_set_error(error, RPC_E_FORMAT, "FURL has no '@'");
	if (at - t != RPC_TUBID_LEN)
		goto bad_tubid;
	for (i = 0; i < RPC_TUBID_LEN; i++)
		if (!is_b32_char(t[i]))
			goto bad_tubid;
	if ((slash = strchr(at + 1, '/')) == NULL)
		return rpc_set_error(error, RPC_E_FORMAT,
		    "FURL has no '/' after the connection hints");

	f = g_new0(rpc_furl, 1);
	memcpy(f->tubid, t, RPC_TUBID_LEN);
	f->tubid[RPC_TUBID_LEN] = '\0';
	if (rpc_base32_decode(t, RPC_TUBID_LEN, f->tubid_raw,
	    sizeof(f->tubid_raw), &rawlen) != 0 || rawlen != RPC_TUBID_RAW) {
		rpc_furl_free(f);
		return rpc_set_error(error, RPC_E_FORMAT,
		    "bad tubid in FURL: not a canonical base32 encoding");
	}
	if (!parse_hints(f, at + 1, (size_t)(slash - (at + 1)), error) ||
	    !parse_swissnum(f, slash + 1, error)) {
		rpc_furl_free(f);
		return FALSE;
	}
	*out = f;
	return TRUE;

bad_tubid:
	return rpc_set_error(error, RPC_E_FORMAT,
	    "bad tubid in FURL: not %d base32 characters", RPC_TUBID_LEN);
}

void
rpc_furl_free(rpc_furl *f)
{
	size_t i;

	if (f == NULL)
		return;
	for (i = 0; i < f->n_hints; i++)
		g_free(f->hints[i].host);
	if (f->swissnum != NULL) {
		sodium_memzero(f->swissnum, strlen(f->swissnum));
		g_free(f->swissnum);
	}
	g_free(f);
}

rpc_furl *
rpc_furl_copy(const rpc_furl *f)
{
	rpc_furl *c;
	size_t i;

	g_return_val_if_fail(f != NULL, NULL);
	c = g_new0(rpc_furl, 1);
	memcpy(c->tubid, f->tubid, sizeof(c->tubid));
	memcpy(c->tubid_raw, f->tubid_raw, sizeof(c->tubid_raw));
	c->swissnum = g_strdup(f->swissnum);
	c->n_hints = f->n_hints;
	for (i = 0; i < f->n_hints; i++) {
		c->hints[i].host = g_strdup(f->hints[i].host);
		c->hints[i].port = f->hints[i].port;
	}
	return c;
}

const char *
rpc_furl_tubid(const rpc_furl *f)
{
	g_return_val_if_fail(f != NULL, NULL);
	return f->tubid;
}

const uint8_t *
rpc_furl_tubid_raw(const rpc_furl *f)
{
	g_return_val_if_fail(f != NULL, NULL);
	return f->tubid_raw;
}

const char *
rpc_furl_swissnum(const rpc_furl *f)
{
	g_return_val_if_fail(f != NULL, NULL);
	return f->swissnum;
}

size_t
rpc_furl_n_hints(const rpc_furl *f)
{
	g_return_val_if_fail(f != NULL, 0);
	return f->n_hints;
}

const char *
rpc_furl_hint_host(const rpc_furl *f, size_t i)
{
	g_return_val_if_fail(f != NULL && i < f->n_hints, NULL);
	return f->hints[i].host;
}

uint16_t
rpc_furl_hint_port(const rpc_furl *f, size_t i)
{
	g_return_val_if_fail(f != NULL && i < f->n_hints, 0);
	return f->hints[i].port;
}

/* Append the canonical hints of 'f' to 's'. */
static void
append_hints(GString *s, const rpc_furl *f)
{
	size_t i;

	for (i = 0; i < f->n_hints; i++) {
		const struct furl_hint *h = &f->hints[i];

		if (i > 0)
			g_string_append_c(s, ',');
		/* Only an IPv6 host contains ':'; it needs its brackets. */
		if (strchr(h->host, ':') != NULL)
			g_string_append_printf(s, HINT_TCP "[%s]:%u", h->host,
			    (unsigned int)h->port);
		else
			g_string_append_printf(s, HINT_TCP "%s:%u", h->host,
			    (unsigned int)h->port);
	}
}

/* Format 'f' with the first 'show' characters of the swissnum, followed
 * by "..." if that is not all of it. */
static char *
furl_format(const rpc_furl *f, size_t show)
{
	GString *s = g_string_new(FURL_SCHEME);
	size_t slen = strlen(f->swissnum);

	g_string_append(s, f->tubid);
	g_string_append_c(s, '@');
	append_hints(s, f);
	g_string_append_c(s, '/');
	g_string_append_len(s, f->swissnum, (gssize)MIN(show, slen));
	if (show < slen)
		g_string_append(s, "...");
	return g_string_free(s, FALSE);
}

char *
rpc_furl_to_string(const rpc_furl *f)
{
	g_return_val_if_fail(f != NULL, NULL);
	return furl_format(f, SIZE_MAX);
}

char *
rpc_furl_location(const rpc_furl *f)
{
	GString *s = g_string_new(NULL);

	g_return_val_if_fail(f != NULL, NULL);
	append_hints(s, f);
	return g_string_free(s, FALSE);
}

char *
rpc_furl_redacted(const rpc_furl *f)
{
	size_t slen;

	g_return_val_if_fail(f != NULL, NULL);
	/* Never show a whole swissnum, however short. */
	slen = strlen(f->swissnum);
	return furl_format(f, MIN(REDACT_SHOW, slen - 1));
}

char *
rpc_furl_build(const char *tubid, const char *location, const char *swissnum,
    GError **error)
{
	rpc_furl *f = NULL;
	char *text;

	g_return_val_if_fail(tubid != NULL && location != NULL &&
	    swissnum != NULL, NULL);
	/* Each part must stay inside its own field of the text, or the
	 * parse below would check a different split than the caller meant. */
	if (strpbrk(tubid, "@/") != NULL) {
		rpc_set_error(error, RPC_E_FORMAT, "bad tubid in FURL: not %d "
		    "base32 characters", RPC_TUBID_LEN);
		return NULL;
	}
	if (strchr(location, '/') != NULL) {
		rpc_set_error(error, RPC_E_FORMAT,
		    "bad location: contains '/'");
		return NULL;
	}
	text = g_strconcat(FURL_SCHEME, tubid, "@", location, "/", swissnum,
	    NULL);
	if (!rpc_furl_parse(text, &f, error)) {
		sodium_memzero(text, strlen(text));
		g_free(text);
		return NULL;
	}
	rpc_furl_free(f);
	return text;
}

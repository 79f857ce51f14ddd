/* tests/unit/test_rpc_furl.c -- FURL parsing, formatting and redaction. */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include <glib.h>

#include "rpc/common.h"
#include "rpc/err.h"
#include "rpc/furl.h"

/* base32 of the bytes 0, 1, ..., 31. */
#define T	"aaaqeayeaudaocajbifqydiob4ibceqtcqkrmfyydenbwha5dypq"
/* The same with non-zero unused trailing bits. */
#define T_BADBITS "aaaqeayeaudaocajbifqydiob4ibceqtcqkrmfyydenbwha5dypr"
/* A swissnum easy to spot in any message. */
#define SWISS	"SECRETSECRETsecret"
#define P	"pb://" T "@"

/* Parse 'text', which must succeed, and return the canonical form. */
static char *
canon(const char *text)
{
	GError *err = NULL;
	rpc_furl *f = NULL;
	char *s;

	if (!rpc_furl_parse(text, &f, &err))
		fail_msg("parse '%s': %s", text, err->message);
	assert_null(err);
	s = rpc_furl_to_string(f);
	rpc_furl_free(f);
	return s;
}

/* Parse 'text' and then its canonical text: both must give 'want'. */
static void
assert_canon(const char *text, const char *want)
{
	char *s1 = canon(text), *s2;

	assert_string_equal(s1, want);
	s2 = canon(s1);
	assert_string_equal(s2, want);
	g_free(s1);
	g_free(s2);
}

static void
test_furl_round_trips_zero_hints(void **state)
{
	RPC_UNUSED(state);
	assert_canon(P "/" SWISS, P "/" SWISS);
}

static void
test_furl_round_trips_one_dns_hint(void **state)
{
	RPC_UNUSED(state);
	assert_canon(P "tcp:node-1.example.org:1234/" SWISS,
	    P "tcp:node-1.example.org:1234/" SWISS);
}

static void
test_furl_round_trips_several_hints(void **state)
{
	RPC_UNUSED(state);
	assert_canon(P "tcp:a.example:1,tcp:10.0.0.1:65535,"
	    "tcp:[2001:db8::1]:443,tcp:localhost:80/" SWISS,
	    P "tcp:a.example:1,tcp:10.0.0.1:65535,"
	    "tcp:[2001:db8::1]:443,tcp:localhost:80/" SWISS);
}

static void
test_furl_round_trips_ipv6_zone(void **state)
{
	RPC_UNUSED(state);
	assert_canon(P "tcp:[fe80::1%eth0]:80/" SWISS,
	    P "tcp:[fe80::1%eth0]:80/" SWISS);
}

static void
test_furl_legacy_hints_become_tcp(void **state)
{
	RPC_UNUSED(state);
	assert_canon(P "example.com:80,127.0.0.1:9/" SWISS,
	    P "tcp:example.com:80,tcp:127.0.0.1:9/" SWISS);
}

/* One spelling per port: "080" is refused, not read as 80. */
static void
test_furl_port_leading_zeros_refused(void **state)
{
	g_autoptr(rpc_furl) f = NULL;
	g_autoptr(GError) err = NULL;

	RPC_UNUSED(state);
	assert_false(rpc_furl_parse(P "tcp:h:00080/" SWISS, &f, &err));
	assert_null(f);
	assert_true(g_error_matches(err, RPC_ERROR, RPC_E_FORMAT));
	assert_non_null(strstr(err->message, "bad port"));
}

static void
test_furl_accessors(void **state)
{
	g_autoptr(rpc_furl) f = NULL;
	GError *err = NULL;
	uint8_t raw[RPC_TUBID_RAW];
	size_t i;

	RPC_UNUSED(state);
	assert_true(rpc_furl_parse(P "tcp:[::1]:8080,h.example:7/" SWISS, &f,
	    &err));
	assert_string_equal(rpc_furl_tubid(f), T);
	for (i = 0; i < sizeof(raw); i++)
		raw[i] = (uint8_t)i;
	assert_memory_equal(rpc_furl_tubid_raw(f), raw, sizeof(raw));
	assert_string_equal(rpc_furl_swissnum(f), SWISS);
	assert_int_equal(rpc_furl_n_hints(f), 2);
	assert_string_equal(rpc_furl_hint_host(f, 0), "::1");
	assert_int_equal(rpc_furl_hint_port(f, 0), 8080);
	assert_string_equal(rpc_furl_hint_host(f, 1), "h.example");
	assert_int_equal(rpc_furl_hint_port(f, 1), 7);
}

/* A copy has the same parts and outlives the original. */
static void
test_furl_copy_is_deep(void **state)
{
	g_autoptr(rpc_furl) c = NULL;
	g_autofree char *text = NULL, *copied = NULL;
	rpc_furl *f = NULL;

	RPC_UNUSED(state);
	assert_true(rpc_furl_parse(P "tcp:[::1]:8080,h.example:7/" SWISS, &f,
	    NULL));
	text = rpc_furl_to_string(f);
	c = rpc_furl_copy(f);
	assert_non_null(c);
	assert_ptr_not_equal(rpc_furl_swissnum(c), rpc_furl_swissnum(f));
	assert_ptr_not_equal(rpc_furl_hint_host(c, 0),
	    rpc_furl_hint_host(f, 0));
	rpc_furl_free(f);
	copied = rpc_furl_to_string(c);
	assert_string_equal(copied, text);
	assert_string_equal(rpc_furl_tubid(c), T);
	assert_int_equal(rpc_furl_n_hints(c), 2);
	assert_int_equal(rpc_furl_hint_port(c, 1), 7);
}

static void
test_furl_accepts_limits(void **state)
{
	GString *s = g_string_new(P);
	g_autoptr(rpc_furl) f = NULL;
	GError *err = NULL;
	int i;

	RPC_UNUSED(state);
	for (i = 0; i < RPC_FURL_MAX_HINTS; i++)
		g_string_append_printf(s, "%stcp:h%d:%d", i ? "," : "", i,
		    i + 1);
	g_string_append_c(s, '/');
	for (i = 0; i < RPC_SWISSNUM_MAX; i++)
		g_string_append_c(s, (char)('!' + i % 14));	/* !"#... */
	/* '#', '%' and '&' are in that range: replace them. */
	g_strdelimit(s->str + s->len - RPC_SWISSNUM_MAX, "#%&", 'x');
	assert_true(rpc_furl_parse(s->str, &f, &err));
	assert_int_equal(rpc_furl_n_hints(f), RPC_FURL_MAX_HINTS);
	g_string_free(s, TRUE);
}

/* "pb://T@" + 9 hints of 200-character hosts + "/" + swissnum, padded to
 * exactly 'total' characters with the swissnum. */
static char *
long_furl(size_t total)
{
	GString *s = g_string_new(P);
	size_t i, j;

	for (i = 0; i < 9; i++) {
		g_string_append_printf(s, "%stcp:", i ? "," : "");
		for (j = 0; j < 200; j++)
			g_string_append_c(s, j % 51 == 50 ? '.' : 'a');
		g_string_append(s, ":1");
	}
	g_string_append_c(s, '/');
	g_assert(s->len < total);
	while (s->len < total)
		g_string_append_c(s, 's');
	return g_string_free(s, FALSE);
}

static void
test_furl_accepts_max_length(void **state)
{
	g_autoptr(rpc_furl) f = NULL;
	char *text = long_furl(RPC_FURL_MAX);
	GError *err = NULL;

	RPC_UNUSED(state);
	assert_int_equal(strlen(text), RPC_FURL_MAX);
	if (!rpc_furl_parse(text, &f, &err))
		fail_msg("%s", err->message);
	g_free(text);
}

static void
test_furl_rejects_over_max_length(void **state)
{
	g_autoptr(rpc_furl) f = NULL;
	char *text = long_furl(RPC_FURL_MAX + 1);
	GError *err = NULL;

	RPC_UNUSED(state);
	assert_false(rpc_furl_parse(text, &f, &err));
	assert_null(f);
	assert_true(g_error_matches(err, RPC_ERROR, RPC_E_TOOBIG));
	g_error_free(err);
	g_free(text);
}

static void
test_furl_rejects_too_many_hints(void **state)
{
	GString *s = g_string_new(P);
	g_autoptr(rpc_furl) f = NULL;
	GError *err = NULL;
	int i;

	RPC_UNUSED(state);
	for (i = 0; i <= RPC_FURL_MAX_HINTS; i++)
		g_string_append_printf(s, "%stcp:h:%d", i ? "," : "", i + 1);
	g_string_append(s, "/" SWISS);
	assert_false(rpc_furl_parse(s->str, &f, &err));
	assert_null(f);
	assert_true(g_error_matches(err, RPC_ERROR, RPC_E_TOOBIG));
	g_error_free(err);
	g_string_free(s, TRUE);
}

static void
test_furl_rejects_long_swissnum(void **state)
{
	GString *s = g_string_new(P "tcp:h:80/");
	g_autoptr(rpc_furl) f = NULL;
	GError *err = NULL;
	int i;

	RPC_UNUSED(state);
	for (i = 0; i <= RPC_SWISSNUM_MAX; i++)
		g_string_append_c(s, 'S');
	assert_false(rpc_furl_parse(s->str, &f, &err));
	assert_true(g_error_matches(err, RPC_ERROR, RPC_E_FORMAT));
	assert_null(strstr(err->message, "SS"));
	g_error_free(err);
	g_string_free(s, TRUE);
}

#define H63 "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"

static const char *const hostile[] = {
	"",
	"http://" T "@tcp:h:80/" SWISS,
	"pb:/" T "@tcp:h:80/" SWISS,
	"PB://" T "@tcp:h:80/" SWISS,
	" pb://" T "@tcp:h:80/" SWISS,
	/* no '@', no '/' */
	"pb://" T,
	"pb://" T "tcp:h:80/" SWISS,
	P "tcp:h:80",
	P,
	/* tubid */
	"pb://@tcp:h:80/" SWISS,
	"pb://" "aaaqeayeaudaocajbifqydiob4ibceqtcqkrmfyydenbwha5dyp" "@/"
	    SWISS,
	"pb://" T "a@/" SWISS,
	"pb://" "AAAQEAYEAUDAOCAJBIFQYDIOB4IBCEQTCQKRMFYYDENBWHA5DYPQ" "@/"
	    SWISS,
	"pb://" "aaaqeayeaudaocajbifqydiob4ibceqtcqkrmfyydenbwha5dyp0" "@/"
	    SWISS,
	"pb://" "aaaqeayeaudaocajbifqydiob4ibceqtcqkrmfyydenbwha5dyp1" "@/"
	    SWISS,
	"pb://" "aaaqeayeaudaocajbifqydiob4ibceqtcqkrmfyydenbwha5dy8q" "@/"
	    SWISS,
	"pb://" "aaaqeayeaudaocajbifqydiob4ibceqtcqkrmfyydenbwha5dyp=" "@/"
	    SWISS,
	"pb://" T_BADBITS "@/" SWISS,
	/* empty hint elements */
	P ",tcp:h:80/" SWISS,
	P "tcp:h:80,/" SWISS,
	P "tcp:a:1,,tcp:b:2/" SWISS,
	P ",/" SWISS,
	/* ports */
	P "tcp:h:0/" SWISS,
	P "tcp:h:65536/" SWISS,
	P "tcp:h:99999/" SWISS,
	P "tcp:h:-1/" SWISS,
	P "tcp:h:+80/" SWISS,
	P "tcp:h:abc/" SWISS,
	P "tcp:h:123456/" SWISS,
	P "tcp:h:000080/" SWISS,
	P "tcp:h:/" SWISS,
	P "tcp:h/" SWISS,
	P "tcp:h: 80/" SWISS,
	P "tcp:h:80 /" SWISS,
	P "h:0/" SWISS,
	P "h/" SWISS,
	/* IPv6 */
	P "tcp:::1:80/" SWISS,
	P "tcp:2001:db8::1:80/" SWISS,
	P "::1:80/" SWISS,
	P "[::1]:80/" SWISS,
	P "tcp:[::1:80/" SWISS,
	P "tcp:[::1]80/" SWISS,
	P "tcp:[::1]/" SWISS,
	P "tcp:[]:80/" SWISS,
	P "tcp:[::g]:80/" SWISS,
	P "tcp:[1.2.3.4]:80/" SWISS,
	P "tcp:[::1%]:80/" SWISS,
	P "tcp:[::1%e th]:80/" SWISS,
	P "tcp:[%eth0]:80/" SWISS,
	/* hint types */
	P "tor:abcdefghijklmnop.onion:80/" SWISS,
	P "i2p:abc.i2p:80/" SWISS,
	P "TCP:h:80/" SWISS,
	P "tcp:/" SWISS,
	/* hosts */
	P "tcp::80/" SWISS,
	P "tcp:-h:80/" SWISS,
	P "tcp:h-:80/" SWISS,
	P "tcp:a..b:80/" SWISS,
	P "tcp:.a:80/" SWISS,
	P "tcp:a.:80/" SWISS,
	P "tcp:h_x:80/" SWISS,
	P "tcp:h x:80/" SWISS,
	P "tcp:h\xc3\xa9:80/" SWISS,
	P "tcp:1.2.3:80/" SWISS,
	P "tcp:1.2.3.256:80/" SWISS,
	P "tcp:1.2.3.4.:80/" SWISS,
	P "tcp:01.2.3.4:80/" SWISS,
	/* numbers a resolver reads as another IPv4 address */
	P "tcp:0x7f.0.0.1:80/" SWISS,
	P "tcp:0X7F.0.0.1:80/" SWISS,
	P "tcp:0x7f000001:80/" SWISS,
	P "tcp:0x:80/" SWISS,
	P "tcp:127.1:80/" SWISS,
	P "tcp:2130706433:80/" SWISS,
	P "tcp:a.0x10:80/" SWISS,
	P "tcp:example.123:80/" SWISS,
	P "0x7f.0.0.1:80/" SWISS,
	/* ports with leading zeros */
	P "tcp:h:080/" SWISS,
	P "tcp:h:00/" SWISS,
	P "h:01/" SWISS,
	P "tcp:" H63 "a:80/" SWISS,
	P "tcp:h@x:80/" SWISS,
	/* swissnum */
	P "tcp:h:80/",
	P "/",
	P "tcp:h:80/" SWISS "/x",
	P "tcp:h:80/" SWISS "?x",
	P "tcp:h:80/" SWISS "&x",
	P "tcp:h:80/" SWISS "#x",
	P "tcp:h:80/" SWISS "%41",
	P "tcp:h:80/" SWISS " x",
	P "tcp:h:80/" SWISS "\t",
	P "tcp:h:80/" SWISS "\n",
	P "tcp:h:80/" SWISS "\x7f",
	P "tcp:h:80/" SWISS "\xc3\xa9",
};

static void
test_furl_rejects_hostile_table(void **state)
{
	size_t i;

	RPC_UNUSED(state);
	for (i = 0; i < G_N_ELEMENTS(hostile); i++) {
		GError *err = NULL;
		rpc_furl *f = (rpc_furl *)&err;	/* must be cleared */

		if (rpc_furl_parse(hostile[i], &f, &err))
			fail_msg("accepted hostile FURL %zu: '%s'", i,
			    hostile[i]);
		assert_null(f);
		assert_non_null(err);
		if (!g_error_matches(err, RPC_ERROR, RPC_E_FORMAT))
			fail_msg("FURL %zu: code %d: %s", i, err->code,
			    err->message);
		g_error_free(err);
	}
}

/* No hostile FURL's message quotes the swissnum or spans lines. */
static void
test_furl_errors_never_show_swissnum(void **state)
{
	size_t i;

	RPC_UNUSED(state);
	for (i = 0; i < G_N_ELEMENTS(hostile); i++) {
		GError *err = NULL;
		rpc_furl *f = NULL;

		assert_false(rpc_furl_parse(hostile[i], &f, &err));
		if (strstr(err->message, "SECRET") != NULL ||
		    strstr(err->message, "secret") != NULL)
			fail_msg("FURL %zu: message shows swissnum: %s", i,
			    err->message);
		if (strchr(err->message, '\n') != NULL)
			fail_msg("FURL %zu: message spans lines", i);
		g_error_free(err);
	}
}

static void
assert_message(const char *text, const char *want)
{
	GError *err = NULL;
	rpc_furl *f = NULL;

	assert_false(rpc_furl_parse(text, &f, &err));
	assert_string_equal(err->message, want);
	g_error_free(err);
}

static void
test_furl_messages_say_what_is_wrong(void **state)
{
	RPC_UNUSED(state);
	assert_message("pb://" T "/" SWISS, "FURL has no '@'");
	assert_message("pb://abc@/" SWISS,
	    "bad tubid in FURL: not 52 base32 characters");
	assert_message(P "tcp:a:1,,tcp:b:2/" SWISS, "empty hint in FURL");
	assert_message(P "tcp:h:99999/" SWISS,
	    "bad port in hint 'tcp:h:99999'");
	assert_message(P "tor:x.onion:80/" SWISS,
	    "hint type 'tor' is not supported (only tcp)");
	assert_message(P "tcp:h:80/", "FURL has an empty swissnum");
}

static void
test_furl_redacted_shows_two_chars(void **state)
{
	g_autoptr(rpc_furl) f = NULL;
	char *r;

	RPC_UNUSED(state);
	assert_true(rpc_furl_parse(P "tcp:h:80/" SWISS, &f, NULL));
	r = rpc_furl_redacted(f);
	assert_string_equal(r, P "tcp:h:80/SE...");
	g_free(r);
}

static void
test_furl_location_has_no_swissnum(void **state)
{
	g_autoptr(rpc_furl) f = NULL, z = NULL;
	char *r;

	RPC_UNUSED(state);
	assert_true(rpc_furl_parse(P "h:80,tcp:[::1]:9/" SWISS, &f, NULL));
	r = rpc_furl_location(f);
	assert_string_equal(r, "tcp:h:80,tcp:[::1]:9");
	g_free(r);
	assert_true(rpc_furl_parse(P "/" SWISS, &z, NULL));
	r = rpc_furl_location(z);
	assert_string_equal(r, "");
	g_free(r);
}

static void
test_furl_redacted_hides_short_swissnum(void **state)
{
	static const struct {
		const char *in, *want;
	} t[] = {
		{ P "/abc", P "/ab..." },
		{ P "/ab", P "/a..." },
		{ P "/a", P "/..." },
	};
	size_t i;

	RPC_UNUSED(state);
	for (i = 0; i < G_N_ELEMENTS(t); i++) {
		rpc_furl *f = NULL;
		char *r;

		assert_true(rpc_furl_parse(t[i].in, &f, NULL));
		r = rpc_furl_redacted(f);
		assert_string_equal(r, t[i].want);
		g_free(r);
		rpc_furl_free(f);
	}
}

static void
test_furl_free_null_is_noop(void **state)
{
	RPC_UNUSED(state);
	rpc_furl_free(NULL);
}

static void
test_furl_build_joins_parts(void **state)
{
	GError *err = NULL;
	char *s;

	RPC_UNUSED(state);
	s = rpc_furl_build(T, "h.example:80,tcp:[::1]:9", SWISS, &err);
	assert_non_null(s);
	assert_string_equal(s, P "h.example:80,tcp:[::1]:9/" SWISS);
	g_free(s);
	s = rpc_furl_build(T, "", "x", &err);
	assert_string_equal(s, P "/x");
	g_free(s);
}

static void
test_furl_build_rejects_bad_parts(void **state)
{
	static const struct {
		const char *tubid, *location, *swissnum;
	} bad[] = {
		{ "abc", "", "x" },
		{ T "@", "", "x" },
		{ T, "tcp:h:0", "x" },
		{ T, "tcp:h:80/x", "x" },
		{ T, "a@b:1", "x" },
		{ T, "", "" },
		{ T, "", SWISS "/" },
		{ T, "", SWISS "?" },
	};
	size_t i;

	RPC_UNUSED(state);
	for (i = 0; i < G_N_ELEMENTS(bad); i++) {
		GError *err = NULL;
		char *s = rpc_furl_build(bad[i].tubid, bad[i].location,
		    bad[i].swissnum, &err);

		if (s != NULL)
			fail_msg("built bad FURL %zu: %s", i, s);
		assert_true(g_error_matches(err, RPC_ERROR, RPC_E_FORMAT));
		assert_null(strstr(err->message, "SECRET"));
		g_error_free(err);
	}
}

static void
test_hint_parse_forms(void **state)
{
	static const struct {
		const char	*hint, *host;
		uint16_t	 port;
	} ok[] = {
		{ "tcp:example.com:443", "example.com", 443 },
		{ "tcp:127.0.0.1:1", "127.0.0.1", 1 },
		{ "tcp:[::1]:65535", "::1", 65535 },
		{ "tcp:[::ffff:1.2.3.4]:80", "::ffff:1.2.3.4", 80 },
		{ "example.com:80", "example.com", 80 },
		{ "10.1.2.3:8", "10.1.2.3", 8 },
		{ "tcp:" H63 ".x:1", H63 ".x", 1 },
		{ "tcp:1e100.net:1", "1e100.net", 1 },
		{ "tcp:xn--bcher-kva.example:1", "xn--bcher-kva.example", 1 },
		/* a number in a label other than the last is a name */
		{ "tcp:0x7f.example:1", "0x7f.example", 1 },
		{ "tcp:123.example:1", "123.example", 1 },
		{ "tcp:a.0xg:1", "a.0xg", 1 },
		{ "tcp:0.0.0.0:1", "0.0.0.0", 1 },
	};
	size_t i;

	RPC_UNUSED(state);
	for (i = 0; i < G_N_ELEMENTS(ok); i++) {
		GError *err = NULL;
		char *host = NULL;
		uint16_t port = 0;

		if (!rpc_hint_parse(ok[i].hint, &host, &port, &err))
			fail_msg("'%s': %s", ok[i].hint, err->message);
		assert_string_equal(host, ok[i].host);
		assert_int_equal(port, ok[i].port);
		g_free(host);
	}
}

static void
test_hint_parse_failure_clears_outputs(void **state)
{
	GError *err = NULL;
	char *host = (char *)"junk";
	uint16_t port = 7;

	RPC_UNUSED(state);
	assert_false(rpc_hint_parse("tcp:h:0", &host, &port, &err));
	assert_null(host);
	assert_int_equal(port, 0);
	assert_true(g_error_matches(err, RPC_ERROR, RPC_E_FORMAT));
	g_error_free(err);
}

static void
test_hint_parse_host_length_limit(void **state)
{
	GString *h = g_string_new("tcp:");
	GError *err = NULL;
	char *host = NULL;
	uint16_t port;
	int i;

	RPC_UNUSED(state);
	/* 4 labels of 63 plus 3 dots: 255 > RPC_HOST_MAX. */
	g_string_append(h, H63 "." H63 "." H63 "." H63 ":1");
	assert_false(rpc_hint_parse(h->str, &host, &port, &err));
	g_clear_error(&err);
	/* 61 + 3 * 63 + 3 dots = 253: accepted. */
	g_string_truncate(h, strlen("tcp:"));
	for (i = 0; i < 61; i++)
		g_string_append_c(h, 'a');
	g_string_append(h, "." H63 "." H63 "." H63 ":1");
	assert_true(rpc_hint_parse(h->str, &host, &port, &err));
	assert_int_equal(strlen(host), RPC_HOST_MAX);
	g_free(host);
	g_string_free(h, TRUE);
}

static void
test_hint_parse_message_is_one_line(void **state)
{
	GError *err = NULL;
	char *host;
	uint16_t port;
	GString *h = g_string_new("tcp:bad\nhost\x01:80");
	int i;

	RPC_UNUSED(state);
	assert_false(rpc_hint_parse(h->str, &host, &port, &err));
	assert_null(strchr(err->message, '\n'));
	assert_null(strchr(err->message, '\x01'));
	g_clear_error(&err);
	for (i = 0; i < 500; i++)
		g_string_append_c(h, 'x');
	assert_false(rpc_hint_parse(h->str, &host, &port, &err));
	assert_true(strlen(err->message) < 200);
	g_error_free(err);
	g_string_free(h, TRUE);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_furl_round_trips_zero_hints),
		cmocka_unit_test(test_furl_round_trips_one_dns_hint),
		cmocka_unit_test(test_furl_round_trips_several_hints),
		cmocka_unit_test(test_furl_round_trips_ipv6_zone),
		cmocka_unit_test(test_furl_legacy_hints_become_tcp),
		cmocka_unit_test(test_furl_port_leading_zeros_refused),
		cmocka_unit_test(test_furl_accessors),
		cmocka_unit_test(test_furl_copy_is_deep),
		cmocka_unit_test(test_furl_accepts_limits),
		cmocka_unit_test(test_furl_accepts_max_length),
		cmocka_unit_test(test_furl_rejects_over_max_length),
		cmocka_unit_test(test_furl_rejects_too_many_hints),
		cmocka_unit_test(test_furl_rejects_long_swissnum),
		cmocka_unit_test(test_furl_rejects_hostile_table),
		cmocka_unit_test(test_furl_errors_never_show_swissnum),
		cmocka_unit_test(test_furl_messages_say_what_is_wrong),
		cmocka_unit_test(test_furl_redacted_shows_two_chars),
		cmocka_unit_test(test_furl_redacted_hides_short_swissnum),
		cmocka_unit_test(test_furl_location_has_no_swissnum),
		cmocka_unit_test(test_furl_free_null_is_noop),
		cmocka_unit_test(test_furl_build_joins_parts),
		cmocka_unit_test(test_furl_build_rejects_bad_parts),
		cmocka_unit_test(test_hint_parse_forms),
		cmocka_unit_test(test_hint_parse_failure_clears_outputs),
		cmocka_unit_test(test_hint_parse_host_length_limit),
		cmocka_unit_test(test_hint_parse_message_is_one_line),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

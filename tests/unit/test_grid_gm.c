/* tests/unit/test_grid_gm.c -- the grid manager: config.json and
 * certificate formats byte for byte against Tahoe-LAFS's own vectors,
 * hostile inputs, every certificate verdict, the expiry boundary, times,
 * and the files kept in the manager's directory. */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include <glib/gstdio.h>
#include <sodium.h>

#include "grid/gm.h"
#include "rpc/base32.h"
#include "rpc/common.h"
#include "rpc/ident.h"

/* Tahoe-LAFS's test vectors (src/allmydata/test/cli/grid-manager/
 * vectors.json): the manager's key, whose seed is 32 bytes of 0x01, and
 * storage0's key. */
#define EX_PRIV_B32 "aeaqcaibaeaqcaibaeaqcaibaeaqcaibaeaqcaibaeaqcaibaeaq"
#define EX_PRIV "priv-v0-" EX_PRIV_B32
#define EX_GM_PUB "pub-v0-rkeohxlubhyzl7ks3mwtzos5olfgocn7dwkbeg7toseadnapn5oa"
#define EX_S0_PUB "pub-v0-wuz5rlm7z6654c2idqntgto4hrjucl6wcrle47s27ubag2gtqlbq"

#define EX_CONFIG_NO_SERVERS \
	"{\n" \
	"    \"grid_manager_config_version\": 0,\n" \
	"    \"private_key\": \"" EX_PRIV "\"\n" \
	"}\n"

#define EX_CONFIG \
	"{\n" \
	"    \"grid_manager_config_version\": 0,\n" \
	"    \"private_key\": \"" EX_PRIV "\",\n" \
	"    \"storage_servers\": {\n" \
	"        \"storage0\": {\n" \
	"            \"public_key\": \"" EX_S0_PUB "\"\n" \
	"        }\n" \
	"    }\n" \
	"}\n"

/* Made by Tahoe-LAFS's grid-manager with the key above for storage0. */
#define EX_CERT \
	"{\n" \
	"    \"certificate\": \"{\\\"expires\\\":\\\"2124-12-08T00:00:00" \
	"+00:00\\\",\\\"public_key\\\":\\\"" EX_S0_PUB "\\\",\\\"version" \
	"\\\":1}\",\n" \
	"    \"signature\": \"ckxq22hsj4usopma2pjlgmm3ommzkgtiewrtkfijgsrt4" \
	"rt75zvvlcafdedqzwsvluta6orthcvwqj7i73sp6laffynkk37wuzua4di\"\n" \
	"}"

#define SEC	G_GINT64_CONSTANT(1000000)
#define DAY	(86400 * SEC)
#define T2026	(G_GINT64_CONSTANT(1767225600) * SEC)	/* 2026-01-01 */
#define T2027	(G_GINT64_CONSTANT(1798761600) * SEC)	/* 2027-01-01 */
#define T2124	(G_GINT64_CONSTANT(4889289600) * SEC)	/* 2124-12-08 */

/* ---- helpers ---- */

static grid_gm *
example_gm(void)
{
	grid_gm *gm = grid_gm_parse(EX_CONFIG, strlen(EX_CONFIG), NULL);

	assert_non_null(gm);
	return gm;
}

static void
pk_of(const char *text, uint8_t *pk)
{
	assert_true(rpc_pubkey_parse(text, pk, NULL));
}

static void
gm_pk(const grid_gm *gm, uint8_t *pk)
{
	g_autofree char *t = grid_gm_public_identity(gm);

	pk_of(t, pk);
}

/* A certificate file signed by 'id' over exactly 'inner'. */
static char *
cert_file(const rpc_ident *id, const char *inner)
{
	uint8_t sig[RPC_SIG_LEN];
	g_autofree char *b = NULL;
	GString *g = g_string_new("{\"certificate\": \"");
	const char *p;

	crypto_sign_detached(sig, NULL, (const uint8_t *)inner, strlen(inner),
	    rpc_ident_sk(id));
	b = rpc_base32_encode(sig, sizeof(sig));
	for (p = inner; *p != '\0'; p++) {
		if (*p == '"' || *p == '\\')
			g_string_append_c(g, '\\');
		g_string_append_c(g, *p);
	}
	g_string_append_printf(g, "\", \"signature\": \"%s\"}", b);
	return g_string_free(g, FALSE);
}

static rpc_ident *
example_ident(void)
{
	uint8_t seed[RPC_SEED_LEN];

	memset(seed, 1, sizeof(seed));
	return rpc_ident_new_from_seed(seed);
}

/* Parse a certificate that must be well formed. */
static grid_cert *
cert_ok(const char *text)
{
	g_autoptr(GError) err = NULL;
	grid_cert *c = grid_cert_parse(text, strlen(text), &err);

	if (c == NULL)
		fail_msg("%s", err->message);
	return c;
}

/* Sign 'inner' with the example manager and judge it for storage0. */
static grid_cert_verdict
judge_inner(const char *inner, gint64 now, char **why)
{
	g_autoptr(rpc_ident) id = example_ident();
	g_autofree char *file = cert_file(id, inner);
	g_autoptr(grid_cert) c = cert_ok(file);
	uint8_t s0[32];

	pk_of(EX_S0_PUB, s0);
	return grid_cert_check(c, rpc_ident_pk(id), 1, s0, now, why);
}

static void
assert_config_fails(const char *text, int code)
{
	g_autoptr(GError) err = NULL;
	g_autoptr(grid_gm) gm = grid_gm_parse(text, strlen(text), &err);

	assert_null(gm);
	assert_non_null(err);
	if (!g_error_matches(err, GRID_ERROR, code))
		fail_msg("code %d, message %s", err->code, err->message);
	assert_null(strchr(err->message, '\n'));
}

static void
assert_cert_fails(const char *text)
{
	g_autoptr(GError) err = NULL;
	g_autoptr(grid_cert) c = grid_cert_parse(text, strlen(text), &err);

	assert_null(c);
	assert_true(g_error_matches(err, GRID_ERROR, GRID_E_FORMAT));
	assert_null(strchr(err->message, '\n'));
}

static char *
make_tmpdir(void)
{
	char *d = g_dir_make_tmp("test_grid_gm-XXXXXX", NULL);

	assert_non_null(d);
	return d;
}

/* Remove 'dir' and the files in it (our directories are flat, except
 * for one level of "gm" subdirectory). */
static void
rm_tree(const char *dir)
{
	GDir *d = g_dir_open(dir, 0, NULL);
	const char *n;

	if (d != NULL) {
		while ((n = g_dir_read_name(d)) != NULL) {
			g_autofree char *p = g_build_filename(dir, n, NULL);

			if (g_file_test(p, G_FILE_TEST_IS_DIR))
				rm_tree(p);
			else
				g_unlink(p);
		}
		g_dir_close(d);
	}
	g_rmdir(dir);
}

static guint
count_entries(const char *dir)
{
	GDir *d = g_dir_open(dir, 0, NULL);
	guint n = 0;

	assert_non_null(d);
	while (g_dir_read_name(d) != NULL)
		n++;
	g_dir_close(d);
	return n;
}

/* ---- keys and config.json ---- */

static void
test_new_key_text_round_trips(void **state)
{
	g_autoptr(grid_gm) a = grid_gm_new();
	g_autofree char *json = grid_gm_to_json(a);
	g_autoptr(grid_gm) b = grid_gm_parse(json, strlen(json), NULL);
	g_autofree char *pa = grid_gm_public_identity(a);
	g_autofree char *pb = NULL;

	RPC_UNUSED(state);
	assert_non_null(b);
	pb = grid_gm_public_identity(b);
	assert_string_equal(pa, pb);
}

static void
test_example_key_has_tahoe_public_identity(void **state)
{
	g_autoptr(grid_gm) gm = example_gm();
	g_autofree char *pub = grid_gm_public_identity(gm);

	RPC_UNUSED(state);
	assert_string_equal(pub, EX_GM_PUB);
}

static void
test_example_config_is_rewritten_byte_for_byte(void **state)
{
	g_autoptr(grid_gm) gm = example_gm();
	g_autofree char *json = grid_gm_to_json(gm);

	RPC_UNUSED(state);
	assert_string_equal(json, EX_CONFIG);
}

static void
test_config_without_servers_is_rewritten_byte_for_byte(void **state)
{
	g_autoptr(grid_gm) gm = grid_gm_parse(EX_CONFIG_NO_SERVERS,
	    strlen(EX_CONFIG_NO_SERVERS), NULL);
	g_autofree char *json = NULL;

	RPC_UNUSED(state);
	assert_non_null(gm);
	json = grid_gm_to_json(gm);
	assert_string_equal(json, EX_CONFIG_NO_SERVERS);
}

static void
test_removing_last_server_drops_storage_servers(void **state)
{
	g_autoptr(grid_gm) gm = example_gm();
	g_autofree char *json = NULL;

	RPC_UNUSED(state);
	assert_true(grid_gm_remove(gm, "storage0", NULL));
	json = grid_gm_to_json(gm);
	assert_string_equal(json, EX_CONFIG_NO_SERVERS);
}

static void
test_config_accepts_empty_storage_servers(void **state)
{
	static const char text[] = "{\"grid_manager_config_version\": 0, "
	    "\"private_key\": \"" EX_PRIV "\", \"storage_servers\": {}}";
	g_autoptr(grid_gm) gm = grid_gm_parse(text, strlen(text), NULL);

	RPC_UNUSED(state);
	assert_non_null(gm);
	assert_int_equal(grid_gm_n_servers(gm), 0);
}

static void
test_config_rejects_invalid_json(void **state)
{
	RPC_UNUSED(state);
	assert_config_fails("{\"grid_manager_config_version\": 0,",
	    GRID_E_FORMAT);
}

static void
test_config_rejects_non_object(void **state)
{
	RPC_UNUSED(state);
	assert_config_fails("[0]", GRID_E_FORMAT);
}

static void
test_config_rejects_empty_text(void **state)
{
	RPC_UNUSED(state);
	assert_config_fails("", GRID_E_FORMAT);
}

static void
test_config_rejects_missing_version(void **state)
{
	RPC_UNUSED(state);
	assert_config_fails("{\"private_key\": \"" EX_PRIV "\"}",
	    GRID_E_VERSION);
}

static void
test_config_rejects_unknown_version(void **state)
{
	RPC_UNUSED(state);
	assert_config_fails("{\"grid_manager_config_version\": 1, "
	    "\"private_key\": \"" EX_PRIV "\"}", GRID_E_VERSION);
}

static void
test_config_rejects_version_as_string(void **state)
{
	RPC_UNUSED(state);
	assert_config_fails("{\"grid_manager_config_version\": \"0\", "
	    "\"private_key\": \"" EX_PRIV "\"}", GRID_E_VERSION);
}

static void
test_config_rejects_missing_private_key(void **state)
{
	RPC_UNUSED(state);
	assert_config_fails("{\"grid_manager_config_version\": 0}",
	    GRID_E_FORMAT);
}

static void
test_config_rejects_private_key_of_wrong_type(void **state)
{
	RPC_UNUSED(state);
	assert_config_fails("{\"grid_manager_config_version\": 0, "
	    "\"private_key\": 7}", GRID_E_FORMAT);
}

static void
test_config_rejects_bad_private_key_without_quoting_it(void **state)
{
	static const char *bad[] = {
		"{\"grid_manager_config_version\": 0, \"private_key\": "
		    "\"priv-v0-secretsecret\"}",
		"{\"grid_manager_config_version\": 0, \"private_key\": "
		    "\"pub-v0-" EX_PRIV_B32 "\"}",
		"{\"grid_manager_config_version\": 0, \"private_key\": "
		    "\"priv-v0-" EX_PRIV_B32 "aa\"}",
	};
	size_t i;

	RPC_UNUSED(state);
	for (i = 0; i < G_N_ELEMENTS(bad); i++) {
		g_autoptr(GError) err = NULL;

		assert_null(grid_gm_parse(bad[i], strlen(bad[i]), &err));
		assert_true(g_error_matches(err, GRID_ERROR, GRID_E_FORMAT));
		assert_null(strstr(err->message, "secret"));
		assert_null(strstr(err->message, EX_PRIV_B32));
	}
}

/* The parser's own messages quote the text near the error; the key must
 * not reach them. */
static void
test_config_rejects_invalid_json_without_quoting_it(void **state)
{
	static const char *bad[] = {
		"{\"grid_manager_config_version\": 0, \"private_key\": "
		    "\"priv-v0-secretsecret\x01\"}",
		"{\"grid_manager_config_version\": 0, \"private_key\": "
		    "\"priv-v0-secretsecret\\q\"}",
		"{\"grid_manager_config_version\": 0, \"private_key\": "
		    "\"priv-v0-secretsecret",
		"{\"grid_manager_config_version\": 0, \"private_key\": "
		    "priv-v0-secretsecret}",
	};
	size_t i;

	RPC_UNUSED(state);
	for (i = 0; i < G_N_ELEMENTS(bad); i++) {
		g_autoptr(GError) err = NULL;

		assert_null(grid_gm_parse(bad[i], strlen(bad[i]), &err));
		assert_true(g_error_matches(err, GRID_ERROR, GRID_E_FORMAT));
		if (strstr(err->message, "secret") != NULL)
			fail_msg("%s", err->message);
	}
}

static void
test_config_rejects_server_without_public_key(void **state)
{
	RPC_UNUSED(state);
	assert_config_fails("{\"grid_manager_config_version\": 0, "
	    "\"private_key\": \"" EX_PRIV "\", \"storage_servers\": "
	    "{\"s\": {}}}", GRID_E_FORMAT);
}

static void
test_config_rejects_bad_public_key(void **state)
{
	RPC_UNUSED(state);
	assert_config_fails("{\"grid_manager_config_version\": 0, "
	    "\"private_key\": \"" EX_PRIV "\", \"storage_servers\": "
	    "{\"s\": {\"public_key\": \"pub-v0-abc\"}}}", GRID_E_FORMAT);
}

static void
test_config_rejects_unknown_key(void **state)
{
	RPC_UNUSED(state);
	assert_config_fails("{\"grid_manager_config_version\": 0, "
	    "\"private_key\": \"" EX_PRIV "\", \"storage_server\": {}}",
	    GRID_E_FORMAT);
}

static void
test_config_rejects_duplicate_key(void **state)
{
	RPC_UNUSED(state);
	assert_config_fails("{\"grid_manager_config_version\": 0, "
	    "\"private_key\": \"" EX_PRIV "\", \"storage_servers\": "
	    "{\"s\": {\"public_key\": \"" EX_S0_PUB "\"}, "
	    "\"s\": {\"public_key\": \"" EX_S0_PUB "\"}}}", GRID_E_FORMAT);
}

static void
test_config_rejects_control_character_in_name(void **state)
{
	RPC_UNUSED(state);
	assert_config_fails("{\"grid_manager_config_version\": 0, "
	    "\"private_key\": \"" EX_PRIV "\", \"storage_servers\": "
	    "{\"a\\nb\": {\"public_key\": \"" EX_S0_PUB "\"}}}",
	    GRID_E_FORMAT);
}

/* What a lax JSON parser would accept, or mangle. */
static void
test_config_rejects_non_standard_json(void **state)
{
	static const char *bad[] = {
		"{\"grid_manager_config_version\": 0 /* c */}",
		"{'grid_manager_config_version': 0}",
		"{\"grid_manager_config_version\": 00}",
		"{\"grid_manager_config_version\": 0,}",
		"{\"grid_manager_config_version\": 0} {}",
		"{\"grid_manager_config_version\": 0, \"x\": \"a\\u0000\"}",
		"{\"grid_manager_config_version\": 0, \"x\": \"\\ud800\"}",
		"{\"grid_manager_config_version\": 0, \"x\": \"a\tb\"}",
		"{\"grid_manager_config_version\": 0, \"x\": \"\xff\"}",
		/* 10^19 does not fit a gint64 */
		("{\"grid_manager_config_version\": 0, \"x\": 1"
		    "0000000000000000000}"),
	};
	size_t i;

	RPC_UNUSED(state);
	for (i = 0; i < G_N_ELEMENTS(bad); i++)
		assert_config_fails(bad[i], GRID_E_FORMAT);
}

static void
test_config_rejects_nul_byte(void **state)
{
	static const char text[] = "{\"grid_manager_config_version\": 0}";
	g_autoptr(GError) err = NULL;

	RPC_UNUSED(state);
	/* sizeof counts the NUL at the end. */
	assert_null(grid_gm_parse(text, sizeof(text), &err));
	assert_true(g_error_matches(err, GRID_ERROR, GRID_E_FORMAT));
}

static void
test_config_rejects_deep_nesting_without_recursing(void **state)
{
	size_t n = 100000;
	g_autofree char *text = g_malloc(2 * n);
	g_autoptr(GError) err = NULL;

	RPC_UNUSED(state);
	memset(text, '[', n);
	memset(text + n, ']', n);
	assert_null(grid_gm_parse(text, 2 * n, &err));
	assert_true(g_error_matches(err, GRID_ERROR, GRID_E_FORMAT));
}

static void
test_config_rejects_oversized_text(void **state)
{
	size_t n = GRID_GM_CONFIG_MAX + 1;
	g_autofree char *text = g_malloc(n);
	g_autoptr(GError) err = NULL;

	RPC_UNUSED(state);
	memset(text, ' ', n);
	text[0] = '{';
	text[n - 1] = '}';
	assert_null(grid_gm_parse(text, n, &err));
	assert_true(g_error_matches(err, GRID_ERROR, GRID_E_FORMAT));
}

/* ---- servers ---- */

static void
test_add_duplicate_fails_and_changes_nothing(void **state)
{
	g_autoptr(grid_gm) gm = example_gm();
	g_autoptr(rpc_ident) other = rpc_ident_new();
	g_autofree char *pk = rpc_ident_pubkey_text(other);
	g_autoptr(GError) err = NULL;

	RPC_UNUSED(state);
	assert_false(grid_gm_add(gm, "storage0", pk, &err));
	assert_true(g_error_matches(err, GRID_ERROR, GRID_E_EXISTS));
	assert_int_equal(grid_gm_n_servers(gm), 1);
	assert_string_equal(grid_gm_server_pubkey(gm, 0), EX_S0_PUB);
}

static void
test_add_rejects_bad_key(void **state)
{
	g_autoptr(grid_gm) gm = grid_gm_new();
	g_autoptr(GError) err = NULL;

	RPC_UNUSED(state);
	assert_false(grid_gm_add(gm, "s", "pub-v0-aaaa", &err));
	assert_true(g_error_matches(err, GRID_ERROR, GRID_E_FORMAT));
	assert_int_equal(grid_gm_n_servers(gm), 0);
}

static void
test_add_rejects_bad_names(void **state)
{
	static const char *bad[] = { "", "a\nb", "tab\there", "\x7f",
	    "\xc2\x9b", "\xff" };
	g_autoptr(grid_gm) gm = grid_gm_new();
	size_t i;

	RPC_UNUSED(state);
	for (i = 0; i < G_N_ELEMENTS(bad); i++) {
		g_autoptr(GError) err = NULL;

		assert_false(grid_gm_add(gm, bad[i], EX_S0_PUB, &err));
		assert_true(g_error_matches(err, GRID_ERROR, GRID_E_FORMAT));
	}
	assert_int_equal(grid_gm_n_servers(gm), 0);
}

static void
test_remove_unknown_fails(void **state)
{
	g_autoptr(grid_gm) gm = example_gm();
	g_autoptr(GError) err = NULL;

	RPC_UNUSED(state);
	assert_false(grid_gm_remove(gm, "storage1", &err));
	assert_true(g_error_matches(err, GRID_ERROR, GRID_E_NOTFOUND));
	assert_int_equal(grid_gm_n_servers(gm), 1);
}

static void
test_servers_are_sorted_by_name(void **state)
{
	g_autoptr(grid_gm) gm = grid_gm_new();

	RPC_UNUSED(state);
	assert_true(grid_gm_add(gm, "b", EX_S0_PUB, NULL));
	assert_true(grid_gm_add(gm, "\xc3\xa9", EX_S0_PUB, NULL));
	assert_true(grid_gm_add(gm, "a", EX_S0_PUB, NULL));
	assert_true(grid_gm_add(gm, "B", EX_S0_PUB, NULL));
	assert_int_equal(grid_gm_n_servers(gm), 4);
	assert_string_equal(grid_gm_server_name(gm, 0), "B");
	assert_string_equal(grid_gm_server_name(gm, 1), "a");
	assert_string_equal(grid_gm_server_name(gm, 2), "b");
	assert_string_equal(grid_gm_server_name(gm, 3), "\xc3\xa9");
	assert_true(grid_gm_has_server(gm, "a"));
	assert_false(grid_gm_has_server(gm, "c"));
}

/* Python's json.dumps(ensure_ascii=True) output for these names. */
static void
test_names_are_escaped_as_python_does(void **state)
{
	g_autoptr(grid_gm) gm = example_gm();
	g_autofree char *json = NULL;

	RPC_UNUSED(state);
	assert_true(grid_gm_add(gm, "\xc3\xa9t\xc3\xa9", EX_S0_PUB, NULL));
	assert_true(grid_gm_add(gm, "\xf0\x9f\x98\x80", EX_S0_PUB, NULL));
	assert_true(grid_gm_add(gm, "q\"b\\/", EX_S0_PUB, NULL));
	json = grid_gm_to_json(gm);
	assert_non_null(strstr(json, "        \"\\u00e9t\\u00e9\": {\n"));
	assert_non_null(strstr(json, "        \"\\ud83d\\ude00\": {\n"));
	assert_non_null(strstr(json, "        \"q\\\"b\\\\/\": {\n"));
}

static void
test_escaped_names_read_back(void **state)
{
	g_autoptr(grid_gm) gm = grid_gm_new();
	g_autofree char *json = NULL;
	g_autoptr(grid_gm) again = NULL;

	RPC_UNUSED(state);
	assert_true(grid_gm_add(gm, "\xf0\x9f\x98\x80", EX_S0_PUB, NULL));
	assert_true(grid_gm_add(gm, "q\"b\\", EX_S0_PUB, NULL));
	json = grid_gm_to_json(gm);
	again = grid_gm_parse(json, strlen(json), NULL);
	assert_non_null(again);
	assert_int_equal(grid_gm_n_servers(again), 2);
	assert_string_equal(grid_gm_server_name(again, 0), "q\"b\\");
	assert_string_equal(grid_gm_server_name(again, 1),
	    "\xf0\x9f\x98\x80");
}

/* ---- signing ---- */

/* Ed25519 signatures are deterministic, so signing what Tahoe-LAFS
 * signed gives its certificate file exactly. */
static void
test_sign_reproduces_tahoe_certificate(void **state)
{
	g_autoptr(grid_gm) gm = example_gm();
	g_autofree char *cert = grid_gm_sign(gm, "storage0", T2124 - DAY, 1,
	    NULL);

	RPC_UNUSED(state);
	assert_string_equal(cert, EX_CERT);
}

static void
test_sign_parse_check_round_trip(void **state)
{
	g_autoptr(grid_gm) gm = example_gm();
	g_autofree char *text = grid_gm_sign(gm, "storage0", T2026, 365,
	    NULL);
	g_autoptr(grid_cert) c = cert_ok(text);
	g_autofree char *why = NULL;
	uint8_t k[32], s0[32];

	RPC_UNUSED(state);
	gm_pk(gm, k);
	pk_of(EX_S0_PUB, s0);
	assert_int_equal(grid_cert_check(c, k, 1, s0, T2026, &why),
	    GRID_CERT_VALID);
	assert_string_equal(why, "valid until 2027-01-01 00:00:00 UTC");
	assert_string_equal(c->public_key, EX_S0_PUB);
	assert_true(c->expires_us == T2027);
	assert_true(c->version == 1);
}

static void
test_sign_rejects_days_out_of_range(void **state)
{
	g_autoptr(grid_gm) gm = example_gm();
	int days[] = { 0, -1, GRID_GM_EXPIRY_MAX + 1 };
	size_t i;

	RPC_UNUSED(state);
	for (i = 0; i < G_N_ELEMENTS(days); i++) {
		g_autoptr(GError) err = NULL;

		assert_null(grid_gm_sign(gm, "storage0", T2026, days[i],
		    &err));
		assert_true(g_error_matches(err, GRID_ERROR, GRID_E_RANGE));
	}
}

static void
test_sign_accepts_maximum_days(void **state)
{
	g_autoptr(grid_gm) gm = example_gm();
	g_autofree char *text = grid_gm_sign(gm, "storage0", T2026,
	    GRID_GM_EXPIRY_MAX, NULL);
	g_autoptr(grid_cert) c = NULL;

	RPC_UNUSED(state);
	assert_non_null(text);
	c = cert_ok(text);
	assert_true(c->expires_us == T2026 + GRID_GM_EXPIRY_MAX * DAY);
}

static void
test_sign_unknown_name_fails(void **state)
{
	g_autoptr(grid_gm) gm = example_gm();
	g_autoptr(GError) err = NULL;

	RPC_UNUSED(state);
	assert_null(grid_gm_sign(gm, "storage1", T2026, 30, &err));
	assert_true(g_error_matches(err, GRID_ERROR, GRID_E_NOTFOUND));
}

/* ---- verdicts ---- */

static void
test_tahoe_example_certificate_verifies(void **state)
{
	g_autoptr(grid_cert) c = cert_ok(EX_CERT);
	uint8_t k[32], s0[32];

	RPC_UNUSED(state);
	pk_of(EX_GM_PUB, k);
	pk_of(EX_S0_PUB, s0);
	assert_int_equal(grid_cert_check(c, k, 1, s0, T2026, NULL),
	    GRID_CERT_VALID);
}

static void
test_flipped_signature_byte_is_unsigned(void **state)
{
	g_autoptr(grid_cert) c = cert_ok(EX_CERT);
	g_autofree char *why = NULL;
	uint8_t k[32], s0[32];

	RPC_UNUSED(state);
	pk_of(EX_GM_PUB, k);
	pk_of(EX_S0_PUB, s0);
	c->signature[10] ^= 0x01;
	assert_int_equal(grid_cert_check(c, k, 1, s0, T2026, &why),
	    GRID_CERT_UNSIGNED);
	assert_string_equal(why, "not signed by any trusted grid manager "
	    "(forged, damaged, or from another manager)");
}

static void
test_altered_certificate_text_is_unsigned(void **state)
{
	g_autoptr(grid_cert) c = cert_ok(EX_CERT);
	uint8_t k[32], s0[32];
	char *p;

	RPC_UNUSED(state);
	pk_of(EX_GM_PUB, k);
	pk_of(EX_S0_PUB, s0);
	p = strstr(c->certificate, "2124");
	assert_non_null(p);
	p[3] = '5';			/* 2125: a year more */
	assert_int_equal(grid_cert_check(c, k, 1, s0, T2026, NULL),
	    GRID_CERT_UNSIGNED);
}

static void
test_certificate_from_untrusted_manager_is_unsigned(void **state)
{
	g_autoptr(grid_cert) c = cert_ok(EX_CERT);
	g_autoptr(grid_gm) other = grid_gm_new();
	uint8_t k[32], s0[32];

	RPC_UNUSED(state);
	gm_pk(other, k);
	pk_of(EX_S0_PUB, s0);
	assert_int_equal(grid_cert_check(c, k, 1, s0, T2026, NULL),
	    GRID_CERT_UNSIGNED);
}

static void
test_no_trusted_keys_is_unsigned(void **state)
{
	g_autoptr(grid_cert) c = cert_ok(EX_CERT);
	uint8_t s0[32];

	RPC_UNUSED(state);
	pk_of(EX_S0_PUB, s0);
	assert_int_equal(grid_cert_check(c, NULL, 0, s0, T2026, NULL),
	    GRID_CERT_UNSIGNED);
}

static void
test_any_trusted_manager_suffices(void **state)
{
	g_autoptr(grid_cert) c = cert_ok(EX_CERT);
	g_autoptr(grid_gm) other = grid_gm_new();
	uint8_t k[64], s0[32];

	RPC_UNUSED(state);
	gm_pk(other, k);
	pk_of(EX_GM_PUB, k + 32);
	pk_of(EX_S0_PUB, s0);
	assert_int_equal(grid_cert_check(c, k, 2, s0, T2026, NULL),
	    GRID_CERT_VALID);
}

static void
test_certificate_for_other_server(void **state)
{
	g_autoptr(grid_cert) c = cert_ok(EX_CERT);
	g_autoptr(rpc_ident) s1 = rpc_ident_new();
	g_autofree char *why = NULL;
	uint8_t k[32];

	RPC_UNUSED(state);
	pk_of(EX_GM_PUB, k);
	assert_int_equal(grid_cert_check(c, k, 1, rpc_ident_pk(s1), T2026,
	    &why), GRID_CERT_OTHER_SERVER);
	assert_string_equal(why, "names another server (pub-v0-wuz5rlm7...)");
}

static void
test_malformed_key_in_signed_certificate_is_other_server(void **state)
{
	g_autofree char *why = NULL;

	RPC_UNUSED(state);
	assert_int_equal(judge_inner("{\"expires\":\"2124-12-08T00:00:00+00:"
	    "00\",\"public_key\":\"pub-v0-zzz\",\"version\":1}", T2026, &why),
	    GRID_CERT_OTHER_SERVER);
	assert_non_null(why);
}

static void
test_expired_certificate(void **state)
{
	g_autoptr(grid_cert) c = cert_ok(EX_CERT);
	g_autofree char *why = NULL;
	uint8_t k[32], s0[32];

	RPC_UNUSED(state);
	pk_of(EX_GM_PUB, k);
	pk_of(EX_S0_PUB, s0);
	assert_int_equal(grid_cert_check(c, k, 1, s0, T2124 + DAY, &why),
	    GRID_CERT_EXPIRED);
	assert_string_equal(why, "expired at 2124-12-08 00:00:00 UTC");
}

static void
test_valid_one_microsecond_before_expiry(void **state)
{
	g_autoptr(grid_cert) c = cert_ok(EX_CERT);
	uint8_t k[32], s0[32];

	RPC_UNUSED(state);
	pk_of(EX_GM_PUB, k);
	pk_of(EX_S0_PUB, s0);
	assert_int_equal(grid_cert_check(c, k, 1, s0, T2124 - 1, NULL),
	    GRID_CERT_VALID);
}

static void
test_expired_at_expiry(void **state)
{
	g_autoptr(grid_cert) c = cert_ok(EX_CERT);
	uint8_t k[32], s0[32];

	RPC_UNUSED(state);
	pk_of(EX_GM_PUB, k);
	pk_of(EX_S0_PUB, s0);
	assert_int_equal(grid_cert_check(c, k, 1, s0, T2124, NULL),
	    GRID_CERT_EXPIRED);
}

static void
test_version_2_certificate(void **state)
{
	g_autofree char *why = NULL;

	RPC_UNUSED(state);
	assert_int_equal(judge_inner("{\"expires\":\"2124-12-08T00:00:00+00:"
	    "00\",\"public_key\":\"" EX_S0_PUB "\",\"version\":2}", T2026,
	    &why), GRID_CERT_VERSION);
	assert_string_equal(why, "unknown certificate version 2");
}

static void
test_version_2_may_carry_new_keys(void **state)
{
	RPC_UNUSED(state);
	assert_int_equal(judge_inner("{\"expires\":\"2124-12-08T00:00:00+00:"
	    "00\",\"public_key\":\"" EX_S0_PUB "\",\"scope\":[],\"version\":"
	    "2}", T2026, NULL), GRID_CERT_VERSION);
}

/* Verifiers never re-serialise: any JSON layout the manager signed is
 * judged as signed. */
static void
test_non_canonical_signed_text_is_valid(void **state)
{
	RPC_UNUSED(state);
	assert_int_equal(judge_inner("{ \"version\": 1, \"public_key\": \""
	    EX_S0_PUB "\", \"expires\": \"2124-12-08T00:00:00Z\" }", T2026,
	    NULL), GRID_CERT_VALID);
}

static void
test_integer_epoch_expiry_is_accepted(void **state)
{
	RPC_UNUSED(state);
	assert_int_equal(judge_inner("{\"expires\":4889289600,\"public_key\""
	    ":\"" EX_S0_PUB "\",\"version\":1}", T2124 - 1, NULL),
	    GRID_CERT_VALID);
}

static void
test_float_epoch_expiry_is_accepted(void **state)
{
	g_autoptr(rpc_ident) id = example_ident();
	g_autofree char *file = cert_file(id, "{\"expires\":1767225600.5,"
	    "\"public_key\":\"" EX_S0_PUB "\",\"version\":1}");
	g_autoptr(grid_cert) c = cert_ok(file);

	RPC_UNUSED(state);
	assert_true(c->expires_us == T2026 + SEC / 2);
}

/* ---- malformed certificate files ---- */

/* ---- which manager signed, time left, a server's own check ---- */

static void
test_signer_is_the_verifying_key(void **state)
{
	g_autoptr(grid_cert) c = cert_ok(EX_CERT);
	g_autoptr(grid_gm) other = grid_gm_new();
	uint8_t k[64];

	RPC_UNUSED(state);
	gm_pk(other, k);
	pk_of(EX_GM_PUB, k + 32);
	assert_int_equal(grid_cert_signer(c, k, 2), 1);
	assert_int_equal(grid_cert_signer(c, k, 1), -1);
	assert_int_equal(grid_cert_signer(c, NULL, 0), -1);
}

static void
test_duration_is_rounded_down_to_its_largest_unit(void **state)
{
	static const struct {
		gint64		 us;
		const char	*text;
	} v[] = {
		{ 29 * DAY + 23 * 3600 * SEC, "29 days" },
		{ DAY, "1 day" },
		{ DAY - 1, "23 hours" },
		{ 3600 * SEC, "1 hour" },
		{ 119 * SEC, "1 minute" },
		{ 59 * SEC, "less than a minute" },
		{ 0, "less than a minute" },
		{ -2 * DAY, "2 days" },
		{ G_MININT64, "106751991 days" },
	};
	size_t i;

	RPC_UNUSED(state);
	for (i = 0; i < G_N_ELEMENTS(v); i++) {
		g_autofree char *t = grid_duration_human(v[i].us);

		assert_string_equal(t, v[i].text);
	}
}

static void
test_own_certificate_verdicts(void **state)
{
	g_autoptr(grid_gm) gm = example_gm();
	g_autofree char *text = grid_gm_sign(gm, "storage0", T2026, 30, NULL);
	g_autoptr(grid_cert) c = cert_ok(text);
	g_autoptr(rpc_ident) s1 = rpc_ident_new();
	uint8_t s0[32];
	char *why = NULL;

	RPC_UNUSED(state);
	pk_of(EX_S0_PUB, s0);
	assert_int_equal(grid_cert_check_own(c, s0, T2026, &why),
	    GRID_OWN_CERT_OK);
	assert_string_equal(why, "valid until 2026-01-31 00:00:00 UTC (valid "
	    "for 30 days)");
	g_clear_pointer(&why, g_free);
	/* Within GRID_CERT_RENEW_DAYS: time to renew. */
	assert_int_equal(grid_cert_check_own(c, s0, T2026 + 23 * DAY, &why),
	    GRID_OWN_CERT_EXPIRING);
	assert_string_equal(why, "expires at 2026-01-31 00:00:00 UTC, in 7 "
	    "days: renew it");
	g_clear_pointer(&why, g_free);
	assert_int_equal(grid_cert_check_own(c, s0, T2026 + 22 * DAY, NULL),
	    GRID_OWN_CERT_OK);
	assert_int_equal(grid_cert_check_own(c, s0, T2026 + 32 * DAY, &why),
	    GRID_OWN_CERT_EXPIRED);
	assert_string_equal(why, "expired at 2026-01-31 00:00:00 UTC (2 days "
	    "ago)");
	g_clear_pointer(&why, g_free);
	assert_int_equal(grid_cert_check_own(c, s0, T2026 + 30 * DAY, NULL),
	    GRID_OWN_CERT_EXPIRED);
	assert_int_equal(grid_cert_check_own(c, rpc_ident_pk(s1), T2026,
	    &why), GRID_OWN_CERT_OTHER_KEY);
	assert_non_null(strstr(why, "names another server (pub-v0-"));
	g_free(why);
}

static void
test_own_check_of_malformed_key_and_version(void **state)
{
	g_autoptr(rpc_ident) id = example_ident();
	g_autoptr(grid_cert) bad_key = NULL, v2 = NULL;
	g_autofree char *why = NULL, *f1 = NULL, *f2 = NULL;
	uint8_t s0[32];

	RPC_UNUSED(state);
	pk_of(EX_S0_PUB, s0);
	bad_key = cert_ok(f1 = cert_file(id, "{\"expires\":\"2124-12-08T00:"
	    "00:00+00:00\",\"public_key\":\"pub-v0-zzz\",\"version\":1}"));
	assert_int_equal(grid_cert_check_own(bad_key, s0, T2026, &why),
	    GRID_OWN_CERT_OTHER_KEY);
	assert_string_equal(why, "names no server (its public_key is not a "
	    "valid pub-v0- key)");
	v2 = cert_ok(f2 = cert_file(id, "{\"expires\":\"2124-12-08T00:00:00+"
	    "00:00\",\"public_key\":\"" EX_S0_PUB "\",\"version\":2}"));
	assert_int_equal(grid_cert_check_own(v2, s0, T2026, NULL),
	    GRID_OWN_CERT_VERSION);
}

static void
test_cert_rejects_missing_signature(void **state)
{
	RPC_UNUSED(state);
	assert_cert_fails("{\"certificate\": \"{}\"}");
}

static void
test_cert_rejects_extra_key(void **state)
{
	g_autofree char *text = g_strdup(EX_CERT);
	char *end = strrchr(text, '}');
	g_autofree char *more = NULL;

	RPC_UNUSED(state);
	*end = '\0';
	more = g_strconcat(text, ", \"x\": 1}", NULL);
	assert_cert_fails(more);
}

static void
test_cert_rejects_invalid_json(void **state)
{
	RPC_UNUSED(state);
	assert_cert_fails("certificate");
}

static void
test_cert_rejects_non_object(void **state)
{
	RPC_UNUSED(state);
	assert_cert_fails("[\"certificate\", \"signature\"]");
}

static void
test_cert_rejects_non_string_fields(void **state)
{
	RPC_UNUSED(state);
	assert_cert_fails("{\"certificate\": {}, \"signature\": \"aa\"}");
}

static void
test_cert_rejects_signature_not_base32(void **state)
{
	g_autofree char *text = g_strdup(EX_CERT);
	char *p = strstr(text, "ckxq22");

	RPC_UNUSED(state);
	assert_non_null(p);
	p[0] = 'C';
	assert_cert_fails(text);
}

static void
test_cert_rejects_signature_of_wrong_length(void **state)
{
	uint8_t sig[63] = { 0 };
	g_autofree char *b = rpc_base32_encode(sig, sizeof(sig));
	g_autofree char *text = g_strdup_printf("{\"certificate\": \"{\\\""
	    "expires\\\":1,\\\"public_key\\\":\\\"x\\\",\\\"version\\\":1}\", "
	    "\"signature\": \"%s\"}", b);

	RPC_UNUSED(state);
	assert_cert_fails(text);
}

static void
test_cert_rejects_certificate_not_json(void **state)
{
	g_autoptr(rpc_ident) id = example_ident();
	g_autofree char *file = cert_file(id, "expires: never");

	RPC_UNUSED(state);
	assert_cert_fails(file);
}

static void
test_cert_rejects_certificate_not_object(void **state)
{
	g_autoptr(rpc_ident) id = example_ident();
	g_autofree char *file = cert_file(id, "[1]");

	RPC_UNUSED(state);
	assert_cert_fails(file);
}

static void
test_cert_rejects_expires_not_a_time(void **state)
{
	g_autoptr(rpc_ident) id = example_ident();
	g_autofree char *file = cert_file(id, "{\"expires\":\"next week\","
	    "\"public_key\":\"" EX_S0_PUB "\",\"version\":1}");

	RPC_UNUSED(state);
	assert_cert_fails(file);
}

static void
test_cert_rejects_expires_without_offset(void **state)
{
	g_autoptr(rpc_ident) id = example_ident();
	g_autofree char *file = cert_file(id, "{\"expires\":\"2124-12-08T00:"
	    "00:00\",\"public_key\":\"" EX_S0_PUB "\",\"version\":1}");

	RPC_UNUSED(state);
	assert_cert_fails(file);
}

static void
test_cert_rejects_expires_of_wrong_type(void **state)
{
	g_autoptr(rpc_ident) id = example_ident();
	g_autofree char *file = cert_file(id, "{\"expires\":true,"
	    "\"public_key\":\"" EX_S0_PUB "\",\"version\":1}");

	RPC_UNUSED(state);
	assert_cert_fails(file);
}

static void
test_cert_rejects_epoch_out_of_range(void **state)
{
	g_autoptr(rpc_ident) id = example_ident();
	g_autofree char *file = cert_file(id, "{\"expires\":1e300,"
	    "\"public_key\":\"" EX_S0_PUB "\",\"version\":1}");

	RPC_UNUSED(state);
	assert_cert_fails(file);
}

static void
test_cert_rejects_missing_public_key(void **state)
{
	g_autoptr(rpc_ident) id = example_ident();
	g_autofree char *file = cert_file(id, "{\"expires\":\"2124-12-08T00:"
	    "00:00+00:00\",\"version\":1}");

	RPC_UNUSED(state);
	assert_cert_fails(file);
}

static void
test_cert_rejects_version_not_integer(void **state)
{
	g_autoptr(rpc_ident) id = example_ident();
	g_autofree char *file = cert_file(id, "{\"expires\":\"2124-12-08T00:"
	    "00:00+00:00\",\"public_key\":\"" EX_S0_PUB "\",\"version\":1.0}");

	RPC_UNUSED(state);
	assert_cert_fails(file);
}

static void
test_cert_rejects_unknown_key_in_version_1(void **state)
{
	g_autoptr(rpc_ident) id = example_ident();
	g_autofree char *file = cert_file(id, "{\"expires\":\"2124-12-08T00:"
	    "00:00+00:00\",\"public_key\":\"" EX_S0_PUB "\",\"scope\":[],"
	    "\"version\":1}");

	RPC_UNUSED(state);
	assert_cert_fails(file);
}

static void
test_cert_rejects_duplicate_key_in_certificate(void **state)
{
	g_autoptr(rpc_ident) id = example_ident();
	g_autofree char *file = cert_file(id, "{\"expires\":\"2124-12-08T00:"
	    "00:00+00:00\",\"public_key\":\"pub-v0-x\",\"public_key\":\""
	    EX_S0_PUB "\",\"version\":1}");

	RPC_UNUSED(state);
	assert_cert_fails(file);
}

static void
test_cert_rejects_oversized_file(void **state)
{
	g_autofree char *text = g_strnfill(GRID_CERT_MAX + 1, ' ');

	RPC_UNUSED(state);
	text[0] = '{';
	text[GRID_CERT_MAX] = '}';
	assert_cert_fails(text);
}

/* ---- upload_permitted ---- */

static void
test_upload_permitted_without_managers(void **state)
{
	uint8_t s0[32];

	RPC_UNUSED(state);
	pk_of(EX_S0_PUB, s0);
	assert_true(grid_upload_permitted(NULL, 0, s0, NULL, 0, T2026));
}

static void
test_upload_refused_without_certificates(void **state)
{
	uint8_t k[32], s0[32];

	RPC_UNUSED(state);
	pk_of(EX_GM_PUB, k);
	pk_of(EX_S0_PUB, s0);
	assert_false(grid_upload_permitted(k, 1, s0, NULL, 0, T2026));
}

static void
test_upload_permitted_if_any_certificate_is_valid(void **state)
{
	g_autoptr(grid_gm) gm = example_gm();
	g_autofree char *old = grid_gm_sign(gm, "storage0", T2026 - 2 * DAY,
	    1, NULL);
	g_autoptr(grid_cert) c0 = cert_ok(old);
	g_autoptr(grid_cert) c1 = cert_ok(EX_CERT);
	grid_cert *certs[2] = { c0, c1 };
	uint8_t k[32], s0[32];

	RPC_UNUSED(state);
	pk_of(EX_GM_PUB, k);
	pk_of(EX_S0_PUB, s0);
	assert_true(grid_upload_permitted(k, 1, s0, certs, 2, T2026));
}

static void
test_upload_refused_if_only_expired_certificates(void **state)
{
	g_autoptr(grid_gm) gm = example_gm();
	g_autofree char *old = grid_gm_sign(gm, "storage0", T2026 - 2 * DAY,
	    1, NULL);
	g_autoptr(grid_cert) c0 = cert_ok(old);
	grid_cert *certs[1] = { c0 };
	uint8_t k[32], s0[32];

	RPC_UNUSED(state);
	pk_of(EX_GM_PUB, k);
	pk_of(EX_S0_PUB, s0);
	assert_false(grid_upload_permitted(k, 1, s0, certs, 1, T2026));
}

/* ---- times ---- */

static void
test_time_format_whole_seconds(void **state)
{
	g_autofree char *s = grid_time_format(T2026);

	RPC_UNUSED(state);
	assert_string_equal(s, "2026-01-01T00:00:00+00:00");
}

static void
test_time_format_microseconds(void **state)
{
	g_autofree char *s = grid_time_format(T2026 + 123456);
	g_autofree char *t = grid_time_format(T2026 + 1);

	RPC_UNUSED(state);
	assert_string_equal(s, "2026-01-01T00:00:00.123456+00:00");
	assert_string_equal(t, "2026-01-01T00:00:00.000001+00:00");
}

static void
test_time_format_before_epoch(void **state)
{
	g_autofree char *s = grid_time_format(-1);

	RPC_UNUSED(state);
	assert_string_equal(s, "1969-12-31T23:59:59.999999+00:00");
}

static void
test_time_parse_z_and_fraction(void **state)
{
	gint64 us = 0;

	RPC_UNUSED(state);
	assert_true(grid_time_parse("2026-01-01T00:00:00.5Z", &us, NULL));
	assert_true(us == T2026 + SEC / 2);
}

static void
test_time_parse_applies_offset(void **state)
{
	gint64 us = 0;

	RPC_UNUSED(state);
	assert_true(grid_time_parse("2026-01-01T05:30:00+05:30", &us, NULL));
	assert_true(us == T2026);
	assert_true(grid_time_parse("2025-12-31T23:00:00-01:00", &us, NULL));
	assert_true(us == T2026);
}

static void
test_time_round_trips(void **state)
{
	static const gint64 t[] = { 0, 1, T2026 + 123456, T2124 - 1,
	    -G_GINT64_CONSTANT(62135596800) * SEC,
	    G_GINT64_CONSTANT(253402300799999999),
	    G_GINT64_CONSTANT(951782400) * SEC };	/* 2000-02-29 */
	size_t i;

	RPC_UNUSED(state);
	for (i = 0; i < G_N_ELEMENTS(t); i++) {
		g_autofree char *s = grid_time_format(t[i]);
		gint64 us = 0;

		if (!grid_time_parse(s, &us, NULL) || us != t[i])
			fail_msg("%s", s);
	}
}

static void
test_time_parse_rejects_bad_text(void **state)
{
	static const char *bad[] = {
		"2026-01-01T00:00:00",		/* no offset */
		"2026-01-01",
		"2026-02-29T00:00:00Z",		/* not a leap year */
		"2026-01-01T24:00:00Z",
		"2026-01-01T00:00:60Z",
		"2026-1-01T00:00:00Z",
		"2026-01-01T00:00:00.Z",
		"2026-01-01T00:00:00+0000",
		"2026-01-01T00:00:00+24:00",
		"2026-01-01T00:00:00Z ",
		"2026-W01-1T00:00:00Z",
		"0000-01-01T00:00:00Z",
		"9999-12-31T23:59:59-01:00",	/* year 10000 in UTC */
		"",
	};
	size_t i;

	RPC_UNUSED(state);
	for (i = 0; i < G_N_ELEMENTS(bad); i++) {
		g_autoptr(GError) err = NULL;
		gint64 us = 1;

		if (grid_time_parse(bad[i], &us, &err))
			fail_msg("accepted '%s'", bad[i]);
		assert_true(g_error_matches(err, GRID_ERROR, GRID_E_FORMAT));
		assert_true(us == 0);
	}
}

/* ---- the manager's directory ---- */

static void
test_create_dir_then_load(void **state)
{
	g_autofree char *tmp = make_tmpdir();
	g_autofree char *dir = g_build_filename(tmp, "gm", NULL);
	g_autofree char *cfg = g_build_filename(dir, "config.json", NULL);
	g_autoptr(grid_gm) gm = example_gm();
	g_autoptr(grid_gm) back = NULL;
	g_autofree char *text = NULL;
	struct stat st;

	RPC_UNUSED(state);
	assert_true(grid_gm_create_dir(gm, dir, NULL));
	assert_int_equal(stat(dir, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0700);
	assert_int_equal(stat(cfg, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	assert_true(g_file_get_contents(cfg, &text, NULL, NULL));
	assert_string_equal(text, EX_CONFIG);
	back = grid_gm_load_dir(dir, NULL);
	assert_non_null(back);
	assert_int_equal(grid_gm_n_servers(back), 1);
	rm_tree(tmp);
}

static void
test_create_dir_on_existing_dir_changes_nothing(void **state)
{
	g_autofree char *dir = make_tmpdir();
	g_autofree char *cfg = g_build_filename(dir, "config.json", NULL);
	g_autoptr(grid_gm) gm = example_gm();
	g_autoptr(GError) err = NULL;
	g_autofree char *text = NULL;
	g_autofree char *want = NULL;

	RPC_UNUSED(state);
	assert_true(g_file_set_contents(cfg, "keep", -1, NULL));
	assert_false(grid_gm_create_dir(gm, dir, &err));
	assert_true(g_error_matches(err, GRID_ERROR, GRID_E_EXISTS));
	want = g_strdup_printf("Can't create '%s': File exists", dir);
	assert_string_equal(err->message, want);
	assert_true(g_file_get_contents(cfg, &text, NULL, NULL));
	assert_string_equal(text, "keep");
	assert_int_equal(count_entries(dir), 1);
	rm_tree(dir);
}

static void
test_create_dir_needs_parent(void **state)
{
	g_autofree char *tmp = make_tmpdir();
	g_autofree char *dir = g_build_filename(tmp, "no", "gm", NULL);
	g_autoptr(grid_gm) gm = example_gm();
	g_autoptr(GError) err = NULL;

	RPC_UNUSED(state);
	assert_false(grid_gm_create_dir(gm, dir, &err));
	assert_true(g_error_matches(err, GRID_ERROR, GRID_E_IO));
	assert_int_equal(count_entries(tmp), 0);
	rm_tree(tmp);
}

static void
test_save_dir_rewrites_config(void **state)
{
	g_autofree char *tmp = make_tmpdir();
	g_autofree char *dir = g_build_filename(tmp, "gm", NULL);
	g_autoptr(grid_gm) gm = example_gm();
	g_autoptr(grid_gm) back = NULL;

	RPC_UNUSED(state);
	assert_true(grid_gm_create_dir(gm, dir, NULL));
	assert_true(grid_gm_remove(gm, "storage0", NULL));
	assert_true(grid_gm_save_dir(gm, dir, NULL));
	back = grid_gm_load_dir(dir, NULL);
	assert_non_null(back);
	assert_int_equal(grid_gm_n_servers(back), 0);
	assert_int_equal(count_entries(dir), 1);
	rm_tree(tmp);
}

static void
test_load_dir_missing_is_not_found(void **state)
{
	g_autofree char *dir = make_tmpdir();
	g_autoptr(GError) err = NULL;

	RPC_UNUSED(state);
	assert_null(grid_gm_load_dir(dir, &err));
	assert_true(g_error_matches(err, GRID_ERROR, GRID_E_NOTFOUND));
	rm_tree(dir);
}

static void
test_load_dir_error_names_the_file(void **state)
{
	g_autofree char *dir = make_tmpdir();
	g_autofree char *cfg = g_build_filename(dir, "config.json", NULL);
	g_autoptr(GError) err = NULL;

	RPC_UNUSED(state);
	assert_true(g_file_set_contents(cfg, "{}", -1, NULL));
	assert_null(grid_gm_load_dir(dir, &err));
	assert_true(g_error_matches(err, GRID_ERROR, GRID_E_VERSION));
	assert_true(g_str_has_prefix(err->message, cfg));
	rm_tree(dir);
}

static void
test_store_cert_picks_first_free_number(void **state)
{
	g_autofree char *dir = make_tmpdir();
	g_autofree char *p0 = g_build_filename(dir, "storage0.cert.0", NULL);
	g_autofree char *p1 = g_build_filename(dir, "storage0.cert.1", NULL);
	g_autofree char *text = NULL;
	guint n = 99;

	RPC_UNUSED(state);
	assert_true(grid_gm_store_cert(dir, "storage0", EX_CERT, &n, NULL));
	assert_int_equal(n, 0);
	assert_true(grid_gm_store_cert(dir, "storage0", "second", &n, NULL));
	assert_int_equal(n, 1);
	assert_true(g_file_get_contents(p0, &text, NULL, NULL));
	assert_string_equal(text, EX_CERT);
	g_free(text);
	assert_true(g_file_get_contents(p1, &text, NULL, NULL));
	assert_string_equal(text, "second");
	rm_tree(dir);
}

static void
test_store_cert_rejects_slash_in_name(void **state)
{
	g_autofree char *dir = make_tmpdir();
	g_autoptr(GError) err = NULL;

	RPC_UNUSED(state);
	assert_false(grid_gm_store_cert(dir, "../x", EX_CERT, NULL, &err));
	assert_true(g_error_matches(err, GRID_ERROR, GRID_E_FORMAT));
	assert_int_equal(count_entries(dir), 0);
	rm_tree(dir);
}

static void
test_remove_certs_stops_at_first_gap(void **state)
{
	g_autofree char *dir = make_tmpdir();
	g_autofree char *p3 = g_build_filename(dir, "s.cert.3", NULL);
	g_autofree char *other = g_build_filename(dir, "t.cert.0", NULL);

	RPC_UNUSED(state);
	assert_true(grid_gm_store_cert(dir, "s", "a", NULL, NULL));
	assert_true(grid_gm_store_cert(dir, "s", "b", NULL, NULL));
	assert_true(g_file_set_contents(p3, "c", -1, NULL));
	assert_true(g_file_set_contents(other, "d", -1, NULL));
	grid_gm_remove_certs(dir, "s");
	assert_int_equal(count_entries(dir), 2);
	assert_true(g_file_test(p3, G_FILE_TEST_EXISTS));
	assert_true(g_file_test(other, G_FILE_TEST_EXISTS));
	rm_tree(dir);
}

static void
test_cert_load_reads_stored_certificate(void **state)
{
	g_autofree char *dir = make_tmpdir();
	g_autofree char *p0 = g_build_filename(dir, "storage0.cert.0", NULL);
	g_autoptr(grid_cert) c = NULL;

	RPC_UNUSED(state);
	assert_true(grid_gm_store_cert(dir, "storage0", EX_CERT, NULL, NULL));
	c = grid_cert_load(p0, NULL);
	assert_non_null(c);
	assert_string_equal(c->public_key, EX_S0_PUB);
	rm_tree(dir);
}

static void
test_cert_load_error_names_the_file(void **state)
{
	g_autofree char *dir = make_tmpdir();
	g_autofree char *p = g_build_filename(dir, "bad.cert", NULL);
	g_autoptr(GError) err = NULL;

	RPC_UNUSED(state);
	assert_true(g_file_set_contents(p, "{}", -1, NULL));
	assert_null(grid_cert_load(p, &err));
	assert_true(g_error_matches(err, GRID_ERROR, GRID_E_FORMAT));
	assert_true(g_str_has_prefix(err->message, p));
	rm_tree(dir);
}

static void
test_cert_load_missing_is_not_found(void **state)
{
	g_autofree char *dir = make_tmpdir();
	g_autofree char *p = g_build_filename(dir, "none.cert", NULL);
	g_autoptr(GError) err = NULL;

	RPC_UNUSED(state);
	assert_null(grid_cert_load(p, &err));
	assert_true(g_error_matches(err, GRID_ERROR, GRID_E_NOTFOUND));
	rm_tree(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_new_key_text_round_trips),
		cmocka_unit_test(test_example_key_has_tahoe_public_identity),
		cmocka_unit_test(
		    test_example_config_is_rewritten_byte_for_byte),
		cmocka_unit_test(
		    test_config_without_servers_is_rewritten_byte_for_byte),
		cmocka_unit_test(
		    test_removing_last_server_drops_storage_servers),
		cmocka_unit_test(test_config_accepts_empty_storage_servers),
		cmocka_unit_test(test_config_rejects_invalid_json),
		cmocka_unit_test(test_config_rejects_non_object),
		cmocka_unit_test(test_config_rejects_empty_text),
		cmocka_unit_test(test_config_rejects_missing_version),
		cmocka_unit_test(test_config_rejects_unknown_version),
		cmocka_unit_test(test_config_rejects_version_as_string),
		cmocka_unit_test(test_config_rejects_missing_private_key),
		cmocka_unit_test(
		    test_config_rejects_private_key_of_wrong_type),
		cmocka_unit_test(
		    test_config_rejects_bad_private_key_without_quoting_it),
		cmocka_unit_test(
		    test_config_rejects_invalid_json_without_quoting_it),
		cmocka_unit_test(
		    test_config_rejects_server_without_public_key),
		cmocka_unit_test(test_config_rejects_bad_public_key),
		cmocka_unit_test(test_config_rejects_unknown_key),
		cmocka_unit_test(test_config_rejects_duplicate_key),
		cmocka_unit_test(
		    test_config_rejects_control_character_in_name),
		cmocka_unit_test(test_config_rejects_non_standard_json),
		cmocka_unit_test(test_config_rejects_nul_byte),
		cmocka_unit_test(
		    test_config_rejects_deep_nesting_without_recursing),
		cmocka_unit_test(test_config_rejects_oversized_text),
		cmocka_unit_test(test_add_duplicate_fails_and_changes_nothing),
		cmocka_unit_test(test_add_rejects_bad_key),
		cmocka_unit_test(test_add_rejects_bad_names),
		cmocka_unit_test(test_remove_unknown_fails),
		cmocka_unit_test(test_servers_are_sorted_by_name),
		cmocka_unit_test(test_names_are_escaped_as_python_does),
		cmocka_unit_test(test_escaped_names_read_back),
		cmocka_unit_test(test_sign_reproduces_tahoe_certificate),
		cmocka_unit_test(test_sign_parse_check_round_trip),
		cmocka_unit_test(test_sign_rejects_days_out_of_range),
		cmocka_unit_test(test_sign_accepts_maximum_days),
		cmocka_unit_test(test_sign_unknown_name_fails),
		cmocka_unit_test(test_tahoe_example_certificate_verifies),
		cmocka_unit_test(test_flipped_signature_byte_is_unsigned),
		cmocka_unit_test(test_altered_certificate_text_is_unsigned),
		cmocka_unit_test(
		    test_certificate_from_untrusted_manager_is_unsigned),
		cmocka_unit_test(test_no_trusted_keys_is_unsigned),
		cmocka_unit_test(test_any_trusted_manager_suffices),
		cmocka_unit_test(test_certificate_for_other_server),
		cmocka_unit_test(
		    test_malformed_key_in_signed_certificate_is_other_server),
		cmocka_unit_test(test_expired_certificate),
		cmocka_unit_test(test_valid_one_microsecond_before_expiry),
		cmocka_unit_test(test_expired_at_expiry),
		cmocka_unit_test(test_version_2_certificate),
		cmocka_unit_test(test_version_2_may_carry_new_keys),
		cmocka_unit_test(test_non_canonical_signed_text_is_valid),
		cmocka_unit_test(test_integer_epoch_expiry_is_accepted),
		cmocka_unit_test(test_float_epoch_expiry_is_accepted),
		cmocka_unit_test(test_signer_is_the_verifying_key),
		cmocka_unit_test(test_duration_is_rounded_down_to_its_largest_unit),
		cmocka_unit_test(test_own_certificate_verdicts),
		cmocka_unit_test(test_own_check_of_malformed_key_and_version),
		cmocka_unit_test(test_cert_rejects_missing_signature),
		cmocka_unit_test(test_cert_rejects_extra_key),
		cmocka_unit_test(test_cert_rejects_invalid_json),
		cmocka_unit_test(test_cert_rejects_non_object),
		cmocka_unit_test(test_cert_rejects_non_string_fields),
		cmocka_unit_test(test_cert_rejects_signature_not_base32),
		cmocka_unit_test(test_cert_rejects_signature_of_wrong_length),
		cmocka_unit_test(test_cert_rejects_certificate_not_json),
		cmocka_unit_test(test_cert_rejects_certificate_not_object),
		cmocka_unit_test(test_cert_rejects_expires_not_a_time),
		cmocka_unit_test(test_cert_rejects_expires_without_offset),
		cmocka_unit_test(test_cert_rejects_expires_of_wrong_type),
		cmocka_unit_test(test_cert_rejects_epoch_out_of_range),
		cmocka_unit_test(test_cert_rejects_missing_public_key),
		cmocka_unit_test(test_cert_rejects_version_not_integer),
		cmocka_unit_test(test_cert_rejects_unknown_key_in_version_1),
		cmocka_unit_test(
		    test_cert_rejects_duplicate_key_in_certificate),
		cmocka_unit_test(test_cert_rejects_oversized_file),
		cmocka_unit_test(test_upload_permitted_without_managers),
		cmocka_unit_test(test_upload_refused_without_certificates),
		cmocka_unit_test(
		    test_upload_permitted_if_any_certificate_is_valid),
		cmocka_unit_test(
		    test_upload_refused_if_only_expired_certificates),
		cmocka_unit_test(test_time_format_whole_seconds),
		cmocka_unit_test(test_time_format_microseconds),
		cmocka_unit_test(test_time_format_before_epoch),
		cmocka_unit_test(test_time_parse_z_and_fraction),
		cmocka_unit_test(test_time_parse_applies_offset),
		cmocka_unit_test(test_time_round_trips),
		cmocka_unit_test(test_time_parse_rejects_bad_text),
		cmocka_unit_test(test_create_dir_then_load),
		cmocka_unit_test(
		    test_create_dir_on_existing_dir_changes_nothing),
		cmocka_unit_test(test_create_dir_needs_parent),
		cmocka_unit_test(test_save_dir_rewrites_config),
		cmocka_unit_test(test_load_dir_missing_is_not_found),
		cmocka_unit_test(test_load_dir_error_names_the_file),
		cmocka_unit_test(test_store_cert_picks_first_free_number),
		cmocka_unit_test(test_store_cert_rejects_slash_in_name),
		cmocka_unit_test(test_remove_certs_stops_at_first_gap),
		cmocka_unit_test(test_cert_load_reads_stored_certificate),
		cmocka_unit_test(test_cert_load_error_names_the_file),
		cmocka_unit_test(test_cert_load_missing_is_not_found),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}

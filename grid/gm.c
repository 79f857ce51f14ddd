/* grid/gm.c -- the grid manager: its key and list of storage servers
 * (config.json), the certificates it signs, and the check a client makes
 * of a server's certificates before uploading to it.
 *
 * Input is parsed as strict JSON by grid/json.c.  Output is written by
 * hand, byte for byte as Python's json.dumps() writes it in Tahoe-LAFS,
 * because a certificate's signature covers its exact bytes and operators
 * diff configuration files.
 *
 * This module does not decide what to do with a verdict (the node logs it
 * and shows it on the welcome page) and does no network I/O. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "grid/gm.h"
#include "grid/json.h"
#include "rpc/base32.h"
#include "rpc/common.h"
#include "rpc/err.h"
#include "rpc/file.h"
#include "rpc/ident.h"

#define PRIV_PREFIX	"priv-v0-"
#define PUB_PREFIX	"pub-v0-"
#define CONFIG_NAME	"config.json"
#define CONFIG_VERSION	0	/* grid_manager_config_version */
#define CERT_VERSION	1	/* the only certificate version so far */

/* Names and keys quoted in error messages are cut to this many bytes. */
#define SHOW_MAX		64
/* Characters of a key shown in "names another server (pub-v0-abc...)". */
#define KEY_ABBREV		8
/* A day in microseconds. */
#define DAY_US		(GRID_SEC_PER_DAY * GRID_USEC_PER_SEC)

struct gm_server {
	char	*name;		/* UTF-8, no control characters */
	char	*pubkey;	/* "pub-v0-...", canonical */
};

struct grid_gm {
	rpc_ident	*id;
	GPtrArray	*servers;	/* of struct gm_server *, by name */
};

/* ---- small helpers ---- */

static void
crypto_ready(void)
{
	if (sodium_init() < 0)
		g_error("libsodium failed to initialise");
}

/* A copy of 's' fit for a one-line message: control characters escaped,
 * cut at about SHOW_MAX bytes; caller g_free()s. */
static char *
show(const char *s)
{
	GString *g;
	const char *p;

	if (!g_utf8_validate(s, -1, NULL))
		return g_strdup("(not UTF-8)");
	g = g_string_new(NULL);
	for (p = s; *p != '\0'; p = g_utf8_next_char(p)) {
		gunichar c = g_utf8_get_char(p);

		if (g->len >= SHOW_MAX) {
			g_string_append(g, "...");
			break;
		}
		if (g_unichar_iscntrl(c))
			g_string_append_printf(g, "\\u%04x", (unsigned)c);
		else
			g_string_append_len(g, p, g_utf8_next_char(p) - p);
	}
	return g_string_free(g, FALSE);
}

/* Any non-empty UTF-8 without control characters.  'len' bytes. */
static gboolean
valid_name(const char *s, size_t len)
{
	const char *p, *end = s + len;

	if (len == 0 || !g_utf8_validate_len(s, len, NULL))
		return FALSE;
	for (p = s; p < end; p = g_utf8_next_char(p))
		if (g_unichar_iscntrl(g_utf8_get_char(p)))
			return FALSE;
	return TRUE;
}

/* Read at most 'max' bytes of 'path' into a new buffer (NUL-terminated;
 * caller g_free()s, wiping it first if it may hold a secret). */
static gboolean
read_capped(const char *path, size_t max, char **out, size_t *outlen,
    GError **error)
{
	g_autoptr(GError) e = NULL;

	if (!rpc_file_read_capped(path, max, out, outlen, &e)) {
		g_set_error(error, GRID_ERROR,
		    g_error_matches(e, RPC_ERROR, RPC_E_TOOBIG) ?
		    GRID_E_FORMAT : g_error_matches(e, G_FILE_ERROR,
		    G_FILE_ERROR_NOENT) ? GRID_E_NOTFOUND : GRID_E_IO, "%s",
		    e->message);
		return FALSE;
	}
	return TRUE;
}

/* ---- the grid manager ---- */

static void
server_free(gpointer p)
{
	struct gm_server *s = p;

	g_free(s->name);
	g_free(s->pubkey);
	g_free(s);
}

static gint
server_cmp(gconstpointer a, gconstpointer b)
{
	const struct gm_server *x = *(const struct gm_server *const *)a;
	const struct gm_server *y = *(const struct gm_server *const *)b;

	return strcmp(x->name, y->name);
}

static grid_gm *
gm_alloc(rpc_ident *id)
{
	grid_gm *gm = g_new0(grid_gm, 1);

	gm->id = id;
	gm->servers = g_ptr_array_new_with_free_func(server_free);
	return gm;
}

grid_gm *
grid_gm_new(void)
{
	return gm_alloc(rpc_ident_new());
}

void
grid_gm_free(grid_gm *gm)
{
	if (gm == NULL)
		return;
	rpc_ident_free(gm->id);
	g_ptr_array_unref(gm->servers);
	g_free(gm);
}

/* Index of server 'name' or -1. */
static gint
gm_find(const grid_gm *gm, const char *name)
{
	guint i;

	for (i = 0; i < gm->servers->len; i++) {
		const struct gm_server *s = g_ptr_array_index(gm->servers, i);

		if (strcmp(s->name, name) == 0)
			return (gint)i;
	}
	return -1;
}

static void
gm_insert(grid_gm *gm, const char *name, const char *pubkey)
{
	struct gm_server *s = g_new0(struct gm_server, 1);

	s->name = g_strdup(name);
	s->pubkey = g_strdup(pubkey);
	g_ptr_array_add(gm->servers, s);
	g_ptr_array_sort(gm->servers, server_cmp);
}

/* The manager's key from "priv-v0-..." text; the message never quotes
 * the text. */
static rpc_ident *
privkey_parse(const char *text, GError **error)
{
	uint8_t seed[RPC_SEED_LEN];
	size_t n = 0, plen = strlen(PRIV_PREFIX);
	rpc_ident *id;

	if (strncmp(text, PRIV_PREFIX, plen) != 0 ||
	    rpc_base32_decode(text + plen, strlen(text + plen), seed,
	    sizeof(seed), &n) != 0 || n != RPC_SEED_LEN) {
		g_set_error(error, GRID_ERROR, GRID_E_FORMAT,
		    "invalid private_key: expected '%s' and 32 bytes of "
		    "base32", PRIV_PREFIX);
		return NULL;
	}
	id = rpc_ident_new_from_seed(seed);
	sodium_memzero(seed, sizeof(seed));
	return id;
}

static gboolean
parse_servers(grid_gm *gm, const json_t *o, GError **error)
{
	const char *name;
	json_t *so;

	if (!json_is_object(o)) {
		g_set_error(error, GRID_ERROR, GRID_E_FORMAT,
		    "storage_servers is not an object");
		return FALSE;
	}
	json_object_foreach((json_t *)o, name, so) {
		g_autofree char *shown = show(name);
		const char *pk;
		uint8_t raw[RPC_PK_LEN];

		if (!valid_name(name, strlen(name))) {
			g_set_error(error, GRID_ERROR, GRID_E_FORMAT,
			    "invalid storage server name '%s'", shown);
			return FALSE;
		}
		if (!json_is_object(so)) {
			g_set_error(error, GRID_ERROR, GRID_E_FORMAT,
			    "storage server '%s' is not an object", shown);
			return FALSE;
		}
		if ((pk = grid_json_str(so, "public_key")) == NULL) {
			g_set_error(error, GRID_ERROR, GRID_E_FORMAT,
			    "No 'public_key' for storage server '%s'", shown);
			return FALSE;
		}
		if (json_object_size(so) != 1) {
			g_set_error(error, GRID_ERROR, GRID_E_FORMAT,
			    "storage server '%s' has keys other than "
			    "'public_key'", shown);
			return FALSE;
		}
		if (!rpc_pubkey_parse(pk, raw, NULL)) {
			g_set_error(error, GRID_ERROR, GRID_E_FORMAT,
			    "invalid public_key for storage server '%s'",
			    shown);
			return FALSE;
		}
		gm_insert(gm, name, pk);
	}
	return TRUE;
}

grid_gm *
grid_gm_parse(const char *text, size_t len, GError **error)
{
	g_autoptr(json_t) root = NULL;
	grid_gm *gm = NULL;
	json_t *v, *pk, *m;
	const char *name, *key;
	rpc_ident *id;

	g_return_val_if_fail(text != NULL || len == 0, NULL);
	if (len > GRID_GM_CONFIG_MAX) {
		g_set_error(error, GRID_ERROR, GRID_E_FORMAT,
		    "config is larger than %d bytes", GRID_GM_CONFIG_MAX);
		return NULL;
	}
	/* The key text stays inside 'root', which grid_json_load()'s
	 * allocator wipes when it is freed. */
	if ((root = grid_json_load(text, len, "config", error)) == NULL)
		return NULL;
	pk = json_object_get(root, "private_key");
	key = json_is_string(pk) ? json_string_value(pk) : NULL;
	/* The version first: a later version may add keys. */
	v = json_object_get(root, "grid_manager_config_version");
	if (v == NULL) {
		g_set_error(error, GRID_ERROR, GRID_E_VERSION,
		    "missing grid_manager_config_version");
		return NULL;
	}
	if (!json_is_integer(v) ||
	    json_integer_value(v) != CONFIG_VERSION) {
		g_set_error(error, GRID_ERROR, GRID_E_VERSION,
		    "unknown grid_manager_config_version (expected %d)",
		    CONFIG_VERSION);
		return NULL;
	}
	json_object_foreach(root, name, m) {
		if (strcmp(name, "grid_manager_config_version") != 0 &&
		    strcmp(name, "private_key") != 0 &&
		    strcmp(name, "storage_servers") != 0) {
			g_autofree char *shown = show(name);

			g_set_error(error, GRID_ERROR, GRID_E_FORMAT,
			    "unknown key '%s' in config", shown);
			return NULL;
		}
	}
	if (pk == NULL) {
		g_set_error(error, GRID_ERROR, GRID_E_FORMAT,
		    "'private_key' required in config");
		return NULL;
	}
	if (key == NULL) {
		g_set_error(error, GRID_ERROR, GRID_E_FORMAT,
		    "private_key is not a string");
		return NULL;
	}
	if ((id = privkey_parse(key, error)) == NULL)
		return NULL;
	gm = gm_alloc(id);
	v = json_object_get(root, "storage_servers");
	if (v != NULL && !parse_servers(gm, v, error))
		g_clear_pointer(&gm, grid_gm_free);
	return gm;
}

char *
grid_gm_to_json(const grid_gm *gm)
{
	g_autoptr(GString) tail = NULL;
	char key[64];
	GString *g;
	guint i;

	g_return_val_if_fail(gm != NULL, NULL);
	tail = g_string_new(NULL);
	if (gm->servers->len > 0) {
		g_string_append(tail, ",\n    \"storage_servers\": {");
		for (i = 0; i < gm->servers->len; i++) {
			const struct gm_server *s =
			    g_ptr_array_index(gm->servers, i);

			g_string_append(tail, i == 0 ? "\n        " :
			    ",\n        ");
			grid_json_put_string(tail, s->name);
			g_string_append(tail,
			    ": {\n            \"public_key\": ");
			grid_json_put_string(tail, s->pubkey);
			g_string_append(tail, "\n        }");
		}
		g_string_append(tail, "\n    }");
	}
	g_string_append(tail, "\n}\n");
	/* Size the result up front so that growing it never leaves a copy
	 * of the private key in freed memory. */
	g = g_string_sized_new(128 + sizeof(key) + tail->len);
	g_string_append_printf(g, "{\n    \"grid_manager_config_version\": "
	    "%d,\n    \"private_key\": \"" PRIV_PREFIX, CONFIG_VERSION);
	/* The first 32 bytes of a libsodium secret key are the seed. */
	rpc_base32_encode_to(key, sizeof(key), rpc_ident_sk(gm->id),
	    RPC_SEED_LEN);
	g_string_append(g, key);
	sodium_memzero(key, sizeof(key));
	g_string_append_c(g, '"');
	g_string_append_len(g, tail->str, (gssize)tail->len);
	return g_string_free(g, FALSE);
}

gboolean
grid_gm_save_dir(const grid_gm *gm, const char *dir, GError **error)
{
	g_autofree char *path = NULL;
	g_autoptr(GError) e = NULL;
	char *text;
	gboolean ok;

	g_return_val_if_fail(gm != NULL && dir != NULL, FALSE);
	path = g_build_filename(dir, CONFIG_NAME, NULL);
	text = grid_gm_to_json(gm);
	ok = rpc_file_write_atomic(path, text, strlen(text), 0600, &e);
	sodium_memzero(text, strlen(text));
	g_free(text);
	if (!ok)
		g_set_error(error, GRID_ERROR, GRID_E_IO, "%s", e->message);
	return ok;
}

gboolean
grid_gm_create_dir(const grid_gm *gm, const char *dir, GError **error)
{
	int saved;

	g_return_val_if_fail(gm != NULL && dir != NULL, FALSE);
	if (mkdir(dir, 0700) != 0) {
		saved = errno;
		g_set_error(error, GRID_ERROR,
		    saved == EEXIST ? GRID_E_EXISTS : GRID_E_IO,
		    "Can't create '%s': %s", dir, g_strerror(saved));
		return FALSE;
	}
	/* The umask may have taken bits we need (or left more than 0700
	 * when mkdir ignored them on some file systems). */
	if (chmod(dir, 0700) != 0) {
		saved = errno;
		g_set_error(error, GRID_ERROR, GRID_E_IO,
		    "Can't create '%s': %s", dir, g_strerror(saved));
		(void)rmdir(dir);
		return FALSE;
	}
	if (!grid_gm_save_dir(gm, dir, error)) {
		(void)rmdir(dir);
		return FALSE;
	}
	return TRUE;
}

grid_gm *
grid_gm_load_dir(const char *dir, GError **error)
{
	g_autofree char *path = NULL;
	char *text = NULL;
	size_t len = 0;
	grid_gm *gm;

	g_return_val_if_fail(dir != NULL, NULL);
	path = g_build_filename(dir, CONFIG_NAME, NULL);
	if (!read_capped(path, GRID_GM_CONFIG_MAX, &text, &len, error))
		return NULL;
	gm = grid_gm_parse(text, len, error);
	sodium_memzero(text, len);
	g_free(text);
	if (gm == NULL)
		g_prefix_error(error, "%s: ", path);
	return gm;
}

char *
grid_gm_public_identity(const grid_gm *gm)
{
	g_return_val_if_fail(gm != NULL, NULL);
	return rpc_ident_pubkey_text(gm->id);
}

gboolean
grid_gm_add(grid_gm *gm, const char *name, const char *pubkey,
    GError **error)
{
	g_autoptr(GError) e = NULL;
	g_autofree char *shown = NULL;
	uint8_t raw[RPC_PK_LEN];

	g_return_val_if_fail(gm != NULL && name != NULL && pubkey != NULL,
	    FALSE);
	if (!valid_name(name, strlen(name))) {
		g_set_error(error, GRID_ERROR, GRID_E_FORMAT,
		    "invalid storage server name (it must be non-empty "
		    "UTF-8 without control characters)");
		return FALSE;
	}
	shown = show(name);
	if (gm_find(gm, name) >= 0) {
		g_set_error(error, GRID_ERROR, GRID_E_EXISTS,
		    "A storage-server called '%s' already exists", shown);
		return FALSE;
	}
	if (!rpc_pubkey_parse(pubkey, raw, &e)) {
		g_set_error(error, GRID_ERROR, GRID_E_FORMAT,
		    "invalid public key for '%s': %s", shown, e->message);
		return FALSE;
	}
	gm_insert(gm, name, pubkey);
	return TRUE;
}

gboolean
grid_gm_remove(grid_gm *gm, const char *name, GError **error)
{
	gint i;

	g_return_val_if_fail(gm != NULL && name != NULL, FALSE);
	if ((i = gm_find(gm, name)) < 0) {
		g_autofree char *shown = show(name);

		g_set_error(error, GRID_ERROR, GRID_E_NOTFOUND,
		    "No storage-server called '%s' exists", shown);
		return FALSE;
	}
	g_ptr_array_remove_index(gm->servers, (guint)i);
	return TRUE;
}

guint
grid_gm_n_servers(const grid_gm *gm)
{
	g_return_val_if_fail(gm != NULL, 0);
	return gm->servers->len;
}

const char *
grid_gm_server_name(const grid_gm *gm, guint i)
{
	const struct gm_server *s;

	g_return_val_if_fail(gm != NULL && i < gm->servers->len, NULL);
	s = g_ptr_array_index(gm->servers, i);
	return s->name;
}

const char *
grid_gm_server_pubkey(const grid_gm *gm, guint i)
{
	const struct gm_server *s;

	g_return_val_if_fail(gm != NULL && i < gm->servers->len, NULL);
	s = g_ptr_array_index(gm->servers, i);
	return s->pubkey;
}

gboolean
grid_gm_has_server(const grid_gm *gm, const char *name)
{
	g_return_val_if_fail(gm != NULL && name != NULL, FALSE);
	return gm_find(gm, name) >= 0;
}

char *
grid_gm_sign(const grid_gm *gm, const char *name, gint64 now_us,
    int days, GError **error)
{
	const struct gm_server *s;
	g_autofree char *expires = NULL, *cert = NULL, *sigtext = NULL;
	uint8_t sig[RPC_SIG_LEN];
	GString *g;
	gint i;

	g_return_val_if_fail(gm != NULL && name != NULL, NULL);
	if (days < 1 || days > GRID_GM_EXPIRY_MAX) {
		g_set_error(error, GRID_ERROR, GRID_E_RANGE,
		    "%d is not in the range 1<=x<=%d (days)", days,
		    GRID_GM_EXPIRY_MAX);
		return NULL;
	}
	if ((i = gm_find(gm, name)) < 0) {
		g_autofree char *shown = show(name);

		g_set_error(error, GRID_ERROR, GRID_E_NOTFOUND,
		    "No storage-server called '%s' exists", shown);
		return NULL;
	}
	if (now_us < GRID_TIME_MIN_US ||
	    now_us > GRID_TIME_MAX_US - days * DAY_US) {
		g_set_error(error, GRID_ERROR, GRID_E_RANGE,
		    "expiry time out of range (years 1 to 9999)");
		return NULL;
	}
	s = g_ptr_array_index(gm->servers, (guint)i);
	expires = grid_time_format(now_us + days * DAY_US);
	/* json.dumps(cert_info, separators=(',',':'), sort_keys=True); the
	 * values are ASCII with nothing to escape. */
	cert = g_strdup_printf("{\"expires\":\"%s\",\"public_key\":\"%s\","
	    "\"version\":%d}", expires, s->pubkey, CERT_VERSION);
	crypto_ready();
	crypto_sign_detached(sig, NULL, (const uint8_t *)cert, strlen(cert),
	    rpc_ident_sk(gm->id));
	sigtext = rpc_base32_encode(sig, sizeof(sig));
	g = g_string_new("{\n    \"certificate\": ");
	grid_json_put_string(g, cert);
	g_string_append_printf(g, ",\n    \"signature\": \"%s\"\n}", sigtext);
	return g_string_free(g, FALSE);
}

/* NAME.cert.N names a file in the directory only if NAME is a plain,
 * non-empty file name. */
static gboolean
cert_name_ok(const char *name)
{
	return valid_name(name, strlen(name)) && strchr(name, '/') == NULL;
}

static char *
cert_path(const char *dir, const char *name, guint n)
{
	g_autofree char *base = g_strdup_printf("%s.cert.%u", name, n);

	return g_build_filename(dir, base, NULL);
}

static gboolean
write_all(int fd, const char *p, size_t len)
{
	size_t off = 0;

	while (off < len) {
		ssize_t w = write(fd, p + off, len - off);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return FALSE;
		off += (size_t)w;
	}
	return TRUE;
}

gboolean
grid_gm_store_cert(const char *dir, const char *name, const char *cert,
    guint *index, GError **error)
{
	g_autofree char *path = NULL;
	int fd = -1, dfd, saved;
	guint n;

	if (index != NULL)
		*index = 0;
	g_return_val_if_fail(dir != NULL && name != NULL && cert != NULL,
	    FALSE);
	if (!cert_name_ok(name)) {
		g_set_error(error, GRID_ERROR, GRID_E_FORMAT,
		    "storage server name is not usable in a file name");
		return FALSE;
	}
	for (n = 0; n < G_MAXUINT; n++) {
		g_free(path);
		path = cert_path(dir, name, n);
		/* O_EXCL, so two signers never share a number. */
		fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC |
		    O_NOCTTY, 0644);
		if (fd >= 0 || errno != EEXIST)
			break;
	}
	if (fd < 0) {
		saved = errno;
		g_set_error(error, GRID_ERROR, GRID_E_IO, "%s: %s", path,
		    g_strerror(saved));
		return FALSE;
	}
	if (!write_all(fd, cert, strlen(cert)) || fsync(fd) != 0) {
		saved = errno;
		close(fd);
		(void)unlink(path);
		g_set_error(error, GRID_ERROR, GRID_E_IO, "%s: %s", path,
		    g_strerror(saved));
		return FALSE;
	}
	if (close(fd) != 0) {
		saved = errno;
		(void)unlink(path);
		g_set_error(error, GRID_ERROR, GRID_E_IO, "%s: %s", path,
		    g_strerror(saved));
		return FALSE;
	}
	/* Make the new name itself durable. */
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		(void)fsync(dfd);
		close(dfd);
	}
	if (index != NULL)
		*index = n;
	return TRUE;
}

void
grid_gm_remove_certs(const char *dir, const char *name)
{
	guint n;

	g_return_if_fail(dir != NULL && name != NULL);
	if (!cert_name_ok(name))
		return;
	for (n = 0; n < G_MAXUINT; n++) {
		g_autofree char *path = cert_path(dir, name, n);

		if (unlink(path) != 0)
			break;
	}
}

/* ---- certificates ---- */

void
grid_cert_free(grid_cert *c)
{
	if (c == NULL)
		return;
	g_free(c->text);
	g_free(c->certificate);
	g_free(c->public_key);
	g_free(c);
}

/* 'x' (well inside the gint64 range) to the nearest integer, ties to
 * even, as Python's datetime.fromtimestamp() rounds microseconds; written
 * out so that the library needs no libm. */
static gint64
round_half_even(gdouble x)
{
	gint64 r = (gint64)x;		/* toward zero */
	gdouble f = x - (gdouble)r;

	if (f > 0.5 || (f == 0.5 && (r & 1) != 0))
		r++;
	else if (f < -0.5 || (f == -0.5 && (r & 1) != 0))
		r--;
	return r;
}

/* The "expires" member: ISO-8601 text, or epoch seconds as an integer or
 * a float (certificates from before Tahoe-LAFS 1.19). */
static gboolean
parse_expires(const json_t *n, gint64 *us, GError **error)
{
	g_autoptr(GError) e = NULL;
	gdouble d;
	gint64 sec;

	*us = 0;
	if (json_is_string(n)) {
		if (grid_time_parse(json_string_value(n), us, &e))
			return TRUE;
		g_set_error(error, GRID_ERROR, GRID_E_FORMAT,
		    "certificate 'expires': %s", e->message);
		return FALSE;
	}
	if (json_is_integer(n)) {
		sec = json_integer_value(n);
		if (sec >= GRID_TIME_MIN_SEC && sec < GRID_TIME_END_SEC) {
			*us = sec * GRID_USEC_PER_SEC;
			return TRUE;
		}
	} else if (json_is_real(n)) {
		d = json_real_value(n);
		if (isfinite(d) && d >= (gdouble)GRID_TIME_MIN_SEC &&
		    d < (gdouble)GRID_TIME_END_SEC) {
			*us = round_half_even(d * 1e6);
			*us = CLAMP(*us, GRID_TIME_MIN_US, GRID_TIME_MAX_US);
			return TRUE;
		}
	} else {
		g_set_error(error, GRID_ERROR, GRID_E_FORMAT,
		    "certificate 'expires' is not a time");
		return FALSE;
	}
	g_set_error(error, GRID_ERROR, GRID_E_FORMAT,
	    "certificate 'expires' is out of range");
	return FALSE;
}

/* The signed text: a JSON object with "expires", "public_key" and
 * "version".  Version 1 has no other keys; later versions may add some,
 * and are reported as unknown versions rather than malformed. */
static gboolean
parse_cert_info(grid_cert *c, GError **error)
{
	g_autoptr(json_t) o = NULL;
	const char *pk, *name;
	json_t *v;

	o = grid_json_load(c->certificate, strlen(c->certificate),
	    "'certificate'", error);
	if (o == NULL)
		return FALSE;
	v = json_object_get(o, "version");
	if (!json_is_integer(v)) {
		g_set_error(error, GRID_ERROR, GRID_E_FORMAT,
		    v == NULL ? "certificate has no 'version'" :
		    "certificate 'version' is not an integer");
		return FALSE;
	}
	c->version = json_integer_value(v);
	if ((pk = grid_json_str(o, "public_key")) == NULL) {
		g_set_error(error, GRID_ERROR, GRID_E_FORMAT,
		    json_object_get(o, "public_key") != NULL ?
		    "certificate 'public_key' is not a string" :
		    "certificate has no 'public_key'");
		return FALSE;
	}
	c->public_key = g_strdup(pk);
	if ((v = json_object_get(o, "expires")) == NULL) {
		g_set_error(error, GRID_ERROR, GRID_E_FORMAT,
		    "certificate has no 'expires'");
		return FALSE;
	}
	if (!parse_expires(v, &c->expires_us, error))
		return FALSE;
	if (c->version != CERT_VERSION)
		return TRUE;
	json_object_foreach(o, name, v) {
		if (strcmp(name, "expires") != 0 &&
		    strcmp(name, "public_key") != 0 &&
		    strcmp(name, "version") != 0) {
			g_autofree char *shown = show(name);

			g_set_error(error, GRID_ERROR, GRID_E_FORMAT,
			    "unknown key '%s' in certificate", shown);
			return FALSE;
		}
	}
	return TRUE;
}

grid_cert *
grid_cert_parse(const char *text, size_t len, GError **error)
{
	g_autoptr(json_t) root = NULL;
	g_autoptr(grid_cert) c = NULL;
	const char *cert, *sig, *name;
	json_t *m;
	size_t n = 0;

	g_return_val_if_fail(text != NULL || len == 0, NULL);
	if (len > GRID_CERT_MAX) {
		g_set_error(error, GRID_ERROR, GRID_E_FORMAT,
		    "certificate file is larger than %d bytes",
		    GRID_CERT_MAX);
		return NULL;
	}
	root = grid_json_load(text, len, "certificate file", error);
	if (root == NULL)
		return NULL;
	json_object_foreach(root, name, m) {
		if (strcmp(name, "certificate") != 0 &&
		    strcmp(name, "signature") != 0) {
			g_autofree char *shown = show(name);

			g_set_error(error, GRID_ERROR, GRID_E_FORMAT,
			    "unknown key '%s' in certificate file", shown);
			return NULL;
		}
	}
	if (json_object_get(root, "certificate") == NULL ||
	    json_object_get(root, "signature") == NULL) {
		g_set_error(error, GRID_ERROR, GRID_E_FORMAT,
		    "certificate file must contain 'certificate' and "
		    "'signature'");
		return NULL;
	}
	if ((cert = grid_json_str(root, "certificate")) == NULL) {
		g_set_error(error, GRID_ERROR, GRID_E_FORMAT,
		    "'certificate' is not a string");
		return NULL;
	}
	if ((sig = grid_json_str(root, "signature")) == NULL) {
		g_set_error(error, GRID_ERROR, GRID_E_FORMAT,
		    "'signature' is not a string");
		return NULL;
	}
	c = g_new0(grid_cert, 1);
	c->text = g_strndup(text, len);
	if (rpc_base32_decode(sig, strlen(sig), c->signature,
	    sizeof(c->signature), &n) != 0 || n != sizeof(c->signature)) {
		g_set_error(error, GRID_ERROR, GRID_E_FORMAT,
		    "'signature' is not base32 of 64 bytes");
		return NULL;
	}
	c->certificate = g_strdup(cert);
	if (!parse_cert_info(c, error))
		return NULL;
	return g_steal_pointer(&c);
}

grid_cert *
grid_cert_load(const char *path, GError **error)
{
	g_autofree char *text = NULL;
	size_t len = 0;
	grid_cert *c;

	g_return_val_if_fail(path != NULL, NULL);
	if (!read_capped(path, GRID_CERT_MAX, &text, &len, error))
		return NULL;
	c = grid_cert_parse(text, len, error);
	if (c == NULL)
		g_prefix_error(error, "%s: ", path);
	return c;
}

grid_cert_verdict
grid_cert_check(const grid_cert *c, const uint8_t *keys, size_t n_keys,
    const uint8_t *server_pk, gint64 now_us, char **why)
{
	g_autofree char *reason = NULL;
	grid_cert_verdict v;
	uint8_t named[RPC_PK_LEN];
	gboolean signed_ok = FALSE;
	size_t i;

	if (why != NULL)
		*why = NULL;
	g_return_val_if_fail(c != NULL && server_pk != NULL,
	    GRID_CERT_UNSIGNED);
	g_return_val_if_fail(keys != NULL || n_keys == 0, GRID_CERT_UNSIGNED);
	crypto_ready();
	for (i = 0; i < n_keys && !signed_ok; i++)
		signed_ok = crypto_sign_verify_detached(c->signature,
		    (const uint8_t *)c->certificate, strlen(c->certificate),
		    keys + i * RPC_PK_LEN) == 0;
	if (!signed_ok) {
		v = GRID_CERT_UNSIGNED;
		reason = g_strdup("not signed by any trusted grid manager "
		    "(forged, damaged, or from another manager)");
	} else if (c->version != CERT_VERSION) {
		v = GRID_CERT_VERSION;
		reason = g_strdup_printf("unknown certificate version %"
		    G_GINT64_FORMAT, c->version);
	} else if (!rpc_pubkey_parse(c->public_key, named, NULL)) {
		v = GRID_CERT_OTHER_SERVER;
		reason = g_strdup("names no server (its public_key is not a "
		    "valid pub-v0- key)");
	} else if (sodium_memcmp(named, server_pk, RPC_PK_LEN) != 0) {
		v = GRID_CERT_OTHER_SERVER;
		/* Valid key text is ASCII, safe to quote. */
		reason = g_strdup_printf("names another server (%.*s...)",
		    (int)(strlen(PUB_PREFIX) + KEY_ABBREV), c->public_key);
	} else if (c->expires_us <= now_us) {
		g_autofree char *t = grid_time_format_human(c->expires_us);

		v = GRID_CERT_EXPIRED;
		reason = g_strdup_printf("expired at %s", t);
	} else {
		g_autofree char *t = grid_time_format_human(c->expires_us);

		v = GRID_CERT_VALID;
		reason = g_strdup_printf("valid until %s", t);
	}
	if (why != NULL)
		*why = g_steal_pointer(&reason);
	return v;
}

int
grid_cert_signer(const grid_cert *c, const uint8_t *keys, size_t n_keys)
{
	size_t i;

	g_return_val_if_fail(c != NULL && (keys != NULL || n_keys == 0), -1);
	crypto_ready();
	for (i = 0; i < n_keys && i < G_MAXINT; i++)
		if (crypto_sign_verify_detached(c->signature,
		    (const uint8_t *)c->certificate, strlen(c->certificate),
		    keys + i * RPC_PK_LEN) == 0)
			return (int)i;
	return -1;
}

char *
grid_duration_human(gint64 us)
{
	/* |us| without overflowing at G_MININT64. */
	guint64 s = (us < 0 ? (guint64)-(us + 1) + 1 : (guint64)us) /
	    G_USEC_PER_SEC;
	guint64 v;
	const char *unit;

	if (s >= 86400) {
		v = s / 86400;
		unit = "day";
	} else if (s >= 3600) {
		v = s / 3600;
		unit = "hour";
	} else if (s >= 60) {
		v = s / 60;
		unit = "minute";
	} else {
		return g_strdup("less than a minute");
	}
	return g_strdup_printf("%" G_GUINT64_FORMAT " %s%s", v, unit,
	    v == 1 ? "" : "s");
}

grid_own_cert_verdict
grid_cert_check_own(const grid_cert *c, const uint8_t *own_pk, gint64 now_us,
    char **why)
{
	g_autofree char *reason = NULL, *t = NULL, *d = NULL;
	grid_own_cert_verdict v;
	uint8_t named[RPC_PK_LEN];

	if (why != NULL)
		*why = NULL;
	g_return_val_if_fail(c != NULL && own_pk != NULL,
	    GRID_OWN_CERT_OTHER_KEY);
	t = grid_time_format_human(c->expires_us);
	/* Saturating: expiry times are bounded to years 1..9999. */
	d = grid_duration_human(c->expires_us - now_us);
	if (c->version != CERT_VERSION) {
		v = GRID_OWN_CERT_VERSION;
		reason = g_strdup_printf("unknown certificate version %"
		    G_GINT64_FORMAT, c->version);
	} else if (!rpc_pubkey_parse(c->public_key, named, NULL)) {
		v = GRID_OWN_CERT_OTHER_KEY;
		reason = g_strdup("names no server (its public_key is not a "
		    "valid pub-v0- key)");
	} else if (sodium_memcmp(named, own_pk, RPC_PK_LEN) != 0) {
		v = GRID_OWN_CERT_OTHER_KEY;
		/* Valid key text is ASCII, safe to quote. */
		reason = g_strdup_printf("names another server (%.*s...), "
		    "not this node", (int)(strlen(PUB_PREFIX) + KEY_ABBREV),
		    c->public_key);
	} else if (c->expires_us <= now_us) {
		v = GRID_OWN_CERT_EXPIRED;
		reason = g_strdup_printf("expired at %s (%s ago)", t, d);
	} else if (c->expires_us - now_us <=
	    (gint64)GRID_CERT_RENEW_DAYS * 86400 * G_USEC_PER_SEC) {
		v = GRID_OWN_CERT_EXPIRING;
		reason = g_strdup_printf("expires at %s, in %s: renew it", t,
		    d);
	} else {
		v = GRID_OWN_CERT_OK;
		reason = g_strdup_printf("valid until %s (valid for %s)", t,
		    d);
	}
	if (why != NULL)
		*why = g_steal_pointer(&reason);
	return v;
}

bool
grid_upload_permitted(const uint8_t *keys, size_t n_keys,
    const uint8_t *server_pk, grid_cert *const *certs, size_t n_certs,
    gint64 now_us)
{
	size_t i;

	if (n_keys == 0)
		return true;
	for (i = 0; i < n_certs; i++)
		if (certs[i] != NULL && grid_cert_check(certs[i], keys, n_keys,
		    server_pk, now_us, NULL) == GRID_CERT_VALID)
			return true;
	return false;
}

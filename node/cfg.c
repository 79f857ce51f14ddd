/* node/cfg.c -- loading, editing and atomically saving tahoe.cfg, and
 * reading node.pubkey.  Meaning is given to the keys elsewhere (the node,
 * the grid, the CLI); this file only keeps the file well-formed. */
#include "config.h"

#include <string.h>

#include <sys/stat.h>

#include "node/cfg.h"
#include "rpc/err.h"
#include "rpc/file.h"
#include "rpc/ident.h"

G_DEFINE_QUARK(node-error-quark, node_error)

struct node_config {
	char		*dir;
	char		*path;
	GKeyFile	*kf;
};

/* The NODE_ERROR code for a failed rpc_file_read_capped(). */
static int
node_file_error_code(const GError *e)
{
	if (g_error_matches(e, RPC_ERROR, RPC_E_TOOBIG))
		return NODE_E_FORMAT;
	if (g_error_matches(e, G_FILE_ERROR, G_FILE_ERROR_NOENT))
		return NODE_E_NOTFOUND;
	return NODE_E_IO;
}

node_config *
node_config_load(const char *dir, GError **error)
{
	g_autofree char *path = g_build_filename(dir, "tahoe.cfg", NULL);
	g_autofree char *text = NULL;
	g_autoptr(GError) e = NULL;
	node_config *cfg;
	size_t len = 0;

	if (!g_file_test(dir, G_FILE_TEST_IS_DIR)) {
		g_set_error(error, NODE_ERROR, NODE_E_NOTFOUND,
		    "%s: no such node directory", dir);
		return NULL;
	}
	if (!rpc_file_read_capped(path, NODE_CONFIG_MAX, &text, &len, &e)) {
		g_set_error(error, NODE_ERROR, node_file_error_code(e), "%s",
		    e->message);
		return NULL;
	}
	if (strlen(text) != len) {
		g_set_error(error, NODE_ERROR, NODE_E_FORMAT,
		    "%s: not a configuration file (binary)", path);
		return NULL;
	}
	cfg = g_new0(node_config, 1);
	cfg->dir = g_strdup(dir);
	cfg->path = g_steal_pointer(&path);
	cfg->kf = g_key_file_new();
	if (!g_key_file_load_from_data(cfg->kf, text, len,
	    G_KEY_FILE_KEEP_COMMENTS | G_KEY_FILE_KEEP_TRANSLATIONS, &e)) {
		g_set_error(error, NODE_ERROR, NODE_E_FORMAT, "%s: %s",
		    cfg->path, e->message);
		node_config_free(cfg);
		return NULL;
	}
	return cfg;
}

void
node_config_free(node_config *cfg)
{
	if (cfg == NULL)
		return;
	g_key_file_free(cfg->kf);
	g_free(cfg->dir);
	g_free(cfg->path);
	g_free(cfg);
}

const char *
node_config_dir(const node_config *cfg)
{
	return cfg->dir;
}

const char *
node_config_path(const node_config *cfg)
{
	return cfg->path;
}

GKeyFile *
node_config_keyfile(node_config *cfg)
{
	return cfg->kf;
}

char *
node_config_get(node_config *cfg, const char *section, const char *key)
{
	char *v = g_key_file_get_value(cfg->kf, section, key, NULL);

	return v != NULL ? g_strstrip(v) : NULL;
}

gboolean
node_config_get_bool(node_config *cfg, const char *section, const char *key,
    gboolean def, gboolean *out, GError **error)
{
	g_autofree char *v = node_config_get(cfg, section, key);

	*out = def;
	if (v == NULL)
		return TRUE;
	if (g_ascii_strcasecmp(v, "true") == 0 ||
	    g_ascii_strcasecmp(v, "yes") == 0 || strcmp(v, "1") == 0) {
		*out = TRUE;
		return TRUE;
	}
	if (g_ascii_strcasecmp(v, "false") == 0 ||
	    g_ascii_strcasecmp(v, "no") == 0 || strcmp(v, "0") == 0) {
		*out = FALSE;
		return TRUE;
	}
	g_set_error(error, NODE_ERROR, NODE_E_FORMAT,
	    "%s: [%s] %s: expected true or false, not '%s'", cfg->path,
	    section, key, v);
	return FALSE;
}

gboolean
node_config_get_uint(node_config *cfg, const char *section, const char *key,
    guint64 def, guint64 min, guint64 max, guint64 *out, GError **error)
{
	g_autofree char *v = node_config_get(cfg, section, key);

	*out = def;
	if (v == NULL)
		return TRUE;
	if (g_ascii_string_to_unsigned(v, 10, min, max, out, NULL))
		return TRUE;
	*out = def;
	g_set_error(error, NODE_ERROR, NODE_E_FORMAT,
	    "%s: [%s] %s: expected a whole number from %" G_GUINT64_FORMAT
	    " to %" G_GUINT64_FORMAT, cfg->path, section, key, min, max);
	return FALSE;
}

gboolean
node_parse_size(const char *text, guint64 *out, GError **error)
{
	/* Tahoe-LAFS's abbreviate.parse_abbreviated_size(): digits, then
	 * in any case an optional K, M, G, T, P or E (powers of 1000), an
	 * optional I (making them powers of 1024) and an optional B. */
	static const char units[] = "KMGTPE";
	g_autofree char *cut = NULL, *shown = NULL;
	const char *p = text, *u;
	gboolean too_big = FALSE;
	guint64 n = 0, mult = 1, base = 1000;
	int power = 0, i;

	if (strlen(text) > NODE_SIZE_TEXT_MAX)
		goto bad;
	for (; g_ascii_isdigit(*p); p++) {
		if (n > (G_MAXUINT64 - (guint64)(*p - '0')) / 10)
			too_big = TRUE;
		n = n * 10 + (guint64)(*p - '0');
	}
	if (p == text)
		goto bad;
	/* One liberty over Tahoe's grammar, kept from before: spaces
	 * before a unit ("3 KiB"), never at the end. */
	if (*p == ' ') {
		while (*p == ' ')
			p++;
		if (*p == '\0')
			goto bad;
	}
	if (*p != '\0' && (u = strchr(units, g_ascii_toupper(*p))) != NULL) {
		power = (int)(u - units) + 1;
		p++;
	}
	if (g_ascii_toupper(*p) == 'I') {
		base = 1024;
		p++;
	}
	if (g_ascii_toupper(*p) == 'B')
		p++;
	if (*p != '\0') {
		too_big = FALSE;
		goto bad;
	}
	if (too_big)
		goto bad;
	for (i = 0; i < power; i++)
		mult *= base;		/* at most 1024^6 = 2^60 */
	if (n != 0 && mult > G_MAXUINT64 / n) {
		too_big = TRUE;
		goto bad;
	}
	*out = n * mult;
	return TRUE;
bad:
	/* Quoted on one line, whatever it holds. */
	cut = g_strndup(text, NODE_SIZE_TEXT_MAX);
	shown = g_strescape(cut, NULL);
	if (!too_big)
		g_set_error(error, NODE_ERROR, NODE_E_FORMAT, "unparseable "
		    "size '%s': expected digits and an optional unit (K, M, "
		    "G, T, P, E; KiB... for powers of 1024; B)", shown);
	else
		g_set_error(error, NODE_ERROR, NODE_E_FORMAT, "size '%s' is "
		    "too large (more than 2^64 - 1 bytes)", shown);
	return FALSE;
}

gboolean
node_config_get_size(node_config *cfg, const char *section, const char *key,
    guint64 def, guint64 *out, GError **error)
{
	g_autofree char *v = node_config_get(cfg, section, key);
	g_autoptr(GError) e = NULL;

	*out = def;
	if (v == NULL || node_parse_size(v, out, &e))
		return TRUE;
	*out = def;
	g_set_error(error, NODE_ERROR, NODE_E_FORMAT,
	    "%s: [%s] %s: %s; such as 1G, 500MB or 1048576", cfg->path,
	    section, key, e->message);
	return FALSE;
}

void
node_config_set(node_config *cfg, const char *section, const char *key,
    const char *value)
{
	g_key_file_set_value(cfg->kf, section, key, value);
}

gboolean
node_config_remove(node_config *cfg, const char *section, const char *key)
{
	g_auto(GStrv) left = NULL;

	if (!g_key_file_remove_key(cfg->kf, section, key, NULL))
		return FALSE;
	left = g_key_file_get_keys(cfg->kf, section, NULL, NULL);
	if (left != NULL && left[0] == NULL)
		g_key_file_remove_group(cfg->kf, section, NULL);
	return TRUE;
}

gboolean
node_config_has_section(node_config *cfg, const char *section)
{
	return g_key_file_has_group(cfg->kf, section);
}

char **
node_config_keys(node_config *cfg, const char *section)
{
	char **keys = g_key_file_get_keys(cfg->kf, section, NULL, NULL);

	return keys != NULL ? keys : g_new0(char *, 1);
}

gboolean
node_config_save(node_config *cfg, GError **error)
{
	g_autofree char *text = NULL;
	g_autoptr(GError) e = NULL;
	gsize len = 0;

	struct stat st;
	int mode = 0644;

	/* Keep the mode the operator (or create, for a file holding the
	 * introducer's FURL) gave it. */
	if (stat(cfg->path, &st) == 0)
		mode = (int)(st.st_mode & 0777);
	text = g_key_file_to_data(cfg->kf, &len, NULL);
	if (!rpc_file_write_atomic(cfg->path, text, len, mode, &e)) {
		g_set_error(error, NODE_ERROR, NODE_E_IO, "%s", e->message);
		return FALSE;
	}
	return TRUE;
}

#define PUBKEY_FILE_MAX	256	/* "pub-v0-" and 52 characters, with room */

gboolean
node_dir_read_pubkey(const char *dir, uint8_t *pk, GError **error)
{
	g_autofree char *path = g_build_filename(dir, "node.pubkey", NULL);
	g_autofree char *text = NULL;
	g_autoptr(GError) e = NULL;
	size_t len = 0;

	if (!rpc_file_read_capped(path, PUBKEY_FILE_MAX, &text, &len, &e)) {
		g_set_error(error, NODE_ERROR, node_file_error_code(e), "%s",
		    e->message);
		return FALSE;
	}
	if (strlen(text) != len) {
		g_set_error(error, NODE_ERROR, NODE_E_FORMAT,
		    "%s: not a public key file", path);
		return FALSE;
	}
	g_strstrip(text);
	if (!rpc_pubkey_parse(text, pk, &e)) {
		g_set_error(error, NODE_ERROR, NODE_E_FORMAT, "%s: %s", path,
		    e->message);
		return FALSE;
	}
	return TRUE;
}

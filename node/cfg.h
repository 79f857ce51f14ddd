/* node/cfg.h -- a node directory's tahoe.cfg (GKeyFile), edited in
 * place: comments and the order of what is already there are kept, and the
 * file is replaced atomically.  See doc/configuration.md. */
#ifndef NODE_CFG_H
#define NODE_CFG_H

#include <stdint.h>

#include <glib.h>

#define NODE_ERROR (node_error_quark())
GQuark node_error_quark(void);

typedef enum {
	NODE_E_FORMAT = 1,	/* malformed file or value */
	NODE_E_NOTFOUND,	/* missing file or directory */
	NODE_E_EXISTS,		/* already there */
	NODE_E_IO,
} node_err;

#define NODE_CONFIG_MAX	(1024 * 1024)	/* bytes of tahoe.cfg */

typedef struct node_config node_config;

/* Load DIR/tahoe.cfg.  NODE_E_NOTFOUND if DIR or the file is missing,
 * NODE_E_FORMAT (naming the file and line) if it does not parse. */
node_config *node_config_load(const char *dir, GError **error);
void node_config_free(node_config *cfg);		/* NULL is a no-op */
G_DEFINE_AUTOPTR_CLEANUP_FUNC(node_config, node_config_free)

const char *node_config_dir(const node_config *cfg);
/* DIR/tahoe.cfg (borrowed), for messages. */
const char *node_config_path(const node_config *cfg);
/* The underlying key file (borrowed), for reading. */
GKeyFile *node_config_keyfile(node_config *cfg);

/* The value of [section] key, or NULL if absent; caller g_free()s. */
char *node_config_get(node_config *cfg, const char *section,
    const char *key);
/* [section] key as a boolean ("true"/"false", any case; also yes/no, 1/0
 * as Tahoe-LAFS accepts); 'def' if absent; FALSE with an error naming
 * section and key if it is something else. */
gboolean node_config_get_bool(node_config *cfg, const char *section,
    const char *key, gboolean def, gboolean *out, GError **error);
/* [section] key as a whole number in [min, max]; 'def' if absent; FALSE
 * with an error naming file, section and key if it is something else. */
gboolean node_config_get_uint(node_config *cfg, const char *section,
    const char *key, guint64 def, guint64 min, guint64 max, guint64 *out,
    GError **error);

/* Longest text node_parse_size() reads: 20 digits and a 3-letter unit. */
#define NODE_SIZE_TEXT_MAX	32
/* A size as Tahoe-LAFS writes them (abbreviate.parse_abbreviated_size):
 * ASCII digits, then in any case an optional K, M, G, T, P or E (powers
 * of 1000), an optional I (powers of 1024 instead) and an optional B:
 * "1G", "500MB", "2GiB", "1Ki", "7B", "1E".  No sign, fraction or
 * exponent (Tahoe has none either); one liberty: spaces between the
 * digits and a unit.  TRUE with *out set; otherwise FALSE, *out
 * untouched and a one-line error (NODE_E_FORMAT) quoting the text and
 * saying whether it is malformed or over 2^64 - 1. */
gboolean node_parse_size(const char *text, guint64 *out, GError **error);
/* [section] key as such a size; 'def' if absent. */
gboolean node_config_get_size(node_config *cfg, const char *section,
    const char *key, guint64 def, guint64 *out, GError **error);

void node_config_set(node_config *cfg, const char *section, const char *key,
    const char *value);
/* Remove [section] key (in memory); a section left empty goes too.
 * FALSE if there was no such key. */
gboolean node_config_remove(node_config *cfg, const char *section,
    const char *key);
gboolean node_config_has_section(node_config *cfg, const char *section);
/* Keys of a section (NULL-terminated, caller g_strfreev()s; empty array if
 * the section is missing). */
char **node_config_keys(node_config *cfg, const char *section);

/* Write the configuration back to DIR/tahoe.cfg atomically. */
gboolean node_config_save(node_config *cfg, GError **error);

/* Read DIR/node.pubkey ("pub-v0-...") into 'pk' (32 bytes). */
gboolean node_dir_read_pubkey(const char *dir, uint8_t *pk, GError **error);

#endif

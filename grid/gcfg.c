/* grid/gcfg.c -- what the grid's sections of tahoe.cfg mean.
 *
 * node/cfg.c loads, edits and saves the file and converts values (sizes,
 * booleans, bounded numbers); this module knows which sections the grid
 * reads and how their values are checked, so that the node, the storage
 * service and the `tahoe` commands read them alike. */
#include "config.h"

#include <stdint.h>
#include <string.h>

#include <sodium.h>

#include "grid/err.h"
#include "grid/gcfg.h"
#include "grid/introducer.h"
#include "rpc/ident.h"

#define SHARES_NEEDED_DEFAULT	3	/* as Tahoe-LAFS */
#define SHARES_HAPPY_DEFAULT	7
#define SHARES_TOTAL_DEFAULT	10
#define RESERVED_SPACE_DEFAULT	"1G"	/* as Tahoe-LAFS's create-node */

gboolean
grid_cfg_shares(node_config *cfg, grid_shares *out, GError **error)
{
	out->needed = out->happy = out->total = 0;
	if (!node_config_get_uint(cfg, "client", "shares.needed",
	    SHARES_NEEDED_DEFAULT, 1, GRID_SHARES_MAX, &out->needed, error) ||
	    !node_config_get_uint(cfg, "client", "shares.happy",
	    SHARES_HAPPY_DEFAULT, 1, GRID_SHARES_MAX, &out->happy, error) ||
	    !node_config_get_uint(cfg, "client", "shares.total",
	    SHARES_TOTAL_DEFAULT, 1, GRID_SHARES_MAX, &out->total, error))
		return FALSE;
	if (out->needed > out->total || out->happy < out->needed ||
	    out->happy > out->total) {
		g_set_error(error, GRID_ERROR, GRID_E_RANGE,
		    "%s: [client] shares: need needed <= happy <= total",
		    node_config_path(cfg));
		return FALSE;
	}
	return TRUE;
}

GHashTable *
grid_cfg_gm_certificates(node_config *cfg)
{
	static const char *sections[] = {
		"grid_management_keys",		/* the seed's name */
		"grid_manager_certificates",	/* Tahoe-LAFS's; wins */
	};
	GHashTable *h = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
	    g_free);
	size_t i, k;

	for (i = 0; i < G_N_ELEMENTS(sections); i++) {
		g_auto(GStrv) keys = node_config_keys(cfg, sections[i]);

		for (k = 0; keys[k] != NULL; k++) {
			g_autofree char *v = node_config_get(cfg, sections[i],
			    keys[k]);

			if (v == NULL || *v == '\0')
				continue;
			g_hash_table_replace(h, g_strdup(keys[k]),
			    g_path_is_absolute(v) ? g_strdup(v) :
			    g_build_filename(node_config_dir(cfg), v, NULL));
		}
	}
	return h;
}

gboolean
grid_cfg_grid_managers(node_config *cfg, GArray *keys,
    gboolean *empty_section, GError **error)
{
	g_auto(GStrv) names = node_config_keys(cfg, "grid_managers");
	size_t i;

	if (empty_section != NULL)
		*empty_section = node_config_has_section(cfg,
		    "grid_managers") && names[0] == NULL;
	for (i = 0; names[i] != NULL; i++) {
		g_autofree char *v = node_config_get(cfg, "grid_managers",
		    names[i]);
		g_autoptr(GError) e = NULL;
		uint8_t k[RPC_PK_LEN];

		if (v == NULL || !rpc_pubkey_parse(v, k, &e)) {
			g_set_error(error, GRID_ERROR, GRID_E_FORMAT,
			    "%s: [grid_managers] %s: %s",
			    node_config_path(cfg), names[i],
			    e != NULL ? e->message : "no value");
			return FALSE;
		}
		g_array_append_vals(keys, k, 1);
	}
	return TRUE;
}

gboolean
grid_cfg_add_grid_manager(node_config *cfg, const char *name,
    const char *pubkey, GError **error)
{
	g_autofree char *old = node_config_get(cfg, "grid_managers", name);
	g_autoptr(GError) e = NULL;
	uint8_t k[RPC_PK_LEN];

	if (!rpc_pubkey_parse(pubkey, k, &e)) {
		g_set_error(error, GRID_ERROR, GRID_E_FORMAT, "%s", e->message);
		return FALSE;
	}
	if (old != NULL) {
		g_set_error(error, GRID_ERROR, GRID_E_EXISTS,
		    "there is already a grid manager named '%s'", name);
		return FALSE;
	}
	node_config_set(cfg, "grid_managers", name, pubkey);
	return TRUE;
}

void
grid_cfg_add_certificate(node_config *cfg, const char *name,
    const char *file)
{
	node_config_set(cfg, "storage", "grid_management", "true");
	node_config_set(cfg, "grid_manager_certificates", name, file);
}

gboolean
grid_create_sections(const char *dir, GKeyFile *kf, const node_create_opts *o,
    const rpc_ident *id, const char *location, GError **error)
{
	static const grid_create_opts none;
	const grid_create_opts *g = o->services_arg != NULL ?
	    o->services_arg : &none;
	int need = g->shares_needed ? g->shares_needed : SHARES_NEEDED_DEFAULT;
	int happy = g->shares_happy ? g->shares_happy : SHARES_HAPPY_DEFAULT;
	int total = g->shares_total ? g->shares_total : SHARES_TOTAL_DEFAULT;
	g_autofree char *k = NULL, *h = NULL, *n = NULL;

	if (o->kind == NODE_KIND_INTRODUCER) {
		g_autofree char *path = g_build_filename(dir, "private",
		    "introducer.furl", NULL);

		return grid_intro_write_furl(path, id, location, error);
	}
	if (need < 1 || total > GRID_SHARES_MAX || need > total ||
	    happy < need || happy > total) {
		g_set_error(error, GRID_ERROR, GRID_E_RANGE,
		    "shares: need 1 <= needed (%d) <= happy (%d) <= "
		    "total (%d) <= %d", need, happy, total, GRID_SHARES_MAX);
		return FALSE;
	}
	k = g_strdup_printf("%d", need);
	h = g_strdup_printf("%d", happy);
	n = g_strdup_printf("%d", total);
	g_key_file_set_string(kf, "client", "shares.needed", k);
	g_key_file_set_string(kf, "client", "shares.happy", h);
	g_key_file_set_string(kf, "client", "shares.total", n);
	g_key_file_set_string(kf, "storage", "enabled",
	    o->kind == NODE_KIND_NODE ? "true" : "false");
	if (o->kind == NODE_KIND_NODE)
		g_key_file_set_string(kf, "storage", "reserved_space",
		    RESERVED_SPACE_DEFAULT);
	if (o->kind == NODE_KIND_NODE && g->storage_dir != NULL) {
		g_autofree char *abs = NULL;

		if (g->storage_dir[0] == '\0' ||
		    strchr(g->storage_dir, '\n') != NULL) {
			g_set_error(error, GRID_ERROR, GRID_E_FORMAT,
			    "--storage-dir: not a path");
			return FALSE;
		}
		/* Written absolute, as Tahoe-LAFS does. */
		abs = g_canonicalize_filename(g->storage_dir, NULL);
		g_key_file_set_string(kf, "storage", "storage_dir", abs);
	}
	/* The convergence secret exists from the start, so that it can be
	 * kept safe (or replaced by another node's, for the same caps)
	 * before the first upload depends on it. */
	{
		g_autofree char *conv = g_build_filename(dir, "private",
		    "convergence", NULL);
		uint8_t sec[NODE_SECRET_MAX];
		size_t sl;
		gboolean ok = node_secret_load_or_create(conv, sec, &sl,
		    error);

		sodium_memzero(sec, sizeof(sec));
		return ok;
	}
}

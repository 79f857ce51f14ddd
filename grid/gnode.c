/* grid/gnode.c -- which services a node runs, and its status document.
 *
 * A storage node announces its storage FURL (with its grid-manager
 * certificates when [storage] grid_management is on) through the
 * introducer; every client subscribes to storage announcements and keeps
 * the servers in a broker.  The announcement's sequence number is kept in
 * private/announcement-seqnum and grows by one per start, so a restarted
 * node's announcement replaces the old one everywhere. */
#include "config.h"

#include <errno.h>
#include <string.h>

#include <sodium.h>

#include "grid/announce.h"
#include "grid/broker.h"
#include "grid/gcfg.h"
#include "grid/gm.h"
#include "grid/gnode.h"
#include "grid/intro_client.h"
#include "grid/introducer.h"
#include "grid/storage.h"
#include "rpc/base32.h"
#include "rpc/err.h"
#include "rpc/file.h"
#include "rpc/ident.h"

#define SEQNUM_FILE_MAX		32	/* a decimal number and a newline */
#define RESERVED_DEFAULT	((guint64)1000000000)	/* 1G, as created */

struct grid_node {
	node		*n;		/* borrowed */
	grid_intro	*intro;
	grid_ic		*ic;
	grid_broker	*broker;
	grid_ss		*ss;
	guint64		 n_gm_keys;
	grid_shares	 shares;
};

static gboolean
is_introducer(node *n)
{
	g_autofree char *p = g_build_filename(node_dir(n),
	    "tahoe-introducer.tac", NULL);

	return g_file_test(p, G_FILE_TEST_EXISTS);
}

static void
status_fn(JsonObject *st, void *arg)
{
	grid_node *g = arg;
	JsonObject *intro;

	if (g->intro != NULL) {
		json_object_set_string_member(st, "kind", "introducer");
		grid_intro_status(g->intro, st);
		return;
	}
	intro = json_object_new();
	json_object_set_string_member(st, "kind", g->ss != NULL ?
	    "storage" : "client");
	if (g->ic != NULL)
		grid_ic_status(g->ic, intro);
	else
		json_object_set_string_member(intro, "state",
		    "not configured");
	json_object_set_object_member(st, "introducer", intro);
	if (g->broker != NULL) {
		JsonArray *servers = json_array_new();

		grid_broker_status(g->broker, servers);
		json_object_set_int_member(st, "servers_connected",
		    grid_broker_n_connected(g->broker));
		json_object_set_array_member(st, "servers", servers);
	}
	if (g->ss != NULL)
		json_object_set_int_member(st, "storage_available",
		    (gint64)MIN(grid_ss_available(g->ss), G_MAXINT64));
	json_object_set_int_member(st, "grid_managers",
	    (gint64)g->n_gm_keys);
}

static void
on_storage_ann(const grid_ann *a, void *arg)
{
	grid_node *g = arg;

	grid_broker_announce(g->broker, a);
}

/* The next announcement sequence number, kept on disk. */
static gboolean
next_seqnum(node *n, guint64 *seq, GError **error)
{
	g_autofree char *path = node_private_path(n, "announcement-seqnum");
	g_autofree char *text = NULL, *line = NULL;
	g_autoptr(GError) e = NULL;
	guint64 v = 0;
	size_t len;

	/* A file that cannot be read means the first announcement; one
	 * too large to be a number is as wrong as any other non-number. */
	if (!rpc_file_read_capped(path, SEQNUM_FILE_MAX, &text, &len, &e) &&
	    g_error_matches(e, RPC_ERROR, RPC_E_TOOBIG)) {
		g_set_error(error, GRID_ERROR, GRID_E_FORMAT,
		    "%s: not a number", path);
		return FALSE;
	}
	if (text != NULL) {
		g_strstrip(text);
		if (!g_ascii_string_to_unsigned(text, 10, 0, G_MAXINT64 - 1,
		    &v, NULL)) {
			g_set_error(error, GRID_ERROR, GRID_E_FORMAT,
			    "%s: not a number", path);
			return FALSE;
		}
	}
	*seq = v + 1;
	line = g_strdup_printf("%" G_GUINT64_FORMAT "\n", *seq);
	return rpc_file_write_atomic(path, line, strlen(line), 0600, error);
}

/* The certificate texts a storage node announces. */
static GPtrArray *
load_certs(node *n, GError **error)
{
	GPtrArray *texts = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GHashTable) certs = NULL;
	gboolean on = FALSE;
	GHashTableIter it;
	gpointer k, v;

	if (!node_config_get_bool(node_cfg(n), "storage", "grid_management",
	    FALSE, &on, error)) {
		g_ptr_array_unref(texts);
		return NULL;
	}
	if (!on)
		return texts;
	certs = grid_cfg_gm_certificates(node_cfg(n));
	if (g_hash_table_size(certs) > GRID_ANN_CERTS_MAX) {
		g_set_error(error, GRID_ERROR, GRID_E_RANGE,
		    "%s/tahoe.cfg: [grid_manager_certificates] lists %u "
		    "certificates; an announcement carries at most %d",
		    node_dir(n), g_hash_table_size(certs),
		    GRID_ANN_CERTS_MAX);
		g_ptr_array_unref(texts);
		return NULL;
	}
	g_hash_table_iter_init(&it, certs);
	while (g_hash_table_iter_next(&it, &k, &v)) {
		g_autoptr(GError) e = NULL;
		g_autoptr(grid_cert) c = grid_cert_load(v, &e);

		if (c == NULL) {
			g_warning("grid-manager certificate %s not "
			    "announced: %s", (char *)k, e->message);
			continue;
		}
		g_ptr_array_add(texts, g_steal_pointer(&c->text));
	}
	if (texts->len == 0)
		g_warning("[storage] grid_management is on but no "
		    "certificate could be read: clients that trust a grid "
		    "manager will not upload here");
	return texts;
}

/* Tahoe's [storage] expire.* options. */
static gboolean
load_expiry(node *n, grid_ss_expiry *e, GError **error)
{
	node_config *cfg = node_cfg(n);
	g_autofree char *mode = node_config_get(cfg, "storage", "expire.mode");
	g_autofree char *old = node_config_get(cfg, "storage",
	    "expire.override_lease_duration");
	g_autofree char *cutoff = node_config_get(cfg, "storage",
	    "expire.cutoff_date");

	memset(e, 0, sizeof(*e));
	if (!node_config_get_bool(cfg, "storage", "expire.enabled", FALSE,
	    &e->enabled, error) ||
	    !node_config_get_bool(cfg, "storage", "expire.immutable", TRUE,
	    &e->immutable, error))
		return FALSE;
	if (mode == NULL && e->enabled) {
		g_set_error(error, GRID_ERROR, GRID_E_FORMAT, "%s/tahoe.cfg: "
		    "[storage] expire.enabled needs expire.mode (age or "
		    "cutoff-date)", node_dir(n));
		return FALSE;
	}
	if (mode == NULL || strcmp(mode, "age") == 0) {
		e->mode = GRID_EXPIRE_AGE;
	} else if (strcmp(mode, "cutoff-date") == 0) {
		e->mode = GRID_EXPIRE_CUTOFF;
		if (cutoff == NULL) {
			g_set_error(error, GRID_ERROR, GRID_E_FORMAT,
			    "%s/tahoe.cfg: [storage] expire.mode = cutoff-date "
			    "needs expire.cutoff_date", node_dir(n));
			return FALSE;
		}
		if (!grid_parse_date(cutoff, &e->cutoff, error))
			goto bad;
	} else {
		g_set_error(error, GRID_ERROR, GRID_E_FORMAT, "%s/tahoe.cfg: "
		    "[storage] expire.mode must be age or cutoff-date",
		    node_dir(n));
		return FALSE;
	}
	if (old != NULL && !grid_parse_duration(old, &e->override, error))
		goto bad;
	return TRUE;
bad:
	g_prefix_error(error, "%s/tahoe.cfg: [storage] expire.*: ",
	    node_dir(n));
	return FALSE;
}

static gboolean
start_storage(grid_node *g, GError **error)
{
	node *n = g->n;
	guint64 reserved, seq;
	grid_ss_expiry expiry;
	g_autofree char *dir = g_build_filename(node_dir(n), "storage", NULL);
	g_autofree char *furl_file = node_private_path(n, "storage.furl");
	g_autofree char *furl = NULL, *seed = NULL;
	g_autoptr(GPtrArray) certs = NULL;
	rpc_tub *tub = node_tub(n);
	grid_ann *a;

	g_autofree char *tubport = node_config_get(node_cfg(n), "node",
	    "tub.port");

	if (!node_config_get_size(node_cfg(n), "storage", "reserved_space",
	    RESERVED_DEFAULT, &reserved, error))
		return FALSE;
	if (tubport != NULL && strcmp(tubport, "disabled") == 0) {
		g_set_error(error, GRID_ERROR, GRID_E_FORMAT,
		    "%s/tahoe.cfg: [storage] enabled needs a [node] tub.port "
		    "others can reach, not 'disabled'", node_dir(n));
		return FALSE;
	}
	if ((certs = load_certs(n, error)) == NULL)
		return FALSE;
	if (!load_expiry(n, &expiry, error))
		return FALSE;
	if ((g->ss = grid_ss_new(tub, dir, reserved, furl_file, &furl,
	    error)) == NULL)
		return FALSE;
	grid_ss_set_expiry(g->ss, &expiry);
	if (!next_seqnum(n, &seq, error))
		return FALSE;
	/* Tahoe-LAFS (client._init_permutation_seed) announces, for a node
	 * with an Ed25519 key, the base32 of the key's own base32 text: the
	 * ring is then permuted with those 52 ASCII bytes. */
	{
		g_autofree char *text = rpc_base32_encode(
		    rpc_ident_pk(rpc_tub_ident(tub)), RPC_PK_LEN);

		seed = rpc_base32_encode((const uint8_t *)text,
		    strlen(text));
	}
	g_ptr_array_add(certs, NULL);
	a = grid_ann_sign(rpc_tub_ident(tub), "storage", node_nickname(n),
	    furl, seed, seq, (char *const *)certs->pdata);
	sodium_memzero(furl, strlen(furl));
	grid_broker_announce(g->broker, a);
	if (g->ic != NULL)
		grid_ic_publish(g->ic, a);
	else
		grid_ann_free(a);
	return TRUE;
}

grid_node *
grid_node_start(node *n, GError **error)
{
	grid_node *g = g_new0(grid_node, 1);
	g_autoptr(GArray) keys = g_array_new(FALSE, FALSE, RPC_PK_LEN);
	g_autofree char *furl = NULL;
	gboolean empty = FALSE, storage = FALSE;
	node_config *cfg = node_cfg(n);

	g->n = n;
	if (is_introducer(n)) {
		g_autofree char *ff = node_private_path(n, "introducer.furl");

		if ((g->intro = grid_intro_new(node_tub(n), ff, error)) ==
		    NULL)
			goto fail;
		node_set_status_fn(n, status_fn, g);
		return g;
	}
	if (!grid_cfg_shares(cfg, &g->shares, error))
		goto fail;
	if (!node_config_get_bool(cfg, "storage", "enabled", FALSE, &storage,
	    error))
		goto fail;
	if (!grid_cfg_grid_managers(cfg, keys, &empty, error))
		goto fail;
	if (empty)
		g_warning("tahoe.cfg: [grid_managers] is empty: that means "
		    "no grid manager, and uploads may go to any server");
	g->n_gm_keys = keys->len;
	g->broker = grid_broker_new(node_tub(n), (const uint8_t *)keys->data,
	    g->n_gm_keys);
	furl = node_config_get(cfg, "client", "introducer.furl");
	if (furl != NULL && furl[0] != '\0') {
		g->ic = grid_ic_new(node_tub(n), furl, error);
		sodium_memzero(furl, strlen(furl));
		if (g->ic == NULL) {
			g_prefix_error(error, "%s/tahoe.cfg: [client] ",
			    node_dir(n));
			goto fail;
		}
		grid_ic_subscribe(g->ic, "storage", on_storage_ann, g);
	}
	if (storage && !start_storage(g, error))
		goto fail;
	node_set_status_fn(n, status_fn, g);
	return g;
fail:
	grid_node_stop(g);
	return NULL;
}

void
grid_node_stop(grid_node *g)
{
	if (g == NULL)
		return;
	node_set_status_fn(g->n, NULL, NULL);
	grid_ic_free(g->ic);
	grid_broker_free(g->broker);
	grid_ss_free(g->ss);
	grid_intro_free(g->intro);
	g_free(g);
}

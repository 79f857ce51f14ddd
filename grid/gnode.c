/* grid/gnode.c -- which services a node runs, and its status document.
 *
 * A storage node announces its storage FURL (with its grid-manager
 * certificates when [storage] grid_management is on) through the
 * introducer; every client subscribes to storage announcements and keeps
 * the servers in a broker.  The announcement's sequence number is kept in
 * private/announcement-seqnum and grows by one per announcement, so a
 * restarted node's announcement replaces the old one everywhere.
 *
 * A reload of tahoe.cfg (the control object's "reload", used by `tahoe
 * admin add-grid-manager-cert` and `tahoe add-grid-manager` on a running
 * node) applies the grid-manager settings live: a client trusts the new
 * [grid_managers] from its next upload, and a storage node whose
 * certificates changed announces them again with a new sequence number.
 * A storage node checks its own certificates (form, key, expiry) at start
 * and at each reload, warns in its log, and shows them in its status. */
#include "config.h"

#include <errno.h>
#include <string.h>

#include <glib/gstdio.h>
#include <sodium.h>

#include "grid/announce.h"
#include "grid/broker.h"
#include "grid/gcfg.h"
#include "grid/gm.h"
#include "grid/gnode.h"
#include "grid/intro_client.h"
#include "grid/introducer.h"
#include "grid/storage.h"
#include "grid/client.h"
#include "grid/webapi.h"
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
	grid_client	*client;
	guint64		 n_gm_keys;
	grid_shares	 shares;
	/* A storage node's announcement, kept to announce it again. */
	char		*ann_furl;	/* secret: wiped when freed */
	char		*ann_seed;
	GPtrArray	*ann_certs;	/* certificate texts announced */
	guint64		 ann_seqnum;
	GPtrArray	*own_certs;	/* struct own_cert, by name */
	gboolean	 accounts_only;	/* serverdesk.furl, no introducer */
};

/* A certificate a storage node lists in tahoe.cfg. */
struct own_cert {
	char		*name;
	grid_cert	*cert;		/* NULL when it cannot be read */
	char		*error;		/* why not, or NULL */
};

static void
own_cert_free(void *p)
{
	struct own_cert *o = p;

	g_free(o->name);
	grid_cert_free(o->cert);
	g_free(o->error);
	g_free(o);
}

static gboolean
is_introducer(node *n)
{
	g_autofree char *p = g_build_filename(node_dir(n),
	    "tahoe-introducer.tac", NULL);

	return g_file_test(p, G_FILE_TEST_EXISTS);
}

/* ---- status: grid's sections of the document (doc/status.md) ---- */

static const node_status_field client_facts[] = {
	{ "kind",		"Kind",				0, 0 },
	{ "servers_connected",	"Servers connected",		0, 0 },
	{ "storage_available",	"Storage available (bytes)",
	    NODE_FIELD_OPTIONAL, 0 },
	{ "storage_shares",	"Shares stored",		NODE_FIELD_OPTIONAL, 0 },
	{ "storage_bytes",	"Bytes stored",			NODE_FIELD_OPTIONAL, 0 },
	{ "grid_managers",	"Grid managers trusted",	0, 0 },
	{ "certificate_warnings", "Certificate warnings",
	    NODE_FIELD_OPTIONAL, 0 },
};

static const node_status_field introducer_facts[] = {
	{ "state",		"State",		NODE_FIELD_STATE, 0 },
	{ "address",		"Address",		0, 0 },
	{ "since",		"Since",		NODE_FIELD_TIME, 0 },
	{ "last_error",		"Last error",		0, 0 },
	{ "next_try_in",	"Next try in (s)",	NODE_FIELD_OPTIONAL, 0 },
	{ "connections",	"Connections made",	NODE_FIELD_OPTIONAL, 0 },
	{ "announcements_received", "Announcements received",
	    NODE_FIELD_OPTIONAL, 0 },
	{ "announcements_dropped", "Announcements dropped",
	    NODE_FIELD_OPTIONAL, 0 },
};

/* Text widths: a server per line on an 80-column terminal. */
static const node_status_field server_columns[] = {
	{ "nickname",		"Nickname",	0,		  16 },
	{ "node_id",		"Node ID",	NODE_FIELD_ID,	  20 },
	{ "address",		"Address",	0,		  24 },
	{ "state",		"State",	NODE_FIELD_STATE, 11 },
	{ "since",		"Since",	NODE_FIELD_TIME,  20 },
	{ "last_seen",		"Last seen",	NODE_FIELD_TIME,  0 },
	{ "last_error",		"Last error",	0,		  0 },
	{ "grid_manager",	"Grid manager",	0,		  0 },
};

static const node_status_field gm_columns[] = {
	{ "name",		"Name",		0,		  18 },
	{ "key",		"Public key",	NODE_FIELD_ID,	  60 },
};

static const node_status_field own_cert_columns[] = {
	{ "name",		"Name",		0,		  16 },
	{ "status",		"Status",	0,		  10 },
	{ "expires",		"Expires",	NODE_FIELD_TIME,  20 },
	{ "detail",		"Detail",	0,		  0 },
};

/* The last one only on storage nodes. */
static const node_status_section client_sections[] = {
	{ NULL, NULL, FALSE, client_facts, G_N_ELEMENTS(client_facts),
	    NULL, NULL },
	{ "Introducer", "introducer", FALSE, introducer_facts,
	    G_N_ELEMENTS(introducer_facts), NULL, NULL },
	{ "Grid managers trusted for uploads", "trusted_grid_managers", TRUE,
	    gm_columns, G_N_ELEMENTS(gm_columns), "grid managers", NULL },
	{ "Storage servers", "servers", TRUE, server_columns,
	    G_N_ELEMENTS(server_columns), "servers", "connected" },
	{ "This server's grid-manager certificates", "certificates", TRUE,
	    own_cert_columns, G_N_ELEMENTS(own_cert_columns), "certificates",
	    NULL },
};
#define N_CLIENT_SECTIONS	(G_N_ELEMENTS(client_sections) - 1)

static const node_status_field intro_node_facts[] = {
	{ "kind",		"Kind",			0, 0 },
	{ "announcements_kept",	"Announcements kept",	0, 0 },
	{ "subscribers",	"Subscribers",		0, 0 },
	{ "announcements_dropped", "Announcements dropped", 0, 0 },
};

static const node_status_field announcement_columns[] = {
	{ "nickname",	"Nickname",	0,		16 },
	{ "node_id",	"Node ID",	NODE_FIELD_ID,	20 },
	{ "service",	"Service",	0,		10 },
	{ "seqnum",	"Sequence number", 0,		15 },
};

static const node_status_section intro_node_sections[] = {
	{ NULL, NULL, FALSE, intro_node_facts, G_N_ELEMENTS(intro_node_facts),
	    NULL, NULL },
	{ "Announcements", "announcements", TRUE, announcement_columns,
	    G_N_ELEMENTS(announcement_columns), "announcements", NULL },
};

void
grid_status_layout_add(node_status_layout *l, const char *kind)
{
	const node_status_section *s = client_sections;
	size_t i, n = N_CLIENT_SECTIONS;

	if (kind != NULL && strcmp(kind, "storage") == 0)
		n = G_N_ELEMENTS(client_sections);
	if (kind != NULL && strcmp(kind, "introducer") == 0) {
		s = intro_node_sections;
		n = G_N_ELEMENTS(intro_node_sections);
	}
	for (i = 0; i < n; i++)
		node_status_layout_add(l, &s[i]);
}

static grid_own_cert_verdict
own_verdict(const grid_node *g, const struct own_cert *o, char **why)
{
	return grid_cert_check_own(o->cert,
	    rpc_ident_pk(rpc_tub_ident(node_tub(g->n))), g_get_real_time(),
	    why);
}

/* Certificates this storage node holds that need the operator. */
static json_int_t
count_cert_warnings(const grid_node *g)
{
	json_int_t w = 0;
	guint i;

	for (i = 0; i < g->own_certs->len; i++) {
		const struct own_cert *o = g_ptr_array_index(g->own_certs, i);

		if (o->cert == NULL || own_verdict(g, o, NULL) !=
		    GRID_OWN_CERT_OK)
			w++;
	}
	return w;
}

/* Log what is wrong with a storage node's own certificates (at start and
 * whenever they change). */
static void
log_own_certs(const grid_node *g)
{
	guint i;

	for (i = 0; i < g->own_certs->len; i++) {
		const struct own_cert *o = g_ptr_array_index(g->own_certs, i);
		g_autofree char *why = NULL;

		if (o->cert == NULL)
			g_warning("grid-manager certificate %s not "
			    "announced: %s", o->name, o->error);
		else if (own_verdict(g, o, &why) != GRID_OWN_CERT_OK)
			g_warning("grid-manager certificate %s: %s", o->name,
			    why);
		else
			g_message("grid-manager certificate %s: %s", o->name,
			    why);
	}
}

/* The introducer's members: its counts and the announcements list. */
static void
status_intro_node(json_t *st, void *arg)
{
	grid_node *g = arg;

	node_status_set_str(st, "kind", "introducer");
	grid_intro_status(g->intro, st);
}

static void
status_client_facts(json_t *st, void *arg)
{
	grid_node *g = arg;

	node_status_set_str(st, "kind", g->ss != NULL ?
	    "storage" : "client");
	json_object_set_new(st, "servers_connected",
	    json_integer(grid_broker_n_connected(g->broker)));
	if (g->ss != NULL) {
		grid_ss_stats ss;

		grid_ss_get_stats(g->ss, &ss);
		json_object_set_new(st, "storage_available",
		    json_integer((json_int_t)MIN(ss.available, G_MAXINT64)));
		json_object_set_new(st, "storage_shares",
		    json_integer((json_int_t)MIN(ss.shares, G_MAXINT64)));
		json_object_set_new(st, "storage_bytes",
		    json_integer((json_int_t)MIN(ss.bytes, G_MAXINT64)));
	}
	json_object_set_new(st, "grid_managers",
	    json_integer((json_int_t)g->n_gm_keys));
	if (g->own_certs != NULL)
		json_object_set_new(st, "certificate_warnings",
		    json_integer(count_cert_warnings(g)));
}

static void
status_gm(json_t *st, void *arg)
{
	grid_node *g = arg;
	json_t *a = json_array();

	grid_broker_gm_status(g->broker, a);
	json_object_set_new(st, "trusted_grid_managers", a);
}

/* A storage node's own certificates, judged now. */
static void
status_own_certs(json_t *st, void *arg)
{
	grid_node *g = arg;
	json_t *a = json_array();
	guint i;

	for (i = 0; i < g->own_certs->len; i++) {
		const struct own_cert *o = g_ptr_array_index(g->own_certs, i);
		json_t *r = json_object();
		g_autofree char *why = NULL;
		const char *st_text = "invalid";

		node_status_set_str(r, "name", o->name);
		if (o->cert != NULL) {
			switch (own_verdict(g, o, &why)) {
			case GRID_OWN_CERT_OK:
				st_text = "valid";
				break;
			case GRID_OWN_CERT_EXPIRING:
				st_text = "expiring";
				break;
			case GRID_OWN_CERT_EXPIRED:
				st_text = "expired";
				break;
			case GRID_OWN_CERT_OTHER_KEY:
			case GRID_OWN_CERT_VERSION:
			default:
				st_text = "invalid";
				break;
			}
			json_object_set_new(r, "expires", json_real(
			    (double)o->cert->expires_us / G_USEC_PER_SEC));
		} else {
			json_object_set_new(r, "expires", json_null());
		}
		node_status_set_str(r, "status", st_text);
		node_status_set_str(r, "detail", why != NULL ? why :
		    o->error);
		json_array_append_new(a, r);
	}
	json_object_set_new(st, "certificates", a);
}

static void
status_introducer(json_t *st, void *arg)
{
	grid_node *g = arg;
	json_t *intro = json_object();

	if (g->ic != NULL)
		grid_ic_status(g->ic, intro);
	else
		node_status_set_str(intro, "state",
		    "not configured");
	json_object_set_new(st, "introducer", intro);
}

static void
status_servers(json_t *st, void *arg)
{
	grid_node *g = arg;
	json_t *servers = json_array();

	grid_broker_status(g->broker, servers);
	json_object_set_new(st, "servers", servers);
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

static int
cmp_str(gconstpointer a, gconstpointer b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The certificates a storage node lists in 'cfg': their texts to
 * announce (those that can be read), and in *own every one listed, by
 * name.  NULL with an error for a bad [storage] grid_management or too
 * many certificates. */
static GPtrArray *
load_certs(node_config *cfg, GPtrArray **own, GError **error)
{
	g_autoptr(GPtrArray) texts = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GPtrArray) list = g_ptr_array_new_with_free_func(
	    own_cert_free);
	g_autoptr(GHashTable) certs = NULL;
	g_autoptr(GPtrArray) names = g_ptr_array_new();
	gboolean on = FALSE;
	GHashTableIter it;
	gpointer k;
	guint i;

	*own = NULL;
	if (!node_config_get_bool(cfg, "storage", "grid_management", FALSE,
	    &on, error))
		return NULL;
	if (!on) {
		*own = g_steal_pointer(&list);
		return g_steal_pointer(&texts);
	}
	certs = grid_cfg_gm_certificates(cfg);
	if (g_hash_table_size(certs) > GRID_ANN_CERTS_MAX) {
		g_set_error(error, GRID_ERROR, GRID_E_RANGE,
		    "%s: [grid_manager_certificates] lists %u "
		    "certificates; an announcement carries at most %d",
		    node_config_path(cfg), g_hash_table_size(certs),
		    GRID_ANN_CERTS_MAX);
		return NULL;
	}
	g_hash_table_iter_init(&it, certs);
	while (g_hash_table_iter_next(&it, &k, NULL))
		g_ptr_array_add(names, k);
	g_ptr_array_sort(names, cmp_str);
	for (i = 0; i < names->len; i++) {
		const char *name = g_ptr_array_index(names, i);
		struct own_cert *o = g_new0(struct own_cert, 1);
		g_autoptr(GError) e = NULL;

		o->name = g_strdup(name);
		o->cert = grid_cert_load(g_hash_table_lookup(certs, name), &e);
		if (o->cert == NULL)
			o->error = g_strdup(e->message);
		else
			g_ptr_array_add(texts, g_strdup(o->cert->text));
		g_ptr_array_add(list, o);
	}
	if (texts->len == 0)
		g_warning("[storage] grid_management is on but no "
		    "certificate could be read: clients that trust a grid "
		    "manager will not upload here");
	*own = g_steal_pointer(&list);
	return g_steal_pointer(&texts);
}

/* Sign and publish the storage announcement with the next sequence
 * number and the certificates in g->ann_certs. */
static gboolean
announce_storage(grid_node *g, GError **error)
{
	rpc_tub *tub = node_tub(g->n);
	guint64 seq;
	grid_ann *a;

	if (!next_seqnum(g->n, &seq, error))
		return FALSE;
	g_ptr_array_add(g->ann_certs, NULL);
	a = grid_ann_sign(rpc_tub_ident(tub), "storage", node_nickname(g->n),
	    g->ann_furl, g->ann_seed, seq, (char *const *)g->ann_certs->pdata);
	g_ptr_array_set_size(g->ann_certs, g->ann_certs->len - 1);
	g->ann_seqnum = seq;
	grid_broker_announce(g->broker, a);
	if (g->ic != NULL)
		grid_ic_publish(g->ic, a);
	else
		grid_ann_free(a);
	return TRUE;
}

static gboolean
same_texts(const GPtrArray *a, const GPtrArray *b)
{
	guint i;

	if (a->len != b->len)
		return FALSE;
	for (i = 0; i < a->len; i++)
		if (strcmp(g_ptr_array_index(a, i), g_ptr_array_index(b, i))
		    != 0)
			return FALSE;
	return TRUE;
}

/* [grid_managers] of 'cfg': keys (appended) and names, in one order. */
static GStrv
load_managers(node_config *cfg, GArray *keys, GError **error)
{
	gboolean empty = FALSE;

	if (!grid_cfg_grid_managers(cfg, keys, &empty, error))
		return NULL;
	if (empty)
		g_warning("tahoe.cfg: [grid_managers] is empty: that means "
		    "no grid manager, and uploads may go to any server");
	return node_config_keys(cfg, "grid_managers");
}

/* node_reload_fn: apply [grid_managers] and a storage node's
 * certificates from the new tahoe.cfg, each checked before anything
 * changes. */
static gboolean
reload_grid(node_config *cfg, GString *report, void *arg, GError **error)
{
	grid_node *g = arg;
	g_autoptr(GArray) keys = g_array_new(FALSE, FALSE, RPC_PK_LEN);
	g_autoptr(GPtrArray) texts = NULL, own = NULL;
	g_auto(GStrv) names = NULL;
	guint i;

	if ((names = load_managers(cfg, keys, error)) == NULL)
		return FALSE;
	if (g->ss != NULL && (texts = load_certs(cfg, &own, error)) == NULL)
		return FALSE;

	grid_broker_set_gm_keys(g->broker, (const uint8_t *)keys->data,
	    keys->len, names);
	if (g->n_gm_keys != keys->len)
		g_message("now trusting %u grid manager(s)", keys->len);
	g->n_gm_keys = keys->len;
	g_string_append_printf(report, "uploads: trusting %u grid "
	    "manager(s)%s\n", keys->len, keys->len == 0 ?
	    " (any server may be used)" : "");
	for (i = 0; names[i] != NULL; i++)
		g_string_append_printf(report, "  %s\n", names[i]);
	if (g->ss == NULL)
		return TRUE;
	g_ptr_array_unref(g->own_certs);
	g->own_certs = g_steal_pointer(&own);
	log_own_certs(g);
	if (same_texts(texts, g->ann_certs)) {
		g_string_append_printf(report, "storage: certificates "
		    "unchanged (announcement %" G_GUINT64_FORMAT ")\n",
		    g->ann_seqnum);
	} else {
		g_ptr_array_unref(g->ann_certs);
		g->ann_certs = g_steal_pointer(&texts);
		if (!announce_storage(g, error))
			return FALSE;
		g_message("announcing %u grid-manager certificate(s), "
		    "seqnum %" G_GUINT64_FORMAT, g->ann_certs->len,
		    g->ann_seqnum);
		g_string_append_printf(report, "storage: announcing %u "
		    "certificate(s) (announcement %" G_GUINT64_FORMAT ")\n",
		    g->ann_certs->len, g->ann_seqnum);
	}
	for (i = 0; i < g->own_certs->len; i++) {
		const struct own_cert *o = g_ptr_array_index(g->own_certs, i);
		g_autofree char *why = NULL;

		if (o->cert != NULL)
			(void)own_verdict(g, o, &why);
		g_string_append_printf(report, "  %s: %s\n", o->name,
		    why != NULL ? why : o->error);
	}
	return TRUE;
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
	guint64 reserved;
	grid_ss_expiry expiry;
	g_autofree char *sd = node_config_get(node_cfg(n), "storage",
	    "storage_dir");
	/* Tahoe's [storage] storage_dir: default DIR/storage; a relative
	 * path is taken from the node directory. */
	g_autofree char *dir = sd != NULL && sd[0] != '\0' ?
	    g_canonicalize_filename(sd, node_dir(n)) :
	    g_build_filename(node_dir(n), "storage", NULL);
	g_autofree char *furl_file = node_private_path(n, "storage.furl");
	rpc_tub *tub = node_tub(n);

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
	if ((g->ann_certs = load_certs(node_cfg(n), &g->own_certs, error)) ==
	    NULL)
		return FALSE;
	log_own_certs(g);
	if (!load_expiry(n, &expiry, error))
		return FALSE;
	/* With serverdesk.furl and no introducer, only per-account facets
	 * serve (account/desk.c): no anonymous FURL is registered, written
	 * or announced. */
	if ((g->ss = grid_ss_new(tub, dir, reserved,
	    g->accounts_only ? NULL : furl_file,
	    g->accounts_only ? NULL : &g->ann_furl,
	    error)) == NULL)
		return FALSE;
	if (g->accounts_only)
		(void)g_unlink(furl_file);
	grid_ss_set_expiry(g->ss, &expiry);
	/* Tahoe-LAFS (client._init_permutation_seed) announces, for a node
	 * with an Ed25519 key, the base32 of the key's own base32 text: the
	 * ring is then permuted with those 52 ASCII bytes. */
	{
		g_autofree char *text = rpc_base32_encode(
		    rpc_ident_pk(rpc_tub_ident(tub)), RPC_PK_LEN);

		g->ann_seed = rpc_base32_encode((const uint8_t *)text,
		    strlen(text));
	}
	return announce_storage(g, error);
}

/* Files: the client and, with a web server, Tahoe's web API. */
static gboolean
start_client(grid_node *g, GError **error)
{
	node *n = g->n;
	g_autofree char *priv = g_build_filename(node_dir(n), "private", NULL);
	grid_chk_params p;
	guint64 seg;

	if (!node_config_get_size(node_cfg(n), "client", "max_segment_size",
	    GRID_CHK_DEFAULT_MAX_SEGMENT, &seg, error))
		return FALSE;
	if (seg < 1 || seg > GRID_CHK_MAX_SEGMENT_LIMIT) {
		g_set_error(error, GRID_ERROR, GRID_E_RANGE, "%s/tahoe.cfg: "
		    "[client] max_segment_size: from 1 byte to %d bytes",
		    node_dir(n), GRID_CHK_MAX_SEGMENT_LIMIT);
		return FALSE;
	}
	p.k = (unsigned)g->shares.needed;
	p.happy = (unsigned)g->shares.happy;
	p.n = (unsigned)g->shares.total;
	p.max_segment_size = seg;
	g->client = grid_client_new(node_loop(n), priv, g->broker, &p, error);
	if (g->client == NULL)
		return FALSE;
	if (node_web_server(n) != NULL)
		grid_webapi_add(node_web_server(n), g->client);
	return TRUE;
}

grid_node *
grid_node_start(node *n, GError **error)
{
	grid_node *g = g_new0(grid_node, 1);
	g_autoptr(GArray) keys = g_array_new(FALSE, FALSE, RPC_PK_LEN);
	g_autofree char *furl = NULL;
	g_auto(GStrv) names = NULL;
	gboolean storage = FALSE;
	node_config *cfg = node_cfg(n);

	g->n = n;
	if (is_introducer(n)) {
		g_autofree char *ff = node_private_path(n, "introducer.furl");
		guint64 expiry;

		if ((g->intro = grid_intro_new(node_tub(n), ff, error)) ==
		    NULL)
			goto fail;
		/* How long the announcements of a node without a
		 * connection are kept (seconds; 0: until a restart). */
		if (!node_config_get_uint(node_cfg(n), "introducer",
		    "announcement_expiry", (guint64)GRID_INTRO_EXPIRY, 0,
		    G_GUINT64_CONSTANT(365) * 86400, &expiry, error))
			goto fail;
		grid_intro_set_expiry(g->intro, (double)expiry);
		node_add_status_section(n, &intro_node_sections[0],
		    status_intro_node, g);
		node_add_status_section(n, &intro_node_sections[1], NULL,
		    NULL);
		return g;
	}
	if (!grid_cfg_shares(cfg, &g->shares, error))
		goto fail;
	if (!node_config_get_bool(cfg, "storage", "enabled", FALSE, &storage,
	    error))
		goto fail;
	if ((names = load_managers(cfg, keys, error)) == NULL)
		goto fail;
	g->n_gm_keys = keys->len;
	g->broker = grid_broker_new(node_tub(n), (const uint8_t *)keys->data,
	    g->n_gm_keys);
	grid_broker_set_gm_keys(g->broker, (const uint8_t *)keys->data,
	    keys->len, names);
	furl = node_config_get(cfg, "client", "introducer.furl");
	{
		g_autofree char *desk = g_build_filename(node_dir(n),
		    "serverdesk.furl", NULL);

		g->accounts_only = (furl == NULL || furl[0] == '\0') &&
		    g_file_test(desk, G_FILE_TEST_EXISTS);
	}
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
	if (!start_client(g, error))
		goto fail;
	node_add_status_section(n, &client_sections[0], status_client_facts,
	    g);
	node_add_status_section(n, &client_sections[1], status_introducer, g);
	node_add_status_section(n, &client_sections[2], status_gm, g);
	node_add_status_section(n, &client_sections[3], status_servers, g);
	if (g->ss != NULL)
		node_add_status_section(n, &client_sections[4],
		    status_own_certs, g);
	node_add_reload_fn(n, reload_grid, g);
	return g;
fail:
	grid_node_stop(g);
	return NULL;
}

grid_ss *
grid_node_storage(const grid_node *g)
{
	return g->ss;
}

grid_broker *
grid_node_broker(const grid_node *g)
{
	return g->broker;
}

void
grid_node_stop(grid_node *g)
{
	if (g == NULL)
		return;
	node_clear_status_sections(g->n);
	grid_client_free(g->client);
	grid_ic_free(g->ic);
	grid_broker_free(g->broker);
	grid_ss_free(g->ss);
	grid_intro_free(g->intro);
	if (g->ann_furl != NULL)
		sodium_memzero(g->ann_furl, strlen(g->ann_furl));
	g_free(g->ann_furl);
	g_free(g->ann_seed);
	if (g->ann_certs != NULL)
		g_ptr_array_unref(g->ann_certs);
	if (g->own_certs != NULL)
		g_ptr_array_unref(g->own_certs);
	g_free(g);
}

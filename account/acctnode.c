/* account/acctnode.c -- which account services a node runs, and their
 * sections of the status document.  The files that choose them are those
 * of the seed: serverdesk.furl and account.furl copied into the base
 * directory, with no introducer.furl beside them. */
#include "config.h"

#include <string.h>

#include <sodium.h>

#include "account/acctnode.h"
#include "account/client.h"
#include "account/desk.h"
#include "account/err.h"
#include "account/mac.h"
#include "account/mgr.h"
#include "rpc/common.h"
#include "rpc/err.h"
#include "rpc/file.h"

#define FURL_FILE_MAX	4096

struct acct_node {
	node		*n;		/* borrowed */
	acct_mgr	*mgr;
	GPtrArray	*desks;		/* acct_desk *, the primary first */
	acct_client	*client;
};

static void
wipe_strv(char **v)
{
	guint i;

	for (i = 0; v != NULL && v[i] != NULL; i++)
		sodium_memzero(v[i], strlen(v[i]));
	g_strfreev(v);
}

gboolean
acct_node_is_manager(const char *dir)
{
	g_autofree char *p = g_build_filename(dir, ACCT_MANAGER_MARKER, NULL);

	return g_file_test(p, G_FILE_TEST_EXISTS);
}

gboolean
acct_create_manager_sections(const char *dir, GKeyFile *kf,
    const node_create_opts *o, const rpc_ident *id, const char *location,
    GError **error)
{
	g_autofree char *marker = g_build_filename(dir, ACCT_MANAGER_MARKER,
	    NULL);
	g_autofree char *secret = g_build_filename(dir, "private",
	    "account-secret", NULL);
	static const char text[] = "# the kind of this node directory: an "
	    "account manager; do not remove\n";
	uint8_t key[ACCT_SECRET_LEN];
	gboolean ok;

	RPC_UNUSED(kf);
	RPC_UNUSED(o);
	RPC_UNUSED(id);
	RPC_UNUSED(location);
	if (!rpc_file_write_atomic(marker, text, strlen(text), 0644, error))
		return FALSE;
	ok = acct_secret_load_or_create(secret, key, error);
	sodium_memzero(key, sizeof(key));
	return ok;
}

/* The non-empty lines of DIR/NAME (FURLs; '#' starts a comment line),
 * at most 'max'; NULL if there is no file.  Caller g_strfreev()s (after
 * wiping: they are capabilities). */
static char **
read_furl_lines(node *n, const char *name, guint max, GError **error)
{
	g_autofree char *path = g_build_filename(node_dir(n), name, NULL);
	g_autoptr(GError) e = NULL;
	g_autoptr(GPtrArray) out = g_ptr_array_new();
	char *text = NULL, **lines;
	size_t len = 0;
	guint i;

	if (!rpc_file_read_capped(path, FURL_FILE_MAX * max, &text, &len,
	    &e)) {
		if (!g_error_matches(e, G_FILE_ERROR, G_FILE_ERROR_NOENT))
			g_propagate_error(error, g_steal_pointer(&e));
		return NULL;
	}
	lines = g_strsplit(text, "\n", -1);
	sodium_memzero(text, len);
	g_free(text);
	for (i = 0; lines[i] != NULL; i++) {
		char *l = g_strstrip(lines[i]);

		if (l[0] == '\0' || l[0] == '#')
			continue;
		if (out->len >= max) {
			g_set_error(error, ACCT_ERROR, ACCT_E_FORMAT, "%s: "
			    "more than %u FURLs", path, max);
			wipe_strv(lines);
			return NULL;
		}
		g_ptr_array_add(out, g_strdup(l));
	}
	wipe_strv(lines);
	g_ptr_array_add(out, NULL);
	return (char **)g_ptr_array_free(g_steal_pointer(&out), FALSE);
}

static void
status_mgr(json_t *st, void *arg)
{
	acct_node *a = arg;

	acct_mgr_status(a->mgr, st, node_status_page(a->n));
}

static void
status_desk(json_t *st, void *arg)
{
	acct_node *a = arg;
	json_t *rows = json_array();
	guint i;

	for (i = 0; i < a->desks->len; i++)
		acct_desk_status(g_ptr_array_index(a->desks, i), rows);
	json_object_set_new(st, "serverdesks", rows);
}

static void
status_client(json_t *st, void *arg)
{
	acct_client_status(((acct_node *)arg)->client, st);
}

static const node_status_field mgr_facts[] = {
	{ "kind",		"Kind",				0, 0 },
	{ "accounts",		"Accounts",			0, 0 },
	{ "subscriptions",	"Subscriptions",		0, 0 },
	{ "lookups_refused",	"Account lookups refused",	0, 0 },
};

static const node_status_field mgr_server_columns[] = {
	{ "nickname",	"Nickname",	0,		  16 },
	{ "node_id",	"Node ID",	NODE_FIELD_ID,	  20 },
	{ "state",	"State",	NODE_FIELD_STATE, 13 },
	{ "registered",	"Registered",	NODE_FIELD_TIME,  20 },
};

static const node_status_field mgr_page_facts[] = {
	{ "page",	"Page",			0,		 0 },
	{ "pages",	"Pages",		0,		 0 },
	{ "previous",	"Previous page",	NODE_FIELD_PAGE, 0 },
	{ "next",	"Next page",		NODE_FIELD_PAGE, 0 },
	{ "usage",	"Usage",		0,		 0 },
};

static const node_status_field mgr_account_columns[] = {
	{ "num",	"Number",	0,		 7 },
	{ "name",	"Name",		0,		 16 },
	{ "status",	"Status",	0,		 11 },
	{ "quota",	"Quota (bytes)", 0,		 14 },
	{ "usage",	"Usage (bytes)", 0,		 14 },
	{ "shares",	"Shares",	0,		 7 },
	{ "created",	"Created",	NODE_FIELD_TIME, 20 },
	{ "counted",	"Counted on",	0,		 0 },
};

static const node_status_section mgr_sections[] = {
	{ NULL, NULL, FALSE, mgr_facts, G_N_ELEMENTS(mgr_facts), NULL,
	    NULL },
	{ "Registered storage servers", "servers", TRUE, mgr_server_columns,
	    G_N_ELEMENTS(mgr_server_columns), "servers", "connected" },
	{ "Accounts", "accounts_page", FALSE, mgr_page_facts,
	    G_N_ELEMENTS(mgr_page_facts), NULL, NULL },
	{ "Accounts on this page", "account_list", TRUE, mgr_account_columns,
	    G_N_ELEMENTS(mgr_account_columns), "accounts on this page",
	    NULL },
};

static const node_status_field desk_columns[] = {
	{ "manager",		"Manager (tubid)",	NODE_FIELD_ID,	  20 },
	{ "state",		"State",		NODE_FIELD_STATE, 13 },
	{ "since",		"Since",		NODE_FIELD_TIME,  20 },
	{ "registrations",	"Registrations",	0,		  13 },
	{ "pss_facets_made",	"Facets made",		0,		  0 },
	{ "last_error",		"Last error",		0,		  0 },
};

static const node_status_section desk_section = {
	"Account managers (serverdesks)", "serverdesks", TRUE, desk_columns,
	G_N_ELEMENTS(desk_columns), "account managers", "connected",
};

static const node_status_field client_facts[] = {
	{ "number",		"Account number",	0, 0 },
	{ "name",		"Name",			0, 0 },
	{ "status",		"Status",		NODE_FIELD_OPTIONAL, 0 },
	{ "state",		"Account manager",	NODE_FIELD_STATE, 0 },
	{ "last_error",		"Last error",		0, 0 },
	{ "servers_known",	"Servers known",	0, 0 },
	{ "updated",		"Server list updated",	NODE_FIELD_TIME, 0 },
};

static const node_status_section client_section = {
	"Account", "account", FALSE, client_facts,
	G_N_ELEMENTS(client_facts), NULL, NULL,
};

gboolean
acct_status_layout_add(node_status_layout *l, const char *kind,
    json_t *doc)
{
	guint i;

	if (kind != NULL && strcmp(kind, "account-manager") == 0) {
		for (i = 0; i < G_N_ELEMENTS(mgr_sections); i++)
			node_status_layout_add(l, &mgr_sections[i]);
		return TRUE;
	}
	if (json_object_get(doc, "serverdesks") != NULL)
		node_status_layout_add(l, &desk_section);
	if (json_object_get(doc, "account") != NULL)
		node_status_layout_add(l, &client_section);
	return FALSE;
}

acct_node *
acct_node_start(node *n, grid_node *g, GError **error)
{
	acct_node *a = g_new0(acct_node, 1);
	g_autofree char *intro = node_config_get(node_cfg(n), "client",
	    "introducer.furl");
	gboolean no_intro = intro == NULL || intro[0] == '\0';
	g_autofree char *priv = g_build_filename(node_dir(n), "private",
	    NULL);
	char *furl = NULL;
	guint i;

	a->n = n;
	a->desks = g_ptr_array_new_with_free_func(
	    (GDestroyNotify)acct_desk_free);
	if (g == NULL) {
		g_autofree char *db = g_build_filename(node_dir(n),
		    "accounts.sqlite", NULL);

		if ((a->mgr = acct_mgr_new(node_tub(n), db, priv, error)) ==
		    NULL)
			goto fail;
		node_add_status_section(n, &mgr_sections[0], status_mgr, a);
		for (i = 1; i < G_N_ELEMENTS(mgr_sections); i++)
			node_add_status_section(n, &mgr_sections[i], NULL,
			    NULL);
		return a;
	}
	if (grid_node_storage(g) != NULL && no_intro) {
		g_autoptr(GError) e = NULL;
		g_autofree char *db = g_build_filename(node_dir(n),
		    "pss-accounts.sqlite", NULL);
		char **furls = read_furl_lines(n, "serverdesk.furl",
		    ACCT_DESK_MAX, &e);

		if (e != NULL) {
			g_propagate_error(error, g_steal_pointer(&e));
			goto fail;
		}
		for (i = 0; furls != NULL && furls[i] != NULL; i++) {
			acct_desk *d = acct_desk_new(node_tub(n),
			    grid_node_storage(g), furls[i], i == 0,
			    node_nickname(n), priv, db, error);

			if (d == NULL) {
				wipe_strv(furls);
				g_prefix_error(error, "%s/", node_dir(n));
				goto fail;
			}
			g_ptr_array_add(a->desks, d);
		}
		wipe_strv(furls);
		if (a->desks->len > 0)
			node_add_status_section(n, &desk_section, status_desk,
			    a);
	}
	if (no_intro && grid_node_broker(g) != NULL) {
		g_autoptr(GError) e = NULL;

		char **furls = read_furl_lines(n, "account.furl", 1, &e);

		if (e != NULL) {
			g_propagate_error(error, g_steal_pointer(&e));
			goto fail;
		}
		if (furls != NULL && furls[0] != NULL)
			furl = g_strdup(furls[0]);
		wipe_strv(furls);
		if (furl != NULL) {
			g_autofree char *sj = g_build_filename(priv,
			    "servers.json", NULL);

			a->client = acct_client_new(node_tub(n),
			    grid_node_broker(g), furl, sj, error);
			sodium_memzero(furl, strlen(furl));
			g_clear_pointer(&furl, g_free);
			if (a->client == NULL) {
				g_prefix_error(error, "%s/", node_dir(n));
				goto fail;
			}
			node_add_status_section(n, &client_section,
			    status_client, a);
		}
	}
	return a;
fail:
	acct_node_stop(a);
	return NULL;
}

void
acct_node_stop(acct_node *a)
{
	if (a == NULL)
		return;
	/* The sections of every service go together (grid's too: they
	 * are stopped right after this). */
	node_clear_status_sections(a->n);
	acct_client_free(a->client);
	g_ptr_array_unref(a->desks);
	acct_mgr_free(a->mgr);
	g_free(a);
}

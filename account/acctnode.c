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
	acct_desk	*desk;
	acct_client	*client;
};

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

/* The first line of DIR/NAME (a FURL), or NULL if there is no file. */
static char *
read_furl_file(node *n, const char *name, GError **error)
{
	g_autofree char *path = g_build_filename(node_dir(n), name, NULL);
	g_autoptr(GError) e = NULL;
	char *text = NULL, *nl;
	size_t len = 0;

	if (!rpc_file_read_capped(path, FURL_FILE_MAX, &text, &len, &e)) {
		if (!g_error_matches(e, G_FILE_ERROR, G_FILE_ERROR_NOENT))
			g_propagate_error(error, g_steal_pointer(&e));
		return NULL;
	}
	if ((nl = strchr(text, '\n')) != NULL) {
		if (nl[1] != '\0' && strspn(nl + 1, " \t\r\n") !=
		    strlen(nl + 1))
			g_warning("%s: only the first line is used (one "
			    "account manager per server)", path);
		sodium_memzero(nl, strlen(nl));
		*nl = '\0';
	}
	g_strstrip(text);
	return text;
}

static void
status_mgr(json_t *st, void *arg)
{
	acct_mgr_status(((acct_node *)arg)->mgr, st);
}

static void
status_desk(json_t *st, void *arg)
{
	acct_desk_status(((acct_node *)arg)->desk, st);
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

static const node_status_section mgr_sections[] = {
	{ NULL, NULL, FALSE, mgr_facts, G_N_ELEMENTS(mgr_facts), NULL,
	    NULL },
	{ "Registered storage servers", "servers", TRUE, mgr_server_columns,
	    G_N_ELEMENTS(mgr_server_columns), "servers", "connected" },
};

static const node_status_field desk_facts[] = {
	{ "state",		"State",		NODE_FIELD_STATE, 0 },
	{ "since",		"Since",		NODE_FIELD_TIME, 0 },
	{ "last_error",		"Last error",		0, 0 },
	{ "registrations",	"Registrations",	0, 0 },
	{ "pss_facets_made",	"Account facets made",	0, 0 },
};

static const node_status_section desk_section = {
	"Serverdesk (account manager)", "serverdesk", FALSE, desk_facts,
	G_N_ELEMENTS(desk_facts), NULL, NULL,
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
	if (json_object_get(doc, "serverdesk") != NULL)
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

	a->n = n;
	if (g == NULL) {
		g_autofree char *db = g_build_filename(node_dir(n),
		    "accounts.sqlite", NULL);

		if ((a->mgr = acct_mgr_new(node_tub(n), db, priv, error)) ==
		    NULL)
			goto fail;
		node_add_status_section(n, &mgr_sections[0], status_mgr, a);
		node_add_status_section(n, &mgr_sections[1], NULL, NULL);
		return a;
	}
	if (grid_node_storage(g) != NULL && no_intro) {
		g_autoptr(GError) e = NULL;

		furl = read_furl_file(n, "serverdesk.furl", &e);
		if (e != NULL) {
			g_propagate_error(error, g_steal_pointer(&e));
			goto fail;
		}
		if (furl != NULL) {
			g_autofree char *db = g_build_filename(node_dir(n),
			    "pss-accounts.sqlite", NULL);

			a->desk = acct_desk_new(node_tub(n),
			    grid_node_storage(g), furl, node_nickname(n), priv,
			    db, error);
			sodium_memzero(furl, strlen(furl));
			g_clear_pointer(&furl, g_free);
			if (a->desk == NULL) {
				g_prefix_error(error, "%s/", node_dir(n));
				goto fail;
			}
			node_add_status_section(n, &desk_section, status_desk,
			    a);
		}
	}
	if (no_intro) {
		g_autoptr(GError) e = NULL;

		furl = read_furl_file(n, "account.furl", &e);
		if (e != NULL) {
			g_propagate_error(error, g_steal_pointer(&e));
			goto fail;
		}
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
	acct_desk_free(a->desk);
	acct_mgr_free(a->mgr);
	g_free(a);
}

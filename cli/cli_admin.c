/* cli/cli_admin.c -- commands that enroll a node in a managed grid by
 * editing its tahoe.cfg: `tahoe admin add-grid-manager-cert` and `tahoe
 * admin remove-grid-manager-cert` on a storage node, `tahoe
 * add-grid-manager` and `tahoe remove-grid-manager` on a client.  When
 * the node is running, each then asks it (through its control FURL) to
 * reload tahoe.cfg, so the change applies at once; otherwise at its next
 * start. */
#include "config.h"

#include <glib/gstdio.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "grid/gcfg.h"
#include "grid/gm.h"
#include "node/cfg.h"
#include "rpc/base32.h"
#include "rpc/common.h"
#include "rpc/file.h"
#include "rpc/ident.h"

#define ADMIN_USAGE \
	"usage: tahoe [-d NODEDIR] admin add-grid-manager-cert " \
	"--filename FILE|- --name NAME\n" \
	"       tahoe [-d NODEDIR] admin remove-grid-manager-cert NAME\n" \
	"       tahoe admin accounts (--manage-accounts-furl FURL | -d AMDIR) " \
	"COMMAND ...\n" \
	"Store a grid-manager certificate for this storage node as " \
	"NODEDIR/NAME.cert\nand announce it (at once if the node runs), or " \
	"stop announcing one; or manage an account manager's accounts\n" \
	"(tahoe admin accounts --help).\n"

#define ADDGM_USAGE \
	"usage: tahoe [-d NODEDIR] add-grid-manager NAME PUBKEY\n" \
	"Upload only to storage servers certified by grid manager PUBKEY\n" \
	"(pub-v0-...), recorded as [grid_managers] NAME in tahoe.cfg.\n"

#define RMGM_USAGE \
	"usage: tahoe [-d NODEDIR] remove-grid-manager NAME\n" \
	"Stop trusting grid manager NAME ([grid_managers] NAME in " \
	"tahoe.cfg).\n"

/* The saved tahoe.cfg is applied by the running node, if there is one;
 * 'change' says what was saved.  A node that cannot apply it still has
 * the change on disk for its next start. */
static int
apply_live(cli_ctx *ctx, const char *change)
{
	g_autofree char *answer = NULL;
	g_autoptr(GError) e = NULL;
	char *p;
	int r;

	r = cli_node_call(ctx->node_dir, "reload", &answer, &e);
	if (r == CLI_NODE_NOT_RUNNING) {
		printf("%s The node is not running: it applies the change "
		    "when it starts.\n", change);
		return CLI_OK;
	}
	if (r != CLI_OK)
		return cli_error("%s in tahoe.cfg, but the running node did "
		    "not apply it (%s): restart the node", change,
		    e->message);
	/* From another process: no control characters but newlines. */
	for (p = answer; *p != '\0'; p++)
		if (((unsigned char)*p < 0x20 && *p != '\n') || *p == 0x7f)
			*p = '?';
	printf("%s The running node applied it:\n%s", change, answer);
	return CLI_OK;
}

/* A name used as a file name and a tahoe.cfg key. */
static gboolean
valid_name(const char *s)
{
	const char *p;

	if (*s == '\0' || *s == '.' || strlen(s) > 64)
		return FALSE;
	for (p = s; *p != '\0'; p++)
		if (!g_ascii_isalnum(*p) && *p != '-' && *p != '_' &&
		    *p != '.')
			return FALSE;
	return TRUE;
}

static int
add_cert(cli_ctx *ctx, int argc, char **argv)
{
	g_autofree char *filename = NULL, *name = NULL;
	const GOptionEntry entries[] = {
		{ "filename", 'f', 0, G_OPTION_ARG_FILENAME, &filename,
		    "the certificate file, or - for stdin", "FILE" },
		{ "name", 'n', 0, G_OPTION_ARG_STRING, &name,
		    "a name for the certificate (letters, digits, - _ .)",
		    "NAME" },
		G_OPTION_ENTRY_NULL
	};
	g_autoptr(node_config) cfg = NULL;
	g_autoptr(grid_cert) cert = NULL;
	g_autoptr(GError) e = NULL;
	g_autofree char *text = NULL, *certfile = NULL, *certpath = NULL;
	g_autofree char *mine = NULL, *why = NULL;
	g_autoptr(GHashTable) certs = NULL;
	g_autoptr(GArray) keys = g_array_new(FALSE, FALSE, 32);
	uint8_t pk[32];
	gsize len = 0;
	int r;

	r = cli_parse("admin add-grid-manager-cert", ADMIN_USAGE,
	    "Add a grid-manager certificate to a storage node.", entries,
	    &argc, &argv);
	if (r >= 0)
		return r;
	if (filename == NULL || name == NULL)
		return cli_usage_error("admin add-grid-manager-cert",
		    ADMIN_USAGE, "both --filename and --name are required");
	if (argc != 1)
		return cli_usage_error("admin add-grid-manager-cert",
		    ADMIN_USAGE, "unexpected argument '%s'", argv[1]);
	if (!valid_name(name))
		return cli_usage_error("admin add-grid-manager-cert",
		    ADMIN_USAGE, "--name must be letters, digits, '-', '_' "
		    "or '.' (not first), at most 64 characters");

	if ((cfg = node_config_load(ctx->node_dir, &e)) == NULL)
		return cli_error("%s", e->message);
	if (!node_dir_read_pubkey(ctx->node_dir, pk, &e))
		return cli_error("%s (is %s a storage node?)", e->message,
		    ctx->node_dir);
	/* Read once: the bytes checked below are the bytes installed. */
	if (strcmp(filename, "-") == 0) {
		fprintf(stderr, "reading certificate from stdin\n");
		text = cli_read_stdin(GRID_CERT_MAX, &len, &e);
	} else if (!rpc_file_read_capped(filename, GRID_CERT_MAX, &text, &len,
	    &e)) {
		return cli_error("%s", e->message);
	}
	if (text == NULL)
		return cli_error("%s", e->message);
	if ((cert = grid_cert_parse(text, len, &e)) == NULL)
		return strcmp(filename, "-") == 0 ?
		    cli_error("%s", e->message) :
		    cli_error("%s: %s", filename, e->message);

	/* It must be this node's certificate, and still current. */
	{
		g_autofree char *b = rpc_base32_encode(pk, 32);

		mine = g_strconcat("pub-v0-", b, NULL);
	}
	if (strcmp(cert->public_key, mine) != 0)
		return cli_error("the certificate is for %s, but this node "
		    "is %s", cert->public_key, mine);
	if (cert->expires_us <= cli_now_us()) {
		g_autofree char *t = grid_time_format(cert->expires_us);

		return cli_error("the certificate expired at %s", t);
	}
	/* The node may know manager keys (as a client); else it cannot
	 * check the signature at all.  A bad key is the operator's to fix:
	 * the node would refuse to start with it. */
	if (!grid_cfg_grid_managers(cfg, keys, NULL, &e))
		return cli_error("%s", e->message);
	if (keys->len == 0)
		fprintf(stderr, "warning: this node knows no grid-manager "
		    "key, so the certificate's signature was not checked\n");
	else if (grid_cert_check(cert, (const uint8_t *)keys->data,
	    keys->len, pk, cli_now_us(), &why) != GRID_CERT_VALID)
		fprintf(stderr, "warning: %s\n", why);

	certs = grid_cfg_gm_certificates(cfg);
	certfile = g_strconcat(name, ".cert", NULL);
	certpath = g_build_filename(ctx->node_dir, certfile, NULL);
	if (g_hash_table_contains(certs, name) ||
	    g_file_test(certpath, G_FILE_TEST_EXISTS))
		return cli_error("there is already a certificate named '%s' "
		    "(%s)", name, certpath);

	/* Write the certificate exactly as given, then the configuration;
	 * undo the first if the second fails. */
	{
		g_autoptr(GString) out = g_string_new_len(text, (gssize)len);

		if (out->len == 0 || out->str[out->len - 1] != '\n')
			g_string_append_c(out, '\n');
		if (!rpc_file_write_atomic(certpath, out->str, out->len, 0644,
		    &e))
			return cli_error("%s", e->message);
	}
	grid_cfg_add_certificate(cfg, name, certfile);
	if (!node_config_save(cfg, &e)) {
		g_unlink(certpath);
		return cli_error("%s", e->message);
	}
	{
		g_autoptr(GHashTable) now = grid_cfg_gm_certificates(cfg);

		printf("There are now %u certificates.\n",
		    g_hash_table_size(now));
	}
	return apply_live(ctx, "Certificate added.");
}

static int
remove_cert(cli_ctx *ctx, int argc, char **argv)
{
	const char *what = "admin remove-grid-manager-cert";
	g_autoptr(node_config) cfg = NULL;
	g_autoptr(GHashTable) certs = NULL;
	g_autoptr(GError) e = NULL;
	g_autofree char *ours = NULL, *path = NULL;
	int r;

	r = cli_parse(what, ADMIN_USAGE, "Stop announcing a grid-manager "
	    "certificate.", NULL, &argc, &argv);
	if (r >= 0)
		return r;
	if (argc != 2)
		return cli_usage_error(what, ADMIN_USAGE,
		    "expected the certificate's NAME");
	if ((cfg = node_config_load(ctx->node_dir, &e)) == NULL)
		return cli_error("%s", e->message);
	certs = grid_cfg_gm_certificates(cfg);
	if ((path = g_strdup(g_hash_table_lookup(certs, argv[1]))) == NULL)
		return cli_error("there is no certificate named '%s' in %s",
		    argv[1], node_config_path(cfg));
	/* Listed under either name, or both. */
	(void)node_config_remove(cfg, "grid_manager_certificates", argv[1]);
	(void)node_config_remove(cfg, "grid_management_keys", argv[1]);
	if (!node_config_save(cfg, &e))
		return cli_error("%s", e->message);
	/* The file add-grid-manager-cert wrote goes too; a file the
	 * operator listed by hand stays. */
	if (valid_name(argv[1])) {
		g_autofree char *f = g_strconcat(argv[1], ".cert", NULL);

		ours = g_build_filename(ctx->node_dir, f, NULL);
		if (strcmp(ours, path) == 0)
			g_unlink(ours);
	}
	{
		g_autoptr(GHashTable) now = grid_cfg_gm_certificates(cfg);

		printf("There are now %u certificates.\n",
		    g_hash_table_size(now));
	}
	return apply_live(ctx, "Certificate removed.");
}

int
cli_cmd_admin(cli_ctx *ctx, int argc, char **argv)
{
	int r;

	r = cli_parse("admin", ADMIN_USAGE, "Node administration.", NULL,
	    &argc, &argv);
	if (r >= 0)
		return r;
	if (argc < 2)
		return cli_usage_error("admin", ADMIN_USAGE,
		    "no command given");
	if (strcmp(argv[1], "add-grid-manager-cert") == 0)
		return add_cert(ctx, argc - 1, argv + 1);
	if (strcmp(argv[1], "remove-grid-manager-cert") == 0)
		return remove_cert(ctx, argc - 1, argv + 1);
	if (strcmp(argv[1], "accounts") == 0)
		return cli_cmd_admin_accounts(ctx, argc - 1, argv + 1);
	return cli_usage_error("admin", ADMIN_USAGE, "unknown command '%s'",
	    argv[1]);
}

int
cli_cmd_add_grid_manager(cli_ctx *ctx, int argc, char **argv)
{
	g_autoptr(node_config) cfg = NULL;
	g_autoptr(GError) e = NULL;
	uint8_t k[32];
	int r;

	r = cli_parse("add-grid-manager", ADDGM_USAGE,
	    "Trust a grid manager for uploads.", NULL, &argc, &argv);
	if (r >= 0)
		return r;
	if (argc != 3)
		return cli_usage_error("add-grid-manager", ADDGM_USAGE,
		    "expected NAME and PUBKEY");
	if (!valid_name(argv[1]))
		return cli_usage_error("add-grid-manager", ADDGM_USAGE,
		    "NAME must be letters, digits, '-', '_' or '.' (not "
		    "first), at most 64 characters");
	if (!rpc_pubkey_parse(argv[2], k, &e))
		return cli_error("%s", e->message);
	if ((cfg = node_config_load(ctx->node_dir, &e)) == NULL)
		return cli_error("%s", e->message);
	if (!grid_cfg_add_grid_manager(cfg, argv[1], argv[2], &e))
		return cli_error("%s", e->message);
	if (!node_config_save(cfg, &e))
		return cli_error("%s", e->message);
	{
		g_autofree char *m = g_strdup_printf("Added grid manager "
		    "'%s'.", argv[1]);

		return apply_live(ctx, m);
	}
}

int
cli_cmd_remove_grid_manager(cli_ctx *ctx, int argc, char **argv)
{
	g_autoptr(node_config) cfg = NULL;
	g_autoptr(GError) e = NULL;
	g_autofree char *m = NULL;
	int r;

	r = cli_parse("remove-grid-manager", RMGM_USAGE,
	    "Stop trusting a grid manager.", NULL, &argc, &argv);
	if (r >= 0)
		return r;
	if (argc != 2)
		return cli_usage_error("remove-grid-manager", RMGM_USAGE,
		    "expected NAME");
	if ((cfg = node_config_load(ctx->node_dir, &e)) == NULL)
		return cli_error("%s", e->message);
	if (!node_config_remove(cfg, "grid_managers", argv[1]))
		return cli_error("there is no grid manager named '%s' in %s",
		    argv[1], node_config_path(cfg));
	if (!node_config_save(cfg, &e))
		return cli_error("%s", e->message);
	m = g_strdup_printf("Removed grid manager '%s'.", argv[1]);
	return apply_live(ctx, m);
}

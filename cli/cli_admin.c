/* cli/cli_admin.c -- commands that enroll a node in a managed grid by
 * editing its tahoe.cfg: `tahoe admin add-grid-manager-cert` on a storage
 * node and `tahoe add-grid-manager` on a client. */
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
	"Store a grid-manager certificate for this storage node as " \
	"NODEDIR/NAME.cert\nand announce it after the next restart.\n"

#define ADDGM_USAGE \
	"usage: tahoe [-d NODEDIR] add-grid-manager NAME PUBKEY\n" \
	"Upload only to storage servers certified by grid manager PUBKEY\n" \
	"(pub-v0-...), recorded as [grid_managers] NAME in tahoe.cfg.\n"

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
	printf("Restart the node for the certificate to be announced.\n");
	return CLI_OK;
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
	printf("Added grid manager '%s'. Restart the node for it to take "
	    "effect.\n", argv[1]);
	return CLI_OK;
}

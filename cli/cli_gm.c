/* cli/cli_gm.c -- `tahoe grid-manager --config DIR|- COMMAND`: create a
 * grid manager, enroll storage servers and sign their certificates.  All
 * the formats are in grid/gm.c; this file parses arguments and chooses
 * between a directory and stdin/stdout. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "cli/cli.h"
#include "grid/gm.h"
#include "rpc/common.h"
#include "rpc/ident.h"

#define GM_USAGE \
	"usage: tahoe grid-manager --config DIR|- COMMAND [ARGS]\n" \
	"commands:\n" \
	"  create             make a new grid manager (DIR must not exist)\n" \
	"  public-identity    print the grid manager's public key\n" \
	"  add NAME PUBKEY    vouch for storage server NAME (key pub-v0-...)\n" \
	"  remove NAME        stop vouching for NAME, deleting its certificates\n" \
	"  list               list servers and their certificates\n" \
	"  sign NAME [DAYS]   print a certificate for NAME valid DAYS days\n" \
	"                     (default 365, 1 to 1825); with DIR it is also\n" \
	"                     kept there as NAME.cert.N\n" \
	"With --config - the configuration is read from stdin and a changed\n" \
	"one is written to stdout.\n"

static gboolean
load(const char *config, grid_gm **out, GError **error)
{
	g_autofree char *text = NULL;
	g_autoptr(GError) e = NULL;
	gsize len = 0;

	*out = NULL;
	if (strcmp(config, "-") != 0) {
		*out = grid_gm_load_dir(config, &e);
	} else if ((text = cli_read_stdin(GRID_GM_CONFIG_MAX, &len, &e)) !=
	    NULL) {
		*out = grid_gm_parse(text, len, &e);
		sodium_memzero(text, len);
	}
	if (*out == NULL) {
		g_set_error(error, GRID_ERROR, e != NULL ? e->code : 0,
		    "cannot load the grid manager from '%s': %s",
		    strcmp(config, "-") == 0 ? "stdin" : config,
		    e != NULL ? e->message : "unknown error");
		return FALSE;
	}
	return TRUE;
}

/* Write the changed configuration back: to DIR, or to stdout. */
static int
store(const grid_gm *gm, const char *config)
{
	g_autoptr(GError) e = NULL;

	if (strcmp(config, "-") == 0) {
		g_autofree char *json = grid_gm_to_json(gm);

		fputs(json, stdout);
		sodium_memzero(json, strlen(json));
		return CLI_OK;
	}
	if (!grid_gm_save_dir(gm, config, &e))
		return cli_error("%s", e->message);
	return CLI_OK;
}

/* Parse DAYS strictly: decimal digits only. */
static gboolean
parse_days(const char *s, int *days)
{
	char *end = NULL;
	long v;

	if (*s < '0' || *s > '9')
		return FALSE;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < 1 || v > GRID_GM_EXPIRY_MAX)
		return FALSE;
	*days = (int)v;
	return TRUE;
}

static int
cmd_list(const grid_gm *gm, const char *config)
{
	g_autofree char *me = grid_gm_public_identity(gm);
	uint8_t key[32], spk[32];
	gint64 now = cli_now_us();
	guint i, n;

	rpc_pubkey_parse(me, key, NULL);
	for (i = 0; i < grid_gm_n_servers(gm); i++) {
		const char *name = grid_gm_server_name(gm, i);

		printf("%s: %s\n", name, grid_gm_server_pubkey(gm, i));
		if (strcmp(config, "-") == 0)
			continue;
		rpc_pubkey_parse(grid_gm_server_pubkey(gm, i), spk, NULL);
		for (n = 0;; n++) {
			g_autofree char *file = g_strdup_printf("%s.cert.%u",
			    name, n);
			g_autofree char *path = g_build_filename(config, file,
			    NULL);
			g_autoptr(grid_cert) c = NULL;
			g_autoptr(GError) e = NULL;
			g_autofree char *why = NULL;

			if (!g_file_test(path, G_FILE_TEST_EXISTS))
				break;
			c = grid_cert_load(path, &e);
			if (c == NULL) {
				printf("  cert %u: unreadable: %s\n", n,
				    e->message);
				continue;
			}
			grid_cert_check(c, key, 1, spk, now, &why);
			printf("  cert %u: %s\n", n, why);
		}
	}
	return CLI_OK;
}

int
cli_cmd_grid_manager(cli_ctx *ctx, int argc, char **argv)
{
	g_autofree char *config = NULL;
	const GOptionEntry entries[] = {
		{ "config", 'c', 0, G_OPTION_ARG_FILENAME, &config,
		    "the grid manager's directory, or - for stdin/stdout",
		    "DIR" },
		G_OPTION_ENTRY_NULL
	};
	g_autoptr(grid_gm) gm = NULL;
	g_autoptr(GError) e = NULL;
	const char *cmd;
	int r;

	RPC_UNUSED(ctx);
	r = cli_parse("grid-manager", GM_USAGE,
	    "Create and run a grid manager.", entries, &argc, &argv);
	if (r >= 0)
		return r;
	if (config == NULL)
		return cli_usage_error("grid-manager", GM_USAGE,
		    "--config DIR (or --config -) is required");
	if (argc < 2)
		return cli_usage_error("grid-manager", GM_USAGE,
		    "no command given");
	cmd = argv[1];

	if (strcmp(cmd, "create") == 0) {
		if (argc != 2)
			return cli_usage_error("grid-manager create", GM_USAGE,
			    "takes no arguments");
		gm = grid_gm_new();
		if (strcmp(config, "-") == 0)
			return store(gm, config);
		if (!grid_gm_create_dir(gm, config, &e))
			return cli_error("%s", e->message);
		return CLI_OK;
	}
	if (strcmp(cmd, "public-identity") != 0 && strcmp(cmd, "add") != 0 &&
	    strcmp(cmd, "remove") != 0 && strcmp(cmd, "list") != 0 &&
	    strcmp(cmd, "sign") != 0)
		return cli_usage_error("grid-manager", GM_USAGE,
		    "unknown command '%s'", cmd);
	/* Check the arguments before touching stdin or the disk. */
	if ((strcmp(cmd, "public-identity") == 0 && argc != 2) ||
	    (strcmp(cmd, "list") == 0 && argc != 2) ||
	    (strcmp(cmd, "add") == 0 && argc != 4) ||
	    (strcmp(cmd, "remove") == 0 && argc != 3) ||
	    (strcmp(cmd, "sign") == 0 && (argc < 3 || argc > 4)))
		return cli_usage_error("grid-manager", GM_USAGE,
		    "wrong number of arguments for '%s'", cmd);
	if (strcmp(cmd, "sign") == 0) {
		int days = GRID_GM_EXPIRY_DEFAULT;
		g_autofree char *cert = NULL;
		guint index = 0;

		if (argc == 4 && !parse_days(argv[3], &days))
			return cli_usage_error("grid-manager sign", GM_USAGE,
			    "DAYS must be a whole number from 1 to %d, not "
			    "'%s'", GRID_GM_EXPIRY_MAX, argv[3]);
		if (!load(config, &gm, &e))
			return cli_error("%s", e->message);
		cert = grid_gm_sign(gm, argv[2], cli_now_us(), days, &e);
		if (cert == NULL)
			return cli_error("%s", e->message);
		if (strcmp(config, "-") != 0 && !grid_gm_store_cert(config,
		    argv[2], cert, &index, &e))
			return cli_error("%s", e->message);
		printf("%s\n", cert);
		return CLI_OK;
	}
	if (!load(config, &gm, &e))
		return cli_error("%s", e->message);
	if (strcmp(cmd, "public-identity") == 0) {
		g_autofree char *pk = grid_gm_public_identity(gm);

		printf("%s\n", pk);
		return CLI_OK;
	}
	if (strcmp(cmd, "list") == 0)
		return cmd_list(gm, config);
	if (strcmp(cmd, "add") == 0) {
		if (!grid_gm_add(gm, argv[2], argv[3], &e))
			return cli_error("%s", e->message);
		return store(gm, config);
	}
	/* remove */
	if (!grid_gm_remove(gm, argv[2], &e))
		return cli_error("%s", e->message);
	if ((r = store(gm, config)) != CLI_OK)
		return r;
	if (strcmp(config, "-") != 0)
		grid_gm_remove_certs(config, argv[2]);
	return CLI_OK;
}

/* cli/cli_debug.c -- `tahoe debug`: diagnostics for operators.
 *
 *   check-grid-manager-certs --server-key PUBKEY [--grid-manager PUBKEY]...
 *       [--now ISO8601] CERTFILE...
 * judges each certificate as a client trusting those grid managers would,
 * then says whether that client may upload to the server.  Exit 0 when it
 * may, 3 when it may not, 1 on an error (an unreadable file), 2 on a usage
 * error. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "grid/gm.h"
#include "rpc/common.h"
#include "rpc/err.h"
#include "rpc/file.h"
#include "rpc/ident.h"

#define DEBUG_USAGE \
	"usage: tahoe debug check-grid-manager-certs --server-key PUBKEY\n" \
	"           [--grid-manager PUBKEY]... [--now ISO8601] CERTFILE...\n"

#define CHECK_NOT_PERMITTED	3

static int
check_certs(int argc, char **argv)
{
	g_autofree char *server = NULL, *now_text = NULL;
	g_auto(GStrv) managers = NULL;
	const GOptionEntry entries[] = {
		{ "server-key", 's', 0, G_OPTION_ARG_STRING, &server,
		    "the storage server's public key", "PUBKEY" },
		{ "grid-manager", 'g', 0, G_OPTION_ARG_STRING_ARRAY,
		    &managers, "a trusted grid manager's key (repeatable)",
		    "PUBKEY" },
		{ "now", 0, 0, G_OPTION_ARG_STRING, &now_text,
		    "judge expiry at this time instead of now", "ISO8601" },
		G_OPTION_ENTRY_NULL
	};
	const char *what = "debug check-grid-manager-certs";
	g_autoptr(GArray) keys = g_array_new(FALSE, FALSE, 32);
	g_autoptr(GPtrArray) certs = g_ptr_array_new_with_free_func(
	    (GDestroyNotify)grid_cert_free);
	g_autoptr(GError) e = NULL;
	uint8_t spk[32];
	gint64 now = cli_now_us();
	bool permitted;
	int i, r;

	r = cli_parse(what, DEBUG_USAGE, "Check grid-manager certificates.",
	    entries, &argc, &argv);
	if (r >= 0)
		return r;
	if (server == NULL)
		return cli_usage_error(what, DEBUG_USAGE,
		    "--server-key is required");
	if (argc < 2)
		return cli_usage_error(what, DEBUG_USAGE,
		    "no certificate files given");
	if (!rpc_pubkey_parse(server, spk, &e))
		return cli_usage_error(what, DEBUG_USAGE, "--server-key: %s",
		    e->message);
	for (i = 0; managers != NULL && managers[i] != NULL; i++) {
		uint8_t k[32];

		if (!rpc_pubkey_parse(managers[i], k, &e))
			return cli_usage_error(what, DEBUG_USAGE,
			    "--grid-manager: %s", e->message);
		g_array_append_vals(keys, k, 1);
	}
	if (now_text != NULL && !grid_time_parse(now_text, &now, &e))
		return cli_usage_error(what, DEBUG_USAGE, "--now: %s",
		    e->message);

	for (i = 1; i < argc; i++) {
		g_autofree char *text = NULL, *why = NULL;
		grid_cert *c;
		gsize len = 0;

		/* A file too large to be a certificate is reported like
		 * any other invalid one. */
		if (!rpc_file_read_capped(argv[i], GRID_CERT_MAX, &text, &len,
		    &e) && !g_error_matches(e, RPC_ERROR, RPC_E_TOOBIG))
			return cli_error("%s", e->message);
		c = text != NULL ? grid_cert_parse(text, len, &e) : NULL;
		if (c == NULL) {
			printf("%s: invalid: %s\n", argv[i], e->message);
			g_clear_error(&e);
			continue;
		}
		if (keys->len == 0) {
			printf("%s: not checked: no grid manager configured\n",
			    argv[i]);
		} else {
			grid_cert_verdict v = grid_cert_check(c,
			    (const uint8_t *)keys->data, keys->len, spk, now,
			    &why);

			printf("%s: %s: %s\n", argv[i], v == GRID_CERT_VALID ?
			    "valid" : "invalid", why);
		}
		g_ptr_array_add(certs, c);
	}
	permitted = grid_upload_permitted((const uint8_t *)keys->data,
	    keys->len, spk, (grid_cert *const *)certs->pdata, certs->len, now);
	printf("upload permitted: %s\n", permitted ? "yes" : "no");
	return permitted ? CLI_OK : CHECK_NOT_PERMITTED;
}

int
cli_cmd_debug(cli_ctx *ctx, int argc, char **argv)
{
	int r;

	RPC_UNUSED(ctx);
	r = cli_parse("debug", DEBUG_USAGE, "Diagnostics.", NULL, &argc,
	    &argv);
	if (r >= 0)
		return r;
	if (argc < 2)
		return cli_usage_error("debug", DEBUG_USAGE,
		    "no command given");
	if (strcmp(argv[1], "check-grid-manager-certs") == 0)
		return check_certs(argc - 1, argv + 1);
	return cli_usage_error("debug", DEBUG_USAGE, "unknown command '%s'",
	    argv[1]);
}

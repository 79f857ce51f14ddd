/* cli/tahoe.c -- the `tahoe` program: global options, command dispatch and
 * the helpers every command group uses.  Each group lives in its own file
 * (cli_gm.c, cli_admin.c, cli_debug.c) and is a thin layer over the
 * libraries. */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"

#define TAHOE_USAGE \
	"usage: tahoe [-d NODEDIR] COMMAND [OPTIONS] [ARGS]\n" \
	"commands:\n" \
	"  create-introducer   make an introducer's node directory\n" \
	"  create-node         make a storage node's directory (also a client)\n" \
	"  create-client       make a client's node directory\n" \
	"  run                 run a node in the foreground\n" \
	"  status              what a running node knows of the grid\n" \
	"  put                 upload a file, print its cap\n" \
	"  get                 download a file by its cap\n" \
	"  grid-manager        create and run a grid manager (certificates)\n" \
	"  admin               node administration (add-grid-manager-cert,\n" \
	"                      remove-grid-manager-cert, accounts)\n" \
	"  add-grid-manager    trust a grid manager for uploads (client)\n" \
	"  remove-grid-manager stop trusting a grid manager (client)\n" \
	"  create-account-manager make an account manager's node directory\n" \
	"  create-account      ask an account manager for an account\n" \
	"  debug               diagnostics (check-grid-manager-certs)\n" \
	"Run 'tahoe COMMAND --help' for a command's options.\n"

int
cli_usage_error(const char *what, const char *usage, const char *fmt, ...)
{
	va_list ap;
	char *msg;

	va_start(ap, fmt);
	msg = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	fprintf(stderr, "tahoe%s%s: %s\n%s", *what != '\0' ? " " : "", what,
	    msg, usage);
	g_free(msg);
	return CLI_USAGE;
}

int
cli_error(const char *fmt, ...)
{
	va_list ap;
	char *msg;

	va_start(ap, fmt);
	msg = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	fprintf(stderr, "tahoe: error: %s\n", msg);
	g_free(msg);
	return CLI_ERROR;
}

int
cli_parse(const char *what, const char *usage, const char *summary,
    const GOptionEntry *entries, int *argc, char ***argv)
{
	g_autoptr(GOptionContext) oc = g_option_context_new(NULL);
	g_autoptr(GError) err = NULL;
	int i;

	g_option_context_set_help_enabled(oc, FALSE);
	g_option_context_set_strict_posix(oc, TRUE);
	if (entries != NULL)
		g_option_context_add_main_entries(oc, entries, NULL);
	/* --help anywhere before the first argument of this level. */
	for (i = 1; i < *argc && (*argv)[i][0] == '-'; i++) {
		if (strcmp((*argv)[i], "--help") == 0 ||
		    strcmp((*argv)[i], "-h") == 0) {
			g_autofree char *help = NULL;

			g_option_context_set_summary(oc, summary);
			g_option_context_set_help_enabled(oc, TRUE);
			help = g_option_context_get_help(oc, TRUE, NULL);
			printf("%s%s", usage, strstr(help, "\n\n") != NULL ?
			    strstr(help, "\n\n") + 1 : help);
			return CLI_OK;
		}
		if (strcmp((*argv)[i], "--") == 0)
			break;
	}
	if (!g_option_context_parse(oc, argc, argv, &err))
		return cli_usage_error(what, usage, "%s", err->message);
	return -1;
}

char *
cli_read_stdin(gsize max, gsize *len, GError **error)
{
	GString *s = g_string_new(NULL);
	char buf[4096];
	size_t n;

	while ((n = fread(buf, 1, sizeof(buf), stdin)) > 0) {
		if (s->len + n > max) {
			g_string_free(s, TRUE);
			g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_NOSPC,
			    "standard input is larger than %zu bytes",
			    (size_t)max);
			return NULL;
		}
		g_string_append_len(s, buf, (gssize)n);
	}
	if (ferror(stdin)) {
		g_string_free(s, TRUE);
		g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_IO,
		    "reading standard input failed: %s", g_strerror(errno));
		return NULL;
	}
	*len = s->len;
	return g_string_free(s, FALSE);
}

gint64
cli_now_us(void)
{
	return g_get_real_time();
}

static const struct {
	const char	*name;
	cli_cmd_fn	*fn;
} commands[] = {
	{ "grid-manager", cli_cmd_grid_manager },
	{ "admin", cli_cmd_admin },
	{ "add-grid-manager", cli_cmd_add_grid_manager },
	{ "remove-grid-manager", cli_cmd_remove_grid_manager },
	{ "debug", cli_cmd_debug },
	{ "create-introducer", cli_cmd_create_introducer },
	{ "create-node", cli_cmd_create_node },
	{ "create-client", cli_cmd_create_client },
	{ "create-account-manager", cli_cmd_create_account_manager },
	{ "create-account", cli_cmd_create_account },
	{ "run", cli_cmd_run },
	{ "status", cli_cmd_status },
	{ "put", cli_cmd_put },
	{ "get", cli_cmd_get },
};

int
main(int argc, char **argv)
{
	cli_ctx ctx = { NULL };
	g_autofree char *default_dir = NULL;
	int i;
	size_t k;

	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		const char *a = argv[i];

		if (strcmp(a, "-d") == 0 || strcmp(a, "--node-directory") ==
		    0) {
			if (i + 1 >= argc)
				return cli_usage_error("", TAHOE_USAGE,
				    "%s needs a directory", a);
			ctx.node_dir = argv[++i];
		} else if (g_str_has_prefix(a, "--node-directory=")) {
			ctx.node_dir = a + strlen("--node-directory=");
		} else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			printf("%s", TAHOE_USAGE);
			return CLI_OK;
		} else if (strcmp(a, "--version") == 0) {
			printf("tahoe (%s) %s\n", PACKAGE_NAME,
			    PACKAGE_VERSION);
			return CLI_OK;
		} else {
			return cli_usage_error("", TAHOE_USAGE,
			    "unknown option '%s'", a);
		}
	}
	if (i >= argc)
		return cli_usage_error("", TAHOE_USAGE, "no command given");
	if (ctx.node_dir == NULL) {
		default_dir = g_build_filename(g_get_home_dir(), ".tahoe",
		    NULL);
		ctx.node_dir = default_dir;
	}
	for (k = 0; k < G_N_ELEMENTS(commands); k++)
		if (strcmp(argv[i], commands[k].name) == 0)
			return commands[k].fn(&ctx, argc - i, argv + i);
	return cli_usage_error("", TAHOE_USAGE, "unknown command '%s'",
	    argv[i]);
}

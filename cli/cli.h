/* cli/cli.h -- what the command groups of the `tahoe` program share.
 *
 * Exit statuses: 0 success, 1 a runtime error (one line on stderr), 2 a
 * usage error (one line of reason, then the usage), and command-specific
 * ones documented in their man pages (3: "no" from a check). */
#ifndef CLI_CLI_H
#define CLI_CLI_H

#include <glib.h>

#define CLI_OK		0
#define CLI_ERROR	1
#define CLI_USAGE	2

typedef struct cli_ctx {
	const char	*node_dir;	/* -d/--node-directory, or the default */
} cli_ctx;

/* A command group: 'argv[0]' is its name. */
typedef int cli_cmd_fn(cli_ctx *ctx, int argc, char **argv);

int cli_cmd_grid_manager(cli_ctx *ctx, int argc, char **argv);
int cli_cmd_admin(cli_ctx *ctx, int argc, char **argv);
int cli_cmd_add_grid_manager(cli_ctx *ctx, int argc, char **argv);
int cli_cmd_remove_grid_manager(cli_ctx *ctx, int argc, char **argv);
int cli_cmd_debug(cli_ctx *ctx, int argc, char **argv);
int cli_cmd_create_introducer(cli_ctx *ctx, int argc, char **argv);
int cli_cmd_create_node(cli_ctx *ctx, int argc, char **argv);
int cli_cmd_create_client(cli_ctx *ctx, int argc, char **argv);
int cli_cmd_create_account_manager(cli_ctx *ctx, int argc, char **argv);
int cli_cmd_create_account(cli_ctx *ctx, int argc, char **argv);
/* `tahoe admin accounts` (argv[0] is "accounts"). */
int cli_cmd_admin_accounts(cli_ctx *ctx, int argc, char **argv);
int cli_cmd_run(cli_ctx *ctx, int argc, char **argv);
int cli_cmd_status(cli_ctx *ctx, int argc, char **argv);
int cli_cmd_put(cli_ctx *ctx, int argc, char **argv);
int cli_cmd_get(cli_ctx *ctx, int argc, char **argv);

/* Print "tahoe WHAT: REASON" and the usage 'usage' to stderr; return
 * CLI_USAGE. */
int cli_usage_error(const char *what, const char *usage, const char *fmt,
    ...) G_GNUC_PRINTF(3, 4);
/* Print "tahoe: error: MESSAGE" to stderr; return CLI_ERROR. */
int cli_error(const char *fmt, ...) G_GNUC_PRINTF(1, 2);

/* Parse options of one command level with 'entries'.  Options stop at the
 * first non-option argument.  --help prints 'summary' and the options and
 * returns 0 with *helped set.  An unknown or malformed option is a usage
 * error: return CLI_USAGE after printing it with 'usage'.  On success
 * return -1 (continue) and leave the remaining arguments in argc/argv. */
int cli_parse(const char *what, const char *usage, const char *summary,
    const GOptionEntry *entries, int *argc, char ***argv);

/* Read all of standard input, at most 'max' bytes; NULL with an error if
 * there is more or it cannot be read. */
char *cli_read_stdin(gsize max, gsize *len, GError **error);

/* Call 'method' (no arguments, answers a string) on the running node in
 * 'node_dir' through its private/control.furl, waiting at most 10 s.
 * CLI_OK with *answer set (caller g_free()s); CLI_NODE_NOT_RUNNING when
 * there is no control.furl (the node is not running); CLI_ERROR
 * otherwise.  'error' is set, one line, unless CLI_OK. */
#define CLI_NODE_NOT_RUNNING	(-1)
int cli_node_call(const char *node_dir, const char *method, char **answer,
    GError **error);

/* The current time in microseconds since the epoch, UTC. */
gint64 cli_now_us(void);

#endif

/* cli/cli_node.c -- node directories and running nodes: create-introducer,
 * create-node, create-client, run and status.  The work is in node/
 * (directories, lifecycle) and grid/ (the services); this file turns
 * command lines into calls and results into text. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <jansson.h>
#include <sodium.h>

#include "account/acctnode.h"
#include "cli/cli.h"
#include "grid/gcfg.h"
#include "grid/gnode.h"
#include "grid/json.h"
#include "node/dir.h"
#include "node/node.h"
#include "rpc/common.h"
#include "rpc/conn.h"
#include "rpc/err.h"
#include "rpc/file.h"
#include "rpc/ident.h"
#include "rpc/tub.h"

#define CONTROL_TIMEOUT	10.0	/* seconds for a call to a running node */
#define CONTROL_FURL_MAX	4096	/* bytes of private/control.furl */

/* ---- create-* ---- */

#define CREATE_USAGE(cmd) \
	"usage: tahoe " cmd " [OPTIONS] NODEDIR\n"

/* Write 'furl' (checked) to DIR/account.furl, mode 0600. */
static gboolean
write_account_furl(const char *dir, const char *furl, GError **error)
{
	g_autofree char *path = g_build_filename(dir, "account.furl", NULL);
	g_autofree char *line = g_strconcat(furl, "\n", NULL);
	gboolean ok = rpc_file_write_atomic(path, line, strlen(line), 0600,
	    error);

	sodium_memzero(line, strlen(line));
	return ok;
}

static int
create(cli_ctx *ctx, node_kind kind, const char *cmd, const char *usage,
    node_create_fn *services, int argc, char **argv)
{
	node_create_opts o = { .kind = kind };
	grid_create_opts gopts = { 0, 0, 0, NULL };
	char *nick = NULL, *intro = NULL, *listen = NULL, *port = NULL;
	char *location = NULL, *hostname = NULL, *webport = NULL;
	char *storage_dir = NULL, *account_furl = NULL;
	int need = 0, happy = 0, total = 0;
	g_autoptr(GError) e = NULL;
	const char *dir;
	int r;
	GOptionEntry common[] = {
		{ "nickname", 'n', 0, G_OPTION_ARG_STRING, &nick,
		    "the node's nickname", "NAME" },
		{ "listen", 0, 0, G_OPTION_ARG_STRING, &listen,
		    "tcp (default) or none", "KIND" },
		{ "port", 'p', 0, G_OPTION_ARG_STRING, &port,
		    "tub.port: PORT or tcp:PORT[:interface=ADDR]; 0 picks "
		    "a free port now", "PORT" },
		{ "location", 0, 0, G_OPTION_ARG_STRING, &location,
		    "tub.location: hints others use, tcp:HOST:PORT,...",
		    "HINTS" },
		{ "hostname", 'H', 0, G_OPTION_ARG_STRING, &hostname,
		    "location tcp:HOSTNAME:PORT", "HOSTNAME" },
		{ "webport", 0, 0, G_OPTION_ARG_STRING, &webport,
		    "web.port: PORT or tcp:PORT[:interface=ADDR] (default "
		    "127.0.0.1)", "PORT" },
		{ "introducer", 'i', 0, G_OPTION_ARG_STRING, &intro,
		    "the introducer's FURL", "FURL" },
		{ "shares-needed", 0, 0, G_OPTION_ARG_INT, &need,
		    "shares needed to read a file (default 3)", "K" },
		{ "shares-happy", 0, 0, G_OPTION_ARG_INT, &happy,
		    "servers an upload must reach (default 7)", "H" },
		{ "shares-total", 0, 0, G_OPTION_ARG_INT, &total,
		    "shares per file (default 10)", "N" },
		{ "storage-dir", 0, 0, G_OPTION_ARG_FILENAME, &storage_dir,
		    "where shares are kept (default NODEDIR/storage)", "PATH" },
		{ "account-furl", 0, 0, G_OPTION_ARG_STRING, &account_furl,
		    "use this account (written to NODEDIR/account.furl) "
		    "instead of an introducer", "FURL" },
		{ NULL, 0, 0, 0, NULL, NULL, NULL },
	};

	/* An introducer takes the first six options, none of the client's;
	 * only a storage node takes --storage-dir. */
	if (kind == NODE_KIND_INTRODUCER)
		memset(&common[6], 0, sizeof(common[6]));
	else if (kind != NODE_KIND_NODE)
		memmove(&common[10], &common[11], 2 * sizeof(common[10]));
	r = cli_parse(cmd, usage, "Create a node directory.", common, &argc,
	    &argv);
	if (r >= 0)
		goto out;
	if (argc > 2) {
		r = cli_usage_error(cmd, usage, "unexpected argument '%s'",
		    argv[2]);
		goto out;
	}
	dir = argc == 2 ? argv[1] : ctx->node_dir;
	if (account_furl != NULL) {
		g_autoptr(rpc_furl) f = NULL;

		if (intro != NULL && intro[0] != '\0') {
			r = cli_usage_error(cmd, usage, "--account-furl and "
			    "--introducer exclude each other");
			goto out;
		}
		if (!rpc_furl_parse(account_furl, &f, &e)) {
			r = cli_error("--account-furl: %s", e->message);
			goto out;
		}
	}
	o.nickname = nick;
	o.introducer_furl = intro;
	o.listen = listen;
	o.port = port;
	o.location = location;
	o.hostname = hostname;
	o.webport = webport;
	gopts.shares_needed = need;
	gopts.shares_happy = happy;
	gopts.shares_total = total;
	gopts.storage_dir = storage_dir;
	o.services = services != NULL ? services : grid_create_sections;
	o.services_arg = &gopts;
	if (!node_dir_create(dir, &o, &e)) {
		r = cli_error("%s", e->message);
		goto out;
	}
	if (account_furl != NULL && !write_account_furl(dir, account_furl,
	    &e)) {
		r = cli_error("%s", e->message);
		goto out;
	}
	printf("Node created in %s\n", dir);
	if (services == acct_create_manager_sections) {
		/* Made as an introducer's directory; its marker says what
		 * it is instead. */
		g_autofree char *tac = g_build_filename(dir,
		    "tahoe-introducer.tac", NULL);

		(void)remove(tac);
		printf("At its first start it writes private/new-account.furl, "
		    "private/manage-accounts.furl and private/serverdesk.furl\n");
	} else if (kind == NODE_KIND_INTRODUCER)
		printf("Its FURL is in %s/private/introducer.furl\n", dir);
	printf("Please look at %s/tahoe.cfg, then run 'tahoe -d %s run'.\n",
	    dir, dir);
	r = CLI_OK;
out:
	g_free(nick);
	g_free(intro);
	g_free(listen);
	g_free(port);
	g_free(location);
	g_free(hostname);
	g_free(webport);
	g_free(storage_dir);
	if (account_furl != NULL)
		sodium_memzero(account_furl, strlen(account_furl));
	g_free(account_furl);
	return r;
}

int
cli_cmd_create_introducer(cli_ctx *ctx, int argc, char **argv)
{
	return create(ctx, NODE_KIND_INTRODUCER, "create-introducer",
	    CREATE_USAGE("create-introducer"), NULL, argc, argv);
}

int
cli_cmd_create_node(cli_ctx *ctx, int argc, char **argv)
{
	return create(ctx, NODE_KIND_NODE, "create-node",
	    CREATE_USAGE("create-node"), NULL, argc, argv);
}

int
cli_cmd_create_client(cli_ctx *ctx, int argc, char **argv)
{
	return create(ctx, NODE_KIND_CLIENT, "create-client",
	    CREATE_USAGE("create-client"), NULL, argc, argv);
}

int
cli_cmd_create_account_manager(cli_ctx *ctx, int argc, char **argv)
{
	return create(ctx, NODE_KIND_INTRODUCER, "create-account-manager",
	    CREATE_USAGE("create-account-manager"),
	    acct_create_manager_sections, argc, argv);
}

/* ---- run ---- */

#define RUN_USAGE "usage: tahoe [-d NODEDIR] run [NODEDIR]\n"

struct running {
	grid_node	*g;
	acct_node	*a;
};

static void
stop_services(void *arg)
{
	struct running *s = arg;

	acct_node_stop(s->a);
	grid_node_stop(s->g);
}

int
cli_cmd_run(cli_ctx *ctx, int argc, char **argv)
{
	struct ev_loop *loop;
	g_autoptr(GError) e = NULL;
	const char *dir;
	struct running s = { NULL, NULL };
	node *n;
	int r;

	r = cli_parse("run", RUN_USAGE, "Run a node in the foreground until "
	    "SIGINT or SIGTERM.", NULL, &argc, &argv);
	if (r >= 0)
		return r;
	if (argc > 2)
		return cli_usage_error("run", RUN_USAGE,
		    "unexpected argument '%s'", argv[2]);
	dir = argc == 2 ? argv[1] : ctx->node_dir;
	loop = ev_default_loop(0);
	if ((n = node_open(loop, dir, &e)) == NULL)
		return cli_error("%s", e->message);
	/* An account manager runs account services only; every other node
	 * runs grid's, and account's if its files ask for them. */
	if (!node_start(n, &e) || (!acct_node_is_manager(dir) &&
	    (s.g = grid_node_start(n, &e)) == NULL) ||
	    (s.a = acct_node_start(n, s.g, &e)) == NULL) {
		/* Into the log, and once to stderr. */
		g_message("cannot start: %s", e->message);
		grid_node_stop(s.g);
		node_free(n);
		return cli_error("%s", e->message);
	}
	r = node_run(n, stop_services, &s);
	node_free(n);
	return r;
}

/* ---- status ---- */

#define STATUS_USAGE "usage: tahoe [-d NODEDIR] status [--json]\n"

struct call_req {
	struct ev_loop	*loop;
	const char	*method;
	char		*answer;
	char		*error;
	gboolean	 done;
	gboolean	 timed_out;
};

static void
call_answer(const msgpack_object *result, const rpc_refctx *refs,
    const GError *err, void *arg)
{
	struct call_req *q = arg;

	RPC_UNUSED(refs);
	q->done = TRUE;
	ev_break(q->loop, EVBREAK_ALL);
	if (err != NULL) {
		q->error = g_strdup(err->message);
		return;
	}
	if (result->type != MSGPACK_OBJECT_STR) {
		q->error = g_strdup("the node answered something else");
		return;
	}
	q->answer = g_strndup(result->via.str.ptr, result->via.str.size);
}

static void
call_got_ref(rpc_ref *ref, const GError *err, void *arg)
{
	struct call_req *q = arg;

	if (ref == NULL) {
		q->done = TRUE;
		q->error = g_strdup_printf("cannot reach the node: %s",
		    err->message);
		ev_break(q->loop, EVBREAK_ALL);
		return;
	}
	rpc_ref_call(ref, q->method, NULL, call_answer, q);
	rpc_ref_unref(ref);
}

static void
call_timeout(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct call_req *q = w->data;

	(void)revents;
	q->timed_out = TRUE;
	ev_break(loop, EVBREAK_ALL);
}

int
cli_node_call(const char *node_dir, const char *method, char **answer,
    GError **error)
{
	g_autofree char *path = NULL, *furl = NULL;
	g_autoptr(GError) e = NULL;
	struct call_req q = { NULL, method, NULL, NULL, FALSE, FALSE };
	struct ev_loop *loop;
	ev_timer timer;
	rpc_tub *tub;
	size_t len = 0;

	*answer = NULL;
	path = g_build_filename(node_dir, "private", "control.furl", NULL);
	if (!g_file_test(path, G_FILE_TEST_EXISTS)) {
		g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_NOENT,
		    "%s: no control.furl: is the node running?", node_dir);
		return CLI_NODE_NOT_RUNNING;
	}
	if (!rpc_file_read_capped(path, CONTROL_FURL_MAX, &furl, &len, &e)) {
		if (g_error_matches(e, RPC_ERROR, RPC_E_TOOBIG))
			g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
			    "%s: not a FURL file", path);
		else
			g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_NOENT,
			    "%s: no control.furl: is the node running?",
			    node_dir);
		return CLI_ERROR;
	}
	g_strstrip(furl);
	loop = ev_loop_new(EVFLAG_AUTO);
	q.loop = loop;
	tub = rpc_tub_new(loop, rpc_ident_new(), NULL);
	rpc_tub_get_ref(tub, furl, call_got_ref, &q);
	sodium_memzero(furl, len);	/* the call keeps its own copy */
	ev_timer_init(&timer, call_timeout, CONTROL_TIMEOUT, 0);
	timer.data = &q;
	ev_timer_start(loop, &timer);
	ev_run(loop, 0);
	ev_timer_stop(loop, &timer);
	rpc_tub_free(tub);
	ev_loop_destroy(loop);
	if (q.timed_out) {
		g_free(q.error);
		g_free(q.answer);
		g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_AGAIN,
		    "%s: the node did not answer within %.0f s", node_dir,
		    CONTROL_TIMEOUT);
		return CLI_ERROR;
	}
	if (q.error != NULL) {
		g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_FAILED, "%s: %s",
		    node_dir, q.error);
		g_free(q.error);
		g_free(q.answer);
		return CLI_ERROR;
	}
	*answer = q.answer;
	return CLI_OK;
}

/* Print the status document 'doc' as text, laid out by the node's own
 * section and grid's for the kind of node it says it is. */
static void
print_status(json_t *doc)
{
	g_autoptr(node_status_layout) l = node_status_layout_new();
	g_autofree char *text = NULL;
	const char *kind = grid_json_str(doc, "kind");

	/* Grid's sections, then account's; an account manager has only
	 * account's. */
	if (kind == NULL || strcmp(kind, "account-manager") != 0)
		grid_status_layout_add(l, kind);
	(void)acct_status_layout_add(l, kind, doc);
	node_status_repair(doc);
	text = node_status_text(doc, l);
	fputs(text, stdout);
}

int
cli_cmd_status(cli_ctx *ctx, int argc, char **argv)
{
	gboolean json = FALSE;
	GOptionEntry entries[] = {
		{ "json", 0, 0, G_OPTION_ARG_NONE, &json,
		    "print the status as JSON", NULL },
		{ NULL, 0, 0, 0, NULL, NULL, NULL },
	};
	g_autoptr(GError) e = NULL;
	g_autoptr(json_t) root = NULL;
	g_autofree char *text = NULL;
	int r;

	r = cli_parse("status", STATUS_USAGE, "Show what a running node "
	    "knows: its introducer and storage servers.", entries, &argc,
	    &argv);
	if (r >= 0)
		return r;
	if (argc > 1)
		return cli_usage_error("status", STATUS_USAGE,
		    "unexpected argument '%s'", argv[1]);
	if (cli_node_call(ctx->node_dir, "get_status", &text, &e) != CLI_OK)
		return cli_error("%s", e->message);
	/* From another process: strict JSON, an object, shallow. */
	root = grid_json_load(text, strlen(text), "the node's status", &e);
	if (root == NULL)
		return cli_error("%s", e->message);
	if (json)
		printf("%s\n", text);
	else
		print_status(root);
	return CLI_OK;
}

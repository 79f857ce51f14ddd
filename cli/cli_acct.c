/* cli/cli_acct.c -- `tahoe create-account`: ask an account manager's
 * new-account object for an account and keep its FURL in a client's
 * directory (doc/accounts.md).  The work is a single remote call. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "cli/cli.h"
#include "rpc/common.h"
#include "rpc/conn.h"
#include "rpc/err.h"
#include "rpc/file.h"
#include "rpc/ident.h"
#include "rpc/tub.h"

#define CREATE_ACCOUNT_USAGE \
	"usage: tahoe create-account (--new-account-furl FURL | " \
	"--new-account-furl-file PATH) NAME [CLIENTDIR]\n"
#define CREATE_TIMEOUT	30.0	/* seconds for the whole exchange */
#define FURL_FILE_MAX	4096	/* bytes of a new-account.furl file */
#define ACCOUNT_FURL_MAX 1024

struct req {
	struct ev_loop	*loop;
	char		*name;
	char		*furl;		/* the answer (secret) */
	char		*error;
	gboolean	 done;
};

static void
answered(const msgpack_object *result, const rpc_refctx *refs,
    const GError *err, void *arg)
{
	struct req *q = arg;

	RPC_UNUSED(refs);
	q->done = TRUE;
	ev_break(q->loop, EVBREAK_ALL);
	if (err != NULL) {
		q->error = g_strdup(err->message);
		return;
	}
	if (result->type != MSGPACK_OBJECT_STR ||
	    result->via.str.size > ACCOUNT_FURL_MAX ||
	    memchr(result->via.str.ptr, 0, result->via.str.size) != NULL) {
		q->error = g_strdup("the account manager answered something "
		    "else than a FURL");
		return;
	}
	q->furl = g_strndup(result->via.str.ptr, result->via.str.size);
}

static void
got_ref(rpc_ref *ref, const GError *err, void *arg)
{
	struct req *q = arg;
	rpc_pack *p;

	if (ref == NULL) {
		q->done = TRUE;
		q->error = g_strdup_printf("cannot reach the new-account "
		    "object: %s", err->message);
		ev_break(q->loop, EVBREAK_ALL);
		return;
	}
	p = rpc_pack_new();
	rpc_pack_array(p, 1);
	rpc_pack_str(p, q->name);
	rpc_ref_call(ref, "create_account", p, answered, q);
	rpc_ref_unref(ref);
}

static void
timed_out(struct ev_loop *loop, ev_timer *w, int revents)
{
	RPC_UNUSED(w);
	RPC_UNUSED(revents);
	ev_break(loop, EVBREAK_ALL);
}

int
cli_cmd_create_account(cli_ctx *ctx, int argc, char **argv)
{
	char *furl_opt = NULL, *furl_file = NULL;
	GOptionEntry entries[] = {
		{ "new-account-furl", 0, 0, G_OPTION_ARG_STRING, &furl_opt,
		    "the account manager's new-account FURL", "FURL" },
		{ "new-account-furl-file", 0, 0, G_OPTION_ARG_FILENAME,
		    &furl_file, "a file holding it (private/new-account.furl "
		    "of the manager)", "PATH" },
		{ NULL, 0, 0, 0, NULL, NULL, NULL },
	};
	struct req q = { NULL, NULL, NULL, NULL, FALSE };
	g_autoptr(GError) e = NULL;
	char *furl = NULL;
	struct ev_loop *loop;
	ev_timer timer;
	rpc_tub *tub;
	size_t len = 0;
	int r;

	RPC_UNUSED(ctx);
	r = cli_parse("create-account", CREATE_ACCOUNT_USAGE, "Create an "
	    "account at an account manager and write its FURL to "
	    "CLIENTDIR/account.furl (or print it).", entries, &argc, &argv);
	if (r >= 0)
		goto out;
	if ((furl_opt == NULL) == (furl_file == NULL)) {
		r = cli_usage_error("create-account", CREATE_ACCOUNT_USAGE,
		    "give exactly one of --new-account-furl and "
		    "--new-account-furl-file");
		goto out;
	}
	if (argc < 2 || argc > 3) {
		r = cli_usage_error("create-account", CREATE_ACCOUNT_USAGE,
		    argc < 2 ? "missing NAME" : "unexpected argument '%s'",
		    argc < 2 ? "" : argv[3]);
		goto out;
	}
	if (furl_file != NULL) {
		if (!rpc_file_read_capped(furl_file, FURL_FILE_MAX, &furl,
		    &len, &e)) {
			r = cli_error("%s", e->message);
			goto out;
		}
		g_strstrip(furl);
	} else {
		furl = g_strdup(furl_opt);
	}
	q.name = argv[1];
	loop = ev_loop_new(EVFLAG_AUTO);
	q.loop = loop;
	tub = rpc_tub_new(loop, rpc_ident_new(), NULL);
	rpc_tub_get_ref(tub, furl, got_ref, &q);
	ev_timer_init(&timer, timed_out, CREATE_TIMEOUT, 0);
	ev_timer_start(loop, &timer);
	ev_run(loop, 0);
	ev_timer_stop(loop, &timer);
	rpc_tub_free(tub);
	ev_loop_destroy(loop);
	if (!q.done) {
		r = cli_error("the account manager did not answer within "
		    "%.0f s", CREATE_TIMEOUT);
		goto out;
	}
	if (q.error != NULL) {
		r = cli_error("%s", q.error);
		goto out;
	}
	if (argc == 3) {
		g_autofree char *path = g_build_filename(argv[2],
		    "account.furl", NULL);
		g_autofree char *line = g_strconcat(q.furl, "\n", NULL);
		gboolean ok = rpc_file_write_atomic(path, line, strlen(line),
		    0600, &e);

		sodium_memzero(line, strlen(line));
		if (!ok) {
			r = cli_error("%s", e->message);
			goto out;
		}
		printf("Account '%s' created; its FURL is in %s\n", q.name,
		    path);
	} else {
		printf("%s\n", q.furl);
	}
	r = CLI_OK;
out:
	if (furl != NULL) {
		sodium_memzero(furl, strlen(furl));
		g_free(furl);
	}
	if (q.furl != NULL) {
		sodium_memzero(q.furl, strlen(q.furl));
		g_free(q.furl);
	}
	g_free(q.error);
	g_free(furl_opt);
	g_free(furl_file);
	return r;
}

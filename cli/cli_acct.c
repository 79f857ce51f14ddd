/* cli/cli_acct.c -- `tahoe create-account` (ask an account manager's
 * new-account object for an account and keep its FURL in a client's
 * directory) and `tahoe manage-accounts` (list accounts, set an
 * account's status and quota).  See doc/accounts.md.  Each is a single
 * remote call. */
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

enum { K_CREATE, K_LIST, K_NIL };

struct req {
	struct ev_loop	*loop;
	const char	*method;
	rpc_pack	*args;		/* given to the call */
	int		 kind;
	char		*furl;		/* K_CREATE: the answer (secret) */
	GString		*out;		/* K_LIST: the text to print */
	char		*error;
	gboolean	 done;
};

/* One account of a list() answer as a line of text. */
static gboolean
list_line(GString *out, const msgpack_object *m)
{
	const msgpack_object *num, *name, *st, *quota, *created;
	g_autoptr(GDateTime) t = NULL;
	g_autofree char *when = NULL;

	if (m->type != MSGPACK_OBJECT_MAP)
		return FALSE;
	num = rpc_mp_map_get(m, "num");
	name = rpc_mp_map_get(m, "name");
	st = rpc_mp_map_get(m, "status");
	quota = rpc_mp_map_get(m, "quota");
	created = rpc_mp_map_get(m, "created");
	if (num == NULL || num->type != MSGPACK_OBJECT_POSITIVE_INTEGER ||
	    name == NULL || name->type != MSGPACK_OBJECT_STR ||
	    st == NULL || st->type != MSGPACK_OBJECT_STR ||
	    quota == NULL || (quota->type != MSGPACK_OBJECT_NIL &&
	    quota->type != MSGPACK_OBJECT_POSITIVE_INTEGER) ||
	    created == NULL ||
	    created->type != MSGPACK_OBJECT_POSITIVE_INTEGER ||
	    created->via.u64 > G_MAXINT32 * 100ull)
		return FALSE;
	t = g_date_time_new_from_unix_utc((gint64)created->via.u64);
	when = t != NULL ? g_date_time_format(t, "%Y-%m-%dT%H:%M:%SZ") :
	    g_strdup("-");
	g_string_append_printf(out, "%-8" G_GUINT64_FORMAT " %-12.*s %-10.*s ",
	    num->via.u64, (int)MIN(name->via.str.size, 256),
	    name->via.str.ptr, (int)MIN(st->via.str.size, 16),
	    st->via.str.ptr);
	if (quota->type == MSGPACK_OBJECT_NIL)
		g_string_append_printf(out, "%-14s", "none");
	else
		g_string_append_printf(out, "%-14" G_GUINT64_FORMAT,
		    quota->via.u64);
	g_string_append_printf(out, " %s\n", when);
	return TRUE;
}

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
	if (q->kind == K_NIL)
		return;
	if (q->kind == K_LIST) {
		guint32 i;

		if (result->type != MSGPACK_OBJECT_ARRAY) {
			q->error = g_strdup("the account manager answered "
			    "something else than a list");
			return;
		}
		for (i = 0; i < result->via.array.size; i++)
			if (!list_line(q->out, &result->via.array.ptr[i])) {
				q->error = g_strdup("the account manager "
				    "answered a malformed account");
				return;
			}
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
		q->error = g_strdup_printf("cannot reach the account "
		    "manager's object: %s", err->message);
		ev_break(q->loop, EVBREAK_ALL);
		return;
	}
	p = g_steal_pointer(&q->args);
	rpc_ref_call(ref, q->method, p, answered, q);
	rpc_ref_unref(ref);
}

static void
timed_out(struct ev_loop *loop, ev_timer *w, int revents)
{
	RPC_UNUSED(w);
	RPC_UNUSED(revents);
	ev_break(loop, EVBREAK_ALL);
}

/* Call 'q->method' with 'q->args' on the object at 'furl' (borrowed)
 * and wait for the answer; return FALSE with a message for the user. */
static gboolean
call_once(struct req *q, const char *furl, char **error)
{
	struct ev_loop *loop = ev_loop_new(EVFLAG_AUTO);
	ev_timer timer;
	rpc_tub *tub;

	q->loop = loop;
	tub = rpc_tub_new(loop, rpc_ident_new(), NULL);
	rpc_tub_get_ref(tub, furl, got_ref, q);
	ev_timer_init(&timer, timed_out, CREATE_TIMEOUT, 0);
	ev_timer_start(loop, &timer);
	ev_run(loop, 0);
	ev_timer_stop(loop, &timer);
	rpc_tub_free(tub);
	ev_loop_destroy(loop);
	rpc_pack_free(g_steal_pointer(&q->args));
	if (!q->done) {
		*error = g_strdup_printf("the account manager did not answer "
		    "within %.0f s", CREATE_TIMEOUT);
		return FALSE;
	}
	if (q->error != NULL) {
		*error = g_steal_pointer(&q->error);
		return FALSE;
	}
	return TRUE;
}

/* The FURL given as 'opt' or in the file 'file' (exactly one is set):
 * a new string (a capability: wipe it), or NULL with a message. */
static char *
furl_from(const char *opt, const char *file, char **error)
{
	g_autoptr(GError) e = NULL;
	char *furl = NULL;
	size_t len = 0;

	if (opt != NULL)
		return g_strdup(opt);
	if (!rpc_file_read_capped(file, FURL_FILE_MAX, &furl, &len, &e)) {
		*error = g_strdup(e->message);
		return NULL;
	}
	return g_strstrip(furl);
}

#define MANAGE_USAGE \
	"usage: tahoe manage-accounts (--manage-accounts-furl FURL | " \
	"--manage-accounts-furl-file PATH)\n" \
	"           (list [OFFSET [LIMIT]] | set NUM STATUS [QUOTA|none])\n"

int
cli_cmd_manage_accounts(cli_ctx *ctx, int argc, char **argv)
{
	char *furl_opt = NULL, *furl_file = NULL;
	GOptionEntry entries[] = {
		{ "manage-accounts-furl", 0, 0, G_OPTION_ARG_STRING,
		    &furl_opt, "the account manager's manage-accounts FURL",
		    "FURL" },
		{ "manage-accounts-furl-file", 0, 0, G_OPTION_ARG_FILENAME,
		    &furl_file, "a file holding it "
		    "(private/manage-accounts.furl of the manager)", "PATH" },
		{ NULL, 0, 0, 0, NULL, NULL, NULL },
	};
	struct req q = { NULL, NULL, NULL, K_NIL, NULL, NULL, NULL, FALSE };
	g_autofree char *why = NULL;
	char *furl = NULL;
	guint64 a = 0, b = 100;
	int r;

	RPC_UNUSED(ctx);
	r = cli_parse("manage-accounts", MANAGE_USAGE, "List the accounts "
	    "of an account manager, or set an account's status (active, "
	    "disabled, terminated) and quota (bytes per server).", entries,
	    &argc, &argv);
	if (r >= 0)
		goto out;
	if ((furl_opt == NULL) == (furl_file == NULL)) {
		r = cli_usage_error("manage-accounts", MANAGE_USAGE, "give "
		    "exactly one of --manage-accounts-furl and "
		    "--manage-accounts-furl-file");
		goto out;
	}
	q.args = rpc_pack_new();
	if (argc >= 2 && strcmp(argv[1], "list") == 0 && argc <= 4 &&
	    (argc < 3 || g_ascii_string_to_unsigned(argv[2], 10, 0,
	    G_MAXINT64, &a, NULL)) &&
	    (argc < 4 || g_ascii_string_to_unsigned(argv[3], 10, 0, 1000, &b,
	    NULL))) {
		q.method = "list";
		q.kind = K_LIST;
		q.out = g_string_new(NULL);
		rpc_pack_array(q.args, 2);
		rpc_pack_uint(q.args, a);
		rpc_pack_uint(q.args, b);
	} else if (argc >= 4 && argc <= 5 && strcmp(argv[1], "set") == 0 &&
	    g_ascii_string_to_unsigned(argv[2], 10, 1, G_MAXINT32, &a,
	    NULL) && (strcmp(argv[3], "active") == 0 ||
	    strcmp(argv[3], "disabled") == 0 ||
	    strcmp(argv[3], "terminated") == 0) &&
	    (argc < 5 || strcmp(argv[4], "none") == 0 ||
	    g_ascii_string_to_unsigned(argv[4], 10, 0, G_MAXINT64, &b,
	    NULL))) {
		q.method = "set_account";
		rpc_pack_array(q.args, 3);
		rpc_pack_uint(q.args, a);
		rpc_pack_str(q.args, argv[3]);
		if (argc < 5 || strcmp(argv[4], "none") == 0)
			rpc_pack_nil(q.args);
		else
			rpc_pack_uint(q.args, b);
	} else {
		r = cli_usage_error("manage-accounts", MANAGE_USAGE,
		    "expected 'list [OFFSET [LIMIT]]' or 'set NUM "
		    "active|disabled|terminated [QUOTA|none]'");
		goto out;
	}
	if ((furl = furl_from(furl_opt, furl_file, &why)) == NULL) {
		r = cli_error("%s", why);
		goto out;
	}
	if (!call_once(&q, furl, &why)) {
		r = cli_error("%s", why);
		goto out;
	}
	if (q.kind == K_LIST)
		fputs(q.out->str, stdout);
	else
		printf("Account %s set to %s\n", argv[2], argv[3]);
	r = CLI_OK;
out:
	rpc_pack_free(q.args);
	if (q.out != NULL)
		g_string_free(q.out, TRUE);
	if (furl != NULL) {
		sodium_memzero(furl, strlen(furl));
		g_free(furl);
	}
	g_free(q.error);
	g_free(furl_opt);
	g_free(furl_file);
	return r;
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
	struct req q = { NULL, "create_account", NULL, K_CREATE, NULL, NULL,
	    NULL, FALSE };
	g_autoptr(GError) e = NULL;
	g_autofree char *why = NULL;
	char *furl = NULL;
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
	if ((furl = furl_from(furl_opt, furl_file, &why)) == NULL) {
		r = cli_error("%s", why);
		goto out;
	}
	q.args = rpc_pack_new();
	rpc_pack_array(q.args, 1);
	rpc_pack_str(q.args, argv[1]);
	if (!call_once(&q, furl, &why)) {
		r = cli_error("%s", why);
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
		printf("Account '%s' created; its FURL is in %s\n", argv[1],
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

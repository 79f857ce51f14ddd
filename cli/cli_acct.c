/* cli/cli_acct.c -- `tahoe create-account` (ask an account manager's
 * new-account object for an account and keep its FURL in a client's
 * directory) and `tahoe admin accounts` (the operator's commands over
 * manage-accounts: list with usage, show, set-quota, disable, enable,
 * terminate).  See doc/accounts.md.  Each call is one connection with a
 * time limit. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include <jansson.h>

#include "cli/cli.h"
#include "cli/size.h"
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

#define ANSWER_DEPTH	6	/* nesting of a manage-accounts answer */

/* Also in node/status.h and grid/json.h; whichever comes first. */
#ifndef JSON_T_AUTOPTR_DEFINED
#define JSON_T_AUTOPTR_DEFINED
G_DEFINE_AUTOPTR_CLEANUP_FUNC(json_t, json_decref)
#endif

enum { K_CREATE, K_JSON };

struct req {
	struct ev_loop	*loop;
	const char	*method;
	rpc_pack	*args;		/* given to the call */
	int		 kind;
	char		*furl;		/* K_CREATE: the answer (secret) */
	char		*error;
	gboolean	 done;
	json_t		*json;		/* K_JSON: the answer */
};

static json_t *answer_json(const msgpack_object *o, int depth);

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
	if (q->kind == K_JSON) {
		if ((q->json = answer_json(result, ANSWER_DEPTH)) == NULL)
			q->error = g_strdup("the account manager answered "
			    "something malformed");
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
	    FALSE, NULL };
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

/* ---- tahoe admin accounts ---- */

#define ACCOUNTS_USAGE \
	"usage: tahoe admin accounts (--manage-accounts-furl FURL | " \
	"-d AMDIR) COMMAND\n" \
	"commands:\n" \
	"  list [--offset N] [--limit N] [--json]   accounts, with usage\n" \
	"  show NUM [--json]                        one account, usage per " \
	"server\n" \
	"  set-quota NUM SIZE|none                  quota in total (10G, " \
	"500MB, 2GiB)\n" \
	"  disable NUM | enable NUM                 refuse or allow uploads\n" \
	"  terminate NUM                            end the account for " \
	"good\n"
#define LIST_PAGE	100	/* accounts per list_usage() (ACCT_USAGES_MAX) */
#define SHOWN_NAME_MAX	24	/* characters of a name in the table */

/* A manage-accounts answer as JSON: maps with string keys, arrays,
 * integers, strings, nil; NULL for anything else (or deeper than
 * 'depth'). */
static json_t *
answer_json(const msgpack_object *o, int depth)
{
	json_t *j;
	guint32 i;

	if (depth <= 0)
		return NULL;
	switch (o->type) {
	case MSGPACK_OBJECT_NIL:
		return json_null();
	case MSGPACK_OBJECT_POSITIVE_INTEGER:
		return o->via.u64 > G_MAXINT64 ? NULL :
		    json_integer((json_int_t)o->via.u64);
	case MSGPACK_OBJECT_NEGATIVE_INTEGER:
		return json_integer((json_int_t)o->via.i64);
	case MSGPACK_OBJECT_STR: {
		g_autofree char *t = g_utf8_make_valid(o->via.str.ptr,
		    (gssize)o->via.str.size);

		return json_string(t);
	}
	case MSGPACK_OBJECT_ARRAY:
		j = json_array();
		for (i = 0; i < o->via.array.size; i++) {
			json_t *v = answer_json(&o->via.array.ptr[i],
			    depth - 1);

			if (v == NULL) {
				json_decref(j);
				return NULL;
			}
			json_array_append_new(j, v);
		}
		return j;
	case MSGPACK_OBJECT_MAP:
		j = json_object();
		for (i = 0; i < o->via.map.size; i++) {
			const msgpack_object_kv *kv = &o->via.map.ptr[i];
			g_autofree char *k = NULL;
			json_t *v;

			if (kv->key.type != MSGPACK_OBJECT_STR ||
			    kv->key.via.str.size > 64 ||
			    (v = answer_json(&kv->val, depth - 1)) == NULL) {
				json_decref(j);
				return NULL;
			}
			k = g_strndup(kv->key.via.str.ptr,
			    kv->key.via.str.size);
			json_object_set_new(j, k, v);
		}
		return j;
	default:
		return NULL;
	}
}

/* Strings from the manager (names, nicknames, errors) are shown on a
 * terminal: valid UTF-8, control characters as '?'. */
static char *
shown(const char *s)
{
	char *t = g_utf8_make_valid(s != NULL ? s : "", -1);
	char *p;

	for (p = t; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
	return t;
}

static const char *
jstr(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s != NULL ? s : "";
}

/* Member 'key' of 'o' as a count or size, -1 if it is not one. */
static gint64
jnum(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	return json_is_integer(v) && json_integer_value(v) >= 0 ?
	    (gint64)json_integer_value(v) : -1;
}

static char *
size_text(gint64 v)
{
	return v < 0 ? g_strdup("none") : cli_size_format((guint64)v);
}

static char *
time_text(gint64 t)
{
	g_autoptr(GDateTime) d = t >= 0 ? g_date_time_new_from_unix_utc(t) :
	    NULL;

	return d != NULL ? g_date_time_format(d, "%Y-%m-%d %H:%M") :
	    g_strdup("-");
}

/* A manage-accounts call: 'method'(num[, quota]) or (offset, limit). */
static json_t *
manage_call(const char *furl, const char *method, rpc_pack *args,
    char **why)
{
	struct req q = { NULL, method, args, K_JSON, NULL, NULL, FALSE, NULL };

	if (!call_once(&q, furl, why))
		return NULL;
	return q.json;
}

static rpc_pack *
num_args(guint64 num)
{
	rpc_pack *p = rpc_pack_new();

	rpc_pack_array(p, 1);
	rpc_pack_uint(p, num);
	return p;
}

/* Warn on stderr about the servers of 'per_server' that were not
 * counted (each with its error). */
static void
warn_missing(json_t *ans)
{
	json_t *ps = json_object_get(ans, "per_server"), *s;
	gint64 counted = jnum(ans, "servers_counted");
	gint64 registered = jnum(ans, "servers_registered");
	size_t i;

	if (counted == registered)
		return;
	fprintf(stderr, "warning: %" G_GINT64_FORMAT " of %" G_GINT64_FORMAT
	    " storage servers did not answer; usage counts only the others\n",
	    registered - counted, registered);
	json_array_foreach(ps, i, s) {
		g_autofree char *n = shown(jstr(s, "nickname"));
		g_autofree char *e = shown(jstr(s, "error"));

		if (json_object_get(s, "error") != NULL)
			fprintf(stderr, "warning: server %s (%.20s...): %s\n",
			    n, jstr(s, "key"), e);
	}
}

static void
print_json(json_t *j)
{
	char *t = json_dumps(j, JSON_INDENT(2) | JSON_SORT_KEYS);

	printf("%s\n", t != NULL ? t : "null");
	free(t);
}

/* The JSON of list and show: per_server errors only ("servers_missing"),
 * then the figures. */
static json_t *
missing_of(json_t *ans)
{
	json_t *out = json_array(), *s;
	size_t i;

	json_array_foreach(json_object_get(ans, "per_server"), i, s)
		if (json_object_get(s, "error") != NULL)
			json_array_append(out, s);
	return out;
}

static int
accounts_list(const char *furl, guint64 offset, guint64 limit,
    gboolean as_json)
{
	g_autoptr(json_t) all = json_array();
	g_autoptr(json_t) last = NULL;
	g_autofree char *why = NULL;
	json_t *a;
	guint64 done = 0;
	size_t i;

	/* Pages of LIST_PAGE: each costs one call per server. */
	while (done < limit) {
		guint64 n = MIN(limit - done, LIST_PAGE);
		rpc_pack *p = rpc_pack_new();
		json_t *accts;

		rpc_pack_array(p, 2);
		rpc_pack_uint(p, offset + done);
		rpc_pack_uint(p, n);
		json_decref(last);
		if ((last = manage_call(furl, "list_usage", p, &why)) == NULL)
			return cli_error("%s", why);
		accts = json_object_get(last, "accounts");
		if (!json_is_array(accts) || jnum(last, "servers_counted") < 0)
			return cli_error("the account manager answered "
			    "something else than a list of accounts");
		json_array_extend(all, accts);
		done += n;
		if (json_array_size(accts) < n)
			break;
	}
	if (as_json) {
		g_autoptr(json_t) out = json_object();

		json_object_set(out, "accounts", all);
		json_object_set_new(out, "servers_counted",
		    json_integer(jnum(last, "servers_counted")));
		json_object_set_new(out, "servers_registered",
		    json_integer(jnum(last, "servers_registered")));
		json_object_set_new(out, "servers_missing", missing_of(last));
		print_json(out);
	} else {
		printf("%-6s %-*s %-10s %10s %10s %6s  %s\n", "NUM",
		    SHOWN_NAME_MAX, "NAME", "STATUS", "QUOTA", "USAGE",
		    "SHARES", "CREATED (UTC)");
		json_array_foreach(all, i, a) {
			g_autofree char *name = shown(jstr(a, "name"));
			g_autofree char *quota = size_text(jnum(a, "quota"));
			g_autofree char *usage = size_text(jnum(a, "usage"));
			g_autofree char *when = time_text(jnum(a, "created"));
			g_autofree char *st = shown(jstr(a, "status"));

			printf("%-6" G_GINT64_FORMAT " %-*.*s %-10.10s %10s "
			    "%10s %6" G_GINT64_FORMAT "  %s\n", jnum(a, "num"),
			    SHOWN_NAME_MAX, SHOWN_NAME_MAX, name, st, quota,
			    usage, jnum(a, "shares"), when);
		}
	}
	warn_missing(last);
	return CLI_OK;
}

static int
accounts_show(const char *furl, guint64 num, gboolean as_json)
{
	g_autoptr(json_t) acct = NULL, use = NULL;
	g_autofree char *why = NULL;
	json_t *s;
	size_t i;

	if ((acct = manage_call(furl, "get", num_args(num), &why)) == NULL ||
	    (use = manage_call(furl, "usage", num_args(num), &why)) == NULL)
		return cli_error("%s", why);
	if (jnum(use, "total") < 0 ||
	    !json_is_array(json_object_get(use, "per_server")))
		return cli_error("the account manager answered something "
		    "else than an account's usage");
	if (as_json) {
		json_object_set(acct, "usage", json_object_get(use, "total"));
		json_object_set(acct, "shares", json_object_get(use,
		    "shares"));
		json_object_set(acct, "per_server", json_object_get(use,
		    "per_server"));
		json_object_set(acct, "servers_counted", json_object_get(use,
		    "servers_counted"));
		json_object_set(acct, "servers_registered",
		    json_object_get(use, "servers_registered"));
		print_json(acct);
	} else {
		g_autofree char *name = shown(jstr(acct, "name"));
		g_autofree char *st = shown(jstr(acct, "status"));
		g_autofree char *quota = size_text(jnum(acct, "quota"));
		g_autofree char *usage = size_text(jnum(use, "total"));
		g_autofree char *when = time_text(jnum(acct, "created"));

		printf("Account %" G_GINT64_FORMAT ": %s\n", jnum(acct, "num"),
		    name);
		printf("  status:   %s\n  quota:    %s\n  usage:    %s in "
		    "%" G_GINT64_FORMAT " shares (%" G_GINT64_FORMAT " of %"
		    G_GINT64_FORMAT " servers counted)\n  created:  %s UTC\n",
		    st, quota, usage, jnum(use, "shares"),
		    jnum(use, "servers_counted"),
		    jnum(use, "servers_registered"), when);
		json_array_foreach(json_object_get(use, "per_server"), i, s) {
			g_autofree char *n = shown(jstr(s, "nickname"));
			g_autofree char *b = size_text(jnum(s, "bytes"));
			g_autofree char *e = shown(jstr(s, "error"));

			if (json_object_get(s, "error") != NULL)
				printf("  server %-16s not counted: %s\n", n,
				    e);
			else
				printf("  server %-16s %s in %" G_GINT64_FORMAT
				    " shares\n", n, b, jnum(s, "shares"));
		}
	}
	warn_missing(use);
	return CLI_OK;
}

/* set-quota, disable, enable, terminate: one call, one line. */
static int
accounts_set(const char *furl, const char *cmd, guint64 num, gint64 quota)
{
	g_autoptr(json_t) a = NULL;
	g_autofree char *why = NULL, *name = NULL, *size = NULL;
	const char *method = strcmp(cmd, "set-quota") == 0 ? "set_quota" : cmd;
	rpc_pack *p = rpc_pack_new();

	rpc_pack_array(p, strcmp(cmd, "set-quota") == 0 ? 2 : 1);
	rpc_pack_uint(p, num);
	if (strcmp(cmd, "set-quota") == 0) {
		if (quota < 0)
			rpc_pack_nil(p);
		else
			rpc_pack_int(p, quota);
	}
	if ((a = manage_call(furl, method, p, &why)) == NULL)
		return cli_error("%s", why);
	name = shown(jstr(a, "name"));
	if (strcmp(cmd, "set-quota") == 0) {
		size = size_text(jnum(a, "quota"));
		if (jnum(a, "quota") < 0)
			printf("Account %" G_GUINT64_FORMAT " (%s) has no quota "
			    "now.\n", num, name);
		else
			printf("Account %" G_GUINT64_FORMAT " (%s) has a quota "
			    "of %s (%" G_GINT64_FORMAT " bytes) in total now.\n",
			    num, name, size, jnum(a, "quota"));
	} else if (strcmp(cmd, "terminate") == 0) {
		printf("Account %" G_GUINT64_FORMAT " (%s) is terminated: its "
		    "FURL no longer works and its leases are being cancelled "
		    "on every connected storage server.\n", num, name);
	} else {
		printf("Account %" G_GUINT64_FORMAT " (%s) is %sd.\n", num,
		    name, cmd);
	}
	return CLI_OK;
}

/* show's --json may follow its NUM ("show 3 --json"): move every
 * argument that starts with '-' (before a "--") ahead of the others, in
 * order, for the strict parser.  (show's only option takes no value.) */
static void
options_first(int argc, char **argv)
{
	g_autofree char **tmp = g_new0(char *, argc);
	int i, k = 0;

	for (i = 1; i < argc && strcmp(argv[i], "--") != 0; i++)
		if (argv[i][0] == '-')
			tmp[k++] = argv[i];
	for (i = 1; i < argc && strcmp(argv[i], "--") != 0; i++)
		if (argv[i][0] != '-')
			tmp[k++] = argv[i];
	memcpy(argv + 1, tmp, (size_t)k * sizeof(*argv));
}

int
cli_cmd_admin_accounts(cli_ctx *ctx, int argc, char **argv)
{
	const char *what = "admin accounts";
	g_autofree char *furl_opt = NULL, *amdir = NULL;
	gint64 offset = 0, limit = 1000;
	gboolean as_json = FALSE;
	const GOptionEntry entries[] = {
		{ "manage-accounts-furl", 0, 0, G_OPTION_ARG_STRING,
		    &furl_opt, "the account manager's manage-accounts FURL",
		    "FURL" },
		{ "node-directory", 'd', 0, G_OPTION_ARG_FILENAME, &amdir,
		    "the account manager's directory (its "
		    "private/manage-accounts.furl is read)", "AMDIR" },
		G_OPTION_ENTRY_NULL
	};
	const GOptionEntry list_entries[] = {
		{ "offset", 0, 0, G_OPTION_ARG_INT64, &offset,
		    "skip this many accounts (by number)", "N" },
		{ "limit", 0, 0, G_OPTION_ARG_INT64, &limit,
		    "show at most N accounts (default 1000)", "N" },
		{ "json", 0, 0, G_OPTION_ARG_NONE, &as_json,
		    "print JSON (doc/man/tahoe-admin-accounts.1)", NULL },
		G_OPTION_ENTRY_NULL
	};
	const GOptionEntry show_entries[] = {
		{ "json", 0, 0, G_OPTION_ARG_NONE, &as_json,
		    "print JSON (doc/man/tahoe-admin-accounts.1)", NULL },
		G_OPTION_ENTRY_NULL
	};
	g_autoptr(GError) e = NULL;
	g_autofree char *why = NULL;
	const char *cmd;
	char *furl = NULL;
	guint64 num = 0, q = 0;
	gint64 quota = -1;
	int r;

	RPC_UNUSED(ctx);
	r = cli_parse(what, ACCOUNTS_USAGE, "Manage the accounts of an "
	    "account manager.", entries, &argc, &argv);
	if (r >= 0)
		return r;
	if ((furl_opt == NULL) == (amdir == NULL))
		return cli_usage_error(what, ACCOUNTS_USAGE, "give exactly one "
		    "of --manage-accounts-furl and -d AMDIR");
	if (argc < 2)
		return cli_usage_error(what, ACCOUNTS_USAGE,
		    "no command given");
	cmd = argv[1];
	argc--;
	argv++;
	if (strcmp(cmd, "show") == 0)
		options_first(argc, argv);
	if (strcmp(cmd, "list") == 0) {
		r = cli_parse("admin accounts list", ACCOUNTS_USAGE, "List "
		    "accounts with their usage.", list_entries, &argc, &argv);
		if (r >= 0)
			return r;
		if (argc != 1 || offset < 0 || limit < 1)
			return cli_usage_error(what, ACCOUNTS_USAGE, argc != 1 ?
			    "list takes no argument" : "--offset is 0 or more, "
			    "--limit 1 or more");
	} else if (strcmp(cmd, "show") == 0 || strcmp(cmd, "set-quota") == 0 ||
	    strcmp(cmd, "disable") == 0 || strcmp(cmd, "enable") == 0 ||
	    strcmp(cmd, "terminate") == 0) {
		gboolean show = strcmp(cmd, "show") == 0;
		int want = strcmp(cmd, "set-quota") == 0 ? 3 : 2;
		g_autofree char *sub = g_strconcat(what, " ", cmd, NULL);

		r = cli_parse(sub, ACCOUNTS_USAGE, "One account.", show ?
		    show_entries : NULL, &argc, &argv);
		if (r >= 0)
			return r;
		if (argc != want)
			return cli_usage_error(what, ACCOUNTS_USAGE, "%s takes "
			    "%s", cmd, want == 3 ? "NUM and SIZE (or none)" :
			    "NUM");
		if (!g_ascii_string_to_unsigned(argv[1], 10, 1, G_MAXUINT32,
		    &num, NULL))
			return cli_usage_error(what, ACCOUNTS_USAGE, "an "
			    "account number is a positive integer, not '%s'",
			    argv[1]);
		if (want == 3 && strcmp(argv[2], "none") != 0) {
			if (!cli_size_parse(argv[2], &q, &e))
				return cli_error("%s", e->message);
			if (q > G_MAXINT64)
				return cli_error("size '%s' is too large (more "
				    "than 2^63 - 1 bytes)", argv[2]);
			quota = (gint64)q;
		}
	} else {
		return cli_usage_error(what, ACCOUNTS_USAGE, "unknown command "
		    "'%s'", cmd);
	}
	if (furl_opt != NULL) {
		furl = g_strdup(furl_opt);
	} else {
		g_autofree char *f = g_build_filename(amdir, "private",
		    "manage-accounts.furl", NULL);

		if ((furl = furl_from(NULL, f, &why)) == NULL)
			return cli_error("%s", why);
	}
	if (strcmp(cmd, "list") == 0)
		r = accounts_list(furl, (guint64)offset, (guint64)limit,
		    as_json);
	else if (strcmp(cmd, "show") == 0)
		r = accounts_show(furl, num, as_json);
	else
		r = accounts_set(furl, cmd, num, quota);
	sodium_memzero(furl, strlen(furl));
	g_free(furl);
	if (furl_opt != NULL)
		sodium_memzero(furl_opt, strlen(furl_opt));
	return r;
}

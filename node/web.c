/* node/web.c -- the welcome page: libmicrohttpd on the node's libev loop.
 *
 * MHD runs without a thread of its own, in its epoll mode: its epoll
 * descriptor is watched by one ev_io, and one ev_timer carries the
 * deadline MHD_get_timeout() asks for.  Both call MHD_run(), and after
 * every run the timer is set again: MHD's state changes only inside
 * MHD_run(), and a timeout of 0 (what MHD answers while a connection has
 * work left that no new event will announce, such as a pipelined request
 * already read) makes the timer fire on the next loop pass without
 * sleeping, so no answer waits for another event.
 *
 * This module renders a status document that the caller builds; it knows
 * the document's usual shape but trusts none of it: every string is
 * escaped, members may be missing or of the wrong type. */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <microhttpd.h>

#include "node/cfg.h"
#include "node/dir.h"
#include "node/web.h"
#include "rpc/common.h"

/* A status page for one operator: a few browser tabs and scripts. */
#define WEB_MAX_CONNECTIONS	32
/* Seconds an idle connection is kept open. */
#define WEB_CONN_TIMEOUT	30
#define WEB_LISTEN_BACKLOG	16
/* What Tahoe-LAFS listens on when web.port names no interface. */
#define WEB_DEFAULT_HOST	"127.0.0.1"
/* 9999-12-31T23:59:59Z: the last second GDateTime can show. */
#define WEB_TIME_MAX		253402300799.0
#define WEB_DASH		"\xe2\x80\x94"	/* U+2014 EM DASH */

struct node_web {
	struct ev_loop		*loop;	/* borrowed */
	struct MHD_Daemon	*mhd;
	node_web_status_fn	*fn;
	void			*arg;
	ev_io			 io;	/* MHD's epoll descriptor */
	ev_timer		 timer;	/* MHD_get_timeout() */
	char			*url;
	uint16_t		 port;
	gboolean		 in_run;	/* inside MHD_run() */
	char			*start_error;	/* MHD's word on start */
};

static gboolean
spec_error(GError **error, int code, const char *spec, const char *why)
{
	return node_endpoint_error(error, code, "web.port", spec, why);
}

/* Bind and listen; return the descriptor, or -1 with an error. */
static int
web_listen(const char *spec, struct sockaddr_storage *ss, socklen_t sl,
    GError **error)
{
	g_autofree char *why = NULL;
	char host[INET6_ADDRSTRLEN];
	int fd, one = 1, e;
	uint16_t port;

	if (ss->ss_family == AF_INET) {
		inet_ntop(AF_INET, &((struct sockaddr_in *)ss)->sin_addr,
		    host, sizeof(host));
		port = ntohs(((struct sockaddr_in *)ss)->sin_port);
	} else {
		inet_ntop(AF_INET6, &((struct sockaddr_in6 *)ss)->sin6_addr,
		    host, sizeof(host));
		port = ntohs(((struct sockaddr_in6 *)ss)->sin6_port);
	}
	fd = socket(ss->ss_family, SOCK_STREAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0);
	if (fd < 0) {
		e = errno;
		why = g_strdup_printf("socket: %s", g_strerror(e));
		spec_error(error, NODE_E_IO, spec, why);
		return -1;
	}
	/* Lets a restarted node take its port back from connections still
	 * in TIME_WAIT; a live listener still makes bind() fail. */
	(void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)ss, sl) != 0 ||
	    listen(fd, WEB_LISTEN_BACKLOG) != 0) {
		e = errno;
		why = g_strdup_printf("cannot listen on %s port %u: %s",
		    host, port, g_strerror(e));
		close(fd);
		spec_error(error, NODE_E_IO, spec, why);
		return -1;
	}
	return fd;
}

/* "http://ADDR:PORT/" for a bound socket.  A wildcard address is not
 * somewhere to connect to, so the URL names loopback instead, as
 * Tahoe-LAFS writes node.url. */
static char *
web_make_url(int fd, uint16_t *port)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	char host[INET6_ADDRSTRLEN];

	memset(&ss, 0, sizeof(ss));
	if (getsockname(fd, (struct sockaddr *)&ss, &sl) != 0)
		return NULL;
	if (ss.ss_family == AF_INET) {
		struct sockaddr_in *in = (struct sockaddr_in *)&ss;

		if (in->sin_addr.s_addr == htonl(INADDR_ANY))
			in->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		inet_ntop(AF_INET, &in->sin_addr, host, sizeof(host));
		*port = ntohs(in->sin_port);
		return g_strdup_printf("http://%s:%u/", host, *port);
	} else {
		struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;

		if (IN6_IS_ADDR_UNSPECIFIED(&in6->sin6_addr))
			in6->sin6_addr = in6addr_loopback;
		inet_ntop(AF_INET6, &in6->sin6_addr, host, sizeof(host));
		*port = ntohs(in6->sin6_port);
		return g_strdup_printf("http://[%s]:%u/", host, *port);
	}
}

/* ---- the status document ---- */

/* Make every string in the document valid UTF-8, member names included:
 * nicknames come from the network, and both json-glib's generator and
 * the escaping below assume valid text. */
static void
doc_repair(JsonNode *node)
{
	GList *names, *l;
	JsonObject *o;
	JsonArray *a;
	guint i, n;

	switch (JSON_NODE_TYPE(node)) {
	case JSON_NODE_OBJECT:
		o = json_node_get_object(node);
		names = json_object_get_members(o);
		for (l = names; l != NULL; l = l->next) {
			const char *name = l->data;
			JsonNode *m = json_object_get_member(o, name);
			g_autofree char *fixed = NULL;

			doc_repair(m);
			if (g_utf8_validate(name, -1, NULL))
				continue;
			fixed = g_utf8_make_valid(name, -1);
			json_node_ref(m);
			json_object_remove_member(o, name);
			json_object_set_member(o, fixed, m);
		}
		g_list_free(names);
		break;
	case JSON_NODE_ARRAY:
		a = json_node_get_array(node);
		n = json_array_get_length(a);
		for (i = 0; i < n; i++)
			doc_repair(json_array_get_element(a, i));
		break;
	case JSON_NODE_VALUE:
		if (json_node_get_value_type(node) == G_TYPE_STRING &&
		    !g_utf8_validate(json_node_get_string(node), -1, NULL)) {
			g_autofree char *fixed = g_utf8_make_valid(
			    json_node_get_string(node), -1);

			json_node_set_string(node, fixed);
		}
		break;
	case JSON_NODE_NULL:
		break;
	}
}

/* The member 'name' of 'o', or NULL when 'o' is NULL or lacks it. */
static JsonNode *
member(JsonObject *o, const char *name)
{
	return o != NULL ? json_object_get_member(o, name) : NULL;
}

static JsonObject *
as_object(JsonNode *n)
{
	return n != NULL && JSON_NODE_HOLDS_OBJECT(n) ?
	    json_node_get_object(n) : NULL;
}

/* The string value of 'n', or NULL when it is something else. */
static const char *
as_string(JsonNode *n)
{
	return n != NULL && JSON_NODE_HOLDS_VALUE(n) &&
	    json_node_get_value_type(n) == G_TYPE_STRING ?
	    json_node_get_string(n) : NULL;
}

static gboolean
is_scalar(JsonNode *n)
{
	return JSON_NODE_HOLDS_VALUE(n) || JSON_NODE_HOLDS_NULL(n);
}

/* Append 's' (valid UTF-8, see doc_repair()) escaped for HTML text and
 * attribute values.  Control characters become U+FFFD. */
static void
html_text(GString *out, const char *s)
{
	for (; *s != '\0'; s++) {
		switch (*s) {
		case '&':
			g_string_append(out, "&amp;");
			break;
		case '<':
			g_string_append(out, "&lt;");
			break;
		case '>':
			g_string_append(out, "&gt;");
			break;
		case '"':
			g_string_append(out, "&quot;");
			break;
		case '\'':
			g_string_append(out, "&#39;");
			break;
		default:
			if (((unsigned char)*s < 0x20 && *s != '\t' &&
			    *s != '\n') || *s == 0x7f)
				g_string_append(out, "\xef\xbf\xbd");
			else
				g_string_append_c(out, *s);
			break;
		}
	}
}

/* Append seconds since the epoch as a UTC ISO 8601 time; FALSE (nothing
 * appended) when out of GDateTime's range. */
static gboolean
html_time(GString *out, double t)
{
	g_autoptr(GDateTime) dt = NULL;
	g_autofree char *s = NULL;

	if (!isfinite(t) || t < 0 || t > WEB_TIME_MAX)
		return FALSE;
	dt = g_date_time_new_from_unix_utc((gint64)floor(t));
	if (dt == NULL)
		return FALSE;
	s = g_date_time_format(dt, "%Y-%m-%dT%H:%M:%SZ");
	g_string_append(out, s);
	return TRUE;
}

/* Append a scalar value as text; a dash for null, missing, empty or
 * non-scalar values.  Numbers are shown as times when 'is_time'. */
static void
html_value(GString *out, JsonNode *n, gboolean is_time)
{
	char buf[G_ASCII_DTOSTR_BUF_SIZE];
	GType t;

	if (n == NULL || !JSON_NODE_HOLDS_VALUE(n)) {
		g_string_append(out, WEB_DASH);
		return;
	}
	t = json_node_get_value_type(n);
	if (t == G_TYPE_STRING) {
		const char *s = json_node_get_string(n);

		if (*s == '\0')
			g_string_append(out, WEB_DASH);
		else
			html_text(out, s);
	} else if (t == G_TYPE_INT64) {
		gint64 v = json_node_get_int(n);

		if (!is_time || !html_time(out, (double)v))
			g_string_append_printf(out, "%" G_GINT64_FORMAT, v);
	} else if (t == G_TYPE_DOUBLE) {
		double v = json_node_get_double(n);

		if (!is_time || !html_time(out, v))
			g_string_append(out,
			    g_ascii_dtostr(buf, sizeof(buf), v));
	} else if (t == G_TYPE_BOOLEAN) {
		g_string_append(out, json_node_get_boolean(n) ?
		    "yes" : "no");
	} else {
		g_string_append(out, WEB_DASH);
	}
}

static gboolean
is_time_key(const char *key)
{
	return strcmp(key, "since") == 0 || strcmp(key, "last_seen") == 0 ||
	    strcmp(key, "started") == 0;
}

/* Labels for the members the page knows; others are shown by name. */
static const struct {
	const char	*key;
	const char	*label;
} labels[] = {
	{ "nickname",		"Nickname" },
	{ "node_id",		"Node ID" },
	{ "tubid",		"Tub ID" },
	{ "version",		"Version" },
	{ "state",		"State" },
	{ "address",		"Address" },
	{ "since",		"Since" },
	{ "last_seen",		"Last seen" },
	{ "last_error",		"Last error" },
	{ "grid_manager",	"Grid manager" },
	{ "started",		"Started" },
	{ "kind",		"Kind" },
	{ "servers_connected",	"Servers connected" },
	{ "grid_managers",	"Grid managers trusted" },
	{ "storage_available",	"Storage available (bytes)" },
	{ "connections",	"Connections made" },
	{ "announcements_received", "Announcements received" },
	{ "announcements_dropped", "Announcements dropped" },
	{ "announcements_kept",	"Announcements kept" },
	{ "subscribers",	"Subscribers" },
	{ "next_try_in",	"Next try in (s)" },
	{ "this_node",		"This node" },
};

static void
html_label(GString *out, const char *key)
{
	size_t i;

	for (i = 0; i < G_N_ELEMENTS(labels); i++) {
		if (strcmp(labels[i].key, key) == 0) {
			g_string_append(out, labels[i].label);
			return;
		}
	}
	html_text(out, key);
}

/* A CSS class for a connection state; only known states get their own,
 * so no untrusted text reaches an attribute that styles the page. */
static const char *
state_class(const char *state)
{
	static const char *const known[] = {
		"connected", "connecting", "waiting", "not configured",
	};
	static const char *const classes[] = {
		"st-connected", "st-connecting", "st-waiting", "st-none",
	};
	size_t i;

	for (i = 0; state != NULL && i < G_N_ELEMENTS(known); i++)
		if (strcmp(state, known[i]) == 0)
			return classes[i];
	return "st-other";
}

/* One row per scalar member of 'o': the members named in 'first' in that
 * order (shown even when missing), then the others as they come. */
static void
html_facts(GString *out, JsonObject *o, const char *const *first,
    size_t nfirst)
{
	GList *names = o != NULL ? json_object_get_members(o) : NULL, *l;
	size_t i;

	g_string_append(out, "<table class=\"facts\">\n");
	for (i = 0; i < nfirst; i++) {
		JsonNode *n = member(o, first[i]);

		g_string_append(out, "<tr><th>");
		html_label(out, first[i]);
		if (strcmp(first[i], "state") == 0)
			g_string_append_printf(out, "</th><td class=\"%s\">",
			    state_class(as_string(n)));
		else
			g_string_append(out, "</th><td>");
		html_value(out, n, is_time_key(first[i]));
		g_string_append(out, "</td></tr>\n");
	}
	for (l = names; l != NULL; l = l->next) {
		const char *name = l->data;
		JsonNode *n = json_object_get_member(o, name);
		gboolean listed = FALSE;

		for (i = 0; i < nfirst && !listed; i++)
			listed = strcmp(name, first[i]) == 0;
		if (listed || !is_scalar(n))
			continue;
		g_string_append(out, "<tr><th>");
		html_label(out, name);
		g_string_append(out, "</th><td>");
		html_value(out, n, is_time_key(name));
		g_string_append(out, "</td></tr>\n");
	}
	g_string_append(out, "</table>\n");
	g_list_free(names);
}

static const char *const server_columns[] = {
	"nickname", "node_id", "address", "state", "since", "last_seen",
	"last_error", "grid_manager",
};

static void
html_servers(GString *out, JsonNode *servers)
{
	JsonArray *a = servers != NULL && JSON_NODE_HOLDS_ARRAY(servers) ?
	    json_node_get_array(servers) : NULL;
	guint i, n = a != NULL ? json_array_get_length(a) : 0, connected = 0;
	size_t c;

	for (i = 0; i < n; i++) {
		const char *state = as_string(member(as_object(
		    json_array_get_element(a, i)), "state"));

		if (state != NULL && strcmp(state, "connected") == 0)
			connected++;
	}
	g_string_append_printf(out, "<h2>Storage servers</h2>\n"
	    "<p class=\"count\">%u of %u servers connected</p>\n",
	    connected, n);
	g_string_append(out, "<table class=\"servers\">\n<thead><tr>");
	for (c = 0; c < G_N_ELEMENTS(server_columns); c++) {
		g_string_append(out, "<th>");
		html_label(out, server_columns[c]);
		g_string_append(out, "</th>");
	}
	g_string_append(out, "</tr></thead>\n<tbody>\n");
	for (i = 0; i < n; i++) {
		JsonObject *s = as_object(json_array_get_element(a, i));

		g_string_append(out, "<tr>");
		for (c = 0; c < G_N_ELEMENTS(server_columns); c++) {
			const char *col = server_columns[c];

			if (strcmp(col, "state") == 0)
				g_string_append_printf(out,
				    "<td class=\"%s\">", state_class(
				    as_string(member(s, col))));
			else if (strcmp(col, "node_id") == 0)
				g_string_append(out, "<td class=\"id\">");
			else
				g_string_append(out, "<td>");
			html_value(out, member(s, col), is_time_key(col));
			g_string_append(out, "</td>");
		}
		g_string_append(out, "</tr>\n");
	}
	g_string_append(out, "</tbody>\n</table>\n");
}

static const char page_style[] =
	"body{font-family:sans-serif;margin:1em 2em;color:#222}"
	"table{border-collapse:collapse;margin-bottom:1em}"
	"th,td{text-align:left;padding:.2em .6em;border-bottom:1px solid #ddd;"
	"vertical-align:top}"
	"table.facts th{font-weight:normal;color:#555}"
	"td.id{font-family:monospace;word-break:break-all}"
	".st-connected{color:#176b1a}.st-connecting{color:#8a5a00}"
	".st-waiting,.st-none,.st-other{color:#777}";

/* The welcome page for 'doc' (any JSON; an object is expected). */
static char *
html_page(JsonNode *doc, size_t *len)
{
	static const char *const top[] = {
		"nickname", "node_id", "tubid", "version",
	};
	static const char *const intro[] = {
		"state", "address", "since", "last_error",
	};
	JsonObject *o = as_object(doc);
	const char *nick = as_string(member(o, "nickname"));
	GString *out = g_string_sized_new(4096);

	if (nick == NULL || *nick == '\0')
		nick = "(no nickname)";
	g_string_append(out, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n"
	    "<meta charset=\"utf-8\">\n<title>");
	html_text(out, nick);
	g_string_append_printf(out, " - Tahoe node</title>\n"
	    "<style>%s</style>\n</head>\n<body>\n<h1>", page_style);
	html_text(out, nick);
	g_string_append(out, "</h1>\n");
	html_facts(out, o, top, G_N_ELEMENTS(top));
	g_string_append(out, "<h2>Introducer</h2>\n");
	html_facts(out, as_object(member(o, "introducer")), intro,
	    G_N_ELEMENTS(intro));
	html_servers(out, member(o, "servers"));
	g_string_append(out, "<p><a href=\"/?t=json\">This page as JSON"
	    "</a></p>\n</body>\n</html>\n");
	*len = out->len;
	return g_string_free(out, FALSE);
}

/* ---- HTTP ---- */

/* Queue an answer; takes ownership of 'body' (g_malloc()ed). */
static enum MHD_Result
respond(struct MHD_Connection *conn, unsigned int status, const char *type,
    char *body, size_t len)
{
	struct MHD_Response *r;
	enum MHD_Result ret;

	r = MHD_create_response_from_buffer_with_free_callback(len, body,
	    g_free);
	if (r == NULL) {
		g_free(body);
		return MHD_NO;
	}
	if (MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE,
	    type) != MHD_YES ||
	    MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL,
	    "no-store") != MHD_YES ||
	    MHD_add_response_header(r, "X-Content-Type-Options",
	    "nosniff") != MHD_YES ||
	    MHD_add_response_header(r, "Content-Security-Policy",
	    "default-src 'none'; style-src 'unsafe-inline'") != MHD_YES ||
	    (status == MHD_HTTP_METHOD_NOT_ALLOWED &&
	    MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW,
	    "GET, HEAD") != MHD_YES)) {
		MHD_destroy_response(r);
		return MHD_NO;
	}
	ret = MHD_queue_response(conn, status, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result
respond_text(struct MHD_Connection *conn, unsigned int status,
    const char *text)
{
	return respond(conn, status, "text/plain; charset=utf-8",
	    g_strdup(text), strlen(text));
}

/* What MHD keeps for us per request (*req_cls): that its headers have
 * been seen, and whether a GET came with a body. */
static char request_seen, request_had_body;

/* MHD calls this once when a request's headers have arrived, once per
 * piece of body, and once more at the end.  GET and HEAD are answered at
 * the end: an answer before then makes MHD close the connection, and
 * while a body arrives it cannot take one at all.  Other methods are
 * refused at once, closing the connection instead of reading a body. */
static enum MHD_Result
web_access(void *cls, struct MHD_Connection *conn, const char *url,
    const char *method, const char *version, const char *upload_data,
    size_t *upload_data_size, void **req_cls)
{
	node_web *w = cls;
	g_autoptr(JsonNode) doc = NULL;
	const char *t = NULL;
	size_t tlen = 0;
	gboolean want_json;
	char *body;
	size_t len;

	RPC_UNUSED(version);
	RPC_UNUSED(upload_data);
	if (strcmp(method, MHD_HTTP_METHOD_GET) != 0 &&
	    strcmp(method, MHD_HTTP_METHOD_HEAD) != 0)
		return respond_text(conn, MHD_HTTP_METHOD_NOT_ALLOWED,
		    "Method not allowed: only GET and HEAD.\n");
	if (*req_cls == NULL) {
		*req_cls = &request_seen;
		return MHD_YES;
	}
	if (*upload_data_size != 0) {
		*upload_data_size = 0;
		*req_cls = &request_had_body;
		return MHD_YES;
	}
	if (*req_cls == &request_had_body)
		return respond_text(conn, MHD_HTTP_BAD_REQUEST,
		    "Bad request: a body with GET.\n");
	if (strcmp(url, "/") != 0)
		return respond_text(conn, MHD_HTTP_NOT_FOUND,
		    "Not found.\n");
	/* The length too: MHD decodes "t=json%00x" to "json\0x". */
	want_json = MHD_lookup_connection_value_n(conn,
	    MHD_GET_ARGUMENT_KIND, "t", 1, &t, &tlen) == MHD_YES;
	if (want_json && (t == NULL || tlen != strlen("json") ||
	    memcmp(t, "json", tlen) != 0))
		return respond_text(conn, MHD_HTTP_BAD_REQUEST,
		    "Bad request: the only t= is t=json.\n");
	doc = w->fn(w->arg);
	if (doc == NULL)
		return respond_text(conn, MHD_HTTP_INTERNAL_SERVER_ERROR,
		    "The node's status is not available.\n");
	doc_repair(doc);
	if (want_json) {
		g_autofree char *json = json_to_string(doc, TRUE);

		body = g_strconcat(json, "\n", NULL);
		len = strlen(body);
		return respond(conn, MHD_HTTP_OK, "application/json", body,
		    len);
	}
	body = html_page(doc, &len);
	return respond(conn, MHD_HTTP_OK, "text/html; charset=utf-8", body,
	    len);
}

/* MHD's messages are about clients (malformed requests, resets) and are
 * not the operator's concern, except while starting: keep the last one
 * then for the error. */
static void G_GNUC_PRINTF(2, 0)
web_log(void *cls, const char *fmt, va_list ap)
{
	node_web *w = cls;
	g_autofree char *msg = g_strdup_vprintf(fmt, ap);

	g_strchomp(msg);
	if (w->mhd == NULL) {
		g_free(w->start_error);
		w->start_error = g_strdup(msg);
	}
	g_debug("web: %s", msg);
}

static void
web_arm(node_web *w)
{
	MHD_UNSIGNED_LONG_LONG ms;

	ev_timer_stop(w->loop, &w->timer);
	if (MHD_get_timeout(w->mhd, &ms) == MHD_YES) {
		ev_timer_set(&w->timer, (ev_tstamp)ms / 1000.0, 0.0);
		ev_timer_start(w->loop, &w->timer);
	}
}

static void
web_run(node_web *w)
{
	w->in_run = TRUE;
	(void)MHD_run(w->mhd);
	w->in_run = FALSE;
	web_arm(w);
}

static void
web_io_cb(struct ev_loop *loop, ev_io *io, int revents)
{
	RPC_UNUSED(loop);
	RPC_UNUSED(revents);
	web_run(RPC_CONTAINER_OF(io, node_web, io));
}

static void
web_timer_cb(struct ev_loop *loop, ev_timer *t, int revents)
{
	RPC_UNUSED(loop);
	RPC_UNUSED(revents);
	web_run(RPC_CONTAINER_OF(t, node_web, timer));
}

node_web *
node_web_new(struct ev_loop *loop, const char *port_spec,
    node_web_status_fn *fn, void *arg, GError **error)
{
	struct sockaddr_storage ss;
	const union MHD_DaemonInfo *info;
	node_endpoint ep;
	socklen_t sl = 0;
	node_web *w;
	int fd;

	g_return_val_if_fail(loop != NULL, NULL);
	g_return_val_if_fail(port_spec != NULL, NULL);
	g_return_val_if_fail(fn != NULL, NULL);
	if (!node_endpoint_parse("web.port", port_spec, WEB_DEFAULT_HOST, &ep,
	    error))
		return NULL;
	/* The host is the default or a checked literal. */
	if (!node_addr_sockaddr(ep.host, ep.port, &ss, &sl))
		g_assert_not_reached();
	node_endpoint_clear(&ep);
	if (MHD_is_feature_supported(MHD_FEATURE_EPOLL) != MHD_YES) {
		spec_error(error, NODE_E_IO, port_spec,
		    "libmicrohttpd was built without epoll");
		return NULL;
	}
	if ((fd = web_listen(port_spec, &ss, sl, error)) < 0)
		return NULL;
	w = g_new0(node_web, 1);
	w->loop = loop;
	w->fn = fn;
	w->arg = arg;
	w->url = web_make_url(fd, &w->port);
	if (w->url == NULL) {
		int e = errno;
		g_autofree char *why = g_strdup_printf("getsockname: %s",
		    g_strerror(e));

		close(fd);
		g_free(w);
		spec_error(error, NODE_E_IO, port_spec, why);
		return NULL;
	}
	/* From here MHD owns fd: MHD_stop_daemon() closes it, and so do
	 * MHD_start_daemon()'s failures once options are parsed. */
	w->mhd = MHD_start_daemon(MHD_USE_EPOLL | MHD_USE_ERROR_LOG, 0,
	    NULL, NULL, web_access, w,
	    MHD_OPTION_EXTERNAL_LOGGER, web_log, w,
	    MHD_OPTION_LISTEN_SOCKET, (MHD_socket)fd,
	    MHD_OPTION_CONNECTION_LIMIT, (unsigned int)WEB_MAX_CONNECTIONS,
	    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)WEB_CONN_TIMEOUT,
	    MHD_OPTION_END);
	if (w->mhd == NULL ||
	    (info = MHD_get_daemon_info(w->mhd,
	    MHD_DAEMON_INFO_EPOLL_FD)) == NULL) {
		g_autofree char *why = g_strdup_printf(
		    "cannot start the HTTP server%s%s",
		    w->start_error != NULL ? ": " : "",
		    w->start_error != NULL ? w->start_error : "");

		spec_error(error, NODE_E_IO, port_spec, why);
		node_web_free(w);
		return NULL;
	}
	ev_io_init(&w->io, web_io_cb, info->epoll_fd, EV_READ);
	ev_io_start(loop, &w->io);
	ev_init(&w->timer, web_timer_cb);
	web_arm(w);
	return w;
}

void
node_web_free(node_web *w)
{
	if (w == NULL)
		return;
	/* From inside the status callback MHD is mid-run: stopping it there
	 * would free the connection being answered. */
	g_return_if_fail(!w->in_run);
	ev_io_stop(w->loop, &w->io);
	ev_timer_stop(w->loop, &w->timer);
	/* Closes the listening socket and every open connection. */
	if (w->mhd != NULL)
		MHD_stop_daemon(w->mhd);
	g_free(w->url);
	g_free(w->start_error);
	g_free(w);
}

uint16_t
node_web_port(const node_web *w)
{
	g_return_val_if_fail(w != NULL, 0);
	return w->port;
}

char *
node_web_url(const node_web *w)
{
	g_return_val_if_fail(w != NULL, NULL);
	return g_strdup(w->url);
}

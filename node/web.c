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
 * This module serves a status document that the caller builds, rendered
 * by node/status.c as the caller's layout says. */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <microhttpd.h>

#include "node/cfg.h"
#include "node/dir.h"
#include "node/status.h"
#include "node/web.h"
#include "rpc/common.h"

/* A status page for one operator: a few browser tabs and scripts. */
#define WEB_MAX_CONNECTIONS	32
/* Seconds an idle connection is kept open. */
#define WEB_CONN_TIMEOUT	30
#define WEB_LISTEN_BACKLOG	16
/* What Tahoe-LAFS listens on when web.port names no interface. */
#define WEB_DEFAULT_HOST	"127.0.0.1"

struct node_web {
	struct ev_loop		*loop;	/* borrowed */
	struct MHD_Daemon	*mhd;
	node_web_status_fn	*fn;
	void			*arg;
	const node_status_layout *layout;	/* borrowed; may be NULL */
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
	g_autoptr(json_t) doc = NULL;
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
	node_status_repair(doc);
	if (want_json) {
		char *json = json_dumps(doc, JSON_INDENT(2));

		if (json == NULL)
			return respond_text(conn,
			    MHD_HTTP_INTERNAL_SERVER_ERROR,
			    "The node's status is not available.\n");
		body = g_strconcat(json, "\n", NULL);
		free(json);
		len = strlen(body);
		return respond(conn, MHD_HTTP_OK, "application/json", body,
		    len);
	}
	body = node_status_html(doc, w->layout, &len);
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

void
node_web_set_layout(node_web *w, const node_status_layout *layout)
{
	g_return_if_fail(w != NULL);
	w->layout = layout;
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

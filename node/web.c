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
#include <fcntl.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <glib/gstdio.h>
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
/* Bytes MHD asks a streamed answer for at a time. */
#define WEB_STREAM_BLOCK	(256 * 1024)

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
	GPtrArray		*routes;	/* struct route* */
	char			*tmpdir;
	GQueue			 notes;		/* node_web_req* with callbacks
						 * to run */
	ev_idle			 idle;		/* runs 'notes' */
};

struct route {
	char			*method;
	char			*prefix;
	node_web_route_fn	*fn;
	void			*arg;
};

typedef enum { ANS_NONE, ANS_FULL, ANS_STREAM } answer_kind;

struct node_web_req {
	node_web		*w;
	struct MHD_Connection	*conn;	/* NULL once MHD is done with it */
	const struct route	*rt;
	char			*method, *path;
	int			 body_fd;
	guint64			 body_size;
	gboolean		 body_failed;
	gboolean		 dispatched;	/* handler called */
	gboolean		 suspended;
	gboolean		 queued;	/* answer handed to MHD */
	answer_kind		 ans;
	unsigned		 status;
	char			*type;
	GBytes			*full;
	guint64			 length;
	char			*range;
	GByteArray		*buf;		/* stream bytes; sent up to
						 * buf_off */
	gsize			 buf_off;
	gboolean		 ended, end_ok, app_done;
	node_web_req_fn		*drain, *gone;
	void			*drain_arg, *gone_arg;
	gboolean		 want_drain, gone_due, in_notes;
	int			 refs;	/* MHD, the response, the app */
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

/* ---- routes ---- */

static gboolean is_route_req(const node_web *w, void *p);

static void
req_unref(node_web_req *r)
{
	if (--r->refs > 0)
		return;
	if (r->in_notes)
		g_queue_remove(&r->w->notes, r);
	if (r->body_fd >= 0)
		close(r->body_fd);
	g_free(r->method);
	g_free(r->path);
	g_free(r->type);
	g_free(r->range);
	if (r->full != NULL)
		g_bytes_unref(r->full);
	if (r->buf != NULL)
		g_byte_array_unref(r->buf);
	g_free(r);
}

/* Run the request's callbacks from the loop, never inside a call of the
 * handler's. */
static void
req_note(node_web_req *r)
{
	if (r->in_notes)
		return;
	r->in_notes = TRUE;
	r->refs++;
	g_queue_push_tail(&r->w->notes, r);
	ev_idle_start(r->w->loop, &r->w->idle);
}

static void
web_idle_cb(struct ev_loop *loop, ev_idle *idle, int revents)
{
	node_web *w = RPC_CONTAINER_OF(idle, node_web, idle);
	node_web_req *r;

	RPC_UNUSED(revents);
	while ((r = g_queue_pop_head(&w->notes)) != NULL) {
		r->in_notes = FALSE;
		if (r->gone_due && r->gone != NULL) {
			node_web_req_fn *fn = r->gone;

			r->gone = NULL;
			r->drain = NULL;
			if (!r->app_done)
				fn(r, r->gone_arg);
		}
		if (r->want_drain && r->drain != NULL && !r->app_done &&
		    r->buf != NULL && r->buf->len - r->buf_off <
		    NODE_WEB_STREAM_HIGH / 2) {
			r->want_drain = FALSE;
			r->drain(r, r->drain_arg);
		}
		req_unref(r);
	}
	ev_idle_stop(loop, idle);
}

static void
req_resume(node_web_req *r)
{
	if (r->conn != NULL && r->suspended) {
		r->suspended = FALSE;
		MHD_resume_connection(r->conn);
		/* MHD takes the resumed connection on its next run. */
		ev_feed_event(r->w->loop, &r->w->timer, EV_TIMER);
	}
}

static void
add_security_headers(struct MHD_Response *rsp)
{
	(void)MHD_add_response_header(rsp, MHD_HTTP_HEADER_CACHE_CONTROL,
	    "no-store");
	(void)MHD_add_response_header(rsp, "X-Content-Type-Options",
	    "nosniff");
	(void)MHD_add_response_header(rsp, "Content-Security-Policy",
	    "default-src 'none'; style-src 'unsafe-inline'");
}

static ssize_t
stream_read(void *cls, uint64_t pos, char *buf, size_t max)
{
	node_web_req *r = cls;
	size_t n;

	RPC_UNUSED(pos);
	if (r->buf != NULL && r->buf->len > r->buf_off) {
		n = MIN(max, r->buf->len - r->buf_off);
		memcpy(buf, r->buf->data + r->buf_off, n);
		r->buf_off += n;
		/* Sent bytes are dropped from the front only when they are
		 * most of the buffer: moving the rest at every read would
		 * copy the queue over and over. */
		if (r->buf_off == r->buf->len) {
			g_byte_array_set_size(r->buf, 0);
			r->buf_off = 0;
		} else if (r->buf_off > r->buf->len / 2) {
			g_byte_array_remove_range(r->buf, 0, (guint)r->buf_off);
			r->buf_off = 0;
		}
		if (r->want_drain && r->buf->len - r->buf_off <
		    NODE_WEB_STREAM_HIGH / 2)
			req_note(r);
		return (ssize_t)n;
	}
	if (r->ended)
		return r->end_ok ? MHD_CONTENT_READER_END_OF_STREAM :
		    MHD_CONTENT_READER_END_WITH_ERROR;
	/* Nothing yet: park the connection until node_web_req_write(),
	 * which MHD prescribes instead of returning 0 and polling. */
	if (r->conn != NULL && !r->suspended) {
		r->suspended = TRUE;
		MHD_suspend_connection(r->conn);
	}
	return 0;
}

static void
stream_free(void *cls)
{
	req_unref(cls);
}

/* Hand the answer the handler gave to MHD. */
static enum MHD_Result
queue_answer(node_web_req *r)
{
	struct MHD_Response *rsp;
	enum MHD_Result ret;

	r->queued = TRUE;
	if (r->ans == ANS_FULL) {
		gsize len;
		const void *p = g_bytes_get_data(r->full, &len);

		rsp = MHD_create_response_from_buffer(len, (void *)p,
		    MHD_RESPMEM_MUST_COPY);
	} else {
		r->refs++;	/* the response's */
		rsp = MHD_create_response_from_callback(r->length,
		    WEB_STREAM_BLOCK, stream_read, r, stream_free);
		if (rsp == NULL)
			r->refs--;
	}
	if (rsp == NULL)
		return MHD_NO;
	(void)MHD_add_response_header(rsp, MHD_HTTP_HEADER_CONTENT_TYPE,
	    r->type);
	if (r->range != NULL)
		(void)MHD_add_response_header(rsp,
		    MHD_HTTP_HEADER_CONTENT_RANGE, r->range);
	if (r->ans == ANS_STREAM && r->range == NULL)
		(void)MHD_add_response_header(rsp,
		    MHD_HTTP_HEADER_ACCEPT_RANGES, "bytes");
	add_security_headers(rsp);
	ret = MHD_queue_response(r->conn, r->status, rsp);
	MHD_destroy_response(rsp);
	return ret;
}

static const struct route *
find_route(node_web *w, const char *method, const char *url)
{
	guint i;

	for (i = 0; w->routes != NULL && i < w->routes->len; i++) {
		const struct route *rt = g_ptr_array_index(w->routes, i);

		if ((strcmp(method, rt->method) == 0 ||
		    (strcmp(method, MHD_HTTP_METHOD_HEAD) == 0 &&
		    strcmp(rt->method, MHD_HTTP_METHOD_GET) == 0)) &&
		    g_str_has_prefix(url, rt->prefix))
			return rt;
	}
	return NULL;
}

/* The access handler's part for routed requests. */
static enum MHD_Result
route_access(node_web *w, struct MHD_Connection *conn, const char *url,
    const char *method, const char *upload_data, size_t *upload_data_size,
    node_web_req **rp, const struct route *rt)
{
	node_web_req *r = *rp;

	if (r == NULL) {
		r = g_new0(node_web_req, 1);
		r->w = w;
		r->conn = conn;
		r->rt = rt;
		r->method = g_strdup(method);
		r->path = g_strdup(url);
		r->body_fd = -1;
		r->refs = 1;		/* MHD's, until completion */
		*rp = r;
		return MHD_YES;
	}
	if (*upload_data_size != 0) {
		size_t n = *upload_data_size;

		*upload_data_size = 0;
		if (r->body_failed)
			return MHD_YES;
		if (r->body_fd < 0) {
			g_autofree char *tmpl = g_build_filename(w->tmpdir,
			    "upload-XXXXXX", NULL);

			r->body_fd = g_mkstemp_full(tmpl, O_RDWR | O_CLOEXEC,
			    0600);
			/* Unlinked at once: nothing is left behind, even
			 * after a crash. */
			if (r->body_fd >= 0)
				(void)unlink(tmpl);
			else
				r->body_failed = TRUE;
		}
		while (!r->body_failed && n > 0) {
			ssize_t k = write(r->body_fd, upload_data, n);

			if (k < 0 && errno == EINTR)
				continue;
			if (k <= 0) {
				g_warning("web: cannot store a request body: %s",
				    g_strerror(errno));
				r->body_failed = TRUE;
				break;
			}
			upload_data += k;
			n -= (size_t)k;
			r->body_size += (guint64)k;
		}
		return MHD_YES;
	}
	if (!r->dispatched) {
		r->dispatched = TRUE;
		if (r->body_failed) {
			r->app_done = TRUE;
			return respond_text(conn,
			    MHD_HTTP_INTERNAL_SERVER_ERROR,
			    "The node could not store the request body.\n");
		}
		if (r->body_fd >= 0 && lseek(r->body_fd, 0, SEEK_SET) != 0)
			r->body_failed = TRUE;
		r->refs++;		/* the app's, until it answers */
		rt->fn(r, rt->arg);
	}
	if (r->ans != ANS_NONE && !r->queued)
		return queue_answer(r);
	if (r->ans == ANS_NONE && !r->suspended) {
		r->suspended = TRUE;
		MHD_suspend_connection(conn);
	}
	return MHD_YES;
}

static void
web_completed(void *cls, struct MHD_Connection *conn, void **req_cls,
    enum MHD_RequestTerminationCode toe)
{
	node_web_req *r;
	node_web *w = cls;

	RPC_UNUSED(conn);
	RPC_UNUSED(toe);
	if (*req_cls == NULL || !is_route_req(w, *req_cls))
		return;
	r = *req_cls;
	*req_cls = NULL;
	r->conn = NULL;
	if (!r->app_done) {
		r->gone_due = TRUE;
		req_note(r);
	}
	req_unref(r);
}

void
node_web_add_route(node_web *w, const char *method, const char *prefix,
    node_web_route_fn *fn, void *arg)
{
	struct route *rt = g_new0(struct route, 1);

	rt->method = g_strdup(method);
	rt->prefix = g_strdup(prefix);
	rt->fn = fn;
	rt->arg = arg;
	if (w->routes == NULL)
		w->routes = g_ptr_array_new();
	g_ptr_array_add(w->routes, rt);
}

void
node_web_set_tmpdir(node_web *w, const char *dir)
{
	g_free(w->tmpdir);
	w->tmpdir = g_strdup(dir);
	(void)g_mkdir_with_parents(dir, 0700);
}

const char *
node_web_req_method(const node_web_req *req)
{
	return req->method;
}

const char *
node_web_req_path(const node_web_req *req)
{
	return req->path;
}

const char *
node_web_req_header(const node_web_req *req, const char *name)
{
	return req->conn != NULL ? MHD_lookup_connection_value(req->conn,
	    MHD_HEADER_KIND, name) : NULL;
}

const char *
node_web_req_arg(const node_web_req *req, const char *name, size_t *len)
{
	const char *v = NULL;
	size_t n = 0;

	if (req->conn == NULL || MHD_lookup_connection_value_n(req->conn,
	    MHD_GET_ARGUMENT_KIND, name, strlen(name), &v, &n) != MHD_YES)
		v = NULL;
	if (len != NULL)
		*len = v != NULL ? n : 0;
	return v;
}

int
node_web_req_body_fd(const node_web_req *req)
{
	return req->body_failed ? -1 : req->body_fd;
}

guint64
node_web_req_body_size(const node_web_req *req)
{
	return req->body_size;
}

/* The app has answered in full: drop its reference (once). */
static void
app_finished(node_web_req *r)
{
	if (r->app_done)
		return;
	r->app_done = TRUE;
	req_unref(r);
}

void
node_web_req_respond(node_web_req *req, unsigned status, const char *type,
    const void *body, size_t len)
{
	g_return_if_fail(req->ans == ANS_NONE);
	req->ans = ANS_FULL;
	req->status = status;
	req->type = g_strdup(type);
	req->full = g_bytes_new(body, len);
	req_resume(req);
	app_finished(req);
}

void
node_web_req_stream(node_web_req *req, unsigned status, const char *type,
    guint64 length, const char *content_range)
{
	g_return_if_fail(req->ans == ANS_NONE);
	req->ans = ANS_STREAM;
	req->status = status;
	req->type = g_strdup(type);
	req->length = length;
	req->range = g_strdup(content_range);
	req->buf = g_byte_array_new();
	req_resume(req);
}

gboolean
node_web_req_write(node_web_req *req, const void *p, size_t len)
{
	g_return_val_if_fail(req->ans == ANS_STREAM && !req->ended, FALSE);
	if (req->conn == NULL)
		return FALSE;		/* gone: the bytes go nowhere */
	g_byte_array_append(req->buf, p, (guint)len);
	req_resume(req);
	if (req->buf->len - req->buf_off >= NODE_WEB_STREAM_HIGH) {
		req->want_drain = TRUE;
		return FALSE;
	}
	return TRUE;
}

void
node_web_req_end(node_web_req *req, gboolean ok)
{
	g_return_if_fail(req->ans == ANS_STREAM);
	req->ended = TRUE;
	req->end_ok = ok;
	req_resume(req);
	app_finished(req);
}

void
node_web_req_on_drain(node_web_req *req, node_web_req_fn *fn, void *arg)
{
	req->drain = fn;
	req->drain_arg = arg;
}

void
node_web_req_on_gone(node_web_req *req, node_web_req_fn *fn, void *arg)
{
	req->gone = fn;
	req->gone_arg = arg;
	if (req->conn == NULL && !req->app_done) {
		req->gone_due = TRUE;
		req_note(req);
	}
}

/* What MHD keeps for us per request (*req_cls): that its headers have
 * been seen, and whether a GET came with a body. */
static char request_seen, request_had_body;

/* Whether a *req_cls is a routed request (not one of the markers). */
static gboolean
is_route_req(const node_web *w, void *p)
{
	RPC_UNUSED(w);
	return p != NULL && p != &request_seen && p != &request_had_body;
}

/* MHD calls this once when a request's headers have arrived, once per
 * piece of body, and once more at the end.  GET and HEAD are answered at
 * the end: an answer before then makes MHD close the connection, and
 * while a body arrives it cannot take one at all.  Other methods are
 * refused at once, closing the connection instead of reading a body. */
/* ?page=N: 1 to NODE_STATUS_PAGE_MAX into *page (0 without one); FALSE
 * for anything else. */
static gboolean
page_arg(struct MHD_Connection *conn, guint *page)
{
	const char *v = NULL;
	size_t len = 0;
	guint64 n = 0;
	char buf[16];

	if (MHD_lookup_connection_value_n(conn, MHD_GET_ARGUMENT_KIND, "page",
	    4, &v, &len) != MHD_YES)
		return TRUE;
	if (v == NULL || len == 0 || len >= sizeof(buf) || v[0] == '+' ||
	    v[0] == '-')
		return FALSE;
	memcpy(buf, v, len);
	buf[len] = '\0';
	if (strlen(buf) != len || !g_ascii_string_to_unsigned(buf, 10, 1,
	    NODE_STATUS_PAGE_MAX, &n, NULL))
		return FALSE;
	*page = (guint)n;
	return TRUE;
}

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
	guint page = 0;
	char *body;
	size_t len;

	RPC_UNUSED(version);
	if (*req_cls != NULL && is_route_req(w, *req_cls))
		return route_access(w, conn, url, method, upload_data,
		    upload_data_size, (node_web_req **)req_cls,
		    ((node_web_req *)*req_cls)->rt);
	if (*req_cls == NULL) {
		const struct route *rt = find_route(w, method, url);

		if (rt != NULL)
			return route_access(w, conn, url, method, upload_data,
			    upload_data_size, (node_web_req **)req_cls, rt);
	}
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
	if (!page_arg(conn, &page))
		return respond_text(conn, MHD_HTTP_BAD_REQUEST,
		    "Bad request: page= is a number from 1.\n");
	doc = w->fn(page, w->arg);
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
	w->tmpdir = g_strdup(g_get_tmp_dir());
	g_queue_init(&w->notes);
	ev_idle_init(&w->idle, web_idle_cb);
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
	w->mhd = MHD_start_daemon(MHD_USE_EPOLL | MHD_USE_ERROR_LOG |
	    MHD_ALLOW_SUSPEND_RESUME, 0,
	    NULL, NULL, web_access, w,
	    MHD_OPTION_EXTERNAL_LOGGER, web_log, w,
	    MHD_OPTION_NOTIFY_COMPLETED, web_completed, w,
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
	ev_idle_stop(w->loop, &w->idle);
	/* Closes the listening socket and every open connection (routed
	 * requests hear 'gone' no more: the server is going). */
	if (w->mhd != NULL)
		MHD_stop_daemon(w->mhd);
	{
		node_web_req *r;

		while ((r = g_queue_pop_head(&w->notes)) != NULL) {
			r->in_notes = FALSE;
			req_unref(r);
		}
	}
	if (w->routes != NULL) {
		guint i;

		for (i = 0; i < w->routes->len; i++) {
			struct route *rt = g_ptr_array_index(w->routes, i);

			g_free(rt->method);
			g_free(rt->prefix);
			g_free(rt);
		}
		g_ptr_array_unref(w->routes);
	}
	g_free(w->tmpdir);
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

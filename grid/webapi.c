/* grid/webapi.c -- the client's web API for immutable files, as
 * Tahoe-LAFS's: PUT /uri (the body is the file; the answer is its cap)
 * and GET /uri/$CAP (or /uri?uri=$CAP; the file, with Range requests).
 * node/web.c does the HTTP; this module maps requests onto grid/client.c
 * and its errors onto Tahoe's status codes (400 for a bad cap, 410 Gone
 * when too few shares are found, 500 when an upload cannot be placed). */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "grid/client.h"
#include "grid/err.h"
#include "grid/webapi.h"
#include "rpc/common.h"
#include "rpc/err.h"

#define TEXT	"text/plain; charset=utf-8"

static void
respond_msg(node_web_req *req, unsigned status, const char *msg)
{
	g_autofree char *line = g_strconcat(msg, "\n", NULL);

	node_web_req_respond(req, status, TEXT, line, strlen(line));
}

/* ---- PUT /uri ---- */

typedef struct put {
	node_web_req	*req;
	grid_upload	*up;
} put;

static void
put_done(const char *cap, const GError *err, void *arg)
{
	put *p = arg;

	if (err == NULL)
		node_web_req_respond(p->req, 200, TEXT, cap, strlen(cap));
	else if (g_error_matches(err, GRID_ERROR, GRID_E_REFUSED))
		respond_msg(p->req, 403, err->message);
	else
		respond_msg(p->req, 500, err->message);
	g_free(p);
}

static void
put_gone(node_web_req *req, void *arg)
{
	put *p = arg;

	RPC_UNUSED(req);
	/* put_done() runs (with RPC_E_CANCELLED) and answers into the void. */
	grid_upload_cancel(p->up);
}

static void
route_put(node_web_req *req, void *arg)
{
	grid_client *c = arg;
	g_autoptr(GError) err = NULL;
	const char *fmt, *mut, *t;
	size_t len;
	put *p;

	if ((t = node_web_req_arg(req, "t", &len)) != NULL) {
		respond_msg(req, 400, "PUT /uri takes no t= (directories are "
		    "not supported)");
		return;
	}
	if ((fmt = node_web_req_arg(req, "format", &len)) != NULL &&
	    !(len == 3 && g_ascii_strncasecmp(fmt, "chk", 3) == 0)) {
		respond_msg(req, 400, "only format=CHK (immutable files) is "
		    "supported");
		return;
	}
	if ((mut = node_web_req_arg(req, "mutable", &len)) != NULL &&
	    !(len == 5 && g_ascii_strncasecmp(mut, "false", 5) == 0)) {
		respond_msg(req, 400, "mutable files are not supported");
		return;
	}
	if (strcmp(node_web_req_path(req), "/uri") != 0 &&
	    strcmp(node_web_req_path(req), "/uri/") != 0) {
		respond_msg(req, 400, "PUT a file to /uri");
		return;
	}
	p = g_new0(put, 1);
	p->req = req;
	p->up = grid_client_put(c, node_web_req_body_fd(req),
	    node_web_req_body_size(req), put_done, p, &err);
	if (p->up == NULL) {
		g_free(p);
		respond_msg(req, 500, err->message);
		return;
	}
	node_web_req_on_gone(req, put_gone, p);
}

/* ---- GET /uri/$CAP ---- */

typedef struct get {
	node_web_req	*req;
	grid_download	*dl;
	guint64		 size;		/* of the file */
	guint64		 first, length;	/* the range served */
	gboolean	 partial;
	gboolean	 started;	/* answer begun */
	gboolean	 head;
} get;

static void
get_begin(get *g)
{
	g_autofree char *range = NULL;

	if (g->started)
		return;
	g->started = TRUE;
	if (g->partial)
		range = g_strdup_printf("bytes %" G_GUINT64_FORMAT "-%"
		    G_GUINT64_FORMAT "/%" G_GUINT64_FORMAT, g->first,
		    g->first + g->length - 1, g->size);
	node_web_req_stream(g->req, g->partial ? 206 : 200,
	    "application/octet-stream", g->length, range);
}

static void
get_data(const uint8_t *p, size_t len, void *arg)
{
	get *g = arg;

	get_begin(g);
	if (!node_web_req_write(g->req, p, len))
		grid_download_pause(g->dl);
}

static void
get_done(const GError *err, void *arg)
{
	get *g = arg;

	if (err == NULL) {
		get_begin(g);
		node_web_req_end(g->req, TRUE);
	} else if (g->started) {
		/* Headers are out: a short body is the only way to say it. */
		g_warning("download failed part-way: %s", err->message);
		node_web_req_end(g->req, FALSE);
	} else {
		respond_msg(g->req, g_error_matches(err, GRID_ERROR,
		    GRID_E_NOTFOUND) || g_error_matches(err, GRID_ERROR,
		    GRID_E_CORRUPT) ? 410 : 500, err->message);
	}
	g_free(g);
}

static void
get_drain(node_web_req *req, void *arg)
{
	get *g = arg;

	RPC_UNUSED(req);
	grid_download_resume(g->dl);
}

static void
get_gone(node_web_req *req, void *arg)
{
	get *g = arg;

	RPC_UNUSED(req);
	grid_download_cancel(g->dl);
}

/* Parse a Range header of one range over a file of 'size' bytes.
 * Return 1 with the range, 0 to serve the whole file (no header, or one
 * this server does not do, such as several ranges), -1 if it cannot be
 * satisfied. */
static int
parse_range(const char *h, guint64 size, guint64 *first, guint64 *len)
{
	const char *p;
	char *end;
	guint64 a, b;

	if (h == NULL || !g_str_has_prefix(h, "bytes="))
		return 0;
	p = h + 6;
	if (strchr(p, ',') != NULL)
		return 0;
	if (*p == '-') {
		/* The last N bytes. */
		if (!g_ascii_isdigit(p[1]))
			return 0;
		errno = 0;
		b = g_ascii_strtoull(p + 1, &end, 10);
		if (errno != 0 || *end != '\0')
			return 0;
		if (b == 0 || size == 0)
			return -1;
		b = MIN(b, size);
		*first = size - b;
		*len = b;
		return 1;
	}
	if (!g_ascii_isdigit(*p))
		return 0;
	errno = 0;
	a = g_ascii_strtoull(p, &end, 10);
	if (errno != 0 || *end != '-')
		return 0;
	p = end + 1;
	if (*p == '\0') {
		b = size > 0 ? size - 1 : 0;
	} else {
		if (!g_ascii_isdigit(*p))
			return 0;
		errno = 0;
		b = g_ascii_strtoull(p, &end, 10);
		if (errno != 0 || *end != '\0' || b < a)
			return 0;
	}
	if (a >= size)
		return -1;
	b = MIN(b, size - 1);
	*first = a;
	*len = b - a + 1;
	return 1;
}

static void
route_get(node_web_req *req, void *arg)
{
	grid_client *c = arg;
	g_autoptr(GError) err = NULL;
	const char *path = node_web_req_path(req), *text = NULL;
	size_t len = 0;
	grid_uri cap;
	get *g;
	int r;

	if (g_str_has_prefix(path, "/uri/") && path[5] != '\0') {
		text = path + 5;
		len = strlen(text);
		/* A trailing slash is what a browser adds to a directory. */
		if (len > 0 && text[len - 1] == '/')
			len--;
	} else if (strcmp(path, "/uri") == 0 || strcmp(path, "/uri/") == 0) {
		text = node_web_req_arg(req, "uri", &len);
	}
	if (text == NULL) {
		respond_msg(req, 400, "GET /uri/$CAP or /uri?uri=$CAP");
		return;
	}
	if (!grid_uri_parse(text, len, &cap, &err)) {
		respond_msg(req, 400, err->message);
		return;
	}
	if (cap.kind != GRID_URI_CHK && cap.kind != GRID_URI_LIT) {
		grid_uri_clear(&cap);
		respond_msg(req, 400, "not a read cap of a file (URI:CHK: or "
		    "URI:LIT:)");
		return;
	}
	g = g_new0(get, 1);
	g->req = req;
	g->size = cap.size;
	g->first = 0;
	g->length = cap.size;
	r = parse_range(node_web_req_header(req, "Range"), cap.size,
	    &g->first, &g->length);
	if (r < 0) {
		g_autofree char *msg = g_strdup_printf("range not satisfiable: "
		    "the file has %" G_GUINT64_FORMAT " bytes", cap.size);

		grid_uri_clear(&cap);
		g_free(g);
		respond_msg(req, 416, msg);
		return;
	}
	g->partial = r > 0;
	if (strcmp(node_web_req_method(req), "HEAD") == 0) {
		get_begin(g);
		node_web_req_end(req, TRUE);
		grid_uri_clear(&cap);
		g_free(g);
		return;
	}
	g->dl = grid_client_get(c, &cap, g->first, g->length, get_data,
	    get_done, g);
	grid_uri_clear(&cap);
	node_web_req_on_drain(req, get_drain, g);
	node_web_req_on_gone(req, get_gone, g);
}

void
grid_webapi_add(node_web *w, grid_client *c)
{
	node_web_add_route(w, "PUT", "/uri", route_put, c);
	node_web_add_route(w, "GET", "/uri", route_get, c);
}

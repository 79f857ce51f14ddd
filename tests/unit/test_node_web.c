/* tests/unit/test_node_web.c -- the welcome page over real HTTP on
 * 127.0.0.1: the JSON document as produced, the HTML page and its
 * escaping, status codes, web.port parsing and bind errors, keep-alive,
 * and shutting down with a client still connected.
 *
 * The server runs on this thread's libev loop; each client is a GThread
 * doing blocking socket I/O (the code under test has no threads) that
 * wakes the loop through an ev_async when it is done. */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>
#include <cmocka.h>

#include "node/cfg.h"
#include "node/web.h"
#include "rpc/common.h"

#define MAX_REQUESTS	4
/* A reply that has not come by then is a failure, not a hang. */
#define CLIENT_TIMEOUT	5
#define GUARD_SECONDS	10.0
#define SMALL_RCVBUF	4096

/* The usual document, as the node builds it. */
static const char usual_doc[] =
	"{\"nickname\": \"alice\", \"node_id\": \"pub-v0-aaaa\","
	" \"tubid\": \"tubid0\", \"version\": \"tahoe-c 0.1\","
	" \"uptime\": 12, \"debug\": false,"
	" \"introducer\": {\"state\": \"connected\","
	"  \"address\": \"tcp:localhost:5555\", \"since\": 1790000000.5,"
	"  \"last_error\": null},"
	" \"servers\": ["
	"  {\"nickname\": \"storage0\", \"node_id\": \"pub-v0-s0\","
	"   \"address\": \"tcp:127.0.0.1:6003\", \"state\": \"connected\","
	"   \"since\": 1790000000.5, \"last_seen\": 1790000100.0,"
	"   \"last_error\": null, \"grid_manager\": \"certified\"},"
	"  {\"nickname\": \"<script>alert(1)</script>&\","
	"   \"node_id\": \"pub-v0-s1\", \"address\": \"tcp:127.0.0.1:6004\","
	"   \"state\": \"connected\", \"since\": 1790000000,"
	"   \"last_seen\": null, \"last_error\": null,"
	"   \"grid_manager\": \"not certified: expired\"},"
	"  {\"nickname\": \"storage2\", \"node_id\": \"pub-v0-s2\","
	"   \"address\": \"tcp:127.0.0.1:6005\", \"state\": \"waiting\","
	"   \"since\": null, \"last_seen\": null,"
	"   \"last_error\": \"connection refused\", \"grid_manager\": null}"
	" ]}";

/* Sections as a client node's services describe them (grid/gnode.c);
 * the page knows none of them itself. */
static const node_status_field intro_fields[] = {
	{ "state",	"State",	NODE_FIELD_STATE, 0 },
	{ "address",	"Address",	0,		  0 },
	{ "since",	"Since",	NODE_FIELD_TIME,  0 },
	{ "last_error",	"Last error",	0,		  0 },
};

static const node_status_field server_fields[] = {
	{ "nickname",	  "Nickname",	  0,		    16 },
	{ "node_id",	  "Node ID",	  NODE_FIELD_ID,    20 },
	{ "address",	  "Address",	  0,		    24 },
	{ "state",	  "State",	  NODE_FIELD_STATE, 11 },
	{ "since",	  "Since",	  NODE_FIELD_TIME,  20 },
	{ "last_seen",	  "Last seen",	  NODE_FIELD_TIME,  0 },
	{ "last_error",	  "Last error",	  0,		    0 },
	{ "grid_manager", "Grid manager", 0,		    0 },
};

static const node_status_section test_sections[] = {
	{ "Introducer", "introducer", FALSE, intro_fields,
	    G_N_ELEMENTS(intro_fields), NULL, NULL },
	{ "Storage servers", "servers", TRUE, server_fields,
	    G_N_ELEMENTS(server_fields), "servers", "connected" },
};

typedef json_t *make_doc_fn(void);

typedef struct fixture {
	struct ev_loop	*loop;
	node_web	*web;
	node_status_layout *layout;
	make_doc_fn	*make;	/* NULL: the callback answers NULL */
	unsigned int	 calls;
	guint		 page;	/* the last asked */
} fixture;

typedef struct reply {
	int	 status;
	char	*head;		/* status line and headers */
	char	*body;
	size_t	 body_len;
} reply;

typedef struct client {
	uint16_t	 port;
	/* Sent in turn on one connection. */
	const char	*req[MAX_REQUESTS];
	gboolean	 hold;	/* then wait for the server to close */
	gboolean	 pipeline;	/* send all before reading */
	gboolean	 small_rcvbuf;	/* so the server's writes block */
	/* Written by the client thread, read after it signals. */
	reply		 rep[MAX_REQUESTS];
	unsigned int	 nrep;
	size_t		 trailing;	/* bytes after the last reply */
	gboolean	 saw_close;
	char		*error;
	gboolean	 signalled;
	/* Main thread only. */
	struct ev_loop	*loop;
	ev_async	 done;
	ev_timer	 guard;
	gboolean	 timed_out;
	GThread		*thread;
} client;

static json_t *
make_usual(void)
{
	json_t *n = json_loads(usual_doc, 0, NULL);

	g_assert(n != NULL);
	return n;
}

static json_t *
status_cb(guint page, void *arg)
{
	fixture *f = arg;

	f->calls++;
	f->page = page;
	return f->make != NULL ? f->make() : NULL;
}

static int
setup(void **state)
{
	fixture *f = g_new0(fixture, 1);
	g_autoptr(GError) err = NULL;

	f->loop = ev_loop_new(EVFLAG_AUTO);
	f->make = make_usual;
	f->web = node_web_new(f->loop, "tcp:0", status_cb, f, &err);
	assert_null(err);
	assert_non_null(f->web);
	f->layout = node_status_layout_new();
	node_status_layout_add(f->layout, &test_sections[0]);
	node_status_layout_add(f->layout, &test_sections[1]);
	node_web_set_layout(f->web, f->layout);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	fixture *f = *state;

	node_web_free(f->web);
	node_status_layout_free(f->layout);
	ev_loop_destroy(f->loop);
	g_free(f);
	return 0;
}

/* ---- the client thread ---- */

static gboolean
send_all(int fd, const char *p, size_t len)
{
	ssize_t n;

	while (len > 0) {
		n = send(fd, p, len, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return FALSE;
		p += n;
		len -= (size_t)n;
	}
	return TRUE;
}

/* Append what arrives; bytes read, 0 at EOF, -1 on error or timeout. */
static ssize_t
recv_more(int fd, GString *buf)
{
	char tmp[4096];
	ssize_t n;

	do
		n = recv(fd, tmp, sizeof(tmp), 0);
	while (n < 0 && errno == EINTR);
	if (n > 0)
		g_string_append_len(buf, tmp, n);
	return n;
}

/* The value of header 'name' in 'head', or NULL; caller g_free()s. */
static char *
header_value(const char *head, const char *name)
{
	g_auto(GStrv) lines = g_strsplit(head, "\r\n", -1);
	size_t nlen = strlen(name);
	guint i;

	for (i = 1; lines[i] != NULL; i++)
		if (g_ascii_strncasecmp(lines[i], name, nlen) == 0 &&
		    lines[i][nlen] == ':')
			return g_strstrip(g_strdup(lines[i] + nlen + 1));
	return NULL;
}

static gboolean
read_reply(int fd, GString *buf, gboolean head, reply *r, char **error)
{
	g_autofree char *cl = NULL;
	const char *end;
	size_t hlen, blen;

	while ((end = g_strstr_len(buf->str, (gssize)buf->len,
	    "\r\n\r\n")) == NULL) {
		if (recv_more(fd, buf) <= 0) {
			*error = g_strdup_printf("no reply (%s)",
			    g_strerror(errno));
			return FALSE;
		}
	}
	hlen = (size_t)(end - buf->str) + 4;
	r->head = g_strndup(buf->str, hlen);
	if (sscanf(r->head, "HTTP/1.%*d %d ", &r->status) != 1) {
		*error = g_strdup_printf("bad status line: %s", r->head);
		return FALSE;
	}
	cl = header_value(r->head, "Content-Length");
	if (head)
		blen = 0;
	else if (cl != NULL)
		blen = strtoul(cl, NULL, 10);
	else {
		while (recv_more(fd, buf) > 0)
			;
		blen = buf->len - hlen;
	}
	while (buf->len < hlen + blen) {
		if (recv_more(fd, buf) <= 0) {
			*error = g_strdup("short body");
			return FALSE;
		}
	}
	r->body = g_strndup(buf->str + hlen, blen);
	r->body_len = blen;
	g_string_erase(buf, 0, (gssize)(hlen + blen));
	return TRUE;
}

static gpointer
client_main(gpointer data)
{
	client *c = data;
	struct timeval tv = { CLIENT_TIMEOUT, 0 };
	struct sockaddr_in sin;
	GString *buf = g_string_new(NULL);
	int fd, small = SMALL_RCVBUF;
	char byte;
	ssize_t n;
	guint i;

	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		c->error = g_strdup_printf("socket: %s", g_strerror(errno));
		goto out;
	}
	(void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	(void)setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (c->small_rcvbuf)
		(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &small,
		    sizeof(small));
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons(c->port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (connect(fd, (struct sockaddr *)&sin, sizeof(sin)) != 0) {
		c->error = g_strdup_printf("connect: %s", g_strerror(errno));
		goto out;
	}
	for (i = 0; c->pipeline && i < MAX_REQUESTS && c->req[i] != NULL;
	    i++) {
		if (!send_all(fd, c->req[i], strlen(c->req[i]))) {
			c->error = g_strdup_printf("send: %s",
			    g_strerror(errno));
			goto out;
		}
	}
	for (i = 0; i < MAX_REQUESTS && c->req[i] != NULL; i++) {
		if (!c->pipeline &&
		    !send_all(fd, c->req[i], strlen(c->req[i]))) {
			c->error = g_strdup_printf("send: %s",
			    g_strerror(errno));
			goto out;
		}
		if (!read_reply(fd, buf, g_str_has_prefix(c->req[i],
		    "HEAD "), &c->rep[i], &c->error))
			goto out;
		c->nrep++;
	}
	if (c->hold) {
		c->signalled = TRUE;
		ev_async_send(c->loop, &c->done);
		do
			n = recv(fd, &byte, 1, 0);
		while (n < 0 && errno == EINTR);
		c->saw_close = n == 0 || (n < 0 && errno == ECONNRESET);
	} else {
		while (recv_more(fd, buf) > 0)
			;
		c->trailing = buf->len;
	}
out:
	if (fd >= 0)
		close(fd);
	g_string_free(buf, TRUE);
	if (!c->signalled)
		ev_async_send(c->loop, &c->done);
	return NULL;
}

static void
client_done_cb(struct ev_loop *loop, ev_async *w, int revents)
{
	RPC_UNUSED(w);
	RPC_UNUSED(revents);
	ev_break(loop, EVBREAK_ALL);
}

static void
client_guard_cb(struct ev_loop *loop, ev_timer *t, int revents)
{
	client *c = RPC_CONTAINER_OF(t, client, guard);

	RPC_UNUSED(revents);
	c->timed_out = TRUE;
	ev_break(loop, EVBREAK_ALL);
}

/* Run the loop until the client has its replies (or, with 'hold', until
 * it waits for the server to close; then the caller joins c->thread). */
static void
client_run(fixture *f, client *c)
{
	c->loop = f->loop;
	c->port = node_web_port(f->web);
	ev_async_init(&c->done, client_done_cb);
	ev_async_start(f->loop, &c->done);
	ev_timer_init(&c->guard, client_guard_cb, GUARD_SECONDS, 0.);
	ev_timer_start(f->loop, &c->guard);
	c->thread = g_thread_new("http-client", client_main, c);
	ev_run(f->loop, 0);
	ev_timer_stop(f->loop, &c->guard);
	ev_async_stop(f->loop, &c->done);
	if (!c->hold) {
		g_thread_join(c->thread);
		c->thread = NULL;
	}
	assert_false(c->timed_out);
	if (c->error != NULL)
		fail_msg("client: %s", c->error);
}

static void
client_clear(client *c)
{
	guint i;

	for (i = 0; i < MAX_REQUESTS; i++) {
		g_free(c->rep[i].head);
		g_free(c->rep[i].body);
	}
	g_free(c->error);
}

/* One request on its own connection; the reply goes to *r (caller
 * frees head and body). */
static void
get1(fixture *f, const char *request, reply *r)
{
	client c;

	memset(&c, 0, sizeof(c));
	c.req[0] = request;
	client_run(f, &c);
	assert_int_equal(c.nrep, 1);
	assert_int_equal(c.trailing, 0);
	*r = c.rep[0];
	memset(&c.rep[0], 0, sizeof(c.rep[0]));
	client_clear(&c);
}

static void
reply_clear(reply *r)
{
	g_free(r->head);
	g_free(r->body);
}

static void
assert_header(const reply *r, const char *name, const char *want)
{
	g_autofree char *v = header_value(r->head, name);

	if (v == NULL || strcmp(v, want) != 0)
		fail_msg("%s: '%s', want '%s'", name, v ? v : "(none)", want);
}

static void
assert_contains(const char *hay, const char *needle)
{
	if (strstr(hay, needle) == NULL)
		fail_msg("'%s' not in:\n%s", needle, hay);
}

#define REQ(line)	line " HTTP/1.1\r\nHost: 127.0.0.1\r\n" \
			"Connection: close\r\n\r\n"

/* ---- pages ---- */

static void
test_json_is_the_document(void **state)
{
	fixture *f = *state;
	g_autoptr(json_t) want = make_usual();
	g_autoptr(json_t) got = NULL;
	json_error_t err;
	reply r;

	get1(f, REQ("GET /?t=json"), &r);
	assert_int_equal(r.status, 200);
	assert_header(&r, "Content-Type", "application/json");
	assert_int_equal(f->calls, 1);
	got = json_loads(r.body, 0, &err);
	assert_non_null(got);
	assert_true(json_is_object(got));
	assert_true(json_equal(want, got));
	assert_string_equal(json_string_value(json_object_get(got,
	    "nickname")), "alice");
	assert_int_equal(json_array_size(json_object_get(got, "servers")),
	    3);
	reply_clear(&r);
}

static void
test_html_shows_node_and_servers(void **state)
{
	fixture *f = *state;
	reply r;

	get1(f, REQ("GET /"), &r);
	assert_int_equal(r.status, 200);
	assert_header(&r, "Content-Type", "text/html; charset=utf-8");
	assert_int_equal(f->calls, 1);
	assert_true(g_utf8_validate(r.body, (gssize)r.body_len, NULL));
	assert_contains(r.body, "<title>alice");
	assert_contains(r.body, "<h1>alice</h1>");
	assert_contains(r.body, "pub-v0-aaaa");
	assert_contains(r.body, "tahoe-c 0.1");
	assert_contains(r.body, "tcp:localhost:5555");
	assert_contains(r.body, "2 of 3 servers connected");
	assert_contains(r.body, "<td>storage0</td>");
	assert_contains(r.body, "<td>storage2</td>");
	assert_contains(r.body, "tcp:127.0.0.1:6004");
	assert_contains(r.body, "connection refused");
	assert_contains(r.body, "not certified: expired");
	/* Times as UTC ISO 8601, from floats and integers. */
	assert_contains(r.body, "2026-09-21T14:13:20Z");
	assert_contains(r.body, "2026-09-21T14:15:00Z");
	/* Other top-level scalars are shown too. */
	assert_contains(r.body, "<th>uptime</th><td>12</td>");
	reply_clear(&r);
}

static void
test_html_escapes_untrusted_text(void **state)
{
	fixture *f = *state;
	reply r;

	get1(f, REQ("GET /"), &r);
	assert_int_equal(r.status, 200);
	assert_contains(r.body,
	    "&lt;script&gt;alert(1)&lt;/script&gt;&amp;");
	assert_null(strstr(r.body, "<script"));
	reply_clear(&r);
}

static void
test_headers_forbid_caching_and_sniffing(void **state)
{
	fixture *f = *state;
	reply r;

	get1(f, REQ("GET /"), &r);
	assert_header(&r, "Cache-Control", "no-store");
	assert_header(&r, "X-Content-Type-Options", "nosniff");
	assert_header(&r, "Content-Security-Policy",
	    "default-src 'none'; style-src 'unsafe-inline'");
	reply_clear(&r);
	get1(f, REQ("GET /nope"), &r);
	assert_header(&r, "X-Content-Type-Options", "nosniff");
	reply_clear(&r);
}

static void
test_head_has_no_body(void **state)
{
	fixture *f = *state;
	reply r;

	get1(f, REQ("HEAD /"), &r);
	assert_int_equal(r.status, 200);
	assert_header(&r, "Content-Type", "text/html; charset=utf-8");
	assert_int_equal(r.body_len, 0);
	reply_clear(&r);
}

/* A nickname that is not UTF-8, members of the wrong type, and a
 * document that is not an object at all. */
static json_t *
make_hostile(void)
{
	json_t *doc = json_object(), *servers = json_array();
	json_t *odd = json_object(), *quoted = json_object();

	/* Invalid UTF-8 gets in only through jansson's _nocheck calls. */
	json_object_set_new(doc, "nickname",
	    json_string_nocheck("bad\xff\xfe<b>\x01"));
	json_object_set_new(doc, "node_id", json_integer(7));
	json_object_set_new_nocheck(doc, "na\xc3me\x80", json_string("x"));
	json_object_set_new(doc, "introducer", json_string("connected"));
	json_array_append_new(servers, json_integer(1));
	json_array_append_new(servers, json_string("connected"));
	json_array_append_new(servers, json_null());
	json_object_set_new(odd, "state", json_integer(5));
	json_object_set_new(odd, "nickname", json_object());
	json_object_set_new(odd, "since", json_real(1e300));
	json_object_set_new(odd, "last_seen", json_real(-5.0));
	json_object_set_new(odd, "node_id", json_true());
	json_object_set_new(odd, "grid_manager", json_array());
	json_array_append_new(servers, odd);
	json_object_set_new(quoted, "state", json_string("connected\"><i>"));
	json_array_append_new(servers, quoted);
	json_object_set_new(doc, "servers", servers);
	return doc;
}

static json_t *
make_array(void)
{
	return json_loads("[1, 2, {\"nickname\": \"x\"}]", 0, NULL);
}

static json_t *
make_empty(void)
{
	return json_loads("{}", 0, NULL);
}

static void
test_html_tolerates_wrong_types(void **state)
{
	fixture *f = *state;
	reply r;

	f->make = make_hostile;
	get1(f, REQ("GET /"), &r);
	assert_int_equal(r.status, 200);
	assert_true(g_utf8_validate(r.body, (gssize)r.body_len, NULL));
	assert_contains(r.body, "0 of 5 servers connected");
	assert_contains(r.body, "&lt;b&gt;");
	assert_null(strstr(r.body, "<b>"));
	assert_null(strstr(r.body, "<i>"));
	assert_contains(r.body, "class=\"st-other\"");
	reply_clear(&r);

	get1(f, REQ("GET /?t=json"), &r);
	assert_int_equal(r.status, 200);
	assert_true(g_utf8_validate(r.body, (gssize)r.body_len, NULL));
	reply_clear(&r);

	f->make = make_array;
	get1(f, REQ("GET /"), &r);
	assert_int_equal(r.status, 200);
	assert_contains(r.body, "0 of 0 servers connected");
	reply_clear(&r);
	get1(f, REQ("GET /?t=json"), &r);
	assert_int_equal(r.status, 200);
	assert_contains(r.body, "\"nickname\"");
	reply_clear(&r);

	f->make = make_empty;
	get1(f, REQ("GET /"), &r);
	assert_int_equal(r.status, 200);
	assert_contains(r.body, "0 of 0 servers connected");
	reply_clear(&r);
}

/* ---- status codes ---- */

static void
test_unknown_path_is_404(void **state)
{
	fixture *f = *state;
	reply r;

	get1(f, REQ("GET /nope"), &r);
	assert_int_equal(r.status, 404);
	reply_clear(&r);
	get1(f, REQ("GET /index.html?t=json"), &r);
	assert_int_equal(r.status, 404);
	reply_clear(&r);
	assert_int_equal(f->calls, 0);
}

static void
test_other_methods_are_405(void **state)
{
	fixture *f = *state;
	reply r;

	get1(f, "POST / HTTP/1.1\r\nHost: 127.0.0.1\r\n"
	    "Content-Type: text/plain\r\nContent-Length: 5\r\n"
	    "Connection: close\r\n\r\nhello", &r);
	assert_int_equal(r.status, 405);
	assert_header(&r, "Allow", "GET, HEAD");
	reply_clear(&r);
	get1(f, REQ("DELETE /"), &r);
	assert_int_equal(r.status, 405);
	reply_clear(&r);
	get1(f, REQ("BREW /nope"), &r);
	assert_int_equal(r.status, 405);
	reply_clear(&r);
	assert_int_equal(f->calls, 0);
}

static void
test_unknown_t_is_400(void **state)
{
	fixture *f = *state;
	static const char *const reqs[] = {
		REQ("GET /?t=bogus"), REQ("GET /?t="), REQ("GET /?t"),
		REQ("GET /?t=JSON"), REQ("GET /?t=json%00x"),
	};
	reply r;
	size_t i;

	for (i = 0; i < G_N_ELEMENTS(reqs); i++) {
		get1(f, reqs[i], &r);
		if (r.status != 400)
			fail_msg("%s: %d", reqs[i], r.status);
		reply_clear(&r);
	}
	/* Other query arguments are ignored. */
	get1(f, REQ("GET /?x=1&t=json"), &r);
	assert_int_equal(r.status, 200);
	assert_header(&r, "Content-Type", "application/json");
	reply_clear(&r);
}

/* ?page=N reaches the status callback; anything but 1 to
 * NODE_STATUS_PAGE_MAX in decimal is refused before it. */
static void
test_page_arg(void **state)
{
	fixture *f = *state;
	static const char *const bad[] = {
		REQ("GET /?page=0"), REQ("GET /?page="), REQ("GET /?page"),
		REQ("GET /?page=-1"), REQ("GET /?page=+2"), REQ("GET /?page=x"),
		REQ("GET /?page=1000001"), REQ("GET /?page=2%00"),
		REQ("GET /?page=99999999999999999999"), REQ("GET /?page=0x10"),
	};
	reply r;
	size_t i;

	get1(f, REQ("GET /?t=json"), &r);
	assert_int_equal(f->page, 0);
	reply_clear(&r);
	get1(f, REQ("GET /?page=3"), &r);
	assert_int_equal(r.status, 200);
	assert_int_equal(f->page, 3);
	reply_clear(&r);
	get1(f, REQ("GET /?t=json&page=1000000"), &r);
	assert_int_equal(r.status, 200);
	assert_int_equal(f->page, 1000000);
	reply_clear(&r);
	for (i = 0; i < G_N_ELEMENTS(bad); i++) {
		f->calls = 0;
		get1(f, bad[i], &r);
		if (r.status != 400 || f->calls != 0)
			fail_msg("%s: %d", bad[i], r.status);
		reply_clear(&r);
	}
}

/* A page field is a link with the number only, and only in range. */
static void
test_page_field_links(void **state)
{
	static const node_status_field fields[] = {
		{ "next", "Next page", NODE_FIELD_PAGE, 0 },
		{ "bad", "Bad page", NODE_FIELD_PAGE, 0 },
		{ "str", "Str page", NODE_FIELD_PAGE, 0 },
	};
	static const node_status_section sec = {
		"Pages", "pages", FALSE, fields, G_N_ELEMENTS(fields), NULL,
		NULL,
	};
	g_autoptr(node_status_layout) l = node_status_layout_new();
	g_autoptr(json_t) doc = json_pack("{s:{s:i,s:i,s:s}}", "pages",
	    "next", 2, "bad", 0, "str", "\"><script>");
	g_autofree char *html = NULL;
	size_t len = 0;

	RPC_UNUSED(state);
	node_status_layout_add(l, &sec);
	html = node_status_html(doc, l, &len);
	assert_non_null(strstr(html, "<a href=\"?page=2\">2</a>"));
	assert_null(strstr(html, "?page=0"));
	assert_null(strstr(html, "<script>"));
}

static void
test_no_status_is_500(void **state)
{
	fixture *f = *state;
	reply r;

	f->make = NULL;
	get1(f, REQ("GET /"), &r);
	assert_int_equal(r.status, 500);
	assert_header(&r, "Content-Type", "text/plain; charset=utf-8");
	reply_clear(&r);
	get1(f, REQ("GET /?t=json"), &r);
	assert_int_equal(r.status, 500);
	reply_clear(&r);
	assert_int_equal(f->calls, 2);
}

static void
test_get_with_body_is_400(void **state)
{
	fixture *f = *state;
	reply r;

	get1(f, "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n"
	    "Content-Length: 3\r\nConnection: close\r\n\r\nabc", &r);
	assert_int_equal(r.status, 400);
	reply_clear(&r);
	assert_int_equal(f->calls, 0);
}

/* ---- connections ---- */

static void
test_keepalive_serves_two_requests(void **state)
{
	fixture *f = *state;
	client c;

	memset(&c, 0, sizeof(c));
	c.req[0] = "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
	c.req[1] = REQ("GET /?t=json");
	client_run(f, &c);
	assert_int_equal(c.nrep, 2);
	assert_int_equal(c.rep[0].status, 200);
	assert_int_equal(c.rep[1].status, 200);
	assert_contains(c.rep[0].body, "<h1>alice</h1>");
	assert_contains(c.rep[1].body, "\"tubid0\"");
	assert_int_equal(c.trailing, 0);
	assert_int_equal(f->calls, 2);
	client_clear(&c);
}

/* Requests that arrive together: after answering the first, MHD has the
 * second in its buffer and no new event will say so. */
static void
test_pipelined_requests(void **state)
{
	fixture *f = *state;
	client c;

	memset(&c, 0, sizeof(c));
	c.req[0] = "GET /?t=json HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
	c.req[1] = "HEAD / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
	c.req[2] = REQ("GET /nope");
	c.pipeline = TRUE;
	client_run(f, &c);
	assert_int_equal(c.nrep, 3);
	assert_int_equal(c.rep[0].status, 200);
	assert_int_equal(c.rep[1].status, 200);
	assert_int_equal(c.rep[2].status, 404);
	assert_int_equal(c.trailing, 0);
	assert_int_equal(f->calls, 2);
	client_clear(&c);
}

static void
test_sequential_connections(void **state)
{
	fixture *f = *state;
	reply r;
	int i;

	for (i = 0; i < 3; i++) {
		get1(f, REQ("GET /"), &r);
		assert_int_equal(r.status, 200);
		reply_clear(&r);
	}
	assert_int_equal(f->calls, 3);
}

/* Far more than a socket buffer holds, so MHD must finish the write on
 * later loop passes. */
#define MANY_SERVERS	3000

static json_t *
make_large(void)
{
	json_t *doc = json_object(), *servers = json_array();
	char name[32];
	int i;

	json_object_set_new(doc, "nickname", json_string("big"));
	for (i = 0; i < MANY_SERVERS; i++) {
		json_t *o = json_object();

		g_snprintf(name, sizeof(name), "server%d", i);
		json_object_set_new(o, "nickname", json_string(name));
		json_object_set_new(o, "state", json_string(i % 2 ?
		    "waiting" : "connected"));
		json_object_set_new(o, "node_id", json_string("pub-v0-"
		    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"));
		json_array_append_new(servers, o);
	}
	json_object_set_new(doc, "servers", servers);
	return doc;
}

static void
test_large_page_is_flushed(void **state)
{
	fixture *f = *state;
	client c;
	g_autofree char *count = g_strdup_printf(
	    "%d of %d servers connected", MANY_SERVERS / 2, MANY_SERVERS);
	g_autofree char *last = g_strdup_printf("<td>server%d</td>",
	    MANY_SERVERS - 1);
	reply r;

	f->make = make_large;
	memset(&c, 0, sizeof(c));
	c.req[0] = REQ("GET /");
	c.small_rcvbuf = TRUE;
	client_run(f, &c);
	assert_int_equal(c.nrep, 1);
	r = c.rep[0];
	memset(&c.rep[0], 0, sizeof(c.rep[0]));
	client_clear(&c);
	assert_int_equal(r.status, 200);
	assert_true(r.body_len > 512 * 1024);
	assert_contains(r.body, count);
	assert_contains(r.body, last);
	assert_true(g_str_has_suffix(r.body, "</html>\n"));
	reply_clear(&r);
	get1(f, REQ("GET /?t=json"), &r);
	assert_int_equal(r.status, 200);
	assert_true(g_str_has_suffix(r.body, "}\n"));
	reply_clear(&r);
}

static void
test_free_closes_idle_connection(void **state)
{
	fixture *f = *state;
	client c;

	memset(&c, 0, sizeof(c));
	c.req[0] = "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
	c.hold = TRUE;
	client_run(f, &c);
	assert_int_equal(c.nrep, 1);
	assert_int_equal(c.rep[0].status, 200);
	/* The client now idles on a kept-alive connection. */
	node_web_free(f->web);
	f->web = NULL;
	g_thread_join(c.thread);
	assert_true(c.saw_close);
	client_clear(&c);
}

/* ---- web.port ---- */

static void
test_bad_specs_are_format_errors(void **state)
{
	fixture *f = *state;
	static const char *const bad[] = {
		"tcp:", "tcp:70000", "tcp:65536", "tcp:1:interface=notanip",
		"x", "", "tcp", "tcp:-1", "tcp:+1", "tcp: 1", "tcp:1 ",
		"tcp:0x10", "tcp:123456", "tcp:1:", "tcp:1:interface=",
		"tcp:1:foo=bar", "tcp:1:interface=127.0.0.1:backlog=5",
		"udp:1", "1:interface=127.0.0.1", "tcp:1:interface=::1%lo",
		"tcp:1:interface=localhost", "tcp:1:interface=1.2.3",
		"tcp:x\n",
	};
	size_t i;

	for (i = 0; i < G_N_ELEMENTS(bad); i++) {
		g_autoptr(GError) err = NULL;
		g_autofree char *prefix = NULL;
		node_web *w;

		w = node_web_new(f->loop, bad[i], status_cb, f, &err);
		if (w != NULL)
			fail_msg("'%s' accepted", bad[i]);
		assert_non_null(err);
		if (!g_error_matches(err, NODE_ERROR, NODE_E_FORMAT))
			fail_msg("'%s': %s", bad[i], err->message);
		assert_null(strchr(err->message, '\n'));
		if (strchr(bad[i], '\n') == NULL) {
			prefix = g_strdup_printf("web.port '%s': ", bad[i]);
			assert_true(g_str_has_prefix(err->message, prefix));
		}
	}
}

static void
test_bad_port_message(void **state)
{
	fixture *f = *state;
	g_autoptr(GError) err = NULL;

	assert_null(node_web_new(f->loop, "tcp:x", status_cb, f, &err));
	assert_non_null(err);
	assert_string_equal(err->message,
	    "web.port 'tcp:x': bad port (0 to 65535)");
}

static void
test_good_specs(void **state)
{
	fixture *f = *state;
	static const char *const good[] = {
		"0", "tcp:0", "tcp:0:interface=127.0.0.1",
		"tcp:00000:interface=127.0.0.1",
	};
	size_t i;

	for (i = 0; i < G_N_ELEMENTS(good); i++) {
		g_autoptr(GError) err = NULL;
		g_autofree char *url = NULL, *want = NULL;
		node_web *w;

		w = node_web_new(f->loop, good[i], status_cb, f, &err);
		if (w == NULL)
			fail_msg("'%s': %s", good[i], err->message);
		assert_int_not_equal(node_web_port(w), 0);
		url = node_web_url(w);
		want = g_strdup_printf("http://127.0.0.1:%u/",
		    node_web_port(w));
		assert_string_equal(url, want);
		node_web_free(w);
	}
}

static void
test_ephemeral_port_names_url(void **state)
{
	fixture *f = *state;
	g_autofree char *url = node_web_url(f->web);
	g_autofree char *want = NULL;

	assert_int_not_equal(node_web_port(f->web), 0);
	want = g_strdup_printf("http://127.0.0.1:%u/",
	    node_web_port(f->web));
	assert_string_equal(url, want);
}

/* A test that could not run here: automake's SKIP (77) for the program,
 * so that a missing case is seen, not counted as a pass. */
static bool skipped_any;

static void
test_ipv6_url_has_brackets(void **state)
{
	fixture *f = *state;
	static const char *const specs[] = {
		"tcp:0:interface=::1", "tcp:0:interface=\\:\\:1",
		"tcp:0:interface=[::1]",
	};
	struct sockaddr_in6 sin6;
	size_t i;
	int fd;

	/* Skip where there is no IPv6 loopback to bind. */
	memset(&sin6, 0, sizeof(sin6));
	sin6.sin6_family = AF_INET6;
	sin6.sin6_addr = in6addr_loopback;
	fd = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sin6, sizeof(sin6)) != 0) {
		if (fd >= 0)
			close(fd);
		skipped_any = true;
		skip();
	}
	close(fd);
	for (i = 0; i < G_N_ELEMENTS(specs); i++) {
		g_autoptr(GError) err = NULL;
		g_autofree char *url = NULL, *want = NULL;
		node_web *w;

		w = node_web_new(f->loop, specs[i], status_cb, f, &err);
		if (w == NULL)
			fail_msg("'%s': %s", specs[i], err->message);
		url = node_web_url(w);
		want = g_strdup_printf("http://[::1]:%u/", node_web_port(w));
		assert_string_equal(url, want);
		node_web_free(w);
	}
}

static void
test_port_in_use_is_io_error(void **state)
{
	fixture *f = *state;
	g_autoptr(GError) err = NULL;
	g_autofree char *spec = g_strdup_printf("tcp:%u",
	    node_web_port(f->web));
	g_autofree char *prefix = g_strdup_printf("web.port '%s': ", spec);

	assert_null(node_web_new(f->loop, spec, status_cb, f, &err));
	assert_non_null(err);
	assert_true(g_error_matches(err, NODE_ERROR, NODE_E_IO));
	assert_true(g_str_has_prefix(err->message, prefix));
	assert_contains(err->message, g_strerror(EADDRINUSE));
	assert_null(strchr(err->message, '\n'));
	/* The first server is unharmed. */
	{
		reply r;

		get1(f, REQ("GET /"), &r);
		assert_int_equal(r.status, 200);
		reply_clear(&r);
	}
}

static void
test_free_null_is_noop(void **state)
{
	RPC_UNUSED(state);
	node_web_free(NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
		T(test_json_is_the_document),
		T(test_html_shows_node_and_servers),
		T(test_html_escapes_untrusted_text),
		T(test_headers_forbid_caching_and_sniffing),
		T(test_head_has_no_body),
		T(test_html_tolerates_wrong_types),
		T(test_unknown_path_is_404),
		T(test_other_methods_are_405),
		T(test_unknown_t_is_400),
		T(test_page_arg),
		cmocka_unit_test(test_page_field_links),
		T(test_no_status_is_500),
		T(test_get_with_body_is_400),
		T(test_keepalive_serves_two_requests),
		T(test_pipelined_requests),
		T(test_sequential_connections),
		T(test_large_page_is_flushed),
		T(test_free_closes_idle_connection),
		T(test_bad_specs_are_format_errors),
		T(test_bad_port_message),
		T(test_good_specs),
		T(test_ephemeral_port_names_url),
		T(test_ipv6_url_has_brackets),
		T(test_port_in_use_is_io_error),
		T(test_free_null_is_noop),
#undef T
	};

	int r = cmocka_run_group_tests(tests, NULL, NULL);

	return r == 0 && skipped_any ? 77 : r;
}

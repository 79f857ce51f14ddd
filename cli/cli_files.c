/* cli/cli_files.c -- `tahoe put` and `tahoe get`: immutable files through
 * the running node's web API (PUT /uri, GET /uri/$CAP), found by the URL
 * in DIR/node.url, as Tahoe-LAFS's CLI does.  libcurl does the HTTP.
 *
 * put streams the file (or standard input, chunked) to the node and
 * prints the cap.  get writes to FILE through a temporary name renamed
 * into place only when every byte arrived, so a failed get never leaves a
 * partial FILE (or replaces one that was there); to standard output it
 * streams.  On a terminal, stderr shows progress; otherwise nothing. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <curl/curl.h>
#include <glib/gstdio.h>

#include "cli/cli.h"
#include "grid/uri.h"
#include "rpc/file.h"

#define PUT_USAGE	"usage: tahoe [-d NODEDIR] put [FILE|-]\n"
#define GET_USAGE	"usage: tahoe [-d NODEDIR] get CAP [FILE|-]\n"
#define NODE_URL_MAX	1024	/* bytes of DIR/node.url */
#define ERROR_BODY_MAX	4096	/* of an error answer kept for the message */
#define CONNECT_TIMEOUT	10L	/* seconds to reach the node */
/* A transfer slower than 1 byte/s for this long is given up. */
#define STALL_TIMEOUT	300L

typedef struct xfer {
	FILE		*in;		/* put: the file */
	int		 out_fd;	/* get: where the body goes; -1: into
					 * 'okbody' (put's cap) */
	GString		*okbody;
	gboolean	 ok_status;	/* 2xx: the body is the payload */
	GString		*errbody;	/* otherwise: the message */
	gboolean	 write_failed;
	gboolean	 progress;	/* on a terminal */
	curl_off_t	 last_shown;
} xfer;

/* The node's web API base ("http://127.0.0.1:PORT/"), from node.url. */
static char *
node_url(const cli_ctx *ctx, GError **error)
{
	g_autofree char *path = g_build_filename(ctx->node_dir, "node.url",
	    NULL);
	g_autofree char *text = NULL;
	size_t len = 0;
	char *u;

	if (!rpc_file_read_capped(path, NODE_URL_MAX, &text, &len, error)) {
		g_prefix_error(error, "is the node running, with a web.port? ");
		return NULL;
	}
	u = g_strstrip(text);
	if (!g_str_has_prefix(u, "http://") || strchr(u, '\n') != NULL ||
	    strchr(u, ' ') != NULL) {
		g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
		    "%s: not a URL", path);
		return NULL;
	}
	return g_str_has_suffix(u, "/") ? g_strdup(u) :
	    g_strconcat(u, "/", NULL);
}

static size_t
on_header(char *buf, size_t size, size_t n, void *arg)
{
	xfer *x = arg;
	size_t len = size * n;
	int code = 0;

	/* Each status line (there may be a 100 Continue first). */
	if (len > 9 && strncmp(buf, "HTTP/", 5) == 0 &&
	    sscanf(buf, "HTTP/%*s %d", &code) == 1)
		x->ok_status = code >= 200 && code < 300;
	return len;
}

static size_t
on_body(char *buf, size_t size, size_t n, void *arg)
{
	xfer *x = arg;
	size_t len = size * n, done = 0;

	if (!x->ok_status || x->out_fd < 0) {
		GString *s = x->ok_status ? x->okbody : x->errbody;

		if (s->len < ERROR_BODY_MAX)
			g_string_append_len(s, buf, (gssize)MIN(len,
			    ERROR_BODY_MAX - s->len));
		return len;
	}
	while (done < len) {
		ssize_t w = write(x->out_fd, buf + done, len - done);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			x->write_failed = TRUE;
			return 0;	/* makes curl stop */
		}
		done += (size_t)w;
	}
	return len;
}

static size_t
on_read(char *buf, size_t size, size_t n, void *arg)
{
	xfer *x = arg;
	size_t got = fread(buf, 1, size * n, x->in);

	if (got == 0 && ferror(x->in))
		return CURL_READFUNC_ABORT;
	return got;
}

static int
on_progress(void *arg, curl_off_t dltotal, curl_off_t dlnow,
    curl_off_t ultotal, curl_off_t ulnow)
{
	xfer *x = arg;
	curl_off_t now = ultotal > 0 || ulnow > 0 ? ulnow : dlnow;
	curl_off_t total = ultotal > 0 || ulnow > 0 ? ultotal : dltotal;

	if (!x->progress || now - x->last_shown < 256 * 1024)
		return 0;
	x->last_shown = now;
	if (total > 0)
		fprintf(stderr, "\r%" CURL_FORMAT_CURL_OFF_T " of %"
		    CURL_FORMAT_CURL_OFF_T " bytes (%d%%)  ", now, total,
		    (int)(now * 100 / total));
	else
		fprintf(stderr, "\r%" CURL_FORMAT_CURL_OFF_T " bytes  ", now);
	return 0;
}

/* Perform a prepared transfer; on failure print one line and return
 * CLI_ERROR. */
static int
perform(CURL *c, xfer *x, const char *what)
{
	char errbuf[CURL_ERROR_SIZE] = "";
	CURLcode rc;
	long code = 0;

	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, x);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, x);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, CONNECT_TIMEOUT);
	curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1L);
	curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, STALL_TIMEOUT);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	/* The node is on this machine: no proxy from the environment. */
	curl_easy_setopt(c, CURLOPT_NOPROXY, "*");
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http");
	if (x->progress) {
		curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_progress);
		curl_easy_setopt(c, CURLOPT_XFERINFODATA, x);
		curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
	}
	rc = curl_easy_perform(c);
	if (x->progress && x->last_shown > 0)
		fputc('\n', stderr);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
	if (x->write_failed)
		return cli_error("%s: writing the file failed: %s", what,
		    g_strerror(errno));
	if (rc != CURLE_OK && (code < 200 || code >= 300 || code == 0)) {
		if (code == 0)
			return cli_error("%s: %s", what, errbuf[0] != '\0' ?
			    errbuf : curl_easy_strerror(rc));
	}
	if (code < 200 || code >= 300) {
		g_strchomp(x->errbody->str);
		/* The node's message is one line; keep only that. */
		if (strchr(x->errbody->str, '\n') != NULL)
			*strchr(x->errbody->str, '\n') = '\0';
		return cli_error("%s: %s (HTTP %ld)", what,
		    x->errbody->len > 0 ? x->errbody->str : "no message",
		    code);
	}
	if (rc != CURLE_OK)
		return cli_error("%s: %s", what, errbuf[0] != '\0' ? errbuf :
		    curl_easy_strerror(rc));
	return CLI_OK;
}

int
cli_cmd_put(cli_ctx *ctx, int argc, char **argv)
{
	static const GOptionEntry entries[] = { { NULL } };
	g_autoptr(GError) err = NULL;
	g_autofree char *base = NULL, *url = NULL;
	xfer x = { 0 };
	const char *file = "-";
	CURL *c;
	int r;

	if ((r = cli_parse("put", PUT_USAGE, "Upload an immutable file and "
	    "print its cap.", entries, &argc, &argv)) >= 0)
		return r;
	if (argc > 2)
		return cli_usage_error("put", PUT_USAGE, "too many arguments");
	if (argc == 2)
		file = argv[1];
	if ((base = node_url(ctx, &err)) == NULL)
		return cli_error("%s", err->message);
	x.in = strcmp(file, "-") == 0 ? stdin : fopen(file, "rb");
	if (x.in == NULL)
		return cli_error("%s: %s", file, g_strerror(errno));
	/* The cap comes back as the body. */
	x.out_fd = -1;
	x.okbody = g_string_new(NULL);
	x.errbody = g_string_new(NULL);
	x.progress = isatty(STDERR_FILENO);
	url = g_strconcat(base, "uri", NULL);
	if ((c = curl_easy_init()) == NULL) {
		r = cli_error("cannot start libcurl");
	} else {
		curl_easy_setopt(c, CURLOPT_URL, url);
		curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
		curl_easy_setopt(c, CURLOPT_READFUNCTION, on_read);
		curl_easy_setopt(c, CURLOPT_READDATA, &x);
		if (x.in != stdin) {
			GStatBuf st;

			if (g_stat(file, &st) == 0 && S_ISREG(st.st_mode))
				curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE,
				    (curl_off_t)st.st_size);
		}
		r = perform(c, &x, "put");
		curl_easy_cleanup(c);
	}
	if (x.in != stdin)
		fclose(x.in);
	g_strstrip(x.okbody->str);
	if (r == CLI_OK && strlen(x.okbody->str) == 0)
		r = cli_error("put: the node answered no cap");
	else if (r == CLI_OK)
		printf("%s\n", x.okbody->str);
	g_string_free(x.okbody, TRUE);
	g_string_free(x.errbody, TRUE);
	return r;
}

int
cli_cmd_get(cli_ctx *ctx, int argc, char **argv)
{
	static const GOptionEntry entries[] = { { NULL } };
	g_autoptr(GError) err = NULL;
	g_autofree char *base = NULL, *url = NULL, *esc = NULL;
	g_autofree char *tmp = NULL;
	const char *capt, *file = "-";
	grid_uri cap;
	xfer x = { 0 };
	CURL *c;
	int r;

	if ((r = cli_parse("get", GET_USAGE, "Download an immutable file by "
	    "its cap.", entries, &argc, &argv)) >= 0)
		return r;
	if (argc < 2)
		return cli_usage_error("get", GET_USAGE, "no cap given");
	if (argc > 3)
		return cli_usage_error("get", GET_USAGE, "too many arguments");
	capt = argv[1];
	if (argc == 3)
		file = argv[2];
	/* Checked here too, so that a mistyped cap says so at once. */
	if (!grid_uri_parse(capt, strlen(capt), &cap, &err))
		return cli_error("get: %s", err->message);
	grid_uri_clear(&cap);
	if ((base = node_url(ctx, &err)) == NULL)
		return cli_error("%s", err->message);
	if (strcmp(file, "-") == 0) {
		x.out_fd = STDOUT_FILENO;
	} else {
		g_autofree char *dir = g_path_get_dirname(file);
		g_autofree char *name = g_path_get_basename(file);
		g_autofree char *tmpl = g_strdup_printf("%s/.%s.tmp-XXXXXX",
		    dir, name);

		x.out_fd = g_mkstemp_full(tmpl, O_WRONLY | O_CLOEXEC, 0644);
		if (x.out_fd < 0)
			return cli_error("%s: %s", file, g_strerror(errno));
		tmp = g_steal_pointer(&tmpl);
	}
	x.errbody = g_string_new(NULL);
	x.progress = isatty(STDERR_FILENO) && x.out_fd != STDOUT_FILENO;
	if ((c = curl_easy_init()) == NULL) {
		r = cli_error("cannot start libcurl");
	} else {
		esc = curl_easy_escape(c, capt, 0);
		url = g_strconcat(base, "uri/", esc, NULL);
		curl_free(g_steal_pointer(&esc));
		curl_easy_setopt(c, CURLOPT_URL, url);
		r = perform(c, &x, "get");
		curl_easy_cleanup(c);
	}
	g_string_free(x.errbody, TRUE);
	if (tmp != NULL) {
		if (r == CLI_OK && fsync(x.out_fd) != 0)
			r = cli_error("%s: %s", file, g_strerror(errno));
		close(x.out_fd);
		if (r == CLI_OK && g_rename(tmp, file) != 0)
			r = cli_error("%s: %s", file, g_strerror(errno));
		if (r != CLI_OK)
			(void)g_unlink(tmp);
	}
	return r;
}

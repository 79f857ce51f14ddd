/* node/node.c -- the lifecycle of a running node.
 *
 * node_open() takes the directory's lock before anything else, so two
 * `tahoe run` on one directory can never both write its files; then it
 * reads tahoe.cfg and the key and starts the log.  node_start() makes the
 * node reachable: the tub's listener, the control object at
 * private/control.furl (what `tahoe status` calls) and the web page.
 * node_run() turns SIGINT and SIGTERM into a clean stop.  The services of
 * grid/ are added by the caller between node_start() and node_run(). */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include <glib/gstdio.h>
#include <sodium.h>

#include "node/dir.h"
#include "node/log.h"
#include "node/node.h"
#include "node/web.h"
#include "rpc/common.h"
#include "rpc/file.h"
#include "rpc/furl.h"
#include "rpc/ident.h"

/* A section's function, called for each status document. */
struct filler {
	node_status_fn	*fn;
	void		*arg;
};

/* The reload report goes back over the control FURL; a tahoe.cfg with
 * thousands of managers must not make it exceed the method's schema. */
#define RELOAD_REPORT_MAX	(64 << 10)

struct reloader {
	node_reload_fn	*fn;
	void		*arg;
};

struct node {
	struct ev_loop	*loop;		/* borrowed */
	char		*dir;
	int		 lock_fd;
	node_config	*cfg;
	rpc_ident	*id;		/* until node_start() gives it away */
	rpc_tub		*tub;
	char		*nickname;
	char		*node_id;	/* pub-v0-... */
	node_web	*web;
	rpc_obj		*control;
	char		*control_furl_path;
	char		*url_path;	/* node.url, once written */
	node_status_layout *layout;	/* the sections, in order */
	GArray		*fillers;	/* of struct filler, in order */
	guint		 web_page;	/* while building a welcome page */
	GArray		*reloaders;	/* of struct reloader, in order */
	ev_signal	 sigint, sigterm;
	gint64		 started_us;
	int		 signo;
};

struct ev_loop *
node_loop(const node *n)
{
	return n->loop;
}

struct node_web *
node_web_server(const node *n)
{
	return n->web;
}

rpc_tub *
node_tub(const node *n)
{
	return n->tub;
}

node_config *
node_cfg(const node *n)
{
	return n->cfg;
}

const char *
node_dir(const node *n)
{
	return n->dir;
}

const char *
node_nickname(const node *n)
{
	return n->nickname;
}

const char *
node_id(const node *n)
{
	return n->node_id;
}

char *
node_private_path(const node *n, const char *name)
{
	return g_build_filename(n->dir, "private", name, NULL);
}

/* Check that node.pubkey, if present, is the private key's; write it if
 * it is missing.  A mismatch means the directory was assembled from two
 * nodes, and every certificate naming node.pubkey would be wrong. */
static gboolean
check_pubkey(node *n, GError **error)
{
	g_autofree char *path = g_build_filename(n->dir, "node.pubkey", NULL);
	uint8_t pk[RPC_PK_LEN];
	g_autoptr(GError) e = NULL;

	if (node_dir_read_pubkey(n->dir, pk, &e)) {
		if (sodium_memcmp(pk, rpc_ident_pk(n->id), RPC_PK_LEN) != 0) {
			g_set_error(error, NODE_ERROR, NODE_E_FORMAT,
			    "%s does not match private/node.privkey", path);
			return FALSE;
		}
		return TRUE;
	}
	if (!g_error_matches(e, NODE_ERROR, NODE_E_NOTFOUND)) {
		g_propagate_error(error, g_steal_pointer(&e));
		return FALSE;
	} else {
		g_autofree char *line = g_strconcat(n->node_id, "\n", NULL);

		return rpc_file_write_atomic(path, line, strlen(line), 0644,
		    error);
	}
}

node *
node_open(struct ev_loop *loop, const char *dir, GError **error)
{
	node *n;
	g_autofree char *keypath = NULL, *logpath = NULL;

	if (!g_file_test(dir, G_FILE_TEST_IS_DIR)) {
		g_set_error(error, NODE_ERROR, NODE_E_NOTFOUND,
		    "%s: no such node directory", dir);
		return NULL;
	}
	n = g_new0(node, 1);
	n->loop = loop;
	n->dir = g_strdup(dir);
	n->lock_fd = -1;
	n->layout = node_status_layout_new();
	n->fillers = g_array_new(FALSE, FALSE, sizeof(struct filler));
	n->reloaders = g_array_new(FALSE, FALSE, sizeof(struct reloader));
	if ((n->cfg = node_config_load(dir, error)) == NULL)
		goto fail;
	if ((n->lock_fd = node_dir_lock(dir, error)) < 0)
		goto fail;
	keypath = g_build_filename(dir, "private", "node.privkey", NULL);
	if ((n->id = rpc_ident_load(keypath, error)) == NULL)
		goto fail;
	n->node_id = rpc_ident_pubkey_text(n->id);
	if (!check_pubkey(n, error))
		goto fail;
	n->nickname = node_config_get(n->cfg, "node", "nickname");
	if (n->nickname == NULL)
		n->nickname = g_strdup("");
	logpath = g_build_filename(dir, "logs", "node.log", NULL);
	if (!node_log_open(logpath, g_getenv("TAHOE_DEBUG") != NULL, error))
		goto fail;
	n->started_us = g_get_real_time();
	return n;
fail:
	node_free(n);
	return NULL;
}

/* ---- control object ---- */

static void
control_get_status(rpc_incall *call, rpc_mp *args, void *data)
{
	node *n = data;
	g_autoptr(json_t) doc = node_status(n);
	char *text = json_dumps(doc, JSON_COMPACT);
	rpc_pack *p = rpc_pack_new();

	RPC_UNUSED(args);
	g_assert(text != NULL);		/* only out of memory */
	rpc_pack_str(p, text);
	free(text);
	rpc_incall_return(call, p);
}

/* reload(): apply tahoe.cfg as it is now; answers the report, or fails
 * with "node.ReloadFailed" and the one-line reason. */
static void
control_reload(rpc_incall *call, rpc_mp *args, void *data)
{
	node *n = data;
	g_autoptr(GError) e = NULL;
	g_autofree char *report = NULL;
	rpc_pack *p;

	RPC_UNUSED(args);
	if ((report = node_reload(n, &e)) == NULL) {
		g_warning("reload of tahoe.cfg failed: %s", e->message);
		rpc_incall_fail(call, "node.ReloadFailed", "%s", e->message);
		return;
	}
	p = rpc_pack_new();
	rpc_pack_str(p, report);
	rpc_incall_return(call, p);
}

static const rpc_schema control_status_result = RPC_S_STR(16 << 20);
static const rpc_schema control_reload_result = RPC_S_STR(RELOAD_REPORT_MAX);

static const rpc_method control_methods[] = {
	{ "get_status", control_get_status, NULL, 0,
	    &control_status_result },
	{ "reload", control_reload, NULL, 0, &control_reload_result },
};

static const rpc_iface control_iface = {
	"node.control", control_methods, G_N_ELEMENTS(control_methods),
};

/* ---- reload ---- */

void
node_add_reload_fn(node *n, node_reload_fn *fn, void *arg)
{
	struct reloader r = { fn, arg };

	g_return_if_fail(n != NULL && fn != NULL);
	g_array_append_val(n->reloaders, r);
}

char *
node_reload(node *n, GError **error)
{
	g_autoptr(GString) report = g_string_new(NULL);
	node_config *cfg;
	guint i;

	if ((cfg = node_config_load(n->dir, error)) == NULL)
		return NULL;
	for (i = 0; i < n->reloaders->len; i++) {
		const struct reloader *r = &g_array_index(n->reloaders,
		    struct reloader, i);

		if (!r->fn(cfg, report, r->arg, error)) {
			node_config_free(cfg);
			return NULL;
		}
	}
	node_config_free(n->cfg);
	n->cfg = cfg;
	g_message("tahoe.cfg reloaded");
	if (report->len == 0)
		g_string_append(report, "nothing to apply\n");
	if (report->len > RELOAD_REPORT_MAX - 8) {
		g_string_truncate(report, RELOAD_REPORT_MAX - 8);
		g_string_append(report, "\n...\n");
	}
	return g_string_free(g_steal_pointer(&report), FALSE);
}

/* ---- status ---- */

json_t *
node_status(node *n)
{
	json_t *o = json_object();
	guint i;

	node_status_set_str(o, "nickname", n->nickname);
	node_status_set_str(o, "node_id", n->node_id);
	node_status_set_str(o, "tubid", n->tub != NULL ?
	    rpc_tub_tubid(n->tub) : "");
	node_status_set_str(o, "version", NODE_VERSION_STRING);
	json_object_set_new(o, "started",
	    json_real((double)n->started_us / G_USEC_PER_SEC));
	for (i = 0; i < n->fillers->len; i++) {
		const struct filler *f = &g_array_index(n->fillers,
		    struct filler, i);

		f->fn(o, f->arg);
	}
	return o;
}

void
node_add_status_section(node *n, const node_status_section *section,
    node_status_fn *fn, void *arg)
{
	g_return_if_fail(n != NULL);
	if (section != NULL)
		node_status_layout_add(n->layout, section);
	if (fn != NULL) {
		struct filler f = { fn, arg };

		g_array_append_val(n->fillers, f);
	}
}

void
node_clear_status_sections(node *n)
{
	g_return_if_fail(n != NULL);
	node_status_layout_free(n->layout);
	n->layout = node_status_layout_new();
	if (n->web != NULL)
		node_web_set_layout(n->web, n->layout);
	g_array_set_size(n->fillers, 0);
	g_array_set_size(n->reloaders, 0);
}

static json_t *
web_status(guint page, void *arg)
{
	node *n = arg;
	json_t *doc;

	n->web_page = page;
	doc = node_status(n);
	n->web_page = 0;
	return doc;
}

guint
node_status_page(const node *n)
{
	return n->web_page;
}

/* ---- start ---- */

/* tub.location with every hint of port 0 given 'port'; "AUTO" or nothing
 * means the loopback address. */
static char *
effective_location(const char *loc, uint16_t port, GError **error)
{
	if (loc == NULL || loc[0] == '\0' || strcmp(loc, "AUTO") == 0)
		return g_strdup_printf("tcp:127.0.0.1:%u", port);
	return node_location_with_port(loc, port,
	    "tahoe.cfg: [node] tub.location", error);
}

/* Raise the soft limit on open descriptors to the hard limit: the tub
 * caps its connections itself (tub.max_connections), so the kernel's
 * default soft limit (often 1024) should not be what decides. */
static void
raise_nofile_limit(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur >= rl.rlim_max)
		return;
	rl.rlim_cur = rl.rlim_max;
	if (setrlimit(RLIMIT_NOFILE, &rl) != 0)
		g_message("cannot raise the limit on open files: %s",
		    g_strerror(errno));
}

static gboolean
start_tub(node *n, GError **error)
{
	g_autofree char *port = node_config_get(n->cfg, "node", "tub.port");
	g_autofree char *loc = node_config_get(n->cfg, "node",
	    "tub.location");
	g_autofree char *eff = NULL;
	node_endpoint ep = { NULL, 0 };
	gboolean disabled = port != NULL && strcmp(port, "disabled") == 0;
	rpc_limits lim;
	guint64 keepalive, disconnect, max_conns;

	/* Tahoe-LAFS's [node] timeout.keepalive and timeout.disconnect
	 * (seconds; 0 turns either off): pings after 240 s idle and no
	 * disconnect timeout unless set, as in Foolscap. */
	rpc_limits_init(&lim);
	if (!node_config_get_uint(n->cfg, "node", "timeout.keepalive",
	    (guint64)lim.keepalive, 0, 86400, &keepalive, error) ||
	    !node_config_get_uint(n->cfg, "node", "timeout.disconnect", 0, 0,
	    86400, &disconnect, error) ||
	    !node_config_get_uint(n->cfg, "node", "tub.max_connections",
	    lim.max_conns, 1, 1000000, &max_conns, error))
		return FALSE;
	lim.max_conns = (uint32_t)max_conns;
	/* No grid service passes on a reference it got from another tub
	 * (the introducer's subscribers send references to their own
	 * objects), so a node redeems no gifts: a gift would only let a
	 * peer make the node dial an address of the peer's choosing. */
	lim.accept_gifts = FALSE;
	raise_nofile_limit();
	lim.keepalive = (double)keepalive;	/* 0: never */
	lim.disconnect_timeout = (double)disconnect;
	n->tub = rpc_tub_new(n->loop, g_steal_pointer(&n->id), &lim);
	if (disabled) {
		ep.host = g_strdup("127.0.0.1");
		ep.port = 0;
	} else if (!node_endpoint_parse("tahoe.cfg: [node] tub.port",
	    port != NULL ? port : "tcp:0", "0.0.0.0", &ep, error))
		return FALSE;
	if (!rpc_tub_listen(n->tub, ep.host, ep.port, error)) {
		g_prefix_error(error, "tahoe.cfg: [node] tub.port: ");
		node_endpoint_clear(&ep);
		return FALSE;
	}
	node_endpoint_clear(&ep);
	if (disabled || (loc != NULL && strcmp(loc, "disabled") == 0))
		eff = g_strdup_printf("tcp:127.0.0.1:%u",
		    rpc_tub_port(n->tub));
	else if ((eff = effective_location(loc, rpc_tub_port(n->tub),
	    error)) == NULL)
		return FALSE;
	if (!rpc_tub_set_location(n->tub, eff, error)) {
		g_prefix_error(error, "tahoe.cfg: [node] tub.location: ");
		return FALSE;
	}
	g_info("tub %s listening on port %u", rpc_tub_tubid(n->tub),
	    rpc_tub_port(n->tub));
	return TRUE;
}

gboolean
node_start(node *n, GError **error)
{
	g_autofree char *furl = NULL, *webport = NULL;

	if (!start_tub(n, error))
		return FALSE;
	n->control = rpc_obj_new(&control_iface, n, NULL);
	n->control_furl_path = node_private_path(n, "control.furl");
	/* Left by a crash: a new run gets a new control swissnum. */
	g_unlink(n->control_furl_path);
	furl = rpc_tub_register(n->tub, n->control, NULL,
	    n->control_furl_path, error);
	if (furl == NULL)
		return FALSE;
	sodium_memzero(furl, strlen(furl));
	webport = node_config_get(n->cfg, "node", "web.port");
	if (webport != NULL && webport[0] != '\0') {
		g_autofree char *url = NULL, *line = NULL, *path = NULL;

		n->web = node_web_new(n->loop, webport, web_status, n, error);
		if (n->web == NULL) {
			g_prefix_error(error, "tahoe.cfg: [node] web.port: ");
			return FALSE;
		}
		node_web_set_layout(n->web, n->layout);
		/* Request bodies are spooled under DIR/tmp, as Tahoe-LAFS's
		 * node does. */
		path = g_build_filename(n->dir, "tmp", NULL);
		node_web_set_tmpdir(n->web, path);
		g_clear_pointer(&path, g_free);
		url = node_web_url(n->web);
		line = g_strconcat(url, "\n", NULL);
		path = g_build_filename(n->dir, "node.url", NULL);
		if (!rpc_file_write_atomic(path, line, strlen(line), 0644,
		    error))
			return FALSE;
		n->url_path = g_steal_pointer(&path);
		g_info("welcome page at %s", url);
	}
	return TRUE;
}

/* ---- run ---- */

static void
signal_cb(struct ev_loop *loop, ev_signal *w, int revents)
{
	node *n = w->data;

	RPC_UNUSED(revents);
	n->signo = w->signum;
	ev_break(loop, EVBREAK_ALL);
}

int
node_run(node *n, node_stop_fn *stop, void *arg)
{
	ev_signal_init(&n->sigint, signal_cb, SIGINT);
	ev_signal_init(&n->sigterm, signal_cb, SIGTERM);
	n->sigint.data = n;
	n->sigterm.data = n;
	ev_signal_start(n->loop, &n->sigint);
	ev_signal_start(n->loop, &n->sigterm);
	g_message("node %s (%s) running", n->nickname, n->node_id);
	ev_run(n->loop, 0);
	g_message("stopping on signal %d", n->signo);
	ev_signal_stop(n->loop, &n->sigint);
	ev_signal_stop(n->loop, &n->sigterm);
	if (stop != NULL)
		stop(arg);
	return 0;
}

void
node_free(node *n)
{
	if (n == NULL)
		return;
	node_web_free(n->web);
	n->web = NULL;
	node_status_layout_free(n->layout);
	g_array_unref(n->fillers);
	g_array_unref(n->reloaders);
	if (n->tub != NULL)
		rpc_tub_free(n->tub);
	/* Let the connections' closes reach the peers before exit. */
	rpc_obj_unref(n->control);
	if (n->control_furl_path != NULL)
		g_unlink(n->control_furl_path);
	/* node.url says where a running node serves. */
	if (n->url_path != NULL)
		g_unlink(n->url_path);
	g_free(n->url_path);
	g_free(n->control_furl_path);
	rpc_ident_free(n->id);
	node_config_free(n->cfg);
	g_free(n->nickname);
	g_free(n->node_id);
	if (n->lock_fd >= 0) {
		node_log_close();
		close(n->lock_fd);
	}
	g_free(n->dir);
	g_free(n);
}

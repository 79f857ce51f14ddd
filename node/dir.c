/* node/dir.c -- creating node directories, endpoint strings, run lock.
 *
 * `tahoe create-*` decides everything a node needs before it first runs:
 * the key (so node.pubkey can be given to a grid manager at once), the
 * listening port (allocated now when asked for port 0, as Tahoe-LAFS does,
 * so the location and every FURL stay the same across restarts); the
 * services add their sections and files (grid: shares, storage, an
 * introducer's FURL) through a hook.  The directory is assembled under a
 * temporary name and renamed into place: a failed create leaves
 * nothing. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <glib/gstdio.h>
#include <sodium.h>

#include "node/cfg.h"
#include "node/dir.h"
#include "rpc/base32.h"
#include "rpc/file.h"
#include "rpc/furl.h"
#include "rpc/ident.h"

#define NICKNAME_MAX	256	/* bytes; shown in status tables */

void
node_endpoint_clear(node_endpoint *ep)
{
	g_clear_pointer(&ep->host, g_free);
	ep->port = 0;
}

#define SPEC_SHOW	64	/* bytes of a bad spec quoted in an error */
#define PORT_DIGITS	5

/* Decimal digits only (no sign, no spaces), at most 65535. */
static gboolean
parse_port(const char *s, size_t len, uint16_t *port)
{
	guint v = 0;
	size_t i;

	if (len == 0 || len > PORT_DIGITS)
		return FALSE;
	for (i = 0; i < len; i++) {
		if (!g_ascii_isdigit(s[i]))
			return FALSE;
		v = v * 10 + (guint)(s[i] - '0');
	}
	if (v > G_MAXUINT16)
		return FALSE;
	*port = (uint16_t)v;
	return TRUE;
}

/* An address as Twisted's endpoint strings write it: colons may be
 * escaped with a backslash ("\:\:1"), and "[::1]" is accepted too.
 * Return the literal (caller g_free()s), or NULL if it is not an IPv4 or
 * IPv6 address. */
static char *
parse_addr(const char *text)
{
	g_autofree char *a = g_malloc(strlen(text) + 1);
	struct sockaddr_storage ss;
	socklen_t sl;
	const char *p;
	size_t n = 0;

	for (p = text; *p != '\0'; p++) {
		if (*p == '\\' && p[1] != '\0')
			p++;
		a[n++] = *p;
	}
	a[n] = '\0';
	if (n >= 2 && a[0] == '[' && a[n - 1] == ']') {
		a[n - 1] = '\0';
		memmove(a, a + 1, n - 1);
	}
	if (!node_addr_sockaddr(a, 0, &ss, &sl))
		return NULL;
	return g_steal_pointer(&a);
}

gboolean
node_endpoint_error(GError **error, int code, const char *key,
    const char *spec, const char *why)
{
	g_autofree char *q = g_strndup(spec != NULL ? spec : "", SPEC_SHOW);
	char *p;

	/* One line, whatever the configuration file held. */
	for (p = q; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 || (unsigned char)*p >= 0x7f)
			*p = '?';
	g_set_error(error, NODE_ERROR, code, "%s '%s': %s", key, q, why);
	return FALSE;
}

gboolean
node_endpoint_parse(const char *key, const char *spec,
    const char *default_host, node_endpoint *ep, GError **error)
{
	static const char forms[] =
	    "expected tcp:PORT, tcp:PORT:interface=ADDR or PORT";
	const char *p = spec, *colon, *opt;
	gboolean tcp = FALSE;

	ep->host = NULL;
	ep->port = 0;
	if (spec == NULL)
		return node_endpoint_error(error, NODE_E_FORMAT, key, spec,
		    forms);
	if (g_str_has_prefix(p, "tcp:")) {
		p += strlen("tcp:");
		tcp = TRUE;
	}
	colon = strchr(p, ':');
	if (!parse_port(p, colon != NULL ? (size_t)(colon - p) : strlen(p),
	    &ep->port))
		return node_endpoint_error(error, NODE_E_FORMAT, key, spec,
		    tcp ? "bad port (0 to 65535)" : forms);
	if (colon == NULL) {
		ep->host = g_strdup(default_host);
		return TRUE;
	}
	opt = colon + 1;
	if (!tcp || !g_str_has_prefix(opt, "interface=")) {
		ep->port = 0;
		return node_endpoint_error(error, NODE_E_FORMAT, key, spec,
		    forms);
	}
	if ((ep->host = parse_addr(opt + strlen("interface="))) == NULL) {
		ep->port = 0;
		return node_endpoint_error(error, NODE_E_FORMAT, key, spec,
		    "interface is not an IPv4 or IPv6 address");
	}
	return TRUE;
}

gboolean
node_addr_sockaddr(const char *host, uint16_t port,
    struct sockaddr_storage *ss, socklen_t *len)
{
	struct sockaddr_in *in = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, host, &in->sin_addr) == 1) {
		in->sin_family = AF_INET;
		in->sin_port = htons(port);
		*len = sizeof(*in);
		return TRUE;
	}
	if (inet_pton(AF_INET6, host, &in6->sin6_addr) == 1) {
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons(port);
		*len = sizeof(*in6);
		return TRUE;
	}
	*len = 0;
	return FALSE;
}

uint16_t
node_alloc_port(const char *host, GError **error)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int fd;
	uint16_t port = 0;

	if (!node_addr_sockaddr(host, 0, &ss, &len)) {
		g_set_error(error, NODE_ERROR, NODE_E_FORMAT,
		    "'%s' is not an IP address", host);
		return 0;
	}
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&ss, len) != 0 ||
	    getsockname(fd, (struct sockaddr *)&ss, &len) != 0) {
		g_set_error(error, NODE_ERROR, NODE_E_IO,
		    "cannot find a free port on %s: %s", host,
		    g_strerror(errno));
	} else if (ss.ss_family == AF_INET)
		port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
	else
		port = ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
	if (fd >= 0)
		close(fd);
	return port;
}

/* The directory must not exist, or be empty. */
static gboolean
check_target(const char *dir, GError **error)
{
	GDir *d;
	gboolean empty;

	if (!g_file_test(dir, G_FILE_TEST_EXISTS))
		return TRUE;
	if (!g_file_test(dir, G_FILE_TEST_IS_DIR)) {
		g_set_error(error, NODE_ERROR, NODE_E_EXISTS,
		    "%s exists and is not a directory", dir);
		return FALSE;
	}
	d = g_dir_open(dir, 0, NULL);
	empty = d != NULL && g_dir_read_name(d) == NULL;
	if (d != NULL)
		g_dir_close(d);
	if (!empty) {
		g_set_error(error, NODE_ERROR, NODE_E_EXISTS,
		    "%s already exists and is not empty; refusing to touch "
		    "it", dir);
		return FALSE;
	}
	return TRUE;
}

static gboolean
check_nickname(const char *nick, GError **error)
{
	const char *p;

	if (!g_utf8_validate(nick, -1, NULL) || strlen(nick) > NICKNAME_MAX)
		goto bad;
	for (p = nick; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			goto bad;
	return TRUE;
bad:
	g_set_error(error, NODE_ERROR, NODE_E_FORMAT,
	    "--nickname: must be UTF-8 text of at most %d bytes without "
	    "control characters", NICKNAME_MAX);
	return FALSE;
}

/* Turn a --port/--webport value (PORT or an endpoint) into an endpoint,
 * allocating a port now for port 0 when 'allocate' is set. */
static gboolean
resolve_endpoint(const char *opt, const char *value, const char *def_host,
    gboolean allocate, node_endpoint *ep, GError **error)
{
	if (!node_endpoint_parse(opt, value, def_host, ep, error))
		return FALSE;
	if (ep->port == 0 && allocate) {
		ep->port = node_alloc_port(strcmp(ep->host, "0.0.0.0") == 0 ?
		    "127.0.0.1" : ep->host, error);
		if (ep->port == 0)
			return FALSE;
	}
	return TRUE;
}

static char *
endpoint_text(const node_endpoint *ep, const char *def_host)
{
	if (strcmp(ep->host, def_host) == 0)
		return g_strdup_printf("tcp:%u", ep->port);
	return g_strdup_printf("tcp:%u:interface=%s", ep->port, ep->host);
}

char *
node_location_with_port(const char *location, uint16_t port,
    const char *what, GError **error)
{
	g_auto(GStrv) hints = g_strsplit(location, ",", -1);
	GString *loc = g_string_new(NULL);
	guint i;

	for (i = 0; hints[i] != NULL; i++) {
		g_autofree char *host = NULL, *hint = NULL;
		uint16_t hp;

		/* A FURL hint may not name port 0, so give it the port
		 * first and check the result. */
		if (g_str_has_suffix(hints[i], ":0"))
			hint = g_strdup_printf("%.*s:%u",
			    (int)(strlen(hints[i]) - 2), hints[i], port);
		else
			hint = g_strdup(hints[i]);
		if (!rpc_hint_parse(hint, &host, &hp, error)) {
			g_prefix_error(error, "%s: ", what);
			g_string_free(loc, TRUE);
			return NULL;
		}
		if (i > 0)
			g_string_append_c(loc, ',');
		g_string_append(loc, hint);
	}
	return g_string_free(loc, FALSE);
}

/* tub.location from --location/--hostname and the port: a hint whose
 * port is 0 is given the allocated port. */
static char *
make_location(const node_create_opts *o, const node_endpoint *ep,
    GError **error)
{
	if (o->location != NULL && o->hostname != NULL) {
		g_set_error(error, NODE_ERROR, NODE_E_FORMAT,
		    "--location and --hostname cannot be used together");
		return NULL;
	}
	if (o->location == NULL) {
		const char *h = o->hostname != NULL ? o->hostname :
		    strcmp(ep->host, "0.0.0.0") == 0 ||
		    strcmp(ep->host, "::") == 0 ? "127.0.0.1" : ep->host;
		g_autofree char *hint = strchr(h, ':') != NULL ?
		    g_strdup_printf("tcp:[%s]:%u", h, ep->port) :
		    g_strdup_printf("tcp:%s:%u", h, ep->port);
		g_autofree char *host = NULL;
		uint16_t port;

		if (!rpc_hint_parse(hint, &host, &port, error)) {
			g_prefix_error(error, "--hostname: ");
			return NULL;
		}
		return g_steal_pointer(&hint);
	}
	return node_location_with_port(o->location, ep->port, "--location",
	    error);
}

static gboolean
write_text(const char *dir, const char *name, const char *text, int mode,
    GError **error)
{
	g_autofree char *path = g_build_filename(dir, name, NULL);

	return rpc_file_write_atomic(path, text, strlen(text), mode, error);
}

/* Fill 'kf' and the files of 'tmp' for options 'o'. */
static gboolean
populate(const char *tmp, const node_create_opts *o, GKeyFile *kf,
    GError **error)
{
	g_autoptr(rpc_ident) id = rpc_ident_new();
	g_autofree char *priv = g_build_filename(tmp, "private", NULL);
	g_autofree char *keyfile = g_build_filename(priv, "node.privkey",
	    NULL);
	g_autofree char *pub = rpc_ident_pubkey_text(id);
	g_autofree char *pubnl = g_strconcat(pub, "\n", NULL);
	g_autofree char *location = NULL;
	node_endpoint tub = { NULL, 0 }, web = { NULL, 0 };
	const char *listen = o->listen != NULL ? o->listen :
	    o->kind == NODE_KIND_CLIENT ? "none" : "tcp";
	gboolean ok = FALSE;

	if (g_mkdir(priv, 0700) != 0) {
		g_set_error(error, NODE_ERROR, NODE_E_IO, "%s: %s", priv,
		    g_strerror(errno));
		return FALSE;
	}
	if (o->nickname != NULL)
		g_key_file_set_string(kf, "node", "nickname", o->nickname);
	if (strcmp(listen, "tcp") == 0) {
		g_autofree char *text = NULL;

		if (!resolve_endpoint("--port", o->port != NULL ? o->port :
		    "0", "0.0.0.0", TRUE, &tub, error))
			goto out;
		if ((location = make_location(o, &tub, error)) == NULL)
			goto out;
		text = endpoint_text(&tub, "0.0.0.0");
		g_key_file_set_string(kf, "node", "tub.port", text);
		g_key_file_set_string(kf, "node", "tub.location", location);
	} else if (strcmp(listen, "none") == 0) {
		if (o->port != NULL || o->location != NULL ||
		    o->hostname != NULL) {
			g_set_error(error, NODE_ERROR, NODE_E_FORMAT,
			    "--listen=none cannot be used with --port, "
			    "--location or --hostname");
			goto out;
		}
		if (o->kind != NODE_KIND_CLIENT) {
			g_set_error(error, NODE_ERROR, NODE_E_FORMAT,
			    "%s must listen (--listen=tcp)",
			    o->kind == NODE_KIND_INTRODUCER ?
			    "an introducer" : "a storage node");
			goto out;
		}
		g_key_file_set_string(kf, "node", "tub.port", "disabled");
		g_key_file_set_string(kf, "node", "tub.location", "disabled");
	} else {
		g_set_error(error, NODE_ERROR, NODE_E_FORMAT,
		    "--listen: only 'tcp' and 'none' are supported");
		goto out;
	}
	if (o->webport != NULL && o->webport[0] != '\0') {
		g_autofree char *text = NULL;

		/* Port 0 stays 0: the web port may change per run, and
		 * the node writes the actual URL to node.url. */
		if (!resolve_endpoint("--webport", o->webport, "127.0.0.1",
		    FALSE, &web, error))
			goto out;
		text = g_strdup_printf("tcp:%u:interface=%s", web.port,
		    web.host);
		g_key_file_set_string(kf, "node", "web.port", text);
	}
	if (o->kind != NODE_KIND_INTRODUCER)
		g_key_file_set_string(kf, "client", "introducer.furl",
		    o->introducer_furl != NULL ? o->introducer_furl : "");
	if (o->services != NULL &&
	    !o->services(tmp, kf, o, id, location, error))
		goto out;
	/* Tahoe-LAFS marks the kind of a node directory by this file. */
	if (!rpc_ident_save(id, keyfile, error) ||
	    !write_text(tmp, "node.pubkey", pubnl, 0644, error) ||
	    !write_text(tmp, o->kind == NODE_KIND_INTRODUCER ?
	    "tahoe-introducer.tac" : "tahoe-client.tac",
	    "# the kind of this node directory; do not remove\n", 0644,
	    error))
		goto out;
	ok = TRUE;
out:
	node_endpoint_clear(&tub);
	node_endpoint_clear(&web);
	return ok;
}

void
node_remove_tree(const char *path)
{
	GDir *d = g_dir_open(path, 0, NULL);
	const char *name;

	if (d != NULL) {
		while ((name = g_dir_read_name(d)) != NULL) {
			g_autofree char *p = g_build_filename(path, name,
			    NULL);

			if (g_file_test(p, G_FILE_TEST_IS_DIR) &&
			    !g_file_test(p, G_FILE_TEST_IS_SYMLINK))
				node_remove_tree(p);
			else
				g_unlink(p);
		}
		g_dir_close(d);
	}
	g_rmdir(path);
}

/* A secret file is one short line; anything much longer is not one. */
#define NODE_SECRET_FILE_MAX	256

gboolean
node_secret_load_or_create(const char *path, uint8_t *out, size_t *len,
    GError **error)
{
	g_autoptr(GError) err = NULL;
	g_autofree char *text = NULL;
	size_t n = 0;
	char *t;

	*len = 0;
	if (!rpc_file_read_capped(path, NODE_SECRET_FILE_MAX, &text, &n, &err)) {
		uint8_t raw[NODE_SECRET_NEW_LEN];
		g_autofree char *b32 = NULL, *line = NULL;

		if (!g_error_matches(err, G_FILE_ERROR, G_FILE_ERROR_NOENT)) {
			g_propagate_error(error, g_steal_pointer(&err));
			return FALSE;
		}
		randombytes_buf(raw, sizeof(raw));
		b32 = rpc_base32_encode(raw, sizeof(raw));
		line = g_strconcat(b32, "\n", NULL);
		if (!rpc_file_write_atomic(path, line, strlen(line), 0600,
		    error)) {
			sodium_memzero(raw, sizeof(raw));
			sodium_memzero(b32, strlen(b32));
			sodium_memzero(line, strlen(line));
			return FALSE;
		}
		memcpy(out, raw, sizeof(raw));
		*len = sizeof(raw);
		sodium_memzero(raw, sizeof(raw));
		sodium_memzero(b32, strlen(b32));
		sodium_memzero(line, strlen(line));
		return TRUE;
	}
	t = g_strstrip(text);
	if (rpc_base32_decode(t, strlen(t), out, NODE_SECRET_MAX, len) != 0 ||
	    *len == 0) {
		sodium_memzero(text, n);
		*len = 0;
		/* Never quote the file: it is a secret. */
		g_set_error(error, NODE_ERROR, NODE_E_FORMAT, "%s: not a "
		    "secret (lower-case base32 of 1 to %d bytes)", path,
		    NODE_SECRET_MAX);
		return FALSE;
	}
	sodium_memzero(text, n);
	return TRUE;
}

/* Lock the temporary directory 'tmp' for the life of this create: a
 * later create that can take the lock knows its maker is gone.  Return
 * the descriptor holding the lock, or -1. */
static int
lock_tmp(const char *tmp)
{
	int fd = open(tmp, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd >= 0 && flock(fd, LOCK_EX | LOCK_NB) != 0) {
		close(fd);
		fd = -1;
	}
	return fd;
}

/* Remove what a create of 'base' in 'parent' that was killed left behind:
 * temporary directories ".BASE.tmp-XXXXXX" (one may hold a private key)
 * that no running create holds locked.  Anything else is left alone. */
static void
remove_stale_tmp(const char *parent, const char *base)
{
	g_autofree char *prefix = g_strdup_printf(".%s.tmp-", base);
	size_t plen = strlen(prefix);
	GDir *d = g_dir_open(parent, 0, NULL);
	const char *name;

	if (d == NULL)
		return;
	while ((name = g_dir_read_name(d)) != NULL) {
		g_autofree char *p = NULL;
		int fd;

		/* g_mkdtemp_full() replaces XXXXXX with six characters. */
		if (strncmp(name, prefix, plen) != 0 ||
		    strlen(name) != plen + 6)
			continue;
		p = g_build_filename(parent, name, NULL);
		if (g_file_test(p, G_FILE_TEST_IS_SYMLINK) ||
		    (fd = lock_tmp(p)) < 0)
			continue;
		node_remove_tree(p);
		close(fd);
	}
	g_dir_close(d);
}

gboolean
node_dir_create(const char *dir, const node_create_opts *o, GError **error)
{
	g_autoptr(GKeyFile) kf = g_key_file_new();
	g_autofree char *parent = NULL, *base = NULL, *tmpl = NULL;
	g_autofree char *tmp = NULL, *cfg = NULL, *text = NULL;
	gsize len;
	int lockfd = -1;

	if (!check_target(dir, error))
		return FALSE;
	if (o->nickname != NULL && !check_nickname(o->nickname, error))
		return FALSE;
	if (o->introducer_furl != NULL && o->introducer_furl[0] != '\0') {
		rpc_furl *f = NULL;

		if (!rpc_furl_parse(o->introducer_furl, &f, error)) {
			g_prefix_error(error, "--introducer: ");
			return FALSE;
		}
		rpc_furl_free(f);
	}
	parent = g_path_get_dirname(dir);
	base = g_path_get_basename(dir);
	remove_stale_tmp(parent, base);
	tmpl = g_strdup_printf("%s/.%s.tmp-XXXXXX", parent, base);
	if (g_mkdtemp_full(tmpl, 0700) == NULL) {
		g_set_error(error, NODE_ERROR, NODE_E_IO, "%s: %s", parent,
		    g_strerror(errno));
		return FALSE;
	}
	tmp = g_steal_pointer(&tmpl);	/* filled in by g_mkdtemp_full() */
	if ((lockfd = lock_tmp(tmp)) < 0) {
		g_set_error(error, NODE_ERROR, NODE_E_IO, "%s: cannot lock: %s",
		    tmp, g_strerror(errno));
		goto fail;
	}
	if (!populate(tmp, o, kf, error))
		goto fail;
	text = g_key_file_to_data(kf, &len, NULL);
	cfg = g_strconcat("# A tahoe-c node directory; see "
	    "doc/configuration.md.\n", text, NULL);
	/* The introducer's FURL is a capability: only the owner reads it. */
	if (!write_text(tmp, "tahoe.cfg", cfg, o->introducer_furl != NULL &&
	    o->introducer_furl[0] != '\0' ? 0600 : 0644, error))
		goto fail;
	if (g_chmod(tmp, 0755) != 0 || g_rename(tmp, dir) != 0) {
		g_set_error(error, NODE_ERROR, NODE_E_IO, "%s: %s", dir,
		    g_strerror(errno));
		goto fail;
	}
	rpc_file_sync_dir(parent);
	close(lockfd);	/* the lock goes with the rename's name */
	return TRUE;
fail:
	node_remove_tree(tmp);
	if (lockfd >= 0)
		close(lockfd);
	return FALSE;
}

int
node_dir_lock(const char *dir, GError **error)
{
	g_autofree char *path = g_build_filename(dir, "node.lock", NULL);
	struct flock fl;
	char pid[32];
	int fd;

	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0) {
		g_set_error(error, NODE_ERROR, errno == ENOENT ?
		    NODE_E_NOTFOUND : NODE_E_IO, "%s: %s", path,
		    g_strerror(errno));
		return -1;
	}
	memset(&fl, 0, sizeof(fl));
	fl.l_type = F_WRLCK;
	fl.l_whence = SEEK_SET;
	if (fcntl(fd, F_SETLK, &fl) != 0) {
		ssize_t n = read(fd, pid, sizeof(pid) - 1);

		pid[n > 0 ? n : 0] = '\0';
		g_strchomp(pid);
		g_set_error(error, NODE_ERROR, NODE_E_EXISTS,
		    "%s is already running (pid %s)", dir,
		    pid[0] != '\0' ? pid : "unknown");
		close(fd);
		return -1;
	}
	g_snprintf(pid, sizeof(pid), "%ld\n", (long)getpid());
	if (ftruncate(fd, 0) != 0 ||
	    pwrite(fd, pid, strlen(pid), 0) != (ssize_t)strlen(pid)) {
		g_set_error(error, NODE_ERROR, NODE_E_IO, "%s: %s", path,
		    g_strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

/* grid/shares.c -- share files on disk: names, the container header, and
 * the scan a storage server makes at start.  Opening, writing and renaming
 * shares is grid/storage.c's; this module only knows where they are and
 * what their first bytes mean. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include <sys/stat.h>

#include <glib/gstdio.h>
#include <sodium.h>

#include "grid/err.h"
#include "grid/layout.h"
#include "grid/shares.h"
#include "rpc/base32.h"
#include "rpc/rbuf.h"

void
grid_si_b2a(const uint8_t si[GRID_SI_LEN], char out[GRID_SI_B32_LEN + 1])
{
	(void)rpc_base32_encode_to(out, GRID_SI_B32_LEN + 1, si, GRID_SI_LEN);
}

gboolean
grid_si_a2b(const char *s, uint8_t si[GRID_SI_LEN])
{
	size_t n = 0;

	return strlen(s) == GRID_SI_B32_LEN &&
	    rpc_base32_decode(s, GRID_SI_B32_LEN, si, GRID_SI_LEN, &n) == 0 &&
	    n == GRID_SI_LEN;
}

static char *
path_in(const char *root, const char *sub, const uint8_t *si, guint shnum)
{
	char s[GRID_SI_B32_LEN + 1], prefix[3], num[8];

	grid_si_b2a(si, s);
	memcpy(prefix, s, 2);
	prefix[2] = '\0';
	g_snprintf(num, sizeof(num), "%u", shnum);
	return g_build_filename(root, "shares", sub != NULL ? sub : prefix,
	    sub != NULL ? prefix : s, sub != NULL ? s : num,
	    sub != NULL ? num : NULL, NULL);
}

char *
grid_share_path(const char *root, const uint8_t *si, guint shnum)
{
	return path_in(root, NULL, si, shnum);
}

char *
grid_share_incoming_path(const char *root, const uint8_t *si, guint shnum)
{
	return path_in(root, "incoming", si, shnum);
}

void
grid_share_header(uint8_t out[GRID_SHARE_HDR], guint64 max_size)
{
	grid_container_header(max_size, 0, out);
}

/* Read exactly 'n' bytes at 'off' of 'fd'. */
static gboolean
read_at(int fd, void *buf, size_t n, off_t off)
{
	size_t done = 0;

	while (done < n) {
		ssize_t r = pread(fd, (char *)buf + done, n - done,
		    off + (off_t)done);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return FALSE;
		done += (size_t)r;
	}
	return TRUE;
}

gboolean
grid_share_stat(const char *path, grid_share_info *info, GError **error)
{
	uint8_t hdr[GRID_SHARE_HDR];
	guint32 unused;
	rpc_rbuf b;
	struct stat st;
	guint64 leases;
	int fd;

	memset(info, 0, sizeof(*info));
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) ||
	    !read_at(fd, hdr, sizeof(hdr), 0)) {
		g_set_error(error, GRID_ERROR, GRID_E_IO, "%s: %s", path,
		    fd < 0 ? g_strerror(errno) : "not a share container");
		if (fd >= 0)
			close(fd);
		return FALSE;
	}
	close(fd);
	rpc_rbuf_init(&b, hdr, sizeof(hdr));
	(void)(rpc_rbuf_get_u32be(&b, &info->version) != 0 ||
	    rpc_rbuf_get_u32be(&b, &unused) != 0 ||
	    rpc_rbuf_get_u32be(&b, &info->n_leases));
	if (info->version != 1 && info->version != 2) {
		g_set_error(error, GRID_ERROR, GRID_E_FORMAT, "%s: unknown "
		    "share container version %u", path, info->version);
		return FALSE;
	}
	info->file_size = (guint64)st.st_size;
	leases = (guint64)info->n_leases * GRID_SHARE_LEASE;
	if (info->file_size < GRID_SHARE_HDR ||
	    leases > info->file_size - GRID_SHARE_HDR) {
		g_set_error(error, GRID_ERROR, GRID_E_FORMAT, "%s: %u leases "
		    "do not fit in a file of %" G_GUINT64_FORMAT " bytes", path,
		    info->n_leases, info->file_size);
		return FALSE;
	}
	info->data_len = info->file_size - GRID_SHARE_HDR - leases;
	return TRUE;
}

GArray *
grid_share_leases(const char *path, const grid_share_info *info,
    GError **error)
{
	GArray *out = g_array_new(FALSE, TRUE, sizeof(grid_share_lease));
	g_autofree uint8_t *buf = NULL;
	size_t n = MIN(info->n_leases, GRID_SHARE_MAX_LEASES);
	grid_container c;
	guint32 i;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);

	if (fd < 0) {
		g_set_error(error, GRID_ERROR, GRID_E_IO, "%s: %s", path,
		    g_strerror(errno));
		g_array_unref(out);
		return NULL;
	}
	buf = g_malloc(n * GRID_SHARE_LEASE + 1);
	if (!read_at(fd, buf, n * GRID_SHARE_LEASE, (off_t)(GRID_SHARE_HDR +
	    info->data_len))) {
		g_set_error(error, GRID_ERROR, GRID_E_IO, "%s: short lease "
		    "records", path);
		close(fd);
		g_array_unref(out);
		return NULL;
	}
	close(fd);
	/* The records are decoded by layout.c's container code. */
	memset(&c, 0, sizeof(c));
	c.version = info->version;
	c.num_leases = (uint32_t)n;
	c.leases = buf;
	for (i = 0; i < n; i++) {
		grid_share_lease l;
		grid_lease raw;

		grid_container_lease(&c, i, &raw);
		l.owner = raw.owner;
		if (info->version == 1) {
			/* Version 1 kept the secrets in the clear. */
			grid_lease_hash(raw.renew, l.renew_hash);
			grid_lease_hash(raw.cancel, l.cancel_hash);
		} else {
			memcpy(l.renew_hash, raw.renew, GRID_SECRET_LEN);
			memcpy(l.cancel_hash, raw.cancel, GRID_SECRET_LEN);
		}
		l.expiry = raw.expiry;
		g_array_append_val(out, l);
	}
	sodium_memzero(buf, n * GRID_SHARE_LEASE);
	return out;
}

/* A share number as Tahoe names the file: 0..255 in canonical decimal. */
static gboolean
parse_shnum(const char *s, guint *shnum)
{
	guint v = 0;
	size_t i, n = strlen(s);

	if (n == 0 || n > 3 || (n > 1 && s[0] == '0'))
		return FALSE;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return FALSE;
		v = v * 10 + (guint)(s[i] - '0');
	}
	if (v > GRID_MAX_SHNUM)
		return FALSE;
	*shnum = v;
	return TRUE;
}

/* Visit the share files of one SI directory. */
static void
scan_si(const char *sidir, const uint8_t *si, grid_share_visit_fn *fn,
    void *arg)
{
	GDir *d = g_dir_open(sidir, 0, NULL);
	const char *name;

	if (d == NULL)
		return;
	while ((name = g_dir_read_name(d)) != NULL) {
		g_autofree char *p = NULL;
		guint shnum;

		if (!parse_shnum(name, &shnum))
			continue;
		p = g_build_filename(sidir, name, NULL);
		if (g_file_test(p, G_FILE_TEST_IS_REGULAR) &&
		    !g_file_test(p, G_FILE_TEST_IS_SYMLINK))
			fn(si, shnum, p, arg);
	}
	g_dir_close(d);
}

void
grid_shares_scan(const char *root, grid_share_visit_fn *fn, void *arg)
{
	g_autofree char *top = g_build_filename(root, "shares", NULL);
	GDir *d = g_dir_open(top, 0, NULL);
	const char *prefix;

	if (d == NULL)
		return;
	while ((prefix = g_dir_read_name(d)) != NULL) {
		g_autofree char *pdir = NULL;
		GDir *pd;
		const char *sis;

		if (strlen(prefix) != 2)	/* "incoming" and strays */
			continue;
		pdir = g_build_filename(top, prefix, NULL);
		if ((pd = g_dir_open(pdir, 0, NULL)) == NULL)
			continue;
		while ((sis = g_dir_read_name(pd)) != NULL) {
			g_autofree char *sidir = NULL;
			uint8_t si[GRID_SI_LEN];

			if (!grid_si_a2b(sis, si) ||
			    strncmp(sis, prefix, 2) != 0)
				continue;
			sidir = g_build_filename(pdir, sis, NULL);
			scan_si(sidir, si, fn, arg);
		}
		g_dir_close(pd);
	}
	g_dir_close(d);
}

static void
mark_have(const uint8_t *si, guint shnum, const char *path, void *arg)
{
	uint8_t *have = arg;

	(void)si;
	(void)path;
	have[shnum / 8] |= (uint8_t)(1u << (shnum % 8));
}

guint
grid_shares_of(const char *root, const uint8_t *si, uint8_t have[32])
{
	g_autofree char *any = grid_share_path(root, si, 0);
	g_autofree char *sidir = g_path_get_dirname(any);
	guint i, n = 0;

	memset(have, 0, 32);
	scan_si(sidir, si, mark_have, have);
	for (i = 0; i <= GRID_MAX_SHNUM; i++)
		n += (have[i / 8] >> (i % 8)) & 1;
	return n;
}

void
grid_shares_prune(const char *path, const char *stop)
{
	g_autofree char *dir = g_path_get_dirname(path);
	size_t stoplen = strlen(stop);

	while (strlen(dir) > stoplen && strncmp(dir, stop, stoplen) == 0) {
		char *up;

		if (g_rmdir(dir) != 0)
			return;		/* not empty, or gone */
		up = g_path_get_dirname(dir);
		g_free(dir);
		dir = up;
	}
}


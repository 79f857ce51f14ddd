/* rpc/file.c -- small whole files, read with a cap and written atomically.
 *
 * This module knows nothing of what the files hold; callers parse the
 * bytes and decide what a missing file means. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "rpc/err.h"
#include "rpc/file.h"

gboolean
rpc_file_read_capped(const char *path, size_t max, char **text, size_t *len,
    GError **error)
{
	char *buf;
	size_t n = 0;
	int fd, saved;

	*text = NULL;
	*len = 0;
	g_return_val_if_fail(path != NULL && max < G_MAXSIZE - 2, FALSE);
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		saved = errno;
		g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(saved),
		    "%s: %s", path, g_strerror(saved));
		return FALSE;
	}
	/* One byte more than allowed tells "too big" from "exactly max". */
	buf = g_malloc(max + 2);
	while (n <= max) {
		ssize_t r = read(fd, buf + n, max + 1 - n);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			saved = errno;
			close(fd);
			sodium_memzero(buf, max + 2);
			g_free(buf);
			g_set_error(error, G_FILE_ERROR,
			    g_file_error_from_errno(saved), "%s: %s", path,
			    g_strerror(saved));
			return FALSE;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	close(fd);
	if (n > max) {
		sodium_memzero(buf, max + 2);
		g_free(buf);
		return rpc_set_error(error, RPC_E_TOOBIG,
		    "%s: larger than %zu bytes", path, max);
	}
	buf[n] = '\0';
	*text = buf;
	*len = n;
	return TRUE;
}

void
rpc_file_sync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd >= 0) {
		(void)fsync(fd);
		close(fd);
	}
}

gboolean
rpc_file_write_atomic(const char *path, const void *data, size_t len,
    int mode, GError **error)
{
	g_autofree char *tmp = g_strdup_printf("%s.tmp.%ld", path,
	    (long)getpid());
	g_autofree char *dir = g_path_get_dirname(path);
	const uint8_t *p = data;
	size_t off = 0;
	int fd, saved;

	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	if (fd < 0)
		return rpc_set_error(error, RPC_E_SYSTEM, "%s: %s", tmp,
		    g_strerror(errno));
	if (fchmod(fd, mode) != 0)
		goto fail;
	while (off < len) {
		ssize_t w = write(fd, p + off, len - off);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			goto fail;
		off += (size_t)w;
	}
	if (fsync(fd) != 0)
		goto fail;
	if (close(fd) != 0) {
		fd = -1;
		goto fail;
	}
	fd = -1;
	if (rename(tmp, path) != 0)
		goto fail;
	rpc_file_sync_dir(dir);		/* the rename itself durable */
	return TRUE;
fail:
	saved = errno;
	if (fd >= 0)
		close(fd);
	unlink(tmp);
	return rpc_set_error(error, RPC_E_SYSTEM, "%s: %s", path,
	    g_strerror(saved));
}

/* rpc/file.h -- small whole files: read with a size cap, written
 * atomically.  Every file a node, the grid or the CLI reads (config, keys,
 * FURLs, certificates) is read through rpc_file_read_capped(), so no
 * caller ever holds more than its cap of a file it did not write. */
#ifndef RPC_FILE_H
#define RPC_FILE_H

#include <stddef.h>

#include <glib.h>

/* Read 'path' into a new NUL-terminated buffer: *text (caller g_free()s;
 * wipe it first if it may hold a secret) and its length *len, which may
 * be less than strlen() if the file holds a NUL byte.  At most 'max' + 1
 * bytes are read whatever the file's size, and a file larger than 'max'
 * is an error (the model is OpenSSH's sshbuf_load_file()).  Both are
 * cleared on entry and stay NULL and 0 on failure.  Errors:
 * G_FILE_ERROR ("PATH: reason") if the file cannot be opened or read;
 * RPC_ERROR, RPC_E_TOOBIG ("PATH: larger than MAX bytes") if it is
 * larger than 'max'.  Nothing read is left in freed memory. */
gboolean rpc_file_read_capped(const char *path, size_t max, char **text,
    size_t *len, GError **error);

/* Write 'len' bytes to 'path' atomically (temporary name in the same
 * directory, fsync, rename, fsync of the directory) with file mode
 * 'mode', so that a crash leaves the old file or the new one, never half
 * of one.  FALSE with RPC_ERROR, RPC_E_SYSTEM ("PATH: reason"). */
gboolean rpc_file_write_atomic(const char *path, const void *data,
    size_t len, int mode, GError **error);

/* Make a rename (or a new entry) in directory 'dir' durable: fsync the
 * directory, as far as the system lets (errors are ignored: nothing
 * better can be done for them). */
void rpc_file_sync_dir(const char *dir);

#endif

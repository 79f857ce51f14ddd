/* grid/download.h -- downloading an immutable (CHK) file from storage
 * servers: find shares with get_buckets on every server, open k of them
 * (head, then hash trees and UEB, checked by grid/chk.h's streaming
 * decoder against the cap), then fetch, check, decode and decrypt one
 * segment at a time.  A share that fails a check is reported to its
 * server with advise_corrupt_share and replaced by another; a server that
 * fails or stays silent is replaced too.  No byte reaches the caller
 * before its segment has been checked.
 *
 * Memory: the shares' hash trees plus two segments, whatever the file
 * size. */
#ifndef GRID_DOWNLOAD_H
#define GRID_DOWNLOAD_H

#include <stdint.h>

#include <ev.h>
#include <glib.h>

#include "grid/uri.h"
#include "rpc/conn.h"

#define GRID_DOWNLOAD_STALL	30.0	/* seconds a server may keep us
					 * waiting before it is replaced */
/* Largest tail (hash trees and UEB) read from one share: what a server
 * can make the client hold per share in use.  The two trees take about
 * 128 bytes per segment, so this fits 256 Ki segments: files of 256 GiB
 * in 1 MiB segments. */
#define GRID_DOWNLOAD_MAX_TAIL	(32 * 1024 * 1024)
#define GRID_DOWNLOAD_FIND_GRACE 0.5	/* seconds the other servers get to
					 * say what they hold once k share
					 * numbers are known */

typedef struct grid_download grid_download;

/* Called with consecutive pieces of checked plaintext (borrowed).  The
 * callee may call grid_download_pause() to stop the flow. */
typedef void grid_download_data_fn(const uint8_t *p, size_t len, void *arg);
/* Called once at the end, never inside grid_download_start(): err NULL
 * when every byte asked for was delivered; otherwise GRID_E_CORRUPT /
 * GRID_E_NOTFOUND (fewer than k good shares), RPC_E_CANCELLED. */
typedef void grid_download_done_fn(const GError *err, void *arg);

/* Download bytes [offset, offset + length) (clipped to the file) of the
 * file of 'cap' (copied; URI:CHK or URI:LIT) from the storage facets
 * 'servers' ('n' references, borrowed; the download keeps its own).
 * The download frees itself after 'done'. */
grid_download *grid_download_start(struct ev_loop *loop, const grid_uri *cap,
    rpc_ref *const *servers, size_t n, guint64 offset, guint64 length,
    grid_download_data_fn *data, grid_download_done_fn *done, void *arg);

/* Stop and start delivering (fetches already sent still complete). */
void grid_download_pause(grid_download *d);
void grid_download_resume(grid_download *d);
/* Give up: 'done' runs once with RPC_E_CANCELLED, later. */
void grid_download_cancel(grid_download *d);

/* Share numbers reported corrupt so far (tests). */
guint grid_download_n_corrupt(const grid_download *d);

#endif

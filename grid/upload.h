/* grid/upload.h -- uploading an immutable file to storage servers, as
 * Tahoe-LAFS's CHKUploader with its Tahoe2ServerSelector: convergent key
 * and storage index, the servers permuted by storage index, existing
 * shares asked for, shares placed by servers of happiness
 * (grid/happiness.h), allocated, encoded (grid/chk.h) and written through
 * the servers' bucket writers, then closed.  The upload succeeds only if
 * the shares closed (and those the servers already held) reach
 * shares.happy.
 *
 * Memory is bounded by segments, not by the file: the file is read twice
 * from a descriptor (once for the key, once to encode), a segment at a
 * time, and writes to a server wait while more than GRID_UPLOAD_WINDOW
 * bytes to it are unanswered. */
#ifndef GRID_UPLOAD_H
#define GRID_UPLOAD_H

#include <stdint.h>

#include <ev.h>
#include <glib.h>

#include "grid/chk.h"
#include "rpc/conn.h"

#define GRID_UPLOAD_WINDOW	(4 * 1024 * 1024)	/* unanswered bytes per
							 * server */
#define GRID_UPLOAD_STALL	60.0	/* seconds without an answer before
					 * the servers still owing one are
					 * given up */

/* A server the uploader may use, as the caller (the storage broker) knows
 * it.  The uploader copies what it needs. */
typedef struct grid_upload_server {
	rpc_ref		*ref;		/* its storage facet (borrowed) */
	const char	*name;		/* nickname, for messages */
	const uint8_t	*tubid;		/* 32 raw bytes: its lease seed is the
					 * first GRID_NODEID_LEN */
	const uint8_t	*perm_seed;	/* bytes hashed for the ring */
	size_t		 perm_seed_len;
	guint64		 max_share;	/* maximum-immutable-share-size */
} grid_upload_server;

typedef struct grid_upload grid_upload;

/* Called once, never inside grid_upload_start(): with the cap text
 * (borrowed) and err == NULL, or with cap == NULL and 'err' (borrowed):
 * GRID_E_UNHAPPY with a message naming the numbers, GRID_E_REFUSED if
 * servers refused the account (its quota or status: the message begins
 * "quota exceeded" or "account refused" and quotes a server), or the
 * error that stopped the upload (RPC_E_CANCELLED after grid_upload_cancel()). */
typedef void grid_upload_fn(const char *cap, const GError *err, void *arg);

/* Upload the 'size' bytes of 'fd' (borrowed, read with pread, kept open
 * by the caller until 'fn' runs) with parameters 'p', convergence secret
 * 'conv' ('conv_len' bytes, at most 64; Tahoe's private/convergence holds
 * 32) and lease secret 'lease' (32 bytes), to the 'n' servers 's' (in any
 * order; the upload permutes them).  Files of at most
 * GRID_URI_LIT_THRESHOLD bytes become LIT caps and touch no server.  The
 * upload frees itself after 'fn'. */
grid_upload *grid_upload_start(struct ev_loop *loop, const grid_chk_params *p,
    const uint8_t *conv, size_t conv_len, const uint8_t *lease,
    const grid_upload_server *s,
    size_t n, int fd, guint64 size, grid_upload_fn *fn, void *arg);

/* Stop: writers are aborted and 'fn' runs once with RPC_E_CANCELLED
 * (unless it already ran). */
void grid_upload_cancel(grid_upload *u);

/* Counters, for tests and progress: plaintext bytes encoded so far. */
guint64 grid_upload_progress(const grid_upload *u);

#endif

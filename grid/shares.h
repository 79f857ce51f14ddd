/* grid/shares.h -- immutable share files on a storage server's disk, in
 * Tahoe-LAFS's layout and container so that share files move between the
 * two implementations:
 *
 *   storage/shares/PREFIX/SI/SHNUM            finished shares
 *   storage/shares/incoming/PREFIX/SI/SHNUM   shares being written
 *
 * SI is the storage index in lower-case base32 (26 characters) and PREFIX
 * its first two characters (Tahoe's storage_index_to_dir).  A share file
 * is Tahoe's immutable container (storage/immutable.py): a 12-byte
 * big-endian header (version, data length mod 2^32, lease count), the
 * share data, then lease-count records of 72 bytes.  This server keeps
 * leases in its database (grid/leasedb.h) and writes version-2 containers
 * with no lease records; it reads versions 1 and 2 with any lease count,
 * and can list the leases of a container copied in from Tahoe-LAFS.
 * The bytes of headers and lease records are grid/layout.c's. 
 *
 * Every name read from the disk is checked before it is used (a directory
 * is untrusted input too: files can be copied in by hand). */
#ifndef GRID_SHARES_H
#define GRID_SHARES_H

#include <stdint.h>

#include <glib.h>

#include "grid/layout.h"
#include "grid/leasedb.h"

#define GRID_SHARE_HDR		GRID_CONTAINER_HEADER	/* 12 */
#define GRID_SHARE_LEASE	GRID_CONTAINER_LEASE	/* >L32s32sL */
/* Leases imported from one share file copied in (Tahoe's shares hold a
 * handful; more is not a share to trust). */
#define GRID_SHARE_MAX_LEASES	10000
#define GRID_SI_B32_LEN		26	/* base32 of a storage index */
#define GRID_MAX_SHNUM		255	/* Tahoe's MAX_BUCKETS is 256 */

/* Lower-case base32 of a storage index into 'out' (NUL-terminated). */
void grid_si_b2a(const uint8_t si[GRID_SI_LEN],
    char out[GRID_SI_B32_LEN + 1]);
/* Parse 26 base32 characters back; FALSE if 's' is not exactly that. */
gboolean grid_si_a2b(const char *s, uint8_t si[GRID_SI_LEN]);

/* Paths below the storage directory 'root' (caller g_free()s). */
char *grid_share_path(const char *root, const uint8_t *si, guint shnum);
char *grid_share_incoming_path(const char *root, const uint8_t *si,
    guint shnum);

/* Write the header of a new container for 'max_size' bytes of data. */
void grid_share_header(uint8_t out[GRID_SHARE_HDR], guint64 max_size);

/* What the header and size of a container say. */
typedef struct grid_share_info {
	guint32		version;	/* 1 or 2 */
	guint32		n_leases;
	guint64		data_len;	/* bytes of share data */
	guint64		file_size;
} grid_share_info;

/* Read the header of the container at 'path' and check it against the
 * file's size.  FALSE with GRID_E_FORMAT for an unknown version or a
 * lease count the file cannot hold, GRID_E_IO if it cannot be read. */
gboolean grid_share_stat(const char *path, grid_share_info *info,
    GError **error);

/* A lease record of a container (as Tahoe-LAFS wrote it). */
typedef struct grid_share_lease {
	guint32	owner;
	uint8_t	renew_hash[GRID_SECRET_LEN];	/* hashed, as stored here */
	uint8_t	cancel_hash[GRID_SECRET_LEN];
	gint64	expiry;
} grid_share_lease;

/* The lease records of the container at 'path' described by 'info', as
 * an array of grid_share_lease; version-1 (plaintext) secrets are hashed
 * with grid_lease_hash().  NULL with an error if they cannot be read. */
GArray *grid_share_leases(const char *path, const grid_share_info *info,
    GError **error);

/* Call 'fn' for each finished share file below 'root': a directory
 * PREFIX/SI/ whose names are well formed and whose SI starts with PREFIX,
 * and a file named by a share number 0..255 in canonical decimal.
 * Anything else is skipped ("incoming" included). */
typedef void grid_share_visit_fn(const uint8_t *si, guint shnum,
    const char *path, void *arg);
void grid_shares_scan(const char *root, grid_share_visit_fn *fn, void *arg);

/* The share numbers of 'si' present below 'root' (finished shares only),
 * as a bitmap of 256 bits in 'have'.  Return how many. */
guint grid_shares_of(const char *root, const uint8_t *si,
    uint8_t have[32]);

/* Remove the directories of 'path' up to, not including, 'stop', while
 * they are empty. */
void grid_shares_prune(const char *path, const char *stop);

#endif

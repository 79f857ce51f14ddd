/* grid/leasedb.h -- a storage server's lease database (SQLite, WAL).
 *
 * The shares the server holds (storage index, share number, size of the
 * share file), the leases on them (owner account, hashed renew and cancel
 * secrets, expiry), each owner's usage (kept by triggers) and the shares
 * a termination doomed.  The share files themselves live in
 * storage/shares/ (grid/shares.h); this database says who wants them kept
 * and until when.  Owner 0 is the anonymous storage facet; account
 * numbers come from the per-account facets.  See doc/configuration.md
 * ("Storage") for the file and its crash rules. */
#ifndef GRID_LEASEDB_H
#define GRID_LEASEDB_H

#include <stdint.h>

#include <glib.h>

#include "grid/hashutil.h"	/* GRID_SI_LEN */

#define GRID_SECRET_LEN		32	/* renew and cancel secrets */
/* Tahoe-LAFS's DEFAULT_RENEWAL_TIME: a lease lasts 31 days from its last
 * renewal. */
#define GRID_LEASE_DURATION	(31 * 24 * 3600)
/* Leases one share may hold: a renewal always works, a new lease beyond
 * this is refused (GRID_E_RANGE), so that nobody can grow the database
 * without bound by inventing renew secrets. */
#define GRID_LEASES_MAX_PER_SHARE	1000

typedef struct grid_leasedb grid_leasedb;

/* Open (creating if needed) the database at 'path'.  NULL with a
 * GRID_E_IO error naming the file if SQLite cannot open or set it up. */
grid_leasedb *grid_leasedb_open(const char *path, GError **error);
void grid_leasedb_free(grid_leasedb *db);		/* NULL is a no-op */

/* Hash a renew or cancel secret as stored here (and in Tahoe-LAFS's v2
 * share containers): BLAKE2b-256 of the secret, unkeyed. */
void grid_lease_hash(const uint8_t secret[GRID_SECRET_LEN],
    uint8_t out[GRID_SECRET_LEN]);

/* Batch several changes in one transaction (start-up scans, terminate).
 * Calls nest; only the outermost commits.  FALSE with an error if SQLite
 * fails, and then the whole batch is rolled back by the commit. */
gboolean grid_leasedb_begin(grid_leasedb *db, GError **error);
gboolean grid_leasedb_commit(grid_leasedb *db, GError **error);

/* Record share (si, shnum) of 'size' bytes (replacing the size if it is
 * known).  With 'renew_hash' non-NULL also add or renew a lease: a lease
 * of 'owner' with the same renew hash gets 'expiry' (if later than what
 * it has), otherwise a new lease is added (GRID_E_RANGE, nothing changed,
 * if the share holds GRID_LEASES_MAX_PER_SHARE already).  One
 * transaction. */
gboolean grid_leasedb_add_share(grid_leasedb *db, const uint8_t *si,
    guint shnum, guint64 size, guint32 owner, const uint8_t *renew_hash,
    const uint8_t *cancel_hash, gint64 expiry, GError **error);
/* Add or renew a lease (as above) on every share of 'si' the database
 * knows.  Store in *n_shares how many shares that was (0: none held). */
gboolean grid_leasedb_add_lease(grid_leasedb *db, const uint8_t *si,
    guint32 owner, const uint8_t *renew_hash, const uint8_t *cancel_hash,
    gint64 expiry, guint *n_shares, GError **error);
/* Forget share (si, shnum) and every lease on it. */
gboolean grid_leasedb_remove_share(grid_leasedb *db, const uint8_t *si,
    guint shnum, GError **error);

/* Whether share (si, shnum) is recorded; its size in *size if so. */
gboolean grid_leasedb_has_share(grid_leasedb *db, const uint8_t *si,
    guint shnum, guint64 *size);
/* Number of leases on share (si, shnum), and the latest expiry among
 * them in *latest (0 without leases). */
guint grid_leasedb_n_leases(grid_leasedb *db, const uint8_t *si,
    guint shnum, gint64 *latest);

/* A share as listed by the iterators below. */
typedef struct grid_share_id {
	uint8_t	si[GRID_SI_LEN];
	guint	shnum;
	guint64	size;
} grid_share_id;

/* Every recorded share, as an array of grid_share_id (caller frees with
 * g_array_unref()).  NULL with an error if SQLite fails. */
GArray *grid_leasedb_list_shares(grid_leasedb *db, GError **error);
/* Up to 'limit' shares every one of whose leases expired at or before
 * 'cutoff' (shares with no lease at all included), as above. */
GArray *grid_leasedb_expired_shares(grid_leasedb *db, gint64 cutoff,
    guint limit, GError **error);

/* Shares held and the bytes of their files. */
void grid_leasedb_totals(grid_leasedb *db, guint64 *n_shares,
    guint64 *bytes);
/* Cancel the leases of 'owner' on up to 'limit' of the shares it leases
 * and, in the same transaction, mark "doomed" each of those shares left
 * without any lease; store their number in *n_doomed, and in *done
 * whether the owner holds no lease now.  Calls of a bounded 'limit'
 * (G_MAXUINT: all at once) keep each transaction short; each leaves the
 * database consistent.  The caller deletes the doomed shares' files and
 * then their rows (grid_leasedb_doomed(), then
 * grid_leasedb_remove_shares()); a crash in between leaves them doomed
 * for the next start to finish.  A new lease on a doomed share takes it
 * out of the list.  FALSE with an error if SQLite fails (that call
 * changes nothing then). */
gboolean grid_leasedb_cancel_owner(grid_leasedb *db, guint32 owner,
    guint limit, guint64 *n_doomed, gboolean *done, GError **error);
/* Up to 'limit' doomed shares (grid_share_id with their size; caller
 * g_array_unref()s) in (si, shnum) order, those after 'after' (borrowed;
 * NULL: from the first), or NULL with an error.  Passing the last share
 * of each answer as the next 'after' visits each doomed share at most
 * once. */
GArray *grid_leasedb_doomed(grid_leasedb *db, const grid_share_id *after,
    guint limit, GError **error);
guint64 grid_leasedb_n_doomed(grid_leasedb *db);
/* grid_leasedb_remove_share() for each grid_share_id of 'ids', in one
 * transaction. */
gboolean grid_leasedb_remove_shares(grid_leasedb *db, const GArray *ids,
    GError **error);

/* The shares on which 'owner' holds a lease (an account's usage: a share
 * leased by several accounts counts for each, a share leased twice by
 * one owner once) and the bytes of their files.  One row read: the
 * counters are kept by triggers in every transaction that changes them. */
void grid_leasedb_owner_usage(grid_leasedb *db, guint32 owner,
    guint64 *n_shares, guint64 *bytes);
/* Rebuild every owner's counters from the share and lease rows (leases
 * on unrecorded shares are dropped).  The migration from schema 1 does
 * it; tests use it to check the counters. */
gboolean grid_leasedb_recount(grid_leasedb *db, GError **error);

#endif

/* grid/storage.h -- the storage server: immutable shares and their leases,
 * served as remote objects after Tahoe-LAFS's RIStorageServer.  See
 * doc/protocol.md §10.3 for the methods:
 *
 *   storage.get_version() -> map
 *   storage.allocate_buckets(si, renew_secret, cancel_secret, sharenums,
 *       allocated_size[, canary]) -> [already_have, [[shnum, writer]...]]
 *   storage.get_buckets(si) -> [[shnum, reader]...]
 *   storage.add_lease(si, renew_secret, cancel_secret) -> nil
 *   storage.advise_corrupt_share(share_type, si, shnum, reason) -> nil
 *   writer.write(offset, data) / writer.close() / writer.abort()
 *   reader.read(offset, length) -> bin / reader.advise_corrupt_share(reason)
 *
 * Shares are files in Tahoe's layout (grid/shares.h); leases live in
 * storage/leases.sqlite (grid/leasedb.h).  Writers and readers are objects
 * passed in results: a writer whose reference is released or whose
 * connection goes before close() is aborted and its space released. */
#ifndef GRID_STORAGE_H
#define GRID_STORAGE_H

#include <stdint.h>

#include <glib.h>

#include "rpc/obj.h"
#include "rpc/tub.h"

#define GRID_SS_PROTOCOL "http://allmydata.org/tahoe/protocols/storage/v1"

/* Limits.  A write or read carries at most GRID_SS_MAX_IO bytes (clients
 * cut blocks into such pieces; a message is at most 4 MiB).  A writer
 * that sees no call for GRID_SS_WRITER_IDLE seconds is aborted (Tahoe's
 * BucketWriter does the same after 30 minutes), so a client cannot hold
 * reserved space forever.  A peer may hold GRID_SS_MAX_WRITERS_PER_PEER
 * writers at once and the server GRID_SS_MAX_WRITERS in all. */
#define GRID_SS_MAX_IO			(1024 * 1024)
#define GRID_SS_WRITER_IDLE		(30 * 60)
#define GRID_SS_MAX_WRITERS_PER_PEER	1024
#define GRID_SS_MAX_WRITERS		8192
#define GRID_SS_MAX_REASON		2048	/* corruption advice text */
#define GRID_SS_MAX_ADVISORIES		10000	/* report files kept */

typedef struct grid_ss grid_ss;

/* Serve storage from 'dir' (created if missing: 'dir'/shares/ and
 * 'dir'/leases.sqlite) keeping 'reserved' bytes of the disk free,
 * registered on 'tub' (borrowed) under the name kept in 'furl_file' (NULL:
 * a new random name).  Store the FURL in *furl (caller g_free()s; secret).
 * With 'furl' NULL the anonymous facet is not registered: only facets
 * made with grid_ss_facet_new() serve (account-managed servers).
 * At start incoming/ is emptied and the database is brought in step with
 * the share files (shares copied in get a row, with the leases their
 * containers hold; rows whose file is gone are dropped). */
grid_ss *grid_ss_new(rpc_tub *tub, const char *dir, guint64 reserved,
    const char *furl_file, char **furl, GError **error);
void grid_ss_free(grid_ss *ss);				/* NULL is a no-op */

/* Bytes a new share may use now: free space minus the reserve minus the
 * space promised to writers still open. */
guint64 grid_ss_available(const grid_ss *ss);

/* Lease expiry and garbage collection, Tahoe's [storage] expire.*
 * options.  Off by default: leases are recorded but shares are kept. */
typedef enum {
	GRID_EXPIRE_AGE,	/* a lease lasts 'override' seconds from its
				 * last renewal (its own 31 days if 0) */
	GRID_EXPIRE_CUTOFF,	/* leases last renewed before 'cutoff' expire */
} grid_expire_mode;

typedef struct grid_ss_expiry {
	gboolean		enabled;
	grid_expire_mode	mode;
	gint64			override;	/* seconds, AGE mode; 0: none */
	gint64			cutoff;		/* Unix time, CUTOFF mode */
	gboolean		immutable;	/* expire immutable shares */
} grid_ss_expiry;

/* Apply 'e' (copied): with 'enabled', shares none of whose leases is
 * still valid are deleted, a batch per minute. */
void grid_ss_set_expiry(grid_ss *ss, const grid_ss_expiry *e);
/* Run one collection pass as if at 'now' (Unix seconds; the timer passes
 * the loop's time); return the shares deleted. */
guint grid_ss_collect(grid_ss *ss, gint64 now);

/* Tahoe-LAFS's duration syntax for expire.override_lease_duration:
 * "NUMBER UNIT" with optional spaces, units s, second(s), day(s), mo,
 * month(s) (31 days), year(s) (365 days), any case.  FALSE with a
 * GRID_E_FORMAT error otherwise (or GRID_E_RANGE past 10,000 years). */
gboolean grid_parse_duration(const char *s, gint64 *seconds, GError **error);
/* expire.cutoff_date: "YYYY-MM-DD", the UTC midnight starting that day. */
gboolean grid_parse_date(const char *s, gint64 *when, GError **error);

/* A storage facet for 'account' (0: the anonymous facet, which
 * grid_ss_new() registers): the same methods, with every lease it
 * creates owned by 'account'.  The caller owns the object; it refuses
 * calls once 'ss' is freed. */
rpc_obj *grid_ss_facet_new(grid_ss *ss, guint32 account);

/* Counters for a status page. */
typedef struct grid_ss_stats {
	guint64	shares;		/* held */
	guint64	bytes;		/* of their files */
	guint	writers;	/* open */
	guint64	allocated;	/* promised to open writers */
	guint64	available;	/* as grid_ss_available() */
} grid_ss_stats;
void grid_ss_get_stats(grid_ss *ss, grid_ss_stats *st);

/* Asked at every allocate_buckets of a per-account facet (owner != 0),
 * before it adds a lease or makes a writer, with the 'bytes' of the new
 * shares it asks (0 when it asks only for shares held: then only the
 * account's status is to be judged, not its quota): TRUE admits the
 * call; FALSE refuses the whole call, leaving no lease, with the error of
 * type *type and message *why (both new strings the server frees; NULL:
 * "grid.QuotaExceeded", "refused").  Set by the layer that keeps
 * accounts' quotas and status (account/); NULL (the default) admits
 * everything.  add_lease does not ask it (a disabled account may renew);
 * a terminated account is refused by the server itself
 * (grid_ss_cancel_owner()). */
typedef gboolean grid_ss_admit_fn(guint32 owner, guint64 bytes, char **type,
    char **why, void *arg);
void grid_ss_set_admit(grid_ss *ss, grid_ss_admit_fn *fn, void *arg);

/* Terminate account 'owner' (not 0) here: abort its open writers (their
 * space and incoming files go; a later close() or write() fails with
 * acct.Terminated), refuse add_lease and allocate_buckets on its facets
 * from now on (acct.Terminated; facets already handed out included), then
 * cancel every lease of the account and delete the shares no other lease
 * keeps (readers of them then get grid.NoShare), in steps: each cancels
 * the account's leases on up to 1000 shares and marks those left without
 * a lease doomed, in one transaction; then the doomed shares' files and
 * rows are deleted in batches.  The first steps run before return (a
 * small termination is over then), the rest one step per loop iteration,
 * so that the server keeps answering.  A crash at any point leaves the
 * database consistent: doomed shares are deleted at the next start
 * before serving, leases not yet cancelled wait for the next call (the
 * manager repeats a termination at every registration).  The owners
 * terminated are kept in memory, one entry each: at most the accounts
 * the caller knows. */
void grid_ss_cancel_owner(grid_ss *ss, guint32 owner);
/* Accounts whose leases are being cancelled, and doomed shares not yet
 * deleted. */
guint grid_ss_n_cancelling(grid_ss *ss);
guint64 grid_ss_n_doomed(grid_ss *ss);

/* The shares on which account 'owner' holds a lease, and the bytes of
 * their files (what a per-account facet's leases hold on this server). */
void grid_ss_owner_usage(grid_ss *ss, guint32 owner, guint64 *n_shares,
    guint64 *bytes);
/* Bytes allocated to the writers of 'owner' not yet closed or aborted. */
guint64 grid_ss_owner_writing(grid_ss *ss, guint32 owner);

#endif

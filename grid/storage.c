/* grid/storage.c -- the storage server's remote objects.
 *
 * The server object (one per facet: the anonymous one, later one per
 * account) hands out writer and reader objects in its results.  A share
 * is written under storage/shares/incoming/, and close() makes it durable
 * in this order: fsync the file; commit its row and its lease to the lease
 * database; rename it into storage/shares/; fsync the directory.  So after
 * a crash at any moment a share is either complete and visible or absent,
 * and start-up (ss_reconcile) drops database rows whose file never
 * arrived and gives files without a row one.
 *
 * File I/O and SQLite run on the node's loop: writes and reads are at
 * most GRID_SS_MAX_IO bytes, and the one fsync per share happens at
 * close(), as Tahoe-LAFS's BucketWriter does.  doc/configuration.md
 * ("Storage") lists these blocking points. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <sys/stat.h>
#include <sys/statvfs.h>

#include <ev.h>
#include <glib/gstdio.h>
#include <sodium.h>

#include "grid/err.h"
#include "grid/leasedb.h"
#include "grid/owner.h"
#include "grid/shares.h"
#include "grid/storage.h"
#include "node/dir.h"
#include "rpc/common.h"
#include "rpc/conn.h"
#include "rpc/err.h"
#include "rpc/file.h"
#include "rpc/furl.h"

/* Tahoe-LAFS's maximum-mutable-share-size, announced for completeness. */
#define SS_MAX_MUTABLE	G_GUINT64_CONSTANT(69105000000000000)
#define SS_GC_INTERVAL	60.0	/* seconds between collection passes */
#define SS_GC_BATCH	1000	/* shares deleted per pass at most */
#define SS_SWEEP	60.0	/* seconds between idle-writer sweeps */
/* Doomed shares deleted per loop iteration: at most SS_DOOM_BATCH, and
 * no more files once SS_DOOM_BUDGET microseconds went on them, so that a
 * termination of 100,000 shares never holds the loop up (deleting a file
 * takes from 0.1 to 1 ms on a busy disk). */
#define SS_DOOM_BATCH	256
#define SS_DOOM_BUDGET	10000
/* Shares whose leases one loop iteration cancels (about 10 ms). */
#define SS_CANCEL_CHUNK	1000

typedef struct writer writer;

struct grid_ss {
	rpc_tub		*tub;		/* borrowed */
	struct ev_loop	*loop;		/* borrowed */
	rpc_obj		*obj;		/* the anonymous facet */
	char		*dir;
	char		*name;		/* registered swissnum (secret) */
	guint64		 reserved;
	grid_leasedb	*db;
	GHashTable	*writers;	/* writer* set (owned by their objs) */
	GHashTable	*readers;	/* struct reader* set (likewise) */
	GHashTable	*per_peer;	/* tubid -> guint open writers */
	GPtrArray	*facets;	/* struct facet* (owned by their objs) */
	guint64		 allocated;	/* promised to open writers */
	GHashTable	*writing;	/* owner -> guint64* of open writers */
	guint		 n_advisories;
	grid_ss_expiry	 expiry;
	ev_timer	 gc;
	ev_timer	 sweep;
	ev_check	 doom;		/* cancels and deletes in steps */
	ev_idle		 doom_spin;	/* no blocking poll meanwhile */
	GArray		*cancelling;	/* struct cancel, in order */
	grid_share_id	 doom_after;	/* the last share the deletion */
	gboolean	 doom_cursor;	/* run looked at, if set */
	/* Owners grid_ss_cancel_owner() was called for since the start: at
	 * most the accounts the desk knows (a termination is final, and the
	 * manager repeats it at each registration, so nothing is persisted
	 * here).  Their facets and writers refuse calls. */
	GHashTable	*terminated;
	grid_ss_admit_fn *admit;	/* per-account allocations, or NULL */
	void		*admit_arg;
};

/* The data of a server facet.  'ss' first, so that grid_owner_get()
 * (which reads a grid_owner) works on it. */
struct facet {
	grid_ss		*ss;		/* NULL once the server is freed */
	guint32		 account;
};

struct writer {
	grid_ss		*ss;		/* NULL once the server is freed */
	uint8_t		 si[GRID_SI_LEN];
	guint		 shnum;
	guint32		 owner;
	uint8_t		 renew[GRID_SECRET_LEN];	/* hashed */
	uint8_t		 cancel[GRID_SECRET_LEN];	/* hashed */
	guint64		 size;		/* allocated */
	char		*incoming;
	char		*final;
	char		*peer;		/* tubid of the client */
	ev_tstamp	 last_use;
	gboolean	 done;		/* closed or aborted */
};

struct reader {
	grid_ss		*ss;		/* NULL once the server is freed */
	uint8_t		 si[GRID_SI_LEN];
	guint		 shnum;
	char		*path;
};

static const rpc_iface writer_iface;
static const rpc_iface reader_iface;

/* ---- space ---- */

guint64
grid_ss_available(const grid_ss *ss)
{
	struct statvfs st;
	guint64 free_bytes;

	if (statvfs(ss->dir, &st) != 0)
		return 0;
	free_bytes = (guint64)st.f_bavail * (guint64)st.f_frsize;
	if (free_bytes <= ss->reserved)
		return 0;
	free_bytes -= ss->reserved;
	return free_bytes > ss->allocated ? free_bytes - ss->allocated : 0;
}

/* The expiry of a lease added or renewed now.  ev_now() is wall-clock
 * time, cached per loop pass. */
static gint64
lease_expiry(const grid_ss *ss)
{
	return (gint64)ev_now(ss->loop) + GRID_LEASE_DURATION;
}

/* ---- writers ---- */

static void
peer_count(grid_ss *ss, const char *peer, int delta)
{
	guint n = GPOINTER_TO_UINT(g_hash_table_lookup(ss->per_peer, peer));

	n = delta > 0 ? n + 1 : n - 1;
	if (n == 0)
		g_hash_table_remove(ss->per_peer, peer);
	else
		g_hash_table_replace(ss->per_peer, g_strdup(peer),
		    GUINT_TO_POINTER(n));
}

/* Count 'size' bytes more (add) or fewer for the open writers of
 * 'owner'. */
static void
owner_writing(grid_ss *ss, guint32 owner, guint64 size, gboolean add)
{
	guint64 *v = g_hash_table_lookup(ss->writing, GUINT_TO_POINTER(owner));

	if (v == NULL) {
		if (!add)
			return;
		v = g_new0(guint64, 1);
		g_hash_table_insert(ss->writing, GUINT_TO_POINTER(owner), v);
	}
	if (add)
		*v += size;
	else
		*v -= MIN(*v, size);
	if (*v == 0)
		g_hash_table_remove(ss->writing, GUINT_TO_POINTER(owner));
}

guint64
grid_ss_owner_writing(grid_ss *ss, guint32 owner)
{
	guint64 *v = g_hash_table_lookup(ss->writing, GUINT_TO_POINTER(owner));

	return v != NULL ? *v : 0;
}

/* Whether account 'owner' was terminated (never the anonymous facet). */
static gboolean
owner_terminated(const grid_ss *ss, guint32 owner)
{
	return owner != 0 && g_hash_table_contains(ss->terminated,
	    GUINT_TO_POINTER(owner));
}

/* An account whose leases are being cancelled. */
struct cancel {
	guint32		 owner;
	guint64		 n_doomed;	/* so far */
};

/* The writer no longer holds space or a slot. */
static void
writer_release(writer *w)
{
	grid_ss *ss = w->ss;

	w->done = TRUE;
	if (ss == NULL)
		return;
	ss->allocated -= w->size;
	owner_writing(ss, w->owner, w->size, FALSE);
	peer_count(ss, w->peer, -1);
	g_hash_table_remove(ss->writers, w);
}

static void
writer_abort(writer *w)
{
	if (w->done)
		return;
	if (g_unlink(w->incoming) != 0 && errno != ENOENT)
		g_warning("cannot remove an aborted share: %s",
		    g_strerror(errno));
	if (w->ss != NULL) {
		g_autofree char *inc = g_build_filename(w->ss->dir, "shares",
		    "incoming", NULL);

		grid_shares_prune(w->incoming, inc);
	}
	writer_release(w);
}

static void
writer_destroy(void *p)
{
	writer *w = p;

	/* The last reference went (released by the client, or its
	 * connection closed) before close(): abort, as Tahoe does when the
	 * canary goes. */
	writer_abort(w);
	g_free(w->incoming);
	g_free(w->final);
	g_free(w->peer);
	g_free(w);
}

/* Return the writer of a call, or NULL after refusing the call. */
static writer *
writer_get(rpc_incall *call, void *data)
{
	writer *w = data;

	if (w->ss == NULL) {
		rpc_incall_fail(call, "grid.Gone", "this service has stopped");
		return NULL;
	}
	/* Before 'done': its termination aborted it. */
	if (owner_terminated(w->ss, w->owner)) {
		rpc_incall_fail(call, "acct.Terminated", "the account of this "
		    "share is terminated");
		return NULL;
	}
	if (w->done) {
		rpc_incall_fail(call, "grid.Closed", "this share was already "
		    "closed or aborted");
		return NULL;
	}
	w->last_use = ev_now(w->ss->loop);
	return w;
}

static gboolean
write_all_at(int fd, const uint8_t *p, size_t n, off_t off)
{
	while (n > 0) {
		ssize_t r = pwrite(fd, p, n, off);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return FALSE;
		p += r;
		n -= (size_t)r;
		off += r;
	}
	return TRUE;
}

static void
w_write(rpc_incall *call, rpc_mp *args, void *data)
{
	writer *w = writer_get(call, data);
	const uint8_t *p;
	uint64_t off;
	size_t n;
	int fd;

	if (w == NULL)
		return;
	if (rpc_mp_uint(args, G_MAXINT64, &off) != 0 ||
	    rpc_mp_bin(args, GRID_SS_MAX_IO, &p, &n) != 0) {
		rpc_incall_fail(call, "violation", "bad arguments");
		return;
	}
	if (off > w->size || n > w->size - off) {
		rpc_incall_fail(call, "grid.DataTooLarge", "a write of %zu "
		    "bytes at %" G_GUINT64_FORMAT " goes past the %"
		    G_GUINT64_FORMAT " bytes allocated", n, off, w->size);
		return;
	}
	fd = open(w->incoming, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0 || !write_all_at(fd, p, n, (off_t)(GRID_SHARE_HDR + off))) {
		int e = errno;

		if (fd >= 0)
			close(fd);
		g_warning("writing a share failed: %s", g_strerror(e));
		rpc_incall_fail(call, "grid.IOError", "the server could not "
		    "write the share: %s", g_strerror(e));
		return;
	}
	close(fd);
	rpc_incall_return(call, NULL);
}

static gboolean
fsync_path(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	gboolean ok;

	if (fd < 0)
		return FALSE;
	ok = fsync(fd) == 0;
	close(fd);
	return ok;
}

static void
w_close(rpc_incall *call, rpc_mp *args, void *data)
{
	writer *w = writer_get(call, data);
	g_autoptr(GError) err = NULL;
	g_autofree char *dir = NULL, *inc = NULL;
	grid_ss *ss;
	GStatBuf st;

	RPC_UNUSED(args);
	if (w == NULL)
		return;
	ss = w->ss;
	if (!fsync_path(w->incoming) || g_stat(w->incoming, &st) != 0) {
		rpc_incall_fail(call, "grid.IOError", "the server could not "
		    "sync the share: %s", g_strerror(errno));
		writer_abort(w);
		return;
	}
	/* The lease first: a crash after this commit and before the rename
	 * leaves a row without a file, which the next start drops. */
	if (!grid_leasedb_add_share(ss->db, w->si, w->shnum,
	    (guint64)st.st_size, w->owner, w->renew, w->cancel,
	    lease_expiry(ss), &err)) {
		g_warning("%s", err->message);
		rpc_incall_fail(call, "grid.IOError", "the server could not "
		    "record the share");
		writer_abort(w);
		return;
	}
	dir = g_path_get_dirname(w->final);
	if (g_mkdir_with_parents(dir, 0700) != 0 ||
	    g_rename(w->incoming, w->final) != 0) {
		int e = errno;

		(void)grid_leasedb_remove_share(ss->db, w->si, w->shnum, NULL);
		rpc_incall_fail(call, "grid.IOError", "the server could not "
		    "store the share: %s", g_strerror(e));
		writer_abort(w);
		return;
	}
	rpc_file_sync_dir(dir);
	inc = g_build_filename(ss->dir, "shares", "incoming", NULL);
	grid_shares_prune(w->incoming, inc);
	writer_release(w);
	rpc_incall_return(call, NULL);
}

static void
w_abort(rpc_incall *call, rpc_mp *args, void *data)
{
	writer *w = writer_get(call, data);

	RPC_UNUSED(args);
	if (w == NULL)
		return;
	writer_abort(w);
	rpc_incall_return(call, NULL);
}

static const rpc_schema write_args[] = {
	RPC_S_INT(0, G_MAXINT64), RPC_S_BIN(GRID_SS_MAX_IO),
};
static const rpc_schema nil_result = RPC_S_NIL;

static const rpc_method writer_methods[] = {
	{ "write", w_write, write_args, 2, &nil_result },
	{ "close", w_close, NULL, 0, &nil_result },
	{ "abort", w_abort, NULL, 0, &nil_result },
};
static const rpc_iface writer_iface = {
	"grid.storage.writer", writer_methods, G_N_ELEMENTS(writer_methods),
};

/* Abort writers idle for GRID_SS_WRITER_IDLE seconds. */
static void
sweep_cb(struct ev_loop *loop, ev_timer *t, int revents)
{
	grid_ss *ss = RPC_CONTAINER_OF(t, grid_ss, sweep);
	g_autoptr(GPtrArray) idle = g_ptr_array_new();
	GHashTableIter it;
	gpointer k;
	guint i;

	RPC_UNUSED(revents);
	g_hash_table_iter_init(&it, ss->writers);
	while (g_hash_table_iter_next(&it, &k, NULL))
		if (ev_now(loop) - ((writer *)k)->last_use >=
		    GRID_SS_WRITER_IDLE)
			g_ptr_array_add(idle, k);
	for (i = 0; i < idle->len; i++) {
		g_info("aborting a share left idle for %d s",
		    GRID_SS_WRITER_IDLE);
		writer_abort(g_ptr_array_index(idle, i));
	}
}

/* ---- readers ---- */

static void
reader_destroy(void *p)
{
	struct reader *r = p;

	if (r->ss != NULL)
		g_hash_table_remove(r->ss->readers, r);
	g_free(r->path);
	g_free(r);
}

static void write_advisory(grid_ss *ss, const char *type, const uint8_t *si,
    guint shnum, const char *reason, size_t len);

static void
r_read(rpc_incall *call, rpc_mp *args, void *data)
{
	struct reader *r = data;
	grid_share_info info;
	g_autoptr(GError) err = NULL;
	g_autofree uint8_t *buf = NULL;
	uint64_t off, len;
	size_t n = 0;
	rpc_pack *p;
	int fd;

	if (r->ss == NULL) {
		rpc_incall_fail(call, "grid.Gone", "this service has stopped");
		return;
	}
	if (rpc_mp_uint(args, G_MAXINT64, &off) != 0 ||
	    rpc_mp_uint(args, GRID_SS_MAX_IO, &len) != 0) {
		rpc_incall_fail(call, "violation", "bad arguments");
		return;
	}
	/* The share's length is read afresh: a collected share is gone. */
	if (!grid_share_stat(r->path, &info, &err)) {
		rpc_incall_fail(call, "grid.NoShare", "the share is gone");
		return;
	}
	/* Reads past the end are cut short, as Tahoe's (its servers
	 * announce tolerates-immutable-read-overrun). */
	if (off < info.data_len)
		len = MIN(len, info.data_len - off);
	else
		len = 0;
	buf = g_malloc(len > 0 ? len : 1);
	fd = open(r->path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0) {
		rpc_incall_fail(call, "grid.NoShare", "the share is gone");
		return;
	}
	while (n < len) {
		ssize_t got = pread(fd, buf + n, len - n,
		    (off_t)(GRID_SHARE_HDR + off + n));

		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			break;
		n += (size_t)got;
	}
	close(fd);
	p = rpc_pack_new();
	rpc_pack_bin(p, buf, n);
	rpc_incall_return(call, p);
}

static void
r_advise(rpc_incall *call, rpc_mp *args, void *data)
{
	struct reader *r = data;
	const char *reason;
	size_t len;

	if (r->ss == NULL) {
		rpc_incall_fail(call, "grid.Gone", "this service has stopped");
		return;
	}
	if (rpc_mp_str(args, GRID_SS_MAX_REASON, &reason, &len) != 0) {
		rpc_incall_fail(call, "violation", "bad arguments");
		return;
	}
	write_advisory(r->ss, "immutable", r->si, r->shnum, reason, len);
	rpc_incall_return(call, NULL);
}

static const rpc_schema read_args[] = {
	RPC_S_INT(0, G_MAXINT64), RPC_S_INT(0, GRID_SS_MAX_IO),
};
static const rpc_schema read_result = RPC_S_BIN(GRID_SS_MAX_IO);
static const rpc_schema advise_args[] = { RPC_S_STR(GRID_SS_MAX_REASON) };

static const rpc_method reader_methods[] = {
	{ "read", r_read, read_args, 2, &read_result },
	{ "advise_corrupt_share", r_advise, advise_args, 1, &nil_result },
};
static const rpc_iface reader_iface = {
	"grid.storage.reader", reader_methods, G_N_ELEMENTS(reader_methods),
};

/* ---- the server's methods ---- */

static void
ss_get_version(rpc_incall *call, rpc_mp *args, void *data)
{
	grid_ss *ss = grid_owner_get(data, call);
	rpc_pack *p;
	guint64 avail;

	RPC_UNUSED(args);
	if (ss == NULL)
		return;
	p = rpc_pack_new();
	avail = grid_ss_available(ss);
	rpc_pack_map(p, 2);
	rpc_pack_str(p, GRID_SS_PROTOCOL);
	rpc_pack_map(p, 7);
	rpc_pack_str(p, "maximum-immutable-share-size");
	rpc_pack_uint(p, avail);
	rpc_pack_str(p, "maximum-mutable-share-size");
	rpc_pack_uint(p, SS_MAX_MUTABLE);
	rpc_pack_str(p, "available-space");
	rpc_pack_uint(p, avail);
	rpc_pack_str(p, "tolerates-immutable-read-overrun");
	rpc_pack_bool(p, true);
	rpc_pack_str(p, "delete-mutable-shares-with-zero-length-writev");
	rpc_pack_bool(p, true);
	rpc_pack_str(p, "fills-holes-with-zero-bytes");
	rpc_pack_bool(p, true);
	rpc_pack_str(p, "prevents-read-past-end-of-share-data");
	rpc_pack_bool(p, true);
	rpc_pack_str(p, "application-version");
	rpc_pack_str(p, "tahoe-c/" PACKAGE_VERSION);
	rpc_incall_return(call, p);
}

/* Read a storage index argument: a bin of exactly GRID_SI_LEN bytes. */
static int
arg_si(rpc_mp *args, uint8_t si[GRID_SI_LEN])
{
	const uint8_t *p;
	size_t n;
	int r;

	if ((r = rpc_mp_bin(args, GRID_SI_LEN, &p, &n)) != 0)
		return r;
	if (n != GRID_SI_LEN)
		return RPC_E_FORMAT;
	memcpy(si, p, GRID_SI_LEN);
	return 0;
}

/* Read a secret argument and store its hash. */
static int
arg_secret_hash(rpc_mp *args, uint8_t hash[GRID_SECRET_LEN])
{
	const uint8_t *p;
	size_t n;
	int r;

	if ((r = rpc_mp_bin(args, GRID_SECRET_LEN, &p, &n)) != 0)
		return r;
	if (n != GRID_SECRET_LEN)
		return RPC_E_FORMAT;
	grid_lease_hash(p, hash);
	return 0;
}

/* Refuse a call whose lease could not be recorded. */
static void
lease_failed(rpc_incall *call, const GError *err)
{
	if (g_error_matches(err, GRID_ERROR, GRID_E_RANGE)) {
		rpc_incall_fail(call, "grid.TooManyLeases", "%s", err->message);
		return;
	}
	g_warning("%s", err->message);
	rpc_incall_fail(call, "grid.IOError", "the server could not record "
	    "the lease");
}

static gboolean
file_exists(const char *path)
{
	GStatBuf st;

	return g_lstat(path, &st) == 0;
}

/* Create the incoming container of a new writer; NULL if it cannot be. */
static writer *
writer_new(grid_ss *ss, const uint8_t *si, guint shnum, guint32 owner,
    const uint8_t *renew, const uint8_t *cancel, guint64 size,
    const char *peer)
{
	writer *w;
	g_autofree char *dir = NULL;
	uint8_t hdr[GRID_SHARE_HDR];
	int fd;

	w = g_new0(writer, 1);
	memcpy(w->si, si, GRID_SI_LEN);
	w->shnum = shnum;
	w->owner = owner;
	memcpy(w->renew, renew, GRID_SECRET_LEN);
	memcpy(w->cancel, cancel, GRID_SECRET_LEN);
	w->size = size;
	w->incoming = grid_share_incoming_path(ss->dir, si, shnum);
	w->final = grid_share_path(ss->dir, si, shnum);
	w->peer = g_strdup(peer);
	dir = g_path_get_dirname(w->incoming);
	grid_share_header(hdr, size);
	if (g_mkdir_with_parents(dir, 0700) != 0 ||
	    (fd = open(w->incoming, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
	    0600)) < 0) {
		g_warning("cannot create an incoming share: %s",
		    g_strerror(errno));
		w->done = TRUE;
		writer_destroy(w);
		return NULL;
	}
	if (!write_all_at(fd, hdr, sizeof(hdr), 0)) {
		g_warning("cannot write an incoming share: %s",
		    g_strerror(errno));
		close(fd);
		(void)g_unlink(w->incoming);
		w->done = TRUE;
		writer_destroy(w);
		return NULL;
	}
	close(fd);
	w->ss = ss;
	w->last_use = ev_now(ss->loop);
	ss->allocated += size;
	owner_writing(ss, owner, size, TRUE);
	peer_count(ss, peer, +1);
	g_hash_table_add(ss->writers, w);
	return w;
}

static void
ss_allocate_buckets(rpc_incall *call, rpc_mp *args, void *data)
{
	struct facet *f = data;
	grid_ss *ss = grid_owner_get(data, call);
	uint8_t si[GRID_SI_LEN], renew[GRID_SECRET_LEN];
	uint8_t cancel[GRID_SECRET_LEN], have[32], want[32] = { 0 };
	g_autoptr(GError) err = NULL;
	g_autoptr(GPtrArray) made = g_ptr_array_new_with_free_func(
	    (GDestroyNotify)rpc_obj_unref);
	g_autoptr(GArray) nums = g_array_new(FALSE, FALSE, sizeof(guint));
	const char *peer;
	guint64 size, avail;
	guint i, n_have, peer_writers, n_nospace = 0, n_busy = 0;
	rpc_mp list;
	rpc_pack *p;

	if (ss == NULL)
		return;
	if (arg_si(args, si) != 0 || arg_secret_hash(args, renew) != 0 ||
	    arg_secret_hash(args, cancel) != 0 ||
	    rpc_mp_sub(args, &list, 0, GRID_MAX_SHNUM + 1) != 0 ||
	    rpc_mp_uint(args, G_MAXINT64, &size) != 0) {
		rpc_incall_fail(call, "violation", "bad arguments");
		return;
	}
	while (rpc_mp_left(&list) > 0) {
		uint64_t v;

		if (rpc_mp_uint(&list, GRID_MAX_SHNUM, &v) != 0) {
			rpc_incall_fail(call, "violation", "share numbers are "
			    "0..%d", GRID_MAX_SHNUM);
			return;
		}
		want[v / 8] |= (uint8_t)(1u << (v % 8));
	}
	if (owner_terminated(ss, f->account)) {
		rpc_incall_fail(call, "acct.Terminated", "account terminated");
		return;
	}
	n_have = grid_shares_of(ss->dir, si, have);
	/* An account's allocations are judged by the layer that knows its
	 * quota and status (account/desk.c): the whole request at once,
	 * and before any lease is added, so that a refused call (a disabled
	 * account, say) leaves no lease. */
	if (f->account != 0 && ss->admit != NULL) {
		g_autofree char *type = NULL, *why = NULL;
		guint64 asked = 0;

		for (i = 0; i <= GRID_MAX_SHNUM; i++)
			if (((want[i / 8] >> (i % 8)) & 1) &&
			    !((have[i / 8] >> (i % 8)) & 1))
				asked = asked > G_MAXUINT64 - size ?
				    G_MAXUINT64 : asked + size;
		if (!ss->admit(f->account, asked, &type, &why, ss->admit_arg)) {
			rpc_incall_fail(call, type != NULL ? type :
			    "grid.QuotaExceeded", "%s", why != NULL ? why :
			    "refused");
			return;
		}
	}
	/* Every share held is reported, asked for or not, and gets the
	 * caller's lease: whoever uploads a file wants all of it kept. */
	if (n_have > 0) {
		guint n_leased;

		if (!grid_leasedb_add_lease(ss->db, si, f->account, renew,
		    cancel, lease_expiry(ss), &n_leased, &err)) {
			lease_failed(call, err);
			return;
		}
	}
	peer = rpc_incall_peer(call);
	peer_writers = GPOINTER_TO_UINT(g_hash_table_lookup(ss->per_peer,
	    peer));
	avail = grid_ss_available(ss);
	for (i = 0; i <= GRID_MAX_SHNUM; i++) {
		g_autofree char *inc = NULL;
		writer *w;

		if (!((want[i / 8] >> (i % 8)) & 1) ||
		    ((have[i / 8] >> (i % 8)) & 1))
			continue;
		inc = grid_share_incoming_path(ss->dir, si, i);
		/* Another upload of this share is under way: as Tahoe, leave
		 * it out, so this client places it elsewhere. */
		if (file_exists(inc)) {
			n_busy++;
			continue;
		}
		if (size > avail) {
			n_nospace++;
			continue;
		}
		if (peer_writers >= GRID_SS_MAX_WRITERS_PER_PEER ||
		    g_hash_table_size(ss->writers) >= GRID_SS_MAX_WRITERS) {
			rpc_incall_fail(call, "grid.Overloaded", "too many "
			    "shares being written at once");
			return;
		}
		if ((w = writer_new(ss, si, i, f->account, renew, cancel,
		    size, peer)) == NULL) {
			rpc_incall_fail(call, "grid.IOError", "the server could "
			    "not create the share");
			return;
		}
		avail -= size;
		peer_writers++;
		g_ptr_array_add(made, rpc_obj_new(&writer_iface, w,
		    writer_destroy));
		g_array_append_val(nums, i);
	}
	if (made->len == 0 && n_nospace > 0) {
		rpc_incall_fail(call, "grid.NoSpace", "no room for a share of "
		    "%" G_GUINT64_FORMAT " bytes: %" G_GUINT64_FORMAT " bytes "
		    "available (after reserved_space)", size, avail);
		return;
	}
	if (n_busy > 0 || n_nospace > 0)
		g_info("allocate_buckets: %u share(s) being written by "
		    "another upload, %u without room", n_busy, n_nospace);
	p = rpc_pack_new();
	rpc_pack_array(p, 2);
	rpc_pack_array(p, n_have);
	for (i = 0; i <= GRID_MAX_SHNUM; i++)
		if ((have[i / 8] >> (i % 8)) & 1)
			rpc_pack_uint(p, i);
	rpc_pack_array(p, made->len);
	for (i = 0; i < made->len; i++) {
		rpc_pack_array(p, 2);
		rpc_pack_uint(p, g_array_index(nums, guint, i));
		rpc_pack_obj(p, g_ptr_array_index(made, i));
	}
	/* The pack and then the connection hold the writers; 'made' drops
	 * this function's references. */
	rpc_incall_return(call, p);
}

static void
ss_get_buckets(rpc_incall *call, rpc_mp *args, void *data)
{
	grid_ss *ss = grid_owner_get(data, call);
	uint8_t si[GRID_SI_LEN], have[32];
	guint i, n;
	rpc_pack *p;

	if (ss == NULL)
		return;
	if (arg_si(args, si) != 0) {
		rpc_incall_fail(call, "violation", "bad arguments");
		return;
	}
	n = grid_shares_of(ss->dir, si, have);
	p = rpc_pack_new();
	rpc_pack_array(p, n);
	for (i = 0; i <= GRID_MAX_SHNUM; i++) {
		struct reader *r;
		rpc_obj *o;

		if (!((have[i / 8] >> (i % 8)) & 1))
			continue;
		r = g_new0(struct reader, 1);
		r->ss = ss;
		memcpy(r->si, si, GRID_SI_LEN);
		r->shnum = i;
		r->path = grid_share_path(ss->dir, si, i);
		g_hash_table_add(ss->readers, r);
		o = rpc_obj_new(&reader_iface, r, reader_destroy);
		rpc_pack_array(p, 2);
		rpc_pack_uint(p, i);
		rpc_pack_obj(p, o);
		rpc_obj_unref(o);	/* the pack keeps it */
	}
	rpc_incall_return(call, p);
}

static void
ss_add_lease(rpc_incall *call, rpc_mp *args, void *data)
{
	struct facet *f = data;
	grid_ss *ss = grid_owner_get(data, call);
	uint8_t si[GRID_SI_LEN], renew[GRID_SECRET_LEN];
	uint8_t cancel[GRID_SECRET_LEN];
	g_autoptr(GError) err = NULL;
	guint n;

	if (ss == NULL)
		return;
	if (arg_si(args, si) != 0 || arg_secret_hash(args, renew) != 0 ||
	    arg_secret_hash(args, cancel) != 0) {
		rpc_incall_fail(call, "violation", "bad arguments");
		return;
	}
	/* A terminated account's lease would save its doomed shares.  A
	 * disabled one may still renew (doc/accounts.md). */
	if (owner_terminated(ss, f->account)) {
		rpc_incall_fail(call, "acct.Terminated", "account terminated");
		return;
	}
	/* Tahoe returns quietly when it holds no share of 'si'. */
	if (!grid_leasedb_add_lease(ss->db, si, f->account, renew, cancel,
	    lease_expiry(ss), &n, &err)) {
		lease_failed(call, err);
		return;
	}
	rpc_incall_return(call, NULL);
}

/* Write a corruption report into storage/corruption-advisories/, as
 * Tahoe does, if the share exists and the server keeps fewer than
 * GRID_SS_MAX_ADVISORIES reports (a peer must not fill the disk). */
static void
write_advisory(grid_ss *ss, const char *type, const uint8_t *si,
    guint shnum, const char *reason, size_t len)
{
	g_autofree char *share = grid_share_path(ss->dir, si, shnum);
	g_autofree char *text = NULL, *path = NULL, *name = NULL;
	g_autofree char *clean = g_strndup(reason, len);
	g_autoptr(GDateTime) now = g_date_time_new_now_utc();
	g_autofree char *stamp = g_date_time_format(now, "%Y%m%dT%H%M%S.%fZ");
	char s[GRID_SI_B32_LEN + 1];
	g_autoptr(GError) err = NULL;
	char *c;

	grid_si_b2a(si, s);
	if (!file_exists(share)) {
		g_info("ignored a corruption report for share %s-%u, which "
		    "this server does not hold", s, shnum);
		return;
	}
	g_warning("a client reports share %s-%u (%s) as corrupt", s, shnum,
	    type);
	if (ss->n_advisories >= GRID_SS_MAX_ADVISORIES)
		return;
	/* Control characters are the one thing a report file must not
	 * carry to the operator's terminal. */
	for (c = clean; *c != '\0'; c++)
		if ((unsigned char)*c < 0x20 && *c != '\n')
			*c = '?';
	text = g_strdup_printf("report: Share Corruption\ntype: %s\n"
	    "storage_index: %s\nshare_number: %u\n\n%s\n\n", type, s, shnum,
	    clean);
	name = g_strdup_printf("%s--%s-%u", stamp, s, shnum);
	path = g_build_filename(ss->dir, "corruption-advisories", name, NULL);
	if (!rpc_file_write_atomic(path, text, strlen(text), 0644, &err))
		g_warning("%s", err->message);
	else
		ss->n_advisories++;
}

static void
ss_advise_corrupt(rpc_incall *call, rpc_mp *args, void *data)
{
	grid_ss *ss = grid_owner_get(data, call);
	const char *type, *reason;
	size_t tlen, rlen;
	uint8_t si[GRID_SI_LEN];
	uint64_t shnum;

	if (ss == NULL)
		return;
	if (rpc_mp_str(args, 16, &type, &tlen) != 0 || arg_si(args, si) != 0 ||
	    rpc_mp_uint(args, GRID_MAX_SHNUM, &shnum) != 0 ||
	    rpc_mp_str(args, GRID_SS_MAX_REASON, &reason, &rlen) != 0) {
		rpc_incall_fail(call, "violation", "bad arguments");
		return;
	}
	if (!(tlen == 9 && memcmp(type, "immutable", 9) == 0) &&
	    !(tlen == 7 && memcmp(type, "mutable", 7) == 0)) {
		rpc_incall_fail(call, "violation", "share_type is 'immutable' "
		    "or 'mutable'");
		return;
	}
	write_advisory(ss, tlen == 9 ? "immutable" : "mutable", si,
	    (guint)shnum, reason, rlen);
	rpc_incall_return(call, NULL);
}

static const rpc_schema version_result = RPC_S_MAP(16, NULL);
static const rpc_schema shnum_schema = RPC_S_INT(0, GRID_MAX_SHNUM);
static const rpc_schema allocate_args[] = {
	RPC_S_BIN(GRID_SI_LEN), RPC_S_BIN(GRID_SECRET_LEN),
	RPC_S_BIN(GRID_SECRET_LEN), RPC_S_LIST(GRID_MAX_SHNUM + 1,
	&shnum_schema), RPC_S_INT(0, G_MAXINT64),
	/* Tahoe's canary: accepted so that its argument list fits; a
	 * writer already dies with its reference and its connection. */
	{ RPC_T_REF, true, 0, 0, NULL },
};
static const rpc_schema pairs_result = RPC_S_LIST(GRID_MAX_SHNUM + 1, NULL);
static const rpc_schema allocate_result = RPC_S_LIST(2, NULL);
static const rpc_schema si_args[] = { RPC_S_BIN(GRID_SI_LEN) };
static const rpc_schema lease_args[] = {
	RPC_S_BIN(GRID_SI_LEN), RPC_S_BIN(GRID_SECRET_LEN),
	RPC_S_BIN(GRID_SECRET_LEN),
};
static const rpc_schema corrupt_args[] = {
	RPC_S_STR(16), RPC_S_BIN(GRID_SI_LEN), RPC_S_INT(0, GRID_MAX_SHNUM),
	RPC_S_STR(GRID_SS_MAX_REASON),
};

static const rpc_method ss_methods[] = {
	{ "get_version", ss_get_version, NULL, 0, &version_result },
	{ "allocate_buckets", ss_allocate_buckets, allocate_args, 6,
	    &allocate_result },
	{ "get_buckets", ss_get_buckets, si_args, 1, &pairs_result },
	{ "add_lease", ss_add_lease, lease_args, 3, &nil_result },
	{ "advise_corrupt_share", ss_advise_corrupt, corrupt_args, 4,
	    &nil_result },
};
static const rpc_iface ss_iface = {
	"grid.storage", ss_methods, G_N_ELEMENTS(ss_methods),
};

/* ---- facets ---- */

static void
facet_destroy(void *p)
{
	struct facet *f = p;

	if (f->ss != NULL)
		g_ptr_array_remove_fast(f->ss->facets, f);
	g_free(f);
}

rpc_obj *
grid_ss_facet_new(grid_ss *ss, guint32 account)
{
	struct facet *f = g_new0(struct facet, 1);

	f->ss = ss;
	f->account = account;
	g_ptr_array_add(ss->facets, f);
	return rpc_obj_new(&ss_iface, f, facet_destroy);
}

/* ---- start-up and collection ---- */

struct reconcile {
	grid_ss		*ss;
	GHashTable	*on_disk;	/* "si|shnum" keys seen */
	guint		 added, bad;
};

static char *
share_key(const uint8_t *si, guint shnum)
{
	char s[GRID_SI_B32_LEN + 1];

	grid_si_b2a(si, s);
	return g_strdup_printf("%s/%u", s, shnum);
}

static void
reconcile_one(const uint8_t *si, guint shnum, const char *path, void *arg)
{
	struct reconcile *rc = arg;
	grid_share_info info;
	g_autoptr(GError) err = NULL;
	g_autoptr(GArray) leases = NULL;
	guint64 size;
	guint i;

	if (!grid_share_stat(path, &info, &err)) {
		if (rc->bad++ < 10)
			g_warning("skipping a share file: %s", err->message);
		return;
	}
	g_hash_table_add(rc->on_disk, share_key(si, shnum));
	if (grid_leasedb_has_share(rc->ss->db, si, shnum, &size))
		return;
	/* A share copied in (from a Tahoe-LAFS server, say) or from before
	 * a crash: record it, with the leases its container holds. */
	leases = grid_share_leases(path, &info, &err);
	if (!grid_leasedb_add_share(rc->ss->db, si, shnum, info.file_size, 0,
	    NULL, NULL, 0, &err)) {
		g_warning("%s", err->message);
		return;
	}
	for (i = 0; leases != NULL && i < leases->len; i++) {
		grid_share_lease *l = &g_array_index(leases, grid_share_lease,
		    i);

		(void)grid_leasedb_add_share(rc->ss->db, si, shnum,
		    info.file_size, l->owner, l->renew_hash, l->cancel_hash,
		    l->expiry, NULL);
	}
	rc->added++;
}

static gboolean
ss_reconcile(grid_ss *ss, GError **error)
{
	g_autofree char *inc = g_build_filename(ss->dir, "shares", "incoming",
	    NULL);
	g_autofree char *adv = g_build_filename(ss->dir,
	    "corruption-advisories", NULL);
	struct reconcile rc = { ss, NULL, 0, 0 };
	g_autoptr(GArray) rows = NULL;
	g_autoptr(GDir) d = NULL;
	guint i, dropped = 0;

	/* Whatever was being written when the server stopped is lost, as
	 * in Tahoe-LAFS (its clients place those shares again). */
	node_remove_tree(inc);
	if (g_mkdir_with_parents(inc, 0700) != 0 ||
	    g_mkdir_with_parents(adv, 0700) != 0) {
		g_set_error(error, GRID_ERROR, GRID_E_IO, "%s: %s", ss->dir,
		    g_strerror(errno));
		return FALSE;
	}
	if ((d = g_dir_open(adv, 0, NULL)) != NULL)
		while (g_dir_read_name(d) != NULL)
			ss->n_advisories++;
	rc.on_disk = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
	    NULL);
	if (!grid_leasedb_begin(ss->db, error)) {
		g_hash_table_unref(rc.on_disk);
		return FALSE;
	}
	grid_shares_scan(ss->dir, reconcile_one, &rc);
	rows = grid_leasedb_list_shares(ss->db, error);
	for (i = 0; rows != NULL && i < rows->len; i++) {
		grid_share_id *id = &g_array_index(rows, grid_share_id, i);
		g_autofree char *k = share_key(id->si, id->shnum);

		if (!g_hash_table_contains(rc.on_disk, k)) {
			(void)grid_leasedb_remove_share(ss->db, id->si,
			    id->shnum, NULL);
			dropped++;
		}
	}
	g_hash_table_unref(rc.on_disk);
	if (!grid_leasedb_commit(ss->db, rows != NULL ? error : NULL) ||
	    rows == NULL)
		return FALSE;
	if (rc.added > 0 || dropped > 0)
		g_message("storage: %u share file(s) without a database row "
		    "recorded, %u row(s) without a file dropped", rc.added,
		    dropped);
	return TRUE;
}

/* The expiry a lease must exceed to keep its share under 'e' at 'now'.
 * Leases store expiry = last renewal + GRID_LEASE_DURATION. */
static gint64
expiry_cutoff(const grid_ss_expiry *e, gint64 now)
{
	/* Tahoe expires a lease renewed before the cutoff, not at it. */
	if (e->mode == GRID_EXPIRE_CUTOFF)
		return e->cutoff + GRID_LEASE_DURATION - 1;
	if (e->override > 0)
		return now - e->override + GRID_LEASE_DURATION;
	return now;
}

/* Delete the shares in 'gone' (grid_share_id): their files, then their
 * rows.  Return how many went. */
static guint
delete_shares(grid_ss *ss, GArray *gone)
{
	g_autoptr(GError) err = NULL;
	guint i, n = 0;

	for (i = 0; i < gone->len; i++) {
		grid_share_id *id = &g_array_index(gone, grid_share_id, i);
		g_autofree char *path = grid_share_path(ss->dir, id->si,
		    id->shnum);
		g_autofree char *top = g_build_filename(ss->dir, "shares",
		    NULL);

		/* The file goes first: a crash in between leaves a row
		 * without a file, which the next start drops. */
		if (g_unlink(path) != 0 && errno != ENOENT) {
			g_warning("cannot delete a share: %s",
			    g_strerror(errno));
			continue;
		}
		grid_shares_prune(path, top);
		if (grid_leasedb_remove_share(ss->db, id->si, id->shnum, &err))
			n++;
		else
			g_warning("%s", err->message);
		g_clear_error(&err);
	}
	return n;
}

guint
grid_ss_collect(grid_ss *ss, gint64 now)
{
	g_autoptr(GError) err = NULL;
	g_autoptr(GArray) gone = NULL;
	guint n;

	if (!ss->expiry.enabled || !ss->expiry.immutable)
		return 0;
	gone = grid_leasedb_expired_shares(ss->db,
	    expiry_cutoff(&ss->expiry, now), SS_GC_BATCH, &err);
	if (gone == NULL) {
		g_warning("%s", err->message);
		return 0;
	}
	n = delete_shares(ss, gone);
	if (n > 0)
		g_message("storage: deleted %u share(s) whose leases expired",
		    n);
	return n;
}

/* Start a pass over the doomed shares ("a run"): the next doom_batch()
 * begins with the first. */
static void
doom_rewind(grid_ss *ss)
{
	ss->doom_cursor = FALSE;
}

/* Look at up to SS_DOOM_BATCH doomed shares after the run's cursor,
 * spending at most 'budget' microseconds on files: delete their files,
 * then (one transaction) their rows, and store in *deleted how many went.
 * Return 1 if the run goes on, 0 once it has looked at every doomed
 * share, -1 on a database error.  A share whose file cannot be deleted
 * keeps its row, doomed (the file never lacks a row), and the cursor
 * passes it: it is tried and reported once per run, the next termination
 * or start tries again.  A crash in between leaves rows without files,
 * doomed still: the next start deletes them first. */
static int
doom_batch(grid_ss *ss, gint64 budget, guint *deleted)
{
	g_autoptr(GError) err = NULL;
	g_autoptr(GArray) ids = NULL, gone = NULL;
	g_autofree char *top = g_build_filename(ss->dir, "shares", NULL);
	gint64 end = g_get_monotonic_time() + budget;
	guint i;

	*deleted = 0;
	if ((ids = grid_leasedb_doomed(ss->db, ss->doom_cursor ?
	    &ss->doom_after : NULL, SS_DOOM_BATCH, &err)) == NULL) {
		g_warning("%s", err->message);
		return -1;
	}
	if (ids->len == 0)
		return 0;
	gone = g_array_sized_new(FALSE, FALSE, sizeof(grid_share_id),
	    ids->len);
	for (i = 0; i < ids->len; i++) {
		grid_share_id *id = &g_array_index(ids, grid_share_id, i);
		g_autofree char *path = NULL;

		if (i > 0 && g_get_monotonic_time() > end)
			break;		/* the rest: next time */
		ss->doom_after = *id;
		ss->doom_cursor = TRUE;
		path = grid_share_path(ss->dir, id->si, id->shnum);
		if (g_unlink(path) != 0 && errno != ENOENT) {
			g_warning("cannot delete a doomed share, %s: %s", path,
			    g_strerror(errno));
			continue;
		}
		grid_shares_prune(path, top);
		g_array_append_val(gone, *id);
	}
	if (gone->len > 0 && !grid_leasedb_remove_shares(ss->db, gone, &err)) {
		g_warning("%s", err->message);
		return -1;
	}
	*deleted = gone->len;
	return 1;
}

/* Cancel the leases of the first account queued on SS_CANCEL_CHUNK
 * shares.  FALSE if none is queued. */
static gboolean
cancel_step(grid_ss *ss)
{
	g_autoptr(GError) err = NULL;
	struct cancel *c;
	gboolean done = FALSE;
	guint64 n = 0;

	if (ss->cancelling->len == 0)
		return FALSE;
	c = &g_array_index(ss->cancelling, struct cancel, 0);
	if (!grid_leasedb_cancel_owner(ss->db, c->owner, SS_CANCEL_CHUNK, &n,
	    &done, &err)) {
		/* The rest waits for the next set_account(terminated). */
		g_warning("%s", err->message);
		g_array_remove_index(ss->cancelling, 0);
		return TRUE;
	}
	c->n_doomed += n;
	if (done) {
		g_message("storage: cancelled the leases of account %u; %"
		    G_GUINT64_FORMAT " share(s) no other lease keeps are "
		    "deleted", c->owner, c->n_doomed);
		g_array_remove_index(ss->cancelling, 0);
	}
	return TRUE;
}

/* Run doom_cb() once per loop iteration until doom_stop().  An ev_check
 * runs after every poll, however many other events came (libev runs an
 * ev_idle alone only when no other event is pending, so on a busy server
 * a termination would never advance); the idle watcher, which does
 * nothing, keeps the poll from blocking meanwhile, so that the steps
 * also follow each other on a quiet server. */
static void
doom_schedule(grid_ss *ss)
{
	ev_check_start(ss->loop, &ss->doom);
	ev_idle_start(ss->loop, &ss->doom_spin);
}

static void
doom_stop(grid_ss *ss)
{
	ev_check_stop(ss->loop, &ss->doom);
	ev_idle_stop(ss->loop, &ss->doom_spin);
}

static void
doom_spin_cb(struct ev_loop *loop, ev_idle *w, int revents)
{
	RPC_UNUSED(loop);
	RPC_UNUSED(w);
	RPC_UNUSED(revents);
}

/* One step per loop iteration: cancellations first, then one run of
 * deletions, which starts once every cancellation is over (shares doomed
 * before its cursor would wait for the next run otherwise). */
static void
doom_cb(struct ev_loop *loop, ev_check *w, int revents)
{
	grid_ss *ss = RPC_CONTAINER_OF(w, grid_ss, doom);
	guint n;

	RPC_UNUSED(loop);
	RPC_UNUSED(revents);
	if (cancel_step(ss)) {
		doom_rewind(ss);
		return;
	}
	/* On an error the rest waits for the next termination or start. */
	if (doom_batch(ss, SS_DOOM_BUDGET, &n) <= 0)
		doom_stop(ss);
}

/* Delete every doomed share before serving (a termination that a crash
 * or a stop interrupted).  A share file that cannot be deleted keeps its
 * row and stays doomed. */
static void
doom_finish(grid_ss *ss)
{
	guint64 n = grid_leasedb_n_doomed(ss->db), done = 0;
	guint k;

	if (n == 0)
		return;
	doom_rewind(ss);
	while (doom_batch(ss, G_MAXINT32, &k) > 0)
		done += k;
	g_message("storage: deleted %" G_GUINT64_FORMAT " of %"
	    G_GUINT64_FORMAT " share(s) a termination left", done, n);
}

/* Abort the open writers of 'owner': their space goes back and their
 * incoming files go, and their close() is refused, so that no lease of
 * the account is recorded after its termination. */
static void
abort_writers_of(grid_ss *ss, guint32 owner)
{
	g_autoptr(GPtrArray) mine = g_ptr_array_new();
	GHashTableIter it;
	gpointer k;
	guint i;

	g_hash_table_iter_init(&it, ss->writers);
	while (g_hash_table_iter_next(&it, &k, NULL))
		if (((writer *)k)->owner == owner)
			g_ptr_array_add(mine, k);
	/* writer_abort() removes each from ss->writers. */
	for (i = 0; i < mine->len; i++)
		writer_abort(g_ptr_array_index(mine, i));
	if (mine->len > 0)
		g_message("storage: aborted %u share(s) account %u was "
		    "writing", mine->len, owner);
}

void
grid_ss_cancel_owner(grid_ss *ss, guint32 owner)
{
	struct cancel c = { owner, 0 };
	guint i, n;

	g_return_if_fail(owner != 0);
	g_hash_table_add(ss->terminated, GUINT_TO_POINTER(owner));
	abort_writers_of(ss, owner);
	for (i = 0; i < ss->cancelling->len; i++)
		if (g_array_index(ss->cancelling, struct cancel, i).owner ==
		    owner)
			return;
	g_array_append_val(ss->cancelling, c);
	/* The first steps now (a small termination is over on return),
	 * the rest one step per loop iteration; shares left doomed before
	 * (a file that could not be deleted) are tried again in the new
	 * run. */
	(void)cancel_step(ss);
	doom_rewind(ss);
	if (ss->cancelling->len > 0 ||
	    doom_batch(ss, SS_DOOM_BUDGET, &n) > 0)
		doom_schedule(ss);
}

guint
grid_ss_n_cancelling(grid_ss *ss)
{
	return ss->cancelling->len;
}

guint64
grid_ss_n_doomed(grid_ss *ss)
{
	return grid_leasedb_n_doomed(ss->db);
}

static void
gc_cb(struct ev_loop *loop, ev_timer *t, int revents)
{
	RPC_UNUSED(revents);
	(void)grid_ss_collect(RPC_CONTAINER_OF(t, grid_ss, gc),
	    (gint64)ev_now(loop));
}

gboolean
grid_parse_duration(const char *s, gint64 *seconds, GError **error)
{
	static const struct {
		const char	*name;
		gint64		 mult;
	} units[] = {
		{ "s", 1 }, { "second", 1 }, { "seconds", 1 },
		{ "day", 86400 }, { "days", 86400 },
		{ "mo", 31 * 86400 }, { "month", 31 * 86400 },
		{ "months", 31 * 86400 },
		{ "year", 365 * 86400 }, { "years", 365 * 86400 },
	};
	const gint64 max = G_GINT64_CONSTANT(10000) * 365 * 86400;
	const char *p = s, *u;
	gint64 n = 0;
	size_t ulen;
	guint i;

	*seconds = 0;
	while (g_ascii_isspace(*p))
		p++;
	if (!g_ascii_isdigit(*p))
		goto bad;
	for (; g_ascii_isdigit(*p); p++) {
		n = n * 10 + (*p - '0');
		if (n > max)
			goto range;
	}
	while (g_ascii_isspace(*p))
		p++;
	u = p;
	while (g_ascii_isalpha(*p))
		p++;
	ulen = (size_t)(p - u);
	while (g_ascii_isspace(*p))
		p++;
	if (*p != '\0')
		goto bad;
	for (i = 0; i < G_N_ELEMENTS(units); i++)
		if (strlen(units[i].name) == ulen &&
		    g_ascii_strncasecmp(u, units[i].name, ulen) == 0) {
			if (n > max / units[i].mult)
				goto range;
			*seconds = n * units[i].mult;
			return TRUE;
		}
bad:
	g_set_error(error, GRID_ERROR, GRID_E_FORMAT, "'%s' is not a "
	    "duration such as '60 days' (units: s, second(s), day(s), mo, "
	    "month(s), year(s))", s);
	return FALSE;
range:
	g_set_error(error, GRID_ERROR, GRID_E_RANGE, "'%s' is too long a "
	    "duration", s);
	return FALSE;
}

gboolean
grid_parse_date(const char *s, gint64 *when, GError **error)
{
	g_autoptr(GDateTime) t = NULL;
	int y, m, d;
	char tail;

	*when = 0;
	if (strlen(s) == 10 && s[4] == '-' && s[7] == '-' &&
	    sscanf(s, "%4d-%2d-%2d%c", &y, &m, &d, &tail) == 3 &&
	    g_ascii_isdigit(s[0]) && g_ascii_isdigit(s[5]) &&
	    g_ascii_isdigit(s[8]) &&
	    (t = g_date_time_new_utc(y, m, d, 0, 0, 0)) != NULL) {
		*when = g_date_time_to_unix(t);
		return TRUE;
	}
	g_set_error(error, GRID_ERROR, GRID_E_FORMAT, "'%s' is not a date "
	    "YYYY-MM-DD", s);
	return FALSE;
}

void
grid_ss_set_expiry(grid_ss *ss, const grid_ss_expiry *e)
{
	ss->expiry = *e;
	ev_timer_stop(ss->loop, &ss->gc);
	if (e->enabled) {
		ev_timer_set(&ss->gc, 1.0, SS_GC_INTERVAL);
		ev_timer_start(ss->loop, &ss->gc);
	}
}

void
grid_ss_get_stats(grid_ss *ss, grid_ss_stats *st)
{
	memset(st, 0, sizeof(*st));
	grid_leasedb_totals(ss->db, &st->shares, &st->bytes);
	st->writers = g_hash_table_size(ss->writers);
	st->allocated = ss->allocated;
	st->available = grid_ss_available(ss);
}

void
grid_ss_set_admit(grid_ss *ss, grid_ss_admit_fn *fn, void *arg)
{
	ss->admit = fn;
	ss->admit_arg = arg;
}

void
grid_ss_owner_usage(grid_ss *ss, guint32 owner, guint64 *n_shares,
    guint64 *bytes)
{
	grid_leasedb_owner_usage(ss->db, owner, n_shares, bytes);
}

grid_ss *
grid_ss_new(rpc_tub *tub, const char *dir, guint64 reserved,
    const char *furl_file, char **furl, GError **error)
{
	g_autofree char *dbpath = NULL;
	grid_ss *ss;
	rpc_furl *f = NULL;

	if (furl != NULL)
		*furl = NULL;
	if (g_mkdir_with_parents(dir, 0700) != 0) {
		g_set_error(error, GRID_ERROR, GRID_E_IO, "%s: %s", dir,
		    g_strerror(errno));
		return NULL;
	}
	ss = g_new0(grid_ss, 1);
	ss->tub = tub;
	ss->loop = rpc_tub_loop(tub);
	ss->dir = g_strdup(dir);
	ss->reserved = reserved;
	ss->writers = g_hash_table_new(g_direct_hash, g_direct_equal);
	ss->readers = g_hash_table_new(g_direct_hash, g_direct_equal);
	ss->per_peer = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
	    NULL);
	ss->facets = g_ptr_array_new();
	ss->writing = g_hash_table_new_full(g_direct_hash, g_direct_equal,
	    NULL, g_free);
	ss->cancelling = g_array_new(FALSE, FALSE, sizeof(struct cancel));
	ss->terminated = g_hash_table_new(g_direct_hash, g_direct_equal);
	ev_check_init(&ss->doom, doom_cb);
	ev_idle_init(&ss->doom_spin, doom_spin_cb);
	ev_timer_init(&ss->gc, gc_cb, 1.0, SS_GC_INTERVAL);
	ev_timer_init(&ss->sweep, sweep_cb, SS_SWEEP, SS_SWEEP);
	ev_timer_start(ss->loop, &ss->sweep);
	/* The sweep alone must not keep a loop running. */
	ev_unref(ss->loop);
	dbpath = g_build_filename(dir, "leases.sqlite", NULL);
	if ((ss->db = grid_leasedb_open(dbpath, error)) == NULL) {
		grid_ss_free(ss);
		return NULL;
	}
	/* Doomed shares go before the scan: each still has its row, so the
	 * scan would not record them again anyway, but they must not be
	 * served. */
	doom_finish(ss);
	if (!ss_reconcile(ss, error)) {
		grid_ss_free(ss);
		return NULL;
	}
	ss->obj = grid_ss_facet_new(ss, 0);
	/* Without 'furl' the anonymous facet is not registered at all
	 * (a server that serves accounts only). */
	if (furl == NULL)
		return ss;
	*furl = rpc_tub_register(tub, ss->obj, NULL, furl_file, error);
	if (*furl == NULL) {
		grid_ss_free(ss);
		return NULL;
	}
	if (rpc_furl_parse(*furl, &f, NULL))
		ss->name = g_strdup(rpc_furl_swissnum(f));
	rpc_furl_free(f);
	return ss;
}

void
grid_ss_free(grid_ss *ss)
{
	GHashTableIter it;
	gpointer k;
	guint i;

	if (ss == NULL)
		return;
	if (ss->name != NULL) {
		rpc_tub_unregister(ss->tub, ss->name);
		sodium_memzero(ss->name, strlen(ss->name));
		g_free(ss->name);
	}
	/* Objects that peers still hold refuse calls from now on. */
	for (i = 0; i < ss->facets->len; i++)
		((struct facet *)g_ptr_array_index(ss->facets, i))->ss = NULL;
	g_ptr_array_unref(ss->facets);
	rpc_obj_unref(ss->obj);
	g_hash_table_iter_init(&it, ss->writers);
	while (g_hash_table_iter_next(&it, &k, NULL)) {
		writer *w = k;

		/* An unfinished share is not kept (incoming/ is emptied at
		 * the next start anyway). */
		(void)g_unlink(w->incoming);
		w->done = TRUE;
		w->ss = NULL;
	}
	g_hash_table_unref(ss->writers);
	g_hash_table_iter_init(&it, ss->readers);
	while (g_hash_table_iter_next(&it, &k, NULL))
		((struct reader *)k)->ss = NULL;
	g_hash_table_unref(ss->readers);
	g_hash_table_unref(ss->per_peer);
	ev_ref(ss->loop);
	ev_timer_stop(ss->loop, &ss->sweep);
	ev_timer_stop(ss->loop, &ss->gc);
	doom_stop(ss);
	g_hash_table_unref(ss->writing);
	g_array_unref(ss->cancelling);
	g_hash_table_unref(ss->terminated);
	grid_leasedb_free(ss->db);
	g_free(ss->dir);
	g_free(ss);
}

/* tests/unit/test_grid_storage.c -- the storage server (grid/storage.c,
 * grid/shares.c, grid/leasedb.c) over two tubs on one loop: allocation,
 * writes, close and the files it leaves, leases, readers, aborts by
 * disconnect, space, start-up repair of the database, expiry, and hostile
 * arguments. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include <glib/gstdio.h>
#include <sodium.h>

#include "grid/leasedb.h"
#include "grid/shares.h"
#include "grid/storage.h"
#include "node/dir.h"
#include "rpc/common.h"
#include "rpc/conn.h"
#include "rpc/err.h"
#include "tests/unit/tubtest.h"

typedef struct fixture {
	struct ev_loop	*loop;
	rpc_tub		*srv, *cli;
	char		*top, *sdir;
	char		*furl;
	grid_ss		*ss;
	rpc_ref		*ref;
} fixture;

static const uint8_t SI[GRID_SI_LEN] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 };
static const uint8_t RENEW[GRID_SECRET_LEN] = { 0x11 };
static const uint8_t CANCEL[GRID_SECRET_LEN] = { 0x22 };

static void
start_server(fixture *f, guint64 reserved)
{
	g_autoptr(GError) err = NULL;

	f->ss = grid_ss_new(f->srv, f->sdir, reserved, NULL, &f->furl, &err);
	if (f->ss == NULL)
		fail_msg("grid_ss_new: %s", err->message);
	f->ref = tt_get_ref(f->cli, f->furl, &err);
	assert_non_null(f->ref);
}

static void
stop_server(fixture *f)
{
	rpc_ref_unref(g_steal_pointer(&f->ref));
	grid_ss_free(g_steal_pointer(&f->ss));
	sodium_memzero(f->furl, strlen(f->furl));
	g_clear_pointer(&f->furl, g_free);
}

static int
setup(void **state)
{
	fixture *f = g_new0(fixture, 1);

	f->loop = ev_loop_new(EVFLAG_AUTO);
	f->srv = tt_tub_listening(f->loop, NULL);
	f->cli = tt_tub_listening(f->loop, NULL);
	f->top = g_dir_make_tmp("tss-XXXXXX", NULL);
	f->sdir = g_build_filename(f->top, "storage", NULL);
	start_server(f, 0);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	fixture *f = *state;

	if (f->ss != NULL)
		stop_server(f);
	rpc_tub_free(f->cli);
	rpc_tub_free(f->srv);
	ev_loop_destroy(f->loop);
	if (g_getenv("KEEP_TEST_DIRS") == NULL)
		node_remove_tree(f->top);
	g_free(f->top);
	g_free(f->sdir);
	g_free(f);
	return 0;
}

/* ---- calls ---- */

/* The outcome of allocate_buckets or get_buckets: share numbers and the
 * references that came with them (kept). */
typedef struct buckets {
	bool		 done;
	GError		*err;
	guint		 n_have, have[256];
	guint		 n, nums[256];
	rpc_ref		*refs[256];
} buckets;

static void
buckets_clear(buckets *b)
{
	guint i;

	for (i = 0; i < b->n; i++)
		rpc_ref_unref(b->refs[i]);
	g_clear_error(&b->err);
	memset(b, 0, sizeof(*b));
}

/* Read a list of [shnum, ref] pairs. */
static void
read_pairs(const rpc_refctx *refs, const msgpack_object *o, buckets *b)
{
	guint i;

	assert_int_equal(o->type, MSGPACK_OBJECT_ARRAY);
	for (i = 0; i < o->via.array.size; i++) {
		const msgpack_object *pair = &o->via.array.ptr[i];
		rpc_ref *r = NULL;

		assert_int_equal(pair->type, MSGPACK_OBJECT_ARRAY);
		assert_int_equal(pair->via.array.size, 2);
		b->nums[b->n] = (guint)pair->via.array.ptr[0].via.u64;
		assert_true(rpc_value_ref(refs, &pair->via.array.ptr[1], &r,
		    NULL));
		b->refs[b->n++] = rpc_ref_ref(r);
	}
}

static void
allocate_cb(const msgpack_object *result, const rpc_refctx *refs,
    const GError *err, void *arg)
{
	buckets *b = arg;
	const msgpack_object *have;
	guint i;

	b->done = true;
	if (err != NULL) {
		b->err = g_error_copy(err);
		return;
	}
	assert_int_equal(result->type, MSGPACK_OBJECT_ARRAY);
	assert_int_equal(result->via.array.size, 2);
	have = &result->via.array.ptr[0];
	for (i = 0; i < have->via.array.size; i++)
		b->have[b->n_have++] = (guint)have->via.array.ptr[i].via.u64;
	read_pairs(refs, &result->via.array.ptr[1], b);
}

static void
get_cb(const msgpack_object *result, const rpc_refctx *refs,
    const GError *err, void *arg)
{
	buckets *b = arg;

	b->done = true;
	if (err != NULL) {
		b->err = g_error_copy(err);
		return;
	}
	read_pairs(refs, result, b);
}

static void
wait_buckets(fixture *f, buckets *b)
{
	assert_true(tt_run_until(f->loop, &b->done, 5.0));
}

/* allocate_buckets on storage facet 'ref'. */
static void
allocate_via(fixture *f, rpc_ref *ref, const uint8_t *si,
    const uint8_t *renew, const guint *nums, guint n, guint64 size,
    buckets *b)
{
	rpc_pack *p = rpc_pack_new();
	guint i;

	memset(b, 0, sizeof(*b));
	rpc_pack_array(p, 5);
	rpc_pack_bin(p, si, GRID_SI_LEN);
	rpc_pack_bin(p, renew, GRID_SECRET_LEN);
	rpc_pack_bin(p, CANCEL, GRID_SECRET_LEN);
	rpc_pack_array(p, n);
	for (i = 0; i < n; i++)
		rpc_pack_uint(p, nums[i]);
	rpc_pack_uint(p, size);
	rpc_ref_call(ref, "allocate_buckets", p, allocate_cb, b);
	wait_buckets(f, b);
}

static void
allocate(fixture *f, const uint8_t *si, const uint8_t *renew,
    const guint *nums, guint n, guint64 size, buckets *b)
{
	allocate_via(f, f->ref, si, renew, nums, n, size, b);
}

/* A reference to a new facet of the server for 'account' (caller
 * unrefs). */
static rpc_ref *
facet_ref(fixture *f, guint32 account)
{
	g_autoptr(GError) err = NULL;
	rpc_obj *o = grid_ss_facet_new(f->ss, account);
	g_autofree char *furl = rpc_tub_register(f->srv, o, NULL, NULL, &err);
	rpc_ref *ref;

	assert_non_null(furl);
	rpc_obj_unref(o);	/* the tub keeps it */
	ref = tt_get_ref(f->cli, furl, &err);
	assert_non_null(ref);
	sodium_memzero(furl, strlen(furl));
	return ref;
}

static void
get_buckets(fixture *f, const uint8_t *si, buckets *b)
{
	rpc_pack *p = rpc_pack_new();

	memset(b, 0, sizeof(*b));
	rpc_pack_array(p, 1);
	rpc_pack_bin(p, si, GRID_SI_LEN);
	rpc_ref_call(f->ref, "get_buckets", p, get_cb, b);
	wait_buckets(f, b);
}

/* Call 'method' on 'ref'; return the remote error type or NULL. */
static char *
call_err(fixture *f, rpc_ref *ref, const char *method, rpc_pack *args)
{
	tt_answer a;
	char *type = NULL;

	tt_answer_init(&a);
	assert_true(tt_call(f->loop, ref, method, args, &a));
	if (a.err != NULL)
		type = g_strdup(g_error_matches(a.err, RPC_ERROR,
		    RPC_E_REMOTE) ? rpc_remote_error_type(a.err) :
		    a.err->message);
	tt_answer_clear(&a);
	return type;
}

static char *
write_at(fixture *f, rpc_ref *w, guint64 off, const void *data, size_t n)
{
	rpc_pack *p = rpc_pack_new();

	rpc_pack_array(p, 2);
	rpc_pack_uint(p, off);
	rpc_pack_bin(p, data, n);
	return call_err(f, w, "write", p);
}

/* read(offset, length) on reader 'r': the bytes, or NULL on error. */
static GBytes *
read_at(fixture *f, rpc_ref *r, guint64 off, guint64 len)
{
	rpc_pack *p = rpc_pack_new();
	tt_answer a;
	GBytes *out = NULL;

	rpc_pack_array(p, 2);
	rpc_pack_uint(p, off);
	rpc_pack_uint(p, len);
	tt_answer_init(&a);
	assert_true(tt_call(f->loop, r, "read", p, &a));
	if (a.err == NULL) {
		assert_int_equal(a.result.data.type, MSGPACK_OBJECT_BIN);
		out = g_bytes_new(a.result.data.via.bin.ptr,
		    a.result.data.via.bin.size);
	}
	tt_answer_clear(&a);
	return out;
}

static char *
lease_via(fixture *f, rpc_ref *ref, const uint8_t *si,
    const uint8_t *renew)
{
	rpc_pack *p = rpc_pack_new();

	rpc_pack_array(p, 3);
	rpc_pack_bin(p, si, GRID_SI_LEN);
	rpc_pack_bin(p, renew, GRID_SECRET_LEN);
	rpc_pack_bin(p, CANCEL, GRID_SECRET_LEN);
	return call_err(f, ref, "add_lease", p);
}

static char *
lease_args_call(fixture *f, const uint8_t *si, const uint8_t *renew)
{
	return lease_via(f, f->ref, si, renew);
}

/* Upload share 'shnum' of SI holding 'data'. */
static void
upload_one(fixture *f, guint shnum, const char *data)
{
	buckets b;

	allocate(f, SI, RENEW, &shnum, 1, strlen(data), &b);
	assert_null(b.err);
	assert_int_equal(b.n, 1);
	assert_null(write_at(f, b.refs[0], 0, data, strlen(data)));
	assert_null(call_err(f, b.refs[0], "close", NULL));
	buckets_clear(&b);
}

static grid_leasedb *
open_db(fixture *f)
{
	g_autofree char *p = g_build_filename(f->sdir, "leases.sqlite", NULL);
	g_autoptr(GError) err = NULL;
	grid_leasedb *db = grid_leasedb_open(p, &err);

	assert_non_null(db);
	return db;
}

/* ---- tests ---- */

static void
test_write_close_read(void **state)
{
	fixture *f = *state;
	const guint nums[] = { 0, 7 };
	g_autofree char *path = grid_share_path(f->sdir, SI, 7);
	g_autofree char *inc = grid_share_incoming_path(f->sdir, SI, 7);
	g_autofree char *text = NULL, *closed = NULL;
	g_autoptr(GBytes) got = NULL, tail = NULL, past = NULL;
	grid_leasedb *db;
	grid_share_info info;
	buckets b;
	gint64 latest;
	gsize len;

	allocate(f, SI, RENEW, nums, 2, 10, &b);
	assert_null(b.err);
	assert_int_equal(b.n_have, 0);
	assert_int_equal(b.n, 2);
	assert_int_equal(b.nums[0], 0);
	assert_int_equal(b.nums[1], 7);
	/* Written in two pieces, out of order. */
	assert_null(write_at(f, b.refs[1], 5, "world", 5));
	assert_null(write_at(f, b.refs[1], 0, "hello", 5));
	assert_true(g_file_test(inc, G_FILE_TEST_EXISTS));
	assert_false(g_file_test(path, G_FILE_TEST_EXISTS));
	assert_null(call_err(f, b.refs[1], "close", NULL));
	/* Renamed into place: Tahoe's container, version 2, no lease
	 * records, the data after the 12-byte header. */
	assert_false(g_file_test(inc, G_FILE_TEST_EXISTS));
	assert_true(g_file_get_contents(path, &text, &len, NULL));
	assert_int_equal(len, 22);
	assert_memory_equal(text, "\0\0\0\2\0\0\0\12\0\0\0\0hello" "world",
	    22);
	assert_true(grid_share_stat(path, &info, NULL));
	assert_int_equal(info.data_len, 10);
	/* Calls after close are refused. */
	closed = write_at(f, b.refs[1], 0, "x", 1);
	assert_string_equal(closed, "grid.Closed");
	buckets_clear(&b);

	db = open_db(f);
	assert_int_equal(grid_leasedb_n_leases(db, SI, 7, &latest), 1);
	assert_true(latest > time(NULL) + GRID_LEASE_DURATION - 60);
	grid_leasedb_free(db);

	get_buckets(f, SI, &b);
	assert_null(b.err);
	/* Share 0 was never closed: its writer still holds it incoming. */
	assert_int_equal(b.n, 1);
	assert_int_equal(b.nums[0], 7);
	got = read_at(f, b.refs[0], 0, 10);
	assert_int_equal(g_bytes_get_size(got), 10);
	assert_memory_equal(g_bytes_get_data(got, NULL), "helloworld", 10);
	/* A read past the end is cut short, not refused. */
	tail = read_at(f, b.refs[0], 8, 100);
	assert_int_equal(g_bytes_get_size(tail), 2);
	past = read_at(f, b.refs[0], 50, 10);
	assert_int_equal(g_bytes_get_size(past), 0);
	buckets_clear(&b);
}

static void
test_already_have_and_leases(void **state)
{
	fixture *f = *state;
	const uint8_t renew2[GRID_SECRET_LEN] = { 0x33 };
	const guint nums[] = { 3, 4 };
	grid_leasedb *db;
	buckets b;
	gint64 latest;

	upload_one(f, 3, "abc");
	/* A second upload of the same file by another client: share 3 is
	 * reported (and gets that client's lease), 4 is allocated. */
	allocate(f, SI, renew2, nums, 2, 3, &b);
	assert_null(b.err);
	assert_int_equal(b.n_have, 1);
	assert_int_equal(b.have[0], 3);
	assert_int_equal(b.n, 1);
	assert_int_equal(b.nums[0], 4);
	buckets_clear(&b);
	db = open_db(f);
	assert_int_equal(grid_leasedb_n_leases(db, SI, 3, &latest), 2);
	grid_leasedb_free(db);
	/* add_lease with a known renew secret renews instead of adding;
	 * for a storage index the server does not hold it does nothing. */
	assert_null(lease_args_call(f, SI, RENEW));
	assert_null(lease_args_call(f, (const uint8_t *)"0123456789abcdef",
	    RENEW));
	db = open_db(f);
	assert_int_equal(grid_leasedb_n_leases(db, SI, 3, &latest), 2);
	grid_leasedb_free(db);
}

/* Leases on one share are bounded: new renew secrets past the limit are
 * refused, a renewal still works. */
static void
test_lease_count_bounded(void **state)
{
	fixture *f = *state;
	grid_leasedb *db;
	gint64 latest;
	guint i;

	upload_one(f, 0, "abc");
	db = open_db(f);
	for (i = 1; i < GRID_LEASES_MAX_PER_SHARE; i++) {
		uint8_t r[GRID_SECRET_LEN] = { 0 };
		guint n;

		memcpy(r, &i, sizeof(i));
		assert_true(grid_leasedb_add_lease(db, SI, 0, r, r, 1, &n,
		    NULL));
	}
	assert_int_equal(grid_leasedb_n_leases(db, SI, 0, &latest),
	    GRID_LEASES_MAX_PER_SHARE);
	grid_leasedb_free(db);
	{
		const uint8_t other[GRID_SECRET_LEN] = { 0xee };
		g_autofree char *e = lease_args_call(f, SI, other);

		assert_non_null(e);
		assert_string_equal(e, "grid.TooManyLeases");
	}
	/* The first client's renewal is still accepted. */
	assert_null(lease_args_call(f, SI, RENEW));
	db = open_db(f);
	assert_int_equal(grid_leasedb_n_leases(db, SI, 0, &latest),
	    GRID_LEASES_MAX_PER_SHARE);
	grid_leasedb_free(db);
}

/* A writer whose client goes away before close() is aborted: no file is
 * left in incoming/ nor in shares/, and the space is released. */
static void
test_disconnect_aborts_writer(void **state)
{
	fixture *f = *state;
	const guint n = 5;
	g_autofree char *inc = grid_share_incoming_path(f->sdir, SI, 5);
	g_autofree char *fin = grid_share_path(f->sdir, SI, 5);
	grid_ss_stats st;
	buckets b;
	int i;

	allocate(f, SI, RENEW, &n, 1, 1000, &b);
	assert_int_equal(b.n, 1);
	assert_null(write_at(f, b.refs[0], 0, "partial", 7));
	grid_ss_get_stats(f->ss, &st);
	assert_int_equal(st.writers, 1);
	assert_int_equal(st.allocated, 1000);
	assert_true(g_file_test(inc, G_FILE_TEST_EXISTS));
	/* The client tub goes (its connection with it). */
	buckets_clear(&b);
	rpc_ref_unref(g_steal_pointer(&f->ref));
	rpc_tub_free(f->cli);
	f->cli = NULL;
	for (i = 0; i < 50 && g_file_test(inc, G_FILE_TEST_EXISTS); i++)
		tt_run_for(f->loop, 0.02);
	assert_false(g_file_test(inc, G_FILE_TEST_EXISTS));
	assert_false(g_file_test(fin, G_FILE_TEST_EXISTS));
	grid_ss_get_stats(f->ss, &st);
	assert_int_equal(st.writers, 0);
	assert_int_equal(st.allocated, 0);
	f->cli = tt_tub_listening(f->loop, NULL);
	f->ref = tt_get_ref(f->cli, f->furl, NULL);
	assert_non_null(f->ref);
	/* abort() by the client does the same. */
	allocate(f, SI, RENEW, &n, 1, 10, &b);
	assert_int_equal(b.n, 1);
	assert_null(call_err(f, b.refs[0], "abort", NULL));
	assert_false(g_file_test(inc, G_FILE_TEST_EXISTS));
	buckets_clear(&b);
}

static void
test_write_past_allocation_refused(void **state)
{
	fixture *f = *state;
	const guint n = 1;
	g_autofree char *e1 = NULL, *e2 = NULL;
	buckets b;

	allocate(f, SI, RENEW, &n, 1, 10, &b);
	e1 = write_at(f, b.refs[0], 8, "abc", 3);
	assert_string_equal(e1, "grid.DataTooLarge");
	e2 = write_at(f, b.refs[0], G_MAXINT64, "a", 1);
	assert_string_equal(e2, "grid.DataTooLarge");
	assert_null(write_at(f, b.refs[0], 7, "abc", 3));
	buckets_clear(&b);
}

/* An allocation that does not fit is refused with a clear error, and
 * space promised to open writers counts. */
static void
test_no_space(void **state)
{
	fixture *f = *state;
	const guint n = 2, m = 3;
	guint64 avail = grid_ss_available(f->ss);
	buckets b, c;

	allocate(f, SI, RENEW, &n, 1, avail + 1, &b);
	assert_non_null(b.err);
	assert_string_equal(rpc_remote_error_type(b.err), "grid.NoSpace");
	assert_non_null(strstr(b.err->message, "no room"));
	buckets_clear(&b);
	/* Half now, then more than what is left. */
	allocate(f, SI, RENEW, &n, 1, avail / 2, &b);
	assert_int_equal(b.n, 1);
	assert_true(grid_ss_available(f->ss) < avail / 2 + 4096 * 1024);
	allocate(f, SI, RENEW, &m, 1, avail / 2 + 8 * 1024 * 1024, &c);
	assert_non_null(c.err);
	assert_string_equal(rpc_remote_error_type(c.err), "grid.NoSpace");
	buckets_clear(&c);
	buckets_clear(&b);
	/* reserved_space counts too. */
	stop_server(f);
	start_server(f, G_MAXUINT64 / 2);
	assert_int_equal(grid_ss_available(f->ss), 0);
	allocate(f, SI, RENEW, &n, 1, 1, &b);
	assert_string_equal(rpc_remote_error_type(b.err), "grid.NoSpace");
	buckets_clear(&b);
}

/* Write a Tahoe-LAFS version-1 container (plaintext lease secrets) with
 * one lease, as a share copied in from a Tahoe server. */
static void
write_tahoe_v1_share(const char *path, const char *data, guint32 expiry)
{
	GString *s = g_string_new(NULL);
	g_autofree char *dir = g_path_get_dirname(path);
	uint8_t hdr[12] = { 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1 };
	uint8_t lease[72] = { 0 };	/* owner 0: anonymous */

	hdr[7] = (uint8_t)strlen(data);
	memcpy(lease + 4, RENEW, 32);
	memcpy(lease + 36, CANCEL, 32);
	lease[68] = (uint8_t)(expiry >> 24);
	lease[69] = (uint8_t)(expiry >> 16);
	lease[70] = (uint8_t)(expiry >> 8);
	lease[71] = (uint8_t)expiry;
	g_string_append_len(s, (char *)hdr, 12);
	g_string_append(s, data);
	g_string_append_len(s, (char *)lease, 72);
	assert_int_equal(g_mkdir_with_parents(dir, 0700), 0);
	assert_true(g_file_set_contents(path, s->str, (gssize)s->len, NULL));
	g_string_free(s, TRUE);
}

/* At start: incoming/ is emptied, a share file without a row gets one
 * (with the leases of its container), a row without a file is dropped,
 * and files that are not shares are left alone. */
static void
test_start_repairs_database(void **state)
{
	fixture *f = *state;
	const uint8_t si2[GRID_SI_LEN] = { 0xaa, 0xbb };
	g_autofree char *copied = grid_share_path(f->sdir, si2, 2);
	g_autofree char *lost = grid_share_path(f->sdir, SI, 1);
	g_autofree char *stale = grid_share_incoming_path(f->sdir, SI, 9);
	g_autofree char *junk = g_build_filename(f->sdir, "shares", "ab",
	    "notashare", NULL);
	g_autoptr(GBytes) got = NULL;
	uint8_t renew_hash[32];
	grid_leasedb *db;
	buckets b;
	gint64 latest;
	guint64 size;
	guint n;

	upload_one(f, 1, "data one");
	stop_server(f);
	/* A crash after the row was committed, before the rename. */
	assert_int_equal(g_unlink(lost), 0);
	write_tahoe_v1_share(copied, "tahoe data", 2000000000u);
	{
		g_autofree char *d = g_path_get_dirname(stale);

		assert_int_equal(g_mkdir_with_parents(d, 0700), 0);
	}
	assert_true(g_file_set_contents(stale, "half", 4, NULL));
	{
		g_autofree char *d = g_path_get_dirname(junk);

		assert_int_equal(g_mkdir_with_parents(d, 0700), 0);
	}
	assert_true(g_file_set_contents(junk, "x", 1, NULL));
	start_server(f, 0);
	assert_false(g_file_test(stale, G_FILE_TEST_EXISTS));
	assert_true(g_file_test(junk, G_FILE_TEST_EXISTS));
	db = open_db(f);
	assert_false(grid_leasedb_has_share(db, SI, 1, &size));
	assert_true(grid_leasedb_has_share(db, si2, 2, &size));
	assert_int_equal(size, 12 + 10 + 72);
	n = grid_leasedb_n_leases(db, si2, 2, &latest);
	assert_int_equal(n, 1);
	assert_int_equal(latest, 2000000000);
	grid_leasedb_free(db);
	/* The copied share's plaintext renew secret was hashed: renewing
	 * with the same secret renews that lease (no second lease). */
	grid_lease_hash(RENEW, renew_hash);
	assert_null(lease_args_call(f, si2, RENEW));
	db = open_db(f);
	assert_int_equal(grid_leasedb_n_leases(db, si2, 2, &latest), 1);
	grid_leasedb_free(db);
	/* And it is served. */
	get_buckets(f, si2, &b);
	assert_int_equal(b.n, 1);
	got = read_at(f, b.refs[0], 0, 100);
	assert_int_equal(g_bytes_get_size(got), 10);
	assert_memory_equal(g_bytes_get_data(got, NULL), "tahoe data", 10);
	buckets_clear(&b);
}

/* A termination interrupted after its transaction (leases cancelled,
 * shares doomed) and, for one share, after its file was deleted: the next
 * start deletes the doomed files and rows before serving, records none of
 * them again, and keeps the share another owner still leases. */
static void
test_doomed_finished_at_start(void **state)
{
	fixture *f = *state;
	const uint8_t si2[GRID_SI_LEN] = { 0x77, 0x01 };
	const uint8_t renew2[GRID_SECRET_LEN] = { 0x33 };
	g_autofree char *p1 = grid_share_path(f->sdir, SI, 1);
	g_autofree char *p2 = grid_share_path(f->sdir, SI, 2);
	g_autofree char *kept = grid_share_path(f->sdir, si2, 0);
	g_autoptr(GError) err = NULL;
	uint8_t h[GRID_SECRET_LEN];
	grid_leasedb *db;
	guint64 n, size, bytes;
	gboolean done;
	guint nl;
	buckets b;

	upload_one(f, 1, "doomed one");
	upload_one(f, 2, "doomed two");
	{
		guint sh = 0;

		allocate(f, si2, renew2, &sh, 1, 4, &b);
		assert_int_equal(b.n, 1);
		assert_null(write_at(f, b.refs[0], 0, "kept", 4));
		assert_null(call_err(f, b.refs[0], "close", NULL));
		buckets_clear(&b);
	}
	stop_server(f);
	/* Account 5 leases all three shares, account 6 the last one; the
	 * anonymous leases go, so account 5's are the only ones left on
	 * SI's shares. */
	db = open_db(f);
	grid_lease_hash(RENEW, h);
	assert_true(grid_leasedb_add_lease(db, SI, 5, h, h, 1, &nl, &err));
	assert_int_equal(nl, 2);
	assert_true(grid_leasedb_add_lease(db, si2, 5, h, h, 1, &nl, &err));
	assert_true(grid_leasedb_add_lease(db, si2, 6, h, h, 1, &nl, &err));
	assert_true(grid_leasedb_cancel_owner(db, 0, G_MAXUINT, &n, &done,
	    &err));
	assert_int_equal(n, 0);
	/* Step one of terminating account 5, then a crash. */
	assert_true(grid_leasedb_cancel_owner(db, 5, G_MAXUINT, &n, &done,
	    &err));
	assert_int_equal(n, 2);
	grid_leasedb_free(db);
	/* Share 2's file was already deleted when the crash came. */
	assert_int_equal(g_unlink(p2), 0);
	assert_true(g_file_test(p1, G_FILE_TEST_EXISTS));

	start_server(f, 0);
	assert_int_equal(grid_ss_n_doomed(f->ss), 0);
	assert_false(g_file_test(p1, G_FILE_TEST_EXISTS));
	assert_true(g_file_test(kept, G_FILE_TEST_EXISTS));
	db = open_db(f);
	assert_false(grid_leasedb_has_share(db, SI, 1, &size));
	assert_false(grid_leasedb_has_share(db, SI, 2, &size));
	assert_true(grid_leasedb_has_share(db, si2, 0, &size));
	grid_leasedb_owner_usage(db, 5, &n, &bytes);
	assert_int_equal(n, 0);
	grid_leasedb_owner_usage(db, 6, &n, &bytes);
	assert_int_equal(n, 1);
	assert_int_equal(bytes, size);
	grid_leasedb_free(db);
	get_buckets(f, SI, &b);
	assert_int_equal(b.n, 0);
	buckets_clear(&b);
	/* A second start finds nothing to do, and no file came back. */
	stop_server(f);
	start_server(f, 0);
	assert_false(g_file_test(p1, G_FILE_TEST_EXISTS));
}

/* With the server stopped, plant 'total' share files leased by 'owner'
 * only, as a copied-in server would hold them: storage indexes
 * [si0, i >> 8, i & 255, 0...].  Their paths go into 'paths' if not
 * NULL. */
static void
plant_shares(fixture *f, guint32 owner, guint total, uint8_t si0,
    GPtrArray *paths)
{
	g_autoptr(GError) err = NULL;
	grid_leasedb *db = open_db(f);
	uint8_t si[GRID_SI_LEN], h[GRID_SECRET_LEN];
	guint i;

	grid_lease_hash(RENEW, h);
	assert_true(grid_leasedb_begin(db, &err));
	for (i = 0; i < total; i++) {
		g_autofree char *p = NULL, *d = NULL;
		uint8_t hdr[GRID_SHARE_HDR];

		memset(si, 0, sizeof(si));
		si[0] = si0;
		si[1] = (uint8_t)(i >> 8);
		si[2] = (uint8_t)i;
		p = grid_share_path(f->sdir, si, 0);
		d = g_path_get_dirname(p);
		assert_int_equal(g_mkdir_with_parents(d, 0700), 0);
		grid_share_header(hdr, 0);
		assert_true(g_file_set_contents(p, (const char *)hdr,
		    sizeof(hdr), NULL));
		assert_true(grid_leasedb_add_share(db, si, 0, sizeof(hdr),
		    owner, h, h, G_MAXINT32, &err));
		if (paths != NULL)
			g_ptr_array_add(paths, g_steal_pointer(&p));
	}
	assert_true(grid_leasedb_commit(db, &err));
	grid_leasedb_free(db);
}

/* A termination larger than a step: the first cancellation step runs at
 * once, the rest and then the deletions one step per loop iteration while
 * the server keeps answering. */
static void
test_large_termination_in_batches(void **state)
{
	fixture *f = *state;
	guint64 n, left, bytes;
	guint i, total = 1300;
	buckets b;

	stop_server(f);
	plant_shares(f, 9, total, 0xd0, NULL);
	start_server(f, 0);
	grid_ss_owner_usage(f->ss, 9, &n, &bytes);
	assert_int_equal(n, total);

	grid_ss_cancel_owner(f->ss, 9);
	assert_int_equal(grid_ss_n_cancelling(f->ss), 1);
	left = grid_ss_n_doomed(f->ss);
	assert_true(left > 0 && left < total);
	grid_ss_owner_usage(f->ss, 9, &n, &bytes);
	assert_true(n > 0 && n < total);
	/* The server answers while the rest is deleted. */
	get_buckets(f, SI, &b);
	assert_null(b.err);
	buckets_clear(&b);
	for (i = 0; i < 500 && (grid_ss_n_doomed(f->ss) > 0 ||
	    grid_ss_n_cancelling(f->ss) > 0); i++)
		tt_run_for(f->loop, 0.01);
	assert_int_equal(grid_ss_n_cancelling(f->ss), 0);
	assert_int_equal(grid_ss_n_doomed(f->ss), 0);
	grid_ss_owner_usage(f->ss, 9, &n, &bytes);
	assert_int_equal(n, 0);
	{
		grid_ss_stats st;

		grid_ss_get_stats(f->ss, &st);
		assert_int_equal(st.shares, 0);
	}
}

/* Warnings of the "grid" log domain while 'counting' (not printed then);
 * the library logs structured (G_LOG_USE_STRUCTURED), so a writer
 * function, installed once by main(), sees them. */
static guint grid_warnings;
static gboolean counting;

static GLogWriterOutput
count_writer(GLogLevelFlags level, const GLogField *fields, gsize n,
    gpointer arg)
{
	gsize i;

	if (counting && (level & G_LOG_LEVEL_WARNING) != 0)
		for (i = 0; i < n; i++)
			if (strcmp(fields[i].key, "GLIB_DOMAIN") == 0 &&
			    fields[i].length < 0 &&
			    strcmp(fields[i].value, "grid") == 0) {
				grid_warnings++;
				return G_LOG_WRITER_HANDLED;
			}
	return g_log_writer_default(level, fields, n, arg);
}

/* Doomed shares whose files cannot be deleted (a non-empty directory
 * stands in for each), more of them than a batch (SS_DOOM_BATCH, 256) and
 * first in the table's order, do not hold up the others: one run deletes
 * the rest, reports each undeletable share once, and ends; those stay
 * doomed with their rows. */
static void
test_undeletable_doomed_shares_skipped(void **state)
{
	fixture *f = *state;
	g_autoptr(GPtrArray) paths = g_ptr_array_new_with_free_func(g_free);
	const guint n_bad = 300, total = 350;
	guint64 n, bytes;
	guint i;

	stop_server(f);
	/* The undeletable ones first in the table's order. */
	plant_shares(f, 9, n_bad, 0x01, paths);
	plant_shares(f, 9, total - n_bad, 0xd0, paths);
	start_server(f, 0);
	/* Running as root, permissions would not stop unlink(). */
	for (i = 0; i < n_bad; i++) {
		const char *p = g_ptr_array_index(paths, i);
		g_autofree char *x = g_build_filename(p, "x", NULL);

		assert_int_equal(g_unlink(p), 0);
		assert_int_equal(g_mkdir(p, 0700), 0);
		assert_true(g_file_set_contents(x, "x", 1, NULL));
	}
	grid_warnings = 0;
	counting = TRUE;
	grid_ss_cancel_owner(f->ss, 9);
	for (i = 0; i < 500 && grid_ss_n_doomed(f->ss) > n_bad; i++)
		tt_run_for(f->loop, 0.01);
	tt_run_for(f->loop, 0.1);	/* the run is over: no second one */
	counting = FALSE;
	assert_int_equal(grid_ss_n_doomed(f->ss), n_bad);
	assert_int_equal(grid_warnings, n_bad);
	for (i = 0; i < total; i++)
		assert_int_equal(g_file_test(g_ptr_array_index(paths, i),
		    G_FILE_TEST_EXISTS), i < n_bad);
	grid_ss_owner_usage(f->ss, 9, &n, &bytes);
	assert_int_equal(n, 0);
}

/* A watcher of a pipe left readable: the loop always has an event
 * pending, as a busy server has. */
struct busy {
	ev_io	io;
	guint	n;		/* callbacks run */
};

static void
busy_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	RPC_UNUSED(loop);
	RPC_UNUSED(revents);
	RPC_CONTAINER_OF(w, struct busy, io)->n++;
}

/* A termination advances on a loop that always has events pending (an
 * idle watcher would never run there): one step per iteration. */
static void
test_termination_advances_under_load(void **state)
{
	fixture *f = *state;
	struct busy busy = { .n = 0 };
	int fds[2];
	guint i;

	stop_server(f);
	plant_shares(f, 9, 1300, 0xd0, NULL);
	start_server(f, 0);
	assert_int_equal(pipe(fds), 0);
	assert_int_equal(write(fds[1], "x", 1), 1);
	ev_io_init(&busy.io, busy_cb, fds[0], EV_READ);
	ev_io_start(f->loop, &busy.io);
	grid_ss_cancel_owner(f->ss, 9);
	for (i = 0; i < 500 && (grid_ss_n_doomed(f->ss) > 0 ||
	    grid_ss_n_cancelling(f->ss) > 0); i++)
		ev_run(f->loop, EVRUN_ONCE);
	ev_io_stop(f->loop, &busy.io);
	close(fds[0]);
	close(fds[1]);
	assert_true(busy.n > 0);
	assert_int_equal(grid_ss_n_cancelling(f->ss), 0);
	assert_int_equal(grid_ss_n_doomed(f->ss), 0);
}

/* A termination aborts the account's open writers: their space and
 * incoming files go, and a close() after it is refused and records
 * neither a share nor a lease. */
static void
test_termination_aborts_writers(void **state)
{
	fixture *f = *state;
	rpc_ref *acct = facet_ref(f, 7);
	const guint n = 4;
	g_autofree char *inc = grid_share_incoming_path(f->sdir, SI, 4);
	g_autofree char *fin = grid_share_path(f->sdir, SI, 4);
	g_autofree char *e = NULL;
	grid_leasedb *db;
	grid_ss_stats st;
	buckets b;
	guint64 shares, bytes, size;
	gint64 latest;

	allocate_via(f, acct, SI, RENEW, &n, 1, 5, &b);
	assert_null(b.err);
	assert_int_equal(b.n, 1);
	assert_null(write_at(f, b.refs[0], 0, "hello", 5));
	assert_int_equal(grid_ss_owner_writing(f->ss, 7), 5);

	grid_ss_cancel_owner(f->ss, 7);
	assert_false(g_file_test(inc, G_FILE_TEST_EXISTS));
	grid_ss_get_stats(f->ss, &st);
	assert_int_equal(st.writers, 0);
	assert_int_equal(st.allocated, 0);
	assert_int_equal(grid_ss_owner_writing(f->ss, 7), 0);
	e = call_err(f, b.refs[0], "close", NULL);
	assert_non_null(e);
	assert_string_equal(e, "acct.Terminated");
	assert_false(g_file_test(fin, G_FILE_TEST_EXISTS));
	db = open_db(f);
	assert_false(grid_leasedb_has_share(db, SI, 4, &size));
	assert_int_equal(grid_leasedb_n_leases(db, SI, 4, &latest), 0);
	grid_leasedb_free(db);
	grid_ss_owner_usage(f->ss, 7, &shares, &bytes);
	assert_int_equal(shares, 0);
	assert_int_equal(bytes, 0);
	buckets_clear(&b);
	rpc_ref_unref(acct);
}

/* A facet a client got before its account was terminated refuses
 * add_lease and allocate_buckets: a lease of the account would keep its
 * doomed shares. */
static void
test_terminated_facet_refused(void **state)
{
	fixture *f = *state;
	rpc_ref *acct = facet_ref(f, 7);
	const guint nums[] = { 3, 5 };
	g_autofree char *e = NULL;
	grid_leasedb *db;
	grid_ss_stats st;
	buckets b;
	guint64 shares, bytes;
	gint64 latest;

	upload_one(f, 3, "abc");	/* anonymous: kept */
	grid_ss_cancel_owner(f->ss, 7);
	e = lease_via(f, acct, SI, RENEW);
	assert_non_null(e);
	assert_string_equal(e, "acct.Terminated");
	allocate_via(f, acct, SI, RENEW, nums, 2, 3, &b);
	assert_non_null(b.err);
	assert_string_equal(rpc_remote_error_type(b.err), "acct.Terminated");
	assert_int_equal(b.n, 0);
	buckets_clear(&b);
	grid_ss_get_stats(f->ss, &st);
	assert_int_equal(st.writers, 0);
	db = open_db(f);
	assert_int_equal(grid_leasedb_n_leases(db, SI, 3, &latest), 1);
	grid_leasedb_free(db);
	grid_ss_owner_usage(f->ss, 7, &shares, &bytes);
	assert_int_equal(shares, 0);
	/* The anonymous facet and other accounts are not affected. */
	assert_null(lease_args_call(f, SI, RENEW));
	rpc_ref_unref(acct);
}

/* An admission function that refuses every call, as for a disabled
 * account, recording the bytes asked. */
static gboolean
refuse_all(guint32 owner, guint64 bytes, char **type, char **why,
    void *arg)
{
	guint64 *asked = arg;

	RPC_UNUSED(owner);
	*asked = bytes;
	*type = g_strdup("acct.Disabled");
	*why = g_strdup("disabled");
	return FALSE;
}

/* allocate_buckets asks admission before it adds leases to the shares
 * held, also when it asks for nothing new: a refused call leaves no
 * lease.  add_lease (a renewal) is not subject to it. */
static void
test_refused_allocate_adds_no_lease(void **state)
{
	fixture *f = *state;
	rpc_ref *acct = facet_ref(f, 8);
	const guint nums[] = { 3, 5 }, held = 3;
	guint64 asked = G_MAXUINT64, shares, bytes;
	grid_leasedb *db;
	buckets b;
	gint64 latest;

	upload_one(f, 3, "abc");
	grid_ss_set_admit(f->ss, refuse_all, &asked);
	allocate_via(f, acct, SI, RENEW, nums, 2, 3, &b);
	assert_non_null(b.err);
	assert_string_equal(rpc_remote_error_type(b.err), "acct.Disabled");
	assert_int_equal(asked, 3);
	buckets_clear(&b);
	allocate_via(f, acct, SI, RENEW, &held, 1, 3, &b);
	assert_non_null(b.err);
	assert_string_equal(rpc_remote_error_type(b.err), "acct.Disabled");
	assert_int_equal(asked, 0);
	buckets_clear(&b);
	db = open_db(f);
	assert_int_equal(grid_leasedb_n_leases(db, SI, 3, &latest), 1);
	grid_leasedb_free(db);
	grid_ss_owner_usage(f->ss, 8, &shares, &bytes);
	assert_int_equal(shares, 0);
	/* A renewal through add_lease is not an allocation. */
	assert_null(lease_via(f, acct, SI, RENEW));
	grid_ss_owner_usage(f->ss, 8, &shares, &bytes);
	assert_int_equal(shares, 1);
	grid_ss_set_admit(f->ss, NULL, NULL);
	rpc_ref_unref(acct);
}

static void
test_expiry_collects_unleased_shares(void **state)
{
	fixture *f = *state;
	const uint8_t si2[GRID_SI_LEN] = { 0x77 };
	g_autofree char *p1 = grid_share_path(f->sdir, SI, 0);
	g_autofree char *p2 = grid_share_path(f->sdir, si2, 0);
	grid_ss_expiry e = { TRUE, GRID_EXPIRE_AGE, 0, 0, TRUE };
	gint64 now = time(NULL);
	guint64 size;
	grid_leasedb *db;

	upload_one(f, 0, "keep me");
	write_tahoe_v1_share(p2, "old", (guint32)(now - 10));
	stop_server(f);
	start_server(f, 0);
	/* Off: nothing is collected, whatever the leases say. */
	assert_int_equal(grid_ss_collect(f->ss, now), 0);
	grid_ss_set_expiry(f->ss, &e);
	assert_int_equal(grid_ss_collect(f->ss, now), 1);
	assert_false(g_file_test(p2, G_FILE_TEST_EXISTS));
	assert_true(g_file_test(p1, G_FILE_TEST_EXISTS));
	/* 32 days on, the fresh lease has run out too. */
	assert_int_equal(grid_ss_collect(f->ss, now + 32 * 86400), 1);
	assert_false(g_file_test(p1, G_FILE_TEST_EXISTS));
	db = open_db(f);
	assert_false(grid_leasedb_has_share(db, SI, 0, &size));
	grid_leasedb_free(db);
}

static void
test_cutoff_date_mode(void **state)
{
	fixture *f = *state;
	g_autofree char *p1 = grid_share_path(f->sdir, SI, 0);
	gint64 now = time(NULL);
	/* A lease renewed now expires under any cutoff after now. */
	grid_ss_expiry e = { TRUE, GRID_EXPIRE_CUTOFF, 0, now - 3600, TRUE };

	upload_one(f, 0, "x");
	grid_ss_set_expiry(f->ss, &e);
	assert_int_equal(grid_ss_collect(f->ss, now), 0);
	e.cutoff = now + 3600;
	grid_ss_set_expiry(f->ss, &e);
	assert_int_equal(grid_ss_collect(f->ss, now), 1);
	assert_false(g_file_test(p1, G_FILE_TEST_EXISTS));
}

static void
test_hostile_arguments(void **state)
{
	fixture *f = *state;
	struct {
		const char	*method;
		rpc_pack	*args;
	} cases[8];
	rpc_pack *p;
	guint i, n = 0;
	buckets b;
	const guint one = 0;

	/* A storage index of 15 bytes. */
	p = rpc_pack_new();
	rpc_pack_array(p, 1);
	rpc_pack_bin(p, SI, 15);
	cases[n].method = "get_buckets";
	cases[n++].args = p;
	/* Share number 256. */
	p = rpc_pack_new();
	rpc_pack_array(p, 5);
	rpc_pack_bin(p, SI, 16);
	rpc_pack_bin(p, RENEW, 32);
	rpc_pack_bin(p, CANCEL, 32);
	rpc_pack_array(p, 1);
	rpc_pack_uint(p, 256);
	rpc_pack_uint(p, 10);
	cases[n].method = "allocate_buckets";
	cases[n++].args = p;
	/* A secret of 31 bytes. */
	p = rpc_pack_new();
	rpc_pack_array(p, 3);
	rpc_pack_bin(p, SI, 16);
	rpc_pack_bin(p, RENEW, 31);
	rpc_pack_bin(p, CANCEL, 32);
	cases[n].method = "add_lease";
	cases[n++].args = p;
	/* A negative size. */
	p = rpc_pack_new();
	rpc_pack_array(p, 5);
	rpc_pack_bin(p, SI, 16);
	rpc_pack_bin(p, RENEW, 32);
	rpc_pack_bin(p, CANCEL, 32);
	rpc_pack_array(p, 0);
	rpc_pack_int(p, -1);
	cases[n].method = "allocate_buckets";
	cases[n++].args = p;
	/* An unknown share type. */
	p = rpc_pack_new();
	rpc_pack_array(p, 4);
	rpc_pack_str(p, "mutablex");
	rpc_pack_bin(p, SI, 16);
	rpc_pack_uint(p, 0);
	rpc_pack_str(p, "bad");
	cases[n].method = "advise_corrupt_share";
	cases[n++].args = p;
	for (i = 0; i < n; i++) {
		g_autofree char *e = call_err(f, f->ref, cases[i].method,
		    cases[i].args);

		assert_non_null(e);
		assert_string_equal(e, "violation");
	}
	/* A read longer than GRID_SS_MAX_IO. */
	upload_one(f, 0, "abc");
	get_buckets(f, SI, &b);
	p = rpc_pack_new();
	rpc_pack_array(p, 2);
	rpc_pack_uint(p, 0);
	rpc_pack_uint(p, GRID_SS_MAX_IO + 1);
	{
		g_autofree char *e = call_err(f, b.refs[0], "read", p);

		assert_string_equal(e, "violation");
	}
	buckets_clear(&b);
	/* A second writer for a share being written is not handed out. */
	allocate(f, SI, RENEW, &one, 1, 3, &b);
	assert_int_equal(b.n_have, 1);
	assert_int_equal(b.n, 0);
	buckets_clear(&b);
}

static void
test_corruption_advisory(void **state)
{
	fixture *f = *state;
	g_autofree char *dir = g_build_filename(f->sdir,
	    "corruption-advisories", NULL);
	g_autoptr(GDir) d = NULL;
	const char *name;
	g_autofree char *text = NULL, *path = NULL;
	buckets b;
	rpc_pack *p;
	int n = 0;

	upload_one(f, 0, "abc");
	get_buckets(f, SI, &b);
	p = rpc_pack_new();
	rpc_pack_array(p, 1);
	rpc_pack_str(p, "block hash\x1b[31m mismatch");
	assert_null(call_err(f, b.refs[0], "advise_corrupt_share", p));
	buckets_clear(&b);
	d = g_dir_open(dir, 0, NULL);
	assert_non_null(d);
	while ((name = g_dir_read_name(d)) != NULL) {
		n++;
		path = g_build_filename(dir, name, NULL);
	}
	assert_int_equal(n, 1);
	assert_true(g_file_get_contents(path, &text, NULL, NULL));
	assert_non_null(strstr(text, "share_number: 0"));
	assert_non_null(strstr(text, "block hash?[31m mismatch"));
}

static void
test_duration_and_date_syntax(void **state)
{
	static const struct {
		const char	*in;
		gint64		 out;	/* -1: refused */
	} d[] = {
		{ "60 days", 60 * 86400 }, { "1day", 86400 },
		{ "2 MONTHS", 62 * 86400 }, { "1 mo", 31 * 86400 },
		{ " 3 years ", 3 * 365 * 86400 }, { "90s", 90 },
		{ "5 seconds", 5 }, { "", -1 }, { "days", -1 },
		{ "5", -1 }, { "5 weeks", -1 }, { "-5 days", -1 },
		{ "5 days x", -1 }, { "1.5 days", -1 },
		{ "99999999999999999999 s", -1 }, { "20000 years", -1 },
	};
	static const struct {
		const char	*in;
		gint64		 out;
	} t[] = {
		{ "2026-01-01", 1767225600 }, { "1970-01-01", 0 },
		{ "2026-1-01", -1 }, { "2026-13-01", -1 },
		{ "2026-02-30", -1 }, { "2026-01-01T00", -1 }, { "", -1 },
		{ "+026-01-01", -1 }, { "2026-01- 1", -1 },
	};
	guint i;

	RPC_UNUSED(state);
	for (i = 0; i < G_N_ELEMENTS(d); i++) {
		g_autoptr(GError) err = NULL;
		gint64 v;
		gboolean ok = grid_parse_duration(d[i].in, &v, &err);

		if (d[i].out < 0) {
			if (ok)
				fail_msg("'%s' accepted", d[i].in);
			assert_non_null(err);
		} else {
			if (!ok)
				fail_msg("'%s': %s", d[i].in, err->message);
			assert_int_equal(v, d[i].out);
		}
	}
	for (i = 0; i < G_N_ELEMENTS(t); i++) {
		g_autoptr(GError) err = NULL;
		gint64 v;
		gboolean ok = grid_parse_date(t[i].in, &v, &err);

		if (t[i].out < 0) {
			if (ok)
				fail_msg("'%s' accepted", t[i].in);
		} else {
			if (!ok)
				fail_msg("'%s': %s", t[i].in, err->message);
			assert_int_equal(v, t[i].out);
		}
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_write_close_read, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_already_have_and_leases,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_lease_count_bounded,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_disconnect_aborts_writer,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_write_past_allocation_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_space, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_doomed_finished_at_start,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_large_termination_in_batches, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_termination_aborts_writers, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_undeletable_doomed_shares_skipped, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_termination_advances_under_load, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_terminated_facet_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_refused_allocate_adds_no_lease, setup, teardown),
		cmocka_unit_test_setup_teardown(test_start_repairs_database,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_expiry_collects_unleased_shares, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cutoff_date_mode, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_hostile_arguments, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_corruption_advisory,
		    setup, teardown),
		cmocka_unit_test(test_duration_and_date_syntax),
	};

	if (sodium_init() < 0)
		return 1;
	g_log_set_writer_func(count_writer, NULL, NULL);
	return cmocka_run_group_tests(tests, NULL, NULL);
}

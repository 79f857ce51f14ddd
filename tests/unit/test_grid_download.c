/* tests/unit/test_grid_download.c -- downloads (grid/download.c) from real
 * storage servers on one loop, of files put there by grid/upload.c: whole
 * files and ranges, servers stopped down to k, corrupt shares detected,
 * reported and routed around, too few shares, LIT caps, pausing. */
#include "config.h"

#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include <glib/gstdio.h>
#include <sodium.h>

#include "grid/gm.h"
#include "grid/shares.h"
#include "grid/storage.h"
#include "grid/download.h"
#include "grid/upload.h"
#include "grid/uri.h"
#include "node/dir.h"
#include "rpc/common.h"
#include "rpc/err.h"
#include "tests/unit/grid_fixture.h"
#include "tests/unit/grid_testutil.h"
#include "tests/unit/tubtest.h"

/* Every share of 'si' on the servers, by share number: the hex SHA-256 of
 * its data (the container's header taken off).  Return how many. */
static guint
stored_shares(gf_fixture *f, const uint8_t *si, char **hex, guint *where)
{
	guint i, s, count = 0;

	for (i = 0; i < f->n; i++)
		for (s = 0; s < 256; s++) {
			g_autofree char *path = grid_share_path(f->srv[i].dir,
			    si, s);
			g_autofree char *data = NULL;
			gsize len;

			if (!g_file_get_contents(path, &data, &len, NULL))
				continue;
			assert_true(len >= 12);
			g_free(hex[s]);
			hex[s] = tu_sha256_hex(data + 12, len - 12);
			where[s] = i;
			count++;
		}
	return count;
}

/* Upload the vectors' content of 'size' bytes with k/happy/n; the cap is
 * left in f->cap. */
static void
put(gf_fixture *f, unsigned k, unsigned happy, unsigned n, size_t size)
{
	int fd = gf_vector_file(f, size);

	gf_start(f, k, happy, n, fd, size);
	gf_wait_done(f);
	close(fd);
	if (f->err != NULL)
		fail_msg("upload: %s", f->err->message);
}

typedef struct got {
	bool		 done;
	GError		*err;
	GByteArray	*data;
	grid_download	*dl;
	guint64		 pause_after;	/* pause once this much arrived */
	bool		 paused;
} got;

static void
got_data(const uint8_t *p, size_t len, void *arg)
{
	got *g = arg;

	assert_false(g->done);
	g_byte_array_append(g->data, p, (guint)len);
	if (g->pause_after > 0 && g->data->len >= g->pause_after &&
	    !g->paused) {
		grid_download_pause(g->dl);
		g->paused = true;
	}
}

static void
got_done(const GError *err, void *arg)
{
	got *g = arg;

	assert_false(g->done);
	g->done = true;
	g->err = err != NULL ? g_error_copy(err) : NULL;
}

static void
get(gf_fixture *f, guint64 offset, guint64 length, got *g)
{
	rpc_ref *refs[GF_MAX_SRV];
	g_autoptr(GError) err = NULL;
	grid_uri cap;
	guint i, m = 0;

	memset(g, 0, sizeof(*g));
	g->data = g_byte_array_new();
	assert_true(grid_uri_parse(f->cap, strlen(f->cap), &cap, &err));
	for (i = 0; i < f->n; i++)
		if (f->srv[i].ref != NULL)
			refs[m++] = f->srv[i].ref;
	g->dl = grid_download_start(f->loop, &cap, refs, m, offset, length,
	    got_data, got_done, g);
	grid_uri_clear(&cap);
}

static void
get_wait(gf_fixture *f, got *g)
{
	assert_true(tt_run_until(f->loop, &g->done, 30.0));
}

static void
got_clear(got *g)
{
	g_byte_array_unref(g->data);
	g_clear_error(&g->err);
}

static void
assert_content(const got *g, guint64 offset, size_t len)
{
	g_autofree uint8_t *want = tu_vector_content(offset + len);

	if (g->err != NULL)
		fail_msg("download: %s", g->err->message);
	assert_int_equal(g->data->len, len);
	assert_memory_equal(g->data->data, want + offset, len);
}

static void
test_round_trips(void **state)
{
	gf_fixture *f = *state;
	static const size_t sizes[] = { 0, 1, 55, 56, 131071, 131072, 131073,
	    1048577, 3 * 1048576 + 7 };
	guint i;

	gf_add_servers(f, 10, 0);
	for (i = 0; i < G_N_ELEMENTS(sizes); i++) {
		got g;

		put(f, 3, 7, 10, sizes[i]);
		get(f, 0, G_MAXUINT64, &g);
		get_wait(f, &g);
		assert_content(&g, 0, sizes[i]);
		got_clear(&g);
	}
}

static void
test_ranges(void **state)
{
	gf_fixture *f = *state;
	const size_t size = 3 * 1048576 + 7;
	static const guint64 r[][2] = {
		{ 0, 1 }, { 1048575, 2 }, { 1048576, 1048576 },
		{ 3 * 1048576, 100 }, { size - 1, 1 }, { 12345, 2000000 },
		{ size, 10 }, { size + 5, 10 },
	};
	guint i;

	gf_add_servers(f, 10, 0);
	put(f, 3, 7, 10, size);
	for (i = 0; i < G_N_ELEMENTS(r); i++) {
		guint64 off = r[i][0], len = r[i][1];
		guint64 want = off >= size ? 0 : MIN(len, size - off);
		got g;

		get(f, off, len, &g);
		get_wait(f, &g);
		assert_content(&g, MIN(off, size), (size_t)want);
		got_clear(&g);
	}
}

/* With 2-of-3 and the file on three servers, any one may be gone. */
static void
test_down_to_k_servers(void **state)
{
	gf_fixture *f = *state;
	got g;
	guint i;

	gf_add_servers(f, 10, 0);
	put(f, 3, 7, 10, 1048577);
	/* Stop servers until only the ones holding 3 distinct shares
	 * remain: 10 servers hold one share each, so keep any 3. */
	for (i = 3; i < 10; i++)
		gf_drop_server(f, i);
	get(f, 0, G_MAXUINT64, &g);
	get_wait(f, &g);
	assert_content(&g, 0, 1048577);
	got_clear(&g);
	gf_drop_server(f, 2);
	get(f, 0, G_MAXUINT64, &g);
	get_wait(f, &g);
	assert_non_null(g.err);
	assert_true(g_error_matches(g.err, GRID_ERROR, GRID_E_NOTFOUND));
	assert_non_null(strstr(g.err->message, "3 needed"));
	got_clear(&g);
}

/* Flip one byte of share 'shnum' (the copy on any server). */
static void
corrupt_share(gf_fixture *f, guint shnum, guint64 at)
{
	char *hex[256] = { NULL };
	guint where[256], s;
	grid_uri cap;
	g_autoptr(GError) err = NULL;
	g_autofree char *path = NULL, *data = NULL;
	gsize len;

	assert_true(grid_uri_parse(f->cap, strlen(f->cap), &cap, &err));
	assert_true(stored_shares(f, cap.si, hex, where) > shnum);
	for (s = 0; s < 256; s++)
		g_free(hex[s]);
	path = grid_share_path(f->srv[where[shnum]].dir, cap.si, shnum);
	grid_uri_clear(&cap);
	assert_true(g_file_get_contents(path, &data, &len, NULL));
	assert_true(at < len);
	data[at] ^= 0x40;
	assert_true(g_file_set_contents(path, data, (gssize)len, NULL));
}

static guint
advisories(gf_fixture *f, guint si_)
{
	g_autofree char *dir = g_build_filename(f->srv[si_].dir,
	    "corruption-advisories", NULL);
	GDir *d = g_dir_open(dir, 0, NULL);
	guint n = 0;

	if (d == NULL)
		return 0;
	while (g_dir_read_name(d) != NULL)
		n++;
	g_dir_close(d);
	return n;
}

/* A corrupt byte in a data block, in a hash tree, in the UEB: each is
 * caught, reported to the server that holds it, and the right bytes
 * still come back from the other shares. */
static void
test_corrupt_shares_detected(void **state)
{
	gf_fixture *f = *state;
	/* Offsets in the share file (12-byte container header first): a
	 * block (0x24 of layout header, then data), the end (the UEB). */
	static const guint64 where[] = { 12 + 0x24 + 100, 12 + 0x24 + 200000 };
	guint i, t, total = 0;
	got g;

	gf_add_servers(f, 10, 0);
	put(f, 3, 7, 10, 1048577);
	/* Shares 0 and 1: the first the download picks. */
	for (i = 0; i < G_N_ELEMENTS(where); i++)
		corrupt_share(f, i, where[i]);
	get(f, 0, G_MAXUINT64, &g);
	get_wait(f, &g);
	assert_content(&g, 0, 1048577);
	/* The one-way advice arrives in its own time (bounded here). */
	for (t = 0; t < 250 && total < 2; t++) {
		tt_run_for(f->loop, 0.02);
		for (i = 0, total = 0; i < 10; i++)
			total += advisories(f, i);
	}
	got_clear(&g);
	/* Both were caught and reported to the servers holding them. */
	assert_int_equal(total, 2);
}

static void
test_everything_corrupt_fails(void **state)
{
	gf_fixture *f = *state;
	guint i;
	got g;

	gf_add_servers(f, 3, 0);
	put(f, 2, 3, 3, 131073);
	for (i = 0; i < 3; i++)
		corrupt_share(f, i, 12 + 0x24 + 10);
	get(f, 0, G_MAXUINT64, &g);
	get_wait(f, &g);
	assert_non_null(g.err);
	assert_true(g_error_matches(g.err, GRID_ERROR, GRID_E_CORRUPT));
	/* Nothing unchecked was handed over. */
	assert_int_equal(g.data->len, 0);
	got_clear(&g);
}

static void
test_pause_and_resume(void **state)
{
	gf_fixture *f = *state;
	const size_t size = 4 * 1048576;
	got g;

	gf_add_servers(f, 10, 0);
	put(f, 3, 7, 10, size);
	get(f, 0, G_MAXUINT64, &g);
	g.pause_after = 1;
	tt_run_for(f->loop, 1.0);
	assert_true(g.paused);
	assert_false(g.done);
	assert_true(g.data->len < size);
	grid_download_resume(g.dl);
	get_wait(f, &g);
	assert_content(&g, 0, size);
	got_clear(&g);
}

/* A reader that pauses at the first segment while the next two are
 * fetched whole: on resume both go, the last with no answer left to
 * come and trigger it. */
static void
test_resume_delivers_every_complete_segment(void **state)
{
	gf_fixture *f = *state;
	/* 3 segments of 1048578 bytes (1 MiB rounded up to a multiple of
	 * k = 3), the last of 5. */
	const size_t size = 2 * 1048578 + 5;
	got g;

	gf_add_servers(f, 10, 0);
	put(f, 3, 7, 10, size);
	get(f, 0, G_MAXUINT64, &g);
	g.pause_after = 1;
	tt_run_for(f->loop, 1.0);
	assert_true(g.paused);
	assert_int_equal(g.data->len, 1048578);	/* the first segment */
	grid_download_resume(g.dl);
	assert_true(tt_run_until(f->loop, &g.done, 5.0));
	assert_content(&g, 0, size);
	got_clear(&g);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_round_trips, gf_setup,
		    gf_teardown),
		cmocka_unit_test_setup_teardown(
		    test_resume_delivers_every_complete_segment, gf_setup,
		    gf_teardown),
		cmocka_unit_test_setup_teardown(test_ranges, gf_setup, gf_teardown),
		cmocka_unit_test_setup_teardown(test_down_to_k_servers, gf_setup,
		    gf_teardown),
		cmocka_unit_test_setup_teardown(test_corrupt_shares_detected,
		    gf_setup, gf_teardown),
		cmocka_unit_test_setup_teardown(test_everything_corrupt_fails,
		    gf_setup, gf_teardown),
		cmocka_unit_test_setup_teardown(test_pause_and_resume, gf_setup,
		    gf_teardown),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}

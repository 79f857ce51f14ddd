/* tests/unit/test_grid_upload.c -- uploads (grid/upload.c) to real storage
 * servers (grid/storage.c) on one loop: the cap and every stored share
 * equal what Tahoe-LAFS's own encoder made (tests/interop/chk-vectors.txt),
 * LIT files, too few servers, re-uploads, a server lost in the middle,
 * full servers. */
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
#include "grid/upload.h"
#include "grid/uri.h"
#include "node/dir.h"
#include "rpc/common.h"
#include "rpc/err.h"
#include "tests/unit/grid_fixture.h"
#include "tests/unit/grid_testutil.h"
#include "tests/unit/tubtest.h"

/* The line of chk-vectors.txt for these parameters: cap and the hex
 * SHA-256 of each share. */
static gchar **
vector_line(unsigned k, unsigned happy, unsigned n, size_t size)
{
	g_autofree char *path = g_build_filename(g_getenv("TOP_SRCDIR") ?
	    g_getenv("TOP_SRCDIR") : ".", "tests", "interop",
	    "chk-vectors.txt", NULL);
	g_autofree char *text = NULL;
	g_autofree char *want = g_strdup_printf("%u %u %u 1048576 %zu ", k,
	    happy, n, size);
	g_auto(GStrv) lines = NULL;
	guint i;

	assert_true(g_file_get_contents(path, &text, NULL, NULL));
	lines = g_strsplit(text, "\n", -1);
	for (i = 0; lines[i] != NULL; i++)
		if (g_str_has_prefix(lines[i], want))
			return g_strsplit(lines[i] + strlen(want), " ", -1);
	fail_msg("no vector for %s", want);
	return NULL;
}

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

static void
check_against_vector(gf_fixture *f, unsigned k, unsigned happy, unsigned n,
    size_t size)
{
	g_auto(GStrv) v = vector_line(k, happy, n, size);
	char *hex[256] = { NULL };
	guint where[256], s, count;
	grid_uri cap;
	g_autoptr(GError) err = NULL;

	assert_string_equal(f->cap, v[0]);
	assert_true(grid_uri_parse(f->cap, strlen(f->cap), &cap, &err));
	count = stored_shares(f, cap.si, hex, where);
	assert_int_equal(count, n);
	for (s = 0; s < n; s++) {
		char *colon = strchr(v[1 + s], ':');

		assert_non_null(hex[s]);
		*colon = '\0';
		assert_string_equal(hex[s], v[1 + s]);
		g_free(hex[s]);
	}
	grid_uri_clear(&cap);
}

static void
test_upload_matches_tahoe(void **state)
{
	gf_fixture *f = *state;
	static const size_t sizes[] = { 56, 131073, 1048577 };
	guint i;

	gf_add_servers(f, 10, 0);
	for (i = 0; i < G_N_ELEMENTS(sizes); i++) {
		int fd = gf_vector_file(f, sizes[i]);

		gf_start(f, 3, 7, 10, fd, sizes[i]);
		gf_wait_done(f);
		close(fd);
		if (f->err != NULL)
			fail_msg("upload: %s", f->err->message);
		check_against_vector(f, 3, 7, 10, sizes[i]);
	}
}

static void
test_upload_2_of_3(void **state)
{
	gf_fixture *f = *state;
	int fd;

	gf_add_servers(f, 3, 0);
	fd = gf_vector_file(f, 131073);
	gf_start(f, 2, 3, 3, fd, 131073);
	gf_wait_done(f);
	close(fd);
	assert_null(f->err);
	check_against_vector(f, 2, 3, 3, 131073);
}

static void
test_lit_touches_no_server(void **state)
{
	gf_fixture *f = *state;
	g_auto(GStrv) v = NULL;
	int fd;

	gf_add_servers(f, 1, 0);
	fd = gf_vector_file(f, 55);
	gf_start(f, 3, 7, 10, fd, 55);
	gf_wait_done(f);
	close(fd);
	assert_null(f->err);
	v = vector_line(3, 7, 10, 55);
	assert_string_equal(f->cap, v[0]);
}

static void
test_too_few_servers_is_unhappy(void **state)
{
	gf_fixture *f = *state;
	int fd;
	guint i;

	gf_add_servers(f, 5, 0);
	fd = gf_vector_file(f, 10000);
	gf_start(f, 3, 7, 10, fd, 10000);
	gf_wait_done(f);
	close(fd);
	assert_non_null(f->err);
	assert_true(g_error_matches(f->err, GRID_ERROR, GRID_E_UNHAPPY));
	assert_non_null(strstr(f->err->message, "only 5 server(s)"));
	assert_non_null(strstr(f->err->message, "at least 7"));
	/* Nothing is left half-written on the servers. */
	tt_run_for(f->loop, 0.2);
	for (i = 0; i < 5; i++) {
		grid_ss_stats st;

		grid_ss_get_stats(f->srv[i].ss, &st);
		assert_int_equal(st.writers, 0);
		assert_int_equal(st.shares, 0);
	}
}

/* The same file again: the servers report the shares they hold, nothing
 * is written twice, the cap is the same. */
static void
test_reupload_writes_nothing(void **state)
{
	gf_fixture *f = *state;
	g_autofree char *first = NULL;
	guint64 before[10], i;
	int fd;

	gf_add_servers(f, 10, 0);
	fd = gf_vector_file(f, 131073);
	gf_start(f, 3, 7, 10, fd, 131073);
	gf_wait_done(f);
	assert_null(f->err);
	first = g_strdup(f->cap);
	for (i = 0; i < 10; i++) {
		grid_ss_stats st;

		grid_ss_get_stats(f->srv[i].ss, &st);
		before[i] = st.shares;
	}
	gf_start(f, 3, 7, 10, fd, 131073);
	gf_wait_done(f);
	close(fd);
	assert_null(f->err);
	assert_string_equal(f->cap, first);
	for (i = 0; i < 10; i++) {
		grid_ss_stats st;

		grid_ss_get_stats(f->srv[i].ss, &st);
		assert_int_equal(st.shares, before[i]);
	}
}

/* A server that goes away in the middle costs its shares; with 10
 * servers and happy = 7 the upload still succeeds, and the others' shares
 * are Tahoe's bytes. */
static void
test_server_lost_mid_upload(void **state)
{
	gf_fixture *f = *state;
	const size_t size = 8 * 1024 * 1024 + 5;
	grid_upload *u;
	int fd, i;

	gf_add_servers(f, 10, 0);
	fd = gf_vector_file(f, size);
	u = gf_start(f, 3, 7, 10, fd, size);
	for (i = 0; i < 3000 && grid_upload_progress(u) < 2 * 1048576 &&
	    !f->done; i++)
		ev_run(f->loop, EVRUN_ONCE);
	assert_false(f->done);
	gf_drop_server(f, 4);
	gf_wait_done(f);
	close(fd);
	if (f->err != NULL)
		fail_msg("upload: %s", f->err->message);
	assert_non_null(f->cap);
}

/* Servers without room are passed over. */
static void
test_full_servers_passed_over(void **state)
{
	gf_fixture *f = *state;
	int fd;

	gf_add_servers(f, 3, G_MAXUINT64 / 2);	/* full */
	gf_add_servers(f, 10, 0);
	fd = gf_vector_file(f, 131073);
	gf_start(f, 3, 7, 10, fd, 131073);
	gf_wait_done(f);
	close(fd);
	if (f->err != NULL)
		fail_msg("upload: %s", f->err->message);
	check_against_vector(f, 3, 7, 10, 131073);
}

/* An admission function that refuses account 7: over its quota. */
static gboolean
refuse_quota(guint32 owner, guint64 bytes, char **type, char **why,
    void *arg)
{
	guint *asked = arg;

	(*asked)++;
	if (owner != 7)
		return TRUE;
	*type = g_strdup("grid.QuotaExceeded");
	*why = g_strdup_printf("account 7: quota 1000 bytes, 0 used, %"
	    G_GUINT64_FORMAT " more asked", bytes);
	return FALSE;
}

/* Servers that refuse the account fail the upload with their reason, not
 * with the counts of servers of happiness; a few refusing among enough
 * others do not. */
static void
test_refused_account_says_why(void **state)
{
	gf_fixture *f = *state;
	guint asked = 0, i;
	int fd;

	gf_add_servers(f, 10, 0);
	for (i = 0; i < 10; i++) {
		gf_use_account(f, i, 7);
		if (i < 2)
			grid_ss_set_admit(f->srv[i].ss, refuse_quota, &asked);
	}
	fd = gf_vector_file(f, 131073);
	gf_start(f, 3, 7, 10, fd, 131073);
	gf_wait_done(f);
	if (f->err != NULL)
		fail_msg("upload: %s", f->err->message);
	assert_true(asked > 0);
	for (i = 2; i < 10; i++)
		grid_ss_set_admit(f->srv[i].ss, refuse_quota, &asked);
	f->done = false;
	g_clear_pointer(&f->cap, g_free);
	close(fd);
	fd = gf_vector_file(f, 200000);
	gf_start(f, 3, 7, 10, fd, 200000);
	gf_wait_done(f);
	close(fd);
	assert_non_null(f->err);
	assert_true(g_error_matches(f->err, GRID_ERROR, GRID_E_REFUSED));
	assert_true(g_str_has_prefix(f->err->message, "quota exceeded: "));
	assert_non_null(strstr(f->err->message, "account 7: quota 1000 "
	    "bytes"));
	assert_non_null(strstr(f->err->message, "10 of 10 server(s)"));
}

/* One server refusing the account among others that are full: the
 * upload is unhappy because of the full ones (500, not the account's
 * 403), and the refusal is still named as the last failure. */
static void
test_refusal_among_full_is_unhappy(void **state)
{
	gf_fixture *f = *state;
	guint asked = 0, i;
	int fd;

	gf_add_servers(f, 3, 0);
	gf_add_servers(f, 4, G_MAXUINT64 / 2);	/* full */
	for (i = 0; i < 7; i++)
		gf_use_account(f, i, 7);
	grid_ss_set_admit(f->srv[0].ss, refuse_quota, &asked);
	fd = gf_vector_file(f, 131073);
	gf_start(f, 3, 5, 10, fd, 131073);
	gf_wait_done(f);
	close(fd);
	assert_non_null(f->err);
	assert_true(asked > 0);
	if (!g_error_matches(f->err, GRID_ERROR, GRID_E_UNHAPPY))
		fail_msg("not unhappy: %s", f->err->message);
}

static void
test_cancel_reports_once(void **state)
{
	gf_fixture *f = *state;
	grid_upload *u;
	int fd;

	gf_add_servers(f, 10, 0);
	fd = gf_vector_file(f, 4 * 1048576);
	u = gf_start(f, 3, 7, 10, fd, 4 * 1048576);
	tt_run_for(f->loop, 0.05);
	if (!f->done)
		grid_upload_cancel(u);
	assert_true(f->done);
	tt_run_for(f->loop, 0.2);
	close(fd);
}

/* Cancelled while the worker encodes: reported once, the worker joined
 * (the sanitizer build sees any use of the upload after it is freed). */
static void
test_cancel_mid_encode(void **state)
{
	gf_fixture *f = *state;
	const size_t size = 8 * 1024 * 1024 + 5;
	grid_upload *u;
	int fd, i;

	gf_add_servers(f, 10, 0);
	fd = gf_vector_file(f, size);
	u = gf_start(f, 3, 7, 10, fd, size);
	for (i = 0; i < 3000 && grid_upload_progress(u) < 1048576 &&
	    !f->done; i++)
		ev_run(f->loop, EVRUN_ONCE);
	assert_false(f->done);
	grid_upload_cancel(u);
	assert_true(f->done);
	assert_non_null(f->err);
	close(fd);
	tt_run_for(f->loop, 0.2);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_upload_matches_tahoe,
		    gf_setup, gf_teardown),
		cmocka_unit_test_setup_teardown(test_upload_2_of_3, gf_setup,
		    gf_teardown),
		cmocka_unit_test_setup_teardown(test_lit_touches_no_server,
		    gf_setup, gf_teardown),
		cmocka_unit_test_setup_teardown(test_too_few_servers_is_unhappy,
		    gf_setup, gf_teardown),
		cmocka_unit_test_setup_teardown(test_reupload_writes_nothing,
		    gf_setup, gf_teardown),
		cmocka_unit_test_setup_teardown(test_server_lost_mid_upload,
		    gf_setup, gf_teardown),
		cmocka_unit_test_setup_teardown(test_full_servers_passed_over,
		    gf_setup, gf_teardown),
		cmocka_unit_test_setup_teardown(test_refused_account_says_why,
		    gf_setup, gf_teardown),
		cmocka_unit_test_setup_teardown(
		    test_refusal_among_full_is_unhappy, gf_setup, gf_teardown),
		cmocka_unit_test_setup_teardown(test_cancel_reports_once,
		    gf_setup, gf_teardown),
		cmocka_unit_test_setup_teardown(test_cancel_mid_encode,
		    gf_setup, gf_teardown),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}

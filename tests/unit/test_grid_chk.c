/* tests/unit/test_grid_chk.c -- CHK files.  The acceptance test: for every
 * line of tests/interop/chk-vectors.txt (made by Tahoe-LAFS's own
 * encoder) the cap and the SHA-256 of every share equal Tahoe-LAFS's.
 * Then the decoder: round trips from any k shares, corrupt, missing or
 * foreign shares detected before a byte of plaintext is released, and
 * shares and a share file written by Tahoe-LAFS itself
 * (tests/interop/tahoe-shares.txt) read back. */
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


/* ---- decoding ---- */

struct enc {
	grid_chk_params	 p;
	size_t		 size;
	uint8_t		*data;
	struct sink	 s;
	grid_uri	 cap;
};

static void
enc_make(struct enc *e, unsigned k, unsigned happy, unsigned n,
    uint64_t maxseg, size_t size)
{
	grid_chk_params p = { k, happy, n, maxseg };

	e->p = p;
	e->size = size;
	e->data = pattern(size);
	sink_init(&e->s, n);
	assert_true(grid_chk_encode_buffer(&e->p, SECRET, strlen(SECRET),
	    e->data, size, sink_write, &e->s, &e->cap, NULL));
	assert_int_equal(e->cap.kind, GRID_URI_CHK);
}

static void
enc_clear(struct enc *e)
{
	sink_clear(&e->s);
	grid_uri_clear(&e->cap);
	g_free(e->data);
}

static void
collect(const uint8_t *p, size_t len, void *arg)
{
	g_byte_array_append(arg, p, (guint)len);
}

/* Decode from the shares numbered in 'nums' (from e, or 'patched' where
 * not NULL) and return whether it worked; the plaintext must then equal
 * the file. */
static gboolean
decode_from(const struct enc *e, const unsigned *nums, size_t count,
    GByteArray **patched, GArray *bad, GError **error)
{
	g_autofree grid_chk_share_in *in = g_new0(grid_chk_share_in, count);
	g_autoptr(GByteArray) got = g_byte_array_new();
	size_t i;

	for (i = 0; i < count; i++) {
		GByteArray *b = patched && patched[i] ? patched[i] :
		    e->s.share[nums[i]];

		in[i].shnum = nums[i];
		in[i].p = b->data;
		in[i].len = b->len;
	}
	if (!grid_chk_decode(&e->cap, in, count, collect, got, bad, error))
		return FALSE;
	assert_int_equal(got->len, e->size);
	assert_memory_equal(got->data, e->data, e->size);
	return TRUE;
}

static void
test_decode_round_trips_from_any_k_shares(void **state)
{
	static const struct {
		unsigned k, happy, n;
		uint64_t maxseg;
		size_t size;
	} v[] = {
		{ 3, 7, 10, 1048576, 56 }, { 3, 7, 10, 1048576, 131073 },
		{ 3, 7, 10, 131072, 1048577 }, { 2, 3, 3, 4096, 10000 },
		{ 1, 1, 1, 4096, 4097 }, { 13, 20, 37, 3000, 40000 },
		{ 1, 2, 2, 1000, 999 },
	};
	GRand *rnd = g_rand_new_with_seed(7);
	size_t i;

	RPC_UNUSED(state);
	for (i = 0; i < G_N_ELEMENTS(v); i++) {
		struct enc e;
		unsigned all[GRID_FEC_MAX_SHARES], t, j;

		enc_make(&e, v[i].k, v[i].happy, v[i].n, v[i].maxseg,
		    v[i].size);
		for (j = 0; j < v[i].n; j++)
			all[j] = j;
		assert_true(decode_from(&e, all, v[i].n, NULL, NULL, NULL));
		assert_true(decode_from(&e, all + (v[i].n - v[i].k), v[i].k,
		    NULL, NULL, NULL));
		for (t = 0; t < 3; t++) {
			for (j = v[i].n - 1; j > 0; j--) {
				unsigned r = (unsigned)g_rand_int_range(rnd, 0,
				    (gint32)j + 1), x = all[j];

				all[j] = all[r];
				all[r] = x;
			}
			assert_true(decode_from(&e, all, v[i].k, NULL, NULL,
			    NULL));
		}
		enc_clear(&e);
	}
	g_rand_free(rnd);
}

/* Flip one byte at 'off' of share 'which' among shares 0..n-1 and decode
 * from all of them: the file still comes back, and that share is
 * reported bad. */
static void
corrupt_one(struct enc *e, unsigned which, size_t off, bool expect_bad)
{
	g_autofree GByteArray **patched = g_new0(GByteArray *, e->p.n);
	g_autoptr(GArray) bad = g_array_new(FALSE, FALSE, sizeof(unsigned));
	unsigned all[GRID_FEC_MAX_SHARES], j;
	g_autoptr(GError) err = NULL;

	for (j = 0; j < e->p.n; j++)
		all[j] = j;
	patched[which] = g_byte_array_new();
	g_byte_array_append(patched[which], e->s.share[which]->data,
	    e->s.share[which]->len);
	patched[which]->data[off] ^= 0x40;
	if (!decode_from(e, all, e->p.n, patched, bad, &err))
		fail_msg("share %u byte %zu: %s", which, off, err->message);
	if (expect_bad) {
		assert_int_equal(bad->len, 1);
		assert_int_equal(g_array_index(bad, unsigned, 0), which);
	}
	g_byte_array_unref(patched[which]);
}

static void
test_corrupt_share_is_detected_and_avoided(void **state)
{
	struct enc e;
	grid_layout l;

	RPC_UNUSED(state);
	enc_make(&e, 3, 7, 10, 4096, 20000);	/* 5 segments */
	assert_true(grid_layout_parse(e.s.share[0]->data,
	    e.s.share[0]->len, e.s.share[0]->len, &l, NULL));
	/* a data byte of share 0 (first and last segment), of a check
	 * share, a block hash, a share hash, the UEB, the header */
	corrupt_one(&e, 0, l.offset[GRID_LAYOUT_DATA] + 5, true);
	corrupt_one(&e, 1, l.offset[GRID_LAYOUT_PLAINTEXT_TREE] - 1, true);
	corrupt_one(&e, 7, l.offset[GRID_LAYOUT_DATA] + 1, false);
	/* block tree node 2 is a sibling on the path of leaves 0..3; node 1
	 * is on their path but recomputed, never read (as in Tahoe-LAFS,
	 * which fetches only siblings), so damage there is harmless */
	corrupt_one(&e, 2, l.offset[GRID_LAYOUT_BLOCK_HASHES] + 64 + 3, true);
	corrupt_one(&e, 2, l.offset[GRID_LAYOUT_BLOCK_HASHES] + 32 + 3, false);
	corrupt_one(&e, 2, l.offset[GRID_LAYOUT_SHARE_HASHES] + 3, true);
	corrupt_one(&e, 0, l.offset[GRID_LAYOUT_SHARE_HASHES] + 1, true);
	corrupt_one(&e, 1, l.offset[GRID_LAYOUT_UEB] + 10, true);
	corrupt_one(&e, 2, 0x10, true);
	/* the crypttext tree of one share: another share's tree is used */
	corrupt_one(&e, 0, l.offset[GRID_LAYOUT_CRYPTTEXT_TREE] + 70, false);
	enc_clear(&e);
}

static void
test_too_few_good_shares_fail_cleanly(void **state)
{
	struct enc e;
	unsigned nums[3] = { 4, 8, 9 };
	g_autofree GByteArray **patched = g_new0(GByteArray *, 3);
	g_autoptr(GError) e1 = NULL, e2 = NULL;
	grid_layout l;

	RPC_UNUSED(state);
	enc_make(&e, 3, 7, 10, 4096, 9000);
	assert_false(decode_from(&e, nums, 2, NULL, NULL, &e1));
	assert_true(g_error_matches(e1, GRID_ERROR, GRID_E_CORRUPT));
	assert_true(grid_layout_parse(e.s.share[8]->data, e.s.share[8]->len,
	    0, &l, NULL));
	patched[1] = g_byte_array_new();
	g_byte_array_append(patched[1], e.s.share[8]->data,
	    e.s.share[8]->len);
	patched[1]->data[l.offset[GRID_LAYOUT_DATA] + 2 * l.block_size] ^= 1;
	assert_false(decode_from(&e, nums, 3, patched, NULL, &e2));
	assert_true(g_error_matches(e2, GRID_ERROR, GRID_E_CORRUPT));
	g_byte_array_unref(patched[1]);
	enc_clear(&e);
}

static void
test_shares_of_another_file_are_refused(void **state)
{
	struct enc a, b;
	unsigned nums[3] = { 0, 1, 2 };
	g_autoptr(GError) err = NULL;
	g_autoptr(GArray) bad = g_array_new(FALSE, FALSE, sizeof(unsigned));
	g_autofree grid_chk_share_in *in = g_new0(grid_chk_share_in, 3);
	size_t i;

	RPC_UNUSED(state);
	enc_make(&a, 3, 7, 10, 4096, 9000);
	enc_make(&b, 3, 7, 10, 4096, 9001);
	for (i = 0; i < 3; i++) {
		in[i].shnum = nums[i];
		in[i].p = b.s.share[i]->data;
		in[i].len = b.s.share[i]->len;
	}
	assert_false(grid_chk_decode(&a.cap, in, 3, collect, NULL, bad,
	    &err));
	assert_true(g_error_matches(err, GRID_ERROR, GRID_E_CORRUPT));
	assert_int_equal(bad->len, 3);
	enc_clear(&a);
	enc_clear(&b);
}

static void
test_a_good_copy_replaces_a_corrupt_one(void **state)
{
	/* two copies of share 0, the first corrupt in segment 2, with
	 * share 1: k = 2 is met only if the second copy is used */
	struct enc e;
	unsigned nums[3] = { 0, 0, 1 };
	g_autofree GByteArray **patched = g_new0(GByteArray *, 3);
	g_autoptr(GArray) bad = g_array_new(FALSE, FALSE, sizeof(unsigned));
	grid_layout l;

	RPC_UNUSED(state);
	enc_make(&e, 2, 3, 3, 1000, 4500);
	assert_true(grid_layout_parse(e.s.share[0]->data, e.s.share[0]->len,
	    0, &l, NULL));
	patched[0] = g_byte_array_new();
	g_byte_array_append(patched[0], e.s.share[0]->data,
	    e.s.share[0]->len);
	patched[0]->data[l.offset[GRID_LAYOUT_DATA] + 2 * l.block_size] ^= 4;
	assert_true(decode_from(&e, nums, 3, patched, bad, NULL));
	assert_int_equal(bad->len, 1);
	assert_int_equal(g_array_index(bad, unsigned, 0), 0);
	g_byte_array_unref(patched[0]);
	enc_clear(&e);
}

static void
ignore(const uint8_t *p, size_t len, void *arg)
{
	RPC_UNUSED(p);
	RPC_UNUSED(len);
	RPC_UNUSED(arg);
}

static void
test_truncated_and_mislabelled_shares_never_crash(void **state)
{
	struct enc e;
	size_t cut;

	RPC_UNUSED(state);
	enc_make(&e, 2, 3, 3, 1000, 2500);
	for (cut = 0; cut <= e.s.share[0]->len; cut += 7) {
		grid_chk_share_in in[2] = {
			{ 0, e.s.share[0]->data, cut },
			{ 5, e.s.share[1]->data, e.s.share[1]->len },
		};
		g_autoptr(GError) err = NULL;

		if (!grid_chk_decode(&e.cap, in, 2, ignore, NULL, NULL, &err))
			assert_non_null(err);
	}
	enc_clear(&e);
}

/* ---- the reader, as a downloader drives it ---- */

/* Offer share 'i' of 'e' reading only what a downloader would fetch: the
 * header, then the meta range (clipped at the share's end). */
static int
reader_add(grid_chk_reader *r, const struct enc *e, unsigned i,
    size_t cut_meta, GError **error)
{
	const GByteArray *b = e->s.share[i];
	uint64_t off = 0, len = 0;
	int id = -1;

	assert_true(grid_chk_reader_meta_range(b->data,
	    MIN(b->len, GRID_LAYOUT_V2_HEADER), &off, &len, NULL));
	assert_true(off <= b->len);
	len = MIN(len, b->len - off) - cut_meta;
	if (!grid_chk_reader_add_share(r, i, b->data,
	    MIN(b->len, GRID_LAYOUT_V2_HEADER), off, b->data + off,
	    (size_t)len, &id, error))
		assert_int_equal(id, -1);
	return id;
}

struct segout {
	GByteArray	*b;
};

static void
test_reader_decodes_segments_in_any_order(void **state)
{
	struct enc e;
	g_autoptr(grid_chk_reader) r = NULL;
	const grid_chk_sizes *sz;
	int ids[3];
	uint64_t seg;
	unsigned j;

	RPC_UNUSED(state);
	enc_make(&e, 3, 7, 10, 4096, 30000);	/* 8 segments */
	r = grid_chk_reader_new(&e.cap, NULL);
	assert_non_null(r);
	assert_null(grid_chk_reader_sizes(r));
	for (j = 0; j < 3; j++) {		/* check shares 9, 8, 7 */
		ids[j] = reader_add(r, &e, 9 - j, 0, NULL);
		assert_true(ids[j] >= 0);
		assert_int_equal(grid_chk_reader_shnum(r, ids[j]), 9 - j);
	}
	sz = grid_chk_reader_sizes(r);
	assert_non_null(sz);
	assert_int_equal(sz->num_segments, 8);
	for (seg = sz->num_segments; seg-- > 0;) {
		const uint8_t *blocks[3];
		g_autoptr(GByteArray) got = g_byte_array_new();
		uint64_t segstart = seg * sz->segment_size;

		for (j = 0; j < 3; j++) {
			uint64_t off, len;

			grid_chk_reader_block_range(r, ids[j], seg, &off,
			    &len);
			blocks[j] = e.s.share[9 - j]->data + off;
			assert_true(grid_chk_reader_check_block(r, ids[j],
			    seg, blocks[j], (size_t)len, NULL));
		}
		assert_true(grid_chk_reader_segment(r, seg, ids, blocks,
		    collect, got, NULL));
		assert_int_equal(got->len, MIN(sz->segment_size,
		    e.size - segstart));
		assert_memory_equal(got->data, e.data + segstart, got->len);
	}
	enc_clear(&e);
}

static void
test_reader_refuses_bad_pieces(void **state)
{
	struct enc e;
	g_autoptr(grid_chk_reader) r = NULL;
	g_autoptr(GError) e1 = NULL, e2 = NULL, e3 = NULL, e4 = NULL;
	grid_uri lit = { 0 };
	uint8_t junk[64] = { 0 };
	uint64_t off, len;
	int id = 7;

	RPC_UNUSED(state);
	lit.kind = GRID_URI_LIT;
	assert_null(grid_chk_reader_new(&lit, &e1));
	assert_true(g_error_matches(e1, GRID_ERROR, GRID_E_FORMAT));
	enc_make(&e, 2, 3, 3, 1000, 4500);
	r = grid_chk_reader_new(&e.cap, NULL);
	/* meta range (clipped at the end of the share) one byte short */
	assert_int_equal(reader_add(r, &e, 0, 1, &e2), -1);
	assert_true(g_error_matches(e2, GRID_ERROR, GRID_E_CORRUPT));
	/* a share number beyond n */
	assert_false(grid_chk_reader_add_share(r, 3, e.s.share[0]->data,
	    e.s.share[0]->len, 0, e.s.share[0]->data, e.s.share[0]->len,
	    &id, &e3));
	assert_int_equal(id, -1);
	assert_true(g_error_matches(e3, GRID_ERROR, GRID_E_CORRUPT));
	id = reader_add(r, &e, 1, 0, NULL);
	assert_true(id >= 0);
	grid_chk_reader_block_range(r, id, 0, &off, &len);
	assert_false(grid_chk_reader_check_block(r, id, 0, junk, 1, &e4));
	assert_true(g_error_matches(e4, GRID_ERROR, GRID_E_CORRUPT));
	assert_true(grid_chk_reader_is_bad(r, id));
	enc_clear(&e);
}

/* ---- shares Tahoe-LAFS wrote (tests/interop/tahoe-shares.txt) ---- */

struct tahoe_shares {
	grid_uri	 cap;
	GByteArray	*v[2][3];	/* v1 and v2 shares 0..2 */
	GByteArray	*container;
};

static GByteArray *
unhex_array(const char *hex)
{
	GByteArray *b = g_byte_array_sized_new((guint)(strlen(hex) / 2));

	g_byte_array_set_size(b, (guint)(strlen(hex) / 2));
	tu_unhex(hex, b->data);
	return b;
}

static void
tahoe_shares_load(struct tahoe_shares *t)
{
	g_autofree char *path = NULL, *text = NULL;
	g_auto(GStrv) lines = NULL;
	const char *top = g_getenv("TOP_SRCDIR");
	size_t l;

	memset(t, 0, sizeof(*t));
	path = g_build_filename(top ? top : ".", "tests", "interop",
	    "tahoe-shares.txt", NULL);
	assert_true(g_file_get_contents(path, &text, NULL, NULL));
	lines = g_strsplit(text, "\n", -1);
	for (l = 0; lines[l] != NULL; l++) {
		g_auto(GStrv) f = g_strsplit(lines[l], " ", -1);

		if (g_str_has_prefix(lines[l], "cap ") && t->cap.kind == 0)
			assert_true(grid_uri_parse(f[1], strlen(f[1]), &t->cap,
			    NULL));
		else if (g_str_has_prefix(lines[l], "v1 share ") ||
		    g_str_has_prefix(lines[l], "v2 share "))
			t->v[f[0][1] - '1'][atoi(f[2])] = unhex_array(f[3]);
		else if (g_str_has_prefix(lines[l], "container "))
			t->container = unhex_array(f[1]);
	}
	assert_int_equal(t->cap.kind, GRID_URI_CHK);
	assert_non_null(t->container);
}

static void
tahoe_shares_clear(struct tahoe_shares *t)
{
	size_t v, i;

	for (v = 0; v < 2; v++)
		for (i = 0; i < 3; i++)
			g_byte_array_unref(t->v[v][i]);
	g_byte_array_unref(t->container);
	grid_uri_clear(&t->cap);
}

static void
test_decodes_shares_tahoe_wrote(void **state)
{
	static const struct {
		unsigned ver[2], num[2];
	} picks[] = {
		{ { 0, 0 }, { 0, 1 } }, { { 0, 0 }, { 1, 2 } },
		{ { 1, 1 }, { 0, 1 } }, { { 1, 1 }, { 2, 0 } },
		{ { 0, 1 }, { 0, 2 } },		/* a v1 and a v2 share */
	};
	struct tahoe_shares t;
	g_autofree uint8_t *want = pattern(1000);
	grid_layout l;
	size_t i, j;

	RPC_UNUSED(state);
	tahoe_shares_load(&t);
	assert_true(grid_layout_parse(t.v[1][0]->data, t.v[1][0]->len, 0, &l,
	    NULL));
	assert_int_equal(l.version, 2);
	for (i = 0; i < G_N_ELEMENTS(picks); i++) {
		grid_chk_share_in in[2];
		g_autoptr(GByteArray) got = g_byte_array_new();
		g_autoptr(GArray) bad = g_array_new(FALSE, FALSE,
		    sizeof(unsigned));
		g_autoptr(GError) err = NULL;

		for (j = 0; j < 2; j++) {
			GByteArray *b = t.v[picks[i].ver[j]][picks[i].num[j]];

			in[j].shnum = picks[i].num[j];
			in[j].p = b->data;
			in[j].len = b->len;
		}
		if (!grid_chk_decode(&t.cap, in, 2, collect, got, bad, &err))
			fail_msg("pick %zu: %s", i, err->message);
		assert_int_equal(bad->len, 0);
		assert_int_equal(got->len, 1000);
		assert_memory_equal(got->data, want, 1000);
	}
	tahoe_shares_clear(&t);
}

static void
test_reads_share_file_tahoe_wrote(void **state)
{
	struct tahoe_shares t;
	grid_container c;
	grid_lease lease;
	uint8_t sec[32];

	RPC_UNUSED(state);
	tahoe_shares_load(&t);
	assert_true(grid_container_parse(t.container->data, t.container->len,
	    &c, NULL));
	assert_int_equal(c.version, 2);
	assert_int_equal(c.num_leases, 2);
	assert_int_equal(c.share_len, t.v[0][0]->len);
	assert_memory_equal(c.share, t.v[0][0]->data, c.share_len);
	grid_container_lease(&c, 0, &lease);
	assert_int_equal(lease.owner, 0);
	assert_int_equal(lease.expiry, 1800000000);
	memset(sec, 'R', sizeof(sec));
	assert_true(grid_container_secret_matches(2, lease.renew, sec));
	memset(sec, 'C', sizeof(sec));
	assert_true(grid_container_secret_matches(2, lease.cancel, sec));
	assert_false(grid_container_secret_matches(2, lease.renew, sec));
	grid_container_lease(&c, 1, &lease);
	assert_int_equal(lease.owner, 7);
	assert_int_equal(lease.expiry, 1900000000);
	memset(sec, 'r', sizeof(sec));
	assert_true(grid_container_secret_matches(2, lease.renew, sec));
	tahoe_shares_clear(&t);
}

static void
test_our_share_file_matches_tahoes(void **state)
{
	/* the container bytes we would write for the same share and
	 * leases equal ShareFile's */
	struct tahoe_shares t;
	g_autoptr(GByteArray) ours = g_byte_array_new();
	uint8_t hdr[GRID_CONTAINER_HEADER], lease[GRID_CONTAINER_LEASE];
	uint8_t r[32], c[32];

	RPC_UNUSED(state);
	tahoe_shares_load(&t);
	grid_container_header(t.v[0][0]->len, 2, hdr);
	g_byte_array_append(ours, hdr, sizeof(hdr));
	g_byte_array_append(ours, t.v[0][0]->data, t.v[0][0]->len);
	memset(r, 'R', 32);
	memset(c, 'C', 32);
	grid_container_lease_pack(2, 0, r, c, 1800000000, lease);
	g_byte_array_append(ours, lease, sizeof(lease));
	memset(r, 'r', 32);
	memset(c, 'c', 32);
	grid_container_lease_pack(2, 7, r, c, 1900000000, lease);
	g_byte_array_append(ours, lease, sizeof(lease));
	assert_int_equal(ours->len, t.container->len);
	assert_memory_equal(ours->data, t.container->data, ours->len);
	tahoe_shares_clear(&t);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_caps_and_shares_match_tahoe),
		cmocka_unit_test(test_streaming_in_odd_pieces_gives_same_shares),
		cmocka_unit_test(test_finish_refuses_short_input),
		cmocka_unit_test(test_bad_parameters_are_refused),
		cmocka_unit_test(test_decode_round_trips_from_any_k_shares),
		cmocka_unit_test(test_corrupt_share_is_detected_and_avoided),
		cmocka_unit_test(test_too_few_good_shares_fail_cleanly),
		cmocka_unit_test(test_shares_of_another_file_are_refused),
		cmocka_unit_test(test_a_good_copy_replaces_a_corrupt_one),
		cmocka_unit_test(test_truncated_and_mislabelled_shares_never_crash),
		cmocka_unit_test(test_reader_decodes_segments_in_any_order),
		cmocka_unit_test(test_reader_refuses_bad_pieces),
		cmocka_unit_test(test_decodes_shares_tahoe_wrote),
		cmocka_unit_test(test_reads_share_file_tahoe_wrote),
		cmocka_unit_test(test_our_share_file_matches_tahoes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

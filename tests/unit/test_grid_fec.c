/* tests/unit/test_grid_fec.c -- the erasure code against python3-zfec's
 * output (tests/interop/zfec-vectors.txt, made by zfec_vectors.py), and
 * decoding from every kind of subset of shares. */
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

#include "grid/fec.h"
#include "grid/gm.h"
#include "rpc/common.h"
#include "tests/unit/grid_testutil.h"

/* The input stream of zfec_vectors.py: SHA-256("fec k n c"), c = 0, 1... */
static uint8_t *
stream(unsigned k, unsigned n, size_t size)
{
	uint8_t *out = g_malloc(size + 32);
	size_t off = 0, c = 0;

	while (off < size) {
		g_autofree char *in = g_strdup_printf("fec %u %u %zu", k, n, c);
		g_autoptr(GChecksum) ck = g_checksum_new(G_CHECKSUM_SHA256);
		gsize dl = 32;

		g_checksum_update(ck, (const guchar *)in, (gssize)strlen(in));
		g_checksum_get_digest(ck, out + off, &dl);
		off += 32;
		c++;
	}
	return out;
}

/* Encode case (k, n, blen); return all n blocks concatenated. */
static uint8_t *
encode_all(const grid_fec *f, const uint8_t *data, size_t blen)
{
	unsigned k = grid_fec_k(f), n = grid_fec_n(f), i;
	uint8_t *all = g_malloc((size_t)n * blen);
	g_autofree const uint8_t **in = g_new(const uint8_t *, k);
	g_autofree uint8_t **chk = g_new0(uint8_t *, n - k + 1);

	memcpy(all, data, (size_t)k * blen);
	for (i = 0; i < k; i++)
		in[i] = all + (size_t)i * blen;
	for (i = k; i < n; i++)
		chk[i - k] = all + (size_t)i * blen;
	grid_fec_encode(f, in, chk, blen);
	return all;
}

/* Decode from the shares 'nums' (k of them) and compare with 'data'. */
static void
check_decode(const grid_fec *f, const uint8_t *all, const uint8_t *data,
    size_t blen, const unsigned *nums)
{
	unsigned k = grid_fec_k(f), i;
	g_autofree const uint8_t **in = g_new(const uint8_t *, k);
	g_autofree uint8_t **out = g_new(uint8_t *, k);
	g_autofree uint8_t *got = g_malloc0((size_t)k * blen + 1);
	g_autoptr(GError) err = NULL;

	for (i = 0; i < k; i++) {
		in[i] = all + (size_t)nums[i] * blen;
		out[i] = got + (size_t)i * blen;
	}
	assert_true(grid_fec_decode(f, in, nums, out, blen, &err));
	assert_memory_equal(got, data, (size_t)k * blen);
}

static void
test_encode_matches_zfec_and_decodes(void **state)
{
	g_autofree char *path = NULL, *text = NULL;
	g_auto(GStrv) lines = NULL;
	const char *top = g_getenv("TOP_SRCDIR");
	GRand *rnd = g_rand_new_with_seed(11);
	size_t cases = 0, l;

	RPC_UNUSED(state);
	path = g_build_filename(top ? top : ".", "tests", "interop",
	    "zfec-vectors.txt", NULL);
	assert_true(g_file_get_contents(path, &text, NULL, NULL));
	lines = g_strsplit(text, "\n", -1);
	for (l = 0; lines[l] != NULL; l++) {
		unsigned k, n, blen, i, t;
		char want[65];
		g_autoptr(grid_fec) f = NULL;
		g_autofree uint8_t *data = NULL, *all = NULL;
		g_autofree char *got = NULL;
		g_autofree unsigned *perm = NULL;

		if (lines[l][0] == '#' || lines[l][0] == '\0')
			continue;
		assert_int_equal(sscanf(lines[l], "%u %u %u %64s", &k, &n,
		    &blen, want), 4);
		f = grid_fec_new(k, n, NULL);
		assert_non_null(f);
		data = stream(k, n, (size_t)k * blen);
		all = encode_all(f, data, blen);
		got = tu_sha256_hex(all, (size_t)n * blen);
		assert_string_equal(got, want);
		/* Decode from the first k, the last k, and random subsets in
		 * random order. */
		perm = g_new(unsigned, n);
		for (i = 0; i < n; i++)
			perm[i] = i;
		check_decode(f, all, data, blen, perm);
		check_decode(f, all, data, blen, perm + (n - k));
		for (t = 0; t < 4; t++) {
			for (i = n - 1; i > 0; i--) {
				unsigned j = (unsigned)g_rand_int_range(rnd, 0,
				    (gint32)i + 1), x = perm[i];

				perm[i] = perm[j];
				perm[j] = x;
			}
			check_decode(f, all, data, blen, perm);
		}
		cases++;
	}
	g_rand_free(rnd);
	assert_true(cases >= 10);
}

static void
test_matrix_is_systematic(void **state)
{
	g_autoptr(grid_fec) f = grid_fec_new(3, 10, NULL);
	const uint8_t *m = grid_fec_matrix(f);
	unsigned r, c;

	RPC_UNUSED(state);
	for (r = 0; r < 3; r++)
		for (c = 0; c < 3; c++)
			assert_int_equal(m[r * 3 + c], r == c);
}

static void
test_new_rejects_bad_parameters(void **state)
{
	static const unsigned bad[][2] = {
		{ 0, 1 }, { 1, 0 }, { 4, 3 }, { 1, 257 }, { 300, 300 },
	};
	size_t i;

	RPC_UNUSED(state);
	for (i = 0; i < G_N_ELEMENTS(bad); i++) {
		g_autoptr(GError) err = NULL;

		assert_null(grid_fec_new(bad[i][0], bad[i][1], &err));
		assert_true(g_error_matches(err, GRID_ERROR, GRID_E_RANGE));
	}
}

static void
test_decode_rejects_bad_share_numbers(void **state)
{
	g_autoptr(grid_fec) f = grid_fec_new(2, 4, NULL);
	uint8_t a[4] = { 0 }, b[4] = { 0 }, o1[4], o2[4];
	const uint8_t *in[2] = { a, b };
	uint8_t *out[2] = { o1, o2 };
	static const unsigned dup[2] = { 3, 3 }, big[2] = { 0, 4 };
	g_autoptr(GError) e1 = NULL, e2 = NULL;

	RPC_UNUSED(state);
	assert_false(grid_fec_decode(f, in, dup, out, 4, &e1));
	assert_true(g_error_matches(e1, GRID_ERROR, GRID_E_FORMAT));
	assert_false(grid_fec_decode(f, in, big, out, 4, &e2));
	assert_true(g_error_matches(e2, GRID_ERROR, GRID_E_FORMAT));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_encode_matches_zfec_and_decodes),
		cmocka_unit_test(test_matrix_is_systematic),
		cmocka_unit_test(test_new_rejects_bad_parameters),
		cmocka_unit_test(test_decode_rejects_bad_share_numbers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

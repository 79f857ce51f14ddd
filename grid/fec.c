/* grid/fec.c -- zfec's Reed-Solomon code through ISA-L.
 *
 * Only the matrix is built here, from ISA-L's field operations (gf_mul,
 * gf_invert_matrix): the same field (polynomial 0x11d, generator 2) as
 * zfec, and the same construction as zfec's fec_new(), so the check blocks
 * are byte for byte zfec's.  ISA-L's SIMD kernels (ec_encode_data) do the
 * per-byte work for encoding and decoding alike.  Nothing here keeps state
 * between calls except the code's own tables. */
#include "config.h"

#include <string.h>

#include <isa-l/erasure_code.h>

#include "grid/fec.h"
#include "grid/gm.h"

/* ISA-L's expanded tables take 32 bytes per matrix coefficient. */
#define ISAL_TBL_BYTES	32

struct grid_fec {
	unsigned	 k, n;
	uint8_t		*matrix;	/* n x k */
	uint8_t		*check_tbls;	/* ISA-L tables for rows k..n-1 */
};

/* a^e for the generator a = 2. */
static uint8_t
gf_pow2(unsigned e)
{
	uint8_t r = 1;

	e %= 255;
	while (e-- > 0)
		r = gf_mul(r, 2);
	return r;
}

grid_fec *
grid_fec_new(unsigned k, unsigned n, GError **error)
{
	g_autofree uint8_t *vdm = NULL, *inv = NULL;
	grid_fec *f;
	unsigned r, c, j;

	if (k < 1 || n < 1 || k > n || n > GRID_FEC_MAX_SHARES) {
		g_set_error(error, GRID_ERROR, GRID_E_RANGE,
		    "erasure code %u-of-%u: need 1 <= k <= n <= %d", k, n,
		    GRID_FEC_MAX_SHARES);
		return NULL;
	}
	f = g_new0(grid_fec, 1);
	f->k = k;
	f->n = n;
	f->matrix = g_malloc0((size_t)n * k);
	/* zfec's Vandermonde matrix: row 0 is the point 0 (1, 0, 0, ...),
	 * row r >= 1 the point a^(r-1): (a^((r-1)c)) for column c. */
	vdm = g_malloc0((size_t)n * k);
	vdm[0] = 1;
	for (r = 1; r < n; r++)
		for (c = 0; c < k; c++)
			vdm[(size_t)r * k + c] = gf_pow2((r - 1) * c);
	/* Systematic form: the top square becomes I, the rest V_bot V_top^-1.
	 * The top square is a Vandermonde matrix on distinct points, so it
	 * is invertible. */
	inv = g_malloc0((size_t)k * k);
	if (gf_invert_matrix(vdm, inv, (int)k) != 0)
		g_error("zfec matrix: Vandermonde square not invertible");
	for (c = 0; c < k; c++)
		f->matrix[(size_t)c * k + c] = 1;
	for (r = k; r < n; r++)
		for (c = 0; c < k; c++) {
			uint8_t acc = 0;

			for (j = 0; j < k; j++)
				acc ^= gf_mul(vdm[(size_t)r * k + j],
				    inv[(size_t)j * k + c]);
			f->matrix[(size_t)r * k + c] = acc;
		}
	if (n > k) {
		f->check_tbls = g_malloc((size_t)ISAL_TBL_BYTES * k * (n - k));
		ec_init_tables((int)k, (int)(n - k), f->matrix + (size_t)k * k,
		    f->check_tbls);
	}
	return f;
}

void
grid_fec_free(grid_fec *f)
{
	if (f == NULL)
		return;
	g_free(f->matrix);
	g_free(f->check_tbls);
	g_free(f);
}

unsigned
grid_fec_k(const grid_fec *f)
{
	return f->k;
}

unsigned
grid_fec_n(const grid_fec *f)
{
	return f->n;
}

const uint8_t *
grid_fec_matrix(const grid_fec *f)
{
	return f->matrix;
}

void
grid_fec_encode(const grid_fec *f, const uint8_t *const *data,
    uint8_t *const *check, size_t len)
{
	g_return_if_fail(len <= G_MAXINT);
	if (f->n == f->k || len == 0)
		return;
	/* ISA-L's prototypes lack const; it only reads 'data'. */
	ec_encode_data((int)len, (int)f->k, (int)(f->n - f->k), f->check_tbls,
	    (unsigned char **)(uintptr_t)data, (unsigned char **)check);
}

gboolean
grid_fec_decode(const grid_fec *f, const uint8_t *const *blocks,
    const unsigned *nums, uint8_t *const *out, size_t len, GError **error)
{
	g_autofree uint8_t *sub = NULL, *inv = NULL, *rows = NULL;
	g_autofree uint8_t *tbls = NULL;
	g_autofree uint8_t **dst = NULL;
	uint8_t seen[GRID_FEC_MAX_SHARES] = { 0 };
	unsigned k = f->k, i, c, missing = 0;

	g_return_val_if_fail(len <= G_MAXINT, FALSE);
	for (i = 0; i < k; i++) {
		if (nums[i] >= f->n || seen[nums[i]]) {
			g_set_error(error, GRID_ERROR, GRID_E_FORMAT,
			    "erasure decode: share number %u %s", nums[i],
			    nums[i] >= f->n ? "out of range" : "repeated");
			return FALSE;
		}
		seen[nums[i]] = 1;
	}
	for (i = 0; i < k; i++)
		if (nums[i] < k && len > 0)
			memcpy(out[nums[i]], blocks[i], len);
	for (i = 0; i < k; i++)
		if (!seen[i])
			missing++;
	if (missing == 0 || len == 0)
		return TRUE;
	/* Rows of the matrix for the blocks we hold, inverted, give the
	 * data from them; keep only the rows of the missing data blocks. */
	sub = g_malloc((size_t)k * k);
	inv = g_malloc((size_t)k * k);
	for (i = 0; i < k; i++)
		memcpy(sub + (size_t)i * k, f->matrix + (size_t)nums[i] * k, k);
	if (gf_invert_matrix(sub, inv, (int)k) != 0)
		g_error("zfec matrix: k distinct rows not invertible");
	rows = g_malloc((size_t)missing * k);
	dst = g_new(uint8_t *, missing);
	for (i = 0, c = 0; i < k; i++)
		if (!seen[i]) {
			memcpy(rows + (size_t)c * k, inv + (size_t)i * k, k);
			dst[c++] = out[i];
		}
	tbls = g_malloc((size_t)ISAL_TBL_BYTES * k * missing);
	ec_init_tables((int)k, (int)missing, rows, tbls);
	ec_encode_data((int)len, (int)k, (int)missing, tbls,
	    (unsigned char **)(uintptr_t)blocks, dst);
	return TRUE;
}

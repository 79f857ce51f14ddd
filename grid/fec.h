/* grid/fec.h -- zfec-compatible systematic Reed-Solomon erasure code over
 * GF(2^8), computed by ISA-L.
 *
 * An (k, n) code turns k equal-sized input blocks into n blocks, any k of
 * which give the input back.  Blocks 0..k-1 are the input itself; block
 * i >= k is row i of zfec's encoding matrix (the Vandermonde matrix on the
 * points 0, 1, a, a^2, ... with a = 2 in GF(2^8)/0x11d, multiplied by the
 * inverse of its top k x k square) applied to the input, so the blocks are
 * exactly the ones zfec (and so Tahoe-LAFS) makes. */
#ifndef GRID_FEC_H
#define GRID_FEC_H

#include <stddef.h>
#include <stdint.h>

#include <glib.h>

#define GRID_FEC_MAX_SHARES	256	/* zfec's limit: one byte per share */

typedef struct grid_fec grid_fec;

/* A code for 1 <= k <= n <= GRID_FEC_MAX_SHARES.  Return NULL and set
 * 'error' (GRID_ERROR, GRID_E_RANGE) otherwise.  Caller owns; free with
 * grid_fec_free().  A code is read-only after creation: threads may share
 * it. */
grid_fec	*grid_fec_new(unsigned k, unsigned n, GError **error);
void		 grid_fec_free(grid_fec *f);			/* NULL: no-op */
G_DEFINE_AUTOPTR_CLEANUP_FUNC(grid_fec, grid_fec_free)

unsigned	 grid_fec_k(const grid_fec *f);
unsigned	 grid_fec_n(const grid_fec *f);
/* The n x k encoding matrix, row-major (borrowed from f). */
const uint8_t	*grid_fec_matrix(const grid_fec *f);

/* From 'data' (k blocks of 'len' bytes, borrowed) compute the n - k check
 * blocks k..n-1 into 'check' (n - k buffers of 'len' bytes).  Blocks 0..k-1
 * are the data blocks themselves. */
void	grid_fec_encode(const grid_fec *f, const uint8_t *const *data,
	    uint8_t *const *check, size_t len);

/* Recover the k data blocks into 'out' (k buffers of 'len' bytes) from k
 * blocks 'blocks' (borrowed) whose share numbers are 'nums' (each < n, all
 * different).  Return FALSE and set 'error' (GRID_ERROR, GRID_E_FORMAT) if
 * the numbers are out of range or repeated. */
gboolean grid_fec_decode(const grid_fec *f, const uint8_t *const *blocks,
	    const unsigned *nums, uint8_t *const *out, size_t len,
	    GError **error);

#endif

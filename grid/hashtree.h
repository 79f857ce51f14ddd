/* grid/hashtree.h -- Tahoe-LAFS's binary Merkle tree (allmydata/hashtree.py):
 * block hash trees, the crypttext hash tree and the share hash tree.
 *
 * Nodes are numbered as hashtree.py numbers them: 0 is the root, node i has
 * children 2i+1 and 2i+2, and the leaves of a tree over L leaves (L padded
 * to a power of two) are nodes L-1 .. 2L-2.  Padding leaf j (j >= the
 * number of real leaves) holds tagged_hash("Merkle tree empty leaf", "%d" %
 * j); an internal node holds tagged_pair_hash("Merkle tree internal node",
 * left, right). */
#ifndef GRID_HASHTREE_H
#define GRID_HASHTREE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <glib.h>

#include "grid/hashutil.h"

/* The most leaves a tree may have here: 2^26 segments of a file or blocks
 * of a share (64 Ti at 1 MiB segments), so node numbers fit in 32 bits and
 * a tree's size is computed without overflow. */
#define GRID_HASHTREE_MAX_LEAVES	((size_t)1 << 26)
/* The most needed hashes (tree depth plus the leaf) for that many leaves. */
#define GRID_HASHTREE_MAX_NEEDED	27

/* Leaves padded to a power of two (hashtree.roundup_pow2; 0 gives 1). */
size_t	grid_hashtree_padded_leaves(size_t nleaves);
/* Number of nodes of a tree over 'nleaves' leaves: 2 * padded - 1. */
size_t	grid_hashtree_nodes(size_t nleaves);
/* Hash of padding leaf 'j' into 'out'. */
void	grid_hashtree_empty_leaf(size_t j, uint8_t out[GRID_HASH_LEN]);
/* Hash of an internal node over its children. */
void	grid_hashtree_pair(const uint8_t left[GRID_HASH_LEN],
	    const uint8_t right[GRID_HASH_LEN], uint8_t out[GRID_HASH_LEN]);

/* Build the whole tree over 'nleaves' leaf hashes ('leaves', borrowed,
 * nleaves * GRID_HASH_LEN bytes) into 'out', which holds
 * grid_hashtree_nodes(nleaves) * GRID_HASH_LEN bytes: node i at
 * out + i * GRID_HASH_LEN, root first (the order a share stores it).
 * 'nleaves' must be at most GRID_HASHTREE_MAX_LEAVES. */
void	grid_hashtree_build(const uint8_t *leaves, size_t nleaves,
	    uint8_t *out);

/* The node numbers needed to check leaf 'leafnum' against the root
 * (hashtree.needed_hashes): the sibling of the leaf and of each ancestor
 * below the root, leaf upwards, then the leaf itself if 'include_leaf'.
 * Store them in 'out' (room for GRID_HASHTREE_MAX_NEEDED) and return how
 * many. */
size_t	grid_hashtree_needed(size_t nleaves, size_t leafnum,
	    bool include_leaf, uint32_t *out);

/* The same numbers in the order Tahoe-LAFS's encoder writes a share's hash
 * chain: needed_hashes() returns a Python set, and encode.py iterates it.
 * That order is CPython's (3.x) set layout for small integers, which this
 * reproduces: insertion into an open-addressed table that starts at 8
 * slots, with linear probes and growth exactly as Objects/setobject.c. */
size_t	grid_hashtree_needed_set_order(size_t nleaves, size_t leafnum,
	    uint32_t *out);

/* An incremental verifier for a tree whose root is trusted (from a cap or
 * the UEB) and whose other nodes come from an untrusted share: hashes are
 * offered freely, but a node counts as known only once a path from it to
 * the root has been checked. */
typedef struct grid_hashtree_check grid_hashtree_check;

/* Start a check of a tree over 'nleaves' (1 .. GRID_HASHTREE_MAX_LEAVES)
 * leaves with the trusted 'root'.  Caller owns; free with
 * grid_hashtree_check_free(). */
grid_hashtree_check *grid_hashtree_check_new(size_t nleaves,
		    const uint8_t root[GRID_HASH_LEN]);
void	grid_hashtree_check_free(grid_hashtree_check *c);	/* NULL: no-op */
G_DEFINE_AUTOPTR_CLEANUP_FUNC(grid_hashtree_check, grid_hashtree_check_free)

/* Offer the untrusted hash of node 'index'.  Return FALSE and set 'error'
 * (GRID_ERROR, GRID_E_FORMAT) for a node number outside the tree, or
 * (GRID_E_CORRUPT) for a hash that contradicts an already known node. */
gboolean grid_hashtree_check_offer(grid_hashtree_check *c, size_t index,
	    const uint8_t hash[GRID_HASH_LEN], GError **error);

/* Check that 'leaf' is the hash of leaf 'leafnum': hash up with the offered
 * siblings until a known node is reached, and compare.  On success every
 * node on the path becomes known and TRUE is returned.  Otherwise set
 * 'error' (GRID_ERROR): GRID_E_FORMAT if a needed sibling was never
 * offered, GRID_E_CORRUPT if the hashes do not lead to the known node; the
 * known set is unchanged. */
gboolean grid_hashtree_check_leaf(grid_hashtree_check *c, size_t leafnum,
	    const uint8_t leaf[GRID_HASH_LEN], GError **error);

/* The known hash of node 'index', or NULL (borrowed from c). */
const uint8_t *grid_hashtree_check_known(const grid_hashtree_check *c,
		    size_t index);

#endif

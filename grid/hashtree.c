/* grid/hashtree.c -- Tahoe-LAFS's Merkle trees.
 *
 * Building a tree is hashtree.HashTree; checking pieces of one against a
 * trusted root is what hashtree.IncompleteHashTree does for the downloader,
 * here reduced to what CHK needs: offer hashes, check a leaf.  The order in
 * which a share's hash chain is written is reproduced from CPython's set
 * implementation, because that is where Tahoe-LAFS's order comes from. */
#include "config.h"

#include <string.h>

#include "grid/gm.h"
#include "grid/hashtree.h"

size_t
grid_hashtree_padded_leaves(size_t nleaves)
{
	size_t p = 1;

	while (p < nleaves)
		p *= 2;
	return p;
}

size_t
grid_hashtree_nodes(size_t nleaves)
{
	return 2 * grid_hashtree_padded_leaves(nleaves) - 1;
}

void
grid_hashtree_empty_leaf(size_t j, uint8_t out[GRID_HASH_LEN])
{
	char num[32];
	int l = g_snprintf(num, sizeof(num), "%zu", j);

	grid_tagged_hash(GRID_TAG_MERKLE_EMPTY, num, (size_t)l,
	    GRID_HASH_LEN, out);
}

void
grid_hashtree_pair(const uint8_t left[GRID_HASH_LEN],
    const uint8_t right[GRID_HASH_LEN], uint8_t out[GRID_HASH_LEN])
{
	grid_tagged_pair_hash(GRID_TAG_MERKLE_NODE, left, GRID_HASH_LEN,
	    right, GRID_HASH_LEN, GRID_HASH_LEN, out);
}

void
grid_hashtree_build(const uint8_t *leaves, size_t nleaves, uint8_t *out)
{
	size_t L, first, i;

	g_return_if_fail(nleaves <= GRID_HASHTREE_MAX_LEAVES);
	L = grid_hashtree_padded_leaves(nleaves);
	first = L - 1;
	if (nleaves > 0)
		memcpy(out + first * GRID_HASH_LEN, leaves,
		    nleaves * GRID_HASH_LEN);
	for (i = nleaves; i < L; i++)
		grid_hashtree_empty_leaf(i, out + (first + i) * GRID_HASH_LEN);
	for (i = first; i-- > 0;)
		grid_hashtree_pair(out + (2 * i + 1) * GRID_HASH_LEN,
		    out + (2 * i + 2) * GRID_HASH_LEN, out + i * GRID_HASH_LEN);
}

size_t
grid_hashtree_needed(size_t nleaves, size_t leafnum, bool include_leaf,
    uint32_t *out)
{
	size_t L = grid_hashtree_padded_leaves(nleaves), here, n = 0;

	g_return_val_if_fail(nleaves <= GRID_HASHTREE_MAX_LEAVES, 0);
	g_return_val_if_fail(leafnum < L, 0);
	here = L - 1 + leafnum;
	while (here != 0) {
		/* sibling: odd nodes are left children */
		out[n++] = (uint32_t)((here & 1) ? here + 1 : here - 1);
		here = (here - 1) / 2;
	}
	if (include_leaf)
		out[n++] = (uint32_t)(L - 1 + leafnum);
	return n;
}

/*
 * CPython's set, for non-negative small ints whose hash is the value
 * (Objects/setobject.c, 3.x): a table of 8 slots to start; a key goes to
 * slot hash & mask, else the next free of the following LINEAR_PROBES
 * slots when they do not run past the end, else perturb >>= 5 and
 * i = (5i + 1 + perturb) & mask, and again.  After an insert that makes
 * fill * 5 >= mask * 3 the table grows to the smallest power of two (at
 * least 8) above used * 4, reinserting in slot order.  Iteration is slot
 * order.
 */
#define PYSET_MINSIZE		8
#define PYSET_LINEAR_PROBES	9
#define PYSET_PERTURB_SHIFT	5
#define PYSET_MAXTABLE		128	/* > 4 * GRID_HASHTREE_MAX_NEEDED */

struct pyset {
	int64_t	slot[PYSET_MAXTABLE];	/* -1: empty */
	size_t	mask, used;
};

static void
pyset_place(struct pyset *s, int64_t key)
{
	size_t perturb = (size_t)key, i = (size_t)key & s->mask, j;

	for (;;) {
		if (s->slot[i] < 0)
			goto found;
		if (i + PYSET_LINEAR_PROBES <= s->mask)
			for (j = 1; j <= PYSET_LINEAR_PROBES; j++)
				if (s->slot[i + j] < 0) {
					i += j;
					goto found;
				}
		perturb >>= PYSET_PERTURB_SHIFT;
		i = (i * 5 + 1 + perturb) & s->mask;
	}
found:
	s->slot[i] = key;
}

static void
pyset_init(struct pyset *s, size_t size)
{
	size_t i;

	for (i = 0; i < PYSET_MAXTABLE; i++)
		s->slot[i] = -1;
	s->mask = size - 1;
}

static void
pyset_add(struct pyset *s, int64_t key)
{
	int64_t old[PYSET_MAXTABLE];
	size_t i, oldsize, newsize;

	for (i = 0; i <= s->mask; i++)
		if (s->slot[i] == key)
			return;
	pyset_place(s, key);
	s->used++;		/* no deletions: fill == used */
	if (s->used * 5 < s->mask * 3)
		return;
	newsize = PYSET_MINSIZE;
	while (newsize <= s->used * 4)
		newsize <<= 1;
	g_assert(newsize <= PYSET_MAXTABLE);
	oldsize = s->mask + 1;
	memcpy(old, s->slot, sizeof(old));
	pyset_init(s, newsize);
	for (i = 0; i < oldsize; i++)
		if (old[i] >= 0)
			pyset_place(s, old[i]);
}

size_t
grid_hashtree_needed_set_order(size_t nleaves, size_t leafnum,
    uint32_t *out)
{
	uint32_t needed[GRID_HASHTREE_MAX_NEEDED];
	struct pyset s;
	size_t n, i, m = 0;

	n = grid_hashtree_needed(nleaves, leafnum, true, needed);
	pyset_init(&s, PYSET_MINSIZE);
	s.used = 0;
	for (i = 0; i < n; i++)
		pyset_add(&s, needed[i]);
	for (i = 0; i <= s.mask; i++)
		if (s.slot[i] >= 0)
			out[m++] = (uint32_t)s.slot[i];
	g_assert(m == n);
	return m;
}

struct grid_hashtree_check {
	size_t	  nodes;
	size_t	  first_leaf;
	uint8_t	 *hash;		/* nodes * GRID_HASH_LEN */
	uint8_t	 *state;	/* per node: NONE, OFFERED or KNOWN */
};

enum { NODE_NONE = 0, NODE_OFFERED, NODE_KNOWN };

grid_hashtree_check *
grid_hashtree_check_new(size_t nleaves, const uint8_t root[GRID_HASH_LEN])
{
	grid_hashtree_check *c;

	g_return_val_if_fail(nleaves >= 1 &&
	    nleaves <= GRID_HASHTREE_MAX_LEAVES, NULL);
	c = g_new0(grid_hashtree_check, 1);
	c->nodes = grid_hashtree_nodes(nleaves);
	c->first_leaf = grid_hashtree_padded_leaves(nleaves) - 1;
	c->hash = g_malloc0(c->nodes * GRID_HASH_LEN);
	c->state = g_malloc0(c->nodes);
	memcpy(c->hash, root, GRID_HASH_LEN);
	c->state[0] = NODE_KNOWN;
	return c;
}

void
grid_hashtree_check_free(grid_hashtree_check *c)
{
	if (c == NULL)
		return;
	g_free(c->hash);
	g_free(c->state);
	g_free(c);
}

gboolean
grid_hashtree_check_offer(grid_hashtree_check *c, size_t index,
    const uint8_t hash[GRID_HASH_LEN], GError **error)
{
	if (index >= c->nodes) {
		g_set_error(error, GRID_ERROR, GRID_E_FORMAT,
		    "hash tree node %zu outside a tree of %zu nodes", index,
		    c->nodes);
		return FALSE;
	}
	if (c->state[index] == NODE_KNOWN) {
		if (memcmp(c->hash + index * GRID_HASH_LEN, hash,
		    GRID_HASH_LEN) != 0) {
			g_set_error(error, GRID_ERROR, GRID_E_CORRUPT,
			    "hash tree node %zu contradicts the known hash",
			    index);
			return FALSE;
		}
		return TRUE;
	}
	memcpy(c->hash + index * GRID_HASH_LEN, hash, GRID_HASH_LEN);
	c->state[index] = NODE_OFFERED;
	return TRUE;
}

gboolean
grid_hashtree_check_leaf(grid_hashtree_check *c, size_t leafnum,
    const uint8_t leaf[GRID_HASH_LEN], GError **error)
{
	uint8_t cur[GRID_HASH_LEN];
	size_t path[GRID_HASHTREE_MAX_NEEDED + 1], npath = 0, here, sib, i;

	if (leafnum > c->nodes - 1 - c->first_leaf) {
		g_set_error(error, GRID_ERROR, GRID_E_FORMAT,
		    "leaf %zu outside a tree of %zu leaves", leafnum,
		    c->nodes - c->first_leaf);
		return FALSE;
	}
	here = c->first_leaf + leafnum;
	memcpy(cur, leaf, GRID_HASH_LEN);
	while (c->state[here] != NODE_KNOWN) {
		sib = (here & 1) ? here + 1 : here - 1;
		if (c->state[sib] == NODE_NONE) {
			g_set_error(error, GRID_ERROR, GRID_E_FORMAT,
			    "hash tree node %zu needed but not given", sib);
			return FALSE;
		}
		path[npath++] = here;
		if (here & 1)
			grid_hashtree_pair(cur, c->hash + sib * GRID_HASH_LEN,
			    cur);
		else
			grid_hashtree_pair(c->hash + sib * GRID_HASH_LEN, cur,
			    cur);
		here = (here - 1) / 2;
	}
	if (memcmp(c->hash + here * GRID_HASH_LEN, cur, GRID_HASH_LEN) != 0) {
		g_set_error(error, GRID_ERROR, GRID_E_CORRUPT,
		    "hash tree leaf %zu does not match the trusted hashes",
		    leafnum);
		return FALSE;
	}
	/* Now the path and its siblings are proven: recompute and keep. */
	memcpy(cur, leaf, GRID_HASH_LEN);
	for (i = 0; i < npath; i++) {
		here = path[i];
		sib = (here & 1) ? here + 1 : here - 1;
		memcpy(c->hash + here * GRID_HASH_LEN, cur, GRID_HASH_LEN);
		c->state[here] = NODE_KNOWN;
		c->state[sib] = NODE_KNOWN;
		if (here & 1)
			grid_hashtree_pair(cur, c->hash + sib * GRID_HASH_LEN,
			    cur);
		else
			grid_hashtree_pair(c->hash + sib * GRID_HASH_LEN, cur,
			    cur);
	}
	return TRUE;
}

const uint8_t *
grid_hashtree_check_known(const grid_hashtree_check *c, size_t index)
{
	if (index >= c->nodes || c->state[index] != NODE_KNOWN)
		return NULL;
	return c->hash + index * GRID_HASH_LEN;
}

/* grid/chk.c -- CHK immutable files, encoder and decoder.
 *
 * The encoder follows Tahoe-LAFS's upload path step by step: convergent
 * key (upload.FileHandle), storage index, AES-128-CTR with a zero IV over
 * the whole file (EncryptAnUploadable), segments cut from the ciphertext
 * and split into k blocks, the last one zero-padded to a multiple of k
 * (Encoder._gather_data), zfec blocks, a block hash per block, crypttext
 * segment hashes and the flat crypttext hash, then per share the trees and
 * the URI extension block, laid out by WriteBucketProxy.  Where Tahoe's
 * choices are accidents (the share-hash chain's order comes from a Python
 * set) they are reproduced, not improved.
 *
 * The decoder trusts only the cap: the UEB must hash to the cap's UEB
 * hash, and everything else is checked against the UEB before use.  It
 * works on shares held in memory; fetching them is the caller's business.
 */
#include "config.h"

#include <string.h>

#include <openssl/evp.h>
#include <sodium.h>

#include "grid/chk.h"
#include "grid/fec.h"
#include "grid/gm.h"
#include "grid/hashtree.h"
#include "grid/layout.h"
#include "grid/ueb.h"
#include "rpc/rbuf.h"

static uint64_t
div_ceil(uint64_t a, uint64_t b)
{
	return a / b + (a % b != 0);
}

static void sizes_fill(grid_chk_sizes *out, uint64_t size, unsigned k,
    uint64_t segsize);

gboolean
grid_chk_sizes_init(const grid_chk_params *p, uint64_t size,
    grid_chk_sizes *out, GError **error)
{
	memset(out, 0, sizeof(*out));
	if (p->k < 1 || p->k > p->n || p->n > GRID_FEC_MAX_SHARES ||
	    p->happy < 1 || p->happy > p->n) {
		g_set_error(error, GRID_ERROR, GRID_E_RANGE,
		    "shares needed/happy/total %u/%u/%u: need 1 <= needed <= "
		    "total <= 256 and 1 <= happy <= total", p->k, p->happy,
		    p->n);
		return FALSE;
	}
	if (p->max_segment_size < 1 ||
	    p->max_segment_size > GRID_CHK_MAX_SEGMENT_LIMIT) {
		g_set_error(error, GRID_ERROR, GRID_E_RANGE,
		    "maximum segment size %" G_GUINT64_FORMAT " outside 1.."
		    "%d", p->max_segment_size, GRID_CHK_MAX_SEGMENT_LIMIT);
		return FALSE;
	}
	if (size == 0 || size > UINT64_MAX / 2) {
		g_set_error(error, GRID_ERROR, GRID_E_RANGE,
		    "file size %" G_GUINT64_FORMAT " cannot be a CHK file",
		    size);
		return FALSE;
	}
	sizes_fill(out, size, p->k, div_ceil(MIN(p->max_segment_size, size),
	    p->k) * p->k);
	return TRUE;
}

/* The sizes of a file of 'size' bytes cut into segments of 'segsize' (a
 * multiple of k, > 0). */
static void
sizes_fill(grid_chk_sizes *out, uint64_t size, unsigned k, uint64_t segsize)
{
	out->size = size;
	out->segment_size = segsize;
	out->num_segments = div_ceil(size, out->segment_size);
	out->block_size = out->segment_size / k;
	out->tail_size = size % out->segment_size;
	if (out->tail_size == 0)
		out->tail_size = out->segment_size;
	out->tail_padded = div_ceil(out->tail_size, k) * k;
	out->tail_block_size = out->tail_padded / k;
	out->share_data = div_ceil(size, k);
}

grid_hasher *
grid_chk_key_hasher_new(const grid_chk_params *p, uint64_t size,
    const void *secret, size_t secretlen, GError **error)
{
	grid_chk_sizes s;

	if (!grid_chk_sizes_init(p, size, &s, error))
		return NULL;
	return grid_convergence_hasher_new(p->k, p->n, s.segment_size, secret,
	    secretlen, error);
}

/* AES-128-CTR with a zero IV, one keystream over the whole file. */
static EVP_CIPHER_CTX *
aes_ctr_new(const uint8_t key[GRID_KEY_LEN], uint64_t offset)
{
	uint8_t iv[16] = { 0 };
	uint64_t block = offset / 16;
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	uint8_t skip[16];
	int i, l;

	if (c == NULL)
		g_error("EVP_CIPHER_CTX_new: out of memory");
	/* the counter is the IV as a 128-bit big-endian number */
	for (i = 15; i >= 8; i--) {
		iv[i] = (uint8_t)block;
		block >>= 8;
	}
	if (EVP_EncryptInit_ex(c, EVP_aes_128_ctr(), NULL, key, iv) != 1)
		g_error("EVP_EncryptInit_ex(AES-128-CTR) failed");
	if (offset % 16 != 0)
		EVP_EncryptUpdate(c, skip, &l, skip, (int)(offset % 16));
	return c;
}

static void
aes_ctr_apply(EVP_CIPHER_CTX *c, uint8_t *p, size_t len)
{
	int l;

	while (len > 0) {
		int chunk = (int)MIN(len, (size_t)1 << 30);

		if (EVP_EncryptUpdate(c, p, &l, p, chunk) != 1 || l != chunk)
			g_error("AES-128-CTR failed");
		p += chunk;
		len -= (size_t)chunk;
	}
}

struct grid_chk_encoder {
	grid_chk_params		 params;
	grid_chk_sizes		 sz;
	uint8_t			 key[GRID_KEY_LEN];
	uint8_t			 si[GRID_SI_LEN];
	grid_layout		 layout;
	unsigned		 num_share_hashes;
	EVP_CIPHER_CTX		*aes;
	grid_fec		*fec;
	grid_hasher		*crypttext;
	uint8_t			*seg;		/* segment_size bytes */
	uint64_t		 seg_fill;
	uint8_t			*check;		/* (n - k) * block_size */
	uint64_t		 segnum;
	uint64_t		 fed;
	uint8_t			*seg_hashes;	/* num_segments * 32 */
	uint8_t			*block_hashes;	/* n * num_segments * 32 */
	grid_chk_write_fn	*fn;
	void			*arg;
	bool			 finished;
};

/* A UEB with every field, for the sizes; hashes as given (or zeros). */
static void
ueb_fill(const grid_chk_encoder *e, grid_ueb *u)
{
	memset(u, 0, sizeof(*u));
	u->present = GRID_UEB_ALL;
	u->size = e->sz.size;
	u->segment_size = e->sz.segment_size;
	u->num_segments = e->sz.num_segments;
	u->needed_shares = e->params.k;
	u->total_shares = e->params.n;
	u->codec_params.segsize = e->sz.segment_size;
	u->codec_params.k = e->params.k;
	u->codec_params.n = e->params.n;
	u->tail_codec_params.segsize = e->sz.tail_padded;
	u->tail_codec_params.k = e->params.k;
	u->tail_codec_params.n = e->params.n;
}

grid_chk_encoder *
grid_chk_encoder_new(const grid_chk_params *p, uint64_t size,
    const uint8_t key[GRID_KEY_LEN], grid_chk_write_fn *fn, void *arg,
    GError **error)
{
	g_autoptr(grid_chk_encoder) e = g_new0(grid_chk_encoder, 1);
	uint32_t needed[GRID_HASHTREE_MAX_NEEDED];
	g_autoptr(GByteArray) ueb = NULL;
	uint8_t hdr[GRID_LAYOUT_V2_HEADER];
	grid_ueb u;
	size_t hl;
	unsigned i;

	e->params = *p;
	if (!grid_chk_sizes_init(p, size, &e->sz, error))
		return NULL;
	if (e->sz.num_segments > GRID_HASHTREE_MAX_LEAVES) {
		g_set_error(error, GRID_ERROR, GRID_E_RANGE,
		    "%" G_GUINT64_FORMAT " segments: at most %zu",
		    e->sz.num_segments, GRID_HASHTREE_MAX_LEAVES);
		return NULL;
	}
	memcpy(e->key, key, GRID_KEY_LEN);
	grid_storage_index(key, e->si);
	e->fn = fn;
	e->arg = arg;
	e->num_share_hashes = (unsigned)grid_hashtree_needed(p->n, 0, true,
	    needed);
	/* the UEB's size is fixed before its hashes are known (upload.py
	 * asks for the space first) */
	ueb_fill(e, &u);
	ueb = grid_ueb_pack(&u);
	if (!grid_layout_init(&e->layout, e->sz.share_data, e->sz.block_size,
	    e->sz.num_segments, e->num_share_hashes, ueb->len, error))
		return NULL;
	e->fec = grid_fec_new(p->k, p->n, error);
	if (e->fec == NULL)
		return NULL;
	e->aes = aes_ctr_new(key, 0);
	e->crypttext = grid_hasher_new(GRID_TAG_CRYPTTEXT,
	    strlen(GRID_TAG_CRYPTTEXT), GRID_HASH_LEN);
	e->seg = g_malloc0(e->sz.segment_size);
	if (p->n > p->k)
		e->check = g_malloc((p->n - p->k) * e->sz.block_size);
	e->seg_hashes = g_malloc(e->sz.num_segments * GRID_HASH_LEN);
	e->block_hashes = g_malloc((size_t)p->n * e->sz.num_segments *
	    GRID_HASH_LEN);
	hl = grid_layout_header(&e->layout, hdr);
	for (i = 0; i < p->n; i++)
		fn(i, 0, hdr, hl, arg);
	return g_steal_pointer(&e);
}

void
grid_chk_encoder_free(grid_chk_encoder *e)
{
	if (e == NULL)
		return;
	sodium_memzero(e->key, sizeof(e->key));
	EVP_CIPHER_CTX_free(e->aes);
	grid_fec_free(e->fec);
	grid_hasher_free(e->crypttext);
	g_free(e->seg);
	g_free(e->check);
	g_free(e->seg_hashes);
	g_free(e->block_hashes);
	g_free(e);
}

uint64_t
grid_chk_encoder_share_size(const grid_chk_encoder *e)
{
	return grid_layout_share_size(&e->layout);
}

const uint8_t *
grid_chk_encoder_storage_index(const grid_chk_encoder *e)
{
	return e->si;
}

const grid_chk_sizes *
grid_chk_encoder_sizes(const grid_chk_encoder *e)
{
	return &e->sz;
}

/* Encrypt, hash, erasure-code and write the segment in e->seg. */
static void
encode_segment(grid_chk_encoder *e)
{
	unsigned k = e->params.k, n = e->params.n, i;
	bool tail = e->segnum == e->sz.num_segments - 1;
	uint64_t len = e->seg_fill;
	uint64_t bs = tail ? e->sz.tail_block_size : e->sz.block_size;
	const uint8_t *in[GRID_FEC_MAX_SHARES];
	uint8_t *out[GRID_FEC_MAX_SHARES];
	g_autoptr(grid_hasher) sh = NULL;

	aes_ctr_apply(e->aes, e->seg, len);
	sh = grid_hasher_new(GRID_TAG_CRYPTTEXT_SEG,
	    strlen(GRID_TAG_CRYPTTEXT_SEG), GRID_HASH_LEN);
	grid_hasher_update(sh, e->seg, len);
	grid_hasher_final(sh, e->seg_hashes + e->segnum * GRID_HASH_LEN);
	grid_hasher_update(e->crypttext, e->seg, len);
	if (tail)	/* the hashes above cover the unpadded ciphertext */
		memset(e->seg + len, 0, bs * k - len);
	for (i = 0; i < k; i++)
		in[i] = e->seg + i * bs;
	for (i = k; i < n; i++)
		out[i - k] = e->check + (i - k) * bs;
	grid_fec_encode(e->fec, in, out, bs);
	for (i = 0; i < n; i++) {
		const uint8_t *b = i < k ? in[i] : out[i - k];

		grid_tagged_hash(GRID_TAG_BLOCK, b, bs, GRID_HASH_LEN,
		    e->block_hashes + ((size_t)i * e->sz.num_segments +
		    e->segnum) * GRID_HASH_LEN);
		e->fn(i, e->layout.offset[GRID_LAYOUT_DATA] +
		    e->segnum * e->sz.block_size, b, bs, e->arg);
	}
	e->segnum++;
	e->seg_fill = 0;
}

gboolean
grid_chk_encoder_write(grid_chk_encoder *e, const void *p, size_t len,
    GError **error)
{
	const uint8_t *q = p;

	g_return_val_if_fail(!e->finished, FALSE);
	if (len > e->sz.size - e->fed) {
		g_set_error(error, GRID_ERROR, GRID_E_RANGE,
		    "more than the %" G_GUINT64_FORMAT " bytes announced",
		    e->sz.size);
		return FALSE;
	}
	e->fed += len;
	while (len > 0) {
		size_t take = (size_t)MIN((uint64_t)len,
		    e->sz.segment_size - e->seg_fill);

		memcpy(e->seg + e->seg_fill, q, take);
		e->seg_fill += take;
		q += take;
		len -= take;
		if (e->seg_fill == e->sz.segment_size)
			encode_segment(e);
	}
	return TRUE;
}

gboolean
grid_chk_encoder_finish(grid_chk_encoder *e, grid_uri *cap, GError **error)
{
	unsigned n = e->params.n, i, j, m;
	uint64_t nseg = e->sz.num_segments;
	size_t tree_nodes = grid_hashtree_nodes(nseg);
	size_t tree_bytes = tree_nodes * GRID_HASH_LEN;
	g_autofree uint8_t *ct_tree = NULL, *roots = NULL, *tail = NULL;
	g_autofree uint8_t *share_tree = NULL;
	g_autoptr(GByteArray) ueb = NULL;
	uint32_t chain[GRID_HASHTREE_MAX_NEEDED];
	uint64_t tail_len, ueb_len;
	uint8_t *t;
	grid_ueb u;

	memset(cap, 0, sizeof(*cap));
	g_return_val_if_fail(!e->finished, FALSE);
	if (e->fed != e->sz.size) {
		g_set_error(error, GRID_ERROR, GRID_E_RANGE,
		    "only %" G_GUINT64_FORMAT " of %" G_GUINT64_FORMAT
		    " bytes given", e->fed, e->sz.size);
		return FALSE;
	}
	if (e->seg_fill > 0)
		encode_segment(e);
	g_assert(e->segnum == nseg);
	e->finished = true;

	ueb_fill(e, &u);
	grid_hasher_final(e->crypttext, u.crypttext_hash);
	ct_tree = g_malloc(tree_bytes);
	grid_hashtree_build(e->seg_hashes, nseg, ct_tree);
	memcpy(u.crypttext_root_hash, ct_tree, GRID_HASH_LEN);
	/* the share hash tree's leaves are the block hash trees' roots */
	tail = g_malloc(tree_bytes);
	roots = g_malloc((size_t)n * GRID_HASH_LEN);
	for (i = 0; i < n; i++) {
		grid_hashtree_build(e->block_hashes +
		    (size_t)i * nseg * GRID_HASH_LEN, nseg, tail);
		memcpy(roots + (size_t)i * GRID_HASH_LEN, tail, GRID_HASH_LEN);
	}
	share_tree = g_malloc(grid_hashtree_nodes(n) * GRID_HASH_LEN);
	grid_hashtree_build(roots, n, share_tree);
	memcpy(u.share_root_hash, share_tree, GRID_HASH_LEN);
	ueb = grid_ueb_pack(&u);
	g_assert(ueb->len == e->layout.ueb_size);

	/* Everything after the blocks, one piece per share: the unused
	 * plaintext tree (zeros), the crypttext tree, the block tree, the
	 * share-hash chain and the UEB with its length. */
	tail_len = grid_layout_share_size(&e->layout) -
	    e->layout.offset[GRID_LAYOUT_PLAINTEXT_TREE];
	g_free(tail);
	tail = g_malloc0(tail_len);
	for (i = 0; i < n; i++) {
		t = tail + (e->layout.offset[GRID_LAYOUT_CRYPTTEXT_TREE] -
		    e->layout.offset[GRID_LAYOUT_PLAINTEXT_TREE]);
		memcpy(t, ct_tree, tree_bytes);
		t += tree_bytes;
		grid_hashtree_build(e->block_hashes +
		    (size_t)i * nseg * GRID_HASH_LEN, nseg, t);
		t += tree_bytes;
		m = (unsigned)grid_hashtree_needed_set_order(n, i, chain);
		g_assert(m == e->num_share_hashes);
		for (j = 0; j < m; j++) {
			t[0] = (uint8_t)(chain[j] >> 8);
			t[1] = (uint8_t)chain[j];
			memcpy(t + 2, share_tree + (size_t)chain[j] *
			    GRID_HASH_LEN, GRID_HASH_LEN);
			t += GRID_LAYOUT_SHARE_HASH_ENTRY;
		}
		ueb_len = ueb->len;
		for (j = (unsigned)grid_layout_ueb_field(&e->layout); j > 0;
		    j--) {
			t[j - 1] = (uint8_t)ueb_len;
			ueb_len >>= 8;
		}
		t += grid_layout_ueb_field(&e->layout);
		memcpy(t, ueb->data, ueb->len);
		e->fn(i, e->layout.offset[GRID_LAYOUT_PLAINTEXT_TREE], tail,
		    (size_t)tail_len, e->arg);
	}

	cap->kind = GRID_URI_CHK;
	memcpy(cap->key, e->key, GRID_KEY_LEN);
	memcpy(cap->si, e->si, GRID_SI_LEN);
	grid_ueb_hash(ueb->data, ueb->len, cap->ueb_hash);
	cap->k = e->params.k;
	cap->n = n;
	cap->size = e->sz.size;
	return TRUE;
}

gboolean
grid_chk_encode_buffer(const grid_chk_params *p, const void *secret,
    size_t secretlen, const uint8_t *data, size_t size,
    grid_chk_write_fn *fn, void *arg, grid_uri *cap, GError **error)
{
	g_autoptr(grid_hasher) kh = NULL;
	g_autoptr(grid_chk_encoder) e = NULL;
	uint8_t key[GRID_KEY_LEN];
	gboolean ok;

	memset(cap, 0, sizeof(*cap));
	if (size <= GRID_URI_LIT_THRESHOLD) {
		cap->kind = GRID_URI_LIT;
		cap->lit = g_memdup2(data, size + (size == 0));
		cap->lit_len = size;
		cap->size = size;
		return TRUE;
	}
	kh = grid_chk_key_hasher_new(p, size, secret, secretlen, error);
	if (kh == NULL)
		return FALSE;
	grid_hasher_update(kh, data, size);
	grid_hasher_final(kh, key);
	e = grid_chk_encoder_new(p, size, key, fn, arg, error);
	sodium_memzero(key, sizeof(key));
	if (e == NULL)
		return FALSE;
	ok = grid_chk_encoder_write(e, data, size, error) &&
	    grid_chk_encoder_finish(e, cap, error);
	return ok;
}

/* ---- decoding ---- */

/* One share under examination. */
struct dshare {
	const grid_chk_share_in	*in;
	grid_layout		 layout;
	grid_hashtree_check	*blocks;	/* rooted in the share tree */
	bool			 bad;
};

struct decoder {
	const grid_uri		*cap;
	grid_ueb		 ueb;
	bool			 have_ueb;
	grid_chk_sizes		 sz;
	unsigned		 num_share_hashes;
	struct dshare		*sh;
	size_t			 nsh;
	GArray			*bad;
	grid_hashtree_check	*crypttext;
};

static void
mark_bad(struct decoder *d, struct dshare *s)
{
	if (s->bad)
		return;
	s->bad = true;
	if (d->bad != NULL)
		g_array_append_val(d->bad, s->in->shnum);
}

/* Read 'len' bytes at 'off' of a share, or NULL if they are not all in
 * it. */
static const uint8_t *
share_at(const struct dshare *s, uint64_t off, uint64_t len)
{
	if (off > s->in->len || len > s->in->len - off)
		return NULL;
	return s->in->p + off;
}

/* Find the UEB of share 's', check it against the cap's hash and, for the
 * first good one, adopt it.  False if the share is unusable. */
static bool
share_ueb(struct decoder *d, struct dshare *s, grid_layout *hdr)
{
	uint64_t ueb_len = 0;
	const uint8_t *field, *ueb;
	uint8_t h[GRID_HASH_LEN];
	size_t fl, i;

	if (!grid_layout_parse(s->in->p, s->in->len, s->in->len, hdr, NULL))
		return false;
	fl = grid_layout_ueb_field(hdr);
	field = share_at(s, hdr->offset[GRID_LAYOUT_UEB], fl);
	if (field == NULL)
		return false;
	for (i = 0; i < fl; i++)
		ueb_len = ueb_len << 8 | field[i];
	if (ueb_len > GRID_UEB_MAX)
		return false;
	ueb = share_at(s, hdr->offset[GRID_LAYOUT_UEB] + fl, ueb_len);
	if (ueb == NULL)
		return false;
	grid_ueb_hash(ueb, (size_t)ueb_len, h);
	if (sodium_memcmp(h, d->cap->ueb_hash, GRID_HASH_LEN) != 0)
		return false;
	hdr->ueb_size = ueb_len;
	if (!d->have_ueb) {
		if (!grid_ueb_parse(ueb, (size_t)ueb_len, &d->ueb, NULL))
			return false;
		d->have_ueb = true;
	}
	return true;
}

/* The UEB matched the cap, so it is what the uploader wrote; still check
 * that its sizes are ones this decoder can work with. */
static gboolean
adopt_sizes(struct decoder *d, GError **error)
{
	const grid_ueb *u = &d->ueb;
	unsigned k = d->cap->k;
	uint32_t needed[GRID_HASHTREE_MAX_NEEDED];

	if (u->segment_size == 0 || u->segment_size % k != 0 ||
	    u->segment_size > GRID_CHK_MAX_SEGMENT_LIMIT ||
	    d->cap->size == 0 || d->cap->size > UINT64_MAX / 2) {
		g_set_error(error, GRID_ERROR, GRID_E_FORMAT,
		    "URI extension block: unusable segment size %"
		    G_GUINT64_FORMAT, u->segment_size);
		return FALSE;
	}
	sizes_fill(&d->sz, d->cap->size, k, u->segment_size);
	if (d->sz.num_segments > GRID_HASHTREE_MAX_LEAVES ||
	    ((u->present & GRID_UEB_NUM_SEGMENTS) &&
	    u->num_segments != d->sz.num_segments) ||
	    ((u->present & GRID_UEB_SIZE) && u->size != d->cap->size)) {
		g_set_error(error, GRID_ERROR, GRID_E_FORMAT,
		    "URI extension block disagrees with the cap's size");
		return FALSE;
	}
	d->num_share_hashes = (unsigned)grid_hashtree_needed(d->cap->n, 0,
	    true, needed);
	return TRUE;
}

/* Check a share's layout and its block tree root against the share hash
 * tree, and get its block tree ready. */
static bool
share_open(struct decoder *d, struct dshare *s, const grid_layout *hdr)
{
	g_autoptr(grid_hashtree_check) st = NULL;
	grid_layout want;
	const uint8_t *chain, *tree;
	size_t nodes = grid_hashtree_nodes(d->sz.num_segments), i;
	const size_t E = GRID_LAYOUT_SHARE_HASH_ENTRY;

	if (s->in->shnum >= d->cap->n ||
	    !grid_layout_init_version(&want, hdr->version, d->sz.share_data,
	    d->sz.block_size, d->sz.num_segments, d->num_share_hashes,
	    hdr->ueb_size, NULL) ||
	    memcmp(want.offset, hdr->offset, sizeof(want.offset)) != 0 ||
	    grid_layout_share_size(&want) > s->in->len)
		return false;
	s->layout = want;
	chain = share_at(s, want.offset[GRID_LAYOUT_SHARE_HASHES],
	    (uint64_t)d->num_share_hashes * E);
	tree = share_at(s, want.offset[GRID_LAYOUT_BLOCK_HASHES],
	    nodes * GRID_HASH_LEN);
	if (chain == NULL || tree == NULL)
		return false;
	st = grid_hashtree_check_new(d->cap->n, d->ueb.share_root_hash);
	for (i = 0; i < d->num_share_hashes; i++) {
		size_t idx = (size_t)chain[i * E] << 8 | chain[i * E + 1];

		if (!grid_hashtree_check_offer(st, idx, chain + i * E + 2,
		    NULL))
			return false;
	}
	/* node 0 of the share's block tree is leaf shnum of the share tree */
	if (!grid_hashtree_check_leaf(st, s->in->shnum, tree, NULL))
		return false;
	s->blocks = grid_hashtree_check_new(d->sz.num_segments, tree);
	for (i = 1; i < nodes; i++)
		if (!grid_hashtree_check_offer(s->blocks, i,
		    tree + i * GRID_HASH_LEN, NULL))
			return false;
	return true;
}

/* The block of segment 'seg' from share 's', checked against its block
 * hash tree; NULL (and the share marked bad) if it does not match. */
static const uint8_t *
share_block(struct decoder *d, struct dshare *s, uint64_t seg, uint64_t bs)
{
	const uint8_t *b;
	uint8_t h[GRID_HASH_LEN];

	b = share_at(s, s->layout.offset[GRID_LAYOUT_DATA] +
	    seg * d->sz.block_size, bs);
	if (b == NULL)
		goto bad;
	grid_tagged_hash(GRID_TAG_BLOCK, b, bs, GRID_HASH_LEN, h);
	if (!grid_hashtree_check_leaf(s->blocks, seg, h, NULL))
		goto bad;
	return b;
bad:
	mark_bad(d, s);
	return NULL;
}

/* Check the crypttext hash of segment 'seg' with the crypttext tree
 * nodes of any good share that lead to the UEB's root. */
static bool
check_crypttext(struct decoder *d, uint64_t seg, const uint8_t *h)
{
	uint32_t need[GRID_HASHTREE_MAX_NEEDED];
	size_t m = grid_hashtree_needed(d->sz.num_segments, seg, false, need);
	size_t i, j;

	if (grid_hashtree_check_leaf(d->crypttext, seg, h, NULL))
		return true;
	for (i = 0; i < d->nsh; i++) {
		const struct dshare *s = &d->sh[i];
		bool ok = true;

		if (s->bad || s->blocks == NULL)
			continue;
		for (j = 0; j < m && ok; j++) {
			const uint8_t *n = share_at(s,
			    s->layout.offset[GRID_LAYOUT_CRYPTTEXT_TREE] +
			    (uint64_t)need[j] * GRID_HASH_LEN, GRID_HASH_LEN);

			ok = n != NULL && grid_hashtree_check_offer(
			    d->crypttext, need[j], n, NULL);
		}
		if (ok && grid_hashtree_check_leaf(d->crypttext, seg, h, NULL))
			return true;
	}
	return false;
}

static void
decoder_clear(struct decoder *d)
{
	size_t i;

	for (i = 0; i < d->nsh; i++)
		grid_hashtree_check_free(d->sh[i].blocks);
	g_free(d->sh);
	grid_hashtree_check_free(d->crypttext);
}

gboolean
grid_chk_decode(const grid_uri *cap, const grid_chk_share_in *shares,
    size_t nshares, grid_chk_read_fn *fn, void *arg, GArray *bad,
    GError **error)
{
	struct decoder d;
	g_autoptr(grid_fec) fec = NULL;
	g_autofree uint8_t *seg = NULL;
	g_autofree uint8_t **out = NULL;
	g_autoptr(grid_hasher) flat = NULL;
	EVP_CIPHER_CTX *aes = NULL;
	const uint8_t *blocks[GRID_FEC_MAX_SHARES];
	unsigned nums[GRID_FEC_MAX_SHARES];
	uint8_t h[GRID_HASH_LEN];
	gboolean ok = FALSE;
	uint64_t s;
	size_t i;

	memset(&d, 0, sizeof(d));
	if (cap->kind != GRID_URI_CHK || cap->k < 1 || cap->k > cap->n ||
	    cap->n > GRID_FEC_MAX_SHARES) {
		g_set_error(error, GRID_ERROR, GRID_E_FORMAT,
		    "not a URI:CHK: read cap with 1 <= k <= n <= 256");
		return FALSE;
	}
	d.cap = cap;
	d.bad = bad;
	d.nsh = nshares;
	d.sh = g_new0(struct dshare, nshares);
	for (i = 0; i < nshares; i++) {
		grid_layout hdr;

		d.sh[i].in = &shares[i];
		if (!share_ueb(&d, &d.sh[i], &hdr)) {
			mark_bad(&d, &d.sh[i]);
			continue;
		}
		if (d.num_share_hashes == 0 && !adopt_sizes(&d, error))
			goto out;
		/* two copies of one share number may both be kept: each
		 * segment takes the first that verifies */
		if (!share_open(&d, &d.sh[i], &hdr))
			mark_bad(&d, &d.sh[i]);
	}
	if (!d.have_ueb) {
		g_set_error(error, GRID_ERROR, GRID_E_CORRUPT,
		    "none of %zu shares holds the cap's URI extension block",
		    nshares);
		goto out;
	}
	fec = grid_fec_new(cap->k, cap->n, error);
	if (fec == NULL)
		goto out;
	d.crypttext = grid_hashtree_check_new(d.sz.num_segments,
	    d.ueb.crypttext_root_hash);
	seg = g_malloc(d.sz.segment_size);
	out = g_new(uint8_t *, cap->k);
	aes = aes_ctr_new(cap->key, 0);
	flat = grid_hasher_new(GRID_TAG_CRYPTTEXT, strlen(GRID_TAG_CRYPTTEXT),
	    GRID_HASH_LEN);
	for (s = 0; s < d.sz.num_segments; s++) {
		bool tail = s == d.sz.num_segments - 1;
		uint64_t bs = tail ? d.sz.tail_block_size : d.sz.block_size;
		uint64_t len = tail ? d.sz.tail_size : d.sz.segment_size;
		unsigned got = 0;

		/* lowest share numbers first: data blocks need no decoding */
		for (unsigned want = 0; want < cap->n && got < cap->k; want++)
			for (i = 0; i < nshares && got < cap->k; i++) {
				struct dshare *sh = &d.sh[i];

				if (sh->bad || sh->blocks == NULL ||
				    sh->in->shnum != want)
					continue;
				blocks[got] = share_block(&d, sh, s, bs);
				if (blocks[got] != NULL) {
					nums[got++] = want;
					break;
				}
			}
		if (got < cap->k) {
			g_set_error(error, GRID_ERROR, GRID_E_CORRUPT,
			    "segment %" G_GUINT64_FORMAT ": %u good shares, "
			    "%u needed", s, got, cap->k);
			goto out;
		}
		for (i = 0; i < cap->k; i++)
			out[i] = seg + i * bs;
		if (!grid_fec_decode(fec, blocks, nums, out, bs, error))
			goto out;
		grid_tagged_hash(GRID_TAG_CRYPTTEXT_SEG, seg, len,
		    GRID_HASH_LEN, h);
		if (!check_crypttext(&d, s, h)) {
			g_set_error(error, GRID_ERROR, GRID_E_CORRUPT,
			    "segment %" G_GUINT64_FORMAT " does not match the "
			    "crypttext hash tree", s);
			goto out;
		}
		grid_hasher_update(flat, seg, len);
		aes_ctr_apply(aes, seg, len);
		fn(seg, len, arg);
	}
	grid_hasher_final(flat, h);
	if ((d.ueb.present & GRID_UEB_CRYPTTEXT_HASH) &&
	    sodium_memcmp(h, d.ueb.crypttext_hash, GRID_HASH_LEN) != 0) {
		g_set_error(error, GRID_ERROR, GRID_E_CORRUPT,
		    "ciphertext does not match the flat crypttext hash");
		goto out;
	}
	ok = TRUE;
out:
	EVP_CIPHER_CTX_free(aes);
	if (seg != NULL)
		sodium_memzero(seg, d.sz.segment_size);
	decoder_clear(&d);
	return ok;
}

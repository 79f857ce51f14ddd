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
	uint64_t tail_len;
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
		grid_layout_ueb_len_put(&e->layout, t, ueb->len);
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

/* One share the reader has accepted. */
struct rshare {
	unsigned		 shnum;
	bool			 bad;
	grid_layout		 layout;
	grid_hashtree_check	*blocks;	/* rooted in the share tree */
	uint8_t			*ct_tree;	/* its crypttext tree, unchecked */
};

struct grid_chk_reader {
	grid_uri		 cap;
	grid_ueb		 ueb;
	bool			 have_ueb;
	grid_chk_sizes		 sz;
	unsigned		 num_share_hashes;
	GPtrArray		*shares;	/* struct rshare * */
	grid_fec		*fec;
	grid_hashtree_check	*crypttext;
	uint8_t			*seg;		/* segment_size bytes */
};

static void
rshare_free(gpointer p)
{
	struct rshare *s = p;

	grid_hashtree_check_free(s->blocks);
	g_free(s->ct_tree);
	g_free(s);
}

grid_chk_reader *
grid_chk_reader_new(const grid_uri *cap, GError **error)
{
	grid_chk_reader *r;

	if (cap->kind != GRID_URI_CHK || cap->k < 1 || cap->k > cap->n ||
	    cap->n > GRID_FEC_MAX_SHARES || cap->size == 0) {
		g_set_error(error, GRID_ERROR, GRID_E_FORMAT,
		    "not a URI:CHK: read cap with 1 <= k <= n <= 256");
		return NULL;
	}
	r = g_new0(grid_chk_reader, 1);
	r->cap = *cap;
	r->cap.lit = NULL;
	r->shares = g_ptr_array_new_with_free_func(rshare_free);
	r->fec = grid_fec_new(cap->k, cap->n, NULL);
	return r;
}

void
grid_chk_reader_free(grid_chk_reader *r)
{
	if (r == NULL)
		return;
	g_ptr_array_unref(r->shares);
	grid_fec_free(r->fec);
	grid_hashtree_check_free(r->crypttext);
	if (r->seg != NULL)
		sodium_memzero(r->seg, r->sz.segment_size);
	g_free(r->seg);
	sodium_memzero(&r->cap, sizeof(r->cap));
	g_free(r);
}

gboolean
grid_chk_reader_meta_range(const uint8_t *hdr, size_t len, uint64_t *off,
    uint64_t *mlen, GError **error)
{
	grid_layout l;
	uint64_t end;

	*off = *mlen = 0;
	if (!grid_layout_parse(hdr, len, 0, &l, error))
		return FALSE;
	end = l.offset[GRID_LAYOUT_UEB];
	if (end > UINT64_MAX - 8 - GRID_UEB_MAX) {
		g_set_error(error, GRID_ERROR, GRID_E_FORMAT,
		    "share header offsets out of range");
		return FALSE;
	}
	*off = l.offset[GRID_LAYOUT_CRYPTTEXT_TREE];
	*mlen = end + grid_layout_ueb_field(&l) + GRID_UEB_MAX - *off;
	return TRUE;
}

/* The UEB matched the cap, so it is what the uploader wrote; still check
 * that its sizes are ones this reader can work with. */
static gboolean
adopt_ueb(grid_chk_reader *r, const uint8_t *ueb, size_t len,
    GError **error)
{
	uint32_t needed[GRID_HASHTREE_MAX_NEEDED];
	const grid_ueb *u = &r->ueb;
	unsigned k = r->cap.k;

	if (!grid_ueb_parse(ueb, len, &r->ueb, error))
		return FALSE;
	if (u->segment_size == 0 || u->segment_size % k != 0 ||
	    u->segment_size > GRID_CHK_MAX_SEGMENT_LIMIT ||
	    r->cap.size > UINT64_MAX / 2) {
		g_set_error(error, GRID_ERROR, GRID_E_FORMAT,
		    "URI extension block: unusable segment size %"
		    G_GUINT64_FORMAT, u->segment_size);
		return FALSE;
	}
	sizes_fill(&r->sz, r->cap.size, k, u->segment_size);
	if (r->sz.num_segments > GRID_HASHTREE_MAX_LEAVES ||
	    ((u->present & GRID_UEB_NUM_SEGMENTS) &&
	    u->num_segments != r->sz.num_segments) ||
	    ((u->present & GRID_UEB_SIZE) && u->size != r->cap.size)) {
		g_set_error(error, GRID_ERROR, GRID_E_FORMAT,
		    "URI extension block disagrees with the cap's size");
		return FALSE;
	}
	r->num_share_hashes = (unsigned)grid_hashtree_needed(r->cap.n, 0,
	    true, needed);
	r->crypttext = grid_hashtree_check_new(r->sz.num_segments,
	    u->crypttext_root_hash);
	r->seg = g_malloc(r->sz.segment_size);
	r->have_ueb = true;
	return TRUE;
}

static gboolean
corrupt(GError **error, unsigned shnum, const char *what)
{
	g_set_error(error, GRID_ERROR, GRID_E_CORRUPT, "share %u: %s", shnum,
	    what);
	return FALSE;
}

/* The bytes [off, off + n) of the share from the meta range; NULL unless
 * all of them were read. */
static const uint8_t *
meta_at(const uint8_t *meta, uint64_t moff, size_t mlen, uint64_t off,
    uint64_t n)
{
	if (off < moff || off - moff > mlen || n > mlen - (off - moff))
		return NULL;
	return meta + (off - moff);
}

gboolean
grid_chk_reader_add_share(grid_chk_reader *r, unsigned shnum,
    const uint8_t *hdr, size_t hdrlen, uint64_t moff, const uint8_t *meta,
    size_t mlen, int *id, GError **error)
{
	g_autoptr(grid_hashtree_check) st = NULL;
	g_autoptr(grid_hashtree_check) bt = NULL;
	grid_layout l, want;
	const uint8_t *field, *ueb, *chain, *tree, *ct;
	const size_t E = GRID_LAYOUT_SHARE_HASH_ENTRY;
	uint8_t h[GRID_HASH_LEN];
	uint64_t ueb_len = 0;
	size_t fl, i, nodes;
	struct rshare *s;

	*id = -1;
	if (shnum >= r->cap.n)
		return corrupt(error, shnum, "number beyond the cap's total");
	if (!grid_layout_parse(hdr, hdrlen, 0, &l, error)) {
		g_prefix_error(error, "share %u: ", shnum);
		return FALSE;
	}
	fl = grid_layout_ueb_field(&l);
	field = meta_at(meta, moff, mlen, l.offset[GRID_LAYOUT_UEB], fl);
	if (field == NULL)
		return corrupt(error, shnum, "URI extension block missing");
	ueb_len = grid_layout_ueb_len_get(&l, field);
	if (ueb_len > GRID_UEB_MAX)
		return corrupt(error, shnum, "URI extension block too long");
	ueb = meta_at(meta, moff, mlen, l.offset[GRID_LAYOUT_UEB] + fl,
	    ueb_len);
	if (ueb == NULL)
		return corrupt(error, shnum, "URI extension block cut short");
	grid_ueb_hash(ueb, (size_t)ueb_len, h);
	if (sodium_memcmp(h, r->cap.ueb_hash, GRID_HASH_LEN) != 0)
		return corrupt(error, shnum,
		    "URI extension block does not match the cap");
	if (!r->have_ueb && !adopt_ueb(r, ueb, (size_t)ueb_len, error))
		return FALSE;
	/* the sections must be exactly where the sizes put them */
	if (!grid_layout_init_version(&want, l.version, r->sz.share_data,
	    r->sz.block_size, r->sz.num_segments, r->num_share_hashes,
	    ueb_len, NULL) ||
	    memcmp(want.offset, l.offset, sizeof(want.offset)) != 0)
		return corrupt(error, shnum, "header offsets do not fit the "
		    "file's sizes");
	nodes = grid_hashtree_nodes(r->sz.num_segments);
	chain = meta_at(meta, moff, mlen, want.offset[GRID_LAYOUT_SHARE_HASHES],
	    (uint64_t)r->num_share_hashes * E);
	tree = meta_at(meta, moff, mlen, want.offset[GRID_LAYOUT_BLOCK_HASHES],
	    nodes * GRID_HASH_LEN);
	ct = meta_at(meta, moff, mlen, want.offset[GRID_LAYOUT_CRYPTTEXT_TREE],
	    nodes * GRID_HASH_LEN);
	if (chain == NULL || tree == NULL || ct == NULL)
		return corrupt(error, shnum, "hash trees cut short");
	st = grid_hashtree_check_new(r->cap.n, r->ueb.share_root_hash);
	for (i = 0; i < r->num_share_hashes; i++) {
		size_t idx = (size_t)chain[i * E] << 8 | chain[i * E + 1];

		if (!grid_hashtree_check_offer(st, idx, chain + i * E + 2,
		    NULL))
			return corrupt(error, shnum, "bad share hash chain");
	}
	/* node 0 of the share's block tree is leaf shnum of the share tree */
	if (!grid_hashtree_check_leaf(st, shnum, tree, NULL))
		return corrupt(error, shnum,
		    "block hash tree does not lead to the share root");
	bt = grid_hashtree_check_new(r->sz.num_segments, tree);
	for (i = 1; i < nodes; i++)
		grid_hashtree_check_offer(bt, i, tree + i * GRID_HASH_LEN,
		    NULL);	/* cannot contradict: only node 0 is known */
	s = g_new0(struct rshare, 1);
	s->shnum = shnum;
	s->layout = want;
	s->blocks = g_steal_pointer(&bt);
	s->ct_tree = g_memdup2(ct, nodes * GRID_HASH_LEN);
	g_ptr_array_add(r->shares, s);
	*id = (int)r->shares->len - 1;
	return TRUE;
}

const grid_chk_sizes *
grid_chk_reader_sizes(const grid_chk_reader *r)
{
	return r->have_ueb ? &r->sz : NULL;
}

unsigned
grid_chk_reader_shnum(const grid_chk_reader *r, int id)
{
	g_return_val_if_fail(id >= 0 && (guint)id < r->shares->len, 0);
	return ((struct rshare *)g_ptr_array_index(r->shares, id))->shnum;
}

void
grid_chk_reader_mark_bad(grid_chk_reader *r, int id)
{
	g_return_if_fail(id >= 0 && (guint)id < r->shares->len);
	((struct rshare *)g_ptr_array_index(r->shares, id))->bad = true;
}

bool
grid_chk_reader_is_bad(const grid_chk_reader *r, int id)
{
	g_return_val_if_fail(id >= 0 && (guint)id < r->shares->len, true);
	return ((struct rshare *)g_ptr_array_index(r->shares, id))->bad;
}

void
grid_chk_reader_block_range(const grid_chk_reader *r, int id, uint64_t seg,
    uint64_t *off, uint64_t *len)
{
	const struct rshare *s;

	*off = *len = 0;
	g_return_if_fail(id >= 0 && (guint)id < r->shares->len);
	g_return_if_fail(seg < r->sz.num_segments);
	s = g_ptr_array_index(r->shares, id);
	*off = s->layout.offset[GRID_LAYOUT_DATA] + seg * r->sz.block_size;
	*len = seg == r->sz.num_segments - 1 ? r->sz.tail_block_size :
	    r->sz.block_size;
}

gboolean
grid_chk_reader_check_block(grid_chk_reader *r, int id, uint64_t seg,
    const uint8_t *block, size_t len, GError **error)
{
	struct rshare *s;
	uint8_t h[GRID_HASH_LEN];
	uint64_t off, want;

	g_return_val_if_fail(id >= 0 && (guint)id < r->shares->len, FALSE);
	g_return_val_if_fail(seg < r->sz.num_segments, FALSE);
	s = g_ptr_array_index(r->shares, id);
	grid_chk_reader_block_range(r, id, seg, &off, &want);
	if (len != want) {
		s->bad = true;
		return corrupt(error, s->shnum, "block of the wrong length");
	}
	grid_tagged_hash(GRID_TAG_BLOCK, block, len, GRID_HASH_LEN, h);
	if (!grid_hashtree_check_leaf(s->blocks, seg, h, NULL)) {
		s->bad = true;
		return corrupt(error, s->shnum,
		    "block does not match its block hash tree");
	}
	return TRUE;
}

/* Check the crypttext hash of segment 'seg' with the crypttext tree
 * nodes of any share that lead to the UEB's root. */
static bool
check_crypttext(grid_chk_reader *r, uint64_t seg, const uint8_t *h)
{
	uint32_t need[GRID_HASHTREE_MAX_NEEDED];
	size_t m = grid_hashtree_needed(r->sz.num_segments, seg, false, need);
	size_t i, j;

	if (grid_hashtree_check_leaf(r->crypttext, seg, h, NULL))
		return true;
	for (i = 0; i < r->shares->len; i++) {
		const struct rshare *s = g_ptr_array_index(r->shares, i);
		bool ok = true;

		for (j = 0; j < m && ok; j++)
			ok = grid_hashtree_check_offer(r->crypttext, need[j],
			    s->ct_tree + (size_t)need[j] * GRID_HASH_LEN,
			    NULL);
		if (ok && grid_hashtree_check_leaf(r->crypttext, seg, h, NULL))
			return true;
	}
	return false;
}

gboolean
grid_chk_reader_segment(grid_chk_reader *r, uint64_t seg, const int *ids,
    const uint8_t *const *blocks, grid_chk_read_fn *fn, void *arg,
    GError **error)
{
	unsigned k = r->cap.k, nums[GRID_FEC_MAX_SHARES], i;
	uint8_t *out[GRID_FEC_MAX_SHARES];
	uint64_t bs, len;
	uint8_t h[GRID_HASH_LEN];
	EVP_CIPHER_CTX *aes;

	g_return_val_if_fail(r->have_ueb && seg < r->sz.num_segments, FALSE);
	bs = seg == r->sz.num_segments - 1 ? r->sz.tail_block_size :
	    r->sz.block_size;
	len = seg == r->sz.num_segments - 1 ? r->sz.tail_size :
	    r->sz.segment_size;
	for (i = 0; i < k; i++) {
		g_return_val_if_fail(ids[i] >= 0 &&
		    (guint)ids[i] < r->shares->len, FALSE);
		nums[i] = ((struct rshare *)g_ptr_array_index(r->shares,
		    ids[i]))->shnum;
		out[i] = r->seg + i * bs;
	}
	if (!grid_fec_decode(r->fec, blocks, nums, out, bs, error))
		return FALSE;
	grid_tagged_hash(GRID_TAG_CRYPTTEXT_SEG, r->seg, len, GRID_HASH_LEN,
	    h);
	if (!check_crypttext(r, seg, h)) {
		g_set_error(error, GRID_ERROR, GRID_E_CORRUPT,
		    "segment %" G_GUINT64_FORMAT " does not match the "
		    "crypttext hash tree", seg);
		return FALSE;
	}
	aes = aes_ctr_new(r->cap.key, seg * r->sz.segment_size);
	aes_ctr_apply(aes, r->seg, len);
	EVP_CIPHER_CTX_free(aes);
	fn(r->seg, len, arg);
	return TRUE;
}

/* ---- decoding shares held in memory ---- */

gboolean
grid_chk_decode(const grid_uri *cap, const grid_chk_share_in *shares,
    size_t nshares, grid_chk_read_fn *fn, void *arg, GArray *bad,
    GError **error)
{
	g_autoptr(grid_chk_reader) r = NULL;
	g_autoptr(GError) last = NULL;
	g_autofree int *id = NULL;
	const uint8_t *blocks[GRID_FEC_MAX_SHARES];
	int use[GRID_FEC_MAX_SHARES];
	const grid_chk_sizes *sz;
	uint64_t s, off, len;
	size_t i;

	r = grid_chk_reader_new(cap, error);
	if (r == NULL)
		return FALSE;
	id = g_new(int, nshares + 1);
	for (i = 0; i < nshares; i++) {
		const grid_chk_share_in *in = &shares[i];
		g_autoptr(GError) e = NULL;
		uint64_t moff = 0, mlen = 0;

		id[i] = -1;
		if (grid_chk_reader_meta_range(in->p, in->len, &moff, &mlen,
		    NULL) && moff <= in->len)
			mlen = MIN(mlen, in->len - moff);
		else
			moff = mlen = 0;
		if (!grid_chk_reader_add_share(r, in->shnum, in->p, in->len,
		    moff, in->p + moff, (size_t)mlen, &id[i], &e)) {
			g_clear_error(&last);
			last = g_steal_pointer(&e);
			if (bad != NULL)
				g_array_append_val(bad, in->shnum);
		}
	}
	sz = grid_chk_reader_sizes(r);
	if (sz == NULL) {
		g_set_error(error, GRID_ERROR, GRID_E_CORRUPT,
		    "no usable share among %zu%s%s", nshares,
		    last ? "; last: " : "", last ? last->message : "");
		return FALSE;
	}
	for (s = 0; s < sz->num_segments; s++) {
		unsigned got = 0, want;

		/* lowest share numbers first: data blocks need no decoding;
		 * of several copies of one number the first that verifies */
		for (want = 0; want < cap->n && got < cap->k; want++)
			for (i = 0; i < nshares && got < cap->k; i++) {
				if (id[i] < 0 || shares[i].shnum != want ||
				    grid_chk_reader_is_bad(r, id[i]))
					continue;
				grid_chk_reader_block_range(r, id[i], s, &off,
				    &len);
				if (off <= shares[i].len &&
				    len <= shares[i].len - off &&
				    grid_chk_reader_check_block(r, id[i], s,
				    shares[i].p + off, (size_t)len, NULL)) {
					blocks[got] = shares[i].p + off;
					use[got++] = id[i];
					break;
				}
				grid_chk_reader_mark_bad(r, id[i]);
				if (bad != NULL)
					g_array_append_val(bad,
					    shares[i].shnum);
			}
		if (got < cap->k) {
			g_set_error(error, GRID_ERROR, GRID_E_CORRUPT,
			    "segment %" G_GUINT64_FORMAT ": %u good shares, "
			    "%u needed", s, got, cap->k);
			return FALSE;
		}
		if (!grid_chk_reader_segment(r, s, use, blocks, fn, arg,
		    error))
			return FALSE;
	}
	return TRUE;
}

/* grid/download.c -- one download, as a state machine on the loop.
 *
 *   FIND    get_buckets on every server: the readers of every share found
 *   FETCH   keep k "slots" filled with accepted shares (a source is opened
 *           by reading its head, then its tail, and offering both to the
 *           streaming decoder), and fetch the blocks of one segment from
 *           the k slots at once; check them, decode, deliver, next.  The
 *           blocks of the next DL_AHEAD - 1 segments are asked for while
 *           one is checked and decoded, so that the servers and the
 *           network work while the client does.
 *
 * Sources are tried lowest share number first (data shares need no
 * erasure decoding) and on servers not yet in use.  A source that fails
 * (a bad answer, a failed check, a lost or silent server) is dropped for
 * good, reported with advise_corrupt_share when its bytes were wrong, and
 * its slot refilled; the segment's other blocks are kept.  Every call
 * holds a reference on the download, which is freed when it has finished
 * and no call is outstanding. */
#include "config.h"

#include <string.h>

#include <sodium.h>

#include "grid/chk.h"
#include "grid/download.h"
#include "grid/fec.h"
#include "grid/err.h"
#include "grid/hashutil.h"
#include "grid/layout.h"
#include "grid/storage.h"
#include "rpc/common.h"
#include "rpc/err.h"

/* Segments whose blocks are in flight at once: 2 keeps the servers busy
 * while a segment is checked and decoded (k more blocks in memory). */
#define DL_AHEAD	2

/* The block of one segment from one slot's share. */
typedef struct block {
	uint8_t		*data;		/* NULL: not asked for */
	uint64_t	 len;
	guint64		 seg;
	guint		 reads;		/* outstanding */
	gboolean	 is_short;
	gboolean	 ok;
} block;

typedef struct source {
	guint		 server;	/* index into d->servers */
	unsigned	 shnum;
	rpc_ref		*reader;
	gboolean	 failed;
	gboolean	 in_use;
} source;

typedef enum { SL_EMPTY, SL_HEAD, SL_TAIL, SL_READY } slot_state;

typedef struct slot {
	source		*src;
	slot_state	 state;
	guint		 gen;		/* bumped when the source changes */
	GByteArray	*head, *tail;
	uint64_t	 tail_off, tail_want;
	block		 b[DL_AHEAD];	/* segment s in b[s % DL_AHEAD] */
	int		 id;		/* the reader's id of the share */
} slot;

typedef enum { PH_FIND, PH_FETCH, PH_DONE } phase;

struct grid_download {
	struct ev_loop	*loop;
	grid_uri	 cap;
	rpc_ref		**servers;
	gboolean	*server_bad;
	size_t		 n;
	phase		 ph;
	grid_chk_reader	*dec;
	GPtrArray	*sources;	/* source* */
	slot		 slots[GRID_FEC_MAX_SHARES];	/* k used */
	guint64		 offset, end;	/* byte range wanted */
	guint64		 seg, seg_last;
	gboolean	 paused;
	gboolean	 notified;
	guint		 corrupt;
	guint		 finds;		/* outstanding get_buckets */
	int		 refs;
	guint		 calls;		/* outstanding */
	ev_idle		 idle;
	ev_timer	 stall;
	ev_timer	 grace;		/* FIND: waiting for more answers */
	grid_download_data_fn *data;
	grid_download_done_fn *done;
	void		*arg;
	GError		*start_err;	/* reported from the loop */
};

typedef struct ctx {
	grid_download	*d;
	guint		 slot;
	guint		 gen;
	guint		 server;
	uint64_t	 off;		/* read: where in the share */
	uint64_t	 want;
	guint64		 seg;		/* block reads: of which segment */
} ctx;

static void pump(grid_download *d);

static void
block_clear(block *b)
{
	g_free(b->data);
	memset(b, 0, sizeof(*b));
}

/* Block reads a slot has outstanding. */
static guint
slot_reads(const slot *sl)
{
	guint j, n = 0;

	for (j = 0; j < DL_AHEAD; j++)
		n += sl->b[j].reads;
	return n;
}

static void
slot_reset(slot *sl)
{
	guint j;

	if (sl->head != NULL)
		g_byte_array_unref(sl->head);
	if (sl->tail != NULL)
		g_byte_array_unref(sl->tail);
	sl->head = sl->tail = NULL;
	for (j = 0; j < DL_AHEAD; j++)
		block_clear(&sl->b[j]);
	sl->src = NULL;
	sl->state = SL_EMPTY;
	sl->id = -1;
	sl->gen++;
}

static void
dl_unref(grid_download *d)
{
	guint i;

	if (--d->refs > 0)
		return;
	for (i = 0; i < GRID_FEC_MAX_SHARES; i++)
		slot_reset(&d->slots[i]);
	for (i = 0; i < d->sources->len; i++) {
		source *s = g_ptr_array_index(d->sources, i);

		rpc_ref_unref(s->reader);
		g_free(s);
	}
	g_ptr_array_unref(d->sources);
	for (i = 0; i < d->n; i++)
		rpc_ref_unref(d->servers[i]);
	g_free(d->servers);
	g_free(d->server_bad);
	grid_chk_reader_free(d->dec);
	grid_uri_clear(&d->cap);
	g_clear_error(&d->start_err);
	g_free(d);
}

static void
finish(grid_download *d, const GError *err)
{
	if (d->notified)
		return;
	d->notified = TRUE;
	d->ph = PH_DONE;
	ev_idle_stop(d->loop, &d->idle);
	ev_timer_stop(d->loop, &d->stall);
	ev_timer_stop(d->loop, &d->grace);
	d->done(err, d->arg);
	dl_unref(d);
}

static void
fail(grid_download *d, int code, const char *fmt, ...) G_GNUC_PRINTF(3, 4);

static void
fail(grid_download *d, int code, const char *fmt, ...)
{
	g_autoptr(GError) err = NULL;
	va_list ap;

	va_start(ap, fmt);
	err = g_error_new_valist(GRID_ERROR, code, fmt, ap);
	va_end(ap);
	finish(d, err);
}

static ctx *
ctx_new(grid_download *d, guint slot_i, guint server)
{
	ctx *c = g_new0(ctx, 1);

	c->d = d;
	c->slot = slot_i;
	c->gen = slot_i < GRID_FEC_MAX_SHARES ? d->slots[slot_i].gen : 0;
	c->server = server;
	d->refs++;
	d->calls++;
	if (!ev_is_active(&d->stall))
		ev_timer_again(d->loop, &d->stall);
	return c;
}

/* Account for an answer; FALSE when it no longer matters (the download
 * is over, or the slot moved on to another source). */
static gboolean
ctx_done(ctx *c, gboolean *stale)
{
	grid_download *d = c->d;
	gboolean live = !d->notified;

	d->calls--;
	if (live) {
		if (d->calls > 0)
			ev_timer_again(d->loop, &d->stall);
		else
			ev_timer_stop(d->loop, &d->stall);
	}
	*stale = c->slot < GRID_FEC_MAX_SHARES &&
	    d->slots[c->slot].gen != c->gen;
	return live;
}

static void
ctx_free(ctx *c)
{
	grid_download *d = c->d;

	g_free(c);
	dl_unref(d);
}

/* ---- sources ---- */

/* Drop the source of slot 'i' for good and empty the slot.  With
 * 'corrupt', tell its server (Tahoe's advise_corrupt_share). */
static void
drop_source(grid_download *d, guint i, gboolean corrupt, const char *why)
{
	slot *sl = &d->slots[i];
	source *s = sl->src;

	if (s == NULL)
		return;
	s->failed = TRUE;
	s->in_use = FALSE;
	if (corrupt) {
		rpc_pack *p = rpc_pack_new();

		d->corrupt++;
		g_warning("share %u from a server is corrupt: %s", s->shnum,
		    why);
		rpc_pack_array(p, 1);
		rpc_pack_str(p, why);
		rpc_ref_call_oneway(s->reader, "advise_corrupt_share", p);
	} else {
		g_info("download: share %u dropped: %s", s->shnum, why);
	}
	slot_reset(sl);
}

/* A server failed: every source on it is dropped. */
static void
drop_server(grid_download *d, guint server, const char *why)
{
	guint i;

	if (d->server_bad[server])
		return;
	d->server_bad[server] = TRUE;
	for (i = 0; i < d->cap.k; i++)
		if (d->slots[i].src != NULL &&
		    d->slots[i].src->server == server)
			drop_source(d, i, FALSE, why);
	for (i = 0; i < d->sources->len; i++) {
		source *s = g_ptr_array_index(d->sources, i);

		if (s->server == server)
			s->failed = TRUE;
	}
}

/* The best unused source for a slot: a share number no slot holds, the
 * lowest such, preferring a server no slot uses. */
static source *
pick_source(grid_download *d)
{
	source *best = NULL;
	gboolean best_fresh = FALSE;
	guint i, j;

	for (i = 0; i < d->sources->len; i++) {
		source *s = g_ptr_array_index(d->sources, i);
		gboolean taken = FALSE, fresh = TRUE;

		if (s->failed || s->in_use || d->server_bad[s->server])
			continue;
		for (j = 0; j < d->cap.k; j++) {
			source *o = d->slots[j].src;

			if (o == NULL)
				continue;
			taken |= o->shnum == s->shnum;
			fresh &= o->server != s->server;
		}
		if (taken)
			continue;
		if (best == NULL || s->shnum < best->shnum ||
		    (s->shnum == best->shnum && fresh && !best_fresh)) {
			best = s;
			best_fresh = fresh;
		}
	}
	return best;
}

static void read_cb(const msgpack_object *result,
    const rpc_refctx *refs, const GError *err, void *arg);

static void
send_read(grid_download *d, guint i, uint64_t off, uint64_t len,
    guint64 seg)
{
	slot *sl = &d->slots[i];
	ctx *c = ctx_new(d, i, sl->src->server);
	rpc_pack *p = rpc_pack_new();

	c->off = off;
	c->want = len;
	c->seg = seg;
	rpc_pack_array(p, 2);
	rpc_pack_uint(p, off);
	rpc_pack_uint(p, len);
	rpc_ref_call(sl->src->reader, "read", p, read_cb, c);
}

/* Fill empty slots and move opening ones on; FALSE if the download
 * failed (too few shares). */
static gboolean
fill_slots(grid_download *d)
{
	guint i, ready = 0, opening = 0;

	for (i = 0; i < d->cap.k; i++) {
		slot *sl = &d->slots[i];

		if (sl->state == SL_EMPTY) {
			source *s = pick_source(d);

			if (s == NULL)
				continue;
			s->in_use = TRUE;
			sl->src = s;
			sl->state = SL_HEAD;
			sl->head = g_byte_array_new();
			send_read(d, i, 0, GRID_LAYOUT_V2_HEADER, 0);
		}
		ready += sl->state == SL_READY;
		opening += sl->state == SL_HEAD || sl->state == SL_TAIL;
	}
	if (ready + opening < d->cap.k) {
		guint found = 0;
		gboolean seen[GRID_FEC_MAX_SHARES] = { FALSE };

		for (i = 0; i < d->sources->len; i++) {
			source *s = g_ptr_array_index(d->sources, i);

			found += !seen[s->shnum];
			seen[s->shnum] = TRUE;
		}
		fail(d, d->corrupt > 0 ? GRID_E_CORRUPT : GRID_E_NOTFOUND,
		    "not enough good shares: %u needed, %u share number(s) "
		    "found on %zu server(s), %u copies corrupt", d->cap.k,
		    found, d->n, d->corrupt);
		return FALSE;
	}
	return TRUE;
}

/* ---- segments ---- */

static void
deliver(const uint8_t *p, size_t len, void *arg)
{
	grid_download *d = arg;
	const grid_chk_sizes *sz = grid_chk_reader_sizes(d->dec);
	guint64 start = d->seg * sz->segment_size, a, b;

	/* Only the part of the segment inside the range asked for. */
	a = MAX(start, d->offset);
	b = MIN(start + len, d->end);
	if (a < b)
		d->data(p + (a - start), (size_t)(b - a), d->arg);
}

/* Start fetching the blocks of the current segment and of the next
 * DL_AHEAD - 1 (within the range) in every ready slot that has not asked
 * for them yet. */
static void
fetch_blocks(grid_download *d)
{
	guint64 s, last = MIN(d->seg_last, d->seg + DL_AHEAD - 1);
	guint i;

	for (s = d->seg; s <= last; s++) {
		for (i = 0; i < d->cap.k; i++) {
			slot *sl = &d->slots[i];
			block *b = &sl->b[s % DL_AHEAD];
			uint64_t off, len, o;

			if (sl->state != SL_READY || b->data != NULL)
				continue;
			grid_chk_reader_block_range(d->dec, sl->id, s, &off,
			    &len);
			b->data = g_malloc(len > 0 ? len : 1);
			b->len = len;
			b->seg = s;
			for (o = 0; o < len; o += GRID_SS_MAX_IO) {
				b->reads++;
				send_read(d, i, off + o, MIN(len - o,
				    GRID_SS_MAX_IO), s);
			}
		}
	}
}

/* Every slot has its block: check, decode, deliver, move on.  TRUE when
 * it moved on to the next segment (whose blocks may all be here already:
 * then no answer is coming to call it again). */
static gboolean
try_segment(grid_download *d)
{
	const uint8_t *blocks[GRID_FEC_MAX_SHARES];
	int ids[GRID_FEC_MAX_SHARES];
	g_autoptr(GError) err = NULL;
	guint i;

	for (i = 0; i < d->cap.k; i++) {
		slot *sl = &d->slots[i];
		block *b = &sl->b[d->seg % DL_AHEAD];

		if (sl->state != SL_READY || b->data == NULL ||
		    b->seg != d->seg || b->reads > 0)
			return FALSE;
	}
	for (i = 0; i < d->cap.k; i++) {
		slot *sl = &d->slots[i];
		block *b = &sl->b[d->seg % DL_AHEAD];

		if (b->ok)
			continue;
		if (b->is_short || !grid_chk_reader_check_block(d->dec,
		    sl->id, d->seg, b->data, b->len, NULL)) {
			g_autofree char *why = g_strdup_printf("block %"
			    G_GUINT64_FORMAT " does not match its hash",
			    d->seg);

			drop_source(d, i, TRUE, why);
			continue;
		}
		b->ok = TRUE;
	}
	for (i = 0; i < d->cap.k; i++)
		if (!d->slots[i].b[d->seg % DL_AHEAD].ok)
			return FALSE;	/* refilled slots fetch again */
	for (i = 0; i < d->cap.k; i++) {
		blocks[i] = d->slots[i].b[d->seg % DL_AHEAD].data;
		ids[i] = d->slots[i].id;
	}
	if (!grid_chk_reader_segment(d->dec, d->seg, ids, blocks, deliver, d,
	    &err)) {
		/* The blocks each matched their share's tree, and the trees
		 * the UEB: a decode that still fails means the UEB itself
		 * is inconsistent, which no other share can mend. */
		finish(d, err);
		return FALSE;
	}
	for (i = 0; i < d->cap.k; i++)
		block_clear(&d->slots[i].b[d->seg % DL_AHEAD]);
	if (d->notified)
		return FALSE;
	if (d->seg == d->seg_last) {
		finish(d, NULL);
		return FALSE;
	}
	d->seg++;
	return TRUE;
}

/* Move things along: called after every answer. */
static void
pump(grid_download *d)
{
	const grid_chk_sizes *sz;

	if (d->notified || d->ph != PH_FETCH)
		return;
	if (!fill_slots(d))
		return;
	if ((sz = grid_chk_reader_sizes(d->dec)) == NULL)
		return;		/* no share accepted yet */
	if (d->seg_last == G_MAXUINT64) {
		d->seg = d->offset / sz->segment_size;
		d->seg_last = (d->end - 1) / sz->segment_size;
	}
	/* Paused, nothing is delivered; the blocks of the next DL_AHEAD
	 * segments are still fetched, so that they are here when the
	 * reader drains.  Otherwise every segment that is complete goes,
	 * in order. */
	while (!d->paused && try_segment(d))
		;
	/* A check there may have emptied slots: refill them now, since no
	 * answer may be coming to do it later. */
	if (d->notified || !fill_slots(d))
		return;
	fetch_blocks(d);
}

/* ---- answers ---- */

static void
open_step(grid_download *d, guint i)
{
	slot *sl = &d->slots[i];
	g_autoptr(GError) err = NULL;
	uint64_t got;

	if (sl->state == SL_HEAD) {
		if (!grid_chk_reader_meta_range(sl->head->data, sl->head->len,
		    &sl->tail_off, &sl->tail_want, NULL) ||
		    sl->tail_want > GRID_DOWNLOAD_MAX_TAIL) {
			drop_source(d, i, TRUE, "bad share header");
			return;
		}
		sl->state = SL_TAIL;
		sl->tail = g_byte_array_new();
		send_read(d, i, sl->tail_off, MIN(sl->tail_want,
		    GRID_SS_MAX_IO), 0);
		return;
	}
	got = sl->tail->len;
	if (got < sl->tail_want && sl->tail->len % GRID_SS_MAX_IO == 0 &&
	    got > 0) {
		send_read(d, i, sl->tail_off + got, MIN(sl->tail_want - got,
		    GRID_SS_MAX_IO), 0);
		return;
	}
	if (!grid_chk_reader_add_share(d->dec, sl->src->shnum, sl->head->data,
	    sl->head->len, sl->tail_off, sl->tail->data, sl->tail->len,
	    &sl->id, &err)) {
		/* The share's fault (a bad header, trees or UEB): another
		 * may do.  (A UEB that hashes to the cap and still cannot be
		 * used fails every share the same way, and the download ends
		 * with too few good shares.) */
		drop_source(d, i, TRUE, err->message);
		return;
	}
	g_byte_array_unref(g_steal_pointer(&sl->head));
	g_byte_array_unref(g_steal_pointer(&sl->tail));
	sl->state = SL_READY;
}

static void
read_cb(const msgpack_object *result, const rpc_refctx *refs,
    const GError *err, void *arg)
{
	ctx *c = arg;
	grid_download *d = c->d;
	gboolean stale;
	slot *sl;

	RPC_UNUSED(refs);
	if (!ctx_done(c, &stale) || stale)
		goto out;
	sl = &d->slots[c->slot];
	if (err != NULL) {
		if (g_error_matches(err, RPC_ERROR, RPC_E_CLOSED))
			drop_server(d, c->server, err->message);
		else
			drop_source(d, c->slot, FALSE, err->message);
		goto pump;
	}
	if (result->type != MSGPACK_OBJECT_BIN ||
	    result->via.bin.size > c->want) {
		drop_source(d, c->slot, TRUE, "bad read answer");
		goto pump;
	}
	switch (sl->state) {
	case SL_HEAD:
		g_byte_array_append(sl->head, (const guint8 *)
		    result->via.bin.ptr, result->via.bin.size);
		open_step(d, c->slot);
		break;
	case SL_TAIL:
		g_byte_array_append(sl->tail, (const guint8 *)
		    result->via.bin.ptr, result->via.bin.size);
		open_step(d, c->slot);
		break;
	case SL_READY: {
		block *b = &sl->b[c->seg % DL_AHEAD];

		if (b->data == NULL || b->seg != c->seg)
			break;
		if (result->via.bin.size != c->want) {
			b->is_short = TRUE;
		} else {
			uint64_t base;
			uint64_t len;

			grid_chk_reader_block_range(d->dec, sl->id, c->seg,
			    &base, &len);
			if (c->off >= base && c->off - base + c->want <=
			    b->len)
				memcpy(b->data + (c->off - base),
				    result->via.bin.ptr, c->want);
			else
				b->is_short = TRUE;
		}
		b->reads--;
		break;
	}
	default:
		break;
	}
pump:
	pump(d);
out:
	ctx_free(c);
}

static void
buckets_cb(const msgpack_object *result, const rpc_refctx *refs,
    const GError *err, void *arg)
{
	ctx *c = arg;
	grid_download *d = c->d;
	gboolean stale;
	guint i;

	if (!ctx_done(c, &stale))
		goto out;
	d->finds--;
	if (err != NULL || result->type != MSGPACK_OBJECT_ARRAY) {
		d->server_bad[c->server] = TRUE;
	} else {
		gboolean had[GRID_FEC_MAX_SHARES] = { FALSE };

		/* At most one source per share number and server, however
		 * many a server lists. */
		for (i = 0; i < result->via.array.size; i++) {
			const msgpack_object *pair = &result->via.array.ptr[i];
			rpc_ref *r = NULL;
			source *s;

			if (pair->type != MSGPACK_OBJECT_ARRAY ||
			    pair->via.array.size != 2 ||
			    pair->via.array.ptr[0].type !=
			    MSGPACK_OBJECT_POSITIVE_INTEGER ||
			    pair->via.array.ptr[0].via.u64 >= d->cap.n ||
			    had[pair->via.array.ptr[0].via.u64] ||
			    !rpc_value_ref(refs, &pair->via.array.ptr[1], &r,
			    NULL) ||
			    r == NULL)
				continue;
			had[pair->via.array.ptr[0].via.u64] = TRUE;
			s = g_new0(source, 1);
			s->server = c->server;
			s->shnum = (unsigned)pair->via.array.ptr[0].via.u64;
			s->reader = rpc_ref_ref(r);
			g_ptr_array_add(d->sources, s);
		}
	}
	/* Start as soon as k share numbers are known; later answers add
	 * spares. */
	if (d->ph == PH_FIND) {
		gboolean seen[GRID_FEC_MAX_SHARES] = { FALSE };
		guint distinct = 0;

		for (i = 0; i < d->sources->len; i++) {
			source *s = g_ptr_array_index(d->sources, i);

			distinct += !seen[s->shnum];
			seen[s->shnum] = TRUE;
		}
		/* With k share numbers known, the other servers get a
		 * moment more: the lowest share numbers (the data shares,
		 * which need no decoding) are worth a short wait. */
		if (d->finds == 0) {
			ev_timer_stop(d->loop, &d->grace);
			d->ph = PH_FETCH;
		} else if (distinct >= d->cap.k &&
		    !ev_is_active(&d->grace)) {
			ev_timer_start(d->loop, &d->grace);
		}
	}
	pump(d);
out:
	ctx_free(c);
}

static void
stall_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	grid_download *d = RPC_CONTAINER_OF(w, grid_download, stall);
	guint i;

	RPC_UNUSED(loop);
	RPC_UNUSED(revents);
	d->refs++;
	if (d->ph == PH_FIND) {
		d->ph = PH_FETCH;	/* go with what was found */
	} else {
		for (i = 0; i < d->cap.k; i++)
			if (d->slots[i].src != NULL &&
			    d->slots[i].state != SL_EMPTY &&
			    (d->slots[i].state != SL_READY ||
			    slot_reads(&d->slots[i]) > 0))
				drop_server(d, d->slots[i].src->server,
				    "no answer in time");
	}
	pump(d);
	dl_unref(d);
}

static void
grace_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	grid_download *d = RPC_CONTAINER_OF(w, grid_download, grace);

	RPC_UNUSED(loop);
	RPC_UNUSED(revents);
	d->refs++;
	if (d->ph == PH_FIND)
		d->ph = PH_FETCH;
	pump(d);
	dl_unref(d);
}

static void
idle_cb(struct ev_loop *loop, ev_idle *w, int revents)
{
	grid_download *d = RPC_CONTAINER_OF(w, grid_download, idle);

	RPC_UNUSED(revents);
	ev_idle_stop(loop, w);
	d->refs++;
	if (d->start_err != NULL) {
		finish(d, d->start_err);
	} else if (d->cap.kind == GRID_URI_LIT) {
		if (d->offset < d->end)
			d->data(d->cap.lit + d->offset,
			    (size_t)(d->end - d->offset), d->arg);
		finish(d, NULL);
	} else if (d->n == 0) {
		fail(d, GRID_E_NOTFOUND, "no storage server is connected");
	} else {
		pump(d);
	}
	dl_unref(d);
}

grid_download *
grid_download_start(struct ev_loop *loop, const grid_uri *cap,
    rpc_ref *const *servers, size_t n, guint64 offset, guint64 length,
    grid_download_data_fn *data, grid_download_done_fn *done, void *arg)
{
	grid_download *d = g_new0(grid_download, 1);
	size_t i;

	d->loop = loop;
	d->cap = *cap;
	d->cap.lit = cap->lit != NULL ? g_memdup2(cap->lit, cap->lit_len + 1) :
	    NULL;
	d->refs = 1;
	d->data = data;
	d->done = done;
	d->arg = arg;
	d->sources = g_ptr_array_new();
	d->servers = g_new0(rpc_ref *, n > 0 ? n : 1);
	d->server_bad = g_new0(gboolean, n > 0 ? n : 1);
	d->n = n;
	d->seg_last = G_MAXUINT64;
	d->offset = MIN(offset, cap->size);
	d->end = length > cap->size - d->offset ? cap->size :
	    d->offset + length;
	ev_idle_init(&d->idle, idle_cb);
	ev_init(&d->stall, stall_cb);
	ev_timer_init(&d->grace, grace_cb, GRID_DOWNLOAD_FIND_GRACE, 0.0);
	d->stall.repeat = GRID_DOWNLOAD_STALL;
	for (i = 0; i < n; i++)
		d->servers[i] = rpc_ref_ref(servers[i]);
	if (cap->kind == GRID_URI_CHK) {
		d->dec = grid_chk_reader_new(cap, &d->start_err);
		if (d->dec == NULL) {
			/* reported from the loop */
		} else if (d->end == d->offset) {
			/* Nothing to fetch (an empty range). */
			d->cap.kind = GRID_URI_LIT;
		} else {
			d->ph = PH_FIND;
			for (i = 0; i < n; i++) {
				rpc_pack *p = rpc_pack_new();
				ctx *c = ctx_new(d, GRID_FEC_MAX_SHARES, i);

				d->finds++;
				rpc_pack_array(p, 1);
				rpc_pack_bin(p, cap->si, GRID_SI_LEN);
				rpc_ref_call(servers[i], "get_buckets", p,
				    buckets_cb, c);
			}
		}
	}
	ev_idle_start(loop, &d->idle);
	return d;
}

void
grid_download_pause(grid_download *d)
{
	d->paused = TRUE;
}

void
grid_download_resume(grid_download *d)
{
	if (!d->paused)
		return;
	d->paused = FALSE;
	ev_idle_start(d->loop, &d->idle);
}

void
grid_download_cancel(grid_download *d)
{
	g_autoptr(GError) err = g_error_new_literal(RPC_ERROR, RPC_E_CANCELLED,
	    "the download was cancelled");

	d->refs++;
	finish(d, err);
	dl_unref(d);
}

guint
grid_download_n_corrupt(const grid_download *d)
{
	return d->corrupt;
}

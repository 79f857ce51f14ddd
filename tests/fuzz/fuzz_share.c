/* tests/fuzz/fuzz_share.c -- libFuzzer target for the share parsers: the
 * server's share-file container, the share header, and the CHK decoder.
 *
 * The input is read as a share file (container) and as a bare share.  As
 * the bare share 0 of a fixed 2-of-3 file it is given to grid_chk_decode()
 * together with the two genuine shares 1 and 2: whatever share 0 holds,
 * the decoder must return exactly the file (it may use share 0 only if
 * every hash checks), and report share 0 bad or not. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "grid/chk.h"
#include "grid/gm.h"
#include "grid/layout.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FILE_SIZE	300	/* 5 segments of 64 bytes, the last short */

static struct {
	bool		 ready;
	uint8_t		 file[FILE_SIZE];
	GByteArray	*share[3];
	grid_uri	 cap;
} fx;

static void
fx_write(unsigned shnum, uint64_t offset, const uint8_t *p, size_t len,
    void *arg)
{
	(void)arg;
	(void)offset;
	g_byte_array_append(fx.share[shnum], p, (guint)len);
}

static void
fx_init(void)
{
	grid_chk_params p = { 2, 3, 3, 64 };
	size_t i;

	for (i = 0; i < FILE_SIZE; i++)
		fx.file[i] = (uint8_t)(i * 7 + 3);
	for (i = 0; i < 3; i++)
		fx.share[i] = g_byte_array_new();
	if (!grid_chk_encode_buffer(&p, "fuzz", 4, fx.file, FILE_SIZE,
	    fx_write, NULL, &fx.cap, NULL))
		abort();
	fx.ready = true;
}

struct out {
	uint8_t	buf[FILE_SIZE];
	size_t	len;
	bool	over;
};

static void
collect(const uint8_t *p, size_t len, void *arg)
{
	struct out *o = arg;

	if (len > FILE_SIZE - o->len) {
		o->over = true;
		return;
	}
	memcpy(o->buf + o->len, p, len);
	o->len += len;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	grid_container c;
	grid_layout l;
	grid_chk_share_in in[3];
	struct out o;
	GError *err = NULL;
	uint32_t i;

	if (!fx.ready)
		fx_init();
	if (grid_container_parse(data, size, &c, &err)) {
		grid_lease lease;

		if (c.share_len > size || c.share < data ||
		    c.leases + (size_t)c.num_leases * GRID_CONTAINER_LEASE !=
		    data + size)
			abort();
		for (i = 0; i < c.num_leases; i++)
			grid_container_lease(&c, i, &lease);
	} else {
		if (err == NULL || err->domain != GRID_ERROR)
			abort();
		g_clear_error(&err);
	}
	if (grid_layout_parse(data, size, size, &l, &err)) {
		for (i = 1; i < GRID_LAYOUT_N_OFFSETS; i++)
			if (l.offset[i] < l.offset[i - 1])
				abort();
	} else {
		if (err == NULL || err->domain != GRID_ERROR)
			abort();
		g_clear_error(&err);
	}

	in[0].shnum = 0;
	in[0].p = data;
	in[0].len = size;
	for (i = 1; i < 3; i++) {
		in[i].shnum = i;
		in[i].p = fx.share[i]->data;
		in[i].len = fx.share[i]->len;
	}
	memset(&o, 0, sizeof(o));
	if (!grid_chk_decode(&fx.cap, in, 3, collect, &o, NULL, &err) ||
	    o.over || o.len != FILE_SIZE ||
	    memcmp(o.buf, fx.file, FILE_SIZE) != 0)
		abort();
	return 0;
}

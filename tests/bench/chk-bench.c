/* tests/bench/chk-bench.c -- speed of the CHK encoder and decoder in
 * memory: encode a buffer into n shares (key hashing pass included),
 * then decode it from the k highest-numbered shares (every block through
 * the erasure decoder).  Not a test; prints MB/s (10^6 bytes).
 *
 *   chk-bench [MIB [K N [MAX_SEGMENT]]]     default 64 MiB, 3 10, 1 MiB */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "grid/chk.h"

static GByteArray *shares[256];

static void
put(unsigned shnum, uint64_t offset, const uint8_t *p, size_t len, void *arg)
{
	(void)offset;
	(void)arg;
	g_byte_array_append(shares[shnum], p, (guint)len);
}

static void
sink(const uint8_t *p, size_t len, void *arg)
{
	size_t *total = arg;

	(void)p;
	*total += len;
}

int
main(int argc, char **argv)
{
	size_t mib = argc > 1 ? strtoul(argv[1], NULL, 10) : 64;
	grid_chk_params p = { 3, 3, 10, GRID_CHK_DEFAULT_MAX_SEGMENT };
	size_t size, i, got = 0;
	uint8_t *data;
	grid_chk_share_in in[256];
	grid_uri cap;
	GError *err = NULL;
	gint64 t0, t1, t2;

	if (argc > 3) {
		p.k = (unsigned)atoi(argv[2]);
		p.n = (unsigned)atoi(argv[3]);
		p.happy = p.k;
	}
	if (argc > 4)
		p.max_segment_size = strtoull(argv[4], NULL, 10);
	size = mib << 20;
	data = g_malloc(size);
	for (i = 0; i < size; i++)
		data[i] = (uint8_t)(i * 2654435761u >> 13);
	for (i = 0; i < p.n; i++)
		shares[i] = g_byte_array_sized_new((guint)(size / p.k + 65536));
	t0 = g_get_monotonic_time();
	if (!grid_chk_encode_buffer(&p, "bench", 5, data, size, put, NULL,
	    &cap, &err)) {
		fprintf(stderr, "encode: %s\n", err->message);
		return 1;
	}
	t1 = g_get_monotonic_time();
	for (i = 0; i < p.k; i++) {
		in[i].shnum = p.n - 1 - (unsigned)i;
		in[i].p = shares[p.n - 1 - i]->data;
		in[i].len = shares[p.n - 1 - i]->len;
	}
	if (!grid_chk_decode(&cap, in, p.k, sink, &got, NULL, &err)) {
		fprintf(stderr, "decode: %s\n", err->message);
		return 1;
	}
	t2 = g_get_monotonic_time();
	printf("%zu MiB, k=%u n=%u, segment %" G_GUINT64_FORMAT ": "
	    "encode %.1f MB/s, decode (from check shares) %.1f MB/s\n",
	    mib, p.k, p.n, p.max_segment_size,
	    (double)size / (double)(t1 - t0), (double)got / (double)(t2 - t1));
	for (i = 0; i < p.n; i++)
		g_byte_array_unref(shares[i]);
	grid_uri_clear(&cap);
	g_free(data);
	return 0;
}

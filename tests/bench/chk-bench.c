/* tests/bench/chk-bench.c -- speed of the CHK encoder and decoder in
 * memory: encode a buffer into n shares (key hashing pass included),
 * then decode it from the k highest-numbered shares (every block through
 * the erasure decoder).  Not a test; prints MB/s (10^6 bytes).
 *
 *   chk-bench [MIB [K N [MAX_SEGMENT]]]     default 64 MiB, 3 10, 1 MiB
 *   chk-bench stream MIB                    3-of-10, 1 MiB segments
 *
 * "stream" encodes MIB of generated data through the streaming encoder
 * without keeping it or the shares (two passes: key, then encoding), and
 * prints the peak RSS, which stays near one segment and its blocks
 * whatever the size. */
#include "config.h"

#include <sys/resource.h>

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

static void
discard(unsigned shnum, uint64_t offset, const uint8_t *p, size_t len,
    void *arg)
{
	uint64_t *total = arg;

	(void)shnum;
	(void)offset;
	(void)p;
	*total += len;
}

/* Chunk 'i' (1 MiB) of the generated stream. */
static void
fill(uint8_t *buf, size_t n, size_t i)
{
	size_t j;

	for (j = 0; j < n; j++)
		buf[j] = (uint8_t)((i * n + j) * 2654435761u >> 13);
}

static int
stream(size_t mib)
{
	grid_chk_params p = { 3, 7, 10, GRID_CHK_DEFAULT_MAX_SEGMENT };
	const size_t chunk = 1 << 20;
	uint64_t size = (uint64_t)mib << 20, written = 0;
	uint8_t *buf = g_malloc(chunk), key[GRID_KEY_LEN];
	grid_hasher *kh;
	grid_chk_encoder *e;
	grid_uri cap;
	GError *err = NULL;
	struct rusage ru;
	gint64 t0, t1;
	size_t i;
	char *s;

	t0 = g_get_monotonic_time();
	kh = grid_chk_key_hasher_new(&p, size, "bench", 5, &err);
	for (i = 0; i < mib; i++) {
		fill(buf, chunk, i);
		grid_hasher_update(kh, buf, chunk);
	}
	grid_hasher_final(kh, key);
	grid_hasher_free(kh);
	e = grid_chk_encoder_new(&p, size, key, discard, &written, &err);
	for (i = 0; i < mib; i++) {
		fill(buf, chunk, i);
		if (!grid_chk_encoder_write(e, buf, chunk, &err))
			break;
	}
	if (err != NULL || !grid_chk_encoder_finish(e, &cap, &err)) {
		fprintf(stderr, "encode: %s\n", err->message);
		return 1;
	}
	t1 = g_get_monotonic_time();
	getrusage(RUSAGE_SELF, &ru);
	s = grid_uri_to_string(&cap);
	printf("stream %zu MiB, 3-of-10: %.1f MB/s (both passes), %" G_GUINT64_FORMAT
	    " share bytes, peak RSS %ld KiB\n", mib,
	    (double)size / (double)(t1 - t0), written, ru.ru_maxrss);
	g_free(s);
	grid_uri_clear(&cap);
	grid_chk_encoder_free(e);
	g_free(buf);
	return 0;
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

	if (argc > 2 && strcmp(argv[1], "stream") == 0)
		return stream(strtoul(argv[2], NULL, 10));
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

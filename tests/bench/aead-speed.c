/* tests/bench/aead-speed.c -- how fast frames are sealed on this machine:
 * the tub's own rpc_frame_seal() (ChaCha20-Poly1305 IETF through OpenSSL,
 * doc/protocol.md §4), beside libsodium's implementation of the same
 * cipher and its AES-256-GCM, on 64 KiB messages (the frame size of a
 * long message).  Prints one JSON line per cipher and round with MiB/s;
 * the median of the rounds is what doc/performance.md quotes.
 *
 *   tests/bench/aead-speed [--rounds N] [--seconds S]
 *
 * Compare with `openssl speed -seconds 2 -bytes 65536 -evp
 * chacha20-poly1305`, the same cipher in OpenSSL. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/opensslv.h>
#include <sodium.h>

#include "rpc/frame.h"

#define MSG	65536

static double
now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

typedef int seal_fn(unsigned char *, unsigned long long *,
    const unsigned char *, unsigned long long, const unsigned char *,
    unsigned long long, const unsigned char *, const unsigned char *,
    const unsigned char *);

static double
measure(seal_fn *seal, double seconds)
{
	static unsigned char m[MSG], c[MSG + 16], k[32], n[12];
	unsigned long long clen;
	double t0 = now(), t;
	long iters = 0;

	randombytes_buf(m, sizeof(m));
	randombytes_buf(k, sizeof(k));
	do {
		int i;

		for (i = 0; i < 64; i++) {
			n[0] = (unsigned char)iters;
			seal(c, &clen, m, MSG, NULL, 0, NULL, n, k);
			iters++;
		}
		t = now() - t0;
	} while (t < seconds);
	return (double)iters * MSG / (1 << 20) / t;
}

/* The tub's frame sealing, nonce handling and header included. */
static double
measure_frame(double seconds)
{
	static unsigned char m[MSG], c[RPC_FRAME_HDR + MSG + RPC_FRAME_TAG];
	unsigned char k[32];
	rpc_aead a;
	double t0 = now(), t;
	long iters = 0;

	randombytes_buf(m, sizeof(m));
	randombytes_buf(k, sizeof(k));
	rpc_aead_init(&a, k);
	do {
		int i;

		for (i = 0; i < 64; i++) {
			rpc_frame_seal(&a, m, MSG, c);
			iters++;
		}
		t = now() - t0;
	} while (t < seconds);
	rpc_aead_clear(&a);
	return (double)iters * MSG / (1 << 20) / t;
}

int
main(int argc, char **argv)
{
	int rounds = 5, r, i;
	double seconds = 1.0;

	for (i = 1; i + 1 < argc; i += 2) {
		if (strcmp(argv[i], "--rounds") == 0)
			rounds = atoi(argv[i + 1]);
		else if (strcmp(argv[i], "--seconds") == 0)
			seconds = atof(argv[i + 1]);
		else
			break;
	}
	if (i != argc || rounds < 1 || rounds > 100 || seconds <= 0 ||
	    seconds > 60) {
		fprintf(stderr, "usage: aead-speed [--rounds N] "
		    "[--seconds S]\n");
		return 2;
	}
	if (sodium_init() < 0)
		return 1;
	for (r = 0; r < rounds; r++) {
		printf("{\"cipher\":\"chacha20poly1305-ietf\",\"lib\":"
		    "\"rpc_frame_seal (%s)\",\"round\":%d,\"mib_per_s\":"
		    "%.0f}\n", OPENSSL_VERSION_TEXT, r,
		    measure_frame(seconds));
		printf("{\"cipher\":\"chacha20poly1305-ietf\",\"lib\":"
		    "\"libsodium %s\",\"round\":%d,\"mib_per_s\":%.0f}\n",
		    sodium_version_string(), r,
		    measure(crypto_aead_chacha20poly1305_ietf_encrypt,
		    seconds));
		if (crypto_aead_aes256gcm_is_available())
			printf("{\"cipher\":\"aes256gcm\",\"lib\":"
			    "\"libsodium %s\",\"round\":%d,\"mib_per_s\":"
			    "%.0f}\n", sodium_version_string(), r,
			    measure(crypto_aead_aes256gcm_encrypt, seconds));
		fflush(stdout);
	}
	return 0;
}

/* tests/fuzz/fuzz_announce.c -- libFuzzer target: the announcement parser
 * (grid_ann_verify()).  A forged signature stops any input at the first
 * check, so the target signs the input with a fixed key first: what is
 * fuzzed is everything after the signature, the JSON and the meaning of
 * each member.  The first byte, if odd, corrupts the signature instead,
 * so the refusal path runs too.  A parsed announcement must survive being
 * packed and verified again. */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "grid/announce.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The key whose tubid the corpus's FURLs name:
 * seed = 32 bytes of 0x01. */
static rpc_ident *
fuzz_key(void)
{
	static rpc_ident *id;
	uint8_t seed[RPC_SEED_LEN];

	if (id == NULL) {
		if (sodium_init() < 0)
			abort();
		memset(seed, 1, sizeof(seed));
		id = rpc_ident_new_from_seed(seed);
	}
	return id;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	rpc_ident *id = fuzz_key();
	size_t clen = strlen(GRID_ANN_CONTEXT), len;
	const uint8_t *msg = data + 1;
	uint8_t sig[RPC_SIG_LEN], *buf;
	char *key;
	grid_ann *a;

	if (size < 1 || size - 1 > GRID_ANN_MAX)
		return 0;
	len = size - 1;
	buf = malloc(clen + len + 1);
	if (buf == NULL)
		abort();
	memcpy(buf, GRID_ANN_CONTEXT, clen);
	memcpy(buf + clen, msg, len);
	crypto_sign_detached(sig, NULL, buf, clen + len, rpc_ident_sk(id));
	free(buf);
	if (data[0] & 1)
		sig[data[0] % RPC_SIG_LEN] ^= 0x80;
	key = rpc_ident_pubkey_text(id);
	a = grid_ann_verify(msg, len, sig, sizeof(sig), key, strlen(key),
	    NULL);
	if (a != NULL) {
		gsize n;
		const uint8_t *m = g_bytes_get_data(a->msg, &n);
		grid_ann *b;

		if (data[0] & 1)
			abort();	/* a corrupted signature verified */
		b = grid_ann_verify(m, n, a->sig, sizeof(a->sig),
		    a->key_text, strlen(a->key_text), NULL);
		if (b == NULL || b->seqnum != a->seqnum ||
		    strcmp(b->nickname, a->nickname) != 0)
			abort();
		grid_ann_free(b);
		grid_ann_free(a);
	}
	g_free(key);
	return 0;
}

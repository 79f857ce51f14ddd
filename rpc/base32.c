/* rpc/base32.c -- RFC 4648 base32 in the form Foolscap and Tahoe-LAFS write
 * it: lower-case alphabet "a-z2-7", no '=' padding.
 *
 * Decoding is strict so that every byte string has exactly one text form
 * (tubids are compared as text): only the lower-case alphabet, only the
 * lengths an encoder produces, and unused trailing bits must be zero.  This
 * module knows nothing of what the bytes mean. */
#include "config.h"

#include <string.h>

#include <glib.h>

#include "rpc/base32.h"
#include "rpc/err.h"

static const char b32_alphabet[] = "abcdefghijklmnopqrstuvwxyz234567";

/* Characters produced by the last, partial group of 'r' (0..4) bytes:
 * ceil(8r / 5).  A group of 5 bytes is 8 characters. */
static const size_t b32_tail_chars[5] = { 0, 2, 4, 5, 7 };

/* The inverse: bytes from a final group of 'c' (0..7) characters, or -1
 * for the lengths 1, 3 and 6, which no encoder produces. */
static const int b32_tail_bytes[8] = { 0, -1, 1, -1, 2, 3, -1, 4 };

size_t
rpc_base32_encoded_len(size_t n)
{
	return n / 5 * 8 + b32_tail_chars[n % 5];
}

/* Return the 5-bit value of 'c', or -1 if it is not in the alphabet. */
static int
b32_value(unsigned char c)
{
	if (c >= 'a' && c <= 'z')
		return c - 'a';
	if (c >= '2' && c <= '7')
		return c - '2' + 26;
	return -1;
}

int
rpc_base32_encode_to(char *out, size_t outlen, const uint8_t *p, size_t n)
{
	uint32_t acc = 0;
	unsigned int bits = 0;
	size_t i, o = 0;

	g_return_val_if_fail(out != NULL, RPC_E_FORMAT);
	g_return_val_if_fail(p != NULL || n == 0, RPC_E_FORMAT);
	/* n / 5 * 8 cannot overflow a size_t for any n that fits in memory,
	 * but outlen - 1 is checked, not encoded_len + 1, to be sure. */
	if (outlen == 0 || rpc_base32_encoded_len(n) > outlen - 1)
		return RPC_E_TOOBIG;
	for (i = 0; i < n; i++) {
		acc = (acc << 8) | p[i];
		bits += 8;
		while (bits >= 5) {
			bits -= 5;
			out[o++] = b32_alphabet[(acc >> bits) & 0x1f];
		}
	}
	if (bits > 0)
		out[o++] = b32_alphabet[(acc << (5 - bits)) & 0x1f];
	out[o] = '\0';
	return 0;
}

char *
rpc_base32_encode(const uint8_t *p, size_t n)
{
	size_t len = rpc_base32_encoded_len(n) + 1;
	char *s = g_malloc(len);

	if (rpc_base32_encode_to(s, len, p, n) != 0)
		g_assert_not_reached();
	return s;
}

int
rpc_base32_decode(const char *s, size_t slen, uint8_t *out, size_t outmax,
    size_t *outlen)
{
	uint32_t acc = 0;
	unsigned int bits = 0;
	size_t i, o = 0, need;
	int tail;

	g_return_val_if_fail(outlen != NULL, RPC_E_FORMAT);
	*outlen = 0;
	g_return_val_if_fail(s != NULL || slen == 0, RPC_E_FORMAT);
	g_return_val_if_fail(out != NULL || outmax == 0, RPC_E_FORMAT);

	/* Validate everything before writing, so 'out' is untouched on
	 * failure (it may be a buffer for a secret key). */
	if ((tail = b32_tail_bytes[slen % 8]) < 0)
		return RPC_E_FORMAT;
	for (i = 0; i < slen; i++)
		if (b32_value((unsigned char)s[i]) < 0)
			return RPC_E_FORMAT;
	if (slen % 8 != 0) {
		/* The last character carries 5 bits of which only the high
		 * (8 * tail) mod 5 belong to the data; the rest must be 0. */
		unsigned int used = (unsigned int)(tail * 8) % 5;
		int last = b32_value((unsigned char)s[slen - 1]);

		if ((last & ((1 << (5 - used)) - 1)) != 0)
			return RPC_E_FORMAT;
	}
	need = slen / 8 * 5 + (size_t)tail;
	if (need > outmax)
		return RPC_E_TOOBIG;

	for (i = 0; i < slen; i++) {
		acc = (acc << 5) | (uint32_t)b32_value((unsigned char)s[i]);
		bits += 5;
		if (bits >= 8) {
			bits -= 8;
			out[o++] = (uint8_t)(acc >> bits);
		}
	}
	g_assert(o == need);
	*outlen = o;
	return 0;
}

/* rpc/base32.h -- RFC 4648 base32, lower case, without padding: the text
 * form of tubids, swissnums and keys (as Foolscap and Tahoe-LAFS write them).
 * libsodium has hex and base64 codecs but no base32. */
#ifndef RPC_BASE32_H
#define RPC_BASE32_H

#include <stddef.h>
#include <stdint.h>

/* Number of characters (without NUL) that encoding 'n' bytes produces. */
size_t rpc_base32_encoded_len(size_t n);

/* Encode 'n' bytes of 'p' into 'out', which has room for 'outlen' bytes
 * including the NUL.  Return 0, or RPC_E_TOOBIG (out untouched) when
 * outlen < rpc_base32_encoded_len(n) + 1.  'out' is NUL-terminated. */
int rpc_base32_encode_to(char *out, size_t outlen, const uint8_t *p, size_t n);

/* Encode into a new string; caller g_free()s. */
char *rpc_base32_encode(const uint8_t *p, size_t n);

/* Decode 'slen' characters of 's' (lower-case alphabet a-z2-7 only, no
 * padding) into 'out' (room for 'outmax' bytes) and store the byte count in
 * *outlen.  Return 0; RPC_E_FORMAT for a character outside the alphabet, a
 * length no encoder produces (1, 3 or 6 characters mod 8) or non-zero unused
 * trailing bits (so every byte string has exactly one encoding); or
 * RPC_E_TOOBIG when the result would not fit.  On failure *outlen is 0 and
 * 'out' is untouched (the whole input is checked before any byte is
 * written). */
int rpc_base32_decode(const char *s, size_t slen, uint8_t *out, size_t outmax,
    size_t *outlen);

#endif

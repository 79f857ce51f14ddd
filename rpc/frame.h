/* rpc/frame.h -- encrypted frames after the handshake.  See doc/protocol.md
 * §4.
 *
 * A frame is LEN (u32, big-endian) followed by LEN bytes of
 * ChaCha20-Poly1305 (IETF) ciphertext and tag.  The nonce is four zero bytes
 * and the frame counter as u64 big-endian (0 for AUTH, then 1, 2, ...), one
 * counter per direction; the associated data is the 4 LEN bytes. */
#ifndef RPC_FRAME_H
#define RPC_FRAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RPC_FRAME_HDR	4
#define RPC_FRAME_TAG	16
/* Default cap on a message's plaintext (one frame, or the frames of one
 * message together). */
#define RPC_MAX_FRAME	(4u * 1024 * 1024)
/* The top bit of LEN: more frames of the same message follow.  Senders
 * cut messages into frames of RPC_FRAME_CHUNK plaintext bytes, so that
 * the receiver decrypts one part while the sender encrypts the next. */
#define RPC_FRAME_MORE	0x80000000u
#define RPC_FRAME_CHUNK	(64u * 1024)

/* One direction's cipher state.  The key schedule lives in an OpenSSL
 * EVP context set up once by rpc_aead_init(); each frame only sets its
 * nonce.  OpenSSL seals the same bytes as libsodium's
 * crypto_aead_chacha20poly1305_ietf_*() (the §7 vectors check this) at
 * about 2.5 times the speed on this project's machines (doc/performance.md). */
typedef struct rpc_aead {
	struct evp_cipher_ctx_st *ctx;	/* owned; holds the key (secret) */
	uint64_t	counter;	/* next nonce */
} rpc_aead;

/* Set up 'a' with the 32-byte 'key' (borrowed; copied into the context)
 * and counter 0.  Allocation failure aborts.  Every rpc_aead_init() needs
 * an rpc_aead_clear(). */
void rpc_aead_init(rpc_aead *a, const uint8_t *key);
/* Free and wipe the context; a cleared or zeroed 'a' is a no-op. */
void rpc_aead_clear(rpc_aead *a);

/* Bytes a frame of 'ptlen' plaintext bytes takes on the wire. */
size_t rpc_frame_size(size_t ptlen);

/* Seal 'ptlen' bytes of 'pt' into 'out' (room for rpc_frame_size(ptlen)
 * bytes; 'pt' and 'out' must not overlap) and advance the counter.
 * Return 0, or RPC_E_TOOBIG if the frame would not fit in u32. */
int rpc_frame_seal(rpc_aead *a, const uint8_t *pt, size_t ptlen,
    uint8_t *out);
/* The same, setting RPC_FRAME_MORE in LEN when 'more' is true. */
int rpc_frame_seal_part(rpc_aead *a, const uint8_t *pt, size_t ptlen,
    bool more, uint8_t *out);
/* Whether the frame whose header is at 'hdr' has RPC_FRAME_MORE set. */
bool rpc_frame_is_more(const uint8_t *hdr);

/* Read a frame header: store the ciphertext length (LEN without
 * RPC_FRAME_MORE) in *ctlen.  Return 0;
 * RPC_E_SHORT with fewer than 4 bytes; RPC_E_FORMAT if shorter than a tag;
 * RPC_E_TOOBIG if the plaintext would exceed 'max_plain'. */
int rpc_frame_peek(const uint8_t *p, size_t len, size_t max_plain,
    size_t *ctlen);

/* Open the frame at 'hdr' (header then 'ctlen' bytes of ciphertext) into
 * 'pt' (room for ctlen - 16 bytes) and advance the counter.  Return 0 or
 * RPC_E_CRYPTO (the counter does not advance). */
int rpc_frame_open(rpc_aead *a, const uint8_t *hdr, size_t ctlen,
    uint8_t *pt);

#endif

/* rpc/furl.h -- FURLs: pb://TUBID@HINTS/SWISSNUM.  See doc/protocol.md §2.
 *
 * TUBID is 52 characters of lower-case base32 (the 32-byte BLAKE2b hash of
 * the tub's Ed25519 public key).  HINTS is a comma-separated list, possibly
 * empty, of "tcp:HOST:PORT" (HOST a DNS name, a dotted quad or [IPv6]) or
 * the legacy "HOST:PORT" (DNS name or dotted quad).  SWISSNUM is the secret
 * part: 1..RPC_SWISSNUM_MAX printable ASCII characters other than
 * "/ ? & # %" and space.  A FURL is a capability: never log it whole; use
 * rpc_furl_redacted(). */
#ifndef RPC_FURL_H
#define RPC_FURL_H

#include <stddef.h>
#include <stdint.h>

#include <glib.h>

#define RPC_TUBID_RAW		32	/* bytes of hash */
#define RPC_TUBID_LEN		52	/* base32 characters */
#define RPC_FURL_MAX		2048	/* longest FURL text accepted */
#define RPC_SWISSNUM_MAX	256	/* longest swissnum accepted */
#define RPC_FURL_MAX_HINTS	16
#define RPC_HOST_MAX		253	/* longest DNS name (RFC 1035) */

typedef struct rpc_furl rpc_furl;

/* Parse 'text' (NUL-terminated, borrowed) into a new FURL.  On success store
 * it in *out (caller owns it; free with rpc_furl_free()) and return TRUE.
 * On failure leave *out NULL, set 'error' (RPC_ERROR, RPC_E_FORMAT, or
 * RPC_E_TOOBIG for over-long text or too many hints) with a one-line reason
 * that does not quote the swissnum, and return FALSE. */
gboolean rpc_furl_parse(const char *text, rpc_furl **out, GError **error);
/* Free 'f', wiping its swissnum first.  NULL is a no-op. */
void rpc_furl_free(rpc_furl *f);
/* A deep copy of 'f' (caller frees it with rpc_furl_free()): the way to
 * keep a FURL that was passed in, instead of formatting it as text and
 * parsing it again. */
rpc_furl *rpc_furl_copy(const rpc_furl *f);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(rpc_furl, rpc_furl_free)

const char *rpc_furl_tubid(const rpc_furl *f);		/* borrowed from f */
const uint8_t *rpc_furl_tubid_raw(const rpc_furl *f);	/* 32 bytes */
const char *rpc_furl_swissnum(const rpc_furl *f);	/* borrowed */
size_t rpc_furl_n_hints(const rpc_furl *f);
/* Host of hint 'i' without brackets (an IPv6 address is bare); borrowed. */
const char *rpc_furl_hint_host(const rpc_furl *f, size_t i);
uint16_t rpc_furl_hint_port(const rpc_furl *f, size_t i);

/* Canonical text (legacy hints rewritten as tcp:); caller g_free()s. */
char *rpc_furl_to_string(const rpc_furl *f);
/* Only the connection hints, canonical and comma-separated ("" for
 * none): where the object is, without the secret that names it.  Caller
 * g_free()s. */
char *rpc_furl_location(const rpc_furl *f);
/* The same as rpc_furl_to_string() with only the first 2 characters of the swissnum followed by
 * "...", for logs and error messages; caller g_free()s.  A swissnum of 2
 * characters or fewer shows one character less than its length, so the
 * whole secret never appears. */
char *rpc_furl_redacted(const rpc_furl *f);

/* Build FURL text from parts: 'location' is the comma-separated hint list
 * (may be ""), each part is checked as rpc_furl_parse() would.  Return a
 * new string (caller g_free()s), the parts joined as given (not the
 * canonical form of rpc_furl_to_string()), or NULL with 'error' set.  The
 * tubid may not contain '@' or '/', nor the location '/'. */
char *rpc_furl_build(const char *tubid, const char *location,
    const char *swissnum, GError **error);

/* Check one hint ("tcp:HOST:PORT" or "HOST:PORT"); on success store the
 * host (new string, caller g_free()s, brackets removed) and port and
 * return TRUE.  On failure set *host NULL and *port 0, set 'error'
 * (RPC_ERROR, RPC_E_FORMAT) with a message quoting the hint (escaped, cut
 * at 64 bytes) and return FALSE.  An IPv6 host may carry a "%zone"
 * suffix, which is kept in *host. */
gboolean rpc_hint_parse(const char *hint, char **host, uint16_t *port,
    GError **error);

#endif

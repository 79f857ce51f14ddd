/* account/mac.h -- MAC'ed swissnums: the names under which account
 * objects (at the account manager) and personal storage facets (at each
 * storage server) are reached, without a table of them anywhere.  See
 * doc/protocol.md §11.1.
 *
 * A swissnum for account NUM under secret K is
 *
 *     DECIMAL(NUM) "-" base32(BLAKE2b-256(key = K, DECIMAL(NUM)))
 *
 * with NUM in 1..ACCT_NUM_MAX written without leading zeros, and the MAC
 * in the lower-case, unpadded base32 of rpc/base32.h (52 characters).
 * Changing K revokes every such name at once. */
#ifndef ACCT_MAC_H
#define ACCT_MAC_H

#include <stdint.h>

#include <glib.h>

#define ACCT_SECRET_LEN		32	/* bytes of K */
#define ACCT_MAC_LEN		32	/* BLAKE2b-256 */
#define ACCT_MAC_B32_LEN	52	/* base32 of ACCT_MAC_LEN bytes */
#define ACCT_NUM_MAX		((guint32)G_MAXINT32) /* fits SQLite and
						 * msgpack ints alike */
#define ACCT_NUM_DIGITS		10	/* of ACCT_NUM_MAX */
/* Longest swissnum: digits, '-', MAC. */
#define ACCT_SWISS_MAX		(ACCT_NUM_DIGITS + 1 + ACCT_MAC_B32_LEN)

/* Load the secret K kept (base32, mode 0600) in 'path', or create it with
 * ACCT_SECRET_LEN random bytes.  FALSE with an error naming the file
 * (never its content) if it cannot be had or does not hold exactly
 * ACCT_SECRET_LEN bytes. */
gboolean acct_secret_load_or_create(const char *path,
    uint8_t key[ACCT_SECRET_LEN], GError **error);

/* The swissnum of 'num' (1..ACCT_NUM_MAX) under 'key'.  Caller g_free()s
 * (it is a capability: wipe it). */
char *acct_mac_swissnum(const uint8_t key[ACCT_SECRET_LEN], guint32 num);

/* Whether 'swissnum' (untrusted, NUL-terminated) is exactly the swissnum
 * of some number under 'key'; if so store the number in *num.  The shape
 * is checked first (digits without a leading zero, in range, '-', 52
 * base32 characters, nothing more); the MAC is compared with
 * sodium_memcmp(), in constant time. */
/* Whether 'swissnum' (untrusted, NUL-terminated) has the shape above,
 * and its account number in *num if so (the MAC is not checked). */
gboolean acct_mac_swissnum_num(const char *swissnum, guint32 *num);
gboolean acct_mac_check(const uint8_t key[ACCT_SECRET_LEN],
    const char *swissnum, guint32 *num);

#endif

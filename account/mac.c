/* account/mac.c -- MAC'ed swissnums (see mac.h).  The check parses the
 * number from untrusted text with explicit bounds, recomputes the MAC and
 * compares the encoded forms with sodium_memcmp(), so the time taken does
 * not depend on how many MAC characters an attacker guessed right. */
#include "config.h"

#include <string.h>

#include <sodium.h>

#include "account/err.h"
#include "account/mac.h"
#include "node/dir.h"
#include "rpc/base32.h"

G_DEFINE_QUARK(acct-error-quark, acct_error)

gboolean
acct_secret_load_or_create(const char *path, uint8_t key[ACCT_SECRET_LEN],
    GError **error)
{
	uint8_t buf[NODE_SECRET_MAX];
	size_t len = 0;

	if (!node_secret_load_or_create(path, buf, &len, error)) {
		sodium_memzero(buf, sizeof(buf));
		return FALSE;
	}
	if (len != ACCT_SECRET_LEN) {
		sodium_memzero(buf, sizeof(buf));
		g_set_error(error, ACCT_ERROR, ACCT_E_FORMAT,
		    "%s: not a %d-byte secret", path, ACCT_SECRET_LEN);
		return FALSE;
	}
	memcpy(key, buf, ACCT_SECRET_LEN);
	sodium_memzero(buf, sizeof(buf));
	return TRUE;
}

/* The base32 MAC of the decimal text 'dec' (NUL-terminated) into 'out'
 * (ACCT_MAC_B32_LEN + 1 bytes). */
static void
mac_b32(const uint8_t key[ACCT_SECRET_LEN], const char *dec, char *out)
{
	uint8_t mac[ACCT_MAC_LEN];

	crypto_generichash(mac, sizeof(mac), (const unsigned char *)dec,
	    strlen(dec), key, ACCT_SECRET_LEN);
	(void)rpc_base32_encode_to(out, ACCT_MAC_B32_LEN + 1, mac,
	    sizeof(mac));
	sodium_memzero(mac, sizeof(mac));
}

char *
acct_mac_swissnum(const uint8_t key[ACCT_SECRET_LEN], guint32 num)
{
	char dec[ACCT_NUM_DIGITS + 1];
	char b32[ACCT_MAC_B32_LEN + 1];
	char *s;

	g_return_val_if_fail(num >= 1 && num <= ACCT_NUM_MAX, NULL);
	g_snprintf(dec, sizeof(dec), "%u", num);
	mac_b32(key, dec, b32);
	s = g_strdup_printf("%s-%s", dec, b32);
	sodium_memzero(b32, sizeof(b32));
	return s;
}

gboolean
acct_mac_swissnum_num(const char *swissnum, guint32 *num)
{
	guint64 v = 0;
	size_t nd = 0, i;

	*num = 0;
	/* Every length bounded before it is used. */
	while (nd <= ACCT_NUM_DIGITS && g_ascii_isdigit(swissnum[nd]))
		nd++;
	if (nd == 0 || nd > ACCT_NUM_DIGITS || swissnum[0] == '0' ||
	    swissnum[nd] != '-')
		return FALSE;
	for (i = 0; i < nd; i++)
		v = v * 10 + (guint64)(swissnum[i] - '0');
	if (v < 1 || v > ACCT_NUM_MAX ||
	    strnlen(swissnum + nd + 1, ACCT_MAC_B32_LEN + 1) !=
	    ACCT_MAC_B32_LEN)
		return FALSE;
	*num = (guint32)v;
	return TRUE;
}

gboolean
acct_mac_check(const uint8_t key[ACCT_SECRET_LEN], const char *swissnum,
    guint32 *num)
{
	char dec[ACCT_NUM_DIGITS + 1];
	char want[ACCT_MAC_B32_LEN + 1];
	const char *mac;
	guint32 v;
	size_t nd;
	gboolean ok;

	*num = 0;
	if (!acct_mac_swissnum_num(swissnum, &v))
		return FALSE;		/* shape first */
	nd = strcspn(swissnum, "-");
	mac = swissnum + nd + 1;
	memcpy(dec, swissnum, nd);
	dec[nd] = '\0';
	mac_b32(key, dec, want);
	ok = sodium_memcmp(want, mac, ACCT_MAC_B32_LEN) == 0;
	sodium_memzero(want, sizeof(want));
	if (ok)
		*num = (guint32)v;
	return ok;
}

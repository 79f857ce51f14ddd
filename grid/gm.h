/* grid/gm.h -- the grid manager of doc/managed-grid.md: a key pair that
 * vouches for storage servers by signing certificates, and the check a
 * client makes before uploading to a server.
 *
 * Formats are Tahoe-LAFS's (so a certificate made by either implementation
 * is accepted by the other):
 *   keys          "priv-v0-" / "pub-v0-" + base32 of the 32 raw bytes
 *   config.json   {"grid_manager_config_version": 0,
 *                  "private_key": "priv-v0-...",
 *                  "storage_servers": {NAME: {"public_key": "pub-v0-..."}}}
 *                 (storage_servers left out when empty; 4-space indent)
 *   certificate   {"certificate": STRING, "signature": BASE32} where STRING
 *                 is compact JSON with sorted keys
 *                 {"expires":"2026-12-08T00:00:00+00:00",
 *                  "public_key":"pub-v0-...","version":1}
 *                 and the signature is Ed25519 over exactly STRING's bytes.
 * Times are microseconds since the Unix epoch, UTC.
 *
 * Input must be strict JSON as grid/json.h reads it (RFC 8259, no
 * "\u0000", no duplicate key in any object, at most 8 levels of nesting).
 * Output is byte for byte what Python's json.dumps() writes in
 * Tahoe-LAFS, non-ASCII escaped as \uXXXX. */
#ifndef GRID_GM_H
#define GRID_GM_H

#include <stdbool.h>
#include <stdint.h>

#include <glib.h>

#include "grid/err.h"
#include "grid/isotime.h"

#define GRID_GM_EXPIRY_DEFAULT	365	/* days, when sign is given none */
#define GRID_GM_EXPIRY_MAX	1825	/* days (5 years), as Tahoe-LAFS */
#define GRID_GM_CONFIG_MAX	(1024 * 1024)	/* bytes of config.json */
#define GRID_CERT_MAX		4096		/* bytes of a certificate */

typedef struct grid_gm grid_gm;

/* A new grid manager with a fresh key and no servers. */
grid_gm *grid_gm_new(void);
void grid_gm_free(grid_gm *gm);				/* NULL is a no-op */
G_DEFINE_AUTOPTR_CLEANUP_FUNC(grid_gm, grid_gm_free)

/* Parse config.json text ('len' bytes, need not be NUL-terminated, at
 * most GRID_GM_CONFIG_MAX).  Errors (GRID_ERROR), each one line and never
 * quoting the private key: GRID_E_VERSION for a missing or unknown
 * grid_manager_config_version (checked first: a later version may add
 * keys); GRID_E_FORMAT for invalid JSON, a key other than the three
 * above (or than "public_key" in a server), a missing or malformed
 * private_key, a server name that add would refuse, a server without a
 * valid public_key. */
grid_gm *grid_gm_parse(const char *text, size_t len, GError **error);
/* config.json text in Tahoe-LAFS's layout, ending in a newline; caller
 * g_free()s.  It holds the private key: write it only to mode-0600 files
 * or to the stdout the user asked for. */
char *grid_gm_to_json(const grid_gm *gm);

/* DIR/config.json.  create: DIR must not exist (GRID_E_EXISTS, "Can't
 * create 'DIR': File exists") and its parent must (GRID_E_IO); DIR is
 * made with mode 0700 and config.json written (mode 0600), and removed
 * again if that fails.  save: rewrite config.json atomically (GRID_E_IO).
 * load: read and parse it; GRID_E_NOTFOUND if it (or DIR) is missing,
 * GRID_E_FORMAT if larger than GRID_GM_CONFIG_MAX, else as
 * grid_gm_parse(); every message starts with "DIR/config.json: ". */
gboolean grid_gm_create_dir(const grid_gm *gm, const char *dir,
    GError **error);
gboolean grid_gm_save_dir(const grid_gm *gm, const char *dir, GError **error);
grid_gm *grid_gm_load_dir(const char *dir, GError **error);

/* "pub-v0-..." of the manager's key; caller g_free()s. */
char *grid_gm_public_identity(const grid_gm *gm);

/* Add server 'name' (any non-empty UTF-8 without control characters) with
 * key text 'pubkey' ("pub-v0-...").  GRID_E_EXISTS for a duplicate name
 * ("A storage-server called 'NAME' already exists", as Tahoe-LAFS says),
 * GRID_E_FORMAT for a bad name or key.  Nothing changes on failure.  A
 * name holding '/' is accepted but grid_gm_store_cert() refuses it. */
gboolean grid_gm_add(grid_gm *gm, const char *name, const char *pubkey,
    GError **error);
/* GRID_E_NOTFOUND ("No storage-server called 'NAME' exists") if there is
 * no such server. */
gboolean grid_gm_remove(grid_gm *gm, const char *name, GError **error);
/* Servers, sorted by name (byte order, which for UTF-8 is code point
 * order, as Python sorts).  'i' must be below grid_gm_n_servers(); the
 * strings are borrowed from gm, valid until it changes. */
guint grid_gm_n_servers(const grid_gm *gm);
const char *grid_gm_server_name(const grid_gm *gm, guint i);
const char *grid_gm_server_pubkey(const grid_gm *gm, guint i); /* pub-v0- */
gboolean grid_gm_has_server(const grid_gm *gm, const char *name);

/* Sign a certificate for server 'name' valid until now_us + days (1 ..
 * GRID_GM_EXPIRY_MAX, else GRID_E_RANGE; also GRID_E_RANGE if that time
 * falls outside the years 1 to 9999).  Return the certificate file text
 * (4-space indent, no trailing newline); caller g_free()s.
 * GRID_E_NOTFOUND for an unknown name.  Ed25519 is deterministic, so the
 * same key, server and time give Tahoe-LAFS's bytes exactly. */
char *grid_gm_sign(const grid_gm *gm, const char *name, gint64 now_us,
    int days, GError **error);

/* In DIR, write 'cert' to the first free NAME.cert.N (N = 0, 1, ...),
 * created exclusively (O_EXCL, mode 0644) and fsync()ed; store the N used
 * in *index if not NULL (0 on failure).  GRID_E_FORMAT if NAME is not a
 * valid name or holds '/'; GRID_E_IO naming the file otherwise. */
gboolean grid_gm_store_cert(const char *dir, const char *name,
    const char *cert, guint *index, GError **error);
/* In DIR, remove NAME.cert.0, NAME.cert.1, ... up to the first that is
 * missing (or cannot be removed).  Does nothing for a NAME with '/'. */
void grid_gm_remove_certs(const char *dir, const char *name);

/* ---- certificates ---- */

typedef struct grid_cert {
	char	*text;		/* the whole file, as parsed */
	char	*certificate;	/* the exact signed text */
	uint8_t	 signature[64];
	char	*public_key;	/* "pub-v0-..." named inside */
	gint64	 expires_us;
	gint64	 version;
} grid_cert;

/* Parse certificate file text ('len' bytes, at most GRID_CERT_MAX): a
 * JSON object with exactly the keys "certificate" (str) and "signature"
 * (str, base32 of 64 bytes), where the certificate string is a JSON
 * object with "expires" (ISO-8601 with an offset as grid_time_parse()
 * takes, or integer or float epoch seconds as older versions wrote),
 * "public_key" (str) and "version" (int).  A version 1 certificate has no
 * other key; another version may have more, so that grid_cert_check()
 * can report it as GRID_CERT_VERSION.  GRID_E_FORMAT with a one-line
 * reason otherwise.  The signature is not checked here, and the signed
 * text is kept exactly as it came (never re-serialised). */
grid_cert *grid_cert_parse(const char *text, size_t len, GError **error);
void grid_cert_free(grid_cert *c);			/* NULL is a no-op */
G_DEFINE_AUTOPTR_CLEANUP_FUNC(grid_cert, grid_cert_free)
/* Read and parse a certificate file (at most GRID_CERT_MAX bytes).
 * GRID_E_NOTFOUND if it is missing; every message starts with "PATH: ". */
grid_cert *grid_cert_load(const char *path, GError **error);

typedef enum {
	GRID_CERT_VALID = 0,
	GRID_CERT_UNSIGNED,	/* signature verifies under no configured
				 * manager key: forged, damaged, or from a
				 * manager this client does not trust */
	GRID_CERT_OTHER_SERVER,	/* names another server's key */
	GRID_CERT_EXPIRED,	/* expires <= now */
	GRID_CERT_VERSION,	/* version other than 1 */
} grid_cert_verdict;

/* Judge certificate 'c' for the server whose key is 'server_pk' (32
 * bytes) at 'now_us', against the 'n_keys' trusted manager keys in 'keys'
 * (32 bytes each).  A certificate is valid if its signature verifies under
 * any of the keys, it names exactly that server key, its version is 1 and
 * it expires strictly after now.  The first failing test, in that order
 * (signature, version, server, expiry), gives the verdict; a public_key
 * that is not valid key text is OTHER_SERVER.  (Tahoe-LAFS's client does
 * not look at the version; we follow the design, which does.)  If 'why'
 * is not NULL, store a one-line explanation (caller g_free()s): "valid
 * until 2026-12-08 00:00:00 UTC", "expired at 2026-01-01 00:00:00 UTC",
 * "not signed by any trusted grid manager (forged, damaged, or from
 * another manager)", "names another server (pub-v0-abcdefgh...)",
 * "unknown certificate version 2".  Times show microseconds when not
 * zero. */
grid_cert_verdict grid_cert_check(const grid_cert *c, const uint8_t *keys,
    size_t n_keys, const uint8_t *server_pk, gint64 now_us, char **why);

/* The index (0 .. n_keys-1) of the first of 'keys' under which the
 * signature of 'c' verifies, or -1 if none. */
int grid_cert_signer(const grid_cert *c, const uint8_t *keys, size_t n_keys);

/* A span of time for people, rounded down to its largest unit: "29 days",
 * "1 day", "5 hours", "3 minutes", "less than a minute" (negative spans
 * as their size).  Caller g_free()s. */
char *grid_duration_human(gint64 us);

/* A certificate expiring within this many days is warned about by the
 * storage node that holds it, so it can be renewed in time. */
#define GRID_CERT_RENEW_DAYS	7

typedef enum {
	GRID_OWN_CERT_OK = 0,
	GRID_OWN_CERT_OTHER_KEY,	/* names another key than the node's */
	GRID_OWN_CERT_EXPIRED,		/* expires <= now */
	GRID_OWN_CERT_EXPIRING,		/* within GRID_CERT_RENEW_DAYS */
	GRID_OWN_CERT_VERSION,		/* version other than 1 */
} grid_own_cert_verdict;

/* What a storage node whose key is 'own_pk' (32 bytes) says of a
 * certificate it holds, at 'now_us'.  It cannot check the signature
 * without the manager's key, only its form (grid_cert_parse()).  If 'why'
 * is not NULL, store one line (caller g_free()s): "valid until DATE
 * (valid for 29 days)", "expires at DATE, in 3 days: renew it", "expired
 * at DATE (2 days ago)", "names another server (pub-v0-abcdefgh...), not
 * this node", "unknown certificate version 2". */
grid_own_cert_verdict grid_cert_check_own(const grid_cert *c,
    const uint8_t *own_pk, gint64 now_us, char **why);

/* May a client that trusts the 'n_keys' manager keys upload to the server
 * 'server_pk' holding 'n_certs' certificates?  Yes if n_keys is 0 (no grid
 * manager configured) or if any certificate is GRID_CERT_VALID.  NULL
 * entries in 'certs' are skipped. */
bool grid_upload_permitted(const uint8_t *keys, size_t n_keys,
    const uint8_t *server_pk, grid_cert *const *certs, size_t n_certs,
    gint64 now_us);

#endif

/* grid/gcfg.h -- the sections of tahoe.cfg that belong to the grid:
 * [client] shares.*, [grid_managers], and the certificate lists
 * [grid_manager_certificates] (with its older name [grid_management_keys]).
 * node/ reads and writes tahoe.cfg as a file; what these sections mean is
 * decided here.  See doc/configuration.md. */
#ifndef GRID_GCFG_H
#define GRID_GCFG_H

#include <glib.h>

#include "node/cfg.h"
#include "node/dir.h"

#define GRID_SHARES_MAX		256	/* zfec's limit on shares.total */

/* Grid's options to `tahoe create-*`; 0 (NULL) takes the default. */
typedef struct grid_create_opts {
	int		 shares_needed, shares_happy, shares_total;
	const char	*storage_dir;	/* [storage] storage_dir (storage
					 * nodes), made absolute */
} grid_create_opts;

/* Grid's part of a new node directory (a node_create_fn; o->services_arg
 * is a grid_create_opts, or NULL for the defaults).  A client or storage
 * node gets [client] shares.* (GRID_E_RANGE unless 1 <= needed <= happy
 * <= total <= GRID_SHARES_MAX), [storage] enabled (and reserved_space
 * 1G and any storage_dir on a storage node) and private/convergence; an
 * introducer gets private/introducer.furl. */
gboolean grid_create_sections(const char *dir, GKeyFile *kf,
    const node_create_opts *o, const rpc_ident *id, const char *location,
    GError **error);

/* Erasure-coding parameters of a client. */
typedef struct grid_shares {
	guint64	needed;		/* k; default 3 */
	guint64	happy;		/* servers of happiness; default 7 */
	guint64	total;		/* N; default 10 */
} grid_shares;

/* Read [client] shares.needed, shares.happy and shares.total (each 1 ..
 * GRID_SHARES_MAX, defaults above) into 'out'.  FALSE with an error
 * naming file, section and key for a malformed value, or (GRID_E_RANGE)
 * unless needed <= happy <= total. */
gboolean grid_cfg_shares(node_config *cfg, grid_shares *out, GError **error);

/* The grid-manager certificates a storage node lists: the entries of
 * [grid_manager_certificates], or of its older name [grid_management_keys]
 * (both may be present; [grid_manager_certificates] wins a name both
 * use), as NAME -> path
 * (made absolute against the node directory).  Empty values are skipped.
 * Caller g_hash_table_unref()s. */
GHashTable *grid_cfg_gm_certificates(node_config *cfg);

/* The grid-manager keys a client trusts: the values of [grid_managers],
 * each "pub-v0-..." (32 bytes each, appended to 'keys').  FALSE with a
 * GRID_E_FORMAT error naming file, section and key for a malformed value.
 * An empty section means no grid manager (any server may be used), which
 * is rarely what the operator meant: set *empty_section (if not NULL) so
 * the caller can warn. */
gboolean grid_cfg_grid_managers(node_config *cfg, GArray *keys,
    gboolean *empty_section, GError **error);

/* Add [grid_managers] NAME = PUBKEY (in memory; node_config_save()
 * writes it).  GRID_E_FORMAT for a PUBKEY that is not "pub-v0-..." text,
 * GRID_E_EXISTS if NAME is there already; nothing changes on failure. */
gboolean grid_cfg_add_grid_manager(node_config *cfg, const char *name,
    const char *pubkey, GError **error);

/* List certificate file 'file' (relative to the node directory) as NAME
 * in [grid_manager_certificates] and turn [storage] grid_management on
 * (in memory; node_config_save() writes it). */
void grid_cfg_add_certificate(node_config *cfg, const char *name,
    const char *file);

#endif

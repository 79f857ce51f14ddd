/* grid/layout.h -- where things are in an immutable share
 * (allmydata/immutable/layout.py), and the server's share file around it
 * (allmydata/storage/immutable.py).
 *
 * A share, as the client writes it through a bucket writer:
 *
 *   v1 (fields u32)                v2 (fields u64)
 *   0x00 version = 1               0x00 version = 2 (u32)
 *   0x04 block size                0x04 block size
 *   0x08 share data size           0x0c share data size
 *   0x0c offset of data (0x24)     0x14 offset of data (0x44)
 *   0x10 .. plaintext hash tree (unused, zeros)
 *   0x14 .. crypttext hash tree
 *   0x18 .. block hash tree
 *   0x1c .. share hash chain: (u16 node number, 32-byte hash) pairs
 *   0x20 .. URI extension: length (u32 in v1, u64 in v2), then the bytes
 *
 * v1 is used unless a size or offset reaches 2^32 (files of about 12 GiB
 * with k = 3); v2 then.  The sections follow each other in that order.
 *
 * The server's share file (container) is a 12-byte header (u32 version 1
 * or 2, u32 data length saturated at 2^32-1, u32 lease count), the share,
 * then 72-byte leases (u32 owner, renew secret, cancel secret, u32
 * expiry); version 2 stores BLAKE2b-256 of the secrets instead of the
 * secrets themselves. */
#ifndef GRID_LAYOUT_H
#define GRID_LAYOUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <glib.h>

#include "grid/hashutil.h"

#define GRID_LAYOUT_V1_HEADER	0x24
#define GRID_LAYOUT_V2_HEADER	0x44
#define GRID_LAYOUT_SHARE_HASH_ENTRY	(2 + GRID_HASH_LEN)

/* The sections of a share, in file order. */
enum {
	GRID_LAYOUT_DATA = 0,
	GRID_LAYOUT_PLAINTEXT_TREE,	/* unused by Tahoe-LAFS since 1.3 */
	GRID_LAYOUT_CRYPTTEXT_TREE,
	GRID_LAYOUT_BLOCK_HASHES,
	GRID_LAYOUT_SHARE_HASHES,
	GRID_LAYOUT_UEB,
	GRID_LAYOUT_N_OFFSETS,
};

/* The layout of one share: a plain record. */
typedef struct grid_layout {
	unsigned	version;	/* 1 or 2 */
	uint64_t	block_size, data_size;
	uint64_t	offset[GRID_LAYOUT_N_OFFSETS];
	/* only when computed by grid_layout_init(): */
	uint64_t	ueb_size;
} grid_layout;

/* Compute the layout the writer uses (WriteBucketProxy and _v2) for a
 * share of 'data_size' bytes of blocks of 'block_size', 'num_segments'
 * segments (each hash tree is 2 * next_power_of_2(num_segments) - 1
 * hashes), 'num_share_hashes' chain entries and a UEB of 'ueb_size'.
 * Return FALSE and set 'error' (GRID_ERROR, GRID_E_RANGE) if even v2
 * cannot hold it. */
gboolean grid_layout_init(grid_layout *l, uint64_t data_size,
	    uint64_t block_size, uint64_t num_segments,
	    unsigned num_share_hashes, uint64_t ueb_size, GError **error);

/* The same with the version forced: 1 or 2 (0 chooses as above).  A
 * reader uses it to know where a share of either version must have its
 * sections. */
gboolean grid_layout_init_version(grid_layout *l, unsigned version,
	    uint64_t data_size, uint64_t block_size, uint64_t num_segments,
	    unsigned num_share_hashes, uint64_t ueb_size, GError **error);

/* Bytes of the header (0x24 or 0x44), and the header itself into 'out'
 * (room for GRID_LAYOUT_V2_HEADER). */
size_t	grid_layout_header(const grid_layout *l, uint8_t *out);
/* Length of the UEB's length field: 4 (v1) or 8 (v2). */
size_t	grid_layout_ueb_field(const grid_layout *l);
/* Read or write that field (grid_layout_ueb_field() bytes, big-endian;
 * a length too big for a v1 field is the caller's error). */
uint64_t grid_layout_ueb_len_get(const grid_layout *l, const uint8_t *field);
void	grid_layout_ueb_len_put(const grid_layout *l, uint8_t *field,
	    uint64_t len);
/* Total bytes of the share: the allocated size a server is asked for. */
uint64_t grid_layout_share_size(const grid_layout *l);

/* Parse the header at the start of a share ('len' bytes, borrowed, at
 * least the header) into *out.  Checks the version, that the offsets are
 * in file order starting right after the header, and, if 'share_len' is
 * not 0, that the UEB length field lies inside a share of that length.
 * Errors: GRID_ERROR with GRID_E_VERSION (not 1 or 2) or GRID_E_FORMAT. */
gboolean grid_layout_parse(const uint8_t *p, size_t len, uint64_t share_len,
	    grid_layout *out, GError **error);

/* ---- the server's container ---- */

#define GRID_CONTAINER_HEADER	0x0c
#define GRID_CONTAINER_LEASE	72
#define GRID_CONTAINER_VERSION	2	/* what Tahoe-LAFS writes today */

typedef struct grid_lease {
	uint32_t	owner;
	uint8_t		renew[GRID_HASH_LEN];	/* as stored (v2: hashed) */
	uint8_t		cancel[GRID_HASH_LEN];
	uint32_t	expiry;			/* seconds since the epoch */
} grid_lease;

/* The container's view of a share file: a plain record; 'share' and
 * 'leases' are borrowed from the bytes parsed. */
typedef struct grid_container {
	unsigned	 version;
	uint32_t	 num_leases;
	const uint8_t	*share;
	uint64_t	 share_len;
	const uint8_t	*leases;	/* num_leases * 72 bytes */
} grid_container;

/* Header of a new container for a share of 'max_size' bytes. */
void	grid_container_header(uint64_t max_size, uint32_t num_leases,
	    uint8_t out[GRID_CONTAINER_HEADER]);

/* Parse a whole share file ('len' bytes, borrowed) as storage/immutable.py
 * reads it: the lease count from the header, the leases at the end.
 * Errors (GRID_ERROR): GRID_E_VERSION, GRID_E_FORMAT (too short for its
 * header and leases). */
gboolean grid_container_parse(const uint8_t *p, size_t len,
	    grid_container *out, GError **error);

/* Lease 'i' (< num_leases) of a parsed container into *out. */
void	grid_container_lease(const grid_container *c, uint32_t i,
	    grid_lease *out);

/* Serialise a lease for a container of 'version': version 2 stores
 * BLAKE2b-256 of the given plaintext secrets, version 1 the secrets. */
void	grid_container_lease_pack(unsigned version, uint32_t owner,
	    const uint8_t renew[GRID_HASH_LEN],
	    const uint8_t cancel[GRID_HASH_LEN], uint32_t expiry,
	    uint8_t out[GRID_CONTAINER_LEASE]);

/* Whether 'secret' (plaintext, as a client presents it) matches the
 * stored one, in constant time. */
bool	grid_container_secret_matches(unsigned version,
	    const uint8_t stored[GRID_HASH_LEN],
	    const uint8_t secret[GRID_HASH_LEN]);

#endif

/* grid/happiness.h -- servers of happiness (docs/specifications/
 * servers-of-happiness.rst): where an upload puts each share, as
 * Tahoe-LAFS's immutable/happiness_upload.py decides it, and how happy a
 * placement is (util/happinessutil.py: the size of a maximum matching
 * between shares and the servers holding them).
 *
 * Servers are numbered 0..P-1 in the order the uploader tried them (the
 * ring permuted by storage index); shares 0..S-1. */
#ifndef GRID_HAPPINESS_H
#define GRID_HAPPINESS_H

#include <stdbool.h>
#include <stddef.h>

#include <glib.h>

#define GRID_HAPPY_MAX_SERVERS	4096	/* bound on P (memory P * S bits) */
#define GRID_HAPPY_MAX_SHARES	256
#define GRID_HAPPY_NONE		(-1)	/* no server for this share */

/* What the uploader knows about its servers. */
typedef struct grid_happy_servers {
	size_t		 n;		/* P */
	/* per server: it answered and is full (it may hold shares but
	 * takes no new ones) */
	const bool	*readonly;
	/* per server: it is in the map of existing shares (it answered
	 * the share query, even if it holds none) */
	const bool	*queried;
	/* P x S, row-major: server p already holds share s */
	const bool	*has;
} grid_happy_servers;

/* Place shares 0..nshares-1 (at most GRID_HAPPY_MAX_SHARES) on the
 * servers 's' (at most GRID_HAPPY_MAX_SERVERS) as happiness_upload.
 * share_placement() does, storing a server number or GRID_HAPPY_NONE in
 * place[s].  Return the happiness of the result (distinct servers used).
 *
 * Tahoe's algorithm: (1) the read-only servers keep shares they hold,
 * (2) the other servers that hold shares keep or take them, (3) the rest
 * are matched to the remaining shares, each step a maximum matching by
 * Edmonds-Karp; shares left over go first to a server already holding
 * them, then to the least-loaded queried server, then round-robin over the
 * writable servers.  Its flow graphs connect every server of a step to
 * every share of that step (a list shared by all servers in
 * _servermap_flow_graph), and on such a graph Edmonds-Karp's shortest
 * augmenting paths pair the i-th server with the i-th share in the order
 * the graph lists them; this code does that pairing directly.  Where
 * Tahoe iterates Python sets (in an order that changes from run to run),
 * servers are taken in their given order and shares in ascending order;
 * ties among equally loaded servers go to the lower server number.  A
 * share stays GRID_HAPPY_NONE only when no writable server exists (where
 * Tahoe's round robin would never end). */
unsigned grid_happiness_place(const grid_happy_servers *s, size_t nshares,
	    int *place);

/* Servers of happiness of a share map (happinessutil.servers_of_happiness):
 * 'held' is S x P row-major, share s on server p.  The size of a maximum
 * matching between shares and servers. */
unsigned grid_happiness_count(const bool *held, size_t nshares,
	    size_t nservers);

/* Distinct servers in a placement from grid_happiness_place()
 * (happiness_upload.calculate_happiness). */
unsigned grid_happiness_of_placement(const int *place, size_t nshares,
	    size_t nservers);

#endif

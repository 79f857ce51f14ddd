/* grid/happiness.c -- share placement and the happiness measure.
 *
 * Pure computation over small tables (at most 256 shares); the uploader
 * gathers what the servers said and calls this to decide which server
 * gets which share, and to check the result against shares.happy. */
#include "config.h"

#include <string.h>

#include "grid/happiness.h"

#define HAS(s, p, sh)	((s)->has[(p) * nshares + (sh)])

/*
 * One step of share_placement(): a maximum matching between the servers
 * 'srv' (in order) and the shares of 'inset' on the graph Tahoe builds.
 * With 'use_map' (_servermap_flow_graph, a non-empty map) every server is
 * linked to the shares that the queried servers of the step hold, listed
 * server by server; without it (_flow_network) to every share of the
 * step.  Shares matched get a server in 'map'; the others GRID_HAPPY_NONE.
 */
static void
match_step(const grid_happy_servers *s, size_t nshares, const size_t *srv,
    size_t nsrv, const bool *inset, bool use_map, int *map)
{
	size_t adj[GRID_HAPPY_MAX_SHARES], nadj = 0, i, sh;
	bool listed[GRID_HAPPY_MAX_SHARES] = { false };

	for (sh = 0; sh < nshares; sh++)
		if (inset[sh])
			map[sh] = GRID_HAPPY_NONE;
	if (use_map) {
		for (i = 0; i < nsrv; i++) {
			if (!s->queried[srv[i]])
				continue;
			for (sh = 0; sh < nshares; sh++)
				if (inset[sh] && HAS(s, srv[i], sh) &&
				    !listed[sh]) {
					listed[sh] = true;
					adj[nadj++] = sh;
				}
		}
	} else {
		for (sh = 0; sh < nshares; sh++)
			if (inset[sh])
				adj[nadj++] = sh;
	}
	for (i = 0; i < nsrv && i < nadj; i++)
		map[adj[i]] = (int)srv[i];
}

unsigned
grid_happiness_place(const grid_happy_servers *s, size_t nshares, int *place)
{
	size_t P = s->n, p, sh, i, nsrv;
	g_autofree size_t *srv = NULL;
	g_autofree bool *used_srv = NULL, *in_map = NULL;
	g_autofree unsigned *load = NULL;
	bool inset[GRID_HAPPY_MAX_SHARES] = { false };
	bool used_sh[GRID_HAPPY_MAX_SHARES];
	bool ro_share[GRID_HAPPY_MAX_SHARES];
	int m1[GRID_HAPPY_MAX_SHARES], m2[GRID_HAPPY_MAX_SHARES];
	bool any;

	g_return_val_if_fail(nshares <= GRID_HAPPY_MAX_SHARES, 0);
	g_return_val_if_fail(P <= GRID_HAPPY_MAX_SERVERS, 0);
	for (sh = 0; sh < nshares; sh++)
		place[sh] = GRID_HAPPY_NONE;
	if (P == 0)
		return 0;
	srv = g_new(size_t, P);
	used_srv = g_new0(bool, P);
	in_map = g_new0(bool, P);
	load = g_new0(unsigned, P);
	memset(used_sh, 0, sizeof(used_sh));

	/* (1) read-only servers and the shares they hold */
	memset(ro_share, 0, sizeof(ro_share));
	any = false;
	for (p = 0, nsrv = 0; p < P; p++) {
		if (!s->readonly[p])
			continue;
		srv[nsrv++] = p;
		if (!s->queried[p])
			continue;
		any = true;
		for (sh = 0; sh < nshares; sh++)
			if (HAS(s, p, sh))
				ro_share[sh] = true;
	}
	match_step(s, nshares, srv, nsrv, ro_share, any, m1);
	for (sh = 0; sh < nshares; sh++)
		if (ro_share[sh] && m1[sh] != GRID_HAPPY_NONE) {
			place[sh] = m1[sh];
			used_sh[sh] = true;
			used_srv[m1[sh]] = true;
		}

	/* (2) the other servers, with what they hold that is still needed;
	 * a queried server left with nothing drops out of this step and
	 * the next (share_placement removes it from new_peers) */
	any = false;
	for (p = 0; p < P; p++) {
		if (!s->queried[p] || used_srv[p])
			continue;
		for (sh = 0; sh < nshares; sh++)
			if (HAS(s, p, sh) && !used_sh[sh])
				in_map[p] = true;
		any = any || in_map[p];
	}
	for (p = 0, nsrv = 0; p < P; p++)
		if (!used_srv[p] && (!s->queried[p] || in_map[p]))
			srv[nsrv++] = p;
	for (sh = 0; sh < nshares; sh++)
		inset[sh] = !used_sh[sh];
	match_step(s, nshares, srv, nsrv, inset, any, m2);
	for (sh = 0; sh < nshares; sh++)
		if (inset[sh] && m2[sh] != GRID_HAPPY_NONE) {
			place[sh] = m2[sh];
			used_sh[sh] = true;
			used_srv[m2[sh]] = true;
		}

	/* (3) servers not used yet, shares not placed yet */
	for (p = 0, i = 0; p < nsrv; p++)
		if (!used_srv[srv[p]])
			srv[i++] = srv[p];
	nsrv = i;
	for (sh = 0; sh < nshares; sh++)
		inset[sh] = !used_sh[sh];
	match_step(s, nshares, srv, nsrv, inset, false, m2);
	for (sh = 0; sh < nshares; sh++)
		if (inset[sh] && m2[sh] != GRID_HAPPY_NONE)
			place[sh] = m2[sh];

	/* Homeless shares (_distribute_homeless_shares), over the
	 * writable queried servers: back where a copy exists, else to the
	 * least loaded. */
	any = false;
	for (sh = 0; sh < nshares; sh++) {
		if (place[sh] != GRID_HAPPY_NONE)
			continue;
		for (p = 0; p < P; p++)
			if (s->queried[p] && !s->readonly[p] && HAS(s, p, sh)) {
				place[sh] = (int)p;
				break;
			}
	}
	for (p = 0; p < P; p++)
		any = any || (s->queried[p] && !s->readonly[p]);
	if (any) {
		for (sh = 0; sh < nshares; sh++)
			if (place[sh] != GRID_HAPPY_NONE)
				load[place[sh]]++;
		for (sh = 0; sh < nshares; sh++) {
			size_t best = P;

			if (place[sh] != GRID_HAPPY_NONE)
				continue;
			for (p = 0; p < P; p++)
				if (s->queried[p] && !s->readonly[p] &&
				    (best == P || load[p] < load[best]))
					best = p;
			place[sh] = (int)best;
			load[best]++;
		}
	}
	/* Round robin over the writable servers for what is left.  Tahoe
	 * visits the mapping in insertion order: shares the read-only
	 * servers held first, then the others. */
	for (i = 0, p = 0; i < 2; i++)
		for (sh = 0; sh < nshares; sh++) {
			size_t tries;

			if (place[sh] != GRID_HAPPY_NONE ||
			    ro_share[sh] != (i == 0))
				continue;
			for (tries = 0; tries < P && s->readonly[p];
			    tries++)
				p = (p + 1) % P;
			if (s->readonly[p])
				break;	/* no writable server at all */
			place[sh] = (int)p;
			p = (p + 1) % P;
		}
	return grid_happiness_of_placement(place, nshares, P);
}

unsigned
grid_happiness_of_placement(const int *place, size_t nshares,
    size_t nservers)
{
	g_autofree bool *seen = g_new0(bool, nservers + 1);
	unsigned n = 0;
	size_t sh;

	for (sh = 0; sh < nshares; sh++)
		if (place[sh] >= 0 && (size_t)place[sh] < nservers &&
		    !seen[place[sh]]) {
			seen[place[sh]] = true;
			n++;
		}
	return n;
}

/* Kuhn's augmenting paths: try to give share 'sh' a server. */
static bool
augment(const bool *held, size_t nservers, size_t sh, bool *visited,
    int *owner)
{
	size_t p;

	for (p = 0; p < nservers; p++) {
		if (!held[sh * nservers + p] || visited[p])
			continue;
		visited[p] = true;
		if (owner[p] < 0 || augment(held, nservers, (size_t)owner[p],
		    visited, owner)) {
			owner[p] = (int)sh;
			return true;
		}
	}
	return false;
}

unsigned
grid_happiness_count(const bool *held, size_t nshares, size_t nservers)
{
	g_autofree int *owner = g_new(int, nservers + 1);
	g_autofree bool *visited = g_new(bool, nservers + 1);
	unsigned n = 0;
	size_t sh, p;

	for (p = 0; p < nservers; p++)
		owner[p] = -1;
	for (sh = 0; sh < nshares; sh++) {
		memset(visited, 0, nservers * sizeof(bool));
		if (augment(held, nservers, sh, visited, owner))
			n++;
	}
	return n;
}

/* tests/unit/test_grid_happiness.c -- share placement and happiness, with
 * the cases of Tahoe-LAFS's src/allmydata/test/test_happiness.py as a
 * table (its server names become numbers in the order listed), 300
 * placements computed by Tahoe-LAFS's own share_placement()
 * (tests/interop/happiness-vectors.txt), and its property tests (every share placed, happiness min(servers, shares)) over
 * random sizes. */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <glib.h>

#include "grid/happiness.h"
#include "rpc/common.h"

#define MAXP 128
#define MAXS 128

/* A placement case: 'has' lists "p:s" pairs of existing shares, 'queried'
 * the servers present in Tahoe's peers_to_shares (even with no shares). */
struct pcase {
	const char	*name;
	size_t		 P, S;
	const char	*readonly;	/* server numbers, space separated */
	const char	*queried;
	const char	*has;		/* "p:s p:s ..." */
	const char	*want;		/* expected server of each share, or
					 * NULL when any answer of the right
					 * happiness is fine */
	unsigned	 happy;
};

static void
parse_list(const char *text, bool *flags, size_t n)
{
	g_auto(GStrv) v = g_strsplit(text ? text : "", " ", -1);
	size_t i;

	memset(flags, 0, n * sizeof(bool));
	for (i = 0; v[i] != NULL; i++)
		if (v[i][0] != '\0')
			flags[atoi(v[i])] = true;
}

static void
run_case(const struct pcase *c)
{
	bool ro[MAXP], q[MAXP];
	g_autofree bool *has = g_new0(bool, MAXP * MAXS);
	g_auto(GStrv) pairs = g_strsplit(c->has ? c->has : "", " ", -1);
	grid_happy_servers s = { c->P, ro, q, has };
	int place[MAXS];
	unsigned h;
	size_t i;

	parse_list(c->readonly, ro, MAXP);
	parse_list(c->queried, q, MAXP);
	for (i = 0; pairs[i] != NULL; i++) {
		unsigned p, sh;

		if (pairs[i][0] == '\0')
			continue;
		assert_int_equal(sscanf(pairs[i], "%u:%u", &p, &sh), 2);
		has[p * c->S + sh] = true;
	}
	h = grid_happiness_place(&s, c->S, place);
	if (h != c->happy)
		fail_msg("%s: happiness %u, want %u", c->name, h, c->happy);
	for (i = 0; i < c->S; i++) {
		if (c->P > 0 && (place[i] < 0 || (size_t)place[i] >= c->P))
			fail_msg("%s: share %zu not placed", c->name, i);
		if (c->P == 0)
			assert_int_equal(place[i], GRID_HAPPY_NONE);
	}
	if (c->want != NULL) {
		g_auto(GStrv) w = g_strsplit(c->want, " ", -1);

		for (i = 0; i < c->S; i++)
			if (place[i] != atoi(w[i]))
				fail_msg("%s: share %zu on server %d, want %s",
				    c->name, i, place[i], w[i]);
	}
}

static void
test_placement_cases_from_tahoe(void **state)
{
	static const struct pcase cases[] = {
		/* test_placement_simple: peer0 read-only holds share2 */
		{ "placement_simple", 2, 3, "0", "0 1", "0:2", "1 1 0", 2 },
		/* test_placement_1: peers 0..11, 0..3 read-only, peer i
		 * holds share i for i < 10, A and B hold nothing */
		{ "placement_1", 12, 10, "0 1 2 3",
		    "0 1 2 3 4 5 6 7 8 9 10 11",
		    "0:0 1:1 2:2 3:3 4:4 5:5 6:6 7:7 8:8 9:9",
		    "0 1 2 3 4 5 6 7 8 9", 10 },
		{ "unhappy", 4, 5, "", "", "", NULL, 4 },
		{ "hypothesis0", 2, 2, "", "", "", NULL, 2 },
		{ "100", 100, 100, "", "", "", NULL, 100 },
		/* test_redistribute: a:{0} b:{1} c:{2,3}, d empty */
		{ "redistribute", 4, 4, "", "0 1 2", "0:0 1:1 2:2 2:3", NULL,
		    4 },
		{ "hypothesis_0", 1, 2, "", "", "", NULL, 1 },
		{ "hypothesis_1", 4, 9, "", "", "", NULL, 4 },
		{ "everything_broken", 0, 4, "", "", "", NULL, 0 },
	};
	size_t i;

	RPC_UNUSED(state);
	for (i = 0; i < G_N_ELEMENTS(cases); i++)
		run_case(&cases[i]);
}

static void
test_placements_equal_tahoes(void **state)
{
	g_autofree char *path = NULL, *text = NULL;
	g_auto(GStrv) lines = NULL;
	const char *top = g_getenv("TOP_SRCDIR");
	size_t l, cases = 0;

	RPC_UNUSED(state);
	path = g_build_filename(top ? top : ".", "tests", "interop",
	    "happiness-vectors.txt", NULL);
	assert_true(g_file_get_contents(path, &text, NULL, NULL));
	lines = g_strsplit(text, "\n", -1);
	for (l = 0; lines[l] != NULL; l++) {
		g_auto(GStrv) f = NULL, pairs = NULL;
		bool ro[8] = { false }, q[8] = { false }, has[64] = { false };
		grid_happy_servers s = { 0, ro, q, has };
		unsigned P, S, rom, qm, i;
		int place[8];

		if (lines[l][0] == '#' || lines[l][0] == '\0')
			continue;
		f = g_strsplit(lines[l], " ", -1);
		assert_true(g_strv_length(f) >= 6);
		P = (unsigned)atoi(f[0]);
		S = (unsigned)atoi(f[1]);
		rom = (unsigned)atoi(f[2]);
		qm = (unsigned)atoi(f[3]);
		assert_int_equal(g_strv_length(f), 5 + S);
		for (i = 0; i < P; i++) {
			ro[i] = rom & (1u << i);
			q[i] = qm & (1u << i);
		}
		pairs = g_strsplit(f[4], ",", -1);
		for (i = 0; pairs[i] != NULL && strcmp(f[4], "-") != 0; i++) {
			unsigned p, sh;

			assert_int_equal(sscanf(pairs[i], "%u:%u", &p, &sh), 2);
			has[p * S + sh] = true;
		}
		s.n = P;
		grid_happiness_place(&s, S, place);
		for (i = 0; i < S; i++)
			if (place[i] != atoi(f[5 + i]))
				fail_msg("line %zu: share %u on %d, Tahoe-LAFS "
				    "%s", l + 1, i, place[i], f[5 + i]);
		cases++;
	}
	assert_int_equal(cases, 300);
}

static void
test_random_placements_are_as_happy_as_possible(void **state)
{
	/* test_hypothesis_unhappy and test_more_hypothesis: no existing
	 * shares, happiness == min(servers, shares), every share placed */
	GRand *r = g_rand_new_with_seed(778);
	bool ro[MAXP] = { false }, q[MAXP] = { false };
	g_autofree bool *has = g_new0(bool, MAXP * MAXS);
	int place[MAXS];
	size_t t, i;

	RPC_UNUSED(state);
	for (t = 0; t < 500; t++) {
		size_t P = (size_t)g_rand_int_range(r, 1, 40);
		size_t S = (size_t)g_rand_int_range(r, 1, 60);
		grid_happy_servers s = { P, ro, q, has };

		assert_int_equal(grid_happiness_place(&s, S, place),
		    MIN(P, S));
		for (i = 0; i < S; i++)
			assert_true(place[i] >= 0 && (size_t)place[i] < P);
	}
	g_rand_free(r);
}

static void
test_existing_shares_stay_put(void **state)
{
	/* 10 writable servers each holding share i: nothing moves */
	bool ro[MAXP] = { false }, q[MAXP];
	g_autofree bool *has = g_new0(bool, 10 * 10);
	grid_happy_servers s = { 10, ro, q, has };
	int place[10];
	size_t i;

	RPC_UNUSED(state);
	for (i = 0; i < 10; i++) {
		q[i] = true;
		has[i * 10 + (9 - i)] = true;
	}
	assert_int_equal(grid_happiness_place(&s, 10, place), 10);
	for (i = 0; i < 10; i++)
		assert_int_equal(place[i], 9 - (int)i);
}

static void
test_only_readonly_servers_leave_shares_unplaced(void **state)
{
	bool ro[2] = { true, true }, q[2] = { true, false };
	bool has[2 * 3] = { false };
	grid_happy_servers s = { 2, ro, q, has };
	int place[3];

	RPC_UNUSED(state);
	has[0 * 3 + 1] = true;		/* server 0 holds share 1 */
	assert_int_equal(grid_happiness_place(&s, 3, place), 2);
	/* share 1 stays where it is; Tahoe's second step then matches the
	 * other read-only server (it answered no share query) with a new
	 * share; share 2 has no writable home (Tahoe's round robin over no
	 * servers would never end) */
	assert_int_equal(place[1], 0);
	assert_int_equal(place[0], 1);
	assert_int_equal(place[2], GRID_HAPPY_NONE);
}

/* happinessutil.servers_of_happiness cases (test_happiness.py,
 * test_servers_of_happiness_utility_function): shares x servers. */
struct hcase {
	const char	*name;
	size_t		 S, P;
	const char	*held;		/* "share:server ..." */
	unsigned	 want;
};

static void
test_servers_of_happiness_from_tahoe(void **state)
{
	static const struct hcase cases[] = {
		{ "test1", 5, 5, "1:1 2:2 3:3 4:4", 4 },
		{ "test1 duplicate server", 5, 5, "1:1 2:2 3:3 4:1", 3 },
		{ "test1 merged with servers 5-8", 9, 9,
		    "1:1 2:2 3:3 4:1 5:5 6:6 7:7 8:8", 7 },
		{ "and an overlapping tracker", 9, 9,
		    "1:1 2:2 3:3 4:1 5:5 6:6 7:7 8:8 1:1", 7 },
		{ "empty", 0, 0, "", 0 },
		{ "substantial overlap", 6, 7,
		    "1:1 2:2 3:3 4:4 4:5 3:6 5:6", 5 },
		{ "Zooko's first puzzle", 3, 4, "0:1 1:1 1:2 2:2 2:3", 3 },
		{ "Zooko's second puzzle", 2, 3, "0:1 1:1 1:2", 2 },
		{ "spec example", 7, 6, "1:1 2:1 3:1 4:1 6:2 3:3 4:4 2:5", 5 },
	};
	size_t i, j;

	RPC_UNUSED(state);
	for (i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autofree bool *held = g_new0(bool, cases[i].S *
		    cases[i].P + 1);
		g_auto(GStrv) v = g_strsplit(cases[i].held, " ", -1);
		unsigned got;

		for (j = 0; v[j] != NULL; j++) {
			unsigned sh, p;

			if (v[j][0] == '\0')
				continue;
			assert_int_equal(sscanf(v[j], "%u:%u", &sh, &p), 2);
			held[sh * cases[i].P + p] = true;
		}
		got = grid_happiness_count(held, cases[i].S, cases[i].P);
		if (got != cases[i].want)
			fail_msg("%s: %u, want %u", cases[i].name, got,
			    cases[i].want);
	}
}

static void
test_calc_happy_counts_distinct_servers(void **state)
{
	/* test_calc_happy: share 0 on one server, shares 1..9 on another */
	int place[10] = { 0, 1, 1, 1, 1, 1, 1, 1, 1, 1 };

	RPC_UNUSED(state);
	assert_int_equal(grid_happiness_of_placement(place, 10, 2), 2);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_placement_cases_from_tahoe),
		cmocka_unit_test(test_placements_equal_tahoes),
		cmocka_unit_test(test_random_placements_are_as_happy_as_possible),
		cmocka_unit_test(test_existing_shares_stay_put),
		cmocka_unit_test(test_only_readonly_servers_leave_shares_unplaced),
		cmocka_unit_test(test_servers_of_happiness_from_tahoe),
		cmocka_unit_test(test_calc_happy_counts_distinct_servers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* tests/unit/node_testutil.h -- what the tests of node directories and
 * tahoe.cfg share: a temporary directory holding a tahoe.cfg (a cmocka
 * fixture), and questions about a directory's entries.  Include after
 * <cmocka.h>. */
#ifndef TESTS_UNIT_NODE_TESTUTIL_H
#define TESTS_UNIT_NODE_TESTUTIL_H

#include <sys/stat.h>

#include <glib.h>
#include <glib/gstdio.h>

#include "node/dir.h"

typedef struct cfg_fixture {
	char	*dir;
	char	*cfg;		/* dir/tahoe.cfg */
} cfg_fixture;

static inline int
cfg_setup(void **state)
{
	cfg_fixture *f = g_new0(cfg_fixture, 1);

	f->dir = g_dir_make_tmp("cfg-XXXXXX", NULL);
	f->cfg = g_build_filename(f->dir, "tahoe.cfg", NULL);
	*state = f;
	return 0;
}

static inline int
cfg_teardown(void **state)
{
	cfg_fixture *f = *state;

	node_remove_tree(f->dir);
	g_free(f->cfg);
	g_free(f->dir);
	g_free(f);
	return 0;
}

static inline void
write_cfg(cfg_fixture *f, const char *text)
{
	assert_true(g_file_set_contents(f->cfg, text, -1, NULL));
}

/* A new temporary directory (caller removes it with node_remove_tree()
 * and g_free()s the name). */
static inline char *
tmpdir(void)
{
	return g_dir_make_tmp("node-test-XXXXXX", NULL);
}

/* Entries in 'dir' (0 if it cannot be read). */
static inline guint
n_entries(const char *dir)
{
	GDir *d = g_dir_open(dir, 0, NULL);
	guint n = 0;

	while (d != NULL && g_dir_read_name(d) != NULL)
		n++;
	if (d != NULL)
		g_dir_close(d);
	return n;
}

/* The permission bits of dir/name, which must exist. */
static inline int
mode_of(const char *dir, const char *name)
{
	g_autofree char *p = g_build_filename(dir, name, NULL);
	struct stat st;

	assert_int_equal(g_stat(p, &st), 0);
	return st.st_mode & 0777;
}

#endif

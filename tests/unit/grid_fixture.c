/* tests/unit/grid_fixture.c -- see grid_fixture.h. */
#include "config.h"

#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include <sodium.h>

#include "node/dir.h"
#include "rpc/ident.h"
#include "tests/unit/grid_fixture.h"
#include "tests/unit/grid_testutil.h"
#include "tests/unit/tubtest.h"

void
gf_add_servers(gf_fixture *f, guint n, guint64 reserved)
{
	guint i;

	assert_true(f->n + n <= GF_MAX_SRV);
	for (i = f->n; i < f->n + n; i++) {
		gf_server *s = &f->srv[i];
		g_autofree char *furl = NULL;
		g_autoptr(GError) err = NULL;

		s->tub = tt_tub_listening(f->loop, NULL);
		s->dir = g_strdup_printf("%s/s%u", f->top, i);
		s->ss = grid_ss_new(s->tub, s->dir, reserved, NULL, &furl,
		    &err);
		assert_non_null(s->ss);
		s->ref = tt_get_ref(f->cli, furl, &err);
		assert_non_null(s->ref);
		sodium_memzero(furl, strlen(furl));
		memcpy(s->seed, rpc_ident_pk(rpc_tub_ident(s->tub)), 32);
	}
	f->n += n;
}

void
gf_use_account(gf_fixture *f, guint i, guint32 account)
{
	gf_server *s = &f->srv[i];
	g_autoptr(rpc_obj) facet = grid_ss_facet_new(s->ss, account);
	g_autoptr(GError) err = NULL;
	g_autofree char *furl = NULL;
	g_autofree char *name = g_strdup_printf("facet-%u", account);

	furl = rpc_tub_register(s->tub, facet, name, NULL, &err);
	assert_non_null(furl);
	rpc_ref_unref(s->ref);
	s->ref = tt_get_ref(f->cli, furl, &err);
	assert_non_null(s->ref);
	sodium_memzero(furl, strlen(furl));
}

void
gf_drop_server(gf_fixture *f, guint i)
{
	gf_server *s = &f->srv[i];

	rpc_ref_unref(g_steal_pointer(&s->ref));
	grid_ss_free(g_steal_pointer(&s->ss));
	rpc_tub_free(g_steal_pointer(&s->tub));
}

int
gf_setup(void **state)
{
	gf_fixture *f = g_new0(gf_fixture, 1);

	f->loop = ev_loop_new(EVFLAG_AUTO);
	f->cli = tt_tub_listening(f->loop, NULL);
	f->top = g_dir_make_tmp("tup-XXXXXX", NULL);
	*state = f;
	return 0;
}

int
gf_teardown(void **state)
{
	gf_fixture *f = *state;
	guint i;

	for (i = 0; i < f->n; i++) {
		if (f->srv[i].tub != NULL)
			gf_drop_server(f, i);
		g_free(f->srv[i].dir);
	}
	rpc_tub_free(f->cli);
	ev_loop_destroy(f->loop);
	if (g_getenv("KEEP_TEST_DIRS") == NULL)
		node_remove_tree(f->top);
	g_free(f->top);
	g_free(f->cap);
	g_clear_error(&f->err);
	g_free(f);
	return 0;
}

void
gf_done_cb(const char *cap, const GError *err, void *arg)
{
	gf_fixture *f = arg;

	assert_false(f->done);		/* exactly once */
	f->done = true;
	f->cap = g_strdup(cap);
	f->err = err != NULL ? g_error_copy(err) : NULL;
}

/* A file of the vectors' content, open for reading. */
int
gf_vector_file(gf_fixture *f, size_t size)
{
	g_autofree uint8_t *data = tu_vector_content(size);
	g_autofree char *path = g_build_filename(f->top, "file", NULL);
	int fd;

	assert_true(g_file_set_contents(path, (char *)data, (gssize)size,
	    NULL));
	fd = open(path, O_RDONLY);
	assert_true(fd >= 0);
	return fd;
}

grid_upload *
gf_start(gf_fixture *f, unsigned k, unsigned happy, unsigned n, int fd,
    size_t size)
{
	grid_chk_params p = { k, happy, n, 1048576 };
	grid_upload_server us[GF_MAX_SRV];
	uint8_t lease[32] = { 7 };
	guint i, m = 0;

	for (i = 0; i < f->n; i++) {
		if (f->srv[i].ref == NULL)
			continue;
		us[m].ref = f->srv[i].ref;
		us[m].name = "server";
		us[m].tubid = rpc_ident_tubid_raw(rpc_tub_ident(
		    f->srv[i].tub));
		us[m].perm_seed = f->srv[i].seed;
		us[m].perm_seed_len = 32;
		us[m].max_share = grid_ss_available(f->srv[i].ss);
		m++;
	}
	f->done = false;
	g_clear_pointer(&f->cap, g_free);
	g_clear_error(&f->err);
	return grid_upload_start(f->loop, &p, (const uint8_t *)GF_SECRET,
	    strlen(GF_SECRET), lease, us, m, fd, size, gf_done_cb, f);
}

void
gf_wait_done(gf_fixture *f)
{
	assert_true(tt_run_until(f->loop, &f->done, 30.0));
}

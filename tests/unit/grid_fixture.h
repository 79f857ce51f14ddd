/* tests/unit/grid_fixture.h -- the fixture of the upload and download
 * unit tests: storage servers (grid/storage.c) on their own tubs and a
 * client tub, all on one loop, in a temporary directory. */
#ifndef TESTS_UNIT_GRID_FIXTURE_H
#define TESTS_UNIT_GRID_FIXTURE_H

#include <stdbool.h>
#include <stdint.h>

#include <ev.h>
#include <glib.h>

#include "grid/storage.h"
#include "grid/upload.h"
#include "rpc/tub.h"

#define GF_SECRET	"tahoe-c test convergence secret"
#define GF_MAX_SRV	16

typedef struct gf_server {
	rpc_tub		*tub;
	grid_ss		*ss;
	char		*dir;
	rpc_ref		*ref;		/* the client's reference */
	uint8_t		 seed[32];
} gf_server;

typedef struct gf_fixture {
	struct ev_loop	*loop;
	rpc_tub		*cli;
	char		*top;
	gf_server	 srv[GF_MAX_SRV];
	guint		 n;
	/* the outcome */
	bool		 done;
	char		*cap;
	GError		*err;
} gf_fixture;

/* Add 'n' storage servers on their own tubs (reserved space 'reserved'),
 * each with the client's reference. */
void	gf_add_servers(gf_fixture *f, guint n, guint64 reserved);
/* From now on the client reaches server 'i' through a storage facet of
 * 'account' (grid_ss_facet_new()), as on an account-managed grid. */
void	gf_use_account(gf_fixture *f, guint i, guint32 account);
/* Stop server 'i' (its tub goes). */
void	gf_drop_server(gf_fixture *f, guint i);
int	gf_setup(void **state);
int	gf_teardown(void **state);
/* The upload's callback: records the outcome in f (exactly once). */
void	gf_done_cb(const char *cap, const GError *err, void *arg);
/* A file of the vectors' content (tu_vector_content), open for reading. */
int	gf_vector_file(gf_fixture *f, size_t size);
/* Upload from 'fd' to every server still up, 1 MiB segments. */
grid_upload *gf_start(gf_fixture *f, unsigned k, unsigned happy, unsigned n,
	    int fd, size_t size);
/* Run the loop until the upload is done (30 s at most). */
void	gf_wait_done(gf_fixture *f);

#endif

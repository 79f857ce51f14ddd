/* grid/client.c -- the immutable-file client of a node: secrets, the
 * servers to use, and the calls into grid/upload.c and grid/download.c.
 * Which servers an upload may use is decided here, at the moment of each
 * upload (grid-manager certificates are judged then); downloads use every
 * connected server. */
#include "config.h"

#include <errno.h>
#include <string.h>

#include <sodium.h>

#include "grid/client.h"
#include "grid/err.h"
#include "node/dir.h"


struct grid_client {
	struct ev_loop	*loop;
	grid_broker	*broker;	/* borrowed */
	grid_chk_params	 params;
	uint8_t		 conv[NODE_SECRET_MAX];
	size_t		 conv_len;
	uint8_t		 lease[NODE_SECRET_MAX];
	size_t		 lease_len;
};

grid_client *
grid_client_new(struct ev_loop *loop, const char *private_dir,
    grid_broker *b, const grid_chk_params *p, GError **error)
{
	grid_client *c = g_new0(grid_client, 1);
	g_autofree char *conv = g_build_filename(private_dir, "convergence",
	    NULL);
	g_autofree char *secret = g_build_filename(private_dir, "secret",
	    NULL);

	c->loop = loop;
	c->broker = b;
	c->params = *p;
	if (!node_secret_load_or_create(conv, c->conv, &c->conv_len, error) ||
	    !node_secret_load_or_create(secret, c->lease, &c->lease_len,
	    error)) {
		grid_client_free(c);
		return NULL;
	}
	return c;
}

void
grid_client_free(grid_client *c)
{
	if (c == NULL)
		return;
	sodium_memzero(c, sizeof(*c));
	g_free(c);
}

const grid_chk_params *
grid_client_params(const grid_client *c)
{
	return &c->params;
}

grid_upload *
grid_client_put(grid_client *c, int fd, guint64 size, grid_upload_fn *fn,
    void *arg, GError **error)
{
	g_autoptr(GArray) all = g_array_new(FALSE, FALSE,
	    sizeof(grid_upload_server));
	g_autoptr(GArray) ok = g_array_new(FALSE, FALSE,
	    sizeof(grid_upload_server));
	uint8_t lease[32];
	guint connected, permitted;
	grid_upload *u;

	connected = grid_broker_usable(c->broker, FALSE, all);
	permitted = grid_broker_usable(c->broker, TRUE, ok);
	/* A LIT file needs no server.  Otherwise say plainly why an upload
	 * cannot be happy before trying one. */
	if (size > GRID_URI_LIT_THRESHOLD && permitted < c->params.happy) {
		if (permitted < connected)
			g_set_error(error, GRID_ERROR, GRID_E_UNHAPPY,
			    "upload refused: %u storage server(s) connected, "
			    "%u of them certified by a trusted grid manager, "
			    "but shares.happy is %u", connected, permitted,
			    c->params.happy);
		else
			g_set_error(error, GRID_ERROR, GRID_E_UNHAPPY,
			    "upload refused: %u storage server(s) connected, "
			    "but shares.happy is %u", connected,
			    c->params.happy);
		return NULL;
	}
	/* The client's lease secret is hashed per file and per server by
	 * the uploader (Tahoe's my_renewal_secret_hash and friends take
	 * the secret's bytes as they are). */
	memset(lease, 0, sizeof(lease));
	memcpy(lease, c->lease, MIN(c->lease_len, sizeof(lease)));
	u = grid_upload_start(c->loop, &c->params, c->conv, c->conv_len, lease,
	    (const grid_upload_server *)(void *)ok->data, ok->len, fd, size,
	    fn, arg);
	sodium_memzero(lease, sizeof(lease));
	return u;
}

grid_download *
grid_client_get(grid_client *c, const grid_uri *cap, guint64 offset,
    guint64 length, grid_download_data_fn *data, grid_download_done_fn *done,
    void *arg)
{
	g_autoptr(GArray) all = g_array_new(FALSE, FALSE,
	    sizeof(grid_upload_server));
	g_autofree rpc_ref **refs = NULL;
	guint i;

	(void)grid_broker_usable(c->broker, FALSE, all);
	refs = g_new0(rpc_ref *, all->len + 1);
	for (i = 0; i < all->len; i++)
		refs[i] = g_array_index(all, grid_upload_server, i).ref;
	return grid_download_start(c->loop, cap, refs, all->len, offset,
	    length, data, done, arg);
}

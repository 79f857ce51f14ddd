/* grid/err.h -- the GRID_ERROR domain, shared by every module of grid/. */
#ifndef GRID_ERR_H
#define GRID_ERR_H

#include <glib.h>

#define GRID_ERROR (grid_error_quark())
GQuark grid_error_quark(void);

typedef enum {
	GRID_E_FORMAT = 1,	/* malformed input (JSON, key text, time) */
	GRID_E_EXISTS,		/* name or directory already there */
	GRID_E_NOTFOUND,	/* no such name, file or directory */
	GRID_E_RANGE,		/* a number outside its range */
	GRID_E_IO,		/* reading or writing a file failed */
	GRID_E_VERSION,		/* unknown format version */
	GRID_E_CORRUPT = 100,	/* bytes that fail a hash check: a corrupt or
				 * forged share, block or URI extension
				 * block */
	GRID_E_UNHAPPY,		/* an upload placed shares on too few
				 * servers (shares.happy) */
	GRID_E_REFUSED,		/* storage servers refused the account's
				 * upload (its quota or its status) */
} grid_err;

#endif

/* account/err.h -- the ACCT_ERROR domain, shared by every module of
 * account/. */
#ifndef ACCT_ERR_H
#define ACCT_ERR_H

#include <glib.h>

#define ACCT_ERROR (acct_error_quark())
GQuark acct_error_quark(void);

typedef enum {
	ACCT_E_FORMAT = 1,	/* a malformed name, number or file */
	ACCT_E_EXISTS,		/* an account of that name exists */
	ACCT_E_NOTFOUND,	/* no such account or server */
	ACCT_E_DB,		/* the database failed */
	ACCT_E_IO,		/* a file could not be read or written */
} acct_err;

#endif

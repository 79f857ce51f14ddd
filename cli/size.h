/* cli/size.h -- sizes in Tahoe-LAFS's notation, for the commands that
 * take or show them (`tahoe admin accounts`).  See
 * doc/man/tahoe-admin-accounts.1. */
#ifndef CLI_SIZE_H
#define CLI_SIZE_H

#include <glib.h>

/* Parse 's' as Tahoe-LAFS's allmydata.util.abbreviate
 * .parse_abbreviated_size does, with node_parse_size() ("10G", "500MB",
 * "2KiB", "123"): TRUE with *bytes set; FALSE with its one-line error as
 * G_OPTION_ERROR_BAD_VALUE. */
gboolean cli_size_parse(const char *s, guint64 *bytes, GError **error);

/* 'bytes' as Tahoe's abbreviate_space(SI=True) shows it: "999 B",
 * "1023 B", "1.02 kB", "1.00 MB", ... up to "EB".  Caller g_free()s. */
char *cli_size_format(guint64 bytes);

#endif

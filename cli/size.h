/* cli/size.h -- sizes in Tahoe-LAFS's notation, for the commands that
 * take or show them (`tahoe admin accounts`).  See
 * doc/man/tahoe-admin-accounts.1. */
#ifndef CLI_SIZE_H
#define CLI_SIZE_H

#include <glib.h>

/* Longest text cli_size_parse() reads: 20 digits and a 3-letter unit. */
#define CLI_SIZE_TEXT_MAX	32

/* Parse 's' as Tahoe-LAFS's allmydata.util.abbreviate
 * .parse_abbreviated_size does: ASCII digits, then an optional unit K, M,
 * G, T, P or E (powers of 1000), the same followed by I (powers of 1024),
 * or I alone (1), then an optional B, in any case ("10G", "500MB",
 * "2KiB", "123").  No sign, space, fraction or exponent (Tahoe's has
 * none either).  TRUE with *bytes set; FALSE with a one-line error
 * (G_OPTION_ERROR_BAD_VALUE) quoting 's' if it is malformed or the
 * product exceeds 2^64 - 1. */
gboolean cli_size_parse(const char *s, guint64 *bytes, GError **error);

/* 'bytes' as Tahoe's abbreviate_space(SI=True) shows it: "999 B",
 * "1023 B", "1.02 kB", "1.00 MB", ... up to "EB".  Caller g_free()s. */
char *cli_size_format(guint64 bytes);

#endif

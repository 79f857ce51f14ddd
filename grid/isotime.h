/* grid/isotime.h -- times as Tahoe-LAFS writes them in certificates:
 * Python's datetime.isoformat() of an aware UTC time.
 * Times are microseconds since the Unix epoch, UTC. */
#ifndef GRID_ISOTIME_H
#define GRID_ISOTIME_H

#include <glib.h>

#define GRID_USEC_PER_SEC	G_GINT64_CONSTANT(1000000)
#define GRID_SEC_PER_DAY	G_GINT64_CONSTANT(86400)
/* Python's datetime covers 0001-01-01 to 9999-12-31 (and so do GDateTime
 * and 4-digit years): seconds from the epoch to the first and after the
 * last. */
#define GRID_TIME_MIN_SEC	G_GINT64_CONSTANT(-62135596800)
#define GRID_TIME_END_SEC	G_GINT64_CONSTANT(253402300800)
#define GRID_TIME_MIN_US	(GRID_TIME_MIN_SEC * GRID_USEC_PER_SEC)
#define GRID_TIME_MAX_US	(GRID_TIME_END_SEC * GRID_USEC_PER_SEC - 1)

/* Parse "YYYY-MM-DDTHH:MM:SS[.f]OFFSET" into microseconds since the epoch:
 * 'T' or a space between date and time, 1 to 9 fraction digits (beyond 6
 * cut, as Python 3.11 does), and an offset that must be there: "Z" or
 * "+HH:MM" / "-HH:MM".  The time must fall in the years 1 to 9999 in UTC.
 * GRID_E_FORMAT otherwise (leaving *us 0); week or ordinal dates, leap
 * seconds and trailing text are refused. */
gboolean grid_time_parse(const char *s, gint64 *us, GError **error);

/* "YYYY-MM-DDTHH:MM:SS[.ffffff]+00:00" (microseconds only when non-zero),
 * as Python's datetime.isoformat() writes it; caller g_free()s.  A time
 * outside GRID_TIME_MIN_US .. GRID_TIME_MAX_US gives "(out of range)",
 * which grid_time_parse() refuses. */
char *grid_time_format(gint64 us);

/* "2026-12-08 00:00:00 UTC" (with ".ffffff" when not zero), for people;
 * caller g_free()s. */
char *grid_time_format_human(gint64 us);

#endif

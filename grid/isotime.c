/* grid/isotime.c -- the ISO 8601 subset of Tahoe-LAFS certificates.
 *
 * GDateTime does the calendar (days per month, leap years, the epoch).
 * Its own ISO 8601 parser takes far more than Python's isoformat() writes
 * (week and ordinal dates, basic format, offsets without a colon, any
 * number of fraction digits, rounded), so the shape of the text is checked
 * here first and only the numbers are handed to GDateTime. */
#include "config.h"

#include <string.h>

#include "grid/err.h"
#include "grid/isotime.h"

#define FRAC_DIGITS_MAX	9	/* more is refused */
#define FRAC_DIGITS	6	/* kept; the rest is cut */

/* Read exactly 'n' digits at *p into *v and advance. */
static gboolean
get_digits(const char **p, int n, int *v)
{
	int k;

	*v = 0;
	for (k = 0; k < n; k++) {
		if (!g_ascii_isdigit((*p)[k]))
			return FALSE;
		*v = *v * 10 + ((*p)[k] - '0');
	}
	*p += n;
	return TRUE;
}

/* Python's datetime.fromisoformat() accepts more forms; this takes what
 * isoformat() writes, plus "Z" and up to nine fraction digits (beyond six
 * they are cut, as Python 3.11 does), and requires the offset. */
gboolean
grid_time_parse(const char *s, gint64 *us, GError **error)
{
	const char *p = s;
	int y, mo, d, h, mi, sec, oh = 0, om = 0, frac = 0, nfrac = 0;
	int sign = 0;
	g_autoptr(GDateTime) dt = NULL;
	gint64 t;

	g_return_val_if_fail(s != NULL && us != NULL, FALSE);
	*us = 0;
	if (!get_digits(&p, 4, &y) || *p++ != '-' ||
	    !get_digits(&p, 2, &mo) || *p++ != '-' ||
	    !get_digits(&p, 2, &d))
		goto bad;
	/* Python writes 'T'; fromisoformat() also takes a space. */
	if (*p != 'T' && *p != ' ')
		goto bad;
	p++;
	if (!get_digits(&p, 2, &h) || *p++ != ':' ||
	    !get_digits(&p, 2, &mi) || *p++ != ':' ||
	    !get_digits(&p, 2, &sec))
		goto bad;
	if (*p == '.') {
		p++;
		while (g_ascii_isdigit(*p) && nfrac < FRAC_DIGITS_MAX) {
			if (nfrac < FRAC_DIGITS)
				frac = frac * 10 + (*p - '0');
			nfrac++;
			p++;
		}
		if (nfrac == 0 || g_ascii_isdigit(*p))
			goto bad;
		for (; nfrac < FRAC_DIGITS; nfrac++)
			frac *= 10;
	}
	if (*p == 'Z') {
		p++;
	} else if (*p == '+' || *p == '-') {
		sign = *p++ == '-' ? -1 : 1;
		if (!get_digits(&p, 2, &oh) || *p++ != ':' ||
		    !get_digits(&p, 2, &om))
			goto bad;
	} else if (*p == '\0') {
		g_set_error(error, GRID_ERROR, GRID_E_FORMAT,
		    "time has no UTC offset (expected e.g. "
		    "2026-12-08T00:00:00+00:00)");
		return FALSE;
	}
	if (*p != '\0' || oh > 23 || om > 59)
		goto bad;
	/* The fields as a UTC time (NULL for a day, hour, minute or second
	 * out of range, leap seconds included), then the offset applied. */
	dt = g_date_time_new_utc(y, mo, d, h, mi, sec);
	if (dt == NULL)
		goto bad;
	t = g_date_time_to_unix(dt) - sign * (oh * 3600 + om * 60);
	if (t < GRID_TIME_MIN_SEC || t >= GRID_TIME_END_SEC) {
		g_set_error(error, GRID_ERROR, GRID_E_FORMAT,
		    "time is outside the years 1 to 9999 in UTC");
		return FALSE;
	}
	*us = t * GRID_USEC_PER_SEC + frac;
	return TRUE;
bad:
	g_set_error(error, GRID_ERROR, GRID_E_FORMAT,
	    "not an ISO-8601 time like 2026-12-08T00:00:00+00:00");
	return FALSE;
}

/* 'us' as "YYYY-MM-DD", 'sep', "HH:MM:SS[.ffffff]", 'zone'. */
static char *
format_time(gint64 us, char sep, const char *zone)
{
	g_autoptr(GDateTime) dt = NULL;
	gint64 sec, frac;
	char f[8] = "";

	if (us < GRID_TIME_MIN_US || us > GRID_TIME_MAX_US)
		return g_strdup("(out of range)");
	/* Division toward minus infinity, so that the fraction is >= 0. */
	sec = us / GRID_USEC_PER_SEC;
	frac = us % GRID_USEC_PER_SEC;
	if (frac < 0) {
		frac += GRID_USEC_PER_SEC;
		sec--;
	}
	dt = g_date_time_new_from_unix_utc(sec);
	g_assert(dt != NULL);		/* in range, checked above */
	if (frac != 0)
		g_snprintf(f, sizeof(f), ".%06d", (int)frac);
	/* Not g_date_time_format(): its %Y does not pad years below 1000
	 * to four digits, as isoformat() does. */
	return g_strdup_printf("%04d-%02d-%02d%c%02d:%02d:%02d%s%s",
	    g_date_time_get_year(dt), g_date_time_get_month(dt),
	    g_date_time_get_day_of_month(dt), sep, g_date_time_get_hour(dt),
	    g_date_time_get_minute(dt), g_date_time_get_second(dt), f, zone);
}

char *
grid_time_format(gint64 us)
{
	return format_time(us, 'T', "+00:00");
}

char *
grid_time_format_human(gint64 us)
{
	return format_time(us, ' ', " UTC");
}

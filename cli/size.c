/* cli/size.c -- Tahoe-LAFS's size notation, read and written as
 * allmydata/util/abbreviate.py does (parse_abbreviated_size and
 * abbreviate_space with SI units), so an operator's "10G" means here what
 * it means to tahoe-lafs. */
#include "config.h"

#include <string.h>

#include "cli/size.h"

gboolean
cli_size_parse(const char *s, guint64 *bytes, GError **error)
{
	static const char units[] = "KMGTPE";
	g_autofree char *cut = NULL, *shown = NULL;
	const char *p = s, *u;
	gboolean too_big = FALSE;
	guint64 n = 0, mult = 1, base;
	int power = 0, i;

	if (strlen(s) > CLI_SIZE_TEXT_MAX)
		goto bad;
	for (; g_ascii_isdigit(*p); p++) {
		if (n > (G_MAXUINT64 - (guint64)(*p - '0')) / 10)
			too_big = TRUE;
		n = n * 10 + (guint64)(*p - '0');
	}
	if (p == s)
		goto bad;
	/* [KMGTPE]?I?B? in any case, as Tahoe's regular expression. */
	if (*p != '\0' && (u = strchr(units, g_ascii_toupper(*p))) != NULL) {
		power = (int)(u - units) + 1;
		p++;
	}
	base = 1000;
	if (g_ascii_toupper(*p) == 'I') {
		base = 1024;
		p++;
	}
	if (g_ascii_toupper(*p) == 'B')
		p++;
	if (*p != '\0') {
		too_big = FALSE;
		goto bad;
	}
	if (too_big)
		goto bad;
	for (i = 0; i < power; i++)
		mult *= base;		/* at most 1024^6 = 2^60 */
	if (n != 0 && mult > G_MAXUINT64 / n) {
		too_big = TRUE;
		goto bad;
	}
	*bytes = n * mult;
	return TRUE;
bad:
	/* Quoted on one line, whatever it holds. */
	cut = g_strndup(s, CLI_SIZE_TEXT_MAX);
	shown = g_strescape(cut, NULL);
	if (!too_big)
		g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
		    "unparseable size '%s': expected digits and an optional "
		    "unit (K, M, G, T, P, E; KiB... for powers of 1024; B)",
		    shown);
	else
		g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
		    "size '%s' is too large (more than 2^64 - 1 bytes)",
		    shown);
	return FALSE;
}

char *
cli_size_format(guint64 bytes)
{
	static const char units[] = "kMGTPE";
	double v = (double)bytes, u = 1000.0;
	int i;

	/* 1000-1023 are shown as bytes, even in SI units (Tahoe). */
	if (bytes < 1024)
		return g_strdup_printf("%u B", (unsigned)bytes);
	for (i = 0; i < 5 && v >= u * 1000.0; i++)
		u *= 1000.0;
	return g_strdup_printf("%.2f %cB", v / u, units[i]);
}

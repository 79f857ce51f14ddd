/* cli/size.c -- Tahoe-LAFS's size notation, read and written as
 * allmydata/util/abbreviate.py does (parse_abbreviated_size and
 * abbreviate_space with SI units), so an operator's "10G" means here what
 * it means to tahoe-lafs. */
#include "config.h"

#include "cli/size.h"
#include "node/cfg.h"

gboolean
cli_size_parse(const char *s, guint64 *bytes, GError **error)
{
	g_autoptr(GError) e = NULL;

	if (node_parse_size(s, bytes, &e))
		return TRUE;
	g_set_error_literal(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
	    e->message);
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

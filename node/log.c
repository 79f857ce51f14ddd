/* node/log.c -- the log writer of a running node.
 *
 * GLib's structured logging hands every message here.  A message becomes
 * one line "2026-11-22T10:00:00.123456Z WARNING rpc: text" appended to
 * DIR/logs/node.log; warnings and worse also go to standard error, where
 * `tahoe run` shows them.  Libraries never log secrets (STYLE.md), so this
 * module does not filter content; it only keeps one event on one line,
 * and limits how often one call site may write (node_log_site_allow()).
 * The file is written with stdio and flushed per line: a node's log is a
 * few lines a minute, and a crash must not lose the last of them. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "node/cfg.h"
#include "node/log.h"

/* One message site's budget. */
typedef struct site {
	gint64		window;		/* start of the current interval */
	guint		sent;		/* messages written in it */
	guint64		dropped;	/* since the last one written */
} site;

static FILE *log_fp;
static GHashTable *sites;	/* "file:line" -> site; owns both */
static site overflow_site;	/* shared once NODE_LOG_MAX_SITES are known */
static gboolean log_debug;
static gboolean log_installed;	/* GLib allows one writer per process */

static const char *
level_name(GLogLevelFlags level)
{
	if (level & G_LOG_LEVEL_ERROR)
		return "ERROR";
	if (level & G_LOG_LEVEL_CRITICAL)
		return "CRITICAL";
	if (level & G_LOG_LEVEL_WARNING)
		return "WARNING";
	if (level & G_LOG_LEVEL_MESSAGE)
		return "NOTICE";
	if (level & G_LOG_LEVEL_INFO)
		return "INFO";
	return "DEBUG";
}

char *
node_log_format(GLogLevelFlags level, const char *domain,
    const char *message, gint64 now_us)
{
	g_autoptr(GDateTime) t = g_date_time_new_from_unix_utc(
	    now_us / G_USEC_PER_SEC);
	GString *s = g_string_new(NULL);
	g_autofree char *stamp = NULL;
	const char *p;

	stamp = t != NULL ? g_date_time_format(t, "%Y-%m-%dT%H:%M:%S") :
	    g_strdup("0000-00-00T00:00:00");
	g_string_append_printf(s, "%s.%06dZ %s %s: ", stamp,
	    (int)(now_us % G_USEC_PER_SEC), level_name(level),
	    domain != NULL ? domain : "tahoe");
	for (p = message != NULL ? message : ""; *p != '\0'; p++) {
		unsigned char ch = (unsigned char)*p;

		/* A newline or escape in a message (a peer's nickname, say)
		 * must not forge a second log line or drive a terminal. */
		if (ch < 0x20 || ch == 0x7f)
			g_string_append_printf(s, "\\x%02x", ch);
		else
			g_string_append_c(s, (char)ch);
	}
	return g_string_free(s, FALSE);
}

gboolean
node_log_site_allow(const char *file, const char *line, gint64 now_us,
    guint64 *dropped)
{
	g_autofree char *key = g_strdup_printf("%s:%s", file != NULL ? file :
	    "?", line != NULL ? line : "?");
	site *st;

	*dropped = 0;
	if (sites == NULL)
		sites = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
		    g_free);
	st = g_hash_table_lookup(sites, key);
	if (st == NULL) {
		if (g_hash_table_size(sites) >= NODE_LOG_MAX_SITES) {
			st = &overflow_site;
		} else {
			st = g_new0(site, 1);
			st->window = now_us;
			g_hash_table_insert(sites, g_steal_pointer(&key), st);
		}
	}
	if (now_us - st->window >= NODE_LOG_INTERVAL_US || now_us < st->window) {
		st->window = now_us;
		st->sent = 0;
	}
	if (st->sent >= NODE_LOG_BURST) {
		st->dropped++;
		return FALSE;
	}
	st->sent++;
	*dropped = st->dropped;
	st->dropped = 0;
	return TRUE;
}

void
node_log_sites_reset(void)
{
	if (sites != NULL)
		g_hash_table_remove_all(sites);
	memset(&overflow_site, 0, sizeof(overflow_site));
}

static GLogWriterOutput
node_log_writer(GLogLevelFlags level, const GLogField *fields,
    gsize n_fields, gpointer user_data)
{
	const char *domain = NULL, *message = NULL;
	const char *file = NULL, *lineno = NULL;
	g_autofree char *line = NULL, *note = NULL;
	guint64 dropped = 0;
	gsize i;

	(void)user_data;
	if ((level & G_LOG_LEVEL_DEBUG) && !log_debug)
		return G_LOG_WRITER_HANDLED;
	for (i = 0; i < n_fields; i++) {
		if (strcmp(fields[i].key, "GLIB_DOMAIN") == 0)
			domain = fields[i].value;
		else if (strcmp(fields[i].key, "MESSAGE") == 0)
			message = fields[i].value;
		else if (strcmp(fields[i].key, "CODE_FILE") == 0)
			file = fields[i].value;
		else if (strcmp(fields[i].key, "CODE_LINE") == 0)
			lineno = fields[i].value;
	}
	if (!(level & (G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL)) &&
	    !node_log_site_allow(file, lineno, g_get_monotonic_time(),
	    &dropped))
		return G_LOG_WRITER_HANDLED;
	if (dropped > 0)
		message = note = g_strdup_printf("%s [%" G_GUINT64_FORMAT
		    " more like this dropped]", message != NULL ? message :
		    "", dropped);
	line = node_log_format(level, domain, message, g_get_real_time());
	if (log_fp != NULL) {
		fprintf(log_fp, "%s\n", line);
		fflush(log_fp);
	}
	if (log_fp == NULL || (level & (G_LOG_LEVEL_ERROR |
	    G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING)))
		fprintf(stderr, "%s\n", line);
	return G_LOG_WRITER_HANDLED;
}

gboolean
node_log_open(const char *path, gboolean debug, GError **error)
{
	g_autofree char *dir = g_path_get_dirname(path);
	FILE *fp;

	if (g_mkdir_with_parents(dir, 0700) != 0) {
		g_set_error(error, NODE_ERROR, NODE_E_IO, "%s: %s", dir,
		    g_strerror(errno));
		return FALSE;
	}
	fp = fopen(path, "a");
	if (fp == NULL) {
		g_set_error(error, NODE_ERROR, NODE_E_IO, "%s: %s", path,
		    g_strerror(errno));
		return FALSE;
	}
	node_log_close();
	log_fp = fp;
	log_debug = debug;
	if (!log_installed) {
		g_log_set_writer_func(node_log_writer, NULL, NULL);
		log_installed = TRUE;
	}
	return TRUE;
}

void
node_log_close(void)
{
	if (log_fp != NULL) {
		fclose(log_fp);
		log_fp = NULL;
	}
}

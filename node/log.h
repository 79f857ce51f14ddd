/* node/log.h -- a node's log: DIR/logs/node.log, one line per event
 * ("TIME LEVEL MODULE: MESSAGE"), with warnings and errors echoed to
 * standard error.  Every library logs through GLib (one log domain per
 * folder); this module is the writer a running node installs. */
#ifndef NODE_LOG_H
#define NODE_LOG_H

#include <glib.h>

/* Open (append to) 'path', creating its directory, and install the writer
 * for the whole process.  Messages at debug level are written only when
 * 'debug' is set.  FALSE with an error naming the file if it cannot be
 * opened. */
gboolean node_log_open(const char *path, gboolean debug, GError **error);
/* Flush and close the log file; later messages go to standard error. */
void node_log_close(void);

/* Format one log line (without the newline) for 'level' from 'domain'
 * (may be NULL) at 'now_us' (microseconds since the epoch); control
 * characters in 'message' are replaced so one event stays one line.
 * Caller g_free()s. */
char *node_log_format(GLogLevelFlags level, const char *domain,
    const char *message, gint64 now_us);

/* Rate limit per message site.  GLib hands the writer each message's
 * CODE_FILE and CODE_LINE (G_LOG_USE_STRUCTURED is defined for the whole
 * build), so every g_warning() call site, in any library, has its own
 * budget: NODE_LOG_BURST messages per NODE_LOG_INTERVAL_US.  Past it the
 * site's messages are counted, not written; the next message the site is
 * allowed says how many were dropped.  Errors and criticals always pass.
 * This is what keeps a remote peer that triggers one warning in a loop
 * from filling the disk. */
#define NODE_LOG_BURST		10
#define NODE_LOG_INTERVAL_US	(10 * G_USEC_PER_SEC)
/* At most this many sites are tracked; messages of sites past it share
 * one budget (the code has a few hundred sites). */
#define NODE_LOG_MAX_SITES	4096

/* Decide whether a message from site 'file':'line' (either may be NULL)
 * at 'now_us' (monotonic microseconds) is written.  On TRUE, store in
 * *dropped how many of the site's messages were dropped since it last
 * wrote one.  Exposed for the unit tests; the writer calls it. */
gboolean node_log_site_allow(const char *file, const char *line,
    gint64 now_us, guint64 *dropped);
/* Forget every site's state (tests). */
void node_log_sites_reset(void);

#endif

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

#endif

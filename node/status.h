/* node/status.h -- the status document of a running node, built from
 * sections, and the two ways it is shown: the welcome page (HTML) and
 * `tahoe status` (text).  See doc/status.md.
 *
 * As in Redis's INFO, each part of the program writes its own section:
 * node/ the node's own facts, grid/ (and later account/) theirs.  A
 * section is data in the JSON document plus a description of how to show
 * it (a node_status_section), so the renderers here know no service: they
 * show whatever the sections describe, and any other member by name. */
#ifndef NODE_STATUS_H
#define NODE_STATUS_H

#include <stddef.h>

#include <glib.h>
#include <jansson.h>

/* Also in grid/json.h; whichever comes first defines it. */
#ifndef JSON_T_AUTOPTR_DEFINED
#define JSON_T_AUTOPTR_DEFINED
G_DEFINE_AUTOPTR_CLEANUP_FUNC(json_t, json_decref)
#endif

typedef enum {
	NODE_FIELD_TIME = 1 << 0,	/* seconds since the epoch, shown as
					 * a UTC time */
	NODE_FIELD_STATE = 1 << 1,	/* a connection state ("connected",
					 * ...), styled on the page */
	NODE_FIELD_ID = 1 << 2,		/* a long identifier, set in a fixed
					 * font on the page */
	NODE_FIELD_OPTIONAL = 1 << 3,	/* a fact shown only when present */
	NODE_FIELD_PAGE = 1 << 4,	/* a page number N of the welcome
					 * page, a link to "?page=N" there */
} node_field_flags;

/* Pages the welcome page may be asked for (?page=1 to this). */
#define NODE_STATUS_PAGE_MAX	1000000

/* One member of a section and how to show it. */
typedef struct node_status_field {
	const char	*key;		/* the member's name */
	const char	*label;		/* for people */
	unsigned	 flags;		/* node_field_flags */
	/* Text: in a table, a column this wide (values cut to fit); 0 shows
	 * the value on a line of its own under the row, when it is set. */
	int		 text_width;
} node_status_field;

/* A section.  'member' NULL: its fields are members of the document
 * itself, shown in one table of facts under the page's heading (every
 * such section's fields in order, then any other top-level value).
 * Otherwise the document's member 'member' holds it: an object shown as
 * facts under 'title', or (table TRUE) an array of objects shown one row
 * each with 'fields' as the columns.  A table is summed up as "N of M
 * NOUN STATE", counting rows whose "state" member is 'count_state', or
 * "M NOUN" when 'count_state' is NULL.  Fields are shown in order, a
 * missing one as a dash (a missing optional fact not at all). */
typedef struct node_status_section {
	const char		*title;
	const char		*member;
	gboolean		 table;
	const node_status_field	*fields;
	size_t			 n_fields;
	const char		*noun;
	const char		*count_state;
} node_status_section;

/* The node's own section: nickname, node_id, tubid, version, started. */
extern const node_status_section node_status_section_node;

/* An ordered list of sections (borrowed: static descriptions that
 * outlive the layout).  A new layout holds node_status_section_node. */
typedef struct node_status_layout node_status_layout;
node_status_layout *node_status_layout_new(void);
void node_status_layout_free(node_status_layout *l);	/* NULL: no-op */
G_DEFINE_AUTOPTR_CLEANUP_FUNC(node_status_layout, node_status_layout_free)
void node_status_layout_add(node_status_layout *l,
    const node_status_section *s);

/* Make every string in 'doc' valid UTF-8, member names included: some
 * come from the network (nicknames), and JSON and HTML output assume
 * valid text. */
void node_status_repair(json_t *doc);

/* Set member 'key' of object 'o' to the string 's' (made valid UTF-8
 * first, since jansson refuses anything else), or to null if 's' is
 * NULL. */
void node_status_set_str(json_t *o, const char *key, const char *s);

/* The welcome page for 'doc' (any JSON; an object is expected) laid out
 * by 'l' (NULL: the node's own section only); caller g_free()s, *len is
 * its length.  Every string from the document is escaped; members may be
 * missing or of the wrong type.  Call node_status_repair() first. */
char *node_status_html(json_t *doc, const node_status_layout *l,
    size_t *len);

/* The same as plain text for a terminal; caller g_free()s.  Control
 * characters in the document's strings are shown as '?'. */
char *node_status_text(json_t *doc, const node_status_layout *l);

#endif

/* node/status.c -- laying out and rendering the status document.
 *
 * The renderers follow the sections of a layout and trust nothing in the
 * document: it may be of any shape, and its strings include nicknames
 * from the network, so every string is escaped (HTML) or cleaned of
 * control characters (text).  Who builds the document, and when, is up to
 * node.c and the services. */
#include "config.h"

#include <math.h>
#include <string.h>

#include "node/status.h"

/* 9999-12-31T23:59:59Z: the last second GDateTime can show. */
#define STATUS_TIME_MAX		253402300799.0
#define HTML_DASH		"\xe2\x80\x94"	/* U+2014 EM DASH */
#define TEXT_DASH		"-"
/* Labels of top-level facts in text are padded to this width. */
#define TEXT_LABEL_WIDTH	24

static const node_status_field node_fields[] = {
	{ "nickname",	"Nickname",	0,		0 },
	{ "node_id",	"Node ID",	NODE_FIELD_ID,	0 },
	{ "tubid",	"Tub ID",	NODE_FIELD_ID,	0 },
	{ "version",	"Version",	0,		0 },
	{ "started",	"Started",	NODE_FIELD_TIME, 0 },
};

const node_status_section node_status_section_node = {
	NULL, NULL, FALSE, node_fields, G_N_ELEMENTS(node_fields), NULL, NULL,
};

struct node_status_layout {
	GPtrArray	*sections;	/* of const node_status_section * */
};

node_status_layout *
node_status_layout_new(void)
{
	node_status_layout *l = g_new0(node_status_layout, 1);

	l->sections = g_ptr_array_new();
	g_ptr_array_add(l->sections, (gpointer)&node_status_section_node);
	return l;
}

void
node_status_layout_free(node_status_layout *l)
{
	if (l == NULL)
		return;
	g_ptr_array_unref(l->sections);
	g_free(l);
}

void
node_status_layout_add(node_status_layout *l, const node_status_section *s)
{
	g_return_if_fail(l != NULL && s != NULL);
	g_ptr_array_add(l->sections, (gpointer)s);
}

/* The sections of 'l', or the node's alone when 'l' is NULL. */
static const node_status_section *
section_at(const node_status_layout *l, guint i)
{
	if (l == NULL)
		return i == 0 ? &node_status_section_node : NULL;
	return i < l->sections->len ? g_ptr_array_index(l->sections, i) :
	    NULL;
}

/* ---- the document, read defensively ---- */

void
node_status_repair(json_t *node)
{
	g_autoptr(GPtrArray) keys = NULL;
	const char *k;
	json_t *m;
	size_t i;

	if (json_is_object(node)) {
		/* Keys first: a key that is renamed changes the object. */
		keys = g_ptr_array_new_with_free_func(g_free);
		json_object_foreach(node, k, m)
			g_ptr_array_add(keys, g_strdup(k));
		for (i = 0; i < keys->len; i++) {
			const char *name = g_ptr_array_index(keys, i);
			g_autofree char *fixed = NULL;

			m = json_object_get(node, name);
			node_status_repair(m);
			if (g_utf8_validate(name, -1, NULL))
				continue;
			fixed = g_utf8_make_valid(name, -1);
			json_object_set(node, fixed, m);
			json_object_del(node, name);
		}
	} else if (json_is_array(node)) {
		json_array_foreach(node, i, m)
			node_status_repair(m);
	} else if (json_is_string(node) &&
	    !g_utf8_validate(json_string_value(node), -1, NULL)) {
		g_autofree char *fixed = g_utf8_make_valid(
		    json_string_value(node), -1);

		json_string_set(node, fixed);
	}
}

void
node_status_set_str(json_t *o, const char *key, const char *s)
{
	g_autofree char *fixed = NULL;

	if (s == NULL) {
		json_object_set_new(o, key, json_null());
		return;
	}
	/* json_string() refuses invalid UTF-8 (a nickname from tahoe.cfg
	 * may be anything): repair, never drop. */
	if (!g_utf8_validate(s, -1, NULL))
		s = fixed = g_utf8_make_valid(s, -1);
	json_object_set_new(o, key, json_string(s));
}

/* The member 'name' of 'o', or NULL when 'o' is NULL or lacks it. */
static json_t *
member(json_t *o, const char *name)
{
	return o != NULL ? json_object_get(o, name) : NULL;
}

static json_t *
as_object(json_t *n)
{
	return json_is_object(n) ? n : NULL;
}

static json_t *
as_array(json_t *n)
{
	return json_is_array(n) ? n : NULL;
}

/* The string value of 'n', or NULL when it is something else. */
static const char *
as_string(json_t *n)
{
	return json_is_string(n) ? json_string_value(n) : NULL;
}

static gboolean
is_scalar(json_t *n)
{
	return !json_is_object(n) && !json_is_array(n);
}

/* The field describing 'key' among 'fields', or NULL. */
static const node_status_field *
find_field(const node_status_field *fields, size_t n, const char *key)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(fields[i].key, key) == 0)
			return &fields[i];
	return NULL;
}

/* The field describing top-level member 'key' in any section of 'l'. */
static const node_status_field *
find_top_field(const node_status_layout *l, const char *key)
{
	const node_status_section *s;
	const node_status_field *f;
	guint i;

	for (i = 0; (s = section_at(l, i)) != NULL; i++)
		if (s->member == NULL &&
		    (f = find_field(s->fields, s->n_fields, key)) != NULL)
			return f;
	return NULL;
}

/* Rows of 'a' whose "state" is 'state'. */
static guint
count_state(json_t *a, const char *state)
{
	size_t i, n = json_array_size(a);
	guint k = 0;

	for (i = 0; i < n; i++) {
		const char *st = as_string(member(as_object(
		    json_array_get(a, i)), "state"));

		if (st != NULL && strcmp(st, state) == 0)
			k++;
	}
	return k;
}

/* Append a scalar value as text; 'dash' for null, missing, empty or
 * non-scalar values.  Numbers are shown as times when 'is_time'.  Strings
 * go through 'put' (escaping). */
typedef void put_fn(GString *out, const char *s);

static gboolean
put_time(GString *out, double t)
{
	g_autoptr(GDateTime) dt = NULL;
	g_autofree char *s = NULL;

	if (!isfinite(t) || t < 0 || t > STATUS_TIME_MAX)
		return FALSE;
	dt = g_date_time_new_from_unix_utc((gint64)floor(t));
	if (dt == NULL)
		return FALSE;
	s = g_date_time_format(dt, "%Y-%m-%dT%H:%M:%SZ");
	g_string_append(out, s);
	return TRUE;
}

static void
put_value(GString *out, json_t *n, gboolean is_time, const char *dash,
    put_fn *put)
{
	char buf[G_ASCII_DTOSTR_BUF_SIZE];

	if (json_is_string(n)) {
		const char *s = json_string_value(n);

		if (*s == '\0')
			g_string_append(out, dash);
		else
			put(out, s);
	} else if (json_is_integer(n)) {
		gint64 v = json_integer_value(n);

		if (!is_time || !put_time(out, (double)v))
			g_string_append_printf(out, "%" G_GINT64_FORMAT, v);
	} else if (json_is_real(n)) {
		double v = json_real_value(n);

		if (!is_time || !put_time(out, v))
			g_string_append(out,
			    g_ascii_dtostr(buf, sizeof(buf), v));
	} else if (json_is_boolean(n)) {
		g_string_append(out, json_is_true(n) ? "yes" : "no");
	} else {
		g_string_append(out, dash);
	}
}

/* ---- HTML ---- */

/* Append 's' (valid UTF-8, see node_status_repair()) escaped for HTML
 * text and attribute values.  Control characters become U+FFFD. */
static void
html_text(GString *out, const char *s)
{
	for (; *s != '\0'; s++) {
		switch (*s) {
		case '&':
			g_string_append(out, "&amp;");
			break;
		case '<':
			g_string_append(out, "&lt;");
			break;
		case '>':
			g_string_append(out, "&gt;");
			break;
		case '"':
			g_string_append(out, "&quot;");
			break;
		case '\'':
			g_string_append(out, "&#39;");
			break;
		default:
			if (((unsigned char)*s < 0x20 && *s != '\t' &&
			    *s != '\n') || *s == 0x7f)
				g_string_append(out, "\xef\xbf\xbd");
			else
				g_string_append_c(out, *s);
			break;
		}
	}
}

static void
html_value(GString *out, json_t *n, const node_status_field *f)
{
	/* Only a number in range becomes a link: nothing from the
	 * document reaches the attribute but its digits. */
	if (f != NULL && (f->flags & NODE_FIELD_PAGE) != 0 &&
	    json_is_integer(n) && json_integer_value(n) >= 1 &&
	    json_integer_value(n) <= NODE_STATUS_PAGE_MAX) {
		g_string_append_printf(out, "<a href=\"?page=%" G_GINT64_FORMAT
		    "\">%" G_GINT64_FORMAT "</a>",
		    (gint64)json_integer_value(n),
		    (gint64)json_integer_value(n));
		return;
	}
	put_value(out, n, f != NULL && (f->flags & NODE_FIELD_TIME) != 0,
	    HTML_DASH, html_text);
}

/* A CSS class for a connection state; only known states get their own,
 * so no untrusted text reaches an attribute that styles the page. */
static const char *
state_class(const char *state)
{
	static const char *const known[] = {
		"connected", "connecting", "waiting", "not configured",
	};
	static const char *const classes[] = {
		"st-connected", "st-connecting", "st-waiting", "st-none",
	};
	size_t i;

	for (i = 0; state != NULL && i < G_N_ELEMENTS(known); i++)
		if (strcmp(state, known[i]) == 0)
			return classes[i];
	return "st-other";
}

/* "<td>" with the class the field asks for. */
static void
html_td(GString *out, const node_status_field *f, json_t *n)
{
	if (f != NULL && (f->flags & NODE_FIELD_STATE) != 0)
		g_string_append_printf(out, "<td class=\"%s\">",
		    state_class(as_string(n)));
	else if (f != NULL && (f->flags & NODE_FIELD_ID) != 0)
		g_string_append(out, "<td class=\"id\">");
	else
		g_string_append(out, "<td>");
}

/* Is field 'f' of value 'n' left out (an optional fact, missing)? */
static gboolean
left_out(const node_status_field *f, json_t *n)
{
	return n == NULL && f != NULL &&
	    (f->flags & NODE_FIELD_OPTIONAL) != 0;
}

static void
html_fact(GString *out, const char *key, const node_status_field *f,
    json_t *n)
{
	if (left_out(f, n))
		return;
	g_string_append(out, "<tr><th>");
	if (f != NULL)
		g_string_append(out, f->label);
	else
		html_text(out, key);
	g_string_append(out, "</th>");
	html_td(out, f, n);
	html_value(out, n, f);
	g_string_append(out, "</td></tr>\n");
}

/* The top-level facts: every top-level section's fields in order, then
 * the other scalar members as they come. */
static void
html_top_facts(GString *out, json_t *o, const node_status_layout *l)
{
	const node_status_section *s;
	const char *name;
	json_t *n;
	guint i;
	size_t k;

	g_string_append(out, "<table class=\"facts\">\n");
	for (i = 0; (s = section_at(l, i)) != NULL; i++) {
		if (s->member != NULL)
			continue;
		for (k = 0; k < s->n_fields; k++)
			html_fact(out, s->fields[k].key, &s->fields[k],
			    member(o, s->fields[k].key));
	}
	json_object_foreach(as_object(o), name, n) {
		if (find_top_field(l, name) != NULL || !is_scalar(n))
			continue;
		html_fact(out, name, NULL, n);
	}
	g_string_append(out, "</table>\n");
}

/* An object section: its fields in order, then its other scalars. */
static void
html_object(GString *out, const node_status_section *s, json_t *o)
{
	const char *name;
	json_t *n;
	size_t k;

	g_string_append(out, "<table class=\"facts\">\n");
	for (k = 0; k < s->n_fields; k++)
		html_fact(out, s->fields[k].key, &s->fields[k],
		    member(o, s->fields[k].key));
	json_object_foreach(as_object(o), name, n) {
		if (find_field(s->fields, s->n_fields, name) != NULL ||
		    !is_scalar(n))
			continue;
		html_fact(out, name, NULL, n);
	}
	g_string_append(out, "</table>\n");
}

static void
html_table(GString *out, const node_status_section *s, json_t *a)
{
	size_t i, c, n = json_array_size(a);

	g_string_append(out, "<p class=\"count\">");
	if (s->count_state != NULL)
		g_string_append_printf(out, "%u of %zu %s %s",
		    count_state(a, s->count_state), n, s->noun,
		    s->count_state);
	else
		g_string_append_printf(out, "%zu %s", n, s->noun);
	g_string_append(out, "</p>\n<table class=\"rows\">\n<thead><tr>");
	for (c = 0; c < s->n_fields; c++)
		g_string_append_printf(out, "<th>%s</th>", s->fields[c].label);
	g_string_append(out, "</tr></thead>\n<tbody>\n");
	for (i = 0; i < n; i++) {
		json_t *row = as_object(json_array_get(a, i));

		g_string_append(out, "<tr>");
		for (c = 0; c < s->n_fields; c++) {
			const node_status_field *f = &s->fields[c];
			json_t *v = member(row, f->key);

			html_td(out, f, v);
			html_value(out, v, f);
			g_string_append(out, "</td>");
		}
		g_string_append(out, "</tr>\n");
	}
	g_string_append(out, "</tbody>\n</table>\n");
}

static const char page_style[] =
	"body{font-family:sans-serif;margin:1em 2em;color:#222}"
	"table{border-collapse:collapse;margin-bottom:1em}"
	"th,td{text-align:left;padding:.2em .6em;border-bottom:1px solid #ddd;"
	"vertical-align:top}"
	"table.facts th{font-weight:normal;color:#555}"
	"td.id{font-family:monospace;word-break:break-all}"
	".st-connected{color:#176b1a}.st-connecting{color:#8a5a00}"
	".st-waiting,.st-none,.st-other{color:#777}";

char *
node_status_html(json_t *doc, const node_status_layout *l, size_t *len)
{
	json_t *o = as_object(doc);
	const char *nick = as_string(member(o, "nickname"));
	const node_status_section *s;
	GString *out = g_string_sized_new(4096);
	guint i;

	if (nick == NULL || *nick == '\0')
		nick = "(no nickname)";
	g_string_append(out, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n"
	    "<meta charset=\"utf-8\">\n<title>");
	html_text(out, nick);
	g_string_append_printf(out, " - Tahoe node</title>\n"
	    "<style>%s</style>\n</head>\n<body>\n<h1>", page_style);
	html_text(out, nick);
	g_string_append(out, "</h1>\n");
	html_top_facts(out, o, l);
	for (i = 0; (s = section_at(l, i)) != NULL; i++) {
		json_t *m;

		if (s->member == NULL)
			continue;
		m = member(o, s->member);
		g_string_append_printf(out, "<h2>%s</h2>\n", s->title);
		if (s->table)
			html_table(out, s, as_array(m));
		else
			html_object(out, s, as_object(m));
	}
	g_string_append(out, "<p><a href=\"/?t=json\">This page as JSON"
	    "</a></p>\n</body>\n</html>\n");
	*len = out->len;
	return g_string_free(out, FALSE);
}

/* ---- text ---- */

/* Append 's' with control characters shown as '?', so that a nickname
 * cannot move the cursor or change the terminal's state. */
static void
text_clean(GString *out, const char *s)
{
	for (; *s != '\0'; s++)
		g_string_append_c(out, (unsigned char)*s < 0x20 ||
		    *s == 0x7f ? '?' : *s);
}

static void
text_value(GString *out, json_t *n, const node_status_field *f)
{
	put_value(out, n, f != NULL && (f->flags & NODE_FIELD_TIME) != 0,
	    TEXT_DASH, text_clean);
}

/* "LABEL: value" with the label padded to 'width' columns. */
static void
text_fact(GString *out, const char *indent, int width, const char *key,
    const node_status_field *f, json_t *n)
{
	g_autoptr(GString) label = g_string_new(NULL);

	if (left_out(f, n))
		return;
	if (f != NULL)
		g_string_append(label, f->label);
	else
		text_clean(label, key);
	g_string_append_printf(out, "%s%s:%*s", indent, label->str,
	    (int)MAX(1, width - (int)g_utf8_strlen(label->str, -1)), "");
	text_value(out, n, f);
	g_string_append_c(out, '\n');
}

/* 'text' padded or cut to 'width' characters (not bytes). */
static void
text_cell(GString *out, const char *text, int width)
{
	glong n = g_utf8_strlen(text, -1);

	if (n > width) {
		const char *end = g_utf8_offset_to_pointer(text, width);

		g_string_append_len(out, text, end - text);
	} else {
		g_string_append(out, text);
		g_string_append_printf(out, "%*s", (int)(width - n), "");
	}
}

static void
text_table(GString *out, const node_status_section *s, json_t *a)
{
	size_t i, c, n = json_array_size(a);

	if (s->count_state != NULL)
		g_string_append_printf(out, "%s: %u of %zu %s\n", s->title,
		    count_state(a, s->count_state), n, s->count_state);
	else
		g_string_append_printf(out, "%s: %zu\n", s->title, n);
	if (n == 0)
		return;
	g_string_append(out, " ");
	for (c = 0; c < s->n_fields; c++) {
		if (s->fields[c].text_width <= 0)
			continue;
		g_string_append_c(out, ' ');
		text_cell(out, s->fields[c].label, s->fields[c].text_width);
	}
	g_strchomp(out->str);
	g_string_set_size(out, strlen(out->str));
	g_string_append_c(out, '\n');
	for (i = 0; i < n; i++) {
		json_t *row = as_object(json_array_get(a, i));

		g_string_append(out, " ");
		for (c = 0; c < s->n_fields; c++) {
			const node_status_field *f = &s->fields[c];
			g_autoptr(GString) v = g_string_new(NULL);

			if (f->text_width <= 0)
				continue;
			text_value(v, member(row, f->key), f);
			g_string_append_c(out, ' ');
			text_cell(out, v->str, f->text_width);
		}
		g_strchomp(out->str);
		g_string_set_size(out, strlen(out->str));
		g_string_append_c(out, '\n');
		/* The wide fields, when set, on lines of their own. */
		for (c = 0; c < s->n_fields; c++) {
			const node_status_field *f = &s->fields[c];
			json_t *v = member(row, f->key);

			if (f->text_width > 0 || v == NULL ||
			    json_is_null(v) || !is_scalar(v))
				continue;
			text_fact(out, "      ", 0, f->key, f, v);
		}
	}
}

char *
node_status_text(json_t *doc, const node_status_layout *l)
{
	json_t *o = as_object(doc), *n;
	const node_status_section *s;
	GString *out = g_string_sized_new(1024);
	const char *name;
	guint i;
	size_t k;

	for (i = 0; (s = section_at(l, i)) != NULL; i++) {
		if (s->member != NULL)
			continue;
		for (k = 0; k < s->n_fields; k++)
			text_fact(out, "", TEXT_LABEL_WIDTH, s->fields[k].key,
			    &s->fields[k], member(o, s->fields[k].key));
	}
	json_object_foreach(o, name, n)
		if (find_top_field(l, name) == NULL && is_scalar(n))
			text_fact(out, "", TEXT_LABEL_WIDTH, name, NULL, n);
	for (i = 0; (s = section_at(l, i)) != NULL; i++) {
		json_t *m;

		if (s->member == NULL)
			continue;
		m = member(o, s->member);
		if (s->table) {
			text_table(out, s, as_array(m));
			continue;
		}
		g_string_append_printf(out, "%s:\n", s->title);
		for (k = 0; k < s->n_fields; k++)
			text_fact(out, "  ", TEXT_LABEL_WIDTH - 2,
			    s->fields[k].key, &s->fields[k],
			    member(as_object(m), s->fields[k].key));
	}
	return g_string_free(out, FALSE);
}

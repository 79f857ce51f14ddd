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
node_status_repair(JsonNode *node)
{
	GList *names, *l;
	JsonObject *o;
	JsonArray *a;
	guint i, n;

	switch (JSON_NODE_TYPE(node)) {
	case JSON_NODE_OBJECT:
		o = json_node_get_object(node);
		names = json_object_get_members(o);
		for (l = names; l != NULL; l = l->next) {
			const char *name = l->data;
			JsonNode *m = json_object_get_member(o, name);
			g_autofree char *fixed = NULL;

			node_status_repair(m);
			if (g_utf8_validate(name, -1, NULL))
				continue;
			fixed = g_utf8_make_valid(name, -1);
			json_node_ref(m);
			json_object_remove_member(o, name);
			json_object_set_member(o, fixed, m);
		}
		g_list_free(names);
		break;
	case JSON_NODE_ARRAY:
		a = json_node_get_array(node);
		n = json_array_get_length(a);
		for (i = 0; i < n; i++)
			node_status_repair(json_array_get_element(a, i));
		break;
	case JSON_NODE_VALUE:
		if (json_node_get_value_type(node) == G_TYPE_STRING &&
		    !g_utf8_validate(json_node_get_string(node), -1, NULL)) {
			g_autofree char *fixed = g_utf8_make_valid(
			    json_node_get_string(node), -1);

			json_node_set_string(node, fixed);
		}
		break;
	case JSON_NODE_NULL:
		break;
	}
}

/* The member 'name' of 'o', or NULL when 'o' is NULL or lacks it. */
static JsonNode *
member(JsonObject *o, const char *name)
{
	return o != NULL ? json_object_get_member(o, name) : NULL;
}

static JsonObject *
as_object(JsonNode *n)
{
	return n != NULL && JSON_NODE_HOLDS_OBJECT(n) ?
	    json_node_get_object(n) : NULL;
}

static JsonArray *
as_array(JsonNode *n)
{
	return n != NULL && JSON_NODE_HOLDS_ARRAY(n) ?
	    json_node_get_array(n) : NULL;
}

/* The string value of 'n', or NULL when it is something else. */
static const char *
as_string(JsonNode *n)
{
	return n != NULL && JSON_NODE_HOLDS_VALUE(n) &&
	    json_node_get_value_type(n) == G_TYPE_STRING ?
	    json_node_get_string(n) : NULL;
}

static gboolean
is_scalar(JsonNode *n)
{
	return JSON_NODE_HOLDS_VALUE(n) || JSON_NODE_HOLDS_NULL(n);
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
count_state(JsonArray *a, const char *state)
{
	guint i, n = a != NULL ? json_array_get_length(a) : 0, k = 0;

	for (i = 0; i < n; i++) {
		const char *st = as_string(member(as_object(
		    json_array_get_element(a, i)), "state"));

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
put_value(GString *out, JsonNode *n, gboolean is_time, const char *dash,
    put_fn *put)
{
	char buf[G_ASCII_DTOSTR_BUF_SIZE];
	GType t;

	if (n == NULL || !JSON_NODE_HOLDS_VALUE(n)) {
		g_string_append(out, dash);
		return;
	}
	t = json_node_get_value_type(n);
	if (t == G_TYPE_STRING) {
		const char *s = json_node_get_string(n);

		if (*s == '\0')
			g_string_append(out, dash);
		else
			put(out, s);
	} else if (t == G_TYPE_INT64) {
		gint64 v = json_node_get_int(n);

		if (!is_time || !put_time(out, (double)v))
			g_string_append_printf(out, "%" G_GINT64_FORMAT, v);
	} else if (t == G_TYPE_DOUBLE) {
		double v = json_node_get_double(n);

		if (!is_time || !put_time(out, v))
			g_string_append(out,
			    g_ascii_dtostr(buf, sizeof(buf), v));
	} else if (t == G_TYPE_BOOLEAN) {
		g_string_append(out, json_node_get_boolean(n) ? "yes" : "no");
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
html_value(GString *out, JsonNode *n, const node_status_field *f)
{
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
html_td(GString *out, const node_status_field *f, JsonNode *n)
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
left_out(const node_status_field *f, JsonNode *n)
{
	return n == NULL && f != NULL &&
	    (f->flags & NODE_FIELD_OPTIONAL) != 0;
}

static void
html_fact(GString *out, const char *key, const node_status_field *f,
    JsonNode *n)
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
html_top_facts(GString *out, JsonObject *o, const node_status_layout *l)
{
	GList *names = o != NULL ? json_object_get_members(o) : NULL, *it;
	const node_status_section *s;
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
	for (it = names; it != NULL; it = it->next) {
		const char *name = it->data;
		JsonNode *n = json_object_get_member(o, name);

		if (find_top_field(l, name) != NULL || !is_scalar(n))
			continue;
		html_fact(out, name, NULL, n);
	}
	g_string_append(out, "</table>\n");
	g_list_free(names);
}

/* An object section: its fields in order, then its other scalars. */
static void
html_object(GString *out, const node_status_section *s, JsonObject *o)
{
	GList *names = o != NULL ? json_object_get_members(o) : NULL, *it;
	size_t k;

	g_string_append(out, "<table class=\"facts\">\n");
	for (k = 0; k < s->n_fields; k++)
		html_fact(out, s->fields[k].key, &s->fields[k],
		    member(o, s->fields[k].key));
	for (it = names; it != NULL; it = it->next) {
		const char *name = it->data;
		JsonNode *n = json_object_get_member(o, name);

		if (find_field(s->fields, s->n_fields, name) != NULL ||
		    !is_scalar(n))
			continue;
		html_fact(out, name, NULL, n);
	}
	g_string_append(out, "</table>\n");
	g_list_free(names);
}

static void
html_table(GString *out, const node_status_section *s, JsonArray *a)
{
	guint i, n = a != NULL ? json_array_get_length(a) : 0;
	size_t c;

	g_string_append(out, "<p class=\"count\">");
	if (s->count_state != NULL)
		g_string_append_printf(out, "%u of %u %s %s",
		    count_state(a, s->count_state), n, s->noun,
		    s->count_state);
	else
		g_string_append_printf(out, "%u %s", n, s->noun);
	g_string_append(out, "</p>\n<table class=\"rows\">\n<thead><tr>");
	for (c = 0; c < s->n_fields; c++)
		g_string_append_printf(out, "<th>%s</th>", s->fields[c].label);
	g_string_append(out, "</tr></thead>\n<tbody>\n");
	for (i = 0; i < n; i++) {
		JsonObject *row = as_object(json_array_get_element(a, i));

		g_string_append(out, "<tr>");
		for (c = 0; c < s->n_fields; c++) {
			const node_status_field *f = &s->fields[c];
			JsonNode *v = member(row, f->key);

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
node_status_html(JsonNode *doc, const node_status_layout *l, size_t *len)
{
	JsonObject *o = as_object(doc);
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
		JsonNode *m;

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
text_value(GString *out, JsonNode *n, const node_status_field *f)
{
	put_value(out, n, f != NULL && (f->flags & NODE_FIELD_TIME) != 0,
	    TEXT_DASH, text_clean);
}

/* "LABEL: value" with the label padded to 'width' columns. */
static void
text_fact(GString *out, const char *indent, int width, const char *key,
    const node_status_field *f, JsonNode *n)
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
text_table(GString *out, const node_status_section *s, JsonArray *a)
{
	guint i, n = a != NULL ? json_array_get_length(a) : 0;
	size_t c;

	if (s->count_state != NULL)
		g_string_append_printf(out, "%s: %u of %u %s\n", s->title,
		    count_state(a, s->count_state), n, s->count_state);
	else
		g_string_append_printf(out, "%s: %u\n", s->title, n);
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
		JsonObject *row = as_object(json_array_get_element(a, i));

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
			JsonNode *v = member(row, f->key);

			if (f->text_width > 0 || v == NULL ||
			    !JSON_NODE_HOLDS_VALUE(v))
				continue;
			text_fact(out, "      ", 0, f->key, f, v);
		}
	}
}

char *
node_status_text(JsonNode *doc, const node_status_layout *l)
{
	JsonObject *o = as_object(doc);
	GList *names = o != NULL ? json_object_get_members(o) : NULL, *it;
	const node_status_section *s;
	GString *out = g_string_sized_new(1024);
	guint i;
	size_t k;

	for (i = 0; (s = section_at(l, i)) != NULL; i++) {
		if (s->member != NULL)
			continue;
		for (k = 0; k < s->n_fields; k++)
			text_fact(out, "", TEXT_LABEL_WIDTH, s->fields[k].key,
			    &s->fields[k], member(o, s->fields[k].key));
	}
	for (it = names; it != NULL; it = it->next) {
		const char *name = it->data;
		JsonNode *n = json_object_get_member(o, name);

		if (find_top_field(l, name) == NULL && is_scalar(n))
			text_fact(out, "", TEXT_LABEL_WIDTH, name, NULL, n);
	}
	g_list_free(names);
	for (i = 0; (s = section_at(l, i)) != NULL; i++) {
		JsonNode *m;

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

/* grid/json.c -- strict JSON parsing on top of jansson, and the one piece
 * of JSON output that must match Python's json.dumps() byte for byte.
 *
 * jansson does the RFC 8259 checking; this module adds what our formats
 * need beyond it (an object at the root, shallow nesting) and wipes what
 * jansson frees, because config.json carries a private key.  It does not
 * know any document's members: gm.c and announce.c read those. */
#include "config.h"

#include <stddef.h>
#include <stdlib.h>
#ifdef HAVE_MALLOC_USABLE_SIZE
#include <malloc.h>
#endif
#include <string.h>

#include <sodium.h>

#include "grid/err.h"
#include "grid/json.h"

G_DEFINE_QUARK(grid-error-quark, grid_error)

/* ---- jansson's allocator: wipe on free ---- */

/* jansson allocates with malloc() as before; only freeing changes, and it
 * works on any malloc() block, so values made before grid_json_init() ran
 * (by node/, say) are freed correctly too.  Without malloc_usable_size()
 * nothing is wiped. */
static void
wipe_free(void *p)
{
	if (p == NULL)
		return;
#ifdef HAVE_MALLOC_USABLE_SIZE
	sodium_memzero(p, malloc_usable_size(p));
#endif
	free(p);
}

void
grid_json_init(void)
{
	static gsize done;

	if (g_once_init_enter(&done)) {
		json_set_alloc_funcs(malloc, wipe_free);
		g_once_init_leave(&done, 1);
	}
}

/* ---- parsing ---- */

/* Is 'v' nested at most 'left' more levels deep?  jansson bounds its own
 * recursion (JSON_PARSER_MAX_DEPTH), so this walk is bounded too. */
static gboolean
depth_ok(const json_t *v, int left)
{
	const char *k;
	json_t *m;
	size_t i;

	if (!json_is_object(v) && !json_is_array(v))
		return TRUE;
	if (left == 0)
		return FALSE;
	if (json_is_object(v)) {
		json_object_foreach((json_t *)v, k, m)
			if (!depth_ok(m, left - 1))
				return FALSE;
	} else {
		json_array_foreach(v, i, m)
			if (!depth_ok(m, left - 1))
				return FALSE;
	}
	return TRUE;
}

json_t *
grid_json_load(const char *text, size_t len, const char *what,
    GError **error)
{
	json_error_t e;
	json_t *root;

	g_return_val_if_fail(text != NULL || len == 0, NULL);
	grid_json_init();
	/* JSON_DECODE_ANY is not given: the root must be an object or an
	 * array, and an array is refused below. */
	root = json_loadb(len > 0 ? text : "", len, JSON_REJECT_DUPLICATES,
	    &e);
	if (root == NULL) {
		/* jansson ends its message with " near '...'", quoting the
		 * input, which may be a private key or a FURL: cut it. */
		char *near = strstr(e.text, " near ");

		if (near != NULL)
			*near = '\0';
		g_set_error(error, GRID_ERROR, GRID_E_FORMAT,
		    "%s is not valid JSON (byte %d: %s)", what, e.position,
		    e.text);
		return NULL;
	}
	if (!json_is_object(root)) {
		json_decref(root);
		g_set_error(error, GRID_ERROR, GRID_E_FORMAT,
		    "%s is not a JSON object", what);
		return NULL;
	}
	if (!depth_ok(root, GRID_JSON_DEPTH_MAX)) {
		json_decref(root);
		g_set_error(error, GRID_ERROR, GRID_E_FORMAT,
		    "%s is not valid JSON (nested more than %d deep)", what,
		    GRID_JSON_DEPTH_MAX);
		return NULL;
	}
	return root;
}

const char *
grid_json_str(const json_t *o, const char *name)
{
	const json_t *v = json_object_get(o, name);

	return json_is_string(v) ? json_string_value(v) : NULL;
}

/* ---- output ---- */

char *
grid_json_dump(const json_t *v)
{
	char *t, *r;

	grid_json_init();
	/* NULL only for a value jansson cannot write (there is none in
	 * what we build) or out of memory, which aborts elsewhere too. */
	if ((t = json_dumps(v, JSON_COMPACT)) == NULL)
		g_error("jansson could not write a JSON value");
	r = g_strdup(t);
	wipe_free(t);		/* jansson's allocator made it */
	return r;
}


void
grid_json_put_string(GString *g, const char *s)
{
	const char *p;

	g_string_append_c(g, '"');
	for (p = s; *p != '\0'; p = g_utf8_next_char(p)) {
		gunichar c = g_utf8_get_char(p);

		switch (c) {
		case '"':	g_string_append(g, "\\\""); continue;
		case '\\':	g_string_append(g, "\\\\"); continue;
		case '\n':	g_string_append(g, "\\n"); continue;
		case '\r':	g_string_append(g, "\\r"); continue;
		case '\t':	g_string_append(g, "\\t"); continue;
		case '\b':	g_string_append(g, "\\b"); continue;
		case '\f':	g_string_append(g, "\\f"); continue;
		default:	break;
		}
		if (c >= 0x20 && c <= 0x7e) {
			g_string_append_c(g, (char)c);
		} else if (c < 0x10000) {
			g_string_append_printf(g, "\\u%04x", (unsigned)c);
		} else {
			c -= 0x10000;
			g_string_append_printf(g, "\\u%04x\\u%04x",
			    (unsigned)(0xd800 | (c >> 10)),
			    (unsigned)(0xdc00 | (c & 0x3ff)));
		}
	}
	g_string_append_c(g, '"');
}

/* grid/json.h -- strict JSON in, Python's json.dumps() bytes out.
 *
 * Input is parsed by jansson with duplicate keys refused, then held to
 * the limits of our formats: a JSON object at the root, at most
 * GRID_JSON_DEPTH_MAX levels of nesting.  jansson itself refuses what
 * RFC 8259 does not allow (comments, single quotes, leading zeros, raw
 * control characters in strings, trailing text, invalid UTF-8), "\u0000",
 * unpaired surrogates and integers outside the int64 range.
 *
 * Output: grid_json_put_string() exists only because some bytes must be
 * exactly those Python's json.dumps() writes in Tahoe-LAFS: a
 * grid-manager certificate is signed over its bytes, and config.json is
 * diffed by operators against the files Tahoe-LAFS writes.  Anything else
 * is written with jansson. */
#ifndef GRID_JSON_H
#define GRID_JSON_H

#include <stddef.h>

#include <glib.h>
#include <jansson.h>

/* Our documents nest three deep; anything much deeper is hostile. */
#define GRID_JSON_DEPTH_MAX	8

/* Parse 'len' bytes of 'text' (need not be NUL-terminated) as strict
 * JSON whose root is an object.  Return it (caller json_decref()s); or
 * set GRID_E_FORMAT with a one-line message naming 'what' and the byte
 * offset, and return NULL.  Every buffer jansson frees is wiped first, so
 * a private key parsed here leaves no copy in freed memory. */
json_t *grid_json_load(const char *text, size_t len, const char *what,
    GError **error);

/* The string member 'name' of object 'o', or NULL if it is absent or not
 * a string; borrowed from 'o'.  Strings never hold NUL (jansson refuses
 * "\u0000" unless asked not to). */
const char *grid_json_str(const json_t *o, const char *name);

/* Make jansson wipe every block it frees (grid_json_load() and
 * grid_json_dump() do this themselves).  Its blocks stay malloc() blocks,
 * so values made before are freed correctly too.  Safe to call often. */
void grid_json_init(void);

/* 'v' as compact JSON text (jansson's layout, UTF-8 as is); caller
 * g_free()s.  For bytes no one re-creates: announcements, whose receivers
 * check the signed bytes as they came. */
char *grid_json_dump(const json_t *v);

/* Append 's' (valid UTF-8) as a JSON string the way Python's json.dumps()
 * does with ensure_ascii=True: printable ASCII as is, the short escapes
 * \" \\ \n \r \t \b \f, everything else \u with lower-case hex, and
 * surrogate pairs above U+FFFF. */
void grid_json_put_string(GString *g, const char *s);

/* Also in node/status.h; whichever comes first defines it. */
#ifndef JSON_T_AUTOPTR_DEFINED
#define JSON_T_AUTOPTR_DEFINED
G_DEFINE_AUTOPTR_CLEANUP_FUNC(json_t, json_decref)
#endif

#endif

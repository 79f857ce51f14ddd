/* rpc/schema.c -- checking msgpack values against schemas.  Values here
 * have already passed the pre-scan, so depth is bounded. */
#include "config.h"

#include <inttypes.h>
#include <string.h>

#include "rpc/msg.h"
#include "rpc/schema.h"

static const char *
type_name(const msgpack_object *o)
{
	switch (o->type) {
	case MSGPACK_OBJECT_NIL:		return "nil";
	case MSGPACK_OBJECT_BOOLEAN:		return "bool";
	case MSGPACK_OBJECT_POSITIVE_INTEGER:
	case MSGPACK_OBJECT_NEGATIVE_INTEGER:	return "int";
	case MSGPACK_OBJECT_FLOAT32:
	case MSGPACK_OBJECT_FLOAT64:		return "float";
	case MSGPACK_OBJECT_STR:		return "str";
	case MSGPACK_OBJECT_BIN:		return "bin";
	case MSGPACK_OBJECT_ARRAY:		return "list";
	case MSGPACK_OBJECT_MAP:		return "map";
	case MSGPACK_OBJECT_EXT:		return "ext";
	}
	return "?";
}

static bool
mismatch(GString *why, const char *expected, const msgpack_object *o)
{
	if (why != NULL)
		g_string_append_printf(why, "expected %s, got %s", expected,
		    type_name(o));
	return false;
}

static bool
check_len(GString *why, const rpc_schema *s, const char *what, uint64_t n)
{
	if ((int64_t)n >= s->min && (uint64_t)s->max >= n)
		return true;
	if (why != NULL)
		g_string_append_printf(why, "%s of %" PRIu64 " outside "
		    "[%" PRId64 ", %" PRId64 "]", what, n, s->min, s->max);
	return false;
}

bool
rpc_schema_check(const rpc_schema *s, const msgpack_object *o, GString *why)
{
	uint32_t i;

	if (s == NULL || s->type == RPC_T_ANY)
		return true;
	if (s->optional && o->type == MSGPACK_OBJECT_NIL)
		return true;
	switch (s->type) {
	case RPC_T_ANY:
		return true;
	case RPC_T_INT:
		if (o->type == MSGPACK_OBJECT_POSITIVE_INTEGER) {
			if (s->max >= 0 && o->via.u64 <= (uint64_t)s->max &&
			    (s->min <= 0 || o->via.u64 >= (uint64_t)s->min))
				return true;
		} else if (o->type == MSGPACK_OBJECT_NEGATIVE_INTEGER) {
			if (o->via.i64 >= s->min && o->via.i64 <= s->max)
				return true;
		} else {
			return mismatch(why, "int", o);
		}
		if (why != NULL)
			g_string_append_printf(why, "int outside [%" PRId64
			    ", %" PRId64 "]", s->min, s->max);
		return false;
	case RPC_T_STR:
		if (o->type != MSGPACK_OBJECT_STR)
			return mismatch(why, "str", o);
		if (!g_utf8_validate_len(o->via.str.ptr, o->via.str.size,
		    NULL)) {
			if (why != NULL)
				g_string_append(why, "str is not UTF-8");
			return false;
		}
		return check_len(why, s, "str length", o->via.str.size);
	case RPC_T_BIN:
		if (o->type != MSGPACK_OBJECT_BIN)
			return mismatch(why, "bin", o);
		return check_len(why, s, "bin length", o->via.bin.size);
	case RPC_T_BOOL:
		return o->type == MSGPACK_OBJECT_BOOLEAN ? true :
		    mismatch(why, "bool", o);
	case RPC_T_NIL:
		return o->type == MSGPACK_OBJECT_NIL ? true :
		    mismatch(why, "nil", o);
	case RPC_T_LIST:
		if (o->type != MSGPACK_OBJECT_ARRAY)
			return mismatch(why, "list", o);
		if (!check_len(why, s, "list length", o->via.array.size))
			return false;
		for (i = 0; i < o->via.array.size; i++) {
			if (!rpc_schema_check(s->elem, &o->via.array.ptr[i],
			    why)) {
				if (why != NULL)
					g_string_append_printf(why,
					    " (item %u)", i);
				return false;
			}
		}
		return true;
	case RPC_T_MAP:
		if (o->type != MSGPACK_OBJECT_MAP)
			return mismatch(why, "map", o);
		if (!check_len(why, s, "map size", o->via.map.size))
			return false;
		for (i = 0; i < o->via.map.size; i++) {
			const msgpack_object_kv *kv = &o->via.map.ptr[i];
			uint32_t j;

			if (kv->key.type != MSGPACK_OBJECT_STR)
				return mismatch(why, "str map key", &kv->key);
			for (j = 0; j < i; j++) {
				const msgpack_object *k2 =
				    &o->via.map.ptr[j].key;

				if (k2->via.str.size == kv->key.via.str.size &&
				    memcmp(k2->via.str.ptr, kv->key.via.str.ptr,
				    k2->via.str.size) == 0) {
					if (why != NULL)
						g_string_append(why,
						    "duplicate map key");
					return false;
				}
			}
			if (!rpc_schema_check(s->elem, &kv->val, why))
				return false;
		}
		return true;
	case RPC_T_REF:
		if (o->type == MSGPACK_OBJECT_EXT &&
		    (o->via.ext.type == RPC_EXT_MYREF ||
		    o->via.ext.type == RPC_EXT_YOURREF ||
		    o->via.ext.type == RPC_EXT_THEIRREF))
			return true;
		return mismatch(why, "reference", o);
	}
	return false;
}

bool
rpc_schema_check_args(const rpc_schema *schemas, uint32_t n,
    const msgpack_object *args, GString *why)
{
	uint32_t i, required = 0;

	for (i = 0; i < n; i++)
		if (!schemas[i].optional)
			required = i + 1;
	if (args->type != MSGPACK_OBJECT_ARRAY)
		return mismatch(why, "argument list", args);
	if (args->via.array.size < required || args->via.array.size > n) {
		if (why != NULL)
			g_string_append_printf(why, "takes %u to %u "
			    "arguments, got %u", required, n,
			    args->via.array.size);
		return false;
	}
	for (i = 0; i < args->via.array.size; i++) {
		if (!rpc_schema_check(&schemas[i], &args->via.array.ptr[i],
		    why)) {
			if (why != NULL)
				g_string_append_printf(why, " (argument %u)",
				    i + 1);
			return false;
		}
	}
	return true;
}

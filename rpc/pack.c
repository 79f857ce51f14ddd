/* rpc/pack.c -- msgpack value builder that remembers where it placed
 * object references, so conn.c can patch in per-connection export ids. */
#include "config.h"

#include <string.h>

#include "rpc/ref.h"
#include "rpc/obj.h"
#include "rpc/pack.h"

struct slot {
	size_t	 offset;	/* of the placeholder in the buffer */
	rpc_obj	*obj;		/* owned reference, or NULL */
	rpc_ref	*ref;		/* owned reference, or NULL */
};

struct rpc_pack {
	msgpack_sbuffer	 sb;
	msgpack_packer	 pk;
	GArray		*slots;	/* of struct slot */
};

rpc_pack *
rpc_pack_new(void)
{
	rpc_pack *p = g_new0(rpc_pack, 1);

	msgpack_sbuffer_init(&p->sb);
	msgpack_packer_init(&p->pk, &p->sb, msgpack_sbuffer_write);
	return p;
}

void
rpc_pack_free(rpc_pack *p)
{
	guint i;

	if (p == NULL)
		return;
	if (p->slots != NULL) {
		for (i = 0; i < p->slots->len; i++) {
			struct slot *sl = &g_array_index(p->slots,
			    struct slot, i);

			rpc_obj_unref(sl->obj);
			rpc_ref_unref(sl->ref);
		}
		g_array_free(p->slots, TRUE);
	}
	msgpack_sbuffer_destroy(&p->sb);
	g_free(p);
}

msgpack_packer *
rpc_pack_mp(rpc_pack *p)
{
	return &p->pk;
}

void
rpc_pack_array(rpc_pack *p, uint32_t n)
{
	msgpack_pack_array(&p->pk, n);
}

void
rpc_pack_map(rpc_pack *p, uint32_t n)
{
	msgpack_pack_map(&p->pk, n);
}

void
rpc_pack_uint(rpc_pack *p, uint64_t v)
{
	msgpack_pack_uint64(&p->pk, v);
}

void
rpc_pack_int(rpc_pack *p, int64_t v)
{
	msgpack_pack_int64(&p->pk, v);
}

void
rpc_pack_bool(rpc_pack *p, bool v)
{
	if (v)
		msgpack_pack_true(&p->pk);
	else
		msgpack_pack_false(&p->pk);
}

void
rpc_pack_nil(rpc_pack *p)
{
	msgpack_pack_nil(&p->pk);
}

void
rpc_pack_str(rpc_pack *p, const char *s)
{
	rpc_pack_strn(p, s, strlen(s));
}

void
rpc_pack_strn(rpc_pack *p, const char *s, size_t n)
{
	msgpack_pack_str(&p->pk, n);
	msgpack_pack_str_body(&p->pk, s, n);
}

void
rpc_pack_bin(rpc_pack *p, const void *data, size_t n)
{
	msgpack_pack_bin(&p->pk, n);
	msgpack_pack_bin_body(&p->pk, data, n);
}

void
rpc_pack_raw(rpc_pack *p, const void *data, size_t n)
{
	msgpack_sbuffer_write(&p->sb, data, n);
}

static void
add_slot(rpc_pack *p, rpc_obj *obj, rpc_ref *ref)
{
	static const uint8_t zero[4];
	struct slot s;

	/* A fixext 4 placeholder; its bytes are never sent as they are. */
	s.offset = p->sb.size;
	msgpack_pack_ext(&p->pk, 4, obj != NULL ? RPC_EXT_MYREF :
	    RPC_EXT_YOURREF);
	msgpack_pack_ext_body(&p->pk, zero, sizeof(zero));
	s.obj = obj;
	s.ref = ref;
	if (p->slots == NULL)
		p->slots = g_array_new(FALSE, FALSE, sizeof(struct slot));
	g_array_append_val(p->slots, s);
}

void
rpc_pack_obj(rpc_pack *p, rpc_obj *obj)
{
	add_slot(p, rpc_obj_ref(obj), NULL);
}

void
rpc_pack_ref(rpc_pack *p, rpc_ref *ref)
{
	add_slot(p, NULL, rpc_ref_ref(ref));
}

const uint8_t *
rpc_pack_data(const rpc_pack *p, size_t *len)
{
	*len = p->sb.size;
	return (const uint8_t *)p->sb.data;
}

size_t
rpc_pack_n_slots(const rpc_pack *p)
{
	return p->slots != NULL ? p->slots->len : 0;
}

void
rpc_pack_slot(const rpc_pack *p, size_t i, size_t *offset, rpc_obj **obj,
    rpc_ref **ref)
{
	const struct slot *s = &g_array_index(p->slots, struct slot, i);

	*offset = s->offset;
	*obj = s->obj;
	*ref = s->ref;
}

/* rpc/rbuf.c -- a checked reader over borrowed bytes.
 *
 * Every getter checks that enough bytes remain before it touches memory,
 * then reads, then advances (sshbuf's order), so a failed read leaves the
 * cursor exactly where it was and the caller may report, retry with more
 * input, or give up.  Integers are big-endian, as on the wire.  The reader
 * owns nothing; the bytes must outlive it. */
#include "config.h"

#include <string.h>

#include <glib.h>

#include "rpc/err.h"
#include "rpc/rbuf.h"

void
rpc_rbuf_init(rpc_rbuf *b, const uint8_t *p, size_t len)
{
	g_return_if_fail(b != NULL);
	g_return_if_fail(p != NULL || len == 0);
	b->p = p;
	b->len = len;
}

size_t
rpc_rbuf_left(const rpc_rbuf *b)
{
	return b->len;
}

/* Return a pointer to the next 'n' bytes and advance past them, or NULL
 * (cursor unchanged) if fewer remain. */
static const uint8_t *
rbuf_take(rpc_rbuf *b, size_t n)
{
	const uint8_t *q;

	if (b->len < n)
		return NULL;
	q = b->p;
	if (n > 0) {		/* a NULL pointer never moves, even by 0 */
		b->p += n;
		b->len -= n;
	}
	return q;
}

int
rpc_rbuf_get_u8(rpc_rbuf *b, uint8_t *v)
{
	const uint8_t *q;

	*v = 0;
	if ((q = rbuf_take(b, 1)) == NULL)
		return RPC_E_SHORT;
	*v = q[0];
	return 0;
}

int
rpc_rbuf_get_u16be(rpc_rbuf *b, uint16_t *v)
{
	const uint8_t *q;

	*v = 0;
	if ((q = rbuf_take(b, 2)) == NULL)
		return RPC_E_SHORT;
	*v = (uint16_t)((unsigned int)q[0] << 8 | q[1]);
	return 0;
}

int
rpc_rbuf_get_u32be(rpc_rbuf *b, uint32_t *v)
{
	const uint8_t *q;

	*v = 0;
	if ((q = rbuf_take(b, 4)) == NULL)
		return RPC_E_SHORT;
	*v = rpc_peek_u32be(q);
	return 0;
}

int
rpc_rbuf_get_u64be(rpc_rbuf *b, uint64_t *v)
{
	const uint8_t *q;

	*v = 0;
	if ((q = rbuf_take(b, 8)) == NULL)
		return RPC_E_SHORT;
	*v = rpc_peek_u64be(q);
	return 0;
}

int
rpc_rbuf_get_uint(rpc_rbuf *b, size_t n, uint64_t *v)
{
	uint8_t v8;
	uint16_t v16;
	uint32_t v32;
	int r;

	*v = 0;
	switch (n) {
	case 1:
		r = rpc_rbuf_get_u8(b, &v8);
		*v = v8;
		return r;
	case 2:
		r = rpc_rbuf_get_u16be(b, &v16);
		*v = v16;
		return r;
	case 4:
		r = rpc_rbuf_get_u32be(b, &v32);
		*v = v32;
		return r;
	case 8:
		return rpc_rbuf_get_u64be(b, v);
	default:
		return RPC_E_FORMAT;
	}
}

int
rpc_rbuf_get_bytes(rpc_rbuf *b, void *out, size_t n)
{
	const uint8_t *q;

	if ((q = rbuf_take(b, n)) == NULL)
		return RPC_E_SHORT;
	if (n > 0)
		memcpy(out, q, n);
	return 0;
}

int
rpc_rbuf_get_view(rpc_rbuf *b, size_t n, const uint8_t **v)
{
	const uint8_t *q;

	*v = NULL;
	if ((q = rbuf_take(b, n)) == NULL)
		return RPC_E_SHORT;
	*v = q;
	return 0;
}

int
rpc_rbuf_get_rest(rpc_rbuf *b, const uint8_t **v, size_t *n)
{
	static const uint8_t empty[1];

	*v = b->len > 0 ? b->p : empty;
	*n = b->len;
	(void)rbuf_take(b, b->len);
	return 0;
}

int
rpc_rbuf_skip(rpc_rbuf *b, uint64_t n)
{
	if ((uint64_t)b->len < n)
		return RPC_E_SHORT;
	(void)rbuf_take(b, (size_t)n);
	return 0;
}

int
rpc_rbuf_expect(rpc_rbuf *b, const void *expect, size_t n)
{
	if (b->len < n)
		return RPC_E_SHORT;
	if (n > 0 && memcmp(b->p, expect, n) != 0)
		return RPC_E_FORMAT;
	(void)rbuf_take(b, n);
	return 0;
}

int
rpc_rbuf_end(const rpc_rbuf *b)
{
	return b->len == 0 ? 0 : RPC_E_TRAILING;
}

/* rpc/err.c -- the RPC_ERROR domain, with an extended error that remembers
 * the type a remote peer named, so callers match on types, not messages. */
#include "config.h"

#include <stdarg.h>

#include "rpc/err.h"

typedef struct {
	char *remote_type;
} RpcErrorPrivate;

static void
rpc_error_private_init(RpcErrorPrivate *priv)
{
	priv->remote_type = NULL;
}

static void
rpc_error_private_copy(const RpcErrorPrivate *src, RpcErrorPrivate *dest)
{
	dest->remote_type = g_strdup(src->remote_type);
}

static void
rpc_error_private_clear(RpcErrorPrivate *priv)
{
	g_clear_pointer(&priv->remote_type, g_free);
}

/* Defines rpc_error_quark() and rpc_error_get_private(). */
G_DEFINE_EXTENDED_ERROR(RpcError, rpc_error)

const char *
rpc_strerror(int r)
{
	switch ((rpc_err)r) {
	case RPC_OK:		return "success";
	case RPC_E_SHORT:	return "truncated input";
	case RPC_E_FORMAT:	return "malformed input";
	case RPC_E_TOOBIG:	return "over a limit";
	case RPC_E_TRAILING:	return "trailing bytes";
	case RPC_E_CRYPTO:	return "authentication failure";
	case RPC_E_CLOSED:	return "connection closed";
	case RPC_E_CANCELLED:	return "cancelled";
	case RPC_E_REMOTE:	return "remote error";
	case RPC_E_SYSTEM:	return "system error";
	case RPC_E_NOTFOUND:	return "not found";
	case RPC_E_MISMATCH:	return "tubid mismatch";
	case RPC_E_TIMEOUT:	return "timed out";
	}
	return "unknown error";
}

gboolean
rpc_set_error(GError **error, int r, const char *fmt, ...)
{
	va_list ap;
	char *msg;

	if (error == NULL)
		return FALSE;
	va_start(ap, fmt);
	msg = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	g_set_error_literal(error, RPC_ERROR, r, msg);
	g_free(msg);
	return FALSE;
}

void
rpc_set_remote_error(GError **error, const char *type, const char *msg)
{
	RpcErrorPrivate *priv;

	if (error == NULL)
		return;
	g_set_error(error, RPC_ERROR, RPC_E_REMOTE, "remote %s: %s", type,
	    msg);
	priv = rpc_error_get_private(*error);
	if (priv != NULL)
		priv->remote_type = g_strdup(type);
}

const char *
rpc_remote_error_type(const GError *error)
{
	RpcErrorPrivate *priv;

	if (error == NULL || !g_error_matches(error, RPC_ERROR, RPC_E_REMOTE))
		return NULL;
	priv = rpc_error_get_private(error);
	return priv != NULL ? priv->remote_type : NULL;
}

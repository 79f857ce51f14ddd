/* rpc/limits.c -- the default limits.  Each value's origin is noted beside
 * its field in rpc/limits.h. */
#include "config.h"

#include "rpc/frame.h"
#include "rpc/limits.h"
#include "rpc/mpread.h"

void
rpc_limits_init(rpc_limits *lim)
{
	lim->max_frame = RPC_MAX_FRAME;
	lim->max_depth = RPC_PRESCAN_DEPTH;
	lim->max_elems = RPC_PRESCAN_ELEMS;
	lim->max_inflight = 256;
	lim->max_outstanding = 4096;
	lim->max_unauth = 64;
	lim->max_unauth_per_addr = 8;
	lim->handshake_timeout = 30.0;
	lim->hello_timeout = 5.0;
	lim->max_conns = 1000;
	lim->accept_retry = 1.0;
	lim->max_exports = 10000;
	lim->max_imports = 10000;
	lim->max_outbuf = 64u * 1024 * 1024;
	lim->write_timeout = 60.0;
	lim->max_gifts = 1024;
	lim->accept_gifts = true;
	lim->max_gift_dials = 8;
	lim->max_tub_gift_dials = 64;
	lim->keepalive = 240.0;
	lim->disconnect_timeout = 0.0;
}

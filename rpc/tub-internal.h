/* rpc/tub-internal.h -- what the tub offers the rest of rpc/ and its unit
 * tests beyond rpc/tub.h.  struct rpc_tub is defined only in tub.c.  Other
 * folders never include this file. */
#ifndef RPC_TUB_INTERNAL_H
#define RPC_TUB_INTERNAL_H

#include "rpc/conn-internal.h"
#include "rpc/tub.h"

/* Make the connected socket 'fd' (taken) a connection of 'tub', as the
 * listener does with an accepted one, and start its handshake.  The tub
 * holds the connection; the pointer is borrowed. */
rpc_conn *rpci_tub_adopt(rpc_tub *tub, int fd, rpc_hs_role role,
    const char *addr);

#endif

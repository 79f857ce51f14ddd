/* rpc/common.h -- small macros shared by every folder. */
#ifndef RPC_COMMON_H
#define RPC_COMMON_H

#include <stddef.h>

/* Mark a parameter a callback signature requires but this body ignores. */
#define RPC_UNUSED(x) ((void)(x))

/* Recover the owner of an embedded member (libev watchers, list links). */
#define RPC_CONTAINER_OF(ptr, type, member) \
	((type *)(void *)((char *)(ptr) - offsetof(type, member)))

#endif

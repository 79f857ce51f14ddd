noinst_LIBRARIES += rpc/librpc.a
rpc_librpc_a_CPPFLAGS = $(AM_CPPFLAGS) -DG_LOG_DOMAIN=\"rpc\"
rpc_librpc_a_SOURCES = \
	rpc/common.h \
	rpc/limits.c rpc/limits.h \
	rpc/ref.h \
	rpc/sched.c rpc/sched-internal.h \
	rpc/err.c rpc/err.h \
	rpc/base32.c rpc/base32.h \
	rpc/rbuf.c rpc/rbuf.h \
	rpc/mpread.c rpc/mpread.h \
	rpc/furl.c rpc/furl.h \
	rpc/file.c rpc/file.h \
	rpc/ident.c rpc/ident.h \
	rpc/hs.c rpc/hs.h \
	rpc/frame.c rpc/frame.h \
	rpc/pack.c rpc/pack.h \
	rpc/msg.c rpc/msg.h \
	rpc/obj.c rpc/obj.h \
	rpc/conn.c rpc/conn.h rpc/conn-internal.h \
	rpc/sess.c rpc/sess-internal.h \
	rpc/call.c rpc/call-internal.h \
	rpc/values.c rpc/values-internal.h \
	rpc/schema.c rpc/schema.h \
	rpc/reconnect.c rpc/reconnect.h \
	rpc/tub.c rpc/tub.h rpc/tub-internal.h

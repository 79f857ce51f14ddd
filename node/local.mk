noinst_LIBRARIES += node/libnode.a
node_libnode_a_CPPFLAGS = $(AM_CPPFLAGS) $(JANSSON_CFLAGS) $(MHD_CFLAGS) -DG_LOG_DOMAIN=\"node\"
node_libnode_a_SOURCES = \
	node/cfg.c node/cfg.h \
	node/status.c node/status.h \
	node/web.c node/web.h \
	node/log.c node/log.h \
	node/dir.c node/dir.h \
	node/node.c node/node.h

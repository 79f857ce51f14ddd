noinst_LIBRARIES += node/libnode.a
node_libnode_a_CPPFLAGS = $(AM_CPPFLAGS) -DG_LOG_DOMAIN=\"node\"
node_libnode_a_SOURCES = \
	node/config.c node/config.h

noinst_LIBRARIES += grid/libgrid.a
grid_libgrid_a_CPPFLAGS = $(AM_CPPFLAGS) $(JANSSON_CFLAGS) $(JSON_CFLAGS) $(MHD_CFLAGS) -DG_LOG_DOMAIN=\"grid\"
grid_libgrid_a_SOURCES = \
	grid/err.h \
	grid/json.c grid/json.h \
	grid/isotime.c grid/isotime.h \
	grid/gcfg.c grid/gcfg.h \
	grid/gm.c grid/gm.h \
	grid/announce.c grid/announce.h \
	grid/introducer.c grid/introducer.h \
	grid/intro_client.c grid/intro_client.h \
	grid/storage.c grid/storage.h \
	grid/broker.c grid/broker.h \
	grid/gnode.c grid/gnode.h \
	grid/owner.h

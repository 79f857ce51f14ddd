noinst_LIBRARIES += grid/libgrid.a
grid_libgrid_a_CPPFLAGS = $(AM_CPPFLAGS) $(JANSSON_CFLAGS) $(MHD_CFLAGS) $(SQLITE_CFLAGS) -DG_LOG_DOMAIN=\"grid\"
grid_libgrid_a_SOURCES = \
	grid/err.h \
	grid/json.c grid/json.h \
	grid/isotime.c grid/isotime.h \
	grid/gcfg.c grid/gcfg.h \
	grid/gm.c grid/gm.h \
	grid/announce.c grid/announce.h \
	grid/introducer.c grid/introducer.h \
	grid/intro_client.c grid/intro_client.h \
	grid/sqlite.c grid/sqlite.h \
	grid/leasedb.c grid/leasedb.h \
	grid/shares.c grid/shares.h \
	grid/storage.c grid/storage.h \
	grid/upload.c grid/upload.h \
	grid/download.c grid/download.h \
	grid/client.c grid/client.h \
	grid/webapi.c grid/webapi.h \
	grid/broker.c grid/broker.h \
	grid/gnode.c grid/gnode.h \
	grid/owner.h

# CHK immutable files: hashes, trees, erasure code, caps, shares.
grid_libgrid_a_CPPFLAGS += $(CRYPTO_CFLAGS) $(ISAL_CFLAGS)
grid_libgrid_a_SOURCES += \
	grid/hashutil.c grid/hashutil.h \
	grid/hashtree.c grid/hashtree.h \
	grid/fec.c grid/fec.h \
	grid/uri.c grid/uri.h \
	grid/ueb.c grid/ueb.h \
	grid/layout.c grid/layout.h \
	grid/chk.c grid/chk.h \
	grid/happiness.c grid/happiness.h \
	grid/decimal-internal.h
GRID_LIBS += $(CRYPTO_LIBS) $(ISAL_LIBS)

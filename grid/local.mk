noinst_LIBRARIES += grid/libgrid.a
grid_libgrid_a_CPPFLAGS = $(AM_CPPFLAGS) $(JSON_CFLAGS) -DG_LOG_DOMAIN=\"grid\"
grid_libgrid_a_SOURCES = \
	grid/gm.c grid/gm.h

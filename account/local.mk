noinst_LIBRARIES += account/libacct.a
account_libacct_a_CPPFLAGS = $(AM_CPPFLAGS) $(JANSSON_CFLAGS) $(SQLITE_CFLAGS) -DG_LOG_DOMAIN=\"account\"
account_libacct_a_SOURCES = \
	account/err.h \
	account/mac.c account/mac.h \
	account/db.c account/db.h \
	account/mgr.c account/mgr.h \
	account/desk.c account/desk.h \
	account/client.c account/client.h \
	account/acctnode.c account/acctnode.h
ACCT_LIBS = account/libacct.a $(GRID_LIBS)
account_libacct_a_CPPFLAGS += $(MHD_CFLAGS)

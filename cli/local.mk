bin_PROGRAMS += cli/tahoe
cli_tahoe_CPPFLAGS = $(AM_CPPFLAGS) $(JANSSON_CFLAGS) $(SQLITE_CFLAGS) $(MHD_CFLAGS) $(CURL_CFLAGS) -DG_LOG_DOMAIN=\"tahoe\"
cli_tahoe_SOURCES = \
	cli/tahoe.c cli/cli.h \
	cli/cli_gm.c \
	cli/cli_admin.c \
	cli/cli_debug.c \
	cli/cli_node.c \
	cli/cli_files.c \
	cli/cli_acct.c \
	cli/size.c cli/size.h
cli_tahoe_LDADD = $(ACCT_LIBS) $(CURL_LIBS)

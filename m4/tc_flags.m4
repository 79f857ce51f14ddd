# TC_CHECK_CFLAGS(VAR, FLAGS)
# Append to VAR each flag in FLAGS that the C compiler accepts with -Werror.
AC_DEFUN([TC_CHECK_CFLAGS], [
	for tc_flag in $2; do
		tc_save_CFLAGS=$CFLAGS
		CFLAGS="$CFLAGS -Werror $tc_flag"
		AC_MSG_CHECKING([whether $CC accepts $tc_flag])
		AC_COMPILE_IFELSE([AC_LANG_PROGRAM([], [])],
			[AC_MSG_RESULT([yes]); $1="$$1 $tc_flag"],
			[AC_MSG_RESULT([no])])
		CFLAGS=$tc_save_CFLAGS
	done
])

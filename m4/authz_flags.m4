# AUTHZ_APPEND_COMPILE_FLAGS(VAR, FLAGS)
# Append each flag in FLAGS to VAR if the C compiler accepts it with -Werror
# (so clang does not silently ignore flags it does not know).
AC_DEFUN([AUTHZ_APPEND_COMPILE_FLAGS], [
  m4_foreach_w([authz_flag], [$2], [
    AC_MSG_CHECKING([whether $CC accepts ]authz_flag)
    authz_save_CFLAGS=$CFLAGS
    CFLAGS="$CFLAGS -Werror authz_flag"
    AC_COMPILE_IFELSE([AC_LANG_PROGRAM([], [])],
      [AC_MSG_RESULT([yes]); $1="$$1 authz_flag"],
      [AC_MSG_RESULT([no])])
    CFLAGS=$authz_save_CFLAGS
  ])
])

# AUTHZ_APPEND_LINK_FLAGS(VAR, FLAGS)
AC_DEFUN([AUTHZ_APPEND_LINK_FLAGS], [
  m4_foreach_w([authz_flag], [$2], [
    AC_MSG_CHECKING([whether the linker accepts ]authz_flag)
    authz_save_LDFLAGS=$LDFLAGS
    LDFLAGS="$LDFLAGS -Werror authz_flag"
    AC_LINK_IFELSE([AC_LANG_PROGRAM([], [])],
      [AC_MSG_RESULT([yes]); $1="$$1 authz_flag"],
      [AC_MSG_RESULT([no])])
    LDFLAGS=$authz_save_LDFLAGS
  ])
])

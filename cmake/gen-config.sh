#!/bin/sh
# gen-config.sh TEMPLATE LIBPLINTH.LA [LIBPLINTH_LEVELDB.LA]: writes the
# CMake package file for TEMPLATE to stdout (make runs it, cmake/local.mk).
#
# Every directory is written relative to the installed file's own
# directory (so a prefix installed with DESTDIR, or moved as a whole, still
# works) when it lies under the prefix, absolute otherwise.  Library file
# names come from libtool's .la files, so they are right for what was built
# (shared, static or both) on this platform.
#
# Environment: PL_VERSION, PL_PREFIX, PL_LIBDIR, PL_INCLUDEDIR, PL_BINDIR,
# PL_LIBS (configure's LIBS: what a static link needs besides libplinth),
# PL_SIZEOF_VOID_P.
set -e
template=$1
plinth_la=$2
leveldb_la=${3:-}
cfgdir=$PL_LIBDIR/cmake/plinth

# relpath FROM TO PREFIX: the directory TO relative to the directory FROM
# when both lie under PREFIX (the installation prefix, which may move as a
# whole), e.g. (/usr/lib/x86_64-linux-gnu/cmake/plinth, /usr/include, /usr)
# -> ../../../../include; TO itself otherwise, or when a path is not
# absolute or has . or .. components.  Run in a subshell (it exits).
relpath() {
  norm() { # collapse repeated slashes, drop a trailing one
    printf '%s\n' "$1" | sed -e 's|//*|/|g' -e 's|\(.\)/$|\1|'
  }
  from=$(norm "$1")
  to=$(norm "$2")
  prefix=$(norm "$3")
  for p in "$from" "$to" "$prefix"; do
    case "$p/" in
      /*/./*|/*/../*|/./*|/../*) printf '%s\n' "$to"; exit 0 ;;
      /*) ;;
      *) printf '%s\n' "$to"; exit 0 ;;
    esac
  done
  for p in "$from" "$to"; do
    [ "$prefix" = / ] || case "$p/" in "$prefix"/*) ;; *) printf '%s\n' "$to"; exit 0 ;; esac
  done
  common=$from
  up=
  while [ "$common" != / ]; do
    case "$to/" in "$common"/*) break ;; esac
    common=$(dirname "$common")
    up="../$up"
  done
  rest=${to#"$common"}
  rest=${rest#/}
  rel=$up$rest
  rel=${rel%/}
  printf '%s\n' "${rel:-.}"
}

dir_expr() { # how the config file names the directory $1
  rel=$(relpath "$cfgdir" "$1" "$PL_PREFIX")
  case "$rel" in
    /*) printf '%s\n' "$rel" ;;
    .) printf '%s\n' "\${_plinth_dir}" ;;
    *) printf '%s\n' "\${_plinth_dir}/$rel" ;;
  esac
}

# la_fields FILE.la: sets la_shared (the installed shared library or DLL),
# la_soname, la_implib (a DLL's import library) and la_static, each empty
# when not built.
la_fields() {
  la=$1
  case "$la" in */*) ;; *) la=./$la ;; esac
  dlname='' library_names='' old_library=''
  # A .la file is shell assignments; libtool itself reads it this way.
  # shellcheck source=/dev/null
  . "$la"
  la_shared='' la_soname='' la_implib='' la_static=''
  realname=${library_names%% *}
  if [ -n "$dlname" ]; then
    case "$dlname" in
      *.dll|*.DLL)
        la_shared="\${_plinth_bindir}/${dlname##*/}"
        la_implib="\${_plinth_libdir}/$realname" ;;
      *)
        la_shared="\${_plinth_libdir}/$realname"
        la_soname=$dlname ;;
    esac
  fi
  [ -z "$old_library" ] || la_static="\${_plinth_libdir}/$old_library"
}

la_fields "$plinth_la"
pl_shared=$la_shared pl_soname=$la_soname pl_implib=$la_implib pl_static=$la_static
ldb_shared='' ldb_soname='' ldb_implib='' ldb_static=''
if [ -n "$leveldb_la" ]; then
  la_fields "$leveldb_la"
  ldb_shared=$la_shared ldb_soname=$la_soname ldb_implib=$la_implib ldb_static=$la_static
fi

# configure's LIBS as a CMake list ("-lfoo -lbar" -> "-lfoo;-lbar").
libs=$(printf '%s\n' "$PL_LIBS" | sed -e 's/^[ 	]*//' -e 's/[ 	]*$//' -e 's/[ 	][ 	]*/;/g')

esc() { printf '%s\n' "$1" | sed -e 's/[\\|&]/\\&/g'; }
sed -e "s|@PL_VERSION@|$(esc "$PL_VERSION")|g" \
    -e "s|@PL_LIBDIR@|$(esc "$(dir_expr "$PL_LIBDIR")")|g" \
    -e "s|@PL_INCLUDEDIR@|$(esc "$(dir_expr "$PL_INCLUDEDIR")")|g" \
    -e "s|@PL_BINDIR@|$(esc "$(dir_expr "$PL_BINDIR")")|g" \
    -e "s|@PL_LIBS@|$(esc "$libs")|g" \
    -e "s|@PL_SIZEOF_VOID_P@|$(esc "$PL_SIZEOF_VOID_P")|g" \
    -e "s|@PL_SHARED@|$(esc "$pl_shared")|g" \
    -e "s|@PL_SONAME@|$(esc "$pl_soname")|g" \
    -e "s|@PL_IMPLIB@|$(esc "$pl_implib")|g" \
    -e "s|@PL_STATIC@|$(esc "$pl_static")|g" \
    -e "s|@PL_LDB_SHARED@|$(esc "$ldb_shared")|g" \
    -e "s|@PL_LDB_SONAME@|$(esc "$ldb_soname")|g" \
    -e "s|@PL_LDB_IMPLIB@|$(esc "$ldb_implib")|g" \
    -e "s|@PL_LDB_STATIC@|$(esc "$ldb_static")|g" \
    "$template"

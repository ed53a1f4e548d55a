#!/bin/sh
# Writes packaging/debian/libplinth0.symbols from the PL_API declarations in
# include/plinth/ (what libplinth.so exports: tests/exports.sh checks that
# nm -D says the same).  A symbol already in the file keeps the version it
# first appeared in; a new one gets configure.ac's version.  The package
# build compares the file with the built library and fails on any
# difference (dpkg-gensymbols -c4), so run this after changing the API.
#
#   packaging/gen-symbols.sh           rewrite the file
#   packaging/gen-symbols.sh --check   exit 1 (and show the diff) if stale
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
out=$top/packaging/debian/libplinth0.symbols
version=$(sed -n 's/^AC_INIT(\[plinth\], \[\([^]]*\)\].*/\1/p' "$top/configure.ac")
[ -n "$version" ] || { echo "gen-symbols: no version in configure.ac's AC_INIT" >&2; exit 1; }
tmp=$(mktemp)
trap 'rm -f "$tmp" "$tmp.syms"' EXIT
# rados.h and s3.h declare the libraries built beside libplinth
# (libplinth_rados, libplinth_s3), which the Debian packages leave out.
for h in "$top"/include/plinth/*.h; do
  case $(basename "$h") in rados.h|s3.h) continue ;; esac
  sed -n 's/^PL_API .*[ *]\(pl_[a-z0-9_]*\)[[(;].*/\1/p' "$h"
done | LC_ALL=C sort -u > "$tmp.syms"
[ -s "$tmp.syms" ] || { echo "gen-symbols: no PL_API declarations found" >&2; exit 1; }
{
  echo "libplinth.so.0 libplinth0 #MINVER#"
  echo "* Build-Depends-Package: libplinth-dev"
  while read -r sym; do
    v=
    [ ! -f "$out" ] || v=$(sed -n "s/^ $sym@Base \\(.*\\)/\\1/p" "$out")
    echo " $sym@Base ${v:-$version}"
  done < "$tmp.syms"
} > "$tmp"
if [ "${1:-}" = --check ]; then
  if ! diff -u "$out" "$tmp"; then
    echo "gen-symbols: $out is stale: run packaging/gen-symbols.sh" >&2
    exit 1
  fi
  exit 0
fi
cp "$tmp" "$out"
echo "gen-symbols: $(wc -l < "$tmp.syms") symbols in $out"

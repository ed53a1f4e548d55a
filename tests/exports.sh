#!/bin/sh
# libplinth.so exports exactly what include/plinth/ declares with PL_API:
# every public function and variable, and nothing internal (pl__*, port,
# model, ...).  Skipped (77) where no shared library is built.
srcdir=${srcdir:-.}
lib=.libs/libplinth.so
if [ ! -f "$lib" ]; then
  echo "SKIP: no shared library ($lib) in this build"
  exit 77
fi
if ! command -v nm >/dev/null 2>&1; then
  echo "SKIP: nm is not installed"
  exit 77
fi
tmp=${TMPDIR:-/tmp}/plinth_exports.$$
mkdir -p "$tmp" || exit 99
trap 'rm -rf "$tmp"' EXIT
# Headers of the libraries built beside libplinth (each checked against
# its own library, when it was built): header:library.
satellites="rados.h:env/rados/.libs/libplinth_rados.so s3.h:env/s3/.libs/libplinth_s3.so"
fail=0
# check LIBRARY HEADER...: the library exports exactly the PL_API
# declarations of the headers.  Declared: the identifier that follows
# PL_API on each public declaration (the name right before '(' or '[').
check() {
  so=$1
  shift
  sed -n 's/^PL_API .*[ *]\(pl_[a-z0-9_]*\)[[(;].*/\1/p' "$@" | sort -u > "$tmp/declared"
  nm -D --defined-only "$so" | awk '$2 ~ /^[TDBRVW]$/ {print $3}' | sed 's/@.*//' | sort -u > "$tmp/exported"
  if [ ! -s "$tmp/declared" ]; then
    echo "FAIL: found no PL_API declarations in $*"
    fail=1
    return
  fi
  extra=$(comm -13 "$tmp/declared" "$tmp/exported")
  missing=$(comm -23 "$tmp/declared" "$tmp/exported")
  if [ -n "$extra" ]; then
    echo "FAIL: $so exports what its headers do not declare:"; echo "$extra" | sed 's/^/  /'; fail=1
  fi
  if [ -n "$missing" ]; then
    echo "FAIL: declared PL_API but not exported by $so:"; echo "$missing" | sed 's/^/  /'; fail=1
  fi
  [ -n "$extra$missing" ] || echo "ok: $so: $(wc -l < "$tmp/exported") exported symbols, each declared in its headers"
}
main_headers=
for h in "$srcdir"/include/plinth/*.h; do
  case " $satellites " in *" $(basename "$h"):"*) continue ;; esac
  main_headers="$main_headers $h"
done
# shellcheck disable=SC2086
check "$lib" $main_headers
for pair in $satellites; do
  h=${pair%%:*}
  so=${pair#*:}
  if [ -f "$so" ]; then
    check "$so" "$srcdir/include/plinth/$h"
  else
    echo "not built here: $so (configure did not find what it needs)"
  fi
done
exit $fail

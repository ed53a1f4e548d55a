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
# Declared: the identifier that follows PL_API on each public declaration
# (the name right before '(' or '[').
sed -n 's/^PL_API .*[ *]\(pl_[a-z0-9_]*\)[[(;].*/\1/p' "$srcdir"/include/plinth/*.h | sort -u > "$tmp/declared"
nm -D --defined-only "$lib" | awk '$2 ~ /^[TDBRVW]$/ {print $3}' | sed 's/@.*//' | sort -u > "$tmp/exported"
if [ ! -s "$tmp/declared" ]; then
  echo "FAIL: found no PL_API declarations under $srcdir/include/plinth"
  exit 1
fi
fail=0
extra=$(comm -13 "$tmp/declared" "$tmp/exported")
missing=$(comm -23 "$tmp/declared" "$tmp/exported")
if [ -n "$extra" ]; then
  echo "FAIL: exported but not declared in include/plinth/:"; echo "$extra" | sed 's/^/  /'; fail=1
fi
if [ -n "$missing" ]; then
  echo "FAIL: declared PL_API but not exported:"; echo "$missing" | sed 's/^/  /'; fail=1
fi
[ $fail -eq 0 ] && echo "ok: $(wc -l < "$tmp/exported") exported symbols, each declared in include/plinth/"
exit $fail

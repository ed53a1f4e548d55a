#!/bin/sh
# The man pages cannot drift from the CLI: every option a command's --help
# lists is documented in its section of plinth(1), and every option the
# page documents is one --help lists.
srcdir=${srcdir:-.}
plinth=./tools/plinth
page=$srcdir/man/plinth.1
[ -x "$plinth" ] || { echo "$plinth is missing"; exit 99; }
[ -f "$page" ] || { echo "$page is missing"; exit 99; }
fail=0
tmp=${TMPDIR:-/tmp}/man_pages_test.$$
mkdir -p "$tmp" || exit 99
trap 'rm -rf "$tmp"' EXIT

# Options on --help's option lines (indented, starting with '-').
help_options() {
  "$plinth" "$@" --help | grep -E '^ +-' | grep -oE '(^| )--?[A-Za-z][A-Za-z-]*' | tr -d ' ' | sort -u
}
# Options on the .TP item lines of one section of the page.
page_options() {
  awk -v sec="$1" '/^\.SH /{on = ($0 == ".SH " sec); next} on && prev == ".TP" {print} {prev = $0}' "$page" |
    sed 's/\\-/-/g' | grep -oE '(^|[ "])--?[A-Za-z][A-Za-z-]*' | tr -d ' "' | sort -u
}

compare() { # name section [command]
  name=$1 sec=$2
  shift 2
  help_options "$@" >"$tmp/help"
  page_options "$sec" >"$tmp/page"
  if [ ! -s "$tmp/help" ]; then echo "FAIL: $name: no options found in --help"; fail=1; return; fi
  only_help=$(comm -23 "$tmp/help" "$tmp/page")
  only_page=$(comm -13 "$tmp/help" "$tmp/page")
  if [ -n "$only_help" ]; then echo "FAIL: $name: in --help but not in plinth(1) $sec:" $only_help; fail=1; fi
  if [ -n "$only_page" ]; then echo "FAIL: $name: in plinth(1) $sec but not in --help:" $only_page; fail=1; fi
  [ -z "$only_help$only_page" ] && echo "ok: $name: $(wc -l <"$tmp/help") options in --help and in plinth(1)"
}

# The global help lists --version and --help in its usage line, not on
# option lines: both are checked against the page directly.
for o in --version -V --help -h; do
  page_options "GLOBAL OPTIONS" | grep -qx -- "$o" || { echo "FAIL: plinth(1) does not document $o"; fail=1; }
done
"$plinth" --help | grep -q -- --version || { echo "FAIL: plinth --help does not mention --version"; fail=1; }
compare "plinth probe" "PROBE OPTIONS" probe
compare "plinth crashcheck" "CRASHCHECK OPTIONS" crashcheck
# Every command --help lists has a section of its own in the page.
for cmd in $("$plinth" --help | awk '/^commands:/{on=1; next} on && /^  [a-z]/ {print $1}'); do
  upper=$(echo "$cmd" | tr a-z A-Z)
  grep -q "^\.SH $upper OPTIONS" "$page" || { echo "FAIL: plinth(1) has no $upper OPTIONS section"; fail=1; }
done
exit $fail

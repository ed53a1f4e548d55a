#!/bin/sh
# The plinth CLI's manners: --version and -V print the package version;
# --help, on the dispatcher and on every command it lists, goes to stdout
# with status 0 and nothing on stderr; a usage error goes to stderr with
# status 2 and nothing on stdout; every text ends with a newline (a help
# that does not runs into the next shell prompt).
plinth=./tools/plinth
if [ ! -x "$plinth" ]; then
  echo "$plinth is missing"
  exit 99
fi
version=$(sed -n 's/^#define PACKAGE_VERSION "\(.*\)"$/\1/p' config.h)
if [ -z "$version" ]; then
  echo "no PACKAGE_VERSION in ./config.h"
  exit 99
fi
tmp=${TMPDIR:-/tmp}/plinth_cli_manners.$$
mkdir -p "$tmp" || exit 99
trap 'rm -rf "$tmp"' EXIT
fail=0

# ends_with_newline FILE: FILE is non-empty and its last byte is '\n'.
ends_with_newline() {
  [ -s "$1" ] && [ "$(tail -c 1 "$1" | od -An -c | tr -d ' ')" = '\n' ]
}

# asked DESCRIPTION ARGS...: a request (help, version) succeeds on stdout.
asked() {
  what=$1
  shift
  "$plinth" "$@" > "$tmp/out" 2> "$tmp/err"
  rc=$?
  if [ "$rc" -ne 0 ]; then
    echo "FAIL: plinth $* ($what) exited $rc, expected 0"; fail=1
  elif [ -s "$tmp/err" ]; then
    echo "FAIL: plinth $* ($what) wrote to stderr:"; sed 's/^/  /' "$tmp/err"; fail=1
  elif ! ends_with_newline "$tmp/out"; then
    echo "FAIL: plinth $* ($what): stdout is empty or does not end with a newline"; fail=1
  else
    echo "ok: plinth $* -> 0, stdout only, ends with a newline"
  fi
}

# misused ARGS...: a usage error fails with 2 and says so on stderr only.
misused() {
  "$plinth" "$@" > "$tmp/out" 2> "$tmp/err"
  rc=$?
  if [ "$rc" -ne 2 ]; then
    echo "FAIL: plinth $* exited $rc, expected 2"; fail=1
  elif [ -s "$tmp/out" ]; then
    echo "FAIL: plinth $* wrote to stdout:"; sed 's/^/  /' "$tmp/out"; fail=1
  elif ! ends_with_newline "$tmp/err"; then
    echo "FAIL: plinth $*: stderr is empty or does not end with a newline"; fail=1
  else
    echo "ok: plinth $* -> 2, stderr only, ends with a newline"
  fi
}

for flag in --version -V; do
  asked version "$flag"
  if [ "$(cat "$tmp/out")" != "plinth $version" ]; then
    echo "FAIL: plinth $flag printed '$(cat "$tmp/out")', expected 'plinth $version'"; fail=1
  fi
done

asked help --help
asked help -h
# Every command the dispatcher's help lists (the indented names under
# "commands:"), so a command added later is held to the same manners.
commands=$("$plinth" --help | sed -n '/^commands:/,/^$/s/^  \([a-z][a-z0-9-]*\) .*/\1/p')
if [ -z "$commands" ]; then
  echo "FAIL: plinth --help lists no commands"; fail=1
fi
for c in $commands; do
  asked help "$c" --help
  asked help "$c" -h
  misused "$c" --no-such-option
done

misused
misused no-such-command
misused --no-such-option
misused probe
exit $fail

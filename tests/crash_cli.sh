#!/bin/sh
# plinth crashcheck gives every built-in example its expected verdict from
# the command line (exit 0 = passed, 1 = caught), replays a state id, and
# rejects bad usage with status 2.
plinth=./tools/plinth
if [ ! -x "$plinth" ]; then
  echo "$plinth is missing"
  exit 99
fi
fail=0
check() { # example expected-status
  "$plinth" crashcheck --quiet --max-failures 1 "$1" > crash_cli.out 2>&1
  got=$?
  if [ "$got" -ne "$2" ]; then
    echo "FAIL: crashcheck $1 exited $got, expected $2"; cat crash_cli.out; fail=1
  else
    echo "ok: crashcheck $1 -> $got"
  fi
}
check replace-ok 0
check replace-no-sync 1
check create-no-dirsync 1
check log-ok 0
check log-no-checksum 1

out=${TMPDIR:-/tmp}/crash_cli_test.$$
rm -rf "$out"
if "$plinth" crashcheck create-no-dirsync --replay 5:1 --out "$out" > /dev/null &&
   [ -f "$out/data" ] && [ "$(wc -c < "$out/data")" -eq 2000 ]; then
  echo "ok: replay 5:1 wrote the synced file"
else
  echo "FAIL: replay 5:1"; fail=1
fi
rm -rf "$out"

"$plinth" crashcheck --no-such-option > /dev/null 2>&1
[ $? -eq 2 ] || { echo "FAIL: bad option did not exit 2"; fail=1; }
"$plinth" crashcheck no-such-example > /dev/null 2>&1
[ $? -eq 2 ] || { echo "FAIL: unknown example did not exit 2"; fail=1; }
"$plinth" crashcheck --trace /nonexistent/trace --checker true > /dev/null 2>&1
[ $? -eq 2 ] || { echo "FAIL: missing trace did not exit 2"; fail=1; }
rm -f crash_cli.out
exit $fail

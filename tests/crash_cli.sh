#!/bin/sh
# plinth crashcheck from the command line: every built-in example gets its
# expected verdict (exit 0 = passed, 1 = caught), a state id replays, and
# everything that is not a verdict -- bad usage, a checker that hangs, is
# missing or crashes, a program that fails or records nothing -- is an
# error (exit 2) that says why, never a wall of "failing states".
plinth=$(pwd)/tools/plinth
workload=$(pwd)/tests/crash_workload
if [ ! -x "$plinth" ] || [ ! -x "$workload" ]; then
  echo "$plinth or $workload is missing"
  exit 99
fi
tmp=${TMPDIR:-/tmp}/crash_cli_test.$$
rm -rf "$tmp"
mkdir -p "$tmp" || exit 99
trap 'rm -rf "$tmp"' EXIT
out=$tmp/out
err=$tmp/err
fail=0

bad() {
  echo "FAIL: $*"
  echo "--- stdout"; cat "$out"; echo "--- stderr"; cat "$err"
  fail=1
}

# run EXPECTED-STATUS ARGS...: runs plinth crashcheck, checks the status.
run() {
  want=$1
  shift
  "$plinth" crashcheck --quiet "$@" >"$out" 2>"$err"
  got=$?
  if [ "$got" -ne "$want" ]; then
    bad "crashcheck $* exited $got, expected $want"
    return 1
  fi
  echo "ok: crashcheck $* -> $got"
}

# said WHERE TEXT: the last run's stdout or stderr holds TEXT.
said() {
  if ! grep -q -- "$2" "$1"; then
    bad "expected '$2' in $(basename "$1")"
  fi
}

run 0 --max-failures 1 replace-ok
run 1 --max-failures 1 replace-no-sync
run 1 --max-failures 1 create-no-dirsync
run 0 --max-failures 1 log-ok
run 1 --max-failures 1 log-no-checksum

# Failures name files by their name at the crash point, and count ops as
# --dump numbers them.
run 1 --max-failures 1 --no-shrink replace-no-sync && said "$out" "(opened as config.tmp)"
after=$(sed -n 's/^failure 1: crash right after op \([0-9]*\):.*/\1/p' "$out")
run 0 --dump replace-no-sync
if [ -z "$after" ] || ! grep -q "^ *$after  " "$out"; then
  bad "the failure's 'crash right after op $after' is not a --dump line"
fi

# Replays: an id writes its state; a non-empty directory is refused.
mkdir -p "$tmp/replay"
run 0 create-no-dirsync --replay 5:1 --out "$tmp/replay/new"
if [ ! -f "$tmp/replay/new/data" ] || [ "$(wc -c <"$tmp/replay/new/data")" -ne 2000 ]; then
  bad "replay 5:1 did not write the synced file"
fi
run 2 create-no-dirsync --replay 5:1 --out "$tmp/replay/new" && said "$err" "not empty"
run 2 create-no-dirsync --replay "5:1:ffff" --out "$tmp/replay/other" && said "$err" "other options"
run 2 create-no-dirsync --replay "5:1*99999999999" --out "$tmp/replay/other"

# Usage errors and numbers: digits only, in range.
run 2 --no-such-option
run 2 no-such-example
run 2 --trace /nonexistent/trace --checker true
run 2 --sector -512 log-ok && said "$err" "whole number"
run 2 --sector 0 log-ok
run 2 --seed 12abc log-ok
run 2 --max-tears 1e3 log-ok
run 2 --checker-timeout nan log-ok
run 2 --max-failures 99999999999999999999999 log-ok

# Checkers that give no verdict are errors naming the state.
run 2 --checker "sleep 30 #" --checker-timeout 1 log-ok && said "$err" "timed out" && said "$err" "state "
run 2 --checker "$tmp/no-such-checker" log-ok && said "$err" "not found"
printf 'echo hi\n' >"$tmp/not-executable"
run 2 --checker "$tmp/not-executable" log-ok && said "$err" "cannot be executed"
run 2 --checker "sh -c 'kill -SEGV \$\$'" log-ok && said "$err" "SIGSEGV"
# A checker that says "inconsistent" is a verdict.
run 1 --max-failures 1 --checker false log-ok

# Recorded programs.
cd "$tmp" || exit 99
cp "$workload" ./myprog
run 0 --checker true -- ./myprog ok
run 0 --checker true --record rel.plt -- ./myprog ok
[ -f "$tmp/rel.plt" ] || bad "--record rel.plt was not written relative to the starting directory"
run 0 --dump --trace rel.plt && said "$out" "note \"ack\""
run 2 --checker true -- ./myprog fail 3 && said "$err" "exit 3"
run 2 --checker true -- ./myprog abort && said "$err" "killed by SIGABRT"
run 0 --checker true --allow-failed-program -- ./myprog fail 3 && said "$err" "anyway"
run 2 --checker true --program-timeout 1 -- ./myprog sleep && said "$err" "timed out"
run 2 --checker true -- ./myprog nothing && said "$err" "did not call pl_env_default"
run 0 --checker true -- ./myprog none && said "$err" "recorded no operation"
run 0 --checker true -- ./myprog outside "$tmp/elsewhere" && said "$err" "outside the recording root"
run 2 --checker true -- ./no-such-program && said "$err" "No such file"
run 2 --checker true -- no-such-program-in-path-$$ && said "$err" "not found"
# The recorder's verdict through a checker that reads the state.
cat >"$tmp/check.sh" <<'EOF'
#!/bin/sh
# DIR NOTES: an acknowledged "data" must be there, whole.
if grep -q ack "$2" && [ "$(cat "$1/data" 2>/dev/null)" != acknowledged ]; then
  echo "acknowledged data lost"
  exit 1
fi
exit 0
EOF
chmod +x "$tmp/check.sh"
run 0 --checker ./check.sh -- ./myprog ok

exit $fail

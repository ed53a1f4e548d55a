#!/bin/sh
# plinth crashcheck from the command line: every built-in example gets its
# expected verdict (exit 0 = passed, 1 = caught), a state id replays, and
# everything that is not a verdict -- bad usage, a checker that hangs, is
# missing or crashes, a program that fails or records nothing -- is an
# error (exit 2) that says why, never a wall of "failing states".
plinth=$(pwd)/tools/plinth
workload=$(pwd)/tests/crash_workload
example=$(pwd)/crash/crash_example
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

# The HTML report: one page, a timeline per failure, nothing fetched.
run 1 --max-failures 2 --html "$tmp/report.html" log-no-checksum
if ! grep -q "<svg" "$tmp/report.html" || ! grep -q 'class="op torn"' "$tmp/report.html" ||
   grep -Eq '(src|href)=|@import|url\(' "$tmp/report.html"; then
  bad "--html did not write a self-contained page with a timeline"
fi
run 2 --html /nonexistent/dir/report.html log-no-checksum && said "$err" "cannot write"

# Replays: an id writes its state; a non-empty directory is refused.
mkdir -p "$tmp/replay"
run 0 create-no-dirsync --replay 5:1 --out "$tmp/replay/new"
if [ ! -f "$tmp/replay/new/data" ] || [ "$(wc -c <"$tmp/replay/new/data")" -ne 2000 ]; then
  bad "replay 5:1 did not write the synced file"
fi
run 2 create-no-dirsync --replay 5:1 --out "$tmp/replay/new" && said "$err" "not empty"
run 2 create-no-dirsync --replay "5:1:ffff" --out "$tmp/replay/other" && said "$err" "other options"
run 2 create-no-dirsync --replay "5:1*99999999999" --out "$tmp/replay/other"

# Every option is taken, and changes what it says (the examples' verdicts
# stand under each).
run 0 --list && said "$out" "log-no-checksum"
run 0 --model ext4-ordered log-ok
# ext4's journal commits metadata in order and never tears a growing
# write: the torn append that strict catches cannot happen there.
run 0 --model ext4-ordered log-no-checksum && said "$out" "verdict: passed (expected: caught)"
run 2 --model zfs log-ok && said "$err" "unknown model"
run 0 --sync-points --format json log-ok && said "$out" '"points": [0-9]'
run 0 --sector 256 --max-tears 4 log-ok
run 1 --garbage --non-atomic-rename --max-failures 1 replace-no-sync
run 0 --max-exhaustive 16 --samples 4 --seed 7 log-ok && said "$out" "of which sampled"
run 1 --max-failures 0 --no-shrink log-no-checksum
run 0 --checker-timeout 5 --max-trace-size 100000 log-ok
mkdir -p "$tmp/work"
run 0 --work "$tmp/work" log-ok
[ -n "$(ls "$tmp/work")" ] || bad "--work left nothing in its directory"
run 2 --format xml log-ok && said "$err" "unknown format"
run 2 log-ok replace-ok && said "$err" "one EXAMPLE at most"
run 2 --trace && said "$err" "needs a value"
run 0 --help && said "$out" "usage: plinth crashcheck"

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
run 2 --env --checker true -- ./myprog nothing && said "$err" "did not call pl_env_default"
run 0 --env --checker true -- ./myprog none && said "$err" "recorded no operation"
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
said "$out" "recorded with: plinth's env"

# Recording at the system-call level (Linux builds): any program, here a
# shell script, with its notes written to $PLINTH_NOTES.
if "$plinth" crashcheck --help | grep -q -- --syscalls && [ "$(uname -s)" = Linux ]; then
  cat >"$tmp/durable.sh" <<'SCRIPT'
#!/bin/sh
# Writes "data" durably (dd's fsync, then sync), notes it.
printf acknowledged | dd of=data conv=fsync status=none || exit 1
sync
echo ack >> "$PLINTH_NOTES"
SCRIPT
  cat >"$tmp/careless.sh" <<'SCRIPT'
#!/bin/sh
# Notes "data" without syncing anything.
printf acknowledged > data
echo ack >> "$PLINTH_NOTES"
SCRIPT
  chmod +x "$tmp/durable.sh" "$tmp/careless.sh"
  run 0 --checker ./check.sh --record sh.plt -- ./durable.sh && said "$out" "recorded with: system calls"
  run 0 --dump --trace sh.plt && said "$out" 'note "ack"' && said "$out" "syncall"
  run 1 --max-failures 1 --checker ./check.sh -- ./careless.sh && said "$out" "acknowledged data lost" &&
    said "$out" "lost: op [0-9]* write #[0-9]* data"
  # A plinth program recorded by its system calls: its pl_crash_env_note
  # reaches the trace through $PLINTH_NOTES.
  run 0 --syscalls --checker ./check.sh --record sys.plt -- ./myprog ok && said "$out" "recorded with: system calls"
  run 0 --dump --trace sys.plt && said "$out" 'note "ack"'
  # A script that uses plinth and also writes without it: plinth's trace,
  # and a word about the rest.
  printf '#!/bin/sh\n"$1"/myprog ok && echo other > other\n' >"$tmp/mixed.sh"
  chmod +x "$tmp/mixed.sh"
  run 0 --checker true -- ./mixed.sh "$tmp" && said "$err" "also changed without plinth (first: other)"
  run 0 --syscalls --checker true --record mixed.plt -- ./mixed.sh "$tmp"
  run 0 --dump --trace mixed.plt && said "$out" "create #[0-9]* other"
  # The program's own output, redirected to a file by its caller, is not a
  # change outside the root.
  if grep -q "outside the recording root" "$out"; then bad "the caller's stderr file was called a change"; fi
  # A change outside the root is named, not recorded.
  printf '#!/bin/sh\necho x > "$1"/outside-file\necho y > inside\n' >"$tmp/outside.sh"
  chmod +x "$tmp/outside.sh"
  run 0 --checker true -- ./outside.sh "$tmp" &&
    said "$err" "outside the recording root were not recorded (first: ignored \"create $tmp/outside-file"
  # ... unless PLINTH_TRACE_IGNORE says it is noise (a profiler's output).
  PLINTH_TRACE_IGNORE='*.gcda:outside-*' run 0 --checker true -- ./outside.sh "$tmp"
  if grep -q "outside-file" "$err"; then bad "PLINTH_TRACE_IGNORE did not keep outside-file out"; fi
  # --record-only records and stops; --exclude leaves files out, and
  # refuses to when a rename would carry contents across the pattern.
  printf '#!/bin/sh\necho x > a.tmp && mv a.tmp a && echo y > b.shm\n' >"$tmp/tmpfile.sh"
  chmod +x "$tmp/tmpfile.sh"
  run 0 --record-only --record only.plt -- ./tmpfile.sh && said "$out" "recorded ./tmpfile.sh with system calls"
  run 0 --dump --trace only.plt --exclude '*.shm'
  if grep -q "b.shm" "$out"; then bad "--exclude '*.shm' left b.shm in the trace"; fi
  run 2 --dump --trace only.plt --exclude '*.tmp' && said "$err" "moves a file between an excluded name and a kept one"
  run 2 --record-only --trace only.plt && said "$err" "records a program: give -- PROGRAM"
  # A kernel (or a tracer) that refuses ptrace: here the recorded program
  # is itself crashcheck, whose child cannot be traced twice.  --syscalls
  # says why; the default falls back to plinth's env and says so.
  run 0 --record-only --allow-failed-program -- "$plinth" crashcheck --record-only --syscalls -- true &&
    said "$err" "ptrace refused"
  run 0 --record-only --allow-failed-program -- "$plinth" crashcheck --record-only -- true &&
    said "$err" "recording with plinth's env only"
  # Usage.
  run 2 --syscalls --env --checker true -- ./myprog ok && said "$err" "exclude each other"
  run 2 --syscalls log-ok && said "$err" "give -- PROGRAM"
  run 2 --syscalls --checker true -- ./no-such-program && said "$err" "No such file"
  run 2 --syscalls --checker true --program-timeout 1 -- ./myprog sleep && said "$err" "timed out"
else
  echo "SKIP syscall recording: not a Linux build"
fi

# crash/crash_example, the built-in examples as a program of their own:
# run, check (0 consistent, 1 with the reason on stdout), usage (2).
if [ -x "$example" ]; then
  mkdir "$tmp/ex"
  if PLINTH_CRASH_DIR="$tmp/ex" "$example" run replace-ok >"$out" 2>"$err" &&
     "$example" check replace-ok "$tmp/ex" "$tmp/no-notes" >"$out" 2>"$err"; then
    echo "ok: crash_example run and check replace-ok -> 0"
  else
    bad "crash_example run or check replace-ok failed"
  fi
  echo garbage >"$tmp/ex/config"
  printf 'v1\n' >"$tmp/ex/notes"
  "$example" check replace-ok "$tmp/ex" "$tmp/ex/notes" >"$out" 2>"$err"
  [ $? -eq 1 ] && said "$out" "config holds neither version" || bad "crash_example check of a damaged config did not exit 1"
  PLINTH_CRASH_DIR="$tmp/missing" "$example" run replace-ok >"$out" 2>"$err"
  [ $? -eq 1 ] && said "$err" "crash_example replace-ok: $tmp/missing/" || bad "crash_example run in a missing directory did not exit 1"
  "$example" run >"$out" 2>"$err"
  [ $? -eq 2 ] && said "$err" "usage: crash_example run NAME" || bad "crash_example without a name did not exit 2"
else
  echo "SKIP crash_example: not built"
fi

# Usage errors, each with its own message, before anything is run.
run 2 && said "$err" "give one of EXAMPLE, --trace FILE or -- PROGRAM"
run 2 --checker true -- && said "$err" "no program after --"
run 2 --trace "$tmp/t.plt" && said "$err" "a trace or program needs --checker CMD"
run 2 --replay 1 --trace "$tmp/t.plt" && said "$err" "--replay needs --out DIR"
run 2 --env log-ok && said "$err" "give -- PROGRAM"
run 2 --model weak log-ok && said "$err" "unknown model 'weak'"
# shellcheck disable=SC2046
run 2 $(for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17; do printf -- '--exclude x%d ' "$i"; done) log-ok &&
  said "$err" "at most 16 --exclude patterns"
run 2 --format xml log-ok && said "$err" "unknown format 'xml' (text, json)"
# Every number option refuses what is not a whole number in its range.
for bad in "--max-exhaustive 0" "--samples 4294967297" "--program-timeout 86401" "--max-trace-size 15" \
           "--seed 18446744073709551616" "--checker-timeout x" "--max-tears -1"; do
  # shellcheck disable=SC2086
  run 2 $bad log-ok && said "$err" "${bad%% *} wants a whole number from"
done
run 0 --model strict --format text --max-failures 1 replace-ok

# An HTML report that cannot be written is an error, not a verdict.
run 2 --max-failures 1 --html /dev/full replace-no-sync && said "$err" "cannot write /dev/full"
# The report's title names what was checked: the trace file, the program.
run 0 --checker true --html "$tmp/trace.html" --trace rel.plt && grep -q "rel.plt" "$tmp/trace.html" ||
  bad "--html of a trace does not name rel.plt"
run 0 --checker true --html "$tmp/prog.html" -- ./myprog ok && grep -q "myprog" "$tmp/prog.html" ||
  bad "--html of a program does not name ./myprog"
# Without --quiet, progress goes to stderr and never to stdout.
if "$plinth" crashcheck --max-failures 1 replace-ok >"$out" 2>"$err" && grep -q "crash point [0-9]*/[0-9]*  states" "$err" &&
   ! grep -q "crash point [0-9]*/" "$out"; then
  echo "ok: crashcheck replace-ok shows its progress on stderr"
else
  bad "crashcheck replace-ok without --quiet: no progress on stderr"
fi

exit $fail
